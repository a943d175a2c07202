"""The views people read: checklist, gaps, near misses, scenario comparison, counts."""

from __future__ import annotations

import pandas as pd
import pytest
from builders import account, dataset, growing_seller, nip

from core import Policy, compute_metrics, decide
from core.comparison import flips
from core.explain import (
    by_category,
    checklist,
    compare_by_category,
    funnel,
    near_misses,
    path_counts,
    revenue_gaps,
    status_counts,
)

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
