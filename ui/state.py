"""The dashboard's session state: the active dataset, the as-of month and the scenario.

Everything a user uploads or sets lives in this server's memory only: it survives page switches,
is never written to disk and never logged, and another browser session never sees it. An upload is
kept in its compact form (`core.compact`) in a `ui.datastore.SharedData`, found by its fingerprint (a
hash of the uploaded bytes): a session holds it (a session-scoped resource, dropped when the session
disconnects), sessions that upload the same files share one copy with its computed figures and decisions, and it
is freed when no session holds it. Session state keeps only the fingerprint, the name and the month.

The scenario is kept as a plain policy dictionary (``Policy.to_dict()`` of the unscaled policy) plus a
scale percentage; ``scenario_policy()`` turns it into a validated `Policy`. Widgets bound to it keep
their own keys (``w:…``) and write back through callbacks, so their values survive page switches.
"""

from __future__ import annotations

import copy
import dataclasses
import gc
import logging
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from core.bounded import Budget, load_dataset_bounded, warm_up
from core.compact import CompactDataset
from core.dataset import DataError, Dataset, Problem
from core.decide import Gates, decide
from core.formatting import percent
from core.metrics import Metrics, compute_metrics
from core.parameters import THRESHOLD_KINDS
from core.policy import Policy, PolicyError
from core.scenario import BASELINE_NAME, DEFAULT_NAME, Scenario
from ui import datastore
from ui.datastore import SharedData

log = logging.getLogger("dashboard.upload")

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample_data"
SAMPLE_FILES = ("accounts.csv", "revenue.csv")
TEMPLATE_FILES = ("template_accounts.csv", "template_revenue.csv")
SAMPLE_NAME = "Sample data (synthetic, committed in sample_data/)"

DATASET = "dataset"  # the fingerprint of the active data; the data itself is held per session (see _held)
DATASET_NAME = "dataset_name"
UPLOAD_NOTE = "upload_note"
UPLOAD_DONE = "uploads_done"
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


# -- the data a session holds: one copy per content, shared, released with the last session ---------


@st.cache_resource(show_spinner="Loading the sample data…")
def sample_data() -> SharedData:
    """The committed sample, read through the same loader as an upload (held for good: it is public data)."""
    from core.loading import load_dataset

    accounts, revenue = (SAMPLE_DIR / f for f in SAMPLE_FILES)
    dataset = load_dataset(accounts, revenue, accounts_name=SAMPLE_FILES[0], revenue_name=SAMPLE_FILES[1])
    return datastore.share(CompactDataset.from_dataset(dataclasses.replace(dataset, name=SAMPLE_NAME)))


def sample_dataset() -> CompactDataset:
    return sample_data().data


class _Held:
    """What one session holds: the shared data it uses. Holding it is what keeps it in memory."""

    def __init__(self) -> None:
        self.shared: SharedData | None = None
        self.view: CompactDataset | None = None  # the data under this session's name for it


def _release(held: _Held) -> None:
    datastore.linger(held.shared)  # a reconnect within the grace period finds it again
    held.shared = held.view = None


# Session-scoped: Streamlit drops it (and calls _release) when the session disconnects, at once. Session state
# itself would keep the data as long as Streamlit keeps a disconnected session for a reconnect, and longer.
@st.cache_resource(scope="session", show_spinner=False, on_release=_release)
def _held() -> _Held:
    return _Held()


# -- the dataset and the month -------------------------------------------------------------------


def _state() -> Any:
    return st.session_state


_startup_frozen = threading.Event()


def _freeze_startup_objects() -> None:
    """Streamlit collects garbage after every run of a page (``runner.postScriptGC``), and a full collection walks
    every object of every imported module: 70-130 ms a run here, in a 300 ms budget for a slider move. Objects
    made before the first session starts (the modules: they live as long as the process) are frozen once, out of
    the collector's way (`gc.freeze`); everything made later, sessions' data included, is collected as before."""
    if not _startup_frozen.is_set():
        _startup_frozen.set()
        gc.freeze()


