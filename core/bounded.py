"""Reading an untrusted upload in a child process with a memory and a time budget.

A file nobody has thought of yet can make any parser allocate without end or loop for an hour (a CSV
header of a million empty columns, an .xlsx declaring a 17-billion-cell sheet, a Parquet dictionary
bomb). Inside the dashboard's server process that takes every session down. So an upload is parsed
by `load_dataset` in a separate process that:

- is forked from a *forkserver* (a single-threaded helper started with fork+exec, with the loader
  already imported), never with a plain ``fork`` of the threaded server, and starts in milliseconds;
- has an address-space limit (``RLIMIT_AS``: allocations past it fail) and a CPU-time limit
  (``RLIMIT_CPU``), and no core dumps (``RLIMIT_CORE`` 0: a crash must not write seller data to disk);
- is killed by the parent when its wall-clock time is up, or when the caller's ``on_wait`` callback
  raises (the dashboard's script is stopped: the user reloaded, navigated away or closed the tab);
- receives the upload's bytes and sends back the validated ``Dataset`` (pickled) through a pipe:
  nothing touches the disk.

At most ``Budget.parallel`` loads run at once (the others wait their turn), so several hostile
uploads together stay within ``parallel × memory``. Whatever goes wrong comes back as a
``DataError`` with a plain message, never a traceback.

The limits come from the environment (``Budget.from_env``): ``DPE_LOAD_MEMORY_MB`` (default 6144),
``DPE_LOAD_SECONDS`` (default 300) and ``DPE_LOAD_PARALLEL`` (default 2).
"""

from __future__ import annotations

import importlib
import logging
import multiprocessing
import multiprocessing.forkserver
import os
import pickle
import resource
import signal
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from core.dataset import DataError, Dataset, Problem

log = logging.getLogger(__name__)

# Imported once in the forkserver, so every child starts with them loaded.
_PRELOAD = ["core.loading", "pyarrow.parquet", "openpyxl"]
_context = multiprocessing.get_context("forkserver")
_context.set_forkserver_preload(_PRELOAD)


@dataclass(frozen=True)
class Budget:
    """What one upload may use: address space (MB), wall-clock seconds, and how many loads run at once."""

    memory_mb: int = 6144
    seconds: float = 300.0
    parallel: int = 2

    @classmethod
    def from_env(cls) -> Budget:
        """The budget set by ``DPE_LOAD_MEMORY_MB``, ``DPE_LOAD_SECONDS``, ``DPE_LOAD_PARALLEL`` (defaults otherwise)."""
        default = cls()
        return cls(
            memory_mb=int(os.environ.get("DPE_LOAD_MEMORY_MB", default.memory_mb)),
            seconds=float(os.environ.get("DPE_LOAD_SECONDS", default.seconds)),
            parallel=int(os.environ.get("DPE_LOAD_PARALLEL", default.parallel)),
        )


def warm_up() -> None:
    """Start the forkserver now (it imports the loader: seconds), so the first upload does not wait for it."""
    multiprocessing.forkserver.ensure_running()


# One gate per process: the number of loads allowed at once is fixed by the first budget used.
_gate_lock = threading.Lock()
_gate: threading.BoundedSemaphore | None = None


def _the_gate(parallel: int) -> threading.BoundedSemaphore:
    global _gate
    with _gate_lock:
        if _gate is None:
            _gate = threading.BoundedSemaphore(max(1, parallel))
        return _gate


def load_dataset_bounded(
    accounts: bytes | memoryview,
    revenue: bytes | memoryview | None,
    *,
    accounts_name: str | None = None,
    revenue_name: str | None = None,
    budget: Budget | None = None,
    on_wait: Callable[[str, float], None] | None = None,
    poll_seconds: float = 0.25,
    loader: str = "core.loading:load_dataset",
) -> Dataset:
    """`core.loading.load_dataset` of the given bytes, run in a child process within ``budget``.

    ``on_wait(stage, elapsed_seconds)`` is called about every ``poll_seconds`` while waiting (stage
    ``"queued"`` or ``"reading"``); if it raises, the child is killed and the exception propagates —
    that is how a stopped Streamlit script cancels its load. Raises ``DataError`` for a bad file and
    for one that exceeds the budget. ``loader`` ("module:function", called like `load_dataset`) lets the
    tests put a reader that misbehaves on purpose under the same guard.
    """
    budget = budget or Budget.from_env()
    name = accounts_name or "upload"
    gate = _the_gate(budget.parallel)
    start = time.monotonic()
    while not gate.acquire(timeout=poll_seconds):
        if on_wait is not None:
            on_wait("queued", time.monotonic() - start)
    try:
        request = (accounts, revenue, accounts_name, revenue_name)
        return _run_child(request, name, budget, on_wait, poll_seconds, loader)
    finally:
        gate.release()


