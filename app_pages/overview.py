"""Overview: the program at a glance for the active dataset and scenario. It opens with the program's
name; beside the per-category chart come what the program is, one generated sentence
(`core.explain.headline`) and the counts, so that the chart is whole above the fold at 1280×720
(tests/test_browser.py measures it)."""

import functools

import streamlit as st

from core.explain import PROGRAM_NAME, PROGRAM_SENTENCE, by_category, funnel, headline, path_counts, status_counts
from ui import charts, components, month, state

st.title(PROGRAM_NAME)

dataset, metrics = state.dataset(), state.metrics()
decisions, policy = state.decisions_for("scenario")
current, previous = metrics.current_window, metrics.previous_window
scope = "under the published thresholds" if state.is_baseline() else "under the What-if scenario"
for warning in month.warnings():  # also in the sidebar; here, above the counts, because they depend on it
    st.warning(warning, icon=":material/warning:")
counts, paths = status_counts(decisions), path_counts(decisions)
# The sentence counts the reasons of every company (a split of 150,000 texts, 130 ms): made once per data, month,
# policy and scope, like the figures below, so that a revisit only sends the page again.
sentence = state.derived(("headline", scope), policy, lambda: headline(decisions, scope))

chart, side = st.columns(2, gap="medium")
with side:
    st.write(PROGRAM_SENTENCE)
    st.markdown(f"**{sentence}**")  # our own sentence: numbers and our words, no user text
    cols = st.columns(3)
    cols[0].metric(components.STATUS_MD["qualified"], components.count_text(counts["qualified"]))
    cols[1].metric(
        components.STATUS_MD["review"],
        components.count_text(counts["review"]),
        help="Revenue and quality pass, but a flag asks for a human look.",
    )
    cols[2].metric(components.STATUS_MD["not_qualified"], components.count_text(counts["not_qualified"]))
    cols = st.columns(3)
    cols[0].metric(
        "Standard path",
        components.count_text(paths["standard"]),
        help="Qualified companies that pass on the company threshold.",
    )
    cols[1].metric(
        "Conditional path",
        components.count_text(paths["conditional"]),
        help="Qualified companies that pass on the conditional threshold and main-category growth above "
        "the peer benchmark.",
    )
    cols[2].metric(
        "Brand path",
        components.count_text(paths["brand"]),
        help="Qualified companies that pass on one Brand Zone account's revenue in its own main category.",
    )
    stack = st.radio(
        "Stack qualifiers by",
        ["path", "status"],
        horizontal=True,
        key="overview_stack",
        format_func={"path": "revenue path", "status": "status (with review)"}.get,
    )
    components.scope_note()
    st.caption(
        f"As of {metrics.as_of} (change it in the sidebar): current window {current[0]} … {current[1]}, "
        f"previous window {previous[0]} … {previous[1]}."
    )
with chart:
    # Each figure is built once per data, month and policy (state.derived): a revisit only sends it again.
    qualifiers = state.derived(
        ("qualifiers", stack), policy, lambda: charts.qualifiers_by_category(decisions, by=stack, compact=True)
    )
    st.plotly_chart(qualifiers, key="chart_qualifiers")

left, right = st.columns(2)
with left:
    st.plotly_chart(state.derived("funnel", policy, lambda: charts.funnel_chart(funnel(decisions))), key="chart_funnel")
with right:
    a, b, c = st.columns(3)
    a.metric("Companies (NIPs)", components.count_text(len(metrics.companies)))
    b.metric("Accounts", components.count_text(len(dataset.accounts)))
    c.metric("As-of month", str(metrics.as_of), help="Change it in the sidebar.")

distribution = state.derived("distribution", policy, lambda: charts.revenue_distribution(decisions, policy))
st.plotly_chart(distribution, key="chart_distribution")

st.subheader("Per category")
components.table(
    state.derived("by category", policy, lambda: by_category(decisions)), "companies per category", key="by_category"
)


with st.expander("All companies and their decision"):  # drawn (and sent) whether open or not
    # The rows the table shows are kept (40 ms to make at 150,000 companies), not the whole view (13 MB a policy);
    # the downloads make it when clicked. Streamlit keeps their function until the session ends, even after its
    # tab closed: it holds only the view's columns, not the page's data (figures, decisions, revenue rows).
    whole = functools.partial(components.decisions_by_revenue, decisions[components.VIEW_COLUMNS])
    shown = state.derived("decisions shown", policy, lambda: whole().head(components.TABLE_LIMIT))
    components.table(
        shown,
        "decisions",
        key="decisions",
        max_rows=12,
        order="largest main-category revenue first",
        total=len(decisions),
        whole=whole,
    )

month.change_since_last_month(decisions, policy, state.scenario_name())
month.history(policy)
