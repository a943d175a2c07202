"""Plotly figure builders for the dashboard: plain functions from frames to figures.

No Streamlit here, so every chart is tested without a browser (tests/test_charts.py). The colours
are defined once: a status, a path or a threshold has the same colour on every page.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Iterable
from typing import Literal

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from core.decide import STATUSES
from core.distribution import revenue_bins
from core.explain import PATH_NAMES, by_category
from core.formatting import NBSP, PLOTLY_SEPARATORS, axis_ticks, count, pct, pln
from core.policy import CATEGORIES, Policy

# Status colours from the Okabe–Ito palette (blue, vermillion-orange, then a dark grey), darkened until
# each reads as text on white at WCAG AA (≥ 4.5:1) and chosen so that the three stay apart under
# protanopia, deuteranopia and tritanopia (tests/test_colours.py simulates them: ΔE ≥ 30 for each pair).
# A status never relies on its colour alone: it also has an icon (text, badges) and a marker shape (charts).
STATUS_COLORS = {"qualified": "#0072b2", "review": "#a65200", "not_qualified": "#4a4a4a"}
STATUS_LABELS = {"qualified": "Qualified", "review": "Review", "not_qualified": "Not qualified"}
STATUS_ICONS = {"qualified": "✔", "review": "⚑", "not_qualified": "✖"}  # text (tables, legends)
STATUS_NAMES = {s: f"{STATUS_ICONS[s]} {label}" for s, label in STATUS_LABELS.items()}  # icon and label
STATUS_SYMBOLS = {"qualified": "circle", "review": "diamond", "not_qualified": "x"}  # plotly marker shapes
STATUS_PATTERNS = {"qualified": "", "review": "/", "not_qualified": "x"}  # bar fill patterns
PATH_COLORS = {"standard": "#0072b2", "conditional": "#56b4e9", "brand": "#009e73"}
PATH_LABELS = {"standard": "Standard", "conditional": "Conditional", "brand": "Brand Zone"}
BASELINE_COLOR = "#9aa0a6"
SCENARIO_COLOR = "#00636e"
THRESHOLD_COLORS = {"company": "#c62828", "conditional": "#cc79a7", "brand": "#6a1b9a"}
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

# Chart text: at least 14 px and near-black (#111 on white is 18.9:1; WCAG AA asks 4.5:1). Set on every
# axis explicitly, since Streamlit's chart theme would otherwise draw tick labels at 12 px in grey.
AXIS_TEXT = "#111111"
TEXT_PX = 15
FONT = dict(family="Source Sans Pro, DejaVu Sans, Arial, sans-serif", size=TEXT_PX, color=AXIS_TEXT)
AXIS_FONT = dict(size=TEXT_PX, color=AXIS_TEXT)
# Hover figures are written by plotly with layout.separators = core.formatting.PLOTLY_SEPARATORS (decimal
# comma, no-break space between thousands): the same '3 500 000 PLN' as everywhere else.
PLN_HOVER = "%{x:,.0f}" + NBSP + "PLN"


# Plotly's automargin measures the tick labels in the browser, then lays the chart out and draws it again: in
# Chromium that second pass was half of a chart's drawing time (the Overview's distribution chart at 150,000
# companies: 250 ms with it, 110 ms without; issue 10). Where a builder knows its axes' labels (ours: categories,
# funnel stages, counts), the margins are computed here instead, from the labels' widths in DejaVu Sans: the widest
# of FONT's families and the one a browser without Source Sans Pro draws, so the labels fit whichever is used.
_DEJAVU_EM = [  # the advance of each printable ASCII character, " " to "~", in 1/1000 em
    318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636, 636, 636, 636, 636,
    636, 636, 636, 636, 337, 337, 838, 838, 838, 531, 1000, 684, 686, 698, 770, 632, 575, 775, 752, 295, 295, 656,
    557, 863, 748, 787, 603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 390, 337, 390, 838, 500, 500, 613,
    635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612, 635, 635, 411, 521, 392, 634, 592, 818,
    592, 592, 525, 636, 337, 636, 838,
]  # fmt: skip
# Beside the labels themselves, what plotly's automargin adds on the left (10.6 px: its tick-label offset) and
# Streamlit's theme (margin.pad 8 px between the axis and the plot), rounded up.
_LABEL_GAP_PX = 20
# Under the plot, an axis's tick labels and its title at TEXT_PX (plotly's automargin found 69 px in Chromium).
_X_AXIS_PX = 70


def text_px(text: str, size: float = TEXT_PX) -> float:
    """The width of ``text`` in DejaVu Sans at ``size`` px: an accented letter as its base letter, any other
    character as 1 em (wider than any of DejaVu's letters)."""
    em = 0
    for ch in str(text):
        base = unicodedata.normalize("NFKD", ch)[:1] or ch
        code = ord(base) - 32
        em += _DEJAVU_EM[code] if 0 <= code < len(_DEJAVU_EM) else 1000
    return em * size / 1000


def _plotly_white() -> go.layout.Template:
    """Plotly's "plotly_white" template with only what our charts read: its 2-D layout and its bar and scatter
    defaults (a funnel has none). The whole template (every trace type's defaults, 3-D scenes, maps, colour
    scales: 7 KB) was validated into every figure built, 7 ms of the 30 ms that the What-if page's chart takes
    to build on a move of a control, and sent to the browser with every chart."""
    full = pio.templates["plotly_white"]
    unused = ("polar", "ternary", "scene", "geo", "coloraxis", "colorscale")
    layout = {k: v for k, v in full.layout.to_plotly_json().items() if k not in unused}
    return go.layout.Template(layout=layout, data={"bar": full.data.bar, "scatter": full.data.scatter})


_TEMPLATE = _plotly_white()


def _layout_spec(
    title: str,
    height: int,
    legend_rows: int = 1,
    *,
    y_labels: Iterable[str] | None = None,
    x_axis: Literal["labelled", "hidden"] | None = None,
) -> dict:
    """The shared look as a layout dict (its ``xaxis`` and ``yaxis`` for a chart's one pair of axes): the title
    on top, the legend in its own band below it, then the plot. ``y_labels``: the y axis's tick labels, which set
    the left margin (else plotly's automargin does); ``x_axis``: the x axis has tick labels and a title
    ("labelled") or shows none ("hidden"), which sets the bottom margin (else automargin)."""
    title_px, row_px = 44, 26
    left = 10 if y_labels is None else _LABEL_GAP_PX + int(max((text_px(t) for t in y_labels), default=0.0) + 0.999)
    bottom = _X_AXIS_PX if x_axis == "labelled" else 10
    return dict(
        template=_TEMPLATE,
        font=FONT,
        title=dict(
            text=title,
            x=0.01,
            xanchor="left",
            xref="container",
            y=1 - 10 / height,
            yanchor="top",
            yref="container",
            font=dict(size=18, color=AXIS_TEXT),
        ),
        height=height,
        margin=dict(l=left, r=20, t=title_px + row_px * legend_rows + 8, b=bottom),
        separators=PLOTLY_SEPARATORS,  # the app's one format: 3 500 000, 12,5
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
            font=AXIS_FONT,
        ),
        hoverlabel=dict(font_size=TEXT_PX),
        xaxis=dict(automargin=x_axis is None, tickfont=AXIS_FONT, title=dict(font=AXIS_FONT)),
        yaxis=dict(automargin=y_labels is None, tickfont=AXIS_FONT, title=dict(font=AXIS_FONT)),
    )


