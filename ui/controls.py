"""The What-if page's policy controls, bound to the scenario in session state.

Every control reads its label, unit, range, step and help from the policy's own metadata
(`core.parameters`), and every edit goes through the policy (`Policy.with_thresholds` /
`Policy.with_value` via `ui.state`): a value is kept exactly or refused with a message naming it, and
the one adjustment (a conditional threshold lowered to the company threshold) is said in a note.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.formatting import PRINTF_INT, PRINTF_PLN, PRINTF_WHOLE_PERCENT, count, pln
from core.parameters import (
    THRESHOLD_KINDS,
    Parameter,
    format_value,
    help_text,
    parameter,
    slider_bounds,
    threshold_kind,
)
from core.policy import Policy
from ui import state
from ui.components import CATEGORY_COL_PX, NUMBER_COL_PX, ROW_PX, literal

# Streamlit's format for each unit with whole values (core.formatting's printf strings). A percent or a share
# has decimals, which Streamlit's printf writes with a decimal point: those get a select slider over the
# slider's steps, each option written by core.formatting (`format_value`: '99,5 %', '0,5 %').
SLIDER_FORMAT = {"PLN": PRINTF_PLN, "count": PRINTF_INT}


def _numeric(p: Parameter) -> tuple[float, float, float, float]:
    """``p``'s minimum, maximum, step and slider step. Only a level (never given a numeric control) lacks
    them (tests/test_policy.py checks every other parameter has all four), so a None here is a bug in
    `core.parameters`, said as such rather than as a TypeError from ``int(None)``."""
    if p.minimum is None or p.maximum is None or p.step is None or p.slider_step is None:
        raise ValueError(f"{p.key}: a numeric control for a parameter without bounds and steps")
    return p.minimum, p.maximum, p.step, p.slider_step


# -- thresholds ----------------------------------------------------------------------------------


def _store_threshold(key: str, category: str, kind: str) -> None:
    state.edit_thresholds({category: {kind: st.session_state[key]}})


def threshold_controls(category: str) -> None:
    """The three thresholds of one category (before the scale slider applies): a slider for a quick
    move and, beside it, a number input for an exact value in PLN."""
    for kind in THRESHOLD_KINDS:
        p = parameter(f"categories.{category}.{kind}")
        minimum, maximum, step, slider_step = _numeric(p)
        path = ("categories", category, kind)
        value = round(float(state.spec_get(path)))
        slider_key, exact_key = state.widget_key(path), state.exact_key(path)
        st.session_state.setdefault(slider_key, value)
        st.session_state.setdefault(exact_key, value)
        low, high = slider_bounds(p.key, value)
        slide, exact = st.columns([3, 2], vertical_alignment="bottom")
        slide.slider(
            p.label,
            key=slider_key,
            on_change=_store_threshold,
            args=(slider_key, category, kind),
            min_value=int(low),
            max_value=int(high),
            step=int(slider_step),
            format=SLIDER_FORMAT["PLN"],
            help=help_text(p.key),
        )
        exact.number_input(
            f"{p.label}, exact PLN",
            key=exact_key,
            on_change=_store_threshold,
            args=(exact_key, category, kind),
            min_value=int(minimum),
            max_value=int(maximum),
            step=int(step),
            # Plain digits: Streamlit reads what is typed with parseInt, so a grouped '3 500 000' would read as 3.
            format="%d",
            label_visibility="collapsed",
            help=f"{p.label}: an exact value in PLN, digits only ({count(minimum)} to {count(maximum)}).",
        )


def _apply_percent(category: str, key: str) -> None:
    factor = 1 + float(st.session_state[key]) / 100
    current = state.spec_get(("categories", category))
    state.edit_thresholds({category: {k: round(current[k] * factor) for k in THRESHOLD_KINDS}})
    st.session_state[key] = 0


def percent_change(category: str) -> None:
    """Change the three thresholds of one category by a whole percentage (rounded to whole PLN). Whole
    percents because Streamlit writes a number input's decimals with a point, not the app's comma."""
    key = f"w:percent/{category}"
    st.session_state.setdefault(key, 0)
    row = st.columns([3, 2], vertical_alignment="bottom")
    row[0].number_input(
        f"± % for all three thresholds of {category}",
        key=key,
        min_value=-100,
        max_value=1000,
        step=1,
        format="%d",
        help="+20 turns 7\u00a0300\u00a0000 PLN into 8\u00a0760\u00a0000 PLN; rounded to whole PLN.",
    )
    row[1].button("Apply ± %", key=f"apply_percent/{category}", on_click=_apply_percent, args=(category, key))


def effective_thresholds(category: str) -> None:
    """What the controls above mean once the scale slider applies (only when it is not 100 %)."""
    if state.scale_pct() == 100:
        return
    t = state.scenario_policy().categories[category]
    st.caption(
        f"With every threshold at {state.scale_pct()} %: company {pln(t.company)}, "
        f"conditional {pln(t.conditional)}, brand {pln(t.brand)}."
    )


def _store_table(key: str) -> None:
    edits = state.table_edits(
        state.table_base(), st.session_state[key].get("edited_rows", {}), state.scenario_spec()["categories"]
    )
    if edits:
        state.edit_thresholds(edits, from_table=True)


def thresholds_editor() -> None:
    """All categories' thresholds in one editable table (before the scale slider applies).

    An edit does not rerun the page (``on_change="ignore"``): cells typed one after another (Tab, Enter)
    stay in the browser until "Apply", so no rerun can land while a cell is being typed and drop or
    mangle it (issue 8: a rerun after every cell lost the value typed next, and once kept only
    "600000" of "9600000"). "ignore" also hands each edit to the app at once, not 150 ms later, so an
    "Apply" clicked straight after typing includes it. The edits (``edited_rows``) are relative to the
    snapshot the table was created with (`state.table_base`); anything else changing a threshold
    re-creates it from the spec."""
    base = state.table_base()
    frame = pd.DataFrame(
        [(c, *(round(t[k]) for k in THRESHOLD_KINDS)) for c, t in base.items()], columns=["category", *THRESHOLD_KINDS]
    )
    columns = {"category": st.column_config.TextColumn("Category", width=CATEGORY_COL_PX)}
    for kind in THRESHOLD_KINDS:
        p = threshold_kind(kind)
        # No min/max here: the grid would clamp a typed value silently; the policy refuses it visibly.
        columns[kind] = st.column_config.NumberColumn(
            kind.capitalize(), format=PRINTF_INT, width=NUMBER_COL_PX, step=int(_numeric(p)[2]), help=help_text(p.key)
        )
    key = state.table_key()
    st.data_editor(
        frame,
        key=key,
        hide_index=True,
        width="stretch",
        num_rows="fixed",
        on_change="ignore",
        disabled=["category"],
        height=ROW_PX * (len(frame) + 1) + 3,
        column_config=columns,
    )
    st.button(
        "Apply table edits",
        key="apply_table",
        on_click=_store_table,
        args=(key,),
        type="primary",
        help="Every cell you changed is applied at once; a value the policy refuses is named in a "
        "message and the table goes back to the scenario's values.",
    )


# -- the other parameters ------------------------------------------------------------------------


def _store_value(key: str, parameter_key: str) -> None:
    state.edit_value(parameter_key, st.session_state[key])


def parameter_control(parameter_key: str) -> None:
    """A slider (a select slider for a sales-quality level) for one parameter, from its metadata."""
    p = parameter(parameter_key)
    path = tuple(p.key.split("."))
    key = state.widget_key(path)
    value = state.spec_get(path)
    policy = Policy.from_dict(state.scenario_spec())
    if p.unit == "level":
        st.session_state.setdefault(key, value)
        st.select_slider(
            p.label,
            options=policy.quality_scale,
            key=key,
            on_change=_store_value,
            args=(key, p.key),
            help=help_text(p.key),
        )
        return
    slider_step = _numeric(p)[3]
    cast = int if p.unit == "count" else float
    low, high = slider_bounds(p.key, value)
    if p.unit in ("percent", "share"):
        options = _steps(low, high, slider_step, value, st.session_state.get(key))
        st.session_state.setdefault(key, float(value))
        st.select_slider(
            p.label,
            options=options,
            format_func=lambda v: format_value(p.key, v),
            key=key,
            on_change=_store_value,
            args=(key, p.key),
            help=help_text(p.key),
        )
        return
    st.session_state.setdefault(key, cast(value))
    st.slider(
        p.label,
        min_value=cast(low),
        max_value=cast(high),
        step=cast(slider_step),
        key=key,
        format=SLIDER_FORMAT[p.unit],
        on_change=_store_value,
        args=(key, p.key),
        help=help_text(p.key),
    )


def _steps(low: float, high: float, step: float, *values) -> list[float]:
    """The options of a select slider: ``low`` to ``high`` by ``step`` (exact decimals, no float noise),
    with every given value (the policy's, the widget's) among them so that it is always on the slider."""
    n = round((high - low) / step)
    grid = {round(low + i * step, 10) for i in range(n + 1)}
    grid.update(float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool))
    return sorted(grid)


SECTIONS = {
    "Quality": ("criteria.min_positive_ratings_pct", "criteria.min_quality_main", "criteria.min_quality_other"),
    "Growth": ("growth.min_yoy_growth", "growth.min_growing_quarters", "conditional.peer_percentile"),
    "Flags": ("flags.max_transaction_problem_rate", "flags.min_exportable_share", "flags.min_new_condition_share"),
}


def other_policy_controls() -> None:
    """Every policy parameter other than the thresholds, each with its published / assumption help."""
    for title, keys in SECTIONS.items():
        st.markdown(f"**{title}**")  # our own heading
        for key in keys:
            parameter_control(key)


# -- the whole scenario --------------------------------------------------------------------------


def _store_scale(key: str) -> None:
    st.session_state[state.SCALE] = int(st.session_state[key])
    state.scenario_changed()


def scale_slider() -> None:
    key = "w:scale"
    st.session_state.setdefault(key, state.scale_pct())
    st.slider(
        "Scale every threshold",
        min_value=50,
        max_value=200,
        step=5,
        format=PRINTF_WHOLE_PERCENT,
        key=key,
        on_change=_store_scale,
        args=(key,),
        help="Our what-if, not a rule: multiplies the company, conditional and brand thresholds of every "
        "category by this percentage (100 % = the thresholds as set below).",
    )


def notes() -> None:
    """What the last edit, link, file or library action did, or why it was refused. A note may quote
    user text (a file name, a key from a link or a file, a scenario's name): shown literally."""
    for kind, text in state.take_notes():
        if kind == "error":
            st.error(literal(text), icon="⚠️")
        else:
            st.info(literal(text), icon="ℹ️")


def reset_button() -> None:
    st.button(
        "↺ Reset to published policy",
        on_click=state.reset_scenario,
        key="reset_scenario",
        disabled=state.is_baseline(),
        help="Drop every change: the published thresholds and our default assumptions.",
    )
