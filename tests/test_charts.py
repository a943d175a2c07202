"""The chart builders return figures with the expected traces and data (no browser needed)."""

from __future__ import annotations

import builders as b
import pandas as pd
import plotly.graph_objects as go
import pytest

from core import Policy, compute_metrics, decide
from core.explain import compare_by_category, funnel
from core.lookup import company_categories, company_monthly
from core.policy import CATEGORIES
from ui import charts

AS_OF = "2026-10"


@pytest.fixture(scope="module")
def small():
    """Three companies: one qualifies (Fashion, standard), one is just below (Fashion), one has a
    Brand Zone account that qualifies on its own (Electronics)."""
    n0, n1, n2 = b.nip(0), b.nip(1), b.nip(2)
    accounts = [
        b.account("big", n0, account_name="Big Fashion"),
        b.account("near", n1, account_name="=Near Miss"),
        b.account("brand", n2, brand_zone=True),
        b.account("brand-2", n2),
    ]
    revenue = (
        b.growing_seller("big", "Fashion", 4_000_000, 3_000_000)
        + b.growing_seller("near", "Fashion", 3_000_000, 2_900_000)
        + b.growing_seller("brand", "Electronics", 5_000_000, 4_000_000)
        + b.growing_seller("brand-2", "Electronics", 100_000, 90_000)
    )
    dataset = b.dataset(accounts, revenue)
    metrics = compute_metrics(dataset, AS_OF)
    return dataset, metrics, decide(metrics, Policy.default())


def test_status_colours_cover_every_status():
    assert set(charts.STATUS_COLORS) == {"qualified", "review", "not_qualified"}
    assert len(set(charts.STATUS_COLORS.values())) == 3


def test_qualifiers_by_path_stacks_the_three_paths(small):
    _, _, decisions = small
    fig = charts.qualifiers_by_category(decisions, by="path")
    assert isinstance(fig, go.Figure)
    assert [t.name for t in fig.data] == ["Standard", "Conditional", "Brand Zone"]
    by_name = {t.name: dict(zip(t.y, t.x, strict=True)) for t in fig.data}
    assert by_name["Standard"]["Fashion"] == 1
    assert by_name["Brand Zone"]["Electronics"] == 1
    assert list(fig.data[0].y) == list(CATEGORIES)
    assert fig.layout.barmode == "stack"
    # Every bar carries its value, written by core.formatting.
    labels = {a.y: a.text for a in fig.layout.annotations}
    assert labels["Fashion"] == "1" and labels["Electronics"] == "1" and labels["Automotive"] == "0"


def test_chart_text_is_at_least_14_px_and_near_black(small):
    _, metrics, decisions = small
    figures = [
        charts.qualifiers_by_category(decisions),
        charts.funnel_chart(funnel(decisions)),
        charts.revenue_distribution(decisions, Policy.default()),
        charts.company_categories(company_categories(metrics, Policy.default(), b.nip(0))),
    ]
    for fig in figures:
        for axis in (fig.layout.xaxis, fig.layout.yaxis):
            assert axis.tickfont.size >= 14 and axis.tickfont.color == charts.AXIS_TEXT
        assert fig.layout.font.size >= 14 and fig.layout.legend.font.size >= 14
        assert fig.layout.separators == "," + "\u00a0"


def test_money_axes_are_written_in_the_one_format(small):
    dataset, metrics, _ = small
    fig = charts.company_monthly(company_monthly(dataset, b.nip(2)), metrics.current_window, metrics.previous_window)
    assert fig.layout.yaxis.tickmode == "array"
    assert all("k" not in t and "M" not in t and "." not in t for t in fig.layout.yaxis.ticktext)
    fig = charts.company_categories(company_categories(metrics, Policy.default(), b.nip(0)))
    assert "4\u00a0mln" in fig.layout.xaxis.ticktext


def test_qualifiers_by_status_uses_the_status_colours(small):
    fig = charts.qualifiers_by_category(small[2], by="status")
    assert [t.marker.color for t in fig.data] == [charts.STATUS_COLORS["qualified"], charts.STATUS_COLORS["review"]]
    # ...and a fill pattern, so the two differ without colour too.
    assert len({t.marker.pattern.shape for t in fig.data}) == 2
    with pytest.raises(ValueError):
        charts.qualifiers_by_category(small[2], by="colour")


