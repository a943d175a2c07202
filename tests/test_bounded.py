"""The outer guard around reading an upload (core.bounded): the same result as `load_dataset` for a good or
a bad file, and a plain refusal — with this process's memory flat — for a reader that eats memory, spins,
crashes, or is cancelled; and the worst known files are refused within the budget."""

from __future__ import annotations

import io
import os
import re
import time
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from core.bounded import Budget, load_dataset_bounded, readers
from core.dataset import DataError
from core.loading import load_dataset
from core.sample import generate

SMALL = Budget(memory_mb=1536, seconds=20, parallel=2)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode("utf-8")


@pytest.fixture(scope="module")
def upload():
    accounts, revenue = generate(companies=60, seed=5)
    return csv_bytes(accounts), csv_bytes(revenue)


def rss_mb(pid: int | str = "self") -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024


def gone(pid: int) -> bool:
    return not Path(f"/proc/{pid}").exists()


def watching():
    """An ``on_wait`` that notes the readers at work, and the set it fills."""
    seen: set[int] = set()
    return seen, lambda stage, elapsed: seen.update(readers())


def assert_no_reader_left(seen: set[int]) -> None:
    assert not readers()
    assert all(gone(pid) for pid in seen), "every reader that ran is gone (killed and reaped)"


def refusal(error: DataError) -> str:
    [problem] = error.problems
    return problem.message


# Readers that misbehave on purpose, run in the child under the guard ("test_bounded:<name>").


def eat_memory(*args, **kwargs):
    hoard = []
    while True:
        hoard.append(b"x" * (64 * 2**20))  # touched pages, like a parser filling a table


def spin(*args, **kwargs):
    while True:
        pass


def crash(*args, **kwargs):
    os._exit(3)


def test_the_dashboard_s_compact_data_comes_back_whole_and_writable(upload):
    """The compact form's arrays travel out of band (pickle protocol 5): each arrives in its own buffer, equal
    to the in-process result and writable like any array (not a view of immutable bytes)."""
    import numpy as np

    from core.compact import load_compact

    accounts, revenue = upload
    names = {"accounts_name": "a.csv", "revenue_name": "r.csv"}
    bounded = load_dataset_bounded(accounts, revenue, **names, budget=SMALL, loader="core.compact:load_compact")
    direct = load_compact(accounts, revenue, **names)
    assert bounded.fingerprint == direct.fingerprint and bounded.name == direct.name
    pd.testing.assert_frame_equal(bounded.accounts, direct.accounts)
    for field in ("account", "category", "month", "grosze"):
        got = getattr(bounded.rows, field)
        np.testing.assert_array_equal(got, getattr(direct.rows, field))
        assert got.flags.writeable
    np.testing.assert_array_equal(bounded.starts, direct.starts)


def sleep_long(*args, **kwargs):
    time.sleep(60)


# -- the same answers as load_dataset ------------------------------------------------------------


def test_a_good_upload_gives_the_same_dataset_as_loading_in_process(upload):
    accounts, revenue = upload
    bounded = load_dataset_bounded(accounts, revenue, accounts_name="a.csv", revenue_name="r.csv", budget=SMALL)
    direct = load_dataset(accounts, revenue, accounts_name="a.csv", revenue_name="r.csv")
    assert bounded.fingerprint == direct.fingerprint
    pd.testing.assert_frame_equal(bounded.revenue, direct.revenue)
    pd.testing.assert_frame_equal(bounded.accounts, direct.accounts)
    assert bounded.name == direct.name


def test_a_bad_upload_gives_the_same_problems(upload):
    _, revenue = upload
    bad = b"account_id,nip\nx,123\n"
    with pytest.raises(DataError) as bounded:
        load_dataset_bounded(bad, revenue, accounts_name="a.csv", revenue_name="r.csv", budget=SMALL)
    with pytest.raises(DataError) as direct:
        load_dataset(bad, revenue, accounts_name="a.csv", revenue_name="r.csv")
    assert bounded.value.problems == direct.value.problems


def test_a_memoryview_is_accepted(upload):
    accounts, revenue = upload
    dataset = load_dataset_bounded(memoryview(accounts), io.BytesIO(revenue).getbuffer(), budget=SMALL)
    assert len(dataset.accounts) == len(load_dataset(accounts, revenue).accounts)


# -- the guard -----------------------------------------------------------------------------------


