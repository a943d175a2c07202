"""The dashboard's session state: the active dataset, the as-of month and the scenario.

Everything a user uploads or sets lives in ``st.session_state`` only: it survives page switches,
is never written to disk and never logged, and another browser session never sees it. The shared
caches hold results only under a key derived from the data's content (``Dataset.fingerprint`` and
the as-of month); the Dataset itself is passed unhashed (underscore argument).

The scenario is kept as a plain policy dictionary (``Policy.to_dict()`` of the unscaled policy) plus a
scale percentage; ``scenario_policy()`` turns it into a validated `Policy`. Widgets bound to it keep
their own keys (``w:…``) and write back through callbacks, so their values survive page switches.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import time
import uuid
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from core.bounded import Budget, load_dataset_bounded, warm_up
from core.dataset import DataError, Dataset, Problem
from core.decide import Gates, decide, gates
from core.formatting import percent
from core.metrics import Metrics, compute_metrics
from core.parameters import THRESHOLD_KINDS
from core.policy import Policy, PolicyError
from core.scenario import BASELINE_NAME, DEFAULT_NAME, Scenario

log = logging.getLogger("dashboard.upload")

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample_data"
SAMPLE_FILES = ("accounts.csv", "revenue.csv")
TEMPLATE_FILES = ("template_accounts.csv", "template_revenue.csv")
SAMPLE_NAME = "Sample data (synthetic, committed in sample_data/)"

DATASET = "dataset"
AS_OF = "as_of"
SCENARIO = "scenario"
SCALE = "scale_pct"
UPLOAD_ERROR = "upload_error"
WIDGET_PREFIX = "w:"
TABLE_VERSION = "thresholds_table_version"
TABLE_BASE = "thresholds_table_base"
NOTES = "scenario_notes"
META = "scenario_meta"
CURRENT_LABEL = "(the scenario being edited)"  # how pickers name it beside the saved scenarios


# -- caches: keyed by content, never by session --------------------------------------------------


@st.cache_resource(show_spinner="Loading the sample data…")
def sample_dataset() -> Dataset:
    """The committed sample, read through the same loader as an upload (shared: it is public data)."""
    from core.loading import load_dataset

    accounts, revenue = (SAMPLE_DIR / f for f in SAMPLE_FILES)
    dataset = load_dataset(accounts, revenue, accounts_name=SAMPLE_FILES[0], revenue_name=SAMPLE_FILES[1])
    return dataclasses.replace(dataset, name=SAMPLE_NAME)


@st.cache_data(max_entries=16, ttl="1h", show_spinner="Computing company figures…")
def metrics_for(fingerprint: str, as_of: str | None, _dataset: Dataset) -> Metrics:
    """`compute_metrics` once per dataset content and month; every slider move reuses it."""
    return compute_metrics(_dataset, as_of)


@st.cache_data(max_entries=16, ttl="1h", show_spinner=False)
def baseline_decisions_for(fingerprint: str, as_of: str | None, _dataset: Dataset) -> pd.DataFrame:
    """The decision under the published policy, once per dataset content and month."""
    return decide(metrics_for(fingerprint, as_of, _dataset), Policy.default())


@st.cache_data(max_entries=32, ttl="1h", show_spinner=False)
def gates_under_for(fingerprint: str, as_of: str | None, gates_json: str, _dataset: Dataset) -> Gates:
    """The threshold-free part of a decision (`core.decide.gates`), once per policy apart from its thresholds:
    a curve or a target search on any threshold reuses it."""
    return gates(metrics_for(fingerprint, as_of, _dataset), Policy.model_validate_json(gates_json))


@st.cache_data(max_entries=32, ttl="1h", show_spinner=False)
def decisions_under_for(fingerprint: str, as_of: str | None, policy_json: str, _dataset: Dataset) -> pd.DataFrame:
    """The decision under a saved scenario's policy (by its JSON), so the Compare tab does not rerun
    `decide` for every saved scenario on every move of a control. A threshold move reuses the policy's
    threshold-free part from its own cache."""
    policy = Policy.model_validate_json(policy_json)
    threshold_free = gates_under_for(fingerprint, as_of, _gates_key(policy), _dataset)
    return decide(metrics_for(fingerprint, as_of, _dataset), policy, threshold_free)


# -- the dataset and the month -------------------------------------------------------------------


def _state() -> Any:
    return st.session_state


def init() -> None:
    """Fill in what a new session starts with: the sample, its latest month, the published policy."""
    ss = _state()
    if DATASET not in ss:
        warm_up()  # an upload reader ready in the background (core.bounded)
        activate(sample_dataset())
    if SCENARIO not in ss:
        ss[SCENARIO] = Policy.default().to_dict()
    ss.setdefault(SCALE, 100)
    ss.setdefault(TABLE_VERSION, 0)
    ss.setdefault(META, {"name": "", "description": "", "saved_id": None, "saved_updated_at": None, "edited": False})
    if not ss.get("link_read"):  # a session's first run opens the scenario its link carries, before any page
        from ui.workbench import read_link  # here, not at the top: ui.workbench imports this module

        read_link()


def dataset() -> Dataset:
    init()
    return _state()[DATASET]


def is_sample() -> bool:
    return dataset().name == SAMPLE_NAME


def as_of() -> str | None:
    init()
    return _state()[AS_OF]


def set_as_of(month: str) -> None:
    _state()[AS_OF] = str(month)


def months() -> list[str]:
    """The months of the active revenue table, latest first (the choices for the as-of month)."""
    return [str(m) for m in reversed(dataset().months)]


def activate(new: Dataset) -> None:
    """Make ``new`` the active dataset, at its latest month."""
    ss = _state()
    ss[DATASET] = new
    latest = new.latest_month
    ss[AS_OF] = str(latest) if latest is not None else str(pd.Timestamp.today().to_period("M"))
    ss.pop(UPLOAD_ERROR, None)


def use_sample() -> None:
    activate(sample_dataset())


def try_activate_upload(accounts_file, revenue_file=None) -> DataError | None:
    """Load an upload; on success make it the active dataset and return None. On failure return the
    `DataError` (also kept for the Data page) and leave the active dataset as it was.

    ``revenue_file`` may be None when ``accounts_file`` is an Excel workbook with both sheets. The upload
    is read in a child process with a memory and a time budget (`core.bounded`), so no file can take the
    server down; while it reads, the page shows the elapsed time, and a rerun, a reload or a closed tab
    (Streamlit stops the script at its next call) kills the child."""
    accounts_name = getattr(accounts_file, "name", None)
    revenue_name = getattr(revenue_file, "name", None)
    budget = Budget.from_env()
    progress = st.empty()
    start, shown = time.monotonic(), {"second": -1}

    def on_wait(stage: str, _elapsed: float) -> None:
        # Touching session state is a Streamlit yield point: a pending stop or rerun raises here.
        _ = UPLOAD_ERROR in _state()
        second = int(time.monotonic() - start)
        if second != shown["second"]:
            shown["second"] = second
            if stage == "queued":
                progress.caption(f"Waiting for other uploads to finish… {second} s")
            else:
                progress.caption(f"Reading the upload… {second} s (stopped after {budget.seconds:.0f} s)")

    try:
        new = load_dataset_bounded(
            _upload_bytes(accounts_file),
            _upload_bytes(revenue_file) if revenue_file is not None else None,
            accounts_name=accounts_name,
            revenue_name=revenue_name,
            budget=budget,
            on_wait=on_wait,
        )
    except DataError as error:
        _state()[UPLOAD_ERROR] = error
        return error
    except Exception:  # noqa: BLE001 - a bad file must never take the app down
        # Not knowing which file failed, name both rather than blame one; the detail goes to the log only.
        error_id = uuid.uuid4().hex[:8]
        log.exception("upload could not be read, error ID %s", error_id)
        names = " + ".join(n for n in (accounts_name, revenue_name) if n) or "upload"
        unreadable = DataError(
            [Problem(names, None, None, None, f"the upload could not be read (error ID {error_id}, in the server log)")]
        )
        _state()[UPLOAD_ERROR] = unreadable
        return unreadable
    finally:
        progress.empty()
    names = " + ".join(n for n in (accounts_name, revenue_name) if n) or "uploaded data"
    activate(dataclasses.replace(new, name=f"Upload: {names}"))
    return None


def _upload_bytes(file: Any) -> bytes | bytearray | memoryview:
    """The bytes of an uploaded file, uncopied where possible (Streamlit keeps uploads in memory as a
    BytesIO; they go to the child through a pipe, never to disk)."""
    if isinstance(file, (bytes, bytearray, memoryview)):
        return file
    if hasattr(file, "getbuffer"):
        return file.getbuffer()
    file.seek(0)
    return file.read()


def upload_error() -> DataError | None:
    return _state().get(UPLOAD_ERROR)


def metrics() -> Metrics:
    ds = dataset()
    return metrics_for(ds.fingerprint, as_of(), ds)


def baseline_decisions() -> pd.DataFrame:
    ds = dataset()
    return baseline_decisions_for(ds.fingerprint, as_of(), ds)


# -- the scenario --------------------------------------------------------------------------------


def scenario_spec() -> dict:
    init()
    return _state()[SCENARIO]


def scale_pct() -> int:
    init()
    return int(_state()[SCALE])


def scenario_policy() -> Policy:
    """The scenario as a validated Policy: the edited policy with every threshold scaled.
    Raises `PolicyError` if scaling pushes a threshold out of its bounds."""
    policy = Policy.from_dict(scenario_spec())
    return policy if scale_pct() == 100 else policy.scaled(scale_pct() / 100)


def is_baseline() -> bool:
    return scale_pct() == 100 and scenario_spec() == _published_spec()


def _published_spec() -> dict:
    return Policy.default().to_dict()


def meta() -> dict:
    """The scenario's name and description as the user gave them, and the saved scenario it came from
    (``saved_id``, ``saved_updated_at``: the version token the library checks), if any."""
    init()
    return _state()[META]


def scenario_name() -> str:
    if meta()["name"]:
        return meta()["name"]
    if is_baseline():
        return BASELINE_NAME
    return DEFAULT_NAME + (f", thresholds × {percent(scale_pct(), None)}" if scale_pct() != 100 else "")


def set_meta(name: str | None = None, description: str | None = None) -> None:
    m = dict(meta())
    if name is not None:
        m["name"] = name.strip()
    if description is not None:
        m["description"] = description
    m["edited"] = True
    _state()[META] = m


def current_scenario() -> Scenario:
    """The scenario being edited as a `Scenario` (name, description, the scaled policy). Raises
    `PolicyError` if the name or the scaled policy is invalid."""
    return Scenario.create(scenario_name(), scenario_policy(), meta()["description"])


def scenario_decisions() -> pd.DataFrame:
    """The decision under the current scenario: only `decide` runs (once per policy), the metrics come
    from the cache."""
    if is_baseline():
        return baseline_decisions()
    return decisions_under(scenario_policy())  # cached: the Edit and Compare tabs share one run of decide


def decisions_under(policy: Policy) -> pd.DataFrame:
    """The decision under any policy, cached per dataset content, month and policy."""
    ds = dataset()
    return decisions_under_for(ds.fingerprint, as_of(), policy.model_dump_json(), ds)


def gates_under(policy: Policy) -> Gates:
    """`gates` for ``policy``, cached under the policy with the published thresholds (they play no part)."""
    ds = dataset()
    return gates_under_for(ds.fingerprint, as_of(), _gates_key(policy), ds)


def _gates_key(policy: Policy) -> str:
    """The policy with the published thresholds, as JSON: what `gates` depends on, and nothing else."""
    return Policy.from_dict(
        {**policy.to_dict(), "categories": Policy.default().to_dict()["categories"]}
    ).model_dump_json()


def status_total(policy: Policy, status: str = "qualified") -> int:
    """How many companies have ``status`` under ``policy``."""
    return int((decisions_under(policy)["status"] == status).sum())


def decisions_for(which: str) -> tuple[pd.DataFrame, Policy]:
    """(decisions, policy) under ``"scenario"`` or ``"baseline"``."""
    if which == "baseline":
        return baseline_decisions(), Policy.default()
    return scenario_decisions(), scenario_policy()


def spec_get(path: tuple[str, ...]) -> Any:
    node: Any = scenario_spec()
    for part in path:
        node = node[part]
    return node


def set_spec(spec: dict, *, from_table: bool = False) -> None:
    """Make ``spec`` the scenario. The thresholds table is re-created from the new spec unless the
    change came from the table itself: re-creating it on its own edits is what lost a value typed in
    the next cell before the rerun (issue 8)."""
    _state()[SCENARIO] = spec
    if not from_table:
        refresh_table()
    scenario_changed()


def scenario_changed() -> None:
    """Hook for every change of the scenario's policy: it no longer matches the saved version as is."""
    m = dict(meta())
    m["edited"] = True
    _state()[META] = m


