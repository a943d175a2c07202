"""The scenario workbench on the What-if page: the scenario's name, its link, the library, files and
the side-by-side comparison.

Scenario names and descriptions are user text: they are shown only in widgets (labels, inputs,
option lists), dataframes and `st.text`, and inside messages only through `components.literal` —
never as Markdown or HTML. The logic (diffs, links, the store, the comparison) lives in `core`.
"""

from __future__ import annotations

import os
from typing import Any

import pandas as pd
import streamlit as st

from core.comparison import compare_scenarios, flips, readable
from core.explain import compare_by_category, status_counts
from core.formatting import PRINTF_SIGNED_INT, PRINTF_SIGNED_PLN, count, signed_count
from core.links import UI_KEYS, scenario_from_query, scenario_to_query
from core.policy import Policy, PolicyError
from core.scenario import BASELINE_NAME, Scenario
from core.scenario_store import ENV_VAR, ScenarioStore, StoreError
from ui import charts, components, decision_support, state

MAX_COMPARED = 4
CURRENT = state.CURRENT_LABEL
SAVED_KEY = "saved"


# -- the library and the author ------------------------------------------------------------------


@st.cache_resource(show_spinner=False)
def _store_for(env_value: str | None) -> ScenarioStore:
    """One store per process and setting (the env var is part of the key so a test can point elsewhere)."""
    secrets: Any = None
    try:
        if st.secrets.load_if_toml_exists():
            secrets = st.secrets
    except Exception:  # noqa: BLE001 - unreadable secrets: the default SQLite file
        secrets = None
    return ScenarioStore.from_settings(os.environ, secrets)


def store() -> ScenarioStore:
    return _store_for(os.environ.get(ENV_VAR))


def author() -> str | None:
    """Who saves: the signed-in user's e-mail or name when sign-in is on, else nobody."""
    try:
        if st.user.get("is_logged_in", False):
            who = st.user.get("email") or st.user.get("name")
            # st.user's values are typed as any claim (str, bool, a token proxy); email and name are strings.
            return who if isinstance(who, str) else None
    except Exception:  # noqa: BLE001 - no sign-in configured
        return None
    return None


def _error(exc: Exception) -> None:
    st.error(components.literal(str(exc)), icon="⚠️")  # a store message may quote a scenario's name


# -- links ---------------------------------------------------------------------------------------


def read_link() -> None:
    """On a session's first run: open the scenario the page link carries (``?saved=<id>`` or the
    changes themselves). A bad link is answered with a message and the published policy."""
    ss = st.session_state
    if ss.get("link_read"):
        return
    ss["link_read"] = True
    params = {k: st.query_params.get_all(k) for k in st.query_params}
    if not params:
        return
    if SAVED_KEY in params:
        raw = params[SAVED_KEY][-1]
        try:
            saved = store().get(int(raw))
            state.load_scenario(Scenario.from_changes(saved.name, saved.diff, saved.description), saved)
        except (ValueError, StoreError, PolicyError) as exc:
            detail = str(exc) if isinstance(exc, (StoreError, PolicyError)) else f"{raw[:40]!r} is not a scenario id"
            state.note(
                "error", f"The link's saved scenario could not be opened ({detail}). Showing the published policy."
            )
        return
    scenario, problems = scenario_from_query(params, UI_KEYS)
    if problems:
        shown = "; ".join(problems[:5]) + (f"; and {count(len(problems) - 5)} more" if len(problems) > 5 else "")
        state.note("error", f"This link could not be opened: {shown}. Showing the published policy.")
        state.load_scenario(Scenario.baseline())
        return
    state.load_scenario(scenario)


def write_link() -> None:
    """Make the page URL carry the current scenario (only when it differs, so no needless rerun)."""
    try:
        wanted = scenario_to_query(state.current_scenario())
    except PolicyError:
        return
    m = state.meta()
    if m["saved_id"] is not None and not m["edited"]:
        wanted = {SAVED_KEY: str(m["saved_id"])}
    current = {k: st.query_params.get(k) for k in st.query_params}
    if current != wanted:
        st.query_params.from_dict(wanted)


# -- name, description, file ---------------------------------------------------------------------


def _store_name(key: str) -> None:
    state.set_meta(name=st.session_state[key])


def _store_description(key: str) -> None:
    state.set_meta(description=st.session_state[key])


