"""The baseline and scenarios side by side, and who flips between two of them (issue 8 §3).

One small dataset, worked by hand (as of 2026-10; C = 2025-11..2026-10, P = 2024-11..2025-10):

Fashion (company 3.2M, conditional 800k): peers' growth 20 %, 3,65 %, 100 % → median 20 %.
  Alpha  3 600 000 / 3 000 000   qualified, standard
  Beta   2 902 294 / 2 800 000   not qualified: < 3.2M, ≥ 800k but growth 3,7 % ≤ 20 %
  Gamma  1 000 000 /   500 000   qualified, conditional (100 % > 20 %)
Kids (brand 590k):
  Delta  Brand Zone account D1, 600 000 / 500 000   qualified, brand
Automotive (company 3.5M), each 4 000 000 / 3 000 000 unless said:
  Eps    ratings 99.2                     qualified
  Fi     main account Good                qualified
  Gi     other account Neutral            qualified
  Hi     3 640 000 / 3 500 000 (4,0 %)    qualified
  Iota   3 900 000 / 3 600 000, 2 growing quarters, export 0.3   not qualified (quarters), flagged
  Zeta   3 600 000 / 3 600 000 (0 %, 0 quarters)                  not qualified
  Mu     transaction problems 2 %         qualified
  Nu     export 0.42                      review
  Omi    condition New 0.3                review
Garden (company 7.5M), each 8 000 000 / 7 000 000 unless said:
  Jay    nothing in P                     not qualified (history)
  Kay    not a business account           not qualified
  El     suspended                        review
Pi       no revenue at all                not qualified, no main category
"""

from __future__ import annotations

import pandas as pd
import pytest
from builders import account, dataset, growing_seller, monthly, nip

from core import Policy, compute_metrics, decide
from core.comparison import (
    FLIP_COLUMNS,
    _money,
    _share,
    _was,
    compare_scenarios,
    flips,
    readable,
)

AS_OF = "2026-10"
NAMES = [
    "Alpha",
    "Beta",
    "Gamma",
    "Delta",
    "Eps",
    "Fi",
    "Gi",
    "Hi",
    "Iota",
    "Zeta",
    "Mu",
    "Nu",
    "Omi",
    "Jay",
    "Kay",
    "El",
    "Pi",
    "Extra",
]
N = {name: nip(i) for i, name in enumerate(NAMES)}
PUBLISHED = Policy.default()


def plain(text: str) -> str:
    return text.replace("\u00a0", " ")


def build(variant: bool = False):
    """The dataset above; ``variant`` changes only data: Jay gets 7M in P, Kay a Business Account, El is
    no longer suspended, and a company Extra appears."""
    acc = [
        account("A1", N["Alpha"], account_name="Alpha"),
        account("B1", N["Beta"], account_name="Beta"),
        account("C1", N["Gamma"], account_name="Gamma"),
        account("D1", N["Delta"], account_name="Delta", brand_zone=True),
        account("E1", N["Eps"], account_name="Eps", positive_ratings_pct=99.2),
        account("F1", N["Fi"], account_name="Fi", sales_quality="Good"),
        account("G1", N["Gi"], account_name="Gi", main_account=True),
        account("G2", N["Gi"], sales_quality="Neutral"),
        account("H1", N["Hi"], account_name="Hi"),
        account("I1", N["Iota"], account_name="Iota", exportable_share=0.3),
        account("Z1", N["Zeta"], account_name="Zeta"),
        account("M1", N["Mu"], account_name="Mu", transaction_problem_rate=0.02),
        account("N1", N["Nu"], account_name="Nu", exportable_share=0.42),
        account("O1", N["Omi"], account_name="Omi", new_condition_share=0.3),
        account("J1", N["Jay"], account_name="Jay"),
        account("K1", N["Kay"], account_name="Kay", business_account=variant),
        account("L1", N["El"], account_name="El", suspended=not variant),
        account("P1", N["Pi"], account_name="Pi"),
    ]
    rev = (
        growing_seller("A1", "Fashion", 3_600_000, 3_000_000)
        + growing_seller("B1", "Fashion", 2_902_294, 2_800_000)
        + growing_seller("C1", "Fashion", 1_000_000, 500_000)
        + growing_seller("D1", "Kids", 600_000, 500_000)
        + growing_seller("H1", "Automotive", 3_640_000, 3_500_000)
        + growing_seller("Z1", "Automotive", 3_600_000, 3_600_000)
        # Iota: 300k a month in P; in C 250k for six months, then 400k: quarters 2 and 3 beat their twins.
        + monthly("I1", "Automotive", "2024-11", "2025-10", 300_000)
        + monthly("I1", "Automotive", "2025-11", "2026-04", 250_000)
        + monthly("I1", "Automotive", "2026-05", "2026-10", 400_000)
        + monthly("J1", "Garden", "2025-11", "2026-10", 8_000_000 / 12)
        + growing_seller("K1", "Garden", 8_000_000, 7_000_000)
        + growing_seller("L1", "Garden", 8_000_000, 7_000_000)
    )
    for acc_id in ("E1", "F1", "G1", "M1", "N1", "O1"):
        rev += growing_seller(acc_id, "Automotive", 4_000_000, 3_000_000)
    if variant:
        rev += monthly("J1", "Garden", "2024-11", "2025-10", 7_000_000 / 12)
        acc.append(account("X1", N["Extra"], account_name="Extra"))
        rev += growing_seller("X1", "Garden", 8_000_000, 7_000_000)
    return compute_metrics(dataset(acc, rev), AS_OF)


