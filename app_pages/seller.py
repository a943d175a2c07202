"""Seller check: one company's status and why, and the near misses for the sales team."""

import pandas as pd
import streamlit as st

from core.explain import checklist, near_misses, revenue_gaps
from core.formatting import pln
from core.lookup import company_accounts, company_categories, company_monthly, find_companies
from ui import charts, components, state

st.title("Seller check")

which = st.radio(
    "Check under",
    ["scenario", "baseline"],
    horizontal=True,
    key="seller_policy",
    format_func={"scenario": "the current scenario", "baseline": "the published policy (baseline)"}.get,
    help="The baseline is the published policy; the scenario is what you set on the What-if page.",
)
decisions, policy = state.decisions_for(which)
dataset, metrics = state.dataset(), state.metrics()

query = st.text_input(
    "Find a company",
    key="seller_query",
    placeholder="Company or account name, account ID or NIP",
    help="Any part of a name, an account ID or a NIP (spaces, dashes and a leading PL are ignored).",
)
matches = find_companies(decisions, dataset.accounts, query)
if query and matches.empty:
    st.warning("No company matches this search.")

if not matches.empty:
    labels = {i: f"{row.company_name} — NIP {row.nip}" for i, row in enumerate(matches.itertuples())}
    pick = st.selectbox(f"{len(matches)} match(es)", list(labels), format_func=labels.__getitem__, key="seller_pick")
    row = matches.iloc[pick]
    status = str(row["status"])

    st.divider()
    st.metric("Company", components.literal(row["company_name"]))  # a metric value is Markdown: escape it
    a, b, c, d = st.columns(4)
    with a:
        st.caption("Status")
        components.status_badge(status)
    b.metric(
        "Revenue path",
        str(row["path"]) or "none",
        help="The first revenue path that holds: standard, conditional, brand.",
    )
    c.metric("NIP", str(row["nip"]))
    d.metric(
        "Main category",
        "—" if pd.isna(row["main_category"]) else str(row["main_category"]),
        help="The category with the largest revenue in the current window.",
    )

    st.subheader("Checklist")
    components.table(checklist(row, policy), "checklist", key="checklist")

    st.subheader("Gap to each revenue path")
    gaps = revenue_gaps(row)
    components.table(
        gaps,
        "revenue gaps",
        key="gaps",
        column_config={
            "revenue": components.money("Revenue counted"),
            "gap": components.money("Gap"),
            "gap_pct": components.share("Gap (% of threshold)"),
            "other_condition_met": st.column_config.CheckboxColumn("Other condition met"),
        },
    )
    if pd.isna(row["gap"]):
        st.caption("No revenue in the current window: no main category, so no revenue path applies.")
    elif row["gap"] > 0:
        st.caption(f"Standard path: {pln(row['gap'])} short of the company threshold.")
    else:
        st.caption("Standard path: at or above the company threshold.")

    left, right = st.columns(2)
    with left:
        st.plotly_chart(
            charts.company_monthly(
                company_monthly(dataset, row["nip"]), metrics.current_window, metrics.previous_window
            ),
            key="chart_monthly",
        )
    with right:
        st.plotly_chart(
            charts.company_categories(company_categories(metrics, policy, row["nip"])), key="chart_categories"
        )

    st.subheader("Accounts")
    components.table(company_accounts(dataset, metrics, row["nip"]), "accounts", key="accounts")

st.divider()
st.subheader("Near misses")
st.caption(
    "Companies that pass every quality gate with no flag and miss a revenue path by at most the chosen share "
    "of its threshold: prospects for the sales teams."
)
within = st.slider(
    "Within % of a threshold",
    min_value=1,
    max_value=50,
    value=20,
    step=1,
    format="%d %%",
    key="near_within",
    help="Our tool, not a rule: how close to a revenue threshold counts as a near miss.",
)
misses = near_misses(decisions, within / 100)
st.caption(f"{len(misses)} compan{'y' if len(misses) == 1 else 'ies'} within {within} % of a threshold.")
components.table(misses, "near misses", key="near_misses", max_rows=12, order="closest to a threshold first")