def _layout(
    fig: go.Figure,
    title: str,
    height: int,
    legend_rows: int = 1,
    *,
    y_labels: Iterable[str] | None = None,
    x_axis: Literal["labelled", "hidden"] | None = None,
) -> go.Figure:
    """`_layout_spec` applied to ``fig`` (its axes' part to every axis it has)."""
    spec = _layout_spec(title, height, legend_rows, y_labels=y_labels, x_axis=x_axis)
    xaxis, yaxis = spec.pop("xaxis"), spec.pop("yaxis")
    fig.update_layout(spec)
    fig.update_yaxes(yaxis)
    fig.update_xaxes(xaxis)
    return fig


def _money_axis(axis: str, fig: go.Figure, high: float, low: float = 0.0, *, log: bool = False, **kw) -> None:
    """A PLN axis whose tick labels come from core.formatting ('0', '2 mln', '4 mln'; '100 000', '1 mln')."""
    values, texts = axis_ticks(high, low, log=log)
    update = fig.update_xaxes if axis == "x" else fig.update_yaxes
    update(tickmode="array", tickvals=values, ticktext=texts, **kw)


def _count_labels(values) -> list[str]:
    return [count(v) for v in values]


def _category_rows(n: int = len(CATEGORIES), per_row: int = 34) -> int:
    return 140 + per_row * n


def _count_axis_spec(largest: float) -> dict:
    """A count axis from 0 with whole-number ticks (no '0 1 1' on small counts)."""
    return dict(tickformat=",d", rangemode="tozero", dtick=1 if largest <= 8 else None)


def _count_axis(fig: go.Figure, largest: float, title: str) -> None:
    fig.update_xaxes(title=title, **_count_axis_spec(largest))


