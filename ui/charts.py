"""Plotly figure builders for the dashboard: plain functions from frames to figures.

No Streamlit here, so every chart is tested without a browser (tests/test_charts.py). The colours
are defined once: a status, a path or a threshold has the same colour on every page.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core.decide import STATUSES
from core.distribution import revenue_bins
from core.explain import PATH_NAMES, by_category
from core.formatting import pln
from core.policy import CATEGORIES, Policy

STATUS_COLORS = {"qualified": "#1e8e3e", "review": "#d98e04", "not_qualified": "#80868b"}
STATUS_LABELS = {"qualified": "Qualified", "review": "Review", "not_qualified": "Not qualified"}
PATH_COLORS = {"standard": "#1e8e3e", "conditional": "#7cc47f", "brand": "#00796b"}
PATH_LABELS = {"standard": "Standard", "conditional": "Conditional", "brand": "Brand Zone"}
BASELINE_COLOR = "#9aa0a6"
SCENARIO_COLOR = "#00636e"
THRESHOLD_COLORS = {"company": "#c62828", "conditional": "#ef6c00", "brand": "#6a1b9a"}
THRESHOLD_LABELS = {
    "company": "Company threshold",
    "conditional": "Conditional threshold",
    "brand": "Brand threshold (one Brand Zone account)",
}
WINDOW_COLORS = {"current": "rgba(0, 99, 110, 0.12)", "previous": "rgba(120, 120, 120, 0.12)"}
# One colour per category (Plotly's Dark24 starts with 15 well-separated hues).
CATEGORY_COLORS = dict(
    zip(
        CATEGORIES,
        [
            "#2E91E5",
            "#E15F99",
            "#1CA71C",
            "#FB0D0D",
            "#DA16FF",
            "#222A2A",
            "#B68100",
            "#750D86",
            "#EB663B",
            "#511CFB",
            "#00A08B",
            "#FB00D1",
            "#FC0080",
            "#B2828D",
            "#6C7C32",
        ],
        strict=True,
    )
)

FONT = dict(family="Source Sans Pro, DejaVu Sans, Arial, sans-serif", size=15, color="#111")
PLN_HOVER = "%{x:,.0f} PLN"


def _layout(fig: go.Figure, title: str, height: int, legend_rows: int = 1) -> go.Figure:
    """Shared look: the title on top, the legend in its own band below it, then the plot."""
    title_px, row_px = 44, 26
    fig.update_layout(
        template="plotly_white",
        font=FONT,
        title=dict(
            text=title, x=0.01, xanchor="left", xref="container", y=1 - 10 / height, yanchor="top", yref="container"
        ),
        height=height,
        margin=dict(l=10, r=20, t=title_px + row_px * legend_rows + 8, b=10),
        separators=". ",  # decimal point, space between thousands: 3 500 000
        legend=dict(
            orientation="h",
            yref="container",
            y=1 - title_px / height,
            yanchor="top",
            xref="container",
            xanchor="left",
            x=0.01,
            title_text="",
            traceorder="normal",
        ),
        hoverlabel=dict(font_size=14),
    )
    fig.update_yaxes(automargin=True)
    fig.update_xaxes(automargin=True)
    return fig


def _category_rows(n: int = len(CATEGORIES)) -> int:
    return 140 + 34 * n


def _count_axis(fig: go.Figure, largest: float, title: str) -> None:
    """A count axis from 0 with whole-number ticks (no '0 1 1' on small counts)."""
    fig.update_xaxes(title=title, tickformat=",d", rangemode="tozero", dtick=1 if largest <= 8 else None)


def qualifiers_by_category(decisions: pd.DataFrame, by: str = "path") -> go.Figure:
    """Qualifying companies per main category, stacked by revenue path (``by="path"``) or, with the
    companies sent to review, by status (``by="status"``)."""
    counts = by_category(decisions)
    fig = go.Figure()
    if by == "path":
        series = [(PATH_LABELS[p], counts[f"qualified_{p}"], PATH_COLORS[p]) for p in PATH_NAMES]
        title = "Qualified per category, by path"
    elif by == "status":
        series = [(STATUS_LABELS[s], counts[s], STATUS_COLORS[s]) for s in ("qualified", "review")]
        title = "Qualified and review per category"
    else:
        raise ValueError(f"by must be 'path' or 'status', not {by!r}")
    for name, values, color in series:
        fig.add_bar(
            name=name,
            y=counts["category"],
            x=values,
            orientation="h",
            marker_color=color,
            hovertemplate="%{y}: %{x} companies<extra>" + name + "</extra>",
        )
    fig.update_layout(barmode="stack")
    fig.update_yaxes(autorange="reversed", title=None)
    stacked = pd.concat([values for _, values, _ in series], axis=1).sum(axis=1)  # one bar per category
    _count_axis(fig, stacked.max(), "Companies")
    return _layout(fig, title, _category_rows())


def baseline_vs_scenario(comparison: pd.DataFrame) -> go.Figure:
    """Qualified companies per category under the baseline and the scenario, side by side.
    ``comparison`` is `core.explain.compare_by_category`'s frame."""
    fig = go.Figure()
    for column, name, color in (
        ("baseline", "Baseline (published)", BASELINE_COLOR),
        ("scenario", "Scenario", SCENARIO_COLOR),
    ):
        fig.add_bar(
            name=name,
            y=comparison["category"],
            x=comparison[column],
            orientation="h",
            marker_color=color,
            text=comparison[column],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x} qualified<extra>" + name + "</extra>",
        )
    fig.update_layout(barmode="group", bargap=0.25, bargroupgap=0.05)
    fig.update_yaxes(autorange="reversed", title=None)
    _count_axis(fig, comparison[["baseline", "scenario"]].to_numpy().max(initial=0), "Qualified companies")
    return _layout(fig, "Qualified per category: baseline vs scenario", 160 + 46 * len(comparison))


