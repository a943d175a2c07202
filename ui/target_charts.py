"""Figures for the decision-support views (issue 9): the threshold curve and the program view. Plain functions
from frames to figures, like ui/charts.py, whose shared look and colours they use."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core.formatting import count, pct, pln
from ui.charts import (
    AXIS_FONT,
    BASELINE_COLOR,
    SCENARIO_COLOR,
    THRESHOLD_COLORS,
    THRESHOLD_LABELS,
    _layout,
    _money_axis,
)

MAX_STEPS = 600  # a curve sends at most this many steps to the browser, those around the current value


def drawn_steps(steps: pd.DataFrame, current: float) -> tuple[pd.DataFrame, bool]:
    """The steps to draw: all of them, or the MAX_STEPS around the one holding ``current`` (bounded data
    whatever the number of companies; the CSV download keeps every step). Returns (steps, thinned)."""
    if len(steps) <= MAX_STEPS:
        return steps, False
    at = int(np.searchsorted(steps["threshold"].to_numpy(), current, side="right")) - 1
    first = min(max(0, at - MAX_STEPS // 2), len(steps) - MAX_STEPS)
    return steps.iloc[first : first + MAX_STEPS], True


def threshold_curve(steps: pd.DataFrame, kind: str, category: str, *, baseline: float, current: float) -> go.Figure:
    """Qualified companies (left axis) and their share of the category's revenue (right axis) as the threshold
    moves: the exact step function, with the baseline's and the scenario's values marked."""
    shown, _ = drawn_steps(steps, current)
    # One point per step at its first value, drawn as a step ('hv': across, then down), and one more at the
    # last step's end; the hover names who drops out just above the step.
    x = np.append(shown["threshold"].to_numpy(), shown["up_to"].iloc[-1])
    y = np.append(shown["qualified"].to_numpy(), shown["qualified"].iloc[-1])
    share = np.append(shown["revenue_share"].to_numpy(), shown["revenue_share"].iloc[-1])
    leaves = shown["leaves_above"].fillna("").astype(str).to_numpy()
    hover = [
        f"{pln(a)} … {pln(b)}: {count(q)} qualify" + (f"<br>above it, {name} drops out" if name else "")
        for a, b, q, name in zip(shown["threshold"], shown["up_to"], shown["qualified"], leaves, strict=True)
    ]
    hover.append(hover[-1])
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=x,
            y=y,
            mode="lines",
            line=dict(color=THRESHOLD_COLORS[kind], width=3, shape="hv"),
            name="Qualified companies",
            hovertext=[_plain(h) for h in hover],
            hoverinfo="text",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=share * 100,
            mode="lines",
            line=dict(color=SCENARIO_COLOR, width=2, dash="dot", shape="hv"),
            name="Their share of the category's revenue",
            yaxis="y2",
            hoverinfo="skip",
        )
    )
    marks = [(baseline, "published", BASELINE_COLOR), (current, "scenario", SCENARIO_COLOR)]
    if baseline == current:
        marks = [(current, "published = scenario", SCENARIO_COLOR)]
    for i, (value, label, color) in enumerate(marks):
        fig.add_vline(x=value, line=dict(color=color, width=2, dash="dash"))
        fig.add_annotation(
            x=value,
            y=0.98 - 0.09 * i,
            yref="paper",
            text=f"{label}: {pln(value)}",
            showarrow=False,
            xanchor="left",
            xshift=4,
            bgcolor="rgba(255,255,255,0.85)",
            font=dict(color=color, size=14),
        )
    top = float(shown["threshold"].iloc[-1]) if len(shown) > 1 else float(shown["up_to"].iloc[-1])
    right = max(top, current, baseline) * 1.15
    left = float(shown["threshold"].iloc[0])
    fig.update_xaxes(title=f"{THRESHOLD_LABELS[kind]}, PLN", range=[left, right])
    _money_axis("x", fig, right, left)
    largest = int(shown["qualified"].max())
    counts = list(range(0, largest + 1, max(1, -(-largest // 6))))
    fig.update_yaxes(
        title="Qualified companies",
        range=[0, largest * 1.05 + 0.5],
        tickmode="array",
        tickvals=counts,
        ticktext=[count(c) for c in counts],
    )
    top_share = max(float(share.max()) * 110, 1)
    share_ticks = [float(v) for v in np.linspace(0, top_share, 5)]
    fig.update_layout(
        yaxis2=dict(
            title="Share of the category's revenue",
            overlaying="y",
            side="right",
            range=[0, top_share],
            tickmode="array",
            tickvals=share_ticks,
            ticktext=[pct(v / 100, 0) for v in share_ticks],
            showgrid=False,
            tickfont=AXIS_FONT,
            title_font=AXIS_FONT,
        ),
        hovermode="closest",
    )
    return _layout(fig, f"{category}: qualified companies as the {kind} threshold moves", 460)


def _plain(text: str) -> str:
    """Plotly renders a few HTML tags in hover text: escape everything but our own line break."""
    import html

    return "<br>".join(html.escape(part) for part in text.split("<br>"))


def program_shares(view: pd.DataFrame) -> go.Figure:
    """Per category: the partners' share of its companies beside their share of its revenue."""
    rows = view[view["category"] != "All categories"].iloc[::-1]
    fig = go.Figure()
    for column, label, color in (
        ("partners_share", "Share of the category's companies", BASELINE_COLOR),
        ("revenue_share", "Share of the category's revenue", SCENARIO_COLOR),
    ):
        values = rows[column].fillna(0).to_numpy(float) * 100
        fig.add_trace(
            go.Bar(
                y=rows["category"],
                x=values,
                orientation="h",
                name=label,
                marker_color=color,
                text=[pct(v / 100) for v in values],
                textposition="outside",
                hovertemplate="%{y}: %{text}<extra>" + label + "</extra>",
            )
        )
    fig.update_xaxes(
        title="Share of the category",
        range=[0, 110],
        tickmode="array",
        tickvals=[0, 25, 50, 75, 100],
        ticktext=[pct(v / 100, 0) for v in (0, 25, 50, 75, 100)],
    )
    fig.update_layout(barmode="group", bargap=0.25)
    return _layout(fig, "Partners: their share of companies and of revenue, per category", 140 + 40 * len(rows))