def _total_labels(fig: go.Figure, categories, totals) -> None:
    """The value at the end of each (stacked) bar, written by core.formatting."""
    for category, total in zip(categories, totals, strict=True):
        fig.add_annotation(
            x=total, y=category, text=count(total), showarrow=False, xanchor="left", xshift=4, font=AXIS_FONT
        )


def qualifiers_by_category(decisions: pd.DataFrame, by: str = "path", compact: bool = False) -> go.Figure:
    """Qualifying companies per main category, stacked by revenue path (``by="path"``) or, with the
    companies sent to review, by status (``by="status"``), each bar with its total. ``compact``: rows
    of 24 px, so that the whole chart, axis included, fits above the fold of a 1280×720 screen."""
    counts = by_category(decisions)
    fig = go.Figure()
    if by == "path":
        series = [(PATH_LABELS[p], counts[f"qualified_{p}"], PATH_COLORS[p], "") for p in PATH_NAMES]
        title = "Qualified per category, by path"
    elif by == "status":
        series = [(STATUS_NAMES[s], counts[s], STATUS_COLORS[s], STATUS_PATTERNS[s]) for s in ("qualified", "review")]
        title = "Qualified and review per category"
    else:
        raise ValueError(f"by must be 'path' or 'status', not {by!r}")
    for name, values, color, pattern in series:
        fig.add_bar(
            name=name,
            y=counts["category"],
            x=values,
            orientation="h",
            marker=dict(color=color, pattern=dict(shape=pattern, fgcolor="#ffffff", solidity=0.3)),
            hovertemplate="%{y}: %{x:,d} companies<extra>" + name + "</extra>",
        )
    fig.update_layout(barmode="stack")
    # Every category named, even in compact rows (plotly would skip every other label when rows are tight).
    fig.update_yaxes(
        autorange="reversed",
        title=None,
        tickmode="array",
        tickvals=list(counts["category"]),
        ticktext=list(counts["category"]),
    )
    stacked = pd.concat([values for _, values, _, _ in series], axis=1).sum(axis=1)  # one bar per category
    _total_labels(fig, counts["category"], stacked)
    _count_axis(fig, stacked.max(), "Companies")
    fig.update_xaxes(range=[0, max(stacked.max(), 1) * 1.12])  # room for the value labels
    return _layout(
        fig, title, _category_rows(per_row=24 if compact else 34), y_labels=counts["category"], x_axis="labelled"
    )


def baseline_vs_scenario(comparison: pd.DataFrame) -> go.Figure:
    """Qualified companies per category under the baseline and the scenario, side by side.
    ``comparison`` is `core.explain.compare_by_category`'s frame. Built as one dict, validated once: the What-if
    page builds it anew on every move of a control, where plotly's figure-by-figure updates took 25-45 ms."""
    categories = comparison["category"].tolist()
    traces = [
        dict(
            type="bar",
            name=name,
            y=categories,
            x=comparison[column].to_numpy(),
            orientation="h",
            marker=dict(color=color),
            text=_count_labels(comparison[column]),
            textposition="outside",
            textfont=AXIS_FONT,
            cliponaxis=False,
            hovertemplate="%{y}: %{x:,d} qualified<extra>" + name + "</extra>",
        )
        for column, name, color in (
            ("baseline", "Baseline (published)", BASELINE_COLOR),
            ("scenario", "Scenario", SCENARIO_COLOR),
        )
    ]
    layout = _layout_spec(
        "Qualified per category: baseline vs scenario",
        160 + 46 * len(comparison),
        y_labels=categories,
        x_axis="labelled",
    )
    layout.update(barmode="group", bargap=0.25, bargroupgap=0.05)
    layout["yaxis"].update(autorange="reversed")
    largest = comparison[["baseline", "scenario"]].to_numpy().max(initial=0)
    layout["xaxis"].update(_count_axis_spec(largest))
    layout["xaxis"]["title"].update(text="Qualified companies")
    return go.Figure(data=traces, layout=layout)


