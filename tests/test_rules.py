"""Every rule of rules.md §2–§5 on small datasets whose outcome is worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from builders import account, dataset, growing_seller, monthly, nip

from core import DECISION_COLUMNS, Policy, compute_metrics, decide, evaluate

N1, N2, N3, N4 = nip(0), nip(1), nip(2), nip(3)
AS_OF = "2026-10"


def run(accounts, revenue, policy=None, as_of=AS_OF) -> pd.DataFrame:
    return evaluate(dataset(accounts, revenue), policy or Policy.default(), as_of=as_of).set_index("nip")


def one(accounts, revenue, policy=None, as_of=AS_OF) -> pd.Series:
    out = run(accounts, revenue, policy, as_of)
    assert len(out) >= 1
    return out.loc[accounts[0]["nip"]]


# -- §2 windows -------------------------------------------------------------------------------


def test_windows_are_the_twelve_months_to_as_of_and_the_twelve_before():
    m = compute_metrics(dataset([account("A1", N1)], growing_seller("A1", "Fashion", 12, 6)), AS_OF)
    assert m.current_window == (pd.Period("2025-11", "M"), pd.Period("2026-10", "M"))
    assert m.previous_window == (pd.Period("2024-11", "M"), pd.Period("2025-10", "M"))


def test_months_outside_both_windows_and_after_as_of_are_ignored():
    rev = growing_seller("A1", "Fashion", 3_600_000, 3_000_000) + [
        ("A1", "Fashion", "2024-10", 99e9),  # M-24: just before P
        ("A1", "Fashion", "2026-11", 99e9),  # after as_of
    ]
    row = one([account("A1", N1)], rev)
    assert row.main_category_revenue == pytest.approx(3_600_000)
    assert row.total_revenue == pytest.approx(3_600_000)
    assert compute_metrics(dataset([account("A1", N1)], rev), AS_OF).companies.total_prev_revenue[0] == pytest.approx(
        3e6
    )


def test_as_of_defaults_to_the_latest_month():
    rev = growing_seller("A1", "Fashion", 3_600_000, 3_000_000, as_of="2026-08")
    assert str(compute_metrics(dataset([account("A1", N1)], rev)).as_of) == "2026-08"


def test_repeated_rows_are_summed():
    rev = growing_seller("A1", "Fashion", 3_000_000, 2_000_000) + monthly("A1", "Fashion", "2025-11", "2026-10", 20_000)
    assert one([account("A1", N1)], rev).main_category_revenue == pytest.approx(3_240_000)


# -- §4 revenue: standard path ------------------------------------------------------------------


def test_standard_path_qualifies_a_growing_company_over_the_company_threshold():
    row = one([account("A1", N1)], growing_seller("A1", "Fashion", 3_600_000, 3_000_000))
    assert (row.status, row.path, row.reasons, row["flags"]) == ("qualified", "standard", "", "")
    assert row.main_category == "Fashion"
    assert row.growth == pytest.approx(0.2)
    assert row.gap == 0


def test_revenue_exactly_at_the_company_threshold_passes():
    row = one([account("A1", N1)], growing_seller("A1", "Fashion", 3_200_000, 3_000_000))
    assert row.standard_ok and row.path == "standard"


def test_one_grosz_under_the_company_threshold_fails_with_that_gap():
    rev = growing_seller("A1", "Fashion", 3_200_000, 3_000_000) + [("A1", "Fashion", "2026-10", -0.01)]
    row = one([account("A1", N1)], rev)
    assert row.status == "not_qualified" and row.reasons == "revenue" and row.path == ""
    assert row.gap == pytest.approx(0.01)


def test_company_threshold_sums_all_accounts_of_one_nip():
    accounts = [account("A1", N1), account("A2", N1), account("B1", N2)]
    rev = growing_seller("A1", "Fashion", 2_000_000, 1_000_000) + growing_seller("A2", "Fashion", 1_300_000, 1_000_000)
    rev += growing_seller("B1", "Fashion", 2_000_000, 1_900_000)  # too slow for the conditional path
    out = run(accounts, rev)
    assert out.loc[N1, "main_category_revenue"] == pytest.approx(3_300_000)
    assert out.loc[N1, "status"] == "qualified" and out.loc[N1, "n_accounts"] == 2
    assert out.loc[N2, "status"] == "not_qualified"


def test_main_category_is_the_largest_and_a_tie_goes_to_the_first_in_policy_order():
    rev = growing_seller("A1", "Fashion", 4_000_000, 3_000_000) + growing_seller(
        "A1", "Automotive", 4_000_000, 3_000_000
    )
    row = one([account("A1", N1)], rev)
    assert row.main_category == "Automotive"  # listed before Fashion in the published table
    assert row.total_revenue == pytest.approx(8_000_000)
    assert row.company_threshold == 3_500_000


def test_threshold_of_the_main_category_not_of_the_sum():
    # 3.0M Fashion + 2.9M Kids: total 5.9M, but 3.0M in the main category is under Fashion's 3.2M.
    rev = growing_seller("A1", "Fashion", 3_000_000, 2_000_000) + growing_seller("A1", "Kids", 2_900_000, 2_000_000)
    row = one([account("A1", N1)], rev)
    assert row.main_category == "Fashion" and row.reasons == "revenue"
    assert row.gap == pytest.approx(200_000)


def test_company_with_no_revenue_in_the_window_has_no_main_category():
    rev = monthly("A1", "Fashion", "2024-11", "2025-10", 500_000)  # only in P
    row = one([account("A1", N1)], rev)
    assert row.reasons.split("|")[0] == "no_revenue" and "revenue" not in row.reasons.split("|")
    assert pd.isna(row.main_category) and math.isnan(row.gap) and row.path == ""


def test_account_with_no_revenue_rows_is_valid():
    accounts = [account("A1", N1), account("A2", N1, sales_quality="Neutral")]
    row = one(accounts, growing_seller("A1", "Fashion", 3_600_000, 3_000_000))
    assert row.status == "qualified" and row.main_account_id == "A1"


# -- §4 revenue: conditional path ----------------------------------------------------------------


def _peers(n: int, growth: float, category="Fashion") -> tuple[list, list]:
    accounts, rev = [], []
    for i in range(n):
        aid = f"P{i}"
        accounts.append(account(aid, nip(10 + i)))
        rev += growing_seller(aid, category, 100_000 * (1 + growth), 100_000)
    return accounts, rev


def test_conditional_path_for_a_company_growing_faster_than_the_category_median():
    peers, peer_rev = _peers(3, 0.10)
    row = one([account("A1", N1)] + peers, growing_seller("A1", "Fashion", 1_000_000, 500_000) + peer_rev)
    # Growth of Fashion companies: 1.0, 0.1, 0.1, 0.1 -> median 0.1; 1.0 > 0.1 and 1.0M >= 800k.
    assert row.peer_benchmark == pytest.approx(0.10)
    assert (row.status, row.path) == ("qualified", "conditional")
    assert row.gap == pytest.approx(2_200_000)  # the gap is to the company threshold


def test_conditional_needs_strictly_faster_growth_than_the_benchmark():
    row = one([account("A1", N1)], growing_seller("A1", "Fashion", 1_000_000, 500_000))
    # Alone in the category, the company is its own median: not faster than itself.
    assert row.peer_benchmark == pytest.approx(1.0)
    assert not row.conditional_ok and row.reasons == "revenue"


def test_conditional_fails_under_the_conditional_threshold():
    peers, peer_rev = _peers(3, 0.10)
    row = one([account("A1", N1)] + peers, growing_seller("A1", "Fashion", 799_999, 300_000) + peer_rev)
    assert not row.conditional_ok and row.status == "not_qualified"


def test_conditional_is_not_available_without_main_category_history():
    peers, peer_rev = _peers(3, 0.10)
    rev = growing_seller("A1", "Kids", 1_000_000, 600_000) + monthly("A1", "Fashion", "2025-11", "2026-10", 10_000)
    row = one([account("A1", N1)] + peers, rev + peer_rev)
    assert row.main_category == "Kids" and not row.conditional_ok  # Kids peers: only itself
    rev = growing_seller("A1", "Kids", 2_400_000, 0) + monthly("A1", "Fashion", "2024-11", "2025-10", 1)
    row = one([account("A1", N1)] + peers, rev + peer_rev)
    assert math.isnan(row.main_category_growth) and not row.conditional_ok


def test_peer_benchmark_is_numpys_linear_percentile():
    accounts, rev = [], []
    for i, g in enumerate([0.1, 0.2, 0.5, 1.0]):
        accounts.append(account(f"P{i}", nip(20 + i)))
        rev += growing_seller(f"P{i}", "Garden", 100_000 * (1 + g), 100_000)
    m = compute_metrics(dataset(accounts, rev), AS_OF)
    for pct in (0, 25, 50, 90, 100):
        policy = Policy.from_dict({"conditional": {"peer_percentile": pct}})
        d = decide(m, policy)
        assert d.peer_benchmark.iloc[0] == pytest.approx(np.percentile([0.1, 0.2, 0.5, 1.0], pct))


# -- §4 revenue: brand path ---------------------------------------------------------------------


def test_brand_path_on_a_single_brand_zone_account_in_its_own_main_category():
    accounts = [account("A1", N1), account("B1", N1, brand_zone=True)]
    rev = growing_seller("A1", "Fashion", 2_000_000, 1_500_000) + growing_seller("B1", "Kids", 590_000, 500_000)
    row = one(accounts, rev)
    # Company main category is Fashion (2.0M < 3.2M); the brand account's own main category is Kids (590k).
    assert row.main_category == "Fashion"
    assert (row.status, row.path) == ("qualified", "brand")
    assert row.brand_account_id == "B1" and row.brand_category == "Kids" and row.brand_revenue == pytest.approx(590_000)


def test_brand_threshold_applies_to_one_account_not_the_sum():
    accounts = [account("B1", N1, brand_zone=True), account("B2", N1, brand_zone=True)]
    rev = growing_seller("B1", "Kids", 400_000, 300_000) + growing_seller("B2", "Kids", 400_000, 300_000)
    row = one(accounts, rev)
    assert not row.brand_ok and row.reasons == "revenue"


def test_brand_account_own_main_category_tie_goes_to_policy_order():
    # 600k in Kids and 600k in Electronics: Electronics comes first, whose brand threshold is 4.5M.
    accounts = [account("B1", N1, brand_zone=True)]
    rev = growing_seller("B1", "Kids", 600_000, 300_000) + growing_seller("B1", "Electronics", 600_000, 300_000)
    row = one(accounts, rev)
    assert row.brand_category == "Electronics" and not row.brand_ok


def test_non_brand_account_cannot_use_the_brand_threshold():
    row = one([account("A1", N1)], growing_seller("A1", "Kids", 600_000, 300_000))
    assert not row.brand_ok and row.reasons == "revenue"


def test_path_is_the_first_that_holds():
    accounts = [account("A1", N1, brand_zone=True)]
    row = one(accounts, growing_seller("A1", "Fashion", 3_600_000, 3_000_000))
    assert row.standard_ok and row.brand_ok and row.path == "standard"


# -- §3 main account ------------------------------------------------------------------------------


def test_marked_main_account_wins_over_a_larger_one():
    accounts = [
        account("A1", N1, account_name="Big", sales_quality="Neutral"),
        account("A2", N1, account_name="Main", main_account=True),
    ]
    rev = growing_seller("A1", "Fashion", 3_000_000, 2_000_000) + growing_seller("A2", "Fashion", 300_000, 200_000)
    row = one(accounts, rev)
    assert row.main_account_id == "A2" and row.company_name == "Main"
    assert row.quality_main == "Super" and row.lowest_other_quality == "Neutral" and row.status == "qualified"


def test_unmarked_main_account_is_the_largest_and_a_tie_goes_to_the_smallest_id():
    accounts = [account("A2", N1), account("A10", N1), account("A3", N1)]
    rev = growing_seller("A2", "Fashion", 1_000_000, 900_000) + growing_seller("A10", "Fashion", 1_000_000, 900_000)
    rev += growing_seller("A3", "Fashion", 999_999, 900_000)
    assert one(accounts, rev).main_account_id == "A10"  # text order: "A10" < "A2"


# -- §4 quality gates --------------------------------------------------------------------------------


def qualifying(**main_overrides) -> tuple[list, list]:
    return [account("A1", N1, **main_overrides)], growing_seller("A1", "Fashion", 3_600_000, 3_000_000)


@pytest.mark.parametrize("pct, ok", [(99.0, True), (98.99, False), (100.0, True), (0.0, False)])
def test_ratings_minimum_is_inclusive(pct, ok):
    row = one(*qualifying(positive_ratings_pct=pct))
    assert row.ratings_ok == ok and row.reasons == ("" if ok else "ratings")


def test_business_account_is_read_on_the_main_account():
    row = one(*qualifying(business_account=False))
    assert row.reasons == "business_account" and row.status == "not_qualified"
    accounts = [account("A1", N1, main_account=True), account("A2", N1, business_account=False)]
    assert one(accounts, growing_seller("A1", "Fashion", 3_600_000, 3_000_000)).status == "qualified"


@pytest.mark.parametrize(
    "level, ok",
    [
        ("Super+", True),
        ("Super", True),
        ("Good", True),
        ("Neutral", False),
        ("Needs improvement", False),
        ("Unacceptable", False),
    ],
)
def test_main_account_quality_at_least_good(level, ok):
    row = one(*qualifying(sales_quality=level))
    assert row.quality_main_ok == ok and row.reasons == ("" if ok else "quality_main")


@pytest.mark.parametrize(
    "level, ok", [("Good", True), ("Neutral", True), ("Needs improvement", False), ("Unacceptable", False)]
)
def test_every_other_account_at_least_neutral(level, ok):
    accounts = [account("A1", N1, main_account=True), account("A2", N1), account("A3", N1, sales_quality=level)]
    row = one(accounts, growing_seller("A1", "Fashion", 3_600_000, 3_000_000))
    assert row.quality_other_ok == ok and row.reasons == ("" if ok else "quality_other")


def test_quality_levels_follow_the_policy_minimums():
    policy = Policy.from_dict({"criteria": {"min_quality_main": "Super+", "min_quality_other": "Super"}})
    accounts = [account("A1", N1, main_account=True, sales_quality="Super+"), account("A2", N1, sales_quality="Good")]
    row = one(accounts, growing_seller("A1", "Fashion", 3_600_000, 3_000_000), policy)
    assert row.reasons == "quality_other"


# -- §4 growth ---------------------------------------------------------------------------------


def test_growth_must_be_strictly_above_the_minimum():
    row = one([account("A1", N1)], growing_seller("A1", "Fashion", 3_600_000, 3_600_000))
    assert row.growth == 0 and row.reasons == "growth"


def test_growth_needs_three_of_four_growing_quarters():
    # C beats P overall (+5 %), but only quarters 2 and 3 (the last six months) beat their twins.
    end = pd.Period(AS_OF, "M")
    rev = monthly("A1", "Fashion", str(end - 23), str(end - 12), 300_000)
    rev += monthly("A1", "Fashion", str(end - 11), str(end - 6), 290_000)
    rev += monthly("A1", "Fashion", str(end - 5), str(end), 340_000)
    row = one([account("A1", N1)], rev)
    assert row.growing_quarters == 2 and row.growth > 0 and row.reasons == "growth"
    relaxed = Policy.from_dict({"growth": {"min_growing_quarters": 2}})
    assert one([account("A1", N1)], rev, relaxed).status == "qualified"


def test_a_quarter_equal_to_its_twin_does_not_count_as_growing():
    end = pd.Period(AS_OF, "M")
    rev = monthly("A1", "Fashion", str(end - 23), str(end - 12), 300_000)
    rev += monthly("A1", "Fashion", str(end - 11), str(end - 6), 300_000)  # quarters 0-1 equal
    rev += monthly("A1", "Fashion", str(end - 5), str(end), 400_000)
    assert one([account("A1", N1)], rev).growing_quarters == 2


def test_quarters_compare_with_the_same_months_a_year_earlier():
    end = pd.Period(AS_OF, "M")
    # P is all in its last quarter; C is flat: only C's last quarter... is smaller than its twin.
    rev = monthly("A1", "Fashion", str(end - 14), str(end - 12), 1_000_000)
    rev += monthly("A1", "Fashion", str(end - 11), str(end), 500_000)
    row = one([account("A1", N1)], rev)
    assert row.growing_quarters == 3 and row.growth == pytest.approx(1.0) and row.status == "qualified"


def test_missing_history_is_insufficient_history_not_growth():
    rev = monthly("A1", "Fashion", "2026-01", "2026-10", 400_000)  # started ten months ago
    row = one([account("A1", N1)], rev)
    assert math.isnan(row.growth) and row.reasons == "insufficient_history"
    assert row.standard_ok and row.status == "not_qualified"


def test_min_yoy_growth_is_a_policy_parameter():
    rev = growing_seller("A1", "Fashion", 3_600_000, 3_000_000)  # +20 %
    assert one([account("A1", N1)], rev, Policy.from_dict({"growth": {"min_yoy_growth": 0.2}})).reasons == "growth"
    assert one([account("A1", N1)], rev, Policy.from_dict({"growth": {"min_yoy_growth": 0.19}})).reasons == ""


# -- §4 flags ---------------------------------------------------------------------------------


def test_a_suspended_account_anywhere_sends_to_review():
    accounts = [account("A1", N1, main_account=True), account("A2", N1, suspended=True)]
    row = one(accounts, growing_seller("A1", "Fashion", 3_600_000, 3_000_000))
    assert (row.status, row["flags"], row.reasons) == ("review", "suspended", "")


@pytest.mark.parametrize("rate, flagged", [(0.03, False), (0.0301, True)])
def test_transaction_problems_above_the_limit_on_any_account(rate, flagged):
    accounts = [account("A1", N1, main_account=True), account("A2", N1, transaction_problem_rate=rate)]
    row = one(accounts, growing_seller("A1", "Fashion", 3_600_000, 3_000_000))
    assert row.flag_transaction_problems == flagged and row.status == ("review" if flagged else "qualified")


def test_export_and_condition_shares_are_revenue_weighted():
    # A1 sells 3.6M with 40 % exportable, A2 0.4M with 100 %: weighted 0.46 < 0.5 (a plain mean would be 0.7).
    accounts = [
        account("A1", N1, exportable_share=0.4, new_condition_share=0.4),
        account("A2", N1, exportable_share=1.0, new_condition_share=1.0),
    ]
    rev = growing_seller("A1", "Fashion", 3_600_000, 3_000_000) + growing_seller("A2", "Fashion", 400_000, 300_000)
    row = one(accounts, rev)
    assert row.exportable_share == pytest.approx(0.46)
    assert (row.status, row["flags"]) == ("review", "export|condition")


def test_shares_are_a_plain_mean_without_revenue_in_the_window():
    accounts = [account("A1", N1, exportable_share=0.2), account("A2", N1, exportable_share=0.6)]
    row = one(accounts, monthly("A1", "Fashion", "2024-11", "2025-10", 10))
    assert row.exportable_share == pytest.approx(0.4) and "export" in row["flags"]


def test_share_exactly_at_the_minimum_is_not_flagged():
    row = one(*qualifying(exportable_share=0.5, new_condition_share=0.5))
    assert row["flags"] == "" and row.status == "qualified"


def test_flags_do_not_turn_a_failing_company_into_review():
    row = one(*qualifying(suspended=True, positive_ratings_pct=90))
    assert row.status == "not_qualified" and row["flags"] == "suspended" and row.reasons == "ratings"


# -- §5 decision columns ----------------------------------------------------------------------------


def test_every_failing_criterion_is_listed_in_the_contract_order():
    accounts = [
        account("A1", N1, main_account=True, business_account=False, positive_ratings_pct=95, sales_quality="Neutral"),
        account("A2", N1, sales_quality="Unacceptable", suspended=True, transaction_problem_rate=0.5),
    ]
    accounts[0].update(exportable_share=0.1, new_condition_share=0.1)
    rev = monthly("A1", "Fashion", "2026-01", "2026-10", 10)
    row = one(accounts, rev)
    assert row.reasons == "revenue|business_account|ratings|quality_main|quality_other|insufficient_history"
    assert row["flags"] == "suspended|transaction_problems|export|condition"


def test_no_revenue_replaces_revenue_and_growth_fails_after_a_drop_to_zero():
    row = one([account("A1", N1)], monthly("A1", "Fashion", "2024-11", "2025-10", 10))
    assert row.reasons == "no_revenue|growth" and row.growth == -1


def test_decision_has_the_contract_columns_one_row_per_company():
    accounts = [account("A1", N1), account("A2", N1), account("B1", N2)]
    rev = growing_seller("A1", "Fashion", 10, 5) + growing_seller("B1", "Kids", 10, 5)
    out = evaluate(dataset(accounts, rev), Policy.default(), as_of=AS_OF)
    assert list(out.columns[: len(DECISION_COLUMNS)]) == DECISION_COLUMNS
    assert sorted(out.nip) == sorted([N1, N2]) and out.nip.str.fullmatch(r"\d{10}").all()
    assert set(out.status.astype(str)) <= {"qualified", "review", "not_qualified"}


def test_category_thresholds_come_from_the_policy_overlay():
    rev = growing_seller("A1", "Fashion", 3_000_000, 2_000_000)
    assert one([account("A1", N1)], rev).reasons == "revenue"
    lower = Policy.from_dict({"categories": {"Fashion": {"company": 2_900_000}}})
    row = one([account("A1", N1)], rev, lower)
    assert row.status == "qualified" and row.company_threshold == 2_900_000 and row.conditional_threshold == 800_000


def test_metrics_do_not_depend_on_the_policy_so_decide_can_rerun_alone():
    accounts, rev = qualifying()
    m = compute_metrics(dataset(accounts, rev), AS_OF)
    before = decide(m, Policy.default())
    strict = decide(m, Policy.default().scaled(2))
    assert before.status.iloc[0] == "qualified" and strict.status.iloc[0] == "not_qualified"
    pd.testing.assert_frame_equal(decide(m, Policy.default()), before)