@pytest.fixture(scope="module")
def metrics():
    return build()


def status_of(d: pd.DataFrame) -> dict[str, str]:
    names = {v: k for k, v in N.items()}
    return {names[n]: str(s) for n, s in zip(d["nip"], d["status"], strict=True)}


def test_the_dataset_is_as_worked_by_hand(metrics):
    s = status_of(decide(metrics, PUBLISHED))
    assert [n for n, v in s.items() if v == "qualified"] == ["Alpha", "Gamma", "Delta", "Eps", "Fi", "Gi", "Hi", "Mu"]
    assert [n for n, v in s.items() if v == "review"] == ["Nu", "Omi", "El"]
    d = decide(metrics, PUBLISHED).set_index("nip")
    assert d.loc[N["Gamma"], "path"] == "conditional" and d.loc[N["Delta"], "path"] == "brand"
    assert d.loc[N["Beta"], "peer_benchmark"] == pytest.approx(0.2)
    assert d.loc[N["Iota"], "growing_quarters"] == 2 and d.loc[N["Iota"], "flags"] == "export"


# -- compare_scenarios -----------------------------------------------------------------------------

LOWER = Policy.from_dict({"categories": {"Fashion": {"company": 2_900_000}}, "flags": {"min_exportable_share": 0.4}})
STRICT = Policy.from_dict(
    {"criteria": {"min_positive_ratings_pct": 99.5, "min_quality_main": "Super", "min_quality_other": "Good"}}
)


@pytest.fixture(scope="module")
def result(metrics):
    # The baseline is named, not first: the result still lists it first.
    decisions = {
        "Strict": decide(metrics, STRICT),
        "Published": decide(metrics, PUBLISHED),
        "Lower": decide(metrics, LOWER),
    }
    return compare_scenarios(decisions, "Published")


def test_totals_by_status_and_path_and_revenue_covered(result):
    t = result.totals.set_index("scenario")
    assert result.names == ["Published", "Strict", "Lower"] and list(t.index) == result.names
    assert t["companies"].tolist() == [17, 17, 17]
    # Published: 8 qualified (6 standard, Gamma conditional, Delta brand), 3 review, 6 not.
    # Lower lets Beta in (standard at 2.9M) and Nu (export 42 % ≥ 40 %); Strict drops Eps, Fi and Gi.
    assert t[["qualified", "review", "not_qualified"]].to_numpy().tolist() == [[8, 3, 6], [5, 3, 9], [10, 2, 5]]
    assert t[["qualified_standard", "qualified_conditional", "qualified_brand"]].to_numpy().tolist() == [
        [6, 1, 1],
        [3, 1, 1],
        [8, 1, 1],
    ]
    # 3.6M + 1.0M + 0.6M + 4 × 4M (Eps, Fi, Gi, Mu) + 3.64M; Strict −12M; Lower + 2 902 294 + 4M.
    assert t["revenue_covered"].tolist() == [24_840_000, 12_840_000, 31_742_294]