def scenario_header() -> None:
    """The scenario's name and description (plain inputs), and its policy file to download."""
    m = state.meta()
    name_key, description_key = "wb:name", "wb:description"
    st.session_state.setdefault(name_key, m["name"])
    st.session_state.setdefault(description_key, m["description"])
    if st.session_state[name_key] != m["name"]:  # loaded from elsewhere since: show it
        st.session_state[name_key] = m["name"]
    if st.session_state[description_key] != m["description"]:
        st.session_state[description_key] = m["description"]
    left, right = st.columns([2, 3])
    left.text_input(
        "Scenario name",
        key=name_key,
        on_change=_store_name,
        args=(name_key,),
        max_chars=100,
        placeholder=state.scenario_name(),
        help="Shown in the library, the comparison and the link.",
    )
    right.text_input(
        "Description",
        key=description_key,
        on_change=_store_description,
        args=(description_key,),
        max_chars=1000,
        placeholder="What this proposal changes and why (optional)",
    )


def yaml_download(scenario: Scenario, key: str, label: str = "⬇ Policy YAML") -> None:
    slug = components._slug(scenario.name)
    st.download_button(
        label,
        scenario.to_yaml().encode("utf-8"),
        file_name=f"{slug}.yaml",
        mime="application/x-yaml",
        key=key,
        on_click="ignore",
        help="The scenario as a policy file (rules.md §6): only what differs from the published "
        "policy. The CLI's --policy reads it too.",
    )


def _import_file(key: str) -> None:
    upload = st.session_state.get(key)
    if upload is None:
        return
    source = getattr(upload, "name", "scenario file")
    try:
        text = upload.getvalue().decode("utf-8-sig")
        scenario = Scenario.from_yaml(text, source=source)
    except UnicodeDecodeError:
        state.note("error", f"{source}: not a UTF-8 text file")
        return
    except PolicyError as exc:
        for problem in exc.problems[:10]:
            state.note("error", f"Not opened — {problem}")
        return
    state.load_scenario(scenario)
    state.note("info", "Opened the scenario file as the current scenario.")


def file_controls() -> None:
    """Download the current scenario as YAML; open a scenario or policy file as the current one."""
    try:
        current = state.current_scenario()
    except PolicyError as exc:
        components.policy_error(exc)
        return
    yaml_download(current, key="dl_current_yaml", label="⬇ Download this scenario (YAML)")
    st.file_uploader(
        "Open a scenario or policy file (YAML or JSON)",
        type=["yaml", "yml", "json"],
        key="wb:import",
        on_change=_import_file,
        args=("wb:import",),
        help="A file the app or the CLI wrote; only the keys it names change the published policy.",
    )


# -- the library ---------------------------------------------------------------------------------


def _save(overwrite: bool) -> None:
    m = state.meta()
    try:
        scenario = state.current_scenario()
    except PolicyError as exc:
        state.note("error", f"Not saved — {exc}")
        return
    if not m["name"]:
        state.note("error", "Give the scenario a name before saving it.")
        return
    token = m["saved_updated_at"] if overwrite and m["saved_id"] is not None else None
    try:
        saved = store().save(
            scenario.name,
            scenario.description,
            scenario.diff(),
            author(),
            overwrite=overwrite,
            expected_updated_at=token,
        )
    except StoreError as exc:
        state.note("error", str(exc))
        return
    state.mark_saved(saved)  # the controls stay as they are (the scale too); the link now names it
    state.note("info", "Saved to the library.")


def _open(saved_id: int) -> None:
    try:
        saved = store().get(saved_id)
        state.load_scenario(Scenario.from_changes(saved.name, saved.diff, saved.description), saved)
    except (StoreError, PolicyError) as exc:
        state.note("error", str(exc))


def _rename(saved_id: int, key: str) -> None:
    try:
        saved = store().rename(saved_id, st.session_state[key], author=author())
        if state.meta()["saved_id"] == saved_id:
            state.set_meta(name=saved.name)
    except StoreError as exc:
        state.note("error", str(exc))


def _duplicate(saved_id: int, key: str) -> None:
    try:
        store().duplicate(saved_id, st.session_state[key], author())
    except StoreError as exc:
        state.note("error", str(exc))


def _delete(saved_id: int, token: Any) -> None:
    try:
        store().delete(saved_id, expected_updated_at=token)
    except StoreError as exc:
        state.note("error", str(exc))