def funnel_chart(stages: pd.DataFrame) -> go.Figure:
    """How many companies pass each criterion in turn (`core.explain.funnel`'s frame)."""
    colors = [SCENARIO_COLOR] * (len(stages) - 1) + [STATUS_COLORS["qualified"]]
    first = stages["companies"].iloc[0] if len(stages) else 0
    labels = [f"{count(n)} ({pct(n / first if first else 0, 0)})" for n in stages["companies"]]
    fig = go.Figure(
        go.Funnel(
            y=stages["stage"],
            x=stages["companies"],
            text=labels,
            textinfo="text",
            textfont=dict(size=TEXT_PX),
            marker=dict(color=colors),
            connector=dict(line=dict(color="#ccc", width=1)),
            hovertemplate="%{y}: %{x:,d} companies<extra></extra>",
        )
    )
    fig.update_yaxes(title=None)
    return _layout(
        fig,
        "Companies passing each criterion in turn",
        120 + 48 * len(stages),
        legend_rows=0,
        y_labels=stages["stage"],
        x_axis="hidden",  # a funnel shows no x axis
    )


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
            name=STATUS_NAMES[s],
            marker=dict(
                color=STATUS_COLORS[s],
                line_width=0,
                opacity=0.55 if s == "not_qualified" else 0.9,
                pattern=dict(shape=STATUS_PATTERNS[s], fgcolor="#ffffff", solidity=0.3),
            ),
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
    both = np.concatenate([edge, high, thresholds[["company", "conditional", "brand"]].to_numpy(float).ravel()])
    both = both[both > 0]
    left, right = (float(both.min()), float(both.max())) if len(both) else (1.0, 10.0)
    fig.update_xaxes(type="log", title="12-month revenue in the main category (PLN, log scale)")
    _money_axis("x", fig, right, left, log=True)
    return _layout(
        fig,
        "Revenue distribution per category, with the thresholds (bar height: companies, log scale)",
        240 + 40 * len(CATEGORIES),
        legend_rows=2,
        y_labels=pos,
        x_axis="labelled",
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
            hovertemplate="%{x|%Y-%m}: %{y:,.0f}" + NBSP + "PLN<extra>" + category + "</extra>",
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
            annotation_font=AXIS_FONT,
        )
    fig.update_layout(barmode="stack", bargap=0.15)
    fig.update_yaxes(title="Revenue (PLN)", rangemode="tozero")
    per_month = monthly.groupby("month", observed=True)["revenue"].sum() if len(monthly) else pd.Series([0.0])
    _money_axis("y", fig, float(per_month.max()))
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
    fig.update_xaxes(title="12-month revenue (PLN)", rangemode="tozero")
    largest = frame[["revenue_previous", "revenue_current", "company", "conditional"]].to_numpy(float)
    _money_axis("x", fig, float(np.nanmax(largest, initial=0.0)))
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
            text=_count_labels(rows["qualified"]),
            textposition="outside",
            textfont=AXIS_FONT,
            cliponaxis=False,
            hovertemplate="%{y}: %{x:,d} qualified<extra>" + shown.replace("%{", "%\u200b{") + "</extra>",
        )
    fig.update_layout(barmode="group", bargap=0.2, bargroupgap=0.03)
    fig.update_yaxes(autorange="reversed", title=None)
    _count_axis(fig, by_category["qualified"].max() if len(by_category) else 0, "Qualified companies")
    per_row = 14 * len(names) + 12
    return _layout(
        fig, "Qualified per category, side by side", 160 + per_row * len(CATEGORIES), legend_rows=1 + len(names) // 3
    )


def qualifiers_by_month(history: pd.DataFrame, as_of: str | None = None) -> go.Figure:
    """Qualified (and review) companies at each as-of month (issue 11 §7): how stable the program is.
    ``history`` has columns month (text YYYY-MM), qualified, review, complete (both windows have revenue
    rows in every month). Months whose windows are incomplete are drawn hollow and named so in the hover:
    their counts are not comparable. ``as_of`` is marked."""
    fig = go.Figure()
    x = [_month_start(pd.Period(m, freq="M")) for m in history["month"]]
    complete = history["complete"].to_numpy(bool)
    note = np.where(complete, "", " (windows incomplete)")
    for status in ("qualified", "review"):
        fig.add_scatter(
            name=STATUS_LABELS[status],
            x=x,
            y=history[status],
            mode="lines+markers",
            line=dict(color=STATUS_COLORS[status], width=2),
            marker=dict(
                color=[STATUS_COLORS[status] if c else "white" for c in complete],
                line=dict(color=STATUS_COLORS[status], width=2),
                size=9,
                symbol="circle" if status == "qualified" else "diamond",
            ),
            customdata=note,
            hovertemplate="%{x|%Y-%m}: %{y:,d}%{customdata}<extra>" + STATUS_LABELS[status] + "</extra>",
        )
    if as_of is not None:
        fig.add_vline(x=_month_start(pd.Period(as_of, freq="M")), line_dash="dot", line_color="#444")
    fig.update_yaxes(title="Companies", tickformat=",d", rangemode="tozero")
    fig.update_xaxes(title="As-of month (hollow: a window lacks revenue months)", tickformat="%Y-%m", dtick="M3")
    return _layout(fig, "Qualifiers at each as-of month", 380)
