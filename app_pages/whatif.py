"""What-if: the scenario lab. Change the policy; see what changes against the published baseline."""

import streamlit as st

from core.explain import compare, compare_by_category, status_counts
from core.policy import CATEGORIES, PolicyError
from ui import charts, components, state

st.title("What-if scenarios")
st.caption("Every control starts at the published policy. Each one's help (?) says whether it is a published "
           "rule or our assumption. Only the decision is recomputed when you move a control.")

controls, results = st.columns([5, 6], gap="large")

with controls:
    components.scale_slider()
    components.reset_button()
    components.scenario_notes()
    one, table, other = st.tabs(["One category", "All categories", "Other rules"])
    with one:
        category = st.selectbox("Category", CATEGORIES, key="whatif_category",
                                help="Pick a category to edit its three thresholds.")
        components.threshold_sliders(category)
        components.percent_change(category)
        components.effective_thresholds(category)
    with table:
        st.caption("Thresholds in PLN. Edit any cell; the scale slider above multiplies these values.")
        components.thresholds_editor()
    with other:
        components.other_policy_controls()

with results:
    try:
        scenario = state.scenario_decisions()
    except PolicyError as exc:
        components.policy_error(exc)
        st.stop()
    baseline = state.baseline_decisions()
    base_counts, scen_counts = status_counts(baseline), status_counts(scenario)

    a, b, c = st.columns(3)
    a.metric("Qualified — baseline", components.count_text(base_counts["qualified"]), border=True)
    b.metric("Qualified — scenario", components.count_text(scen_counts["qualified"]), border=True,
             delta=scen_counts["qualified"] - base_counts["qualified"] or None)
    c.metric("Review — scenario", components.count_text(scen_counts["review"]), border=True,
             delta=scen_counts["review"] - base_counts["review"] or None, delta_color="off")

    per_category = compare_by_category(baseline, scenario)
    st.plotly_chart(charts.baseline_vs_scenario(per_category), key="chart_compare")
    components.table(per_category, "qualified per category, baseline vs scenario", key="per_category",
                     column_config={"delta": st.column_config.NumberColumn("Change", format="%+d")})

    changes = compare(baseline, scenario)
    enters, leaves = (changes["change"] == "enters").sum(), (changes["change"] == "leaves").sum()
    st.subheader("Who enters and who leaves")
    st.caption(f"{enters} enter, {leaves} leave, {len(changes) - enters - leaves} move between review and not qualified.")
    if changes.empty:
        st.info("No company changes status under this scenario.")
    else:
        components.table(changes, "status changes", key="changes",
                         columns=["change", "company_name", "what_changed", "baseline", "scenario", "nip"])
