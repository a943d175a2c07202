"""Reading an untrusted upload in a child process with a memory and a time budget.

A file nobody has thought of yet can make any parser allocate without end or loop for an hour (a CSV
header of a million empty columns, an .xlsx declaring a 17-billion-cell sheet, a Parquet dictionary
bomb). Inside the dashboard's server process that takes every session down. So an upload is parsed
by `load_dataset` (the dashboard: `core.compact.load_compact`) in a separate process that:

- is a fresh interpreter (``subprocess``: fork+exec, safe from the threaded server), kept ready in
  advance (one idle reader waits with the loader imported). Not ``multiprocessing``: its children re-run
  the parent's ``__main__``, and under Streamlit that is the app script itself;
- has an address-space limit (``RLIMIT_AS``: allocations past it fail) and a CPU-time limit
  (``RLIMIT_CPU``), and no core dumps (``RLIMIT_CORE`` 0: a crash must not write seller data to disk),
  all set before it receives the upload;
- is killed by the parent when its wall-clock time is up, or when the caller's ``on_wait`` callback
  raises (the dashboard's script is stopped: the user reloaded, navigated away or closed the tab);
- receives the upload's bytes and sends back the validated data (pickled, its arrays out of band) through a
  socket pair: nothing touches the disk.

At most ``Budget.parallel`` loads run at once (the others wait their turn), so several hostile
uploads together stay within ``parallel × memory``. Whatever goes wrong comes back as a
``DataError`` with a plain message, never a traceback.

The limits come from the environment (``Budget.from_env``): ``DPE_LOAD_MEMORY_MB`` (default 6144),
``DPE_LOAD_SECONDS`` (default 300) and ``DPE_LOAD_PARALLEL`` (default 2).
"""

from __future__ import annotations

import importlib
import inspect
import logging
import os
import pickle
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from core.dataset import DataError, Dataset, Problem

from .formatting import count as _count
from .formatting import number as _number

log = logging.getLogger(__name__)

_ROOT = str(Path(__file__).resolve().parent.parent)  # the folder holding the `core` package
_CHILD = "import sys; from core.bounded import _child_main; _child_main(int(sys.argv[1]))"
# What the reader's environment adds. NUMPY_MADVISE_HUGEPAGE=0 (numpy's documented switch, read at import): numpy
# asks the kernel for transparent huge pages for every array from 4 MB, and where the kernel finds them by
# compacting memory on the spot (this machine's `defrag` setting, madvise, a common default) each fresh 64 MB
# array of a large upload waits for it. Reading the Parquet pair of 150,000 companies and its first figures took
# 1.47–1.67 s with them and 1.33–1.38 s without (benchmarks/bench_load.py runs its cases so too).
READER_ENV = {"NUMPY_MADVISE_HUGEPAGE": "0"}