def init() -> None:
    """Fill in what a new session starts with: the sample, its latest month, the published policy."""
    ss = _state()
    if DATASET not in ss:
        _freeze_startup_objects()
        warm_up()  # an upload reader ready in the background (core.bounded)
        activate(sample_data())
    if SCENARIO not in ss:
        ss[SCENARIO] = Policy.default().to_dict()
    ss.setdefault(SCALE, 100)
    ss.setdefault(TABLE_VERSION, 0)
    ss.setdefault(META, {"name": "", "description": "", "saved_id": None, "saved_updated_at": None, "edited": False})
    if not ss.get("link_read"):  # a session's first run opens the scenario its link carries, before any page
        from ui.workbench import read_link  # here, not at the top: ui.workbench imports this module

        read_link()


def _shared() -> SharedData:
    """The data this session uses. Session state keeps only its fingerprint and name; if the data was
    released while the session was away (disconnected longer than `datastore.LINGER_SECONDS`), the session
    is back on the sample, with a note saying so."""
    init()
    ss, held = _state(), _held()
    fingerprint = ss[DATASET]
    if held.shared is None or held.shared.fingerprint != fingerprint:
        found = datastore.find(fingerprint)
        if found is None:
            st.toast(
                "This page was disconnected long enough for its uploaded data to be released: it is back on "
                "the sample data. Upload the files again to go on with them."
            )
            activate(sample_data())
            return sample_data()
        held.shared, held.view = found, None
    return held.shared


def dataset() -> CompactDataset:
    """The active data (`core.compact.CompactDataset`: the accounts, and the revenue rows as arrays)."""
    shared = _shared()
    held, name = _held(), _state()[DATASET_NAME]
    if held.view is None or held.view.name != name or held.view.fingerprint != shared.fingerprint:
        held.view = shared.data.with_name(name)
    return held.view


def take_upload_note() -> str | None:
    """What the last upload did (once, for the Data page after its rerun), else None."""
    return _state().pop(UPLOAD_NOTE, None)


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


def activate(new: Dataset | CompactDataset | SharedData, name: str | None = None) -> None:
    """Make ``new`` the active data (under ``name``, default its own), at its latest month. The same content
    already in memory (another session's upload of it) is shared, not kept twice."""
    if isinstance(new, SharedData):
        shared = new
    else:
        shared = datastore.share(new if isinstance(new, CompactDataset) else CompactDataset.from_dataset(new))
    ss, held = _state(), _held()
    held.shared, held.view = shared, None
    ss[DATASET] = shared.fingerprint
    ss[DATASET_NAME] = name or shared.data.name
    latest = shared.data.latest_month
    ss[AS_OF] = str(latest) if latest is not None else str(pd.Timestamp.today().to_period("M"))
    ss.pop(UPLOAD_ERROR, None)


def use_sample() -> None:
    activate(sample_data())


# The steps of an upload as the progress box names them; the reader's child reports "reading" and "preparing".
UPLOAD_STEPS = {
    "queued": "Waiting for other uploads to finish",
    "starting": "Starting the file reader",
    "reading": "Reading and checking the files",
    "preparing": "Preparing the data for the dashboard",
    "figures": "Computing the company figures",
    "deciding": "Deciding under the published policy",
}