def load_scenario(scenario: Scenario, saved: Any = None) -> None:
    """Make ``scenario`` the one being edited (from a link, the library or a file): its policy at scale
    100 %, its name and description, and every control re-created from it. ``saved`` is the library's
    `SavedScenario` it came from, if any."""
    ss = _state()
    ss[SCENARIO] = Policy.default().overlay(scenario.diff()).to_dict()
    ss[SCALE] = 100
    ss[META] = {
        "name": "" if scenario.name == BASELINE_NAME else scenario.name,
        "description": scenario.description,
        "saved_id": getattr(saved, "id", None),
        "saved_updated_at": getattr(saved, "updated_at", None),
        "edited": False,
    }
    _drop_widgets()


def mark_saved(saved: Any) -> None:
    """The scenario as edited is now the library's ``saved`` (its name, id and version token)."""
    m = dict(meta())
    m.update(name=saved.name, saved_id=saved.id, saved_updated_at=saved.updated_at, edited=False)
    _state()[META] = m


def _drop_widgets() -> None:
    ss = _state()
    for key in [k for k in ss if isinstance(k, str) and k.startswith(WIDGET_PREFIX)]:
        del ss[key]
    refresh_table()


def apply_policy(policy: Policy, text: str) -> None:
    """Make ``policy`` (a full, already scaled policy, e.g. a target search's answer) the scenario at scale
    100 %, re-create every control from it and leave ``text`` as a note. The name and description stay."""
    ss = _state()
    ss[SCENARIO] = policy.to_dict()
    ss[SCALE] = 100
    _drop_widgets()
    scenario_changed()
    note("info", text)