def library() -> None:
    """Save the current scenario; list, open, rename, duplicate, delete and download saved ones."""
    m = state.meta()
    row = st.container(horizontal=True)
    row.button(
        "💾 Save to library",
        key="wb:save",
        on_click=_save,
        args=(False,),
        type="primary",
        help="Save under the name above; a name already in the library is refused.",
    )
    row.button(
        "Save over the saved version",
        key="wb:overwrite",
        on_click=_save,
        args=(True,),
        disabled=m["saved_id"] is None,
        help="Replace the library's version of this scenario (refused if someone changed it since).",
    )
    try:
        saved = store().list()
    except StoreError as exc:
        _error(exc)
        return
    if not saved:
        st.caption("The library is empty: name the scenario above and save it.")
        return
    frame = pd.DataFrame(
        [
            {
                "name": s.name,
                "description": s.description,
                "author": s.author or "",
                "updated": s.updated_at.strftime("%Y-%m-%d %H:%M UTC"),
                "changes": _count(s.diff),
            }
            for s in saved
        ]
    )
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        key="wb:library_table",
        column_config={
            "name": st.column_config.TextColumn("Name"),
            "description": st.column_config.TextColumn("Description"),
            "author": st.column_config.TextColumn("Author"),
            "updated": st.column_config.TextColumn("Updated"),
            "changes": components.whole("Changed parameters"),
        },
    )
    by_id = {s.id: s for s in saved}
    chosen = st.selectbox("Saved scenario", list(by_id), format_func=lambda i: by_id[i].name, key="wb:chosen")
    if chosen is None:
        return
    pick = by_id[chosen]
    actions = st.container(horizontal=True)
    actions.button(
        "Open",
        key="wb:open",
        on_click=_open,
        args=(pick.id,),
        help="Make it the scenario being edited (your unsaved changes are replaced).",
    )
    try:
        yaml_download(Scenario.from_changes(pick.name, pick.diff, pick.description), key="wb:dl_saved")
    except PolicyError as exc:
        components.policy_error(exc)
    new_name = st.text_input("New name (rename or duplicate)", key="wb:new_name", max_chars=100)
    actions = st.container(horizontal=True)
    actions.button(
        "Rename", key="wb:rename", on_click=_rename, args=(pick.id, "wb:new_name"), disabled=not new_name.strip()
    )
    actions.button(
        "Duplicate",
        key="wb:duplicate",
        on_click=_duplicate,
        args=(pick.id, "wb:new_name"),
        disabled=not new_name.strip(),
    )
    confirm = actions.checkbox("Really delete", key="wb:confirm_delete")
    actions.button("Delete", key="wb:delete", on_click=_delete, args=(pick.id, pick.updated_at), disabled=not confirm)


def _count(diff: dict) -> int:
    return sum(_count(v) if isinstance(v, dict) else 1 for v in diff.values())


# -- the current scenario against the baseline --------------------------------------------------


def results() -> None:
    """The Edit tab's results: counts, the per-category chart and table, who enters and who leaves."""
    try:
        scenario = state.scenario_decisions()
    except PolicyError as exc:
        components.policy_error(exc)
        return
    baseline = state.baseline_decisions()
    base_counts, scen_counts = status_counts(baseline), status_counts(scenario)
    a, b, c = st.columns(3)
    a.metric("Qualified — baseline", components.count_text(base_counts["qualified"]), border=True)
    b.metric(
        "Qualified — scenario",
        components.count_text(scen_counts["qualified"]),
        border=True,
        delta=signed_count(scen_counts["qualified"] - base_counts["qualified"])
        if scen_counts["qualified"] != base_counts["qualified"]
        else None,
    )
    c.metric(
        "Review — scenario",
        components.count_text(scen_counts["review"]),
        border=True,
        delta=signed_count(scen_counts["review"] - base_counts["review"])
        if scen_counts["review"] != base_counts["review"]
        else None,
        delta_color="off",
    )

    per_category = compare_by_category(baseline, scenario)
    st.plotly_chart(charts.baseline_vs_scenario(per_category), key="chart_compare")
    components.table(
        per_category,
        "qualified per category, baseline vs scenario",
        key="per_category",
        column_config={"delta": st.column_config.NumberColumn("Change", format=PRINTF_SIGNED_INT)},
    )

    decision_support.summary_text(scenario, state.scenario_policy())
    st.subheader("Who enters and who leaves")
    flips_table(
        (baseline, Policy.default(), BASELINE_NAME),
        (scenario, state.scenario_policy(), state.scenario_name()),
        key="changes",
    )


# -- compare -------------------------------------------------------------------------------------


def scenario_choices() -> dict[str, Policy]:
    """The scenarios one can compare: the one being edited and every saved one, by a unique label."""
    out: dict[str, Policy] = {}
    try:
        out[CURRENT] = state.scenario_policy()
    except PolicyError:
        pass
    try:
        for s in store().list():
            try:
                out[s.name] = Policy.default().overlay(s.diff)
            except PolicyError:
                continue
    except StoreError as exc:
        _error(exc)
    return out