def test_change_against_the_baseline(result):
    t = result.totals.set_index("scenario")
    assert t["qualified_change"].tolist() == [0, -3, 2]
    assert t["review_change"].tolist() == [0, 0, -1]
    assert t["not_qualified_change"].tolist() == [0, 3, -1]
    assert t["qualified_standard_change"].tolist() == [0, -3, 2]
    assert t["revenue_covered_change"].tolist() == [0, -12_000_000, 6_902_294]
    assert t.loc["Strict", "revenue_covered_change_pct"] == pytest.approx(-12 / 24.84)
    assert t["enters"].tolist() == [0, 0, 2] and t["leaves"].tolist() == [0, 3, 0]


def test_counts_per_category_long_and_wide(result):
    long = result.by_category.set_index(["scenario", "category"])
    assert len(long) == 3 * 15 and list(result.by_category["category"][:2]) == ["Automotive", "Books & Media"]
    fashion = long.loc[("Published", "Fashion")]
    assert (fashion.companies, fashion.qualified, fashion.review, fashion.not_qualified) == (3, 2, 0, 1)
    assert fashion.revenue_covered == 4_600_000
    auto = long.loc[("Published", "Automotive")]
    assert (auto.companies, auto.qualified, auto.review, auto.not_qualified) == (9, 5, 2, 2)
    assert auto.revenue_covered == 19_640_000
    garden = long.loc[("Published", "Garden")]
    assert (garden.companies, garden.qualified, garden.review, garden.not_qualified) == (3, 0, 1, 2)
    assert long.loc[("Published", "Kids"), "revenue_covered"] == 600_000
    lower_fashion = long.loc[("Lower", "Fashion")]
    assert (lower_fashion.qualified, lower_fashion.qualified_change) == (3, 1)
    assert lower_fashion.revenue_covered_change == 2_902_294
    assert long.loc[("Strict", "Automotive"), "qualified_change"] == -3
    # Pi has no main category: in the totals, in no category.
    assert long.loc["Published", "companies"].sum() == 16

    wide = result.qualified_by_category.set_index("category")
    assert list(wide.columns) == ["Published", "Strict", "Lower", "Δ Strict", "Δ Lower"]
    assert wide.loc["Fashion"].tolist() == [2, 2, 3, 0, 1]
    assert wide.loc["Automotive"].tolist() == [5, 2, 6, -3, 1]


def test_a_baseline_that_is_not_a_scenario_is_refused(metrics):
    with pytest.raises(ValueError, match="'Nope' is not one of the scenarios"):
        compare_scenarios({"Published": decide(metrics, PUBLISHED)}, "Nope")


def test_a_status_that_is_not_a_status_is_refused(metrics):
    d = decide(metrics, PUBLISHED)
    bad = d.assign(status=d["status"].astype(str).replace("review", "maybe"))
    with pytest.raises(ValueError, match="Typo: a status that is not one of qualified, review, not_qualified"):
        compare_scenarios({"Published": d, "Typo": bad}, "Published")


def test_decisions_read_back_as_text_count_the_same(metrics, result):
    d = decide(metrics, PUBLISHED)
    as_text = d.assign(**{c: d[c].astype(str).replace("nan", None) for c in ("status", "path", "main_category")})
    again = compare_scenarios({"Published": as_text}, "Published")
    pd.testing.assert_frame_equal(again.totals, result.totals.iloc[:1])


# -- flips: who enters and who leaves, and the criterion that flipped ------------------------------


def why(metrics, policy_a, policy_b, who, metrics_b=None):
    a, b = decide(metrics, policy_a), decide(metrics_b or metrics, policy_b)
    f = flips(a, b, policy_a, policy_b).set_index("nip")
    return plain(f.loc[N[who], "why"]), f.loc[N[who], "change"]


def test_comparing_a_scenario_with_itself_flips_nobody(metrics):
    d = decide(metrics, PUBLISHED)
    f = flips(d, d, PUBLISHED, PUBLISHED)
    assert f.empty and list(f.columns) == FLIP_COLUMNS


def test_revenue_standard_path_with_the_figure_and_the_threshold(metrics):
    fashion_29 = Policy.from_dict({"categories": {"Fashion": {"company": 2_900_000}}})
    fashion_30 = Policy.from_dict({"categories": {"Fashion": {"company": 3_000_000, "conditional": 3_000_000}}})
    assert why(metrics, fashion_29, fashion_30, "Beta") == (
        "revenue: 2 902 294 PLN < 3 000 000 PLN — was ≥ 2 900 000 PLN",
        "leaves",
    )
    # Where the conditional threshold is met, the growth it misses is said too.
    assert why(metrics, PUBLISHED, fashion_29, "Beta") == (
        (
            "revenue: 2 902 294 PLN ≥ 2 900 000 PLN — was < 3 200 000 PLN, "
            "conditional threshold 800 000 PLN met but growth 3,7 % ≤ peer median 20,0 %"
        ),
        "enters",
    )