def funnel_chart(stages: pd.DataFrame) -> go.Figure:
    """How many companies pass each criterion in turn (`core.explain.funnel`'s frame)."""
    colors = [SCENARIO_COLOR] * (len(stages) - 1) + [STATUS_COLORS["qualified"]]
    fig = go.Figure(
        go.Funnel(
            y=stages["stage"],
            x=stages["companies"],
            textinfo="value+percent initial",
            marker=dict(color=colors),
            connector=dict(line=dict(color="#ccc", width=1)),
            hovertemplate="%{y}: %{x:,d} companies<extra></extra>",
        )
    )
    fig.update_yaxes(title=None)
    return _layout(fig, "Companies passing each criterion in turn", 120 + 48 * len(stages), legend_rows=0)


def revenue_distribution(decisions: pd.DataFrame, policy: Policy) -> go.Figure:
    """How the main-category revenue of the companies with revenue is spread in each category (one row per
    category, log scale), drawn from `core.distribution.revenue_bins`: a bar per revenue bin, its height
    growing with the log of the companies in it and split by status, with the category's thresholds as
    ticks. The data sent to the browser is bounded by the bins, not the companies (issue 10)."""
    pos = {c: len(CATEGORIES) - 1 - i for i, c in enumerate(CATEGORIES)}  # first category at the top
    bins = revenue_bins(decisions, policy)
    fig = go.Figure()
    # The fullest bin of the chart fills 80 % of its row; log1p keeps a bin of a few companies visible beside
    # one of thousands (the hover gives the exact counts).
    scale = 0.8 / np.log1p(bins["companies"].max()) if len(bins) else 0.0
    height = np.log1p(bins["companies"].to_numpy(float)) * scale
    base = bins["category"].map(pos).to_numpy(float) - 0.4
    edge, high = bins["edge"].to_numpy(float), bins["high"].to_numpy(float)
    ranges = [
        f"{pln(lo)} – {pln(hi)}" if lo > 0 else f"under {pln(hi)}"
        for lo, hi in zip(bins["low"].to_numpy(float), high, strict=True)
    ]
    customdata = np.column_stack(
        [bins["category"].to_numpy(object), np.asarray(ranges, dtype=object), *(bins[s].to_numpy() for s in STATUSES)]
    )
    hover = (
        "%{customdata[0]}: %{customdata[1]}<br>"
        + "<br>".join(f"{STATUS_LABELS[s]}: %{{customdata[{2 + i}]:,d}}" for i, s in enumerate(STATUSES))
        + "<extra></extra>"
    )
    # Positions to 6 significant digits and heights to 4 decimals: finer than a pixel, and half the bytes.
    centre, width = _significant((edge + high) / 2), _significant(high - edge)  # on a log axis a bar spans
    below = np.zeros(len(bins))  # centre ± width / 2 in PLN: edge to high
    for s in STATUSES:
        part = height * bins[s].to_numpy(float) / np.maximum(bins["companies"].to_numpy(float), 1)
        keep = part > 0
        fig.add_bar(
            x=centre[keep],
            width=width[keep],
            y=np.round(part[keep], 4),
            base=np.round((base + below)[keep], 4),
            name=STATUS_LABELS[s],
            marker=dict(color=STATUS_COLORS[s], line_width=0, opacity=0.55 if s == "not_qualified" else 0.9),
            hoverinfo="skip",
        )
        below = below + part
    # One invisible bar over each whole stack carries the hover: the bin's range and every status's count.
    fig.add_bar(
        x=centre,
        width=width,
        y=np.round(height, 4),
        base=np.round(base, 4),
        marker=dict(color="rgba(0,0,0,0)", line_width=0),
        customdata=customdata,
        hovertemplate=hover,
        showlegend=False,
        name="",
    )
    thresholds = policy.thresholds_frame()
    ty = thresholds["category"].map(pos).to_numpy(float)
    for kind in ("company", "conditional", "brand"):
        fig.add_scatter(
            x=thresholds[kind],
            y=ty,
            mode="markers",
            name=THRESHOLD_LABELS[kind],
            marker=dict(
                symbol="line-ns", size=26, line=dict(width=4 if kind != "brand" else 2.5, color=THRESHOLD_COLORS[kind])
            ),
            customdata=thresholds["category"],
            hovertemplate="%{customdata}: " + PLN_HOVER + "<extra>" + THRESHOLD_LABELS[kind] + "</extra>",
        )
    fig.update_layout(barmode="overlay", bargap=0)
    fig.update_yaxes(
        tickvals=list(pos.values()),
        ticktext=list(pos.keys()),
        range=[-0.6, len(CATEGORIES) - 0.4],
        showgrid=False,
        zeroline=False,
        title=None,
    )
    fig.update_xaxes(type="log", title="12-month revenue in the main category (PLN, log scale)", tickformat="~s")
    return _layout(
        fig,
        "Revenue distribution per category, with the thresholds (bar height: companies, log scale)",
        240 + 40 * len(CATEGORIES),
        legend_rows=2,
    )