class _UploadProgress:
    """The upload's progress box: which step of how many, and the seconds it has taken so far."""

    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self.start = time.monotonic()
        self.box = st.status("Reading the upload…", expanded=True)
        with self.box:
            self.bar = st.progress(0.0)
        self.step = ""
        self.shown: tuple[str, int] = ("", -1)
        self.began: dict[str, float] = {}  # when each step began (for the log: where an upload's time goes)

    def show(self, step: str) -> None:
        # Only a new step or a new second is drawn: this runs every 0.25 s while the file is read.
        now = time.monotonic()
        self.began.setdefault(step, now)
        second = int(now - self.start)
        if (step, second) == self.shown:
            return
        self.step, self.shown = step, (step, second)
        steps = [s for s in UPLOAD_STEPS if s != "queued"]
        number = steps.index(step) + 1 if step in steps else 0
        text = UPLOAD_STEPS.get(step, step)
        limit = f" (an upload is stopped after {self.budget.seconds:.0f} s)" if step in ("reading", "preparing") else ""
        where = f"Step {number} of {len(steps)}: " if number else ""
        self.bar.progress(max(number - 1, 0) / len(steps), text=f"{where}{text}… {second} s{limit}")

    def durations(self) -> str:
        """Each step's seconds, in order: "reading 3.1 s, preparing 1.2 s, …"."""
        marks = sorted(self.began.items(), key=lambda kv: kv[1]) + [("", time.monotonic())]
        return ", ".join(f"{a} {t1 - t0:.2f} s" for (a, t0), (_, t1) in zip(marks, marks[1:], strict=False))

    def done(self, label: str) -> None:
        self.bar.progress(1.0, text=label)
        self.box.update(label=label, state="complete", expanded=False)

    def failed(self) -> None:
        self.box.update(label="Refused: the reasons are listed below", state="error", expanded=False)


def try_activate_upload(accounts_file, revenue_file=None) -> DataError | None:
    """Load an upload; on success make it the active dataset and return None. On failure return the
    `DataError` (also kept for the Data page) and leave the active dataset as it was.

    ``revenue_file`` may be None when ``accounts_file`` is an Excel workbook with both sheets. The upload
    is read in a child process with a memory and a time budget (`core.bounded`), so no file can take the
    server down; it comes back in the compact form a session keeps (`core.compact`), and the first company
    figures and decision are computed before the page moves on. A progress box names each step with the
    seconds elapsed, and a rerun, a reload or a closed tab (Streamlit stops the script at its next call)
    kills the child. Once read, the files' bytes are dropped from Streamlit's upload store (``UPLOAD_DONE``
    tells the Data page to show empty uploaders)."""
    accounts_name = getattr(accounts_file, "name", None)
    revenue_name = getattr(revenue_file, "name", None)
    budget = Budget.from_env()
    progress = _UploadProgress(budget)

    def on_wait(stage: str, _elapsed: float) -> None:
        # Touching session state is a Streamlit yield point: a pending stop or rerun raises here.
        _ = UPLOAD_ERROR in _state()
        progress.show(progress.step if stage == "reading" and progress.step == "preparing" else stage)

    try:
        new = load_dataset_bounded(
            _upload_bytes(accounts_file),
            _upload_bytes(revenue_file) if revenue_file is not None else None,
            accounts_name=accounts_name,
            revenue_name=revenue_name,
            budget=budget,
            on_wait=on_wait,
            on_progress=progress.show,
            loader="core.compact:load_compact",
        )
    except DataError as error:
        progress.failed()
        _state()[UPLOAD_ERROR] = error
        return error
    except Exception:  # noqa: BLE001 - a bad file must never take the app down
        # Not knowing which file failed, name both rather than blame one; the detail goes to the log only.
        progress.failed()
        error_id = uuid.uuid4().hex[:8]
        log.exception("upload could not be read, error ID %s", error_id)
        names = " + ".join(n for n in (accounts_name, revenue_name) if n) or "upload"
        unreadable = DataError(
            [Problem(names, None, None, None, f"the upload could not be read (error ID {error_id}, in the server log)")]
        )
        _state()[UPLOAD_ERROR] = unreadable
        return unreadable
    _forget_files(accounts_file, revenue_file)
    shared = datastore.share(new)  # the same content already in memory: that copy, and `new` is dropped
    del new
    latest = shared.data.latest_month
    if latest is not None:  # the first figures now, inside the progress box, so the Overview opens at once
        progress.show("figures")
        shared.metrics(str(latest))
        progress.show("deciding")
        shared.decisions(str(latest), Policy.default().model_dump_json())
    names = " + ".join(n for n in (accounts_name, revenue_name) if n) or "uploaded data"
    activate(shared, name=f"Upload: {names}")
    datastore.give_back_memory()  # the reader's reply (the pickled data) and the unpickling's scratch
    seconds = time.monotonic() - progress.start
    log.info("upload used in %.2f s: %s", seconds, progress.durations())  # steps and times only, never data
    _state()[UPLOAD_DONE] = _state().get(UPLOAD_DONE, 0) + 1
    _state()[UPLOAD_NOTE] = f"The upload is in use: read, checked and its company figures computed in {seconds:.1f} s."
    progress.done(f"Loaded in {seconds:.1f} s")
    return None