def _run_child(request: tuple, name: str, budget: Budget, on_wait, poll_seconds: float, loader: str) -> Dataset:
    parent_end, child_end = _context.Pipe(duplex=True)
    process = _context.Process(target=_child_main, args=(child_end, budget, loader), name="dpe-load", daemon=True)
    try:
        process.start()
        child_end.close()
        start = time.monotonic()
        _send(parent_end, request)
        while True:
            ready = wait([parent_end, process.sentinel], timeout=poll_seconds)
            if parent_end in ready:
                try:
                    outcome = pickle.loads(parent_end.recv_bytes())
                except (EOFError, OSError):
                    outcome = None  # the child died before answering: its exit code says why
                if outcome is not None:
                    return _result(outcome, name, budget)
            if not process.is_alive():
                process.join()
                raise _refusal(name, _death_message(process.exitcode, budget))
            elapsed = time.monotonic() - start
            if elapsed > budget.seconds:
                raise _refusal(name, _time_message(budget))
            if on_wait is not None:
                on_wait("reading", elapsed)
    finally:
        # Every way out (a result, a refusal, a stopped script) ends the child; killing a finished one is harmless.
        _kill(process)
        parent_end.close()


def _send(conn: Connection, request: tuple) -> None:
    """The names pickled, then each file's bytes as they are (no copy of an upload in the server)."""
    accounts, revenue, accounts_name, revenue_name = request
    try:
        conn.send_bytes(pickle.dumps((accounts_name, revenue_name, revenue is not None)))
        conn.send_bytes(accounts)
        if revenue is not None:
            conn.send_bytes(revenue)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the child died before reading: the wait loop reports its exit code


def _kill(process: Any) -> None:
    if process.pid is None:
        return
    if process.is_alive():
        process.kill()
    process.join(timeout=10)
    try:
        process.close()
    except ValueError:
        pass  # still running after SIGKILL and 10 s: leave it to the kernel


def _refusal(name: str, message: str) -> DataError:
    return DataError([Problem(name, None, None, None, message)])


def _time_message(budget: Budget) -> str:
    return (f"reading the file took longer than the limit of {budget.seconds:,.0f} seconds for an upload, so it "
            "was stopped; check that the file holds only the expected columns and rows (a spreadsheet whose "
            "sheet is marked as far larger than its data does this), or split it")


def _memory_message(budget: Budget) -> str:
    return (f"reading the file needs more memory than the limit of {budget.memory_mb / 1024:,.1f} GB for an "
            "upload, so it was stopped; check that the file holds only the expected columns and rows, or split it")


def _death_message(exitcode: int | None, budget: Budget) -> str:
    if exitcode == -signal.SIGXCPU:
        return _time_message(budget)
    if exitcode in (-signal.SIGABRT, -signal.SIGKILL, -signal.SIGSEGV, -signal.SIGBUS):
        # A C++ reader that cannot allocate aborts (std::bad_alloc); the kernel's OOM killer sends SIGKILL.
        return _memory_message(budget)
    return f"the file could not be read (the reader stopped with exit code {exitcode})"


def _result(outcome: tuple, name: str, budget: Budget) -> Dataset:
    kind, payload = outcome
    if kind == "ok":
        return payload
    if kind == "problems":
        raise DataError(payload)
    if kind == "memory":
        raise _refusal(name, _memory_message(budget))
    raise _refusal(name, f"the file could not be read ({payload})")


# -- the child ---------------------------------------------------------------------------------


def _limit_self(budget: Budget) -> None:
    memory = budget.memory_mb * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    cpu = int(budget.seconds) + 5  # the parent's wall clock normally stops it first
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _child_main(conn: Connection, budget: Budget, loader: str) -> None:
    """Read one request, answer with ("ok", Dataset) | ("problems", [Problem]) | ("memory", None) | ("error", type)."""
    module, _, function = loader.partition(":")
    load_dataset = getattr(importlib.import_module(module), function)
    _limit_self(budget)
    accounts_name, revenue_name, has_revenue = pickle.loads(conn.recv_bytes())
    accounts = conn.recv_bytes()
    revenue = conn.recv_bytes() if has_revenue else None
    try:
        outcome: tuple = ("ok", load_dataset(accounts, revenue, accounts_name=accounts_name, revenue_name=revenue_name))
    except DataError as error:
        outcome = ("problems", error.problems)
    except MemoryError:
        outcome = ("memory", None)
    except Exception as exc:  # noqa: BLE001 - reported as a refusal; frames logged, never the message (it may hold cell values)
        log.error("loading an upload failed with %s:\n%s", type(exc).__name__, "".join(traceback.format_tb(exc.__traceback__)))
        outcome = ("error", type(exc).__name__)
    del accounts, revenue
    try:
        data = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        data = pickle.dumps(("memory", None))
    conn.send_bytes(data)
    conn.close()