def _significant(values: np.ndarray, digits: int = 6) -> np.ndarray:
    """``values`` rounded to ``digits`` significant digits (positive values)."""
    if len(values) == 0:
        return values
    scale = 10.0 ** (digits - 1 - np.floor(np.log10(values)))
    return np.round(values * scale) / scale


def _month_start(period: pd.Period) -> pd.Timestamp:
    return period.to_timestamp(how="start")


def company_monthly(monthly: pd.DataFrame, current_window: tuple, previous_window: tuple) -> go.Figure:
    """One company's monthly revenue, stacked by category, with the current and previous 12-month
    windows shaded. ``monthly`` has columns month (Period), category, revenue."""
    fig = go.Figure()
    for category in [c for c in CATEGORIES if c in set(monthly["category"].astype(str))]:
        part = monthly[monthly["category"].astype(str) == category]
        fig.add_bar(
            name=category,
            x=[_month_start(m) for m in part["month"]],
            y=part["revenue"],
            marker_color=CATEGORY_COLORS[category],
            hovertemplate="%{x|%Y-%m}: %{y:,.0f} PLN<extra>" + category + "</extra>",
        )
    half_month = pd.Timedelta(days=15)
    for key, (start, end), label in (
        ("previous", previous_window, "previous 12 months"),
        ("current", current_window, "current 12 months"),
    ):
        fig.add_vrect(
            x0=_month_start(start) - half_month,
            x1=_month_start(end + 1) - half_month,
            fillcolor=WINDOW_COLORS[key],
            line_width=0,
            layer="below",
            annotation_text=label,
            annotation_position="top left",
            annotation_font_size=13,
        )
    fig.update_layout(barmode="stack", bargap=0.15)
    fig.update_yaxes(title="Revenue (PLN)", tickformat="~s", rangemode="tozero")
    # Always both windows in full, whatever months the company has.
    fig.update_xaxes(
        title=None,
        dtick="M3",
        tickformat="%Y-%m",
        tickangle=-45,
        range=[_month_start(previous_window[0]) - half_month, _month_start(current_window[1] + 1) - half_month],
    )
    return _layout(fig, "Monthly revenue by category", 480, legend_rows=2)