def compare() -> None:
    """The baseline and up to four scenarios side by side, and who flips between any two of them."""
    candidates = scenario_choices()
    chosen = st.multiselect(
        f"Scenarios to compare with the baseline (up to {MAX_COMPARED})",
        list(candidates),
        default=[CURRENT] if CURRENT in candidates else None,
        max_selections=MAX_COMPARED,
        key="wb:compare",
    )
    decisions = {BASELINE_NAME: state.baseline_decisions()}
    policies = {BASELINE_NAME: Policy.default()}
    for label in chosen:
        policies[label] = candidates[label]
        decisions[label] = state.scenario_decisions() if label == CURRENT else state.decisions_under(candidates[label])
    result = compare_scenarios(decisions, BASELINE_NAME)
    st.plotly_chart(charts.scenarios_by_category(result.by_category, BASELINE_NAME), key="wb:chart")
    totals = result.totals
    shown = [
        "scenario",
        "qualified",
        "qualified_change",
        "review",
        "not_qualified",
        "qualified_standard",
        "qualified_conditional",
        "qualified_brand",
        "revenue_covered",
        "revenue_covered_change",
        "enters",
        "leaves",
    ]
    components.table(
        totals,
        "scenario totals",
        key="wb_totals",
        columns=shown,
        column_config={
            "scenario": st.column_config.TextColumn("Scenario"),
            "qualified_change": st.column_config.NumberColumn("Qualified vs baseline", format=PRINTF_SIGNED_INT),
            "revenue_covered": components.money("Partner revenue covered"),
            "revenue_covered_change": st.column_config.NumberColumn(
                "Revenue covered vs baseline", format=PRINTF_SIGNED_PLN
            ),
            "enters": components.whole("Enter"),
            "leaves": components.whole("Leave"),
        },
    )
    components.table(result.qualified_by_category, "qualified per category per scenario", key="wb_by_category")

    st.subheader("Between any two: the companies entering and leaving")
    labels = list(decisions)
    left, right = st.columns(2)
    a = left.selectbox("From", labels, index=0, key="wb:flip_a")
    b = right.selectbox("To", labels, index=min(1, len(labels) - 1), key="wb:flip_b")
    if a == b:
        st.caption("Pick two different scenarios.")
        return
    flips_table((decisions[a], policies[a], a), (decisions[b], policies[b], b), key="wb_flips")


SHOWN_FLIPS = 30  # rows (with their sentence) a page shows; the download has every change


def flips_table(
    a: tuple[pd.DataFrame, Policy, str],
    b: tuple[pd.DataFrame, Policy, str],
    *,
    key: str,
    flipped: pd.DataFrame | None = None,
) -> None:
    """Who changes status between two scenarios (each given as decisions, policy and name), with the criterion
    that flipped and its figures (`core.comparison.flips`): the SHOWN_FLIPS with the largest revenue on the
    page, every one in the download (built when clicked), under the scenarios' own names. ``flipped`` is
    `flips(…, limit=SHOWN_FLIPS)` of the two when the caller has it already."""
    (decisions_a, policy_a, name_a), (decisions_b, policy_b, name_b) = a, b
    if flipped is None:
        flipped = flips(decisions_a, decisions_b, policy_a, policy_b, limit=SHOWN_FLIPS)
    if flipped.empty:
        st.info("No company changes status under this scenario.")
        return
    enters, leaves = (flipped["change"] == "enters").sum(), (flipped["change"] == "leaves").sum()
    shown = (
        f" The {count(SHOWN_FLIPS)} with the largest revenue are shown; the download has all."
        if len(flipped) > SHOWN_FLIPS
        else ""
    )
    st.caption(
        f"{count(enters)} enter, {count(leaves)} leave, {count(len(flipped) - enters - leaves)} other changes of "
        f"status.{shown}"
    )
    flipped = flipped.head(SHOWN_FLIPS)
    components.table(
        flipped,
        "flips",
        key=key,
        downloads=False,
        order="largest main-category revenue first",
        # What flipped comes right after the company: in the Edit tab's narrow column the rest scrolls.
        columns=[
            "change",
            "company_name",
            "why",
            "status_a",
            "status_b",
            "main_category_revenue",
            "main_category",
            "nip",
        ],
        column_config={
            "status_a": st.column_config.TextColumn("Status (from)"),
            "status_b": st.column_config.TextColumn("Status (to)"),
            "why": st.column_config.TextColumn("What flipped", width="large"),
        },
    )
    components.download_buttons(
        lambda: readable(flips(decisions_a, decisions_b, policy_a, policy_b), name_a, name_b),
        "who enters and leaves",
        key=key,
    )
