"""The What-if page's decision support (issue 9): the threshold curve, the exact target searches with their
one-click apply, and the program view with its summary. Every figure comes from `core.targets` and
`core.program`; this module only lays them out."""

from __future__ import annotations

import streamlit as st

from core.formatting import count, pct, pln
from core.parameters import THRESHOLD_KINDS
from core.policy import CATEGORIES, Policy, PolicyError
from core.program import program_view, summary
from core.scenario import BASELINE_NAME
from core.targets import (
    Target,
    alternatives,
    apply_target,
    candidates,
    curve_of,
    describe_target,
    scale_target,
    scaled_policy,
    sensitivity,
    target_of,
)
from ui import components, state, target_charts

KIND_LABELS = {"company": "company", "conditional": "conditional", "brand": "brand (Brand Zone account)"}


def _policy() -> Policy | None:
    try:
        return state.scenario_policy()
    except PolicyError as exc:
        components.policy_error(exc)
        return None


def curves_and_targets() -> None:
    """One category's threshold curve and the target searches."""
    policy = _policy()
    if policy is None:
        return
    metrics = state.metrics()
    left, right = st.columns([1, 1])
    category = left.selectbox("Category", CATEGORIES, key="target_category")
    kind = right.radio("Threshold", THRESHOLD_KINDS, horizontal=True, key="target_kind", format_func=KIND_LABELS.get)
    cand = candidates(metrics, policy, category, kind, state.gates_under(policy))
    steps = curve_of(cand, metrics)
    now = int(cand.count_at(cand.current))
    near = sensitivity(cand)
    a, b, c = st.columns(3)
    a.metric(f"Qualified in {category} now", count(now), border=True)
    b.metric(
        "Within ±5 % of the threshold",
        count(near["within_5pct"]),
        border=True,
        help="Companies whose status this threshold alone would flip if it moved by up to 5 % either way.",
    )
    c.metric("Within ±10 %", count(near["within_10pct"]), border=True)
    published = Policy.default().categories[category].model_dump()[kind]
    st.plotly_chart(
        target_charts.threshold_curve(steps, kind, category, baseline=published, current=cand.current / 100),
        key="chart_threshold_curve",
    )
    _, thinned = target_charts.drawn_steps(steps, cand.current / 100)
    st.caption(
        f"{count(len(steps))} steps: the count moves only where a company's revenue sits. "
        + (f"The chart shows the {count(target_charts.MAX_STEPS)} around the current value. " if thinned else "")
        + "The download has every step, with the company that drops out above each."
    )
    components.download_buttons(steps, f"{category} {kind} threshold curve", key="curve")

    st.subheader(f"Which {kind} threshold gives N qualifiers in {category}?")
    wanted = st.number_input(
        f"Qualified companies wanted in {category}",
        min_value=0,
        max_value=max(len(metrics.companies), 1),
        value=min(max(now, 0), len(metrics.companies)),
        step=1,
        key=f"target_count_{category}_{kind}",
    )
    answer = target_of(cand, int(wanted))
    _show_answer(answer, policy, key="apply_target")
    if not answer.reachable:
        for i, other in enumerate(alternatives(metrics, policy, category, int(wanted), kind)):
            st.info("Instead — " + components.literal(describe_target(other)), icon="↪️")
            _apply_button(other, policy, key=f"apply_alternative_{i}")

    st.subheader("Which common scale of every threshold gives N qualifiers in all?")
    _scale_search(policy)


SCALE_ANSWER = "scale_target_answer"


def _scale_search(policy: Policy) -> None:
    """The program-wide search runs when asked (a form), not on every move of a control: it is the costliest
    view here (about 35 ms at 150,000 companies). Its answer is kept for the policy it was found under."""
    metrics = state.metrics()
    with st.form("scale_target_form", border=False):
        wanted = st.number_input(
            "Qualified companies wanted in the whole program",
            min_value=0,
            max_value=max(len(metrics.companies), 1),
            value=state.status_total(policy),
            step=1,
            key="target_total",
        )
        if st.form_submit_button("Find the scale"):
            answer = scale_target(metrics, policy, int(wanted), state.gates_under(policy))
            st.session_state[SCALE_ANSWER] = (policy.model_dump_json(), answer)
    kept = st.session_state.get(SCALE_ANSWER)
    if kept is None or kept[0] != policy.model_dump_json():
        return
    scale = kept[1]
    if not scale.reachable:
        st.warning(components.literal(f"{scale.why} (a common scale gives {scale.min_count} to {scale.max_count})."))
        return
    span = f"{pct(scale.low, 4)} or more" if scale.high is None else f"{pct(scale.low, 4)} to {pct(scale.high, 4)}"
    st.success(
        components.literal(
            f"Every threshold at {span} of its value in this scenario gives exactly {count(scale.count)} "
            "qualified companies."
        )
    )
    if st.button("Apply this scale", key="apply_scale", type="primary"):
        st.session_state.pop(SCALE_ANSWER, None)
        state.apply_policy(
            scaled_policy(policy, scale.low),
            f"Applied: every threshold × {pct(scale.low, 4)} (to the grosz) — {count(scale.count)} qualify.",
        )
        st.rerun()


def _show_answer(answer: Target, policy: Policy, key: str) -> None:
    text = components.literal(describe_target(answer))
    if answer.reachable:
        st.success(text)
        _apply_button(answer, policy, key)
    else:
        st.warning(text)


def _apply_button(answer: Target, policy: Policy, key: str) -> None:
    label = f"Apply {pln(answer.low / 100, 2)} to the {answer.threshold} threshold" if answer.low is not None else ""
    if answer.company_at_max:
        label += " (and the company threshold to its maximum)"
    if st.button(label, key=key):
        try:
            applied, notes = apply_target(policy, answer)
        except PolicyError as exc:
            components.policy_error(exc)
            return
        state.apply_policy(applied, f"Applied: {describe_target(answer)}" + "".join(f" {n}." for n in notes))
        st.rerun()


def program(choices: dict[str, Policy]) -> None:
    """The program under a scenario (the one being edited, or any saved one): per category, partners' share
    of companies and of revenue, the revenue covered and its concentration; and the summary against the
    baseline."""
    names = [BASELINE_NAME, *choices]
    chosen = st.selectbox("Scenario", names, index=min(1, len(names) - 1), key="program_scenario")
    policy = Policy.default() if chosen == BASELINE_NAME else choices[chosen]
    decisions = state.baseline_decisions() if chosen == BASELINE_NAME else state.decisions_under(policy)
    name = state.scenario_name() if chosen == state.CURRENT_LABEL else chosen
    metrics = state.metrics()
    summary_text(decisions, policy, name)
    view = program_view(decisions, metrics)
    st.plotly_chart(target_charts.program_shares(view), key="chart_program")
    components.table(
        view,
        "program view",
        key="program_view",
        max_rows=16,
        column_config={
            "partners": st.column_config.NumberColumn("Partners", format="%d"),
            "partners_share": components.share("Partners / companies"),
            "category_revenue": components.money("Category revenue (12 m)"),
            "revenue_covered": components.money("Revenue covered"),
            "revenue_share": components.share("Covered / category revenue"),
            "top10_share": components.share("Top 10 partners' share"),
        },
    )


def summary_text(decisions, policy: Policy, name: str | None = None) -> None:
    """The paragraph for a slide, in a code box (a copy button; the text is never rendered as Markdown)."""
    text = summary(state.baseline_decisions(), decisions, Policy.default(), policy, name or state.scenario_name())
    st.caption("Summary against the published baseline — copy it into a slide:")
    st.code(text, language=None, wrap_lines=True)
