"""Every limit of rules.md §4, worked out by hand: exactly at it, and one grosz (money) or one unit in the
9th decimal (figures) on either side, plus the clarified points of §1–§3 and the arithmetic of §7.

The datasets are built so that float arithmetic would get them wrong: amounts such as 266,666.67 PLN a
month are not binary fractions, and growth such as 3,360,000 / 3,200,000 − 1 is 0.050000000000000044 in
float. Each expected value below is the decimal one, compared with ``==``, never approximately.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np
import pandas as pd
import pytest
from builders import account, dataset, growing_seller, monthly, nip
from hypothesis import given, settings
from hypothesis import strategies as st

from core import Policy, PolicyError, compute_metrics, evaluate, load_dataset
from core.dataset import Dataset
from core.decide import peer_benchmarks
from core.metrics import to_grosze

N1 = nip(0)
AS_OF = "2026-10"
END = pd.Period(AS_OF, "M")
GROSZ = 0.01
NANO = 1e-9  # one unit in the 9th decimal


def run(accounts, revenue, policy=None, as_of=AS_OF) -> pd.DataFrame:
    return evaluate(dataset(accounts, revenue), policy or Policy.default(), as_of=as_of).set_index("nip")


def one(accounts, revenue, policy=None, as_of=AS_OF) -> pd.Series:
    return run(accounts, revenue, policy, as_of).loc[accounts[0]["nip"]]


def policy(**sections) -> Policy:
    return Policy.from_dict(sections)


def seller(yearly_now: float, yearly_before: float, category="Fashion", account_id="A1") -> list[tuple]:
    return growing_seller(account_id, category, yearly_now, yearly_before, as_of=AS_OF)


# -- §4 revenue: standard path (Fashion: company threshold 3,200,000 PLN) ------------------------------


@pytest.mark.parametrize("delta, ok", [(-GROSZ, False), (0, True), (GROSZ, True)])
def test_standard_path_at_the_company_threshold(delta, ok):
    rev_c = round(3_200_000 + delta, 2)
    row = one([account("A1", N1)], seller(rev_c, 3_000_000))
    assert row.main_category_revenue == rev_c  # the twelve months add up exactly, in whole grosze
    assert row.standard_ok == ok and row.path == ("standard" if ok else "")
    assert row.status == ("qualified" if ok else "not_qualified")
    assert row.gap == (0.01 if delta < 0 else 0)


def test_company_threshold_summed_over_accounts_to_the_grosz():
    # 1,066,666.67 + 1,066,666.66 + 1,066,666.67 = 3,200,000.00 over three accounts, in monthly amounts
    # such as 88,888.89.
    accounts = [account("A1", N1), account("A2", N1), account("A3", N1)]
    rev = seller(1_066_666.67, 900_000, account_id="A1") + seller(1_066_666.66, 900_000, account_id="A2")
    rev += seller(1_066_666.67, 900_000, account_id="A3")
    row = one(accounts, rev)
    assert row.main_category_revenue == 3_200_000.00 and row.path == "standard" and row.gap == 0
    rev[-1] = (rev[-1][0], rev[-1][1], rev[-1][2], round(rev[-1][3] - 0.01, 2))
    row = one(accounts, rev)
    assert row.main_category_revenue == 3_199_999.99 and row.reasons == "revenue" and row.gap == 0.01


@pytest.mark.parametrize("threshold, passes", [(3_200_000.01, False), (3_200_000.00, True), (3_199_999.99, True)])
def test_a_policy_threshold_in_grosze(threshold, passes):
    p = policy(categories={"Fashion": {"company": threshold}})
    row = one([account("A1", N1)], seller(3_200_000, 3_000_000), p)
    assert row.standard_ok == passes and row.gap == (0.01 if not passes else 0)


def test_a_scaled_threshold_is_taken_to_the_grosz_not_to_the_float():
    # 3,500,000 * 1.1 is 3850000.0000000005 in float: a company at 3,850,000.00 is exactly at the threshold.
    scaled = Policy.default().scaled(1.1)
    assert scaled.categories["Automotive"].company != 3_850_000  # the float noise this test is about
    for delta, ok in [(-GROSZ, False), (0, True), (GROSZ, True)]:
        row = one([account("A1", N1)], seller(round(3_850_000 + delta, 2), 3_000_000, "Automotive"), scaled)
        assert row.standard_ok == ok, delta
        assert row.gap == (0.01 if delta < 0 else 0)


def test_revenue_rows_are_taken_to_the_grosz_half_to_even():
    # 0.005 and 0.015 PLN are half a grosz: to even gives 0 and 2 grosze; 1.015 is 1.01499999… in float.
    rows = [("A1", "Fashion", str(END - k), amount) for k, amount in enumerate([0.005, 0.015, 1.015, 2.675, 0.0049])]
    m = compute_metrics(dataset([account("A1", N1)], rows), AS_OF)
    assert m.companies.total_revenue[0] == 3.72  # 0 + 2 + 102 + 268 + 0 grosze


@pytest.mark.parametrize(
    "text, grosze",
    [
        ("0.005", 0),
        ("0.015", 2),
        ("1.015", 102),
        ("2.675", 268),
        ("0.0049", 0),
        ("136876171.015", 13_687_617_102),
        ("1000000000.005", 100_000_000_000),
        ("1000000000.025", 100_000_000_002),
        ("999.994999", 99_999),
        ("7", 700),
    ],
)
def test_an_amount_is_taken_to_the_grosz_as_written(text, grosze):
    # Half a grosz goes to the even grosz, judged on the decimal as written, not on the float's binary value.
    assert to_grosze(np.array([float(text)]))[0] == grosze


@settings(max_examples=150, deadline=None)
@given(
    amounts=st.lists(
        st.one_of(
            st.decimals(min_value=0, max_value=10**9, places=2),
            st.decimals(min_value=0, max_value=10**12, places=3),
            st.sampled_from([Decimal("1.015"), Decimal("2.675"), Decimal("0.005")]),
        ),
        min_size=1,
        max_size=40,
    ),
    chunk=st.integers(1, 8),
)
def test_many_amounts_are_each_taken_to_the_grosz_as_written(amounts, chunk):
    """Converted in chunks (core.metrics._CHUNK rows at a time, here a few), each amount still comes out as its
    own decimal rounded half to even: a half grosz anywhere, in any chunk, is judged as written."""
    import core.metrics

    expected = [int((Decimal(str(float(a))) * 100).to_integral_value(ROUND_HALF_EVEN)) for a in amounts]
    before = core.metrics._CHUNK
    core.metrics._CHUNK = chunk
    try:
        got = to_grosze(np.array([float(a) for a in amounts]))
    finally:
        core.metrics._CHUNK = before
    assert got.tolist() == expected


# -- §4 revenue: conditional path (Fashion: conditional threshold 800,000 PLN) ----------------------------


def _peers(n: int, now: float, before: float, category="Fashion") -> tuple[list, list]:
    accounts, rev = [], []
    for i in range(n):
        accounts.append(account(f"P{i}", nip(10 + i)))
        rev += growing_seller(f"P{i}", category, now, before, as_of=AS_OF)
    return accounts, rev


@pytest.mark.parametrize("delta, ok", [(-GROSZ, False), (0, True), (GROSZ, True)])
def test_conditional_path_at_the_conditional_threshold(delta, ok):
    peers, peer_rev = _peers(3, 3_520_000, 3_200_000)  # +10 %
    rev_c = round(800_000 + delta, 2)
    row = one([account("A1", N1)] + peers, seller(rev_c, 400_000) + peer_rev)  # about +100 %, far above
    assert row.main_category_revenue == rev_c and row.peer_benchmark == 0.1
    assert row.conditional_ok == ok and row.path == ("conditional" if ok else "")
    assert row.gap == round(3_200_000 - rev_c, 2)


@pytest.mark.parametrize("delta, ok", [(-GROSZ, False), (0, False), (GROSZ, True)])
def test_conditional_path_at_the_peer_benchmark(delta, ok):
    # Peers grow by exactly 10 % (3,520,000 / 3,200,000). The company: 10,000,000 -> 11,000,000 ± 0.01 PLN,
    # which is 10 % ± one unit in the 9th decimal. It is among its own peers, but stays on the same side.
    peers, peer_rev = _peers(3, 3_520_000, 3_200_000)
    wide = policy(categories={"Fashion": {"company": 50_000_000}})  # keep the standard path out of the way
    row = one([account("A1", N1)] + peers, seller(round(11_000_000 + delta, 2), 10_000_000) + peer_rev, wide)
    assert row.peer_benchmark == 0.1
    assert row.main_category_growth == round(0.1 + delta * 100 * NANO, 9)
    assert row.conditional_ok == ok and row.path == ("conditional" if ok else "")


def test_growth_figures_and_the_peer_benchmark_are_rounded_to_9_decimals():
    # Garden peers growing 10 % and 20 %: numpy's median is 0.15000000000000002 in float.
    accounts, rev = _peers(2, 0, 0)
    rev = growing_seller("P0", "Garden", 110_000, 100_000, as_of=AS_OF) + growing_seller(
        "P1", "Garden", 120_000, 100_000, as_of=AS_OF
    )
    m = compute_metrics(dataset(accounts, rev), AS_OF)
    assert list(m.companies.main_category_growth) == [0.1, 0.2] and list(m.companies.growth) == [0.1, 0.2]
    assert np.percentile([0.1, 0.2], 50) != 0.15  # the noise
    garden = list(Policy.default().categories).index("Garden")
    assert peer_benchmarks(m, Policy.default())[garden] == 0.15
    assert peer_benchmarks(m, policy(conditional={"peer_percentile": 30}))[garden] == 0.13


def test_conditional_needs_main_category_history():
    peers, peer_rev = _peers(3, 3_520_000, 3_200_000)
    # One grosz of Fashion in P is history: growth is huge and defined.
    rev = seller(1_000_000, 0) + [("A1", "Fashion", str(END - 12), 0.01)]
    row = one([account("A1", N1)] + peers, rev + peer_rev)
    assert row.main_category_growth == 99_999_999 and row.conditional_ok
    # Only a row of 0 PLN in P: no history, the conditional path is not available.
    rev = seller(1_000_000, 0) + [("A1", "Fashion", str(END - 12), 0.0)]
    row = one([account("A1", N1)] + peers, rev + peer_rev)
    assert math.isnan(row.main_category_growth) and not row.conditional_ok
    assert row.reasons == "revenue|insufficient_history"


# -- §4 revenue: brand path (Kids: brand threshold 590,000 PLN) ------------------------------------------


@pytest.mark.parametrize("delta, ok", [(-GROSZ, False), (0, True), (GROSZ, True)])
def test_brand_path_at_the_brand_threshold(delta, ok):
    accounts = [account("A1", N1), account("B1", N1, brand_zone=True)]
    rev_b = round(590_000 + delta, 2)
    rev = seller(2_000_000, 1_500_000) + seller(rev_b, 500_000, "Kids", account_id="B1")
    row = one(accounts, rev)
    assert row.brand_revenue == rev_b and row.brand_category == "Kids"
    assert row.brand_ok == ok and row.path == ("brand" if ok else "")


@pytest.mark.parametrize("kids_extra, category", [(0, "Electronics"), (GROSZ, "Kids")])
def test_brand_account_own_main_category_tie_to_the_grosz(kids_extra, category):
    # Electronics comes before Kids in the published table, so it wins an exact tie; one grosz more decides.
    accounts = [account("B1", N1, brand_zone=True)]
    rev = seller(round(600_000 + kids_extra, 2), 300_000, "Kids", "B1") + seller(600_000, 300_000, "Electronics", "B1")
    row = one(accounts, rev)
    assert row.brand_category == category and row.brand_ok == (category == "Kids")


def test_brand_zone_account_without_revenue_in_c_has_no_main_category():
    free = policy(categories={"Kids": {"brand": 0}})  # any revenue at all would pass
    accounts = [account("A1", N1, main_account=True), account("B1", N1, brand_zone=True)]
    base = seller(1_000_000, 400_000)  # Fashion, under every threshold (and alone: no conditional path)
    # Only P revenue, and a row of 0 PLN in C: the account has no main category and cannot open the path.
    rev = base + seller(0, 500_000, "Kids", "B1") + [("B1", "Kids", AS_OF, 0.0)]
    row = one(accounts, rev, free)
    assert not row.brand_ok and pd.isna(row.brand_account_id) and row.reasons == "revenue"
    # One grosz in C opens it.
    rev = base + seller(0, 500_000, "Kids", "B1") + [("B1", "Kids", AS_OF, 0.01)]
    row = one(accounts, rev, free)
    assert row.brand_ok and row.brand_category == "Kids" and row.path == "brand"


# -- §3 main category: ties by the published order ------------------------------------------------------


@pytest.mark.parametrize("fashion_extra, main", [(0, "Automotive"), (GROSZ, "Fashion")])
def test_main_category_tie_to_the_grosz(fashion_extra, main):
    # Automotive as 0.10 + 0.20 PLN rows (0.30000000000000004 in float), Fashion as one 0.30 row.
    rev = seller(4_000_000, 3_000_000, "Kids", "A2")
    rev += [
        ("A1", "Automotive", str(END - 1), 0.10),
        ("A1", "Automotive", str(END - 2), 0.20),
        ("A1", "Fashion", str(END - 1), round(0.30 + fashion_extra, 2)),
    ]
    accounts = [account("A1", N1), account("A2", nip(1))]
    assert run(accounts, rev).loc[N1, "main_category"] == main


def test_a_policy_file_cannot_reorder_the_categories_for_ties():
    reordered = Policy.from_text("categories:\n  Kids: {brand: 600000}\n  Automotive: {brand: 560000}\n")
    assert list(reordered.categories)[:2] == ["Automotive", "Books & Media"]
    rev = seller(4_000_000, 3_000_000, "Kids") + seller(4_000_000, 3_000_000, "Automotive")
    assert one([account("A1", N1)], rev, reordered).main_category == "Automotive"


# -- §3 main account: code-point order of account IDs ------------------------------------------------------


@pytest.mark.parametrize(
    "first, second",
    [
        ("A10", "A9"),  # digit by digit, not by number
        ("C1", "b1"),  # capitals before small letters
        ("Z1", "Ä1"),  # U+005A before U+00C4
        ("z", "ż"),  # U+007A before U+017C
        ("\uff21", "\U0001f600"),  # U+FF21 before U+1F600 (UTF-16 order would put the emoji first)
    ],
)
def test_main_account_tie_goes_to_the_smallest_id_in_code_point_order(first, second):
    for ids in ([first, second], [second, first]):
        accounts = [account(i, N1) for i in ids]
        rev = seller(1_000_000, 900_000, account_id=ids[0]) + seller(1_000_000, 900_000, account_id=ids[1])
        assert one(accounts, rev).main_account_id == first
        # Also when the accounts come unsorted straight into a Dataset.
        data = dataset(accounts, rev)
        unsorted = Dataset(data.accounts.iloc[::-1].reset_index(drop=True), data.revenue)
        assert compute_metrics(unsorted, AS_OF).companies.main_account_id[0] == first


def test_main_account_one_grosz_larger_wins_over_a_smaller_id():
    accounts = [account("A1", N1), account("A2", N1)]
    rev = seller(1_000_000, 900_000, account_id="A1") + seller(1_000_000.01, 900_000, account_id="A2")
    assert one(accounts, rev).main_account_id == "A2"


# -- §2 windows: the latest month counts a row of 0 PLN ---------------------------------------------------


def test_latest_month_counts_a_row_of_zero_pln():
    rev = seller(3_600_000, 3_000_000) + [("A1", "Kids", str(END + 1), 0.0)]
    data = dataset([account("A1", N1)], rev)
    assert data.latest_month == END + 1 and compute_metrics(data).as_of == END + 1


def test_latest_month_counts_a_loaded_row_of_zero_pln():
    accounts = f"account_id,nip,business_account,sales_quality,positive_ratings_pct\nA1,{N1},yes,Good,100\n"
    revenue = "account_id,category,month,revenue\nA1,Fashion,2026-09,100\nA1,Kids,2026-10,0\n"
    data = load_dataset(accounts.encode(), revenue.encode())
    assert data.latest_month == pd.Period("2026-10", "M") and str(compute_metrics(data).as_of) == "2026-10"


def test_each_repeated_row_is_taken_to_the_grosz_before_the_rows_are_summed():
    # rules.md §1, §7: 1.005 PLN is 100.5 grosze, rounded half to even to 100, on each row. Summing first
    # (2.01 PLN, the old loader) gave one grosz more.
    accounts = f"account_id,nip,business_account,sales_quality,positive_ratings_pct\nA1,{N1},yes,Good,100\n"
    revenue = "account_id,category,month,revenue\nA1,Fashion,2026-10,1.005\nA1,Fashion,2026-10,1.005\n"
    data = load_dataset(accounts.encode(), revenue.encode())
    assert data.revenue["revenue"].tolist() == [2.0]


def test_a_company_with_only_rows_of_zero_pln_in_c_has_no_main_category():
    rev = seller(0, 3_000_000) + [("A1", "Fashion", AS_OF, 0.0)]
    row = one([account("A1", N1)], rev)
    assert pd.isna(row.main_category) and row.reasons == "no_revenue|growth" and row.growth == -1


# -- §4 quality gates ------------------------------------------------------------------------------------


def qualifying(**main_overrides) -> tuple[list, list]:
    return [account("A1", N1, **main_overrides)], seller(3_600_000, 3_000_000)


def test_business_account_gate():
    assert one(*qualifying(business_account=True)).status == "qualified"
    assert one(*qualifying(business_account=False)).reasons == "business_account"


@pytest.mark.parametrize(
    "pct, ok", [(98.999999999, False), (99.0, True), (99.000000001, True), (98.99999999, False), (99.99, True)]
)
def test_ratings_at_the_minimum(pct, ok):
    row = one(*qualifying(positive_ratings_pct=pct))
    assert row.ratings_ok == ok and row.reasons == ("" if ok else "ratings")


@pytest.mark.parametrize(
    "text, ok",
    [
        ("99", True),
        ("99,0", True),
        ("99.000000001", True),
        ("98,99999999", False),
        ("98.999999999", False),
        ("99 %", True),
        ("98,999999999%", False),
    ],
)
def test_ratings_at_the_minimum_as_the_loader_reads_them(text, ok):
    accounts = f"account_id;nip;business_account;sales_quality;positive_ratings_pct\nA1;{N1};yes;Good;{text}\n"
    revenue = "account_id;category;month;revenue\n" + "".join(
        f"{a};{c};{m};{v}\n" for a, c, m, v in seller(3_600_000, 3_000_000)
    )
    d = evaluate(load_dataset(accounts.encode(), revenue.encode()), Policy.default(), AS_OF)
    assert d.ratings_ok.iloc[0] == ok and d.status.iloc[0] == ("qualified" if ok else "not_qualified")


@pytest.mark.parametrize("minimum, pct, ok", [(99.5, 99.5, True), (99.5, 99.499999999, False), (0.1, 0.1, True)])
def test_ratings_minimum_from_the_policy(minimum, pct, ok):
    row = one(*qualifying(positive_ratings_pct=pct), policy(criteria={"min_positive_ratings_pct": minimum}))
    assert row.ratings_ok == ok


SCALE = ["Unacceptable", "Needs improvement", "Neutral", "Good", "Super", "Super+"]


@pytest.mark.parametrize("minimum", SCALE)
@pytest.mark.parametrize("step", [-1, 0, 1])
def test_main_quality_one_step_either_side_of_the_minimum(minimum, step):
    i = SCALE.index(minimum) + step
    if not 0 <= i < len(SCALE):
        pytest.skip("off the scale")
    row = one(*qualifying(sales_quality=SCALE[i]), policy(criteria={"min_quality_main": minimum}))
    assert row.quality_main_ok == (step >= 0) and row.reasons == ("" if step >= 0 else "quality_main")


@pytest.mark.parametrize("minimum", SCALE)
@pytest.mark.parametrize("step", [-1, 0, 1])
def test_other_quality_one_step_either_side_of_the_minimum(minimum, step):
    i = SCALE.index(minimum) + step
    if not 0 <= i < len(SCALE):
        pytest.skip("off the scale")
    accounts = [
        account("A1", N1, main_account=True),
        account("A2", N1, sales_quality="Super+"),
        account("A3", N1, sales_quality=SCALE[i]),
    ]
    row = one(accounts, seller(3_600_000, 3_000_000), policy(criteria={"min_quality_other": minimum}))
    assert row.quality_other_ok == (step >= 0) and row.reasons == ("" if step >= 0 else "quality_other")


# -- §4 growth -----------------------------------------------------------------------------------------


def test_growth_of_exactly_five_percent_does_not_pass_a_five_percent_minimum():
    # The case: 3,360,000 / 3,200,000 - 1 is 0.050000000000000044 in float.
    p = policy(growth={"min_yoy_growth": 0.05})
    row = one([account("A1", N1)], seller(3_360_000, 3_200_000), p)
    assert row.reasons == "growth" and row.status == "not_qualified"
    assert row.growth == 0.05 and row.main_category_growth == 0.05


@pytest.mark.parametrize("minimum", [0.05, 0.0, -0.1, 0.3, 1.0])
@pytest.mark.parametrize("delta, ok", [(-GROSZ, False), (0, False), (GROSZ, True)])
def test_growth_at_the_minimum(minimum, delta, ok):
    # P is 10,000,000 PLN, so one grosz more or less in C is one unit in the 9th decimal of growth.
    rev_c = round(10_000_000 * (1 + minimum) + delta, 2)
    p = policy(growth={"min_yoy_growth": minimum, "min_growing_quarters": 0})  # quarters are not the point here
    row = one([account("A1", N1)], seller(rev_c, 10_000_000), p)
    assert row.growth == round(minimum + delta * 100 * NANO, 9)
    assert row.growth_ok == ok and row.reasons == ("" if ok else "growth")


def _quarters(p: list[float], c: list[float]) -> list[tuple]:
    """Quarterly totals of P and C (oldest first), three equal months each (to the grosz)."""
    rev = []
    for window, amounts in ((END - 23, p), (END - 11, c)):
        for k, amount in enumerate(amounts):
            first = window + 3 * k
            rev += monthly("A1", "Fashion", str(first), str(first + 2), amount / 3)
    return rev


@pytest.mark.parametrize("last_quarter, growing", [(1_000_000 - GROSZ, 2), (1_000_000, 2), (1_000_000 + GROSZ, 3)])
def test_a_quarter_at_its_twin(last_quarter, growing):
    # Quarters 0 and 1 grow a lot, quarter 2 shrinks, quarter 3 equals its twin (1,000,000.00 PLN) ± a grosz.
    rev = _quarters([1_000_000, 1_000_000, 1_000_000, 1_000_000], [1_500_000, 1_500_000, 900_000, last_quarter])
    row = one([account("A1", N1)], rev)
    assert row.growing_quarters == growing and row.growth > 0
    assert row.reasons == ("" if growing >= 3 else "growth")


@pytest.mark.parametrize("minimum", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("step", [-1, 0, 1])
def test_growing_quarters_one_either_side_of_the_minimum(minimum, step):
    n = minimum + step
    if not 0 <= n <= 4:
        pytest.skip("no such count")
    # n quarters one grosz over their twin, the others exactly equal to it; total growth still > 0.
    c = [round(1_000_000.02 if k < n else 1_000_000, 2) for k in range(4)]
    rev = _quarters([1_000_000] * 4, c)
    p = policy(growth={"min_growing_quarters": minimum, "min_yoy_growth": -0.5})
    row = one([account("A1", N1)], rev, p)
    assert row.growing_quarters == n and row.growth_ok == (n >= minimum)


@pytest.mark.parametrize("history, reasons", [(0.0, "insufficient_history"), (0.01, "")])
def test_history_of_one_grosz_is_history(history, reasons):
    rev = seller(3_600_000, 0) + [("A1", "Fashion", str(END - 12 - k), history) for k in range(12)]
    row = one([account("A1", N1)], rev)
    assert row.reasons == reasons and row.history_ok == (history > 0)


# -- §4 flags ------------------------------------------------------------------------------------------


def test_suspended_flag():
    accounts = [account("A1", N1, main_account=True), account("A2", N1, suspended=False)]
    assert one(accounts, seller(3_600_000, 3_000_000))["flags"] == ""
    accounts[1]["suspended"] = True
    row = one(accounts, seller(3_600_000, 3_000_000))
    assert (row.status, row["flags"]) == ("review", "suspended")


@pytest.mark.parametrize("rate, flagged", [(0.029999999, False), (0.03, False), (0.030000001, True)])
def test_transaction_problems_at_the_limit(rate, flagged):
    accounts = [account("A1", N1, main_account=True), account("A2", N1, transaction_problem_rate=rate)]
    row = one(accounts, seller(3_600_000, 3_000_000))
    assert row.flag_transaction_problems == flagged and row.status == ("review" if flagged else "qualified")


@pytest.mark.parametrize(
    "text, flagged",
    [
        ("3%", False),
        ("3,0 %", False),
        ("0.03", False),
        ("0,030000001", True),
        ("3.0000001%", True),
        ("2,9999999%", False),
    ],
)
def test_transaction_problems_at_the_limit_as_the_loader_reads_them(text, flagged):
    accounts = (
        "account_id;nip;business_account;sales_quality;positive_ratings_pct;transaction_problem_rate\n"
        f"A1;{N1};yes;Good;100;{text}\n"
    )
    revenue = "account_id;category;month;revenue\n" + "".join(
        f"{a};{c};{m};{v}\n" for a, c, m, v in seller(3_600_000, 3_000_000)
    )
    d = evaluate(load_dataset(accounts.encode(), revenue.encode()), Policy.default(), AS_OF)
    assert d.flag_transaction_problems.iloc[0] == flagged


@pytest.mark.parametrize("limit", [0.0, 0.1, 0.07])
def test_transaction_problem_limit_from_the_policy(limit):
    p = policy(flags={"max_transaction_problem_rate": limit})
    for rate, flagged in [(limit, False), (round(limit + NANO, 9), True)]:
        assert one(*qualifying(transaction_problem_rate=rate), p).flag_transaction_problems == flagged


SHARES = ["exportable_share", "new_condition_share"]
FLAG_OF = {"exportable_share": "export", "new_condition_share": "condition"}
LIMIT_OF = {"exportable_share": "min_exportable_share", "new_condition_share": "min_new_condition_share"}


@pytest.mark.parametrize("column", SHARES)
@pytest.mark.parametrize("share, flagged", [(0.499999999, True), (0.5, False), (0.500000001, False)])
def test_share_of_one_account_at_the_limit(column, share, flagged):
    row = one(*qualifying(**{column: share}))
    assert row[column] == share and row["flag_" + FLAG_OF[column]] == flagged


@pytest.mark.parametrize("column", SHARES)
@pytest.mark.parametrize(
    "other, company, flagged", [(0.499999998, 0.499999999, True), (0.5, 0.5, False), (0.500000002, 0.500000001, False)]
)
def test_revenue_weighted_share_at_the_limit(column, other, company, flagged):
    # Two accounts with the same revenue in C: the weighted share is the mean of the two.
    accounts = [account("A1", N1, **{column: 0.5}), account("A2", N1, **{column: other})]
    rev = seller(1_800_000, 1_500_000, account_id="A1") + seller(1_800_000, 1_500_000, account_id="A2")
    row = one(accounts, rev)
    assert row[column] == company and row["flag_" + FLAG_OF[column]] == flagged


@pytest.mark.parametrize("column", SHARES)
def test_weighted_share_of_point_four_and_point_six_is_exactly_half(column):
    accounts = [account("A1", N1, **{column: 0.4}), account("A2", N1, **{column: 0.6})]
    rev = seller(1_234_567.89, 1_000_000, account_id="A1") + seller(1_234_567.89, 1_000_000, account_id="A2")
    rev += seller(1_000_000, 900_000, "Kids", "A2")
    rev += seller(1_000_000, 900_000, "Kids", "A1")
    row = one(accounts, rev)
    assert row[column] == 0.5 and row["flags"] == ""


def test_all_shares_half_with_revenue_in_two_categories_is_exactly_half():
    # The case: the numerator summed per-account totals and the denominator per-category amounts,
    # which differ in float, and the share came out as 0.49999999999999994: review with export|condition.
    accounts = [
        account("A1", N1, exportable_share=0.5, new_condition_share=0.5),
        account("A2", N1, exportable_share=0.5, new_condition_share=0.5),
    ]
    rev = seller(3_600_000, 3_000_000) + seller(123_456.78 * 12, 123_456.78 * 12, "Kids", "A1")
    rev += seller(876_543.21 * 12, 876_543.21 * 12, "Kids", "A2")
    row = one(accounts, rev)
    assert (row.status, row["flags"]) == ("qualified", "")
    assert row.exportable_share == 0.5 and row.new_condition_share == 0.5


def test_all_shares_half_never_flag_on_many_companies():
    # "About one company in ten gets a spurious flag": 60 companies of two accounts with amounts to the grosz.
    rng = np.random.default_rng(7)
    accounts, rev = [], []
    for i in range(60):
        for a in "ab":
            accounts.append(account(f"A{i}{a}", nip(i), exportable_share=0.5, new_condition_share=0.5))
        amounts = rng.integers(1, 10**9, 3) / 100
        rev += [
            (f"A{i}a", "Fashion", AS_OF, amounts[0]),
            (f"A{i}a", "Kids", str(END - 1), amounts[1]),
            (f"A{i}b", "Kids", str(END - 2), amounts[2]),
        ]
    d = evaluate(dataset(accounts, rev), Policy.default(), AS_OF)
    assert not d.flag_export.any() and not d.flag_condition.any()
    assert (d.exportable_share == 0.5).all() and (d.new_condition_share == 0.5).all()


@pytest.mark.parametrize("column", SHARES)
@pytest.mark.parametrize(
    "values, mean, flagged",
    [([0.7, 0.2, 0.6], 0.5, False), ([0.1, 0.2, 0.3], 0.2, True), ([0.5, 0.499999998], 0.499999999, True)],
)
def test_plain_mean_share_without_revenue_in_c(column, values, mean, flagged):
    accounts = [account(f"A{i}", N1, **{column: v}) for i, v in enumerate(values)]
    row = one(accounts, seller(0, 1_000_000))
    assert row[column] == mean and row["flag_" + FLAG_OF[column]] == flagged


@pytest.mark.parametrize("column", SHARES)
@pytest.mark.parametrize("limit", [0.3, 0.7, 0.05, 1.0, 0.0])
def test_share_limit_from_the_policy(column, limit):
    p = policy(flags={LIMIT_OF[column]: limit})
    for share, flagged in [(limit, False), (round(limit - NANO, 9), True), (round(limit + NANO, 9), False)]:
        if not 0 <= share <= 1:
            continue
        # Two equal accounts around the share, so that the weighted mean is computed, not copied.
        accounts = [account("A1", N1, **{column: share}), account("A2", N1, **{column: share})]
        rev = seller(1_800_000.01, 1_500_000, account_id="A1") + seller(1_799_999.99, 1_500_000, account_id="A2")
        row = one(accounts, rev, p)
        assert row[column] == share and row["flag_" + FLAG_OF[column]] == flagged, (share, limit)


# -- §7 money: sums stay exact at any size -----------------------------------------------------------------


def test_sums_beyond_two_to_the_53_grosze_are_exact():
    # 2**53 grosze is about 90 trillion PLN: past it a float sum drops odd grosze, an integer sum doesn't.
    big = float(2**45)  # PLN, a whole number: exact as a float and in grosze
    rev = [("A1", "Fashion", str(END - k), big) for k in range(3)] + [("A1", "Fashion", str(END - 3), 0.01)]
    m = compute_metrics(dataset([account("A1", N1)], rev), AS_OF)
    assert 3 * 2**45 * 100 + 1 > 2**53
    assert m.main_revenue_grosze[0] == 3 * 2**45 * 100 + 1


def test_an_infinite_threshold_is_refused_naming_the_key():
    # A threshold no revenue can reach is the largest the policy allows, never .inf (issue 7).
    with pytest.raises(PolicyError, match=r"categories\.Fashion\.company"):
        Policy.from_text("categories:\n  Fashion: {company: .inf, conditional: .inf}\n")


def test_revenue_beyond_what_int64_grosze_can_sum_is_refused_not_wrapped():
    rev = [("A1", "Fashion", str(END - k), 3e16) for k in range(2)]  # 6e18 grosze: over 2**62
    with pytest.raises(ValueError, match="too much to count in grosze"):
        compute_metrics(dataset([account("A1", N1)], rev), AS_OF)
