"""Loaded data in the server's memory: one copy per upload, shared by every session using it, and
released when no session does.

A dataset (`core.compact.CompactDataset`) lives in a `SharedData` with the results computed from it: the
company figures per as-of month and the decisions per month and policy. Sessions hold it strongly (see
`ui.state`: a session-scoped resource, which Streamlit drops when the session disconnects); this module's
registry only holds it weakly, by fingerprint (a hash of the uploaded bytes), so two sessions that upload the
same files share one copy, and a copy nobody holds is freed. The results live and die with their data: no cache
outlives it (Streamlit's ``st.cache_data`` would keep seller figures for its ttl after every session has gone, and
hand each session a fresh unpickled copy on every rerun).

No Streamlit here, so the sharing and the release are tested without a server (tests/test_datastore.py).
"""

from __future__ import annotations

import gc
import logging
import os
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import pandas as pd

from core.compact import CompactDataset
from core.decide import Gates, decide, gates, gates_key
from core.metrics import Metrics, compute_metrics
from core.policy import Policy

log = logging.getLogger("dashboard.data")
if os.environ.get("DPE_DATA_LOG"):  # the browser benchmark reads upload times and releases in the server's log
    _dashboard = logging.getLogger("dashboard")
    _dashboard.setLevel(logging.INFO)
    _handler = logging.StreamHandler()
    _handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
    _dashboard.addHandler(_handler)

# Company figures are ~60 MB and a decision frame ~35 MB at 150,000 companies: a few of each per dataset.
METRICS_KEPT = 2  # as-of months (the latest, and the one being looked at)
DECISIONS_KEPT = 6  # baseline, scenario and the compared ones; `decide` takes ~40 ms to redo one
DECISIONS_BYTES = 160 * 2**20  # and no more than this many bytes of them (at least two are kept)
# Small results drawn from a decision (chart figures, the history's counts; for small data each month's figures):
# a revisit of a page rebuilds none.
DERIVED_KEPT = 128
# How long data stays after the last session holding it disconnected: a network blip reconnects within it.
# DPE_LINGER_SECONDS sets it (the browser benchmark shortens it to see the memory come back sooner).
LINGER_SECONDS = float(os.environ.get("DPE_LINGER_SECONDS", 60))


class SharedData:
    """One dataset and what has been computed from it, safe to use from several sessions' threads."""

    def __init__(self, data: CompactDataset):
        self.data = data
        self.fingerprint = data.fingerprint
        self._lock = threading.Lock()
        self._metrics: OrderedDict[str, Metrics] = OrderedDict()
        self._decisions: OrderedDict[tuple[str, str], tuple[pd.DataFrame, int]] = OrderedDict()
        self._computing: dict[Any, threading.Lock] = {}
        self._derived: OrderedDict[Any, Any] = OrderedDict()
        self._gates: tuple[tuple[str, str], Gates] | None = None  # the last policy's (one: ~9 MB at 150k)

    def metrics(self, as_of: str) -> Metrics:
        """The company figures as of ``as_of`` (YYYY-MM), computed once whoever asks."""
        return self._once(("metrics", as_of), lambda: self._metrics.get(as_of), lambda: self._keep_metrics(as_of))

    def has_metrics(self, as_of: str) -> bool:
        with self._lock:
            return as_of in self._metrics

    def decisions(self, as_of: str, policy_json: str, *, keep_figures: bool = True) -> pd.DataFrame:
        """The decision under the policy given as JSON (`Policy.model_dump_json`), once per month and policy.
        ``keep_figures`` False: the month's company figures, if they must be computed for it, are not kept (nor
        its gates) — for a decision wanted for itself at another month (the change since last month), whose
        figures would otherwise take a second slot of `METRICS_KEPT`: 62 MB at 150,000 companies."""
        key = (as_of, policy_json)

        def cached() -> pd.DataFrame | None:
            found = self._decisions.get(key)
            if found is not None:
                self._decisions.move_to_end(key)
            return None if found is None else found[0]

        return self._once(("decisions", key), cached, lambda: self._keep_decisions(key, keep_figures))

    def gates(self, as_of: str, policy: Policy) -> Gates:
        """`core.decide.gates` of the month's figures under ``policy``, kept for the last policy apart from its
        thresholds (`gates_key`): a threshold move, a curve or a target search reuses it."""
        key = (as_of, gates_key(policy))
        with self._lock:
            if self._gates is not None and self._gates[0] == key:
                return self._gates[1]
        found = gates(self.metrics(as_of), policy)
        with self._lock:
            self._gates = (key, found)
        return found

    def derived(self, key: Any, build: Callable[[], Any]) -> Any:
        """``build()``'s result, kept under ``key`` (hashable; it must name everything the result depends on:
        month, policy, options) among the last `DERIVED_KEPT`. The result is shared with every session using
        this data, so it must not be changed after it is built (a Plotly figure handed to ``st.plotly_chart``
        is only read)."""

        def cached() -> Any:
            found = self._derived.get(key)
            if found is not None:
                self._derived.move_to_end(key)
            return found

        def keep() -> Any:
            value = build()
            with self._lock:
                self._derived[key] = value
                while len(self._derived) > DERIVED_KEPT:
                    self._derived.popitem(last=False)
            return value

        return self._once(("derived", key), cached, keep)

    def _once(self, key: Any, cached: Callable[[], Any], compute: Callable[[], Any]) -> Any:
        """``cached()`` if there, else ``compute()`` — by one thread only: another asking for the same waits."""
        with self._lock:
            found = cached()
            if found is not None:
                return found
            gate = self._computing.setdefault(key, threading.Lock())
        with gate:
            with self._lock:
                found = cached()
            if found is not None:
                return found
            try:
                return compute()
            finally:
                with self._lock:
                    self._computing.pop(key, None)

    def _keep_metrics(self, as_of: str) -> Metrics:
        metrics = compute_metrics(self.data, as_of)
        with self._lock:
            self._metrics[as_of] = metrics
            while len(self._metrics) > METRICS_KEPT:
                self._metrics.popitem(last=False)
        return metrics

    def _keep_decisions(self, key: tuple[str, str], keep_figures: bool = True) -> pd.DataFrame:
        as_of, policy_json = key
        policy = Policy.model_validate_json(policy_json)
        if keep_figures or self.has_metrics(as_of):
            frame = decide(self.metrics(as_of), policy, self.gates(as_of, policy))
        else:
            frame = decide(compute_metrics(self.data, as_of), policy)
        size = int(frame.memory_usage(index=True, deep=True).sum())
        with self._lock:
            self._decisions[key] = (frame, size)
            while len(self._decisions) > 2 and (
                len(self._decisions) > DECISIONS_KEPT or sum(s for _, s in self._decisions.values()) > DECISIONS_BYTES
            ):
                self._decisions.popitem(last=False)
        return frame


