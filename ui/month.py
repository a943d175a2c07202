"""The as-of month on every page (issue 11 §7): the picker in the sidebar with a warning when a window lacks
revenue months, and, for the Overview, who entered and left since the month before and the qualifiers at
each month. The sentences and counts come from `core.asof`, `core.comparison` and `core.explain`."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.asof import as_of_warnings, short_warning
from core.comparison import flips
from core.policy import Policy
from ui import charts, components, state
from ui.workbench import SHOWN_FLIPS, flips_table

PICKER_KEY = "as_of_select"


def _picked() -> None:
    state.set_as_of(st.session_state[PICKER_KEY])


def sidebar_picker() -> None:
    """The as-of month as a selectbox in the sidebar (bound to `state.as_of`), and its warnings under it."""
    months = state.months()
    if not months:
        st.sidebar.warning("The revenue table is empty: no company can pass the revenue criterion.")
        return
    # The widget follows the state (set elsewhere too: a new upload resets it to the latest month).
    st.session_state[PICKER_KEY] = state.as_of() if state.as_of() in months else months[0]
    st.sidebar.selectbox(
        "As-of month",
        months,
        key=PICKER_KEY,
        on_change=_picked,
        help="Our default, not a rule: the latest month in the revenue table. The current window is the 12 months "
        "ending here, the previous window the 12 months before.",
    )
    as_of = state.as_of()
    short = short_warning(state.dataset().months, as_of) if as_of is not None else None
    if short:  # in full on the Overview
        st.sidebar.warning(short, icon=":material/warning:")


def warnings() -> list[str]:
    """The as-of month's warnings (a window with months lacking revenue rows), from `core.asof`."""
    as_of = state.as_of()
    return as_of_warnings(state.dataset().months, as_of) if as_of is not None else []


def change_since_last_month(decisions: pd.DataFrame, policy: Policy, scenario: str) -> None:
    """Who entered and who left the program since the month before, under the same policy."""
    as_of = state.as_of()
    months = state.dataset().months
    if as_of is None or not months:
        return
    before = str(pd.Period(as_of, freq="M") - 1)
    st.subheader(f"Since {before}")
    if pd.Period(before, freq="M") < months[0]:
        st.caption(f"No revenue before {months[0]} in the data: no month before to compare with.")
        return
    earlier = state.decisions_at(before, policy)
    # Once per data, month and policy (both months' decisions are kept with the data): the counts and the table.
    changed = state.derived(
        ("flips since", before), policy, lambda: flips(earlier, decisions, policy, policy, limit=SHOWN_FLIPS)
    )
    entered = int((changed["change"] == "enters").sum())
    left = int((changed["change"] == "leaves").sum())
    a, b = st.columns(2)
    a.metric("Entered the program", components.count_text(entered), help=f"Qualified in {as_of}, not in {before}.")
    b.metric("Left the program", components.count_text(left), help=f"Qualified in {before}, not in {as_of}.")
    st.caption(
        f"The decision at {as_of} against the decision at {before}, both under the same policy: {scenario}. "
        "A company moves when its 12-month windows, moved by one month, change its figures."
    )
    if as_of_warnings(months, before):
        st.caption(
            f"Note: a window of {before} lacks revenue months (see the sidebar's warning for this kind of month), "
            "so part of this change may come from missing data rather than from the sellers."
        )
    if not changed.empty:
        flips_table((earlier, policy, before), (decisions, policy, as_of), key="since_last_month", flipped=changed)


def history(policy: Policy) -> None:
    """Qualified companies at each month of the data: computed at once for small data, on request for large."""
    st.subheader("Qualifiers at each month")
    ds = state.dataset()
    asked = st.session_state.get("history_for") == ds.fingerprint
    if not state.history_is_eager() and not asked:
        months = len(ds.months)
        st.caption(
            f"With {components.count_text(ds.company_count)} companies each month takes a second or "
            "two: the history is computed when you ask for it, then kept."
        )
        if st.button(f"Compute the history ({components.count_text(months)} months)", key="history_run"):
            st.session_state["history_for"] = ds.fingerprint
            st.rerun()
        return
    progress = st.empty()

    def on_month(i: int, n: int) -> None:
        progress.progress(i / max(n, 1), text=f"Month {i + 1} of {n}…")

    frame = state.qualifier_history(policy, on_month)
    progress.empty()
    st.plotly_chart(charts.qualifiers_by_month(frame, state.as_of()), key="chart_history")
    st.caption(
        "Hollow markers: a 12-month window of that month lacks revenue months, so its count is not comparable "
        "with the others."
    )