def reset_scenario() -> None:
    """Back to the published policy: the spec, the scale, the name and every bound widget."""
    load_scenario(Scenario.baseline())


# -- edits: one rule (conditional ≤ company) in one place: the policy's --------------------------


def note(kind: str, text: str) -> None:
    """A message for the next run of the page ("info" or "error"): what an edit did or why it was refused."""
    _state().setdefault(NOTES, []).append((kind, text))


def take_notes() -> list[tuple[str, str]]:
    return _state().pop(NOTES, [])


def edit_thresholds(edits: dict[str, dict[str, Any]], *, from_table: bool = False) -> bool:
    """Apply threshold edits (``{category: {kind: value}}``) to the scenario through the policy's own
    rule (`Policy.with_thresholds`): a value is kept exactly or refused with a note naming it; a
    conditional threshold above the company one is lowered to it, with a note saying so. Returns True
    if the edits were applied."""
    try:
        policy, notes = Policy.from_dict(scenario_spec()).with_thresholds(edits)
    except PolicyError as exc:
        for problem in exc.problems:
            note("error", f"Not applied — {problem}")
        if from_table:
            refresh_table()  # the table shows the scenario again, not the refused value
        _drop_threshold_widgets(edits)
        return False
    for text in notes:
        note("info", text)
    set_spec(policy.to_dict(), from_table=from_table and not notes)
    _drop_threshold_widgets(edits)
    return True


