"""The views people read: checklist, gaps, near misses, scenario comparison, counts."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from builders import account, dataset, growing_seller, nip

from core import Policy, compute_metrics, decide
from core.comparison import flips
from core.explain import (
    by_category,
    checklist,
    checklist_export,
    compare_by_category,
    funnel,
    gap_sentence,
    near_misses,
    path_counts,
    revenue_gaps,
    status_counts,
)
from core.formatting import pct, pln
from core.nip import format_nip
from ui.export import to_csv_bytes

AS_OF = "2026-10"
N = [nip(i) for i in range(6)]


@pytest.fixture(scope="module")
def metrics():
    accounts = [
        account("Q1", N[0]),  # qualified, standard, Fashion
        account("R1", N[1], suspended=True),  # review
        account("M1", N[2]),  # 5 % under the Fashion threshold
        account("M2", N[3], positive_ratings_pct=90),  # under, and fails ratings: not a near miss
        account("F1", N[4]),  # far under (50 %)
        account("K1", N[5], account_name="Kids Ltd"),  # qualified in Kids
    ]
    rev = (
        growing_seller("Q1", "Fashion", 3_600_000, 3_000_000)
        + growing_seller("R1", "Fashion", 3_600_000, 3_000_000)
        + growing_seller("M1", "Fashion", 3_040_000, 3_000_000)
        + growing_seller("M2", "Fashion", 3_040_000, 3_000_000)
        + growing_seller("F1", "Fashion", 1_600_000, 1_590_000)
        + growing_seller("K1", "Kids", 5_000_000, 4_000_000)
    )
    return compute_metrics(dataset(accounts, rev), AS_OF)


def by_nip(decisions, n):
    return decisions.set_index("nip").loc[n].rename(n)


def test_checklist_lists_every_criterion_with_actual_requirement_and_source(metrics):
    d = decide(metrics, Policy.default())
    row = d[d.nip == N[3]].iloc[0]
    items = checklist(row, Policy.default())
    assert len(items) == 14
    ratings = items[items.criterion.str.contains("ratings")].iloc[0]
    assert (ratings.actual, ratings.required, ratings.passed, ratings.source) == (
        "90,00\u00a0%",
        "≥ 99\u00a0%",
        False,
        "published",
    )
    quarters = items[items.criterion.str.contains("Quarters")].iloc[0]
    assert quarters.passed and quarters.source == "assumption"
    standard = items.iloc[0]
    assert (
        "3\u00a0040\u00a0000" in standard.actual and "3\u00a0200\u00a0000" in standard.required and not standard.passed
    )


def test_revenue_gaps_in_pln_and_percent(metrics):
    row = by_nip(decide(metrics, Policy.default()), N[2])
    gaps = revenue_gaps(row).set_index("path")
    assert gaps.loc["standard", "gap"] == pytest.approx(160_000)
    assert gaps.loc["standard", "gap_pct"] == pytest.approx(0.05)
    assert gaps.loc["conditional", "gap"] == 0 and not gaps.loc["conditional", "other_condition_met"]
    assert not gaps.loc["brand", "passes"]
    assert pd.isna(gaps.loc["brand", "gap"]) and pd.isna(gaps.loc["brand", "gap_pct"])  # no Brand Zone account


def test_near_misses_pass_everything_but_revenue_within_the_margin(metrics):
    d = decide(metrics, Policy.default())
    near = near_misses(d, within=0.10)
    assert list(near.nip) == [N[2]]
    assert near.iloc[0].nearest_path == "standard"
    assert near.iloc[0].shortfall == pytest.approx(160_000)
    assert set(near_misses(d, within=0.6).nip) == {N[2], N[4]}
    assert near_misses(d, within=0.0).empty


def test_flips_name_who_enters_and_leaves_and_why(metrics):
    # The comparison the What-if page shows (core.comparison.flips), on this file's hand-built companies.
    base = decide(metrics, Policy.default())
    lower = Policy.from_dict(
        {"categories": {"Fashion": {"company": 3_000_000}}, "criteria": {"min_positive_ratings_pct": 99.5}}
    )
    changes = flips(base, decide(metrics, lower), Policy.default(), lower).set_index("nip")
    assert changes.loc[N[2], "change"] == "enters" and changes.loc[N[2], "why"].startswith("revenue: ")
    assert N[3] not in changes.index  # passes revenue now, but still fails ratings
    scaled = Policy.default().scaled(5)
    stricter = flips(base, decide(metrics, scaled), Policy.default(), scaled).set_index("nip")
    assert stricter.loc[N[0], "change"] == "leaves" and stricter.loc[N[0], "why"].startswith("revenue: ")
    assert stricter.loc[N[1], "change"] == "from review" and stricter.loc[N[1], "status_b"] == "not_qualified"


def test_counts_per_category_and_overall(metrics):
    d = decide(metrics, Policy.default())
    table = by_category(d).set_index("category")
    assert table.loc["Fashion", ["companies", "qualified", "review", "not_qualified"]].tolist() == [5, 1, 1, 3]
    assert table.loc["Kids", "qualified_standard"] == 1 and table.loc["Garden", "companies"] == 0
    assert list(table.index[:2]) == ["Automotive", "Books & Media"]  # the published order
    assert status_counts(d) == {"qualified": 2, "review": 1, "not_qualified": 3}
    assert path_counts(d) == {"standard": 2, "conditional": 0, "brand": 0}
    cmp = compare_by_category(d, decide(metrics, Policy.default().scaled(5))).set_index("category")
    assert cmp.loc["Fashion"].tolist() == [1, 0, -1]


def test_funnel_keeps_those_passing_every_stage_before(metrics):
    f = funnel(decide(metrics, Policy.default())).set_index("stage")["companies"]
    assert f.iloc[0] == 6 and f["Revenue threshold (any path)"] == 3 and f.iloc[-1] == 2
    assert f.is_monotonic_decreasing


# -- the gap sentence: the path the seller is closest to and can actually use -------------------------

HOME = "Home Decoration & Office"  # company 6 000 000, conditional 3 000 000, brand 1 500 000 PLN
GAP_NIPS = [nip(100 + i) for i in range(4)]


def gap_row(seller_before: float, peers_before: tuple[float, float] = (2_000_000, 1_800_000), brand: float = 0):
    """The seller sells 2 902 294 PLN in Home Decoration & Office over the 12 months to 2026-10 and
    ``seller_before`` the 12 months before. Two peers, each 2 000 000 PLN now, give the peer benchmark:
    the median of the three growths. ``brand`` > 0 adds a Brand Zone account of the seller selling that
    much in Fashion (brand threshold 350 000 PLN)."""
    accounts = [
        account("S1", GAP_NIPS[0], main_account=True),
        account("P1", GAP_NIPS[1]),
        account("P2", GAP_NIPS[2]),
    ]
    rev = (
        growing_seller("S1", HOME, 2_902_294, seller_before)
        + growing_seller("P1", HOME, 2_000_000, peers_before[0])
        + growing_seller("P2", HOME, 2_000_000, peers_before[1])
    )
    if brand:
        accounts.append(account("B1", GAP_NIPS[0], brand_zone=True))
        rev += growing_seller("B1", "Fashion", brand, brand)
    d = decide(compute_metrics(dataset(accounts, rev), AS_OF), Policy.default())
    return d[d["nip"] == GAP_NIPS[0]].iloc[0]


def test_gap_sentence_points_at_the_conditional_path_when_its_growth_condition_holds():
    # Growth: seller 2 902 294 / 2 000 000 − 1 = 45.1 %; peers 0 % and 11.1 %: benchmark (median) 11.1 %.
    row = gap_row(2_000_000)
    assert row["gap"] == pytest.approx(3_097_706) and row["main_category_growth"] > row["peer_benchmark"]
    sentence = gap_sentence(row, AS_OF)
    assert sentence.startswith(
        f"{pln(97_706)} more revenue in Home Decoration & Office in the 12 months to 2026-10 "
        "reaches the conditional threshold"
    ), sentence
    assert pln(3_097_706) not in sentence


def test_gap_sentence_points_at_the_standard_path_without_the_growth_condition():
    # Seller 2 902 294 / 3 000 000 − 1 = −3.3 %; peers 0 % and 11.1 %: benchmark 0 %, not beaten.
    row = gap_row(3_000_000)
    assert not row["main_category_growth"] > row["peer_benchmark"]
    sentence = gap_sentence(row, AS_OF)
    assert sentence.startswith(
        f"{pln(3_097_706)} more revenue in Home Decoration & Office in the 12 months to 2026-10 "
        "reaches the company threshold"
    ), sentence
    # …and says why the nearer conditional threshold does not count.
    assert f"conditional threshold ({pln(3_000_000)}) also needs main-category growth above" in sentence


def test_gap_sentence_points_at_a_brand_zone_account_when_that_is_closest():
    # Brand Zone account B1: 300 000 PLN in Fashion, 50 000 PLN under the brand threshold; standard 3 097 706.
    row = gap_row(3_000_000, brand=300_000)
    sentence = gap_sentence(row, AS_OF)
    assert sentence.startswith(
        f"{pln(50_000)} more revenue in Fashion on the Brand Zone account B1 in the 12 months to 2026-10 "
        "reaches the brand threshold"
    ), sentence
    # With the conditional path usable too (97 706 PLN short), the brand path is still the closest.
    assert gap_sentence(gap_row(2_000_000, brand=300_000), AS_OF).startswith(pln(50_000))


def test_gap_sentence_rounds_the_gap_to_the_zloty_and_a_gap_under_one_zloty_to_the_grosz():
    row = gap_row(2_000_000).copy()
    row["main_category_revenue"] = 2_902_293.58  # 97 706.42 PLN short: as the figures beside it, to the zloty
    assert gap_sentence(row, AS_OF).startswith(f"{pln(97_706)} more revenue")
    row["main_category_revenue"] = 2_999_999.60  # 0.40 PLN short: "0 PLN more" would be false
    assert gap_sentence(row, AS_OF).startswith(f"{pln(0.40, 2)} more revenue")


def test_gap_sentence_when_revenue_passes_or_there_is_none(metrics):
    d = decide(metrics, Policy.default())
    passing = gap_sentence(by_nip(d, N[0]), AS_OF)
    assert passing.startswith(f"Revenue passes on the standard path: {pln(3_600_000)} in Fashion"), passing
    none = gap_row(2_000_000).copy()
    none["main_category"] = float("nan")
    assert gap_sentence(none, AS_OF) == (
        "No revenue in the 12 months to 2026-10: no main category, so no revenue path applies."
    )


def test_checklist_export_names_the_company_and_keeps_numbers_as_numbers():
    row = gap_row(2_000_000)
    out = checklist_export(row, Policy.default(), AS_OF)
    assert len(out) == 14
    assert set(out["Company"]) == {"S1"} and set(out["As of"]) == {"2026-10"}
    n = GAP_NIPS[0]
    assert set(out["NIP"]) == {f"{n[:3]}-{n[3:6]}-{n[6:8]}-{n[8:]}"}
    assert set(out["Result"]) <= {"passes", "fails"}
    standard, conditional, brand = out.iloc[0], out.iloc[1], out.iloc[2]
    assert (standard["Actual"], standard["Test"], standard["Required"], standard["Unit"]) == (
        2_902_294,
        "≥",
        6_000_000,
        "PLN",
    )
    assert standard["Result"] == "fails" and standard["Rule"] == "published"
    assert conditional["Required"] == 3_000_000
    assert (
        conditional["Note"]
        == f"and main-category growth {pct(2_902_294 / 2_000_000 - 1)} > peer benchmark {pct(1 / 9)}"
    )
    assert brand["Actual"] is None and brand["Note"] == "no Brand Zone account with revenue"
    by_criterion = out.set_index("Criterion")
    assert by_criterion.loc["Positive ratings of the main account, last 12 months", "Actual"] == 100
    assert by_criterion.loc["Transaction problem rate, worst account", "Required"] == 3  # 0.03 as percent, no noise
    assert by_criterion.loc["Main account is an active Business Account", "Actual"] == "yes"
    assert by_criterion.loc["Quarters beating the same quarter a year earlier", "Actual"] == 4
    # The file a person downloads: money reads back as numbers, no True/False anywhere.
    back = pd.read_csv(io.BytesIO(to_csv_bytes(out)), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert back.loc[0, "Actual"] == "2902294" and float(back.loc[0, "Required"]) == 6_000_000
    assert not back.isin(["True", "False"]).any().any()


def test_format_nip():
    assert format_nip("5831060384") == "583-106-03-84"
    assert format_nip("583106038") == "583106038"  # not ten digits: unchanged
