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
from pathlib import Path
import uuid
from typing import Any

import pandas as pd
import streamlit as st

from core.bounded import Budget, load_dataset_bounded, warm_up
from core.dataset import DataError, Dataset, Problem
from core.decide import decide
from core.metrics import Metrics, compute_metrics
from core.policy import Policy

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
            _upload_bytes(accounts_file), _upload_bytes(revenue_file) if revenue_file is not None else None,
            accounts_name=accounts_name, revenue_name=revenue_name, budget=budget, on_wait=on_wait,
        )
    except DataError as error:
        _state()[UPLOAD_ERROR] = error
        return error
    except Exception:  # noqa: BLE001 - a bad file must never take the app down
        # Not knowing which file failed, name both rather than blame one; the detail goes to the log only.
        error_id = uuid.uuid4().hex[:8]
        log.exception("upload could not be read, error ID %s", error_id)
        names = " + ".join(n for n in (accounts_name, revenue_name) if n) or "upload"
        error = DataError([Problem(names, None, None, None,
                                   f"the upload could not be read (error ID {error_id}, in the server log)")])
        _state()[UPLOAD_ERROR] = error
        return error
    finally:
        progress.empty()
    names = " + ".join(n for n in (accounts_name, revenue_name) if n) or "uploaded data"
    activate(dataclasses.replace(new, name=f"Upload: {names}"))
    return None


def _upload_bytes(file: Any) -> bytes | memoryview:
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
    Raises `PolicyError` if the edits are inconsistent (the controls prevent that)."""
    factor = scale_pct() / 100
    policy = Policy.from_dict(scenario_spec())
    if is_baseline():
        return policy
    return policy.scaled(factor, name=scenario_name())


def is_baseline() -> bool:
    return scale_pct() == 100 and scenario_spec() == Policy.default().to_dict()


def scenario_name() -> str:
    if is_baseline():
        return "Published policy (baseline)"
    return "Custom scenario" + (f", thresholds × {scale_pct()} %" if scale_pct() != 100 else "")


def scenario_decisions() -> pd.DataFrame:
    """The decision under the current scenario: only `decide` runs, the metrics come from the cache."""
    if is_baseline():
        return baseline_decisions()
    return decide(metrics(), scenario_policy())


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


def spec_set(path: tuple[str, ...], value: Any) -> None:
    spec = copy.deepcopy(scenario_spec())
    node = spec
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    _state()[SCENARIO] = spec
    _state()[TABLE_VERSION] = _state().get(TABLE_VERSION, 0) + 1  # the thresholds table re-reads the spec


def threshold_edits(categories: dict, edited_rows: dict) -> dict[str, dict[str, int]]:
    """The thresholds table's edits (``{row: {column: value}}`` as `st.data_editor` reports them) as new
    thresholds per category, in whole PLN: blanks ignored, negatives raised to 0, and the conditional
    threshold lowered to the company threshold where it would be above it (a valid policy always)."""
    names = list(categories)
    out = {}
    for row, changes in edited_rows.items():
        category = names[int(row)]
        old = {k: int(round(float(v))) for k, v in categories[category].items()}
        new = {k: max(0, int(round(float(v)))) for k, v in changes.items() if k in old and v is not None}
        merged = {**old, **new}
        merged["conditional"] = min(merged["conditional"], merged["company"])
        out[category] = merged
    return out


def widget_key(path: tuple[str, ...]) -> str:
    return WIDGET_PREFIX + "/".join(path)


def reset_scenario() -> None:
    """Back to the published policy: the spec, the scale and every bound widget."""
    ss = _state()
    ss[SCENARIO] = Policy.default().to_dict()
    ss[SCALE] = 100
    for key in [k for k in ss.keys() if isinstance(k, str) and k.startswith(WIDGET_PREFIX)]:
        del ss[key]
    ss[TABLE_VERSION] = ss.get(TABLE_VERSION, 0) + 1