def test_baseline_vs_scenario_groups_two_series(small):
    _, metrics, baseline = small
    scenario = decide(metrics, Policy.default().scaled(0.5))
    fig = charts.baseline_vs_scenario(compare_by_category(baseline, scenario))
    assert [t.name for t in fig.data] == ["Baseline (published)", "Scenario"]
    base, scen = (dict(zip(t.y, t.x, strict=True)) for t in fig.data)
    assert base["Fashion"] == 1 and scen["Fashion"] == 2
    assert fig.layout.barmode == "group"


def test_funnel_shows_every_stage(small):
    stages = funnel(small[2])
    fig = charts.funnel_chart(stages)
    assert isinstance(fig.data[0], go.Funnel)
    assert list(fig.data[0].x) == stages["companies"].tolist()
    assert fig.data[0].x[0] == 3
    assert fig.data[0].text[0] == "3 (100\u00a0%)"


def test_revenue_distribution_is_log_scale_with_threshold_markers(small):
    _, _, decisions = small
    policy = Policy.default()
    fig = charts.revenue_distribution(decisions, policy)
    assert fig.layout.xaxis.type == "log"
    names = [t.name for t in fig.data]
    for label in charts.THRESHOLD_LABELS.values():
        assert label in names
    company = next(t for t in fig.data if t.name == charts.THRESHOLD_LABELS["company"])
    assert list(company.x) == [policy.categories[c].company for c in CATEGORIES]
    bars = {t.name: t for t in fig.data if t.name in charts.STATUS_NAMES.values()}
    # Three companies, three bins: two qualified (Fashion at 4 M, Electronics at 5.1 M), one not (Fashion, 3 M).
    assert len(bars[charts.STATUS_NAMES["qualified"]].x) == 2
    assert len(bars[charts.STATUS_NAMES["not_qualified"]].x) == 1
    assert len(bars[charts.STATUS_NAMES["review"]].x) == 0
    [hover] = [
        t for t in fig.data if t.customdata is not None and t.hovertemplate and "customdata[1]" in t.hovertemplate
    ]
    assert [(row[0], row[2], row[3], row[4]) for row in hover.customdata] == [
        ("Electronics", 1, 0, 0),
        ("Fashion", 0, 0, 1),
        ("Fashion", 1, 0, 0),
    ]
    # A bar spans its bin: centre ± width / 2 is the bin's edges on the log axis (the Fashion bin at the threshold).
    low, high = hover.x[2] - hover.width[2] / 2, hover.x[2] + hover.width[2] / 2
    assert low == pytest.approx(3_200_000, rel=1e-5) and high == pytest.approx(3_200_000 * 10**0.1, rel=1e-5)
    # Each status has its own fill pattern as well as its colour.
    assert len({bars[n].marker.pattern.shape for n in bars}) == 3
    # The log axis's labels are written by core.formatting: '100 000', '1 mln', never '1M' or '100k'.
    assert fig.layout.xaxis.tickmode == "array"
    assert "1\u00a0mln" in fig.layout.xaxis.ticktext
    assert list(fig.layout.yaxis.ticktext) == list(CATEGORIES)


def test_company_monthly_shades_both_windows(small):
    dataset, metrics, _ = small
    monthly = company_monthly(dataset, b.nip(2))
    fig = charts.company_monthly(monthly, metrics.current_window, metrics.previous_window)
    assert {t.name for t in fig.data} == {"Electronics"}
    assert sum(fig.data[0].y) == pytest.approx(5_100_000 + 4_090_000)
    rects = [s for s in fig.layout.shapes if s.type == "rect"]
    assert len(rects) == 2
    starts = sorted(pd.Timestamp(r.x0) for r in rects)
    assert starts[0] < pd.Timestamp("2024-11-01") < starts[1] < pd.Timestamp("2025-11-01")


def test_company_categories_draws_thresholds_per_category(small):
    _, metrics, _ = small
    frame = company_categories(metrics, Policy.default(), b.nip(0))
    fig = charts.company_categories(frame)
    bars = {t.name: t for t in fig.data}
    assert list(bars["Current 12 months"].x) == [4_000_000]
    assert list(bars[charts.THRESHOLD_LABELS["company"]].x) == [3_200_000]
    assert list(bars[charts.THRESHOLD_LABELS["conditional"]].x) == [800_000]


def test_the_distribution_carries_no_seller_text(small):
    """It is drawn from counts per bin: no company's name or NIP reaches the browser (so none can be read as
    HTML in a hover label)."""
    _, _, decisions = small
    d = decisions.copy()
    d["company_name"] = d["company_name"].astype(object)
    d.loc[0, "company_name"] = "<b>Bold</b> & Co"
    text = charts.revenue_distribution(d, Policy.default()).to_json()
    assert "Bold" not in text
    assert not any(n in text for n in d["nip"])