def test_revenue_conditional_path_threshold_and_peer_growth(metrics):
    higher = Policy.from_dict({"categories": {"Fashion": {"conditional": 1_100_000}}})
    assert why(metrics, PUBLISHED, higher, "Gamma") == (
        (
            "revenue: 1 000 000 PLN < 1 100 000 PLN conditional threshold, growth 100,0 % > peer median 20,0 % "
            "— was ≥ 800 000 PLN conditional threshold"
        ),
        "leaves",
    )
    top = Policy.from_dict({"conditional": {"peer_percentile": 100}})
    assert why(metrics, PUBLISHED, top, "Gamma") == (
        (
            "revenue: 1 000 000 PLN < 3 200 000 PLN, conditional threshold 800 000 PLN met but "
            "growth 100,0 % ≤ peer 100th percentile 100,0 % — was ≥ 800 000 PLN conditional threshold, "
            "growth 100,0 % > peer median 20,0 %"
        ),
        "leaves",
    )


def test_revenue_brand_path_names_the_account(metrics):
    kids = Policy.from_dict({"categories": {"Kids": {"brand": 700_000}}})
    assert why(metrics, PUBLISHED, kids, "Delta") == (
        "revenue: Brand Zone account D1: 600 000 PLN in Kids < 700 000 PLN — was ≥ 590 000 PLN",
        "leaves",
    )


def test_quality_gates(metrics):
    assert why(metrics, PUBLISHED, STRICT, "Eps") == ("positive ratings: 99,20 % < 99,50 % — was ≥ 99,00 %", "leaves")
    assert why(metrics, PUBLISHED, STRICT, "Fi") == ("sales quality, main account: Good < Super — was ≥ Good", "leaves")
    assert why(metrics, PUBLISHED, STRICT, "Gi") == (
        "sales quality, other accounts: lowest Neutral < Good — was ≥ Neutral",
        "leaves",
    )


def test_growth_and_quarters(metrics):
    five = Policy.from_dict({"growth": {"min_yoy_growth": 0.05}})
    assert why(metrics, PUBLISHED, five, "Hi") == ("growth: 4,0 % ≤ 5,0 % — was > 0,0 %", "leaves")
    lenient = Policy.from_dict({"growth": {"min_yoy_growth": -0.01, "min_growing_quarters": 0}})
    assert why(metrics, lenient, PUBLISHED, "Zeta") == (
        "growth: 0,0 % ≤ 0,0 % — was > -1,0 %; growing quarters: 0 < 3 — was ≥ 0",
        "leaves",
    )
    two = Policy.from_dict({"growth": {"min_growing_quarters": 2}})
    # Iota passes every gate with two quarters, but carries the export flag.
    assert why(metrics, PUBLISHED, two, "Iota") == ("growing quarters: 2 ≥ 2 — was < 3", "to review")
    assert why(metrics, two, PUBLISHED, "Iota") == ("growing quarters: 2 < 3 — was ≥ 2", "from review")


def test_each_flag(metrics):
    assert why(metrics, PUBLISHED, LOWER, "Nu") == ("flag export: 42,0 % ≥ 40,0 % — was < 50,0 %", "enters")
    assert why(metrics, LOWER, PUBLISHED, "Nu") == ("flag export: 42,0 % < 50,0 % — was ≥ 40,0 %", "leaves")
    strict_tp = Policy.from_dict({"flags": {"max_transaction_problem_rate": 0.01}})
    assert why(metrics, PUBLISHED, strict_tp, "Mu") == (
        "flag transaction problems: 2,0 % > 1,0 % — was ≤ 3,0 %",
        "leaves",
    )
    condition = Policy.from_dict({"flags": {"min_new_condition_share": 0.25}})
    assert why(metrics, PUBLISHED, condition, "Omi") == ("flag condition: 30,0 % ≥ 25,0 % — was < 50,0 %", "enters")


