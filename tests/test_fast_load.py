"""The fast path (core.fast_load) gives exactly the dataset of the row-by-row path, for every form it takes, and
gives way to it (so problems are described exactly as before) for everything else."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import compute_metrics, fast_load, loading
from core.compact import CompactDataset, load_compact
from core.dataset import DataError
from core.loading import load_dataset

ACCOUNTS = (
    "account_id,account_name,nip,business_account,sales_quality,positive_ratings_pct,main_account,brand_zone\n"
    "A1,Alfa,5260250274,true,Good,99.5,yes,no\n"
    "B2,Bąkmot Sp. z o.o.,PL 951-234-56-00,false,Neutral,98,,tak\n"
    "C3,,9512345600,1,super+,100,0,\n"
)
REVENUE = (
    "account_id,category,month,revenue\n"
    "A1,Electronics,2024-01,100.5\n"
    "A1,Electronics,2024-03,0\n"
    "A1,Garden,2024-01,7\n"
    "B2,Garden,2024-02,200.25\n"
    "C3,Kids,2024-02-15,3\n"
)


def both_paths(accounts: bytes, revenue: bytes, monkeypatch, **kw):
    """The data (or the problems) read on the fast paths — the dataset, and the compact form a session keeps,
    built from the columns without a frame — then the dataset with the fast path switched off."""
    names = {"accounts_name": "accounts.csv", "revenue_name": "revenue.csv"}

    def read(load):
        try:
            return load(accounts, revenue, **names, **kw)
        except DataError as exc:
            return exc.problems

    fast, compact = read(load_dataset), read(load_compact)
    with monkeypatch.context() as m:
        m.setattr(loading, "_load_fast", lambda *a, **k: None)
        slow = read(load_dataset)
    return fast, (compact, slow)


def assert_same(fast, slow_and_compact) -> None:
    compact, slow = slow_and_compact
    if isinstance(slow, list):
        assert fast == slow
        assert compact == slow
        return
    pd.testing.assert_frame_equal(fast.accounts, slow.accounts, check_exact=True)
    pd.testing.assert_frame_equal(fast.revenue, slow.revenue, check_exact=True)
    a, b = compute_metrics(fast), compute_metrics(slow)
    pd.testing.assert_frame_equal(a.companies, b.companies, check_exact=True)
    np.testing.assert_array_equal(a.rev_c, b.rev_c)
    assert_same_compact(compact, CompactDataset.from_dataset(slow))


def assert_same_compact(got: CompactDataset, expected: CompactDataset) -> None:
    pd.testing.assert_frame_equal(got.accounts, expected.accounts, check_exact=True)
    for field in ("account", "category", "month", "grosze"):
        a, b = getattr(got.rows, field), getattr(expected.rows, field)
        assert a.dtype == b.dtype, field
        np.testing.assert_array_equal(a, b, err_msg=field)
    np.testing.assert_array_equal(got.starts, expected.starts)
    np.testing.assert_array_equal(got.month_ordinals, expected.month_ordinals)
    assert got.company_count == expected.company_count and got.name == expected.name


def semicolon(text: str) -> str:
    """The Polish Excel form: ';' between cells, a decimal comma."""
    lines = [line.replace(",", ";") for line in text.splitlines()]
    return "\n".join(lines[:1] + [line.replace(".", ",") for line in lines[1:]]) + "\n"


def each_cell(text: str, change) -> bytes:
    return "\n".join(",".join(change(c) for c in line.split(",")) for line in text.splitlines()).encode()


FORMS = {
    "plain": lambda t: t.encode(),
    "semicolon and decimal comma": lambda t: semicolon(t).encode(),
    "windows-1250": lambda t: semicolon(t).encode("cp1250"),
    "utf-8 with BOM": lambda t: t.encode("utf-8-sig"),
    "CRLF": lambda t: t.replace("\n", "\r\n").encode(),
    "quoted cells": lambda t: each_cell(t, lambda c: f'"{c}"'),
    "padded cells": lambda t: each_cell(t, lambda c: f" {c} "),
}


@pytest.mark.parametrize("form", FORMS)
def test_every_csv_form_reads_alike_on_both_paths(form, monkeypatch):
    fast, slow = both_paths(FORMS[form](ACCOUNTS), FORMS[form](REVENUE), monkeypatch)
    assert_same(fast, slow)


@pytest.mark.parametrize("form", ["plain", "semicolon and decimal comma", "windows-1250", "utf-8 with BOM", "CRLF"])
def test_the_common_forms_take_the_fast_path(form):
    ds = load_dataset(FORMS[form](ACCOUNTS), FORMS[form](REVENUE))
    assert ds.codes is not None and ds.codes.describes(ds.accounts, ds.revenue)


def test_repeats_are_summed_and_rows_sorted_on_the_fast_path(monkeypatch):
    revenue = REVENUE + "A1,Electronics,2024-01,0.25\nA1,Electronics,2024-01,1.005\nB2,Automotive,2023-12,1\n"
    fast, slow = both_paths(ACCOUNTS.encode(), revenue.encode(), monkeypatch)
    assert fast.codes is not None
    assert_same(fast, slow)
    # 1.005 is 100.5 grosze, rounded half to even to 100: 100.50 + 0.25 + 1.00.
    assert fast.revenue["revenue"].iloc[0] == 101.75
    assert fast.revenue["account_id"].is_monotonic_increasing


def parquet(frame: pd.DataFrame) -> bytes:
    out = io.BytesIO()
    frame.to_parquet(out, compression="zstd")
    return out.getvalue()


def test_typed_parquet_reads_alike_on_both_paths(monkeypatch):
    accounts = pd.read_csv(io.StringIO(ACCOUNTS), dtype=str, keep_default_na=False).assign(
        positive_ratings_pct=[99.5, 98.0, 100.0], business_account=[True, False, True]
    )
    revenue = pd.read_csv(io.StringIO(REVENUE), dtype=str).assign(
        month=lambda f: pd.to_datetime(f["month"], format="mixed"), revenue=lambda f: f["revenue"].astype(float)
    )
    fast, slow = both_paths(parquet(accounts), parquet(revenue), monkeypatch)
    assert fast.codes is not None
    assert_same(fast, slow)


@pytest.mark.parametrize(
    "accounts, revenue",
    [
        (ACCOUNTS.replace("5260250274", "5260250275"), REVENUE),  # a bad NIP checksum
        (ACCOUNTS, REVENUE.replace("Garden,2024-02", "Gardn,2024-02")),  # an unknown category
        (ACCOUNTS, REVENUE.replace("200.25", "-3")),  # a negative amount
        (ACCOUNTS, REVENUE.replace("200.25", "1 234,5")),  # a thousands separator: the row-by-row path reads it
        (ACCOUNTS, REVENUE.replace("B2,Garden", "Z9,Garden")),  # an unknown account
        (ACCOUNTS, REVENUE.replace("A1,Garden,2024-01,7", ",Garden,2024-01,7")),  # a blank required cell
        (ACCOUNTS.replace("C3,", "A1,", 1), REVENUE),  # a duplicate account
        (ACCOUNTS.replace("C3,,9512345600,1,super+,100,0,", "C3,,5260250274,1,super+,100,yes,"), REVENUE),  # 2 mains
        (ACCOUNTS, REVENUE + ",,,\n;;;\n"),  # empty rows at the end
        (ACCOUNTS, "\n\n" + REVENUE),  # blank lines above the header
        (ACCOUNTS, REVENUE.replace("revenue\n", "revenue,extra\n")),  # ragged rows
    ],
)
def test_what_the_fast_path_does_not_take_reads_as_before(accounts, revenue, monkeypatch):
    fast, slow = both_paths(accounts.encode(), revenue.encode(), monkeypatch)
    assert_same(fast, slow)


cells = st.sampled_from(["Electronics", "garden", " Kids ", "Motoryzacja"])
months = st.sampled_from(["2024-01", "2024-02", "2023-12"])
amounts = st.decimals(min_value=0, max_value=10**7, places=3).map(str)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(
        st.tuples(st.sampled_from(["A1", "B2", "C3"]), cells, months, amounts),
        min_size=1,
        max_size=25,
    ),
    form=st.sampled_from(list(FORMS)),
)
def test_any_revenue_table_reads_alike_on_both_paths(rows, form, monkeypatch):
    revenue = "account_id,category,month,revenue\n" + "".join(",".join(r) + "\n" for r in rows)
    fast, slow = both_paths(FORMS[form](ACCOUNTS), FORMS[form](revenue), monkeypatch)
    assert_same(fast, slow)


def test_a_session_s_data_is_built_without_the_revenue_frame(monkeypatch):
    """load_compact takes a plain file's rows from the columns read straight to numbers (issue 10: at 8 M rows the
    frame's two text columns cost more than all the rest): the frame's builders are never called."""

    def no_frame(*args, **kwargs):
        raise AssertionError("the revenue frame was built")

    expected = CompactDataset.from_dataset(load_dataset(ACCOUNTS.encode(), REVENUE.encode()))
    monkeypatch.setattr(fast_load, "read_revenue", no_frame)
    monkeypatch.setattr(loading, "_finish_revenue", no_frame)
    assert_same_compact(load_compact(ACCOUNTS.encode(), REVENUE.encode()), expected)