def _drop_threshold_widgets(edits: dict[str, Any]) -> None:
    """The sliders and number inputs of these categories re-read their values from the spec."""
    for category in edits:
        for kind in THRESHOLD_KINDS:
            _state().pop(widget_key(("categories", category, kind)), None)
            _state().pop(exact_key(("categories", category, kind)), None)


def edit_value(key: str, value: Any) -> bool:
    """Apply an edit of any other parameter (dotted key) through `Policy.with_value`."""
    try:
        policy, notes = Policy.from_dict(scenario_spec()).with_value(key, value)
    except PolicyError as exc:
        for problem in exc.problems:
            note("error", f"Not applied — {problem}")
        _state().pop(widget_key(tuple(key.split("."))), None)
        return False
    for text in notes:
        note("info", text)
    set_spec(policy.to_dict())
    return True


def table_base() -> dict[str, dict[str, float]]:
    """The thresholds the table was created with. Its edits (``edited_rows``) are relative to these,
    so the table keeps its key and its data until something other than the table changes the spec."""
    ss = _state()
    if TABLE_BASE not in ss:
        ss[TABLE_BASE] = copy.deepcopy(scenario_spec()["categories"])
    return ss[TABLE_BASE]


def table_key() -> str:
    return f"thresholds_table_{_state().get(TABLE_VERSION, 0)}"