def test_criteria_that_only_data_can_flip_history_business_account_suspension(metrics):
    changed = build(variant=True)
    a, b = decide(metrics, PUBLISHED), decide(changed, PUBLISHED)
    f = flips(a, b, PUBLISHED, PUBLISHED).set_index("nip")
    assert plain(f.loc[N["Jay"], "why"]) == "previous 12 months' revenue: 7 000 000 PLN > 0 PLN — was 0 PLN ≤ 0 PLN"
    assert plain(f.loc[N["Kay"], "why"]) == "business account: yes — was no"
    assert plain(f.loc[N["El"], "why"]) == "flag suspended: no account suspended — was an account is suspended"
    assert f.loc[N["Extra"], ["change", "status_a", "status_b", "why"]].tolist() == [
        "enters",
        "absent",
        "qualified",
        "not in a's data",
    ]
    assert set(f.index) == {N["Jay"], N["Kay"], N["El"], N["Extra"]}
    back = flips(b, a, PUBLISHED, PUBLISHED).set_index("nip")
    assert back.loc[N["Extra"], ["change", "status_b", "why"]].tolist() == ["leaves", "absent", "not in b's data"]


def test_flips_are_plain_sorted_by_revenue_and_readable(metrics):
    a, b = decide(metrics, PUBLISHED), decide(metrics, STRICT.model_copy(update={"flags": LOWER.flags}))
    f = flips(a, b, PUBLISHED, STRICT.model_copy(update={"flags": LOWER.flags}))
    assert list(f.columns) == FLIP_COLUMNS
    # Eps, Fi, Gi leave; Nu enters; all four with 4M in Automotive: ties go by NIP.
    assert f["company_name"].tolist() == ["Eps", "Fi", "Gi", "Nu"]
    assert f["change"].tolist() == ["leaves", "leaves", "leaves", "enters"]
    assert f["main_category"].tolist() == ["Automotive"] * 4 and f["main_category_revenue"].tolist() == [4e6] * 4
    assert all(f[c].dtype == object or f[c].dtype.kind == "f" or str(f[c].dtype) == "str" for c in f.columns)
    named = readable(f, "Published", "Strict")
    assert list(named.columns) == [
        "Change",
        "Company",
        "NIP",
        "Main category",
        "Main-category revenue (PLN)",
        "Status in Published",
        "Status in Strict",
        "What flipped (in Strict, and how it was in Published)",
    ]


def test_flips_order_by_revenue_descending(metrics):
    f = flips(decide(metrics, PUBLISHED), decide(metrics, PUBLISHED.scaled(10)), PUBLISHED, PUBLISHED.scaled(10))
    # Every revenue path fails ten times higher: El (8M), the 4M ones by NIP, Hi, Alpha, Gamma, Delta.
    assert f["company_name"].tolist() == ["El", "Eps", "Fi", "Gi", "Mu", "Nu", "Omi", "Hi", "Alpha", "Gamma", "Delta"]
    assert f["change"].tolist() == [
        "from review",
        "leaves",
        "leaves",
        "leaves",
        "leaves",
        "from review",
        "from review",
        "leaves",
        "leaves",
        "leaves",
        "leaves",
    ]


def test_a_policy_that_did_not_make_the_decisions_is_refused(metrics):
    a, b = decide(metrics, PUBLISHED), decide(metrics, STRICT)
    with pytest.raises(ValueError, match="policy_b is not the policy decisions b were made with"):
        flips(a, b, PUBLISHED, PUBLISHED)  # b was made with STRICT: Eps's ratings do not pass there


def test_figures_that_differ_never_read_the_same():
    assert [plain(x) for x in _money(2_999_999.6, 3_000_000)] == ["2 999 999,60 PLN", "3 000 000,00 PLN"]
    assert [plain(x) for x in _money(2_902_294, 3_000_000)] == ["2 902 294 PLN", "3 000 000 PLN"]
    assert [plain(x) for x in _share(0.0000001, 0.0)] == ["0,00001 %", "0,00000 %"]
    assert [plain(x) for x in _share(0.0, 0.0)] == ["0,0 %", "0,0 %"]
    # The same figure shown with more decimals next to a close threshold is not repeated in "was".
    now = ("2 999 999,60 PLN", "< 3 000 000,00 PLN", "", 2_999_999.6)
    assert _was(now, ("3 000 000 PLN", "≥ 2 900 000 PLN", "", 2_999_999.6)) == "≥ 2 900 000 PLN"
    assert _was(now, ("2 000 000 PLN", "≥ 1 900 000 PLN", "", 2_000_000.0)) == "2 000 000 PLN ≥ 1 900 000 PLN"