def company_categories(frame: pd.DataFrame) -> go.Figure:
    """One company's 12-month revenue per category (current and previous window) against the
    category's company and conditional thresholds (`core.lookup.company_categories`'s frame)."""
    fig = go.Figure()
    fig.add_bar(
        name="Previous 12 months",
        y=frame["category"],
        x=frame["revenue_previous"],
        orientation="h",
        marker_color=BASELINE_COLOR,
        hovertemplate="%{y}: " + PLN_HOVER + "<extra>Previous 12 months</extra>",
    )
    fig.add_bar(
        name="Current 12 months",
        y=frame["category"],
        x=frame["revenue_current"],
        orientation="h",
        marker_color=SCENARIO_COLOR,
        hovertemplate="%{y}: " + PLN_HOVER + "<extra>Current 12 months</extra>",
    )
    for kind in ("company", "conditional"):
        fig.add_scatter(
            x=frame[kind],
            y=frame["category"],
            mode="markers",
            name=THRESHOLD_LABELS[kind],
            marker=dict(symbol="line-ns", size=30, line=dict(width=4, color=THRESHOLD_COLORS[kind])),
            hovertemplate="%{y}: " + PLN_HOVER + "<extra>" + THRESHOLD_LABELS[kind] + "</extra>",
        )
    fig.update_layout(barmode="group", bargap=0.3)
    fig.update_yaxes(autorange="reversed", title=None, type="category")
    fig.update_xaxes(title="12-month revenue (PLN)", tickformat="~s", rangemode="tozero")
    return _layout(fig, "Revenue per category against the thresholds", 220 + 70 * max(len(frame), 1), legend_rows=2)


# The baseline grey, then a colour per compared scenario (up to four, Plotly's Safe palette).
SCENARIO_COLORS = ["#00636e", "#cc6677", "#ddcc77", "#6699cc"]


def scenarios_by_category(by_category: pd.DataFrame, baseline: str) -> go.Figure:
    """Qualified companies per category under the baseline and each compared scenario, grouped bars.
    ``by_category`` is `core.comparison.compare_scenarios(...).by_category`. Scenario names are user
    text: escaped, since Plotly reads a few HTML tags in legend and hover text."""
    fig = go.Figure()
    names = list(dict.fromkeys(by_category["scenario"]))
    for i, name in enumerate(names):
        rows = by_category[by_category["scenario"] == name]
        shown = html.escape(str(name))
        color = BASELINE_COLOR if name == baseline else SCENARIO_COLORS[(i - 1) % len(SCENARIO_COLORS)]
        fig.add_bar(
            name=shown,
            y=rows["category"],
            x=rows["qualified"],
            orientation="h",
            marker_color=color,
            text=rows["qualified"],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x} qualified<extra>" + shown.replace("%{", "%\u200b{") + "</extra>",
        )
    fig.update_layout(barmode="group", bargap=0.2, bargroupgap=0.03)
    fig.update_yaxes(autorange="reversed", title=None)
    _count_axis(fig, by_category["qualified"].max() if len(by_category) else 0, "Qualified companies")
    per_row = 14 * len(names) + 12
    return _layout(
        fig, "Qualified per category, side by side", 160 + per_row * len(CATEGORIES), legend_rows=1 + len(names) // 3
    )