def upload_count() -> int:
    """How many uploads this session has made active (the Data page keys its uploaders by it, so they are
    empty again after one: their files have been read and dropped)."""
    return int(_state().get(UPLOAD_DONE, 0))


def _forget_files(*files: Any) -> None:
    """Drop the uploaded files' bytes from Streamlit's upload store once read. Streamlit keeps them until
    the session shuts down, and a session it drops after a disconnect is never shut down: the bytes (seller
    data, 300 MB for the revenue CSV) would stay in the server's memory for good."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None:
        return
    remove = getattr(ctx.uploaded_file_mgr, "remove_file", None)  # the in-memory store's (Streamlit's default)
    for file in files:
        file_id = getattr(file, "file_id", None)
        if file_id and remove is not None:
            try:
                remove(ctx.session_id, file_id)
            except Exception:  # noqa: BLE001 - only memory is at stake: never fail an upload over it
                log.warning("could not drop an uploaded file from the upload store", exc_info=True)


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
    """The company figures of the active data as of the chosen month: computed once per content and month,
    shared by every session with the same data (a spinner says so while they are computed)."""
    shared, month = _shared(), str(as_of())
    if shared.has_metrics(month):
        return shared.metrics(month)
    with st.spinner(f"Computing the company figures as of {month}…"):
        return shared.metrics(month)


def baseline_decisions() -> pd.DataFrame:
    """The decision under the published policy (computed once per content and month)."""
    return decisions_under(Policy.default())


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
    """The decision under any policy, cached with the data per month and policy (the Edit and Compare tabs
    share one run of `decide`)."""
    metrics()  # with its spinner if the month's figures are not there yet
    return _shared().decisions(str(as_of()), policy.model_dump_json())


def derived(name: Any, policy: Policy, build: Callable[[], Any]) -> Any:
    """``build()`` (a chart of the decision under ``policy``, say) made once per data, month, policy and ``name``
    (which names the result and its options) and shared: revisiting a page rebuilds nothing. The result must not
    be changed afterwards."""
    return _shared().derived((name, str(as_of()), policy.model_dump_json()), build)


def gates_under(policy: Policy) -> Gates:
    """`core.decide.gates` for ``policy`` (the part of a decision no threshold moves), kept with the data for
    the last policy apart from its thresholds: a curve, a target search or a threshold move reuses it."""
    metrics()  # with its spinner if the month's figures are not there yet
    return _shared().gates(str(as_of()), policy)


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
    """The decision at another as-of month under ``policy``, kept with the data like the current month's; that
    month's company figures are not kept for it (a session holding the data so keeps one month's figures)."""
    return _shared().decisions(str(month), policy.model_dump_json(), keep_figures=False)


def _month_counts(month: str, policy: Policy, keep_metrics: bool) -> dict:
    """Qualified / review / not qualified at ``month`` under ``policy``, kept with the data (counts only; the
    month's figures too where the data is small enough to keep every month's, see HISTORY_EAGER_COMPANIES)."""
    from core.explain import status_counts

    shared = _shared()

    def month_metrics() -> Metrics:
        return compute_metrics(shared.data, month)

    def counts() -> dict:
        figures = shared.derived(("history metrics", month), month_metrics) if keep_metrics else month_metrics()
        return status_counts(decide(figures, policy))

    return shared.derived(("history counts", month, policy.model_dump_json()), counts)


def history_is_eager() -> bool:
    return dataset().company_count <= HISTORY_EAGER_COMPANIES


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
        counts = _month_counts(str(m), policy, eager)
        rows.append({"month": str(m), **counts, "complete": m in complete})
    return pd.DataFrame(rows, columns=["month", "qualified", "review", "not_qualified", "complete"])