def test_a_reader_that_eats_memory_is_stopped_and_this_process_stays_flat(upload):
    before = rss_mb()
    seen, on_wait = watching()
    with pytest.raises(DataError) as error:
        load_dataset_bounded(
            *upload,
            accounts_name="a.csv",
            budget=Budget(memory_mb=1024, seconds=30),
            on_wait=on_wait,
            loader="test_bounded:eat_memory",
        )
    assert refusal(error.value).startswith("reading the file needs more memory than the limit of 1,0 GB")
    assert error.value.problems[0].file == "a.csv"
    assert rss_mb() - before < 100
    assert_no_reader_left(seen)


def test_a_reader_that_spins_is_stopped_at_the_time_limit(upload):
    seen, on_wait = watching()
    start = time.monotonic()
    with pytest.raises(DataError) as error:
        load_dataset_bounded(
            *upload, budget=Budget(memory_mb=1024, seconds=2), on_wait=on_wait, loader="test_bounded:spin"
        )
    assert time.monotonic() - start >= 2
    assert refusal(error.value).startswith("reading the file took longer than the limit of 2 seconds")
    assert seen
    assert_no_reader_left(seen)


def test_a_reader_that_crashes_is_a_refusal(upload):
    with pytest.raises(DataError) as error:
        load_dataset_bounded(*upload, budget=SMALL, loader="test_bounded:crash")
    assert refusal(error.value) == "the file could not be read (the reader stopped with exit code 3)"
    assert not readers()


class Cancelled(Exception):
    pass


def test_a_cancelled_wait_kills_the_reader(upload):
    """What a reload does: Streamlit raises in the script thread at its next call (here: on_wait)."""
    seen: set[int] = set()

    def on_wait(stage, elapsed):
        seen.update(readers())
        if stage == "reading" and elapsed > 0.5:
            raise Cancelled

    with pytest.raises(Cancelled):
        load_dataset_bounded(*upload, budget=SMALL, on_wait=on_wait, loader="test_bounded:sleep_long")
    assert len(seen) == 1, "one reader was at work"
    assert_no_reader_left(seen)


def test_an_idle_reader_is_kept_ready_and_is_not_counted_as_reading(upload):
    load_dataset_bounded(*upload, budget=SMALL)
    assert not readers()
    start = time.monotonic()
    load_dataset_bounded(*upload, budget=SMALL)
    assert time.monotonic() - start < 5, "the second load finds a reader with the loader already imported"


# -- the worst files known, through the real loader ----------------------------------------------


def header_bomb() -> bytes:
    return b"a," * (5 * 2**20) + b"\n"  # 10 MB: five million columns


def xlsx_dimension_bomb() -> bytes:
    """A 100 KB workbook whose sheet declares the whole 16384 × 1048576 grid: a read-only reader pads each of
    its 5000 short rows to 16384 cells (tens of seconds in the loader of today; more rows, hours)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "accounts"
    sheet.append(["account_id", "nip"])
    for row in range(2, 5000):
        sheet.cell(row=row, column=1, value=f"A{row}")
    sheet.cell(row=1048576, column=1, value="x")
    raw = io.BytesIO()
    book.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', data)
            dst.writestr(item, data)
    return out.getvalue()


def parquet_dictionary_bomb() -> bytes:
    """One 1 MB string referenced by 4000 rows: a 300-byte file that is 4 GB of text once decoded (no Arrow
    schema stored, so the reader cannot keep it as a dictionary)."""
    big = pa.array(["x" * 2**20])
    column = pa.DictionaryArray.from_arrays(pa.array([0] * 4000, pa.int32()), big)
    out = io.BytesIO()
    pq.write_table(pa.table({"account_id": column}), out, compression="zstd", store_schema=False)
    return out.getvalue()


@pytest.mark.parametrize("bomb", [header_bomb, xlsx_dimension_bomb, parquet_dictionary_bomb])
def test_the_worst_known_files_are_refused_within_the_budget(bomb, upload):
    """Whatever the loader of the day makes of them (refused by its own checks, or stopped by the guard), they
    end as a DataError within the budget, and this process does not grow."""
    data = bomb()
    assert len(data) < 11 * 2**20
    before = rss_mb()
    start = time.monotonic()
    with pytest.raises(DataError):
        load_dataset_bounded(data, upload[1], budget=Budget(memory_mb=1536, seconds=10))
    assert time.monotonic() - start < 18
    assert rss_mb() - before < 100
    assert not readers()