@dataclass(frozen=True)
class Budget:
    """What one upload may use: address space (MB), wall-clock seconds, and how many loads run at once."""

    memory_mb: int = 6144
    seconds: float = 300.0
    parallel: int = 2

    @classmethod
    def from_env(cls) -> Budget:
        """The budget set by ``DPE_LOAD_MEMORY_MB``, ``DPE_LOAD_SECONDS`` and ``DPE_LOAD_PARALLEL`` (else defaults)."""
        default = cls()
        return cls(
            memory_mb=int(os.environ.get("DPE_LOAD_MEMORY_MB", default.memory_mb)),
            seconds=float(os.environ.get("DPE_LOAD_SECONDS", default.seconds)),
            parallel=int(os.environ.get("DPE_LOAD_PARALLEL", default.parallel)),
        )


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
    accounts: bytes | bytearray | memoryview,
    revenue: bytes | bytearray | memoryview | None,
    *,
    accounts_name: str | None = None,
    revenue_name: str | None = None,
    budget: Budget | None = None,
    on_wait: Callable[[str, float], None] | None = None,
    on_progress: Callable[[str], None] | None = None,
    poll_seconds: float = 0.25,
    loader: str = "core.loading:load_dataset",
) -> Any:
    """`core.loading.load_dataset` of the given bytes, run in a child process within ``budget``.

    ``on_wait(stage, elapsed_seconds)`` is called about every ``poll_seconds`` while waiting (stage
    ``"queued"``, ``"starting"`` or ``"reading"``); if it raises, the child is killed and the exception propagates —
    that is how a stopped Streamlit script cancels its load. Raises ``DataError`` for a bad file and
    for one that exceeds the budget. ``loader`` ("module:function", called like `load_dataset`) lets the
    tests put a reader that misbehaves on purpose under the same guard; a loader with a ``progress`` parameter
    is given a function that sends each step's name to ``on_progress(step)`` (called from the wait loop, so it
    may raise to cancel like ``on_wait``). Returns what the loader returns (`core.compact.load_compact`: a
    `CompactDataset`).
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
        return _run_child(request, name, budget, on_wait, on_progress, poll_seconds, loader)
    finally:
        gate.release()


# A reader takes seconds to start (it imports pandas and the loader), so one idle reader is kept ready: an upload
# takes it and starts the next. Idle, it waits on its socket; when the server exits, it reads EOF and ends.
STARTUP_SECONDS = 60.0
_spare_lock = threading.Lock()
_spare: _Child | None = None
_reading: set[int] = set()


@dataclass
class _Child:
    process: subprocess.Popen
    conn: Connection


def warm_up() -> None:
    """Have an idle reader ready (started now; it imports the loader in the background)."""
    global _spare
    with _spare_lock:
        if _spare is not None and _spare.process.poll() is not None:
            _spare.conn.close()  # it died while idle
            _spare = None
        if _spare is None:
            _spare = _start_child()


def readers() -> list[int]:
    """The process ids of the readers reading an upload now (not the idle one)."""
    with _spare_lock:
        return sorted(_reading)


def _take_child() -> _Child:
    global _spare
    with _spare_lock:
        child, _spare = _spare, None
        if child is not None and child.process.poll() is not None:
            child.conn.close()  # it died while idle
            child = None
        if child is None:
            child = _start_child()
        _reading.add(child.process.pid)
    warm_up()
    return child


# A message from the child that names the step it is at.
_STEP = b"step:"
# The message announcing the result: the sizes of its out-of-band buffers follow the prefix (see _send_result).
_RESULT = b"result:"


def _run_child(
    request: tuple, name: str, budget: Budget, on_wait, on_progress, poll_seconds: float, loader: str
) -> Any:
    child = _take_child()
    process, conn = child.process, child.conn
    try:
        start, ready = time.monotonic(), False
        while True:
            if wait([conn], timeout=poll_seconds):
                try:
                    message = conn.recv_bytes()
                except (EOFError, OSError):
                    message = None  # the child died before answering: its exit code says why
                if message == b"ready":  # started: now the upload goes in and the budget's clock runs
                    _send(conn, request, budget, loader)
                    start, ready = time.monotonic(), True
                    continue
                if message is not None and message.startswith(_STEP):
                    if on_progress is not None:
                        on_progress(message[len(_STEP) :].decode("utf-8", "replace"))
                    continue
                if message is not None and message.startswith(_RESULT):
                    return _result(_receive_result(conn, message), name, budget)
                try:
                    process.wait(timeout=5)  # it closed the socket: it is on its way out
                except subprocess.TimeoutExpired:
                    pass
            if process.poll() is not None:
                raise _refusal(name, _death_message(process.returncode, budget))
            elapsed = time.monotonic() - start
            if elapsed > (budget.seconds if ready else STARTUP_SECONDS):
                raise _refusal(name, _time_message(budget) if ready else "the file reader did not start; try again")
            if on_wait is not None:
                on_wait("reading" if ready else "starting", elapsed)
    finally:
        # Every way out (a result, a refusal, a stopped script) ends the child; killing a finished one is harmless.
        _kill(process)
        conn.close()
        with _spare_lock:
            _reading.discard(process.pid)


def _start_child() -> _Child:
    ours, theirs = socket.socketpair()
    paths = [_ROOT, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    try:
        process = subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(theirs.fileno())],
            pass_fds=[theirs.fileno()],
            stdin=subprocess.DEVNULL,
            env={**os.environ, **READER_ENV, "PYTHONPATH": os.pathsep.join(paths)},
        )
    finally:
        theirs.close()
    return _Child(process, Connection(ours.detach()))


def _send(conn: Connection, request: tuple, budget: Budget, loader: str) -> None:
    """A pickled header, then each file's bytes as they are (no copy of an upload in the server)."""
    accounts, revenue, accounts_name, revenue_name = request
    header = (budget, loader, sys.path, accounts_name, revenue_name, revenue is not None)
    try:
        conn.send_bytes(pickle.dumps(header))
        conn.send_bytes(accounts)
        if revenue is not None:
            conn.send_bytes(revenue)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the child died before reading: the wait loop reports its exit code


