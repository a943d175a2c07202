"""Seller check: one company's status and why, many sellers at once, and the prospect list for the sales team."""

from functools import partial

import pandas as pd
import streamlit as st

from core.explain import SHOWN_COLUMNS, checklist, checklist_export, gap_sentence, revenue_gaps
from core.formatting import count
from core.lookup import company_accounts, company_categories, company_monthly, find_companies
from core.nip import format_nip
from core.report import seller_report
from ui import charts, components, lists, state

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
    labels = {i: f"{row.company_name} — NIP {format_nip(str(row.nip))}" for i, row in enumerate(matches.itertuples())}
    pick = st.selectbox(
        f"{count(len(matches))} match(es)", list(labels), format_func=labels.__getitem__, key="seller_pick"
    )
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
    c.metric("NIP", format_nip(str(row["nip"])))
    d.metric(
        "Main category",
        "—" if pd.isna(row["main_category"]) else str(row["main_category"]),
        help="The category with the largest revenue in the current window.",
    )

    st.download_button(
        "⬇ Download seller report (PDF)",
        partial(seller_report, dataset, metrics, decisions, policy, str(row["nip"])),  # built only when clicked
        file_name=f"diamond_partners_{row['nip']}_{metrics.as_of}.pdf",
        mime="application/pdf",
        key="dl_seller_report",
        on_click="ignore",
        help="One A4 page to send: status, every criterion, the gap to the nearest revenue path, monthly revenue.",
    )

    st.subheader("Checklist")
    components.table(checklist(row, policy), "checklist", key="checklist", columns=SHOWN_COLUMNS, downloads=False)
    # The download says whose checklist it is and when, with figures as numbers and results as words.
    components.download_buttons(
        checklist_export(row, policy, metrics.as_of), f"checklist {row['nip']} {metrics.as_of}", key="checklist"
    )

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
    # The nearest path the seller can use (not always the standard one); it may quote an account ID: escaped.
    st.caption(components.literal(gap_sentence(row, metrics.as_of)))

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

scenario = state.scenario_name() if which == "scenario" else state.BASELINE_NAME

st.divider()
st.subheader("Check many sellers at once")
lists.bulk_section(decisions, policy, scenario)

st.divider()
st.subheader("Prospects")
lists.prospect_section(decisions, scenario)