def refresh_table() -> None:
    """Re-create the thresholds table from the spec on the next run (a new key drops its edits)."""
    ss = _state()
    ss[TABLE_VERSION] = ss.get(TABLE_VERSION, 0) + 1
    ss.pop(TABLE_BASE, None)


def table_edits(base: dict, edited_rows: dict, current: dict) -> dict[str, dict[str, Any]]:
    """The thresholds table's edits (``{row: {column: value}}`` relative to ``base``, as `st.data_editor`
    reports them) that differ from the ``current`` scenario, as ``{category: {kind: value}}``, values as
    typed (a blank cell is None: ignored by the rule)."""
    names = list(base)
    out: dict[str, dict[str, Any]] = {}
    for row, changes in edited_rows.items():
        category = names[int(row)]
        changed = {
            k: v for k, v in changes.items() if k in THRESHOLD_KINDS and (v is None or v != current[category][k])
        }
        if changed:
            out[category] = changed
    return out


def widget_key(path: tuple[str, ...]) -> str:
    return WIDGET_PREFIX + "/".join(path)


def exact_key(path: tuple[str, ...]) -> str:
    """The key of the number input beside a slider (the exact value)."""
    return widget_key(path) + "#exact"


# -- other months: the month before and the history (issue 11 §7) ---------------------------------

# Up to this many companies, every month's figures are computed when the Overview opens and each month's
# `Metrics` is kept; above it the history is computed only when asked for, and only its counts are kept.
# Measured on the shared 2-core dev machine (busy): the sample (2,400 companies, 24 months) takes 1.5 s for
# every month's metrics and 0.5 s to decide them all, about 1 MB kept per month; 20,000 companies take 0.6 s
# and 8.8 MB a month (30 months would be 18 s and 260 MB); 150,000 companies 1–2 s a month (issue 11).
HISTORY_EAGER_COMPANIES = 5_000


def decisions_at(month: str, policy: Policy) -> pd.DataFrame:
    """The decision at another as-of month under ``policy``: the metrics cached by (fingerprint, month)."""
    ds = dataset()
    return decisions_under_for(ds.fingerprint, str(month), policy.model_dump_json(), ds)


@st.cache_data(max_entries=48, ttl="1h", show_spinner=False)
def history_metrics_for(fingerprint: str, month: str, _dataset: Dataset) -> Metrics:
    """A month's figures for the history chart, for data small enough to keep every month (its own cache,
    so the history does not push the current month out of `metrics_for`'s)."""
    return compute_metrics(_dataset, month)


@st.cache_data(max_entries=4096, ttl="1h", show_spinner=False)
def month_counts_for(fingerprint: str, month: str, policy_json: str, keep_metrics: bool, _dataset: Dataset) -> dict:
    """Qualified / review / not qualified at ``month`` under a policy (by its JSON)."""
    from core.explain import status_counts

    metrics = history_metrics_for(fingerprint, month, _dataset) if keep_metrics else compute_metrics(_dataset, month)
    return status_counts(decide(metrics, Policy.model_validate_json(policy_json)))


def history_is_eager() -> bool:
    return int(dataset().accounts["nip"].nunique()) <= HISTORY_EAGER_COMPANIES


def qualifier_history(policy: Policy, on_month=None) -> pd.DataFrame:
    """Counts per status at every month of the data under ``policy`` (oldest first), and whether both
    windows of that month are complete. ``on_month(i, n)`` is called before each month (for progress)."""
    from core.asof import complete_months

    ds = dataset()
    months = ds.months
    complete = set(complete_months(months))
    eager = history_is_eager()
    rows = []
    for i, m in enumerate(months):
        if on_month is not None:
            on_month(i, len(months))
        counts = month_counts_for(ds.fingerprint, str(m), policy.model_dump_json(), eager, ds)
        rows.append({"month": str(m), **counts, "complete": m in complete})
    return pd.DataFrame(rows, columns=["month", "qualified", "review", "not_qualified", "complete"])