def _kill(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        log.error("an upload reader (pid %s) did not end after SIGKILL", process.pid)


def _refusal(name: str, message: str) -> DataError:
    return DataError([Problem(name, None, None, None, message)])


def _time_message(budget: Budget) -> str:
    return (
        f"reading the file took longer than the limit of {_count(budget.seconds)} seconds for an upload, so it "
        "was stopped; check that the file holds only the expected columns and rows (a spreadsheet whose "
        "sheet is marked as far larger than its data does this), or split it"
    )


def _memory_message(budget: Budget) -> str:
    return (
        f"reading the file needs more memory than the limit of {_number(budget.memory_mb / 1024, 1)} GB for an "
        "upload, so it was stopped; check that the file holds only the expected columns and rows, or split it"
    )


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


def _child_main(fd: int) -> None:
    """Serve one request on the socket ``fd``: say "ready" once the loader is imported, then read a header
    (budget, loader, sys.path, names) and the files' bytes, and answer ("ok", Dataset) | ("problems",
    [Problem]) | ("memory", None) | ("error", type name), sent by ``_send_result``."""
    import core.compact  # noqa: F401 - the dashboard's loader, imported while idle
    import core.loading  # noqa: F401 - the default loader, imported while idle

    conn = Connection(fd)
    try:
        conn.send_bytes(b"ready")
        budget, loader, paths, accounts_name, revenue_name, has_revenue = pickle.loads(conn.recv_bytes())
    except (EOFError, OSError):
        return  # an idle reader whose server has gone
    sys.path.extend(p for p in paths if p not in sys.path)  # the caller's modules (a test's loader) import here too
    module, _, function = loader.partition(":")
    load_dataset = getattr(importlib.import_module(module), function)
    names: dict[str, Any] = {"accounts_name": accounts_name, "revenue_name": revenue_name}
    if "progress" in inspect.signature(load_dataset).parameters:
        names["progress"] = lambda step: conn.send_bytes(_STEP + str(step).encode("utf-8"))
    _limit_self(budget)  # before the upload arrives
    accounts = conn.recv_bytes()
    revenue = conn.recv_bytes() if has_revenue else None
    try:
        outcome: tuple = ("ok", load_dataset(accounts, revenue, **names))
    except DataError as error:
        outcome = ("problems", error.problems)
    except MemoryError:
        outcome = ("memory", None)
    except Exception as exc:  # noqa: BLE001 - reported as a refusal; frames logged, never the message (it may hold cell values)
        log.error(
            "loading an upload failed with %s:\n%s", type(exc).__name__, "".join(traceback.format_tb(exc.__traceback__))
        )
        outcome = ("error", type(exc).__name__)
    del accounts, revenue
    _send_result(conn, outcome)
    conn.close()


def _send_result(conn: Connection, outcome: tuple) -> None:
    """The outcome, pickled with its arrays out of band (protocol 5): the announcement with the buffers' sizes,
    the pickle, then each array's memory as it is. A dataset of 150,000 companies is 150 MB of arrays; copying
    them into one pickle and out of it again cost 0.15–0.2 s more than sending them."""
    buffers: list[pickle.PickleBuffer] = []
    try:
        data = pickle.dumps(outcome, protocol=5, buffer_callback=buffers.append)
        views = [b.raw() for b in buffers]
    except MemoryError:
        data, views = pickle.dumps(("memory", None)), []
    conn.send_bytes(_RESULT + ",".join(str(v.nbytes) for v in views).encode())
    conn.send_bytes(data)
    for view in views:
        conn.send_bytes(view)


def _receive_result(conn: Connection, announcement: bytes) -> tuple:
    """What ``_send_result`` sent, each array received straight into its own writable buffer."""
    sizes = [int(n) for n in announcement[len(_RESULT) :].split(b",") if n]
    data = conn.recv_bytes()
    buffers = [bytearray(n) for n in sizes]
    for buffer in buffers:
        conn.recv_bytes_into(buffer)
    return pickle.loads(data, buffers=buffers)
