"""The prospect list: filters by category, nearest path and gap, sorting, and what an export holds."""

from __future__ import annotations

import pytest
from prospect_data import FASHION, HOME, KIDS, N, build

from core import Policy, decide
from core.explain import near_misses
from core.formatting import pct, pln
from core.prospects import (
    CATEGORY,
    COMPANY,
    GAP,
    GAP_PCT,
    NIP,
    PATH,
    PROSPECT_COLUMNS,
    REVENUE,
    THRESHOLD,
    ProspectFilter,
    about,
    categories_present,
    prospects,
)


@pytest.fixture(scope="module")
def decisions():
    _, metrics = build()
    return decide(metrics, Policy.default())


def test_the_default_list_is_every_near_miss_within_20_percent_smallest_gap_first(decisions):
    out = prospects(decisions)
    assert list(out.columns) == PROSPECT_COLUMNS
    # Alfa and Beta both miss by exactly 5 % (a tie, broken by NIP), Epsilon by 30/590, Delta by 10 %.
    assert out[NIP].tolist() == [N[0], N[1], N[5], N[4]]
    assert out[PATH].tolist() == ["standard", "conditional", "brand", "standard"]
    assert out[GAP].tolist() == [300_000, 150_000, 30_000, 320_000]
    assert out[GAP_PCT].tolist() == pytest.approx([0.05, 0.05, 30 / 590, 0.10])
    assert out[THRESHOLD].tolist() == [6_000_000, 3_000_000, 590_000, 3_200_000]
    assert out[REVENUE].tolist() == [5_700_000, 2_850_000, 560_000, 2_880_000]  # brand: the account's own revenue
    assert set(out[NIP]) == set(near_misses(decisions, 0.2)["nip"])  # the same companies as the near misses


def test_filter_by_category(decisions):
    out = prospects(decisions, ProspectFilter(categories=(HOME,)))
    assert out[NIP].tolist() == [N[0], N[1]]
    assert set(out[CATEGORY]) == {HOME}
    assert prospects(decisions, ProspectFilter(categories=(HOME, KIDS)))[NIP].tolist() == [N[0], N[1], N[5]]


def test_filter_by_nearest_path(decisions):
    assert prospects(decisions, ProspectFilter(paths=("conditional",)))[NIP].tolist() == [N[1]]
    assert prospects(decisions, ProspectFilter(paths=("standard", "brand")))[NIP].tolist() == [N[0], N[5], N[4]]


def test_filter_by_gap_in_percent_includes_the_limit(decisions):
    assert prospects(decisions, ProspectFilter(max_gap_pct=0.05))[NIP].tolist() == [N[0], N[1]]
    assert prospects(decisions, ProspectFilter(max_gap_pct=0.0999))[NIP].tolist() == [N[0], N[1], N[5]]
    assert prospects(decisions, ProspectFilter(max_gap_pct=0.0)).empty


def test_filter_by_gap_in_pln_includes_the_limit(decisions):
    out = prospects(decisions, ProspectFilter(max_gap_pct=None, max_gap_pln=150_000))
    assert out[NIP].tolist() == [N[1], N[5]]
    assert prospects(decisions, ProspectFilter(max_gap_pct=None, max_gap_pln=149_999.99))[NIP].tolist() == [N[5]]
    # Without a gap limit every company passing the gates with no flag and missing revenue is listed:
    # Beta's standard gap (52.5 %) is not what counts, its conditional one is.
    everyone = prospects(decisions, ProspectFilter(max_gap_pct=None))
    assert set(everyone[NIP]) == {N[0], N[1], N[4], N[5]}


def test_filters_combine(decisions):
    f = ProspectFilter(categories=(HOME, FASHION), paths=("standard",), max_gap_pct=0.2, max_gap_pln=310_000)
    assert prospects(decisions, f)[NIP].tolist() == [N[0]]


def test_sorting(decisions):
    by_gap = prospects(decisions, ProspectFilter(sort_by="gap_pln", descending=True))
    assert by_gap[GAP].tolist() == [320_000, 300_000, 150_000, 30_000]
    by_name = prospects(decisions, ProspectFilter(sort_by="company"))
    assert by_name[COMPANY].tolist() == ["Alfa", "Beta", "Delta", "Epsilon"]
    by_name_down = prospects(decisions, ProspectFilter(sort_by="company", descending=True))
    assert by_name_down[COMPANY].tolist() == ["Epsilon", "Delta", "Beta", "Alfa"]
    by_revenue = prospects(decisions, ProspectFilter(sort_by="revenue", descending=True))
    assert by_revenue[NIP].tolist() == [N[0], N[4], N[1], N[5]]  # 5.7 M, 2.88 M, 2.85 M, 0.56 M


def test_flagged_failing_and_qualified_companies_are_never_prospects(decisions):
    listed = set(prospects(decisions, ProspectFilter(max_gap_pct=None))[NIP])
    assert not listed & {N[2], N[3], N[6], N[7], N[8], N[9]}


def test_bad_filters_are_refused_with_what_is_wrong():
    with pytest.raises(ValueError, match="not a category: Toys"):
        ProspectFilter(categories=("Toys",))
    with pytest.raises(ValueError, match="not a revenue path: fast"):
        ProspectFilter(paths=("fast",))
    with pytest.raises(ValueError, match="cannot sort by"):
        ProspectFilter(sort_by="nip")
    with pytest.raises(ValueError, match="max_gap_pln must be 0 or more"):
        ProspectFilter(max_gap_pln=-1)


def test_about_states_scenario_month_and_filters(decisions):
    f = ProspectFilter(categories=(HOME,), paths=("conditional",), max_gap_pct=0.1, max_gap_pln=200_000)
    rows = dict(about("Lower Home", "2026-10", f, 1))
    assert rows["Scenario"] == "Lower Home"
    assert rows["As-of month"] == "2026-10"
    assert rows["Main categories"] == HOME
    assert rows["Nearest path"] == "conditional"
    assert rows["Gap"] == f"at most {pct(0.1)} of the threshold and at most {pln(200_000)}"
    assert rows["Companies"] == "1"


def test_categories_present_in_published_order(decisions):
    assert categories_present(decisions) == [FASHION, HOME, KIDS]