_registry_lock = threading.Lock()
_registry: weakref.WeakValueDictionary[str, SharedData] = weakref.WeakValueDictionary()


def share(data: CompactDataset) -> SharedData:
    """The `SharedData` of ``data``'s content: the one already in memory if a session holds the same
    fingerprint (``data`` is then dropped), else a new one. The caller must hold it: the registry does not."""
    with _registry_lock:
        found = _registry.get(data.fingerprint)
        if found is not None:
            return found
        shared = SharedData(data)
        _registry[data.fingerprint] = shared
    weakref.finalize(shared, log.info, "data %s released: no session holds it", data.fingerprint[:12])
    return shared


def find(fingerprint: str) -> SharedData | None:
    """The data with this fingerprint if some session (or a lingering release) still holds it."""
    with _registry_lock:
        return _registry.get(fingerprint)


def held() -> list[str]:
    """The fingerprints of the data in memory now."""
    with _registry_lock:
        return list(_registry.keys())


def linger(shared: Any, seconds: float | None = None) -> None:
    """Keep ``shared`` alive ``seconds`` (default `LINGER_SECONDS`) longer, then let it go: a session that
    reconnects in time finds it."""
    seconds = LINGER_SECONDS if seconds is None else seconds
    if shared is None or seconds <= 0:
        return
    timer = threading.Timer(seconds, _drop, args=([shared],))
    timer.daemon = True
    timer.start()


def _drop(box: list) -> None:
    box.clear()
    give_back_memory()


def give_back_memory() -> None:
    """Free what is no longer used now and hand it back to the system: without this the server's memory stays at
    its high-water mark after data is released or an upload is read (freed blocks stay in the C allocator's
    per-thread arenas and in Arrow's memory pool, and frames in reference cycles wait for a later collection)."""
    gc.collect()
    try:
        import pyarrow

        pyarrow.default_memory_pool().release_unused()
    except Exception:  # noqa: BLE001 - only memory is at stake
        log.debug("Arrow's memory pool could not release memory", exc_info=True)
    if _libc is not None:
        _libc.malloc_trim(0)


def _load_libc() -> Any:
    """glibc, for malloc_trim (None elsewhere: then freed memory is simply reused, not handed back)."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        return libc
    except (OSError, AttributeError):
        return None


_libc = _load_libc()
