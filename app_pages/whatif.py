"""What-if: the scenario workbench. Edit a scenario against the published baseline, keep it in the
library, compare scenarios side by side, share it by link or as a policy file."""

import streamlit as st

from core.policy import CATEGORIES
from ui import controls, decision_support, workbench

st.title("What-if scenarios")
st.caption(
    "Every control starts at the published policy. Each one's help (?) says whether it is a published "
    "rule or our assumption. The page link always carries the scenario: copy it to share it."
)

workbench.read_link()
workbench.scenario_header()
with st.container():  # always there, so a note coming or going never shifts (and resets) the tabs below
    controls.notes()
# The tabs rerun the page when switched, so a tab's heavy part runs only while it is open: at 150,000 companies
# the comparison costs as much again as the Edit tab's results on every move of a slider.
edit, targets, program, library, side_by_side = st.tabs(
    ["Edit", "Curves and targets", "Program", "Library and files", "Compare"], key="whatif_tab", on_change="rerun"
)

with edit:
    left, results = st.columns([5, 6], gap="large")
    # The results are written first (they still show in the right column): after a move of a control the server
    # sends the results chart, and the browser draws it, before the thirty-odd controls on the left are sent
    # and redrawn. Drawing the controls changes nothing the results read: every control writes to the scenario
    # only through its callback, which runs before the page does.
    with results:
        if edit.open:
            workbench.results()
    with left:
        controls.scale_slider()
        controls.reset_button()
        one, table, other = st.tabs(["One category", "All categories", "Other rules"])
        with one:
            category = st.selectbox(
                "Category", CATEGORIES, key="whatif_category", help="Pick a category to edit its three thresholds."
            )
            controls.threshold_controls(category)
            controls.percent_change(category)
            controls.effective_thresholds(category)
        with table:
            st.caption("Thresholds in PLN. Edit any cells, then Apply; the scale slider above multiplies these values.")
            controls.thresholds_editor()
        with other:
            controls.other_policy_controls()

with targets:
    if targets.open:
        decision_support.curves_and_targets()

with program:
    if program.open:
        decision_support.program(workbench.scenario_choices())

with library:
    workbench.file_controls()
    st.subheader("Scenario library")
    workbench.library()

with side_by_side:
    if side_by_side.open:
        workbench.compare()

workbench.write_link()
