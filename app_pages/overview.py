"""Overview: the program at a glance for the active dataset and scenario."""

import streamlit as st

from core.explain import by_category, funnel, path_counts, status_counts
from ui import charts, components, state

st.title("Overview")
components.scope_note()

dataset, metrics = state.dataset(), state.metrics()
decisions, policy = state.decisions_for("scenario")
current, previous = metrics.current_window, metrics.previous_window

a, b, c = st.columns(3)
a.metric("Companies (NIPs)", components.count_text(len(metrics.companies)))
b.metric("Accounts", components.count_text(len(dataset.accounts)))
c.metric("As-of month", str(metrics.as_of), help="Change it on the Data page.")
st.caption(f"Current window: {current[0]} … {current[1]} (12 months) · previous window: {previous[0]} … {previous[1]}")

counts, paths = status_counts(decisions), path_counts(decisions)
cols = st.columns(6)
cols[0].metric(components.STATUS_MD["qualified"], components.count_text(counts["qualified"]), border=True)
cols[1].metric(
    components.STATUS_MD["review"],
    components.count_text(counts["review"]),
    border=True,
    help="Revenue and quality pass, but a flag asks for a human look.",
)
cols[2].metric(components.STATUS_MD["not_qualified"], components.count_text(counts["not_qualified"]), border=True)
cols[3].metric(
    "Standard path",
    components.count_text(paths["standard"]),
    help="Qualified companies that pass on the company threshold.",
)
cols[4].metric(
    "Conditional path",
    components.count_text(paths["conditional"]),
    help="Qualified companies that pass on the conditional threshold and main-category growth above "
    "the peer benchmark.",
)
cols[5].metric(
    "Brand path",
    components.count_text(paths["brand"]),
    help="Qualified companies that pass on one Brand Zone account's revenue in its own main category.",
)

left, right = st.columns(2)
with left:
    stack = st.radio(
        "Stack qualifiers by",
        ["path", "status"],
        horizontal=True,
        key="overview_stack",
        format_func={"path": "revenue path", "status": "status (with review)"}.get,
    )
    # Each figure is built once per data, month and policy (state.derived): a revisit only sends it again.
    qualifiers = state.derived(
        ("qualifiers", stack), policy, lambda: charts.qualifiers_by_category(decisions, by=stack)
    )
    st.plotly_chart(qualifiers, key="chart_qualifiers")
with right:
    st.plotly_chart(state.derived("funnel", policy, lambda: charts.funnel_chart(funnel(decisions))), key="chart_funnel")

distribution = state.derived("distribution", policy, lambda: charts.revenue_distribution(decisions, policy))
st.plotly_chart(distribution, key="chart_distribution")

st.subheader("Per category")
components.table(by_category(decisions), "companies per category", key="by_category")

with st.expander("All companies and their decision"):
    view = components.decisions_view(decisions).sort_values(
        "main_category_revenue", ascending=False, na_position="last", kind="stable"
    )
    components.table(view, "decisions", key="decisions", max_rows=12, order="largest main-category revenue first")
