"""Reading the two input tables (rules.md §1) into a validated, normalised ``Dataset``.

Flow: receive each input (path, file-like, bytes or DataFrame; size-checked) → read it into a raw
table whose index is the row number a person sees (CSV, .xlsx and Parquet told apart by content,
not by extension) → parse every known column, vectorised, with per-row Python only for the rows
that failed → cross-row checks → a ``Dataset``, or a ``DataError`` listing every problem found.

Uploads are confidential: nothing here writes to disk or logs a cell value. Values travel back to
the uploader only inside the ``Problem``s of a ``DataError``.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import difflib
import hashlib
import io
import itertools
import os
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core import compressed, read_xlsx
from core.dataset import ACCOUNT_COLUMNS, REVENUE_COLUMNS, DataError, Dataset, Problem, RevenueCodes
from core.formatting import excerpt as _excerpt
from core.metrics import RevenueRows, to_grosze
from core.nip import clean_nip, nip_check_digit, valid_nips
from core.policy import POLISH_QUALITY_NAMES, Policy

from .formatting import count as _count
from .formatting import number as _decimal

# The default limits, sized for the real program's data (issue 10): 1,000,000 accounts with 24 months of revenue
# in several categories is about 50 M revenue rows, read from Parquet (the fast path holds a row in about 40
# bytes). MAX_BYTES bounds each file as uploaded and, for a .csv.gz or .zip, as unpacked: the 8 M-row revenue
# table of 150,000 companies is 306 MB as CSV. The dashboard's upload limit (.streamlit/config.toml
# server.maxUploadSize) is the same 500 MB.
MAX_ROWS = 60_000_000
MAX_BYTES = 500 * 2**20
# Past this many, problems are only counted: a huge bad file must not produce a huge report.
MAX_PROBLEMS = 1000
# A table with more columns is refused before it is parsed: ours has at most 12, and a header of a
# million empty names (`a,a,a,…`) costs minutes and gigabytes to parse for nothing.
MAX_COLUMNS = 1000
# The largest revenue one row may hold, in PLN (10^12, a trillion: far above any seller's month). A
# larger figure is a typo or a unit mix-up, and 1e307 would even overflow to infinity in grosze.
MAX_REVENUE = 10**12
# A month is a calendar month in Poland: zoned timestamps (a Parquet file's UTC instants) are first
# converted to Warsaw time, so 2024-10-31T23:00Z is November.
WARSAW = "Europe/Warsaw"

# Polish department names (as Allegro's Polish pages show them) → the published category.
CATEGORY_ALIASES: dict[str, str] = {
    "Motoryzacja": "Automotive",
    "Książki i komiksy": "Books & Media",
    "Kultura i rozrywka": "Books & Media",
    "Kolekcje i sztuka": "Collectibles & Art",
    "Elektronika": "Electronics",
    "Moda": "Fashion",
    "Zdrowie": "Health & Beauty",
    "Uroda": "Health & Beauty",
    "Zdrowie i uroda": "Health & Beauty",
    "Dom i wnętrze": "Home Decoration & Office",
    "Wyposażenie domu i biura": "Home Decoration & Office",
    "Przemysł": "Industry",
    "Łazienka i ogrzewanie": "Bathroom & Heating",
    "Narzędzia i akcesoria": "Tools & Accessories",
    "Budownictwo i akcesoria": "Building & Accessories",
    "Ogród": "Garden",
    "Dziecko": "Kids",
    "Sport i turystyka": "Sport & Leisure",
    "Sport i wypoczynek": "Sport & Leisure",
    "Supermarket": "Supermarket",
}


def load_dataset(
    accounts: Any,
    revenue: Any,
    policy: Policy | None = None,
    *,
    accounts_name: str | None = None,
    revenue_name: str | None = None,
    max_rows: int = MAX_ROWS,
    max_bytes: int = MAX_BYTES,
) -> Dataset:
    """Read, validate and normalise the accounts and revenue tables.

    Each input may be a path, a file-like object (``.read()``, optional ``.name``), bytes or a
    DataFrame. ``revenue=None`` reads both tables from one .xlsx workbook given as ``accounts``
    (sheets ``accounts`` and ``revenue``). Raises ``DataError`` listing every problem found.
    """
    policy = policy or Policy.default()
    return read_received(
        receive(accounts, revenue, policy, accounts_name, revenue_name, max_bytes), max_rows, max_bytes
    )


@dataclass(frozen=True)
class Received:
    """Both inputs as received (bytes unpacked, or DataFrames), with what ``load_dataset`` was told; the
    problems found receiving them are in ``problems``, to be reported with any found reading them."""

    accounts: _Input | None
    revenue: _Input | None
    name: str
    in_workbook: bool
    policy: Policy
    problems: _Problems
    fingerprint: str  # of the bytes received ("" where an input is a DataFrame: the Dataset hashes its content)


def receive(
    accounts: Any, revenue: Any, policy: Policy, accounts_name: str | None, revenue_name: str | None, max_bytes: int
) -> Received:
    problems = _Problems()
    in_workbook = revenue is None
    accounts_name = _name_of(accounts, accounts_name, "accounts")
    accounts_in = _receive(accounts, accounts_name, max_bytes, problems)
    if in_workbook:
        revenue_name = accounts_name
        revenue_in = accounts_in if accounts_in is not None and _is_workbook(accounts_in.data) else None
        if accounts_in is not None and revenue_in is None:
            problems.add(
                "revenue",
                None,
                None,
                None,
                "no revenue table: give one, or one .xlsx workbook with sheets accounts and revenue",
            )
    else:
        revenue_name = _name_of(revenue, revenue_name, "revenue")
        revenue_in = _receive(revenue, revenue_name, max_bytes, problems)
    name = accounts_name if in_workbook else f"{accounts_name} + {revenue_name}"
    inputs = [accounts_in] if in_workbook else [accounts_in, revenue_in]
    fingerprint = ""
    if all(i is not None and i.digest for i in inputs):
        fingerprint = _fingerprint([i.digest for i in inputs if i is not None], policy)
    return Received(accounts_in, revenue_in, name, in_workbook, policy, problems, fingerprint)


def _fingerprint(digests: list[bytes], policy: Policy) -> str:
    """The key under which the dashboard shares loaded data between sessions: a hash of the bytes uploaded
    (issue 10: hashing bytes costs 0.02 s for the Parquet pair of 150,000 companies, 0.2 s for its 320 MB of
    CSV, where hashing the parsed content cost 0.2 s whatever the form), and of what of the policy the reading
    depends on (the sales-quality scale's spelling). So two sessions uploading the same files share one copy;
    the same data in another form is another copy."""
    h = hashlib.sha256(b"dpe-upload-1\0")
    h.update("\0".join(policy.quality_scale).encode() + b"\0")
    for digest in digests:
        h.update(digest)
    return h.hexdigest()


def read_received(received: Received, max_rows: int, max_bytes: int) -> Dataset:
    """The Dataset of what ``receive`` got, or ``DataError`` listing every problem found."""
    accounts_in, revenue_in, policy, problems = received.accounts, received.revenue, received.policy, received.problems
    in_workbook = received.in_workbook
    fast = _load_fast(accounts_in, revenue_in, policy, max_rows, max_bytes) if not in_workbook else None
    if fast is not None and not problems.found:
        accounts_done, revenue_done, codes = fast
        if revenue_done is None:  # the accounts are fine; the revenue table is read row by row
            assert revenue_in is not None  # a fast path was taken: both inputs were received
            revenue_done = _revenue_slowly(revenue_in, revenue_in.name, accounts_done, policy, max_rows, max_bytes)
        return Dataset(accounts_done, revenue_done, name=received.name, codes=codes, fingerprint=received.fingerprint)

    account_table = _read(
        accounts_in, "accounts", in_workbook, max_rows, problems, frozenset(ACCOUNT_COLUMNS), max_bytes
    )
    revenue_table = _read(revenue_in, "revenue", in_workbook, max_rows, problems, frozenset(REVENUE_COLUMNS), max_bytes)
    accounts_frame = _parse_table(account_table, _account_columns(policy), problems)
    revenue_frame = _parse_table(revenue_table, _revenue_columns(policy), problems)
    # A frame comes only from a table (the table checks below only tell the type checker so).
    if accounts_frame is not None and account_table is not None:
        _check_accounts(accounts_frame, account_table.file, problems)
        if revenue_frame is not None and revenue_table is not None:
            _check_revenue_accounts(revenue_frame, accounts_frame, revenue_table.file, problems)
    problems.raise_if_any()
    # Every way a frame comes back None records a problem first, so both are here after raise_if_any.
    assert accounts_frame is not None and revenue_frame is not None
    return Dataset(
        accounts=_finish_accounts(accounts_frame),
        revenue=_finish_revenue(revenue_frame),
        name=received.name,
        fingerprint=received.fingerprint,
    )


def read_rows_fast(received: Received, max_rows: int, max_bytes: int) -> tuple[pd.DataFrame, RevenueRows] | None:
    """The finished accounts and the revenue rows as numbers (`core.fast_load.read_revenue_rows`), where both
    tables are the plain case the fast path reads; else None (and ``read_received`` reads them, describing any
    problem). What `core.compact.load_compact` builds a session's data from, without the revenue frame."""
    from core import fast_load

    accounts_in, revenue_in = received.accounts, received.revenue
    if received.in_workbook or received.problems.found or accounts_in is None or revenue_in is None:
        return None
    if not all(isinstance(i.data, bytes) and not _is_workbook(i.data) for i in (accounts_in, revenue_in)):
        return None
    assert isinstance(accounts_in.data, bytes) and isinstance(revenue_in.data, bytes)
    try:
        accounts = fast_load.read_accounts(accounts_in.data, accounts_in.name, received.policy, max_rows, max_bytes)
        rows = fast_load.read_revenue_rows(revenue_in.data, accounts, received.policy, max_rows, max_bytes)
    except fast_load.Fallback:
        return None
    return accounts, rows


def _load_fast(
    accounts: _Input | None, revenue: _Input | None, policy: Policy, max_rows: int, max_bytes: int
) -> tuple[pd.DataFrame, pd.DataFrame | None, RevenueCodes | None] | None:
    """The accounts (and, if it can, the revenue) read on the fast path (core.fast_load), or None when the
    accounts can't be: then both tables are read row by row, as ever."""
    from core import fast_load

    if accounts is None or revenue is None or not isinstance(accounts.data, bytes) or _is_workbook(accounts.data):
        return None
    try:
        finished = fast_load.read_accounts(accounts.data, accounts.name, policy, max_rows, max_bytes)
    except fast_load.Fallback:
        return None
    if not isinstance(revenue.data, bytes) or _is_workbook(revenue.data):
        return finished, None, None
    try:
        frame, codes = fast_load.read_revenue(revenue.data, finished, policy, max_rows, max_bytes)
    except fast_load.Fallback:
        return finished, None, None
    return finished, frame, codes


def _revenue_slowly(
    source: _Input, name: str, accounts: pd.DataFrame, policy: Policy, max_rows: int, max_bytes: int
) -> pd.DataFrame:
    """The revenue table read row by row, against accounts already read and found right."""
    problems = _Problems()
    table = _read(source, "revenue", False, max_rows, problems, frozenset(REVENUE_COLUMNS), max_bytes)
    frame = _parse_table(table, _revenue_columns(policy), problems)
    if frame is not None and table is not None:
        _check_revenue_accounts(frame, accounts, table.file, problems)
    problems.raise_if_any()
    assert frame is not None
    return _finish_revenue(frame)


# -- receiving an input ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Input:
    name: str
    data: bytes | pd.DataFrame  # bytes unpacked (core.compressed) where the upload was compressed
    digest: bytes = b""  # the SHA-256 of the bytes as received (before unpacking); none for a DataFrame


class _Unreadable(Exception):
    """A whole file (or sheet) can't be used; the message says why (and ``row`` where, if known)."""

    def __init__(self, message: str, row: int | None = None):
        super().__init__(message)
        self.row = row


def _name_of(source: Any, given: str | None, default: str) -> str:
    if given:
        return given
    if isinstance(source, (str, os.PathLike)):
        return Path(source).name
    name = getattr(source, "name", None)
    return Path(name).name if isinstance(name, str) and name else default


def _receive(source: Any, name: str, max_bytes: int, problems: _Problems) -> _Input | None:
    """The input as a DataFrame or as bytes, unpacked if it came gzipped or zipped: ``max_bytes`` bounds the
    bytes received and the bytes unpacked alike."""
    if isinstance(source, pd.DataFrame):
        return _Input(name, source)
    try:
        data = _read_bytes(source, max_bytes)
        return _Input(name, compressed.unpack(data, name, max_bytes), hashlib.sha256(data).digest())
    except _Unreadable as exc:
        problems.add(name, None, None, None, str(exc))
    except compressed.Refused as exc:
        problems.add(name, None, None, None, str(exc))
    return None


def _read_bytes(source: Any, max_bytes: int) -> bytes:
    too_big = _Unreadable(f"the file is larger than the limit of {_decimal(max_bytes / 2**20, 0)} MB")
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            if path.stat().st_size > max_bytes:  # refuse before reading it into memory
                raise too_big
            with path.open("rb") as file:  # with a limit: /dev/zero or a pipe has size 0 but no end
                data = file.read(max_bytes + 1)
        except OSError as exc:
            raise _Unreadable(f"cannot read the file ({exc.strerror or exc})") from None
    elif hasattr(source, "read"):
        size = getattr(source, "size", None)  # Streamlit's UploadedFile knows its size up front
        if isinstance(size, int) and size > max_bytes:
            raise too_big
        if hasattr(source, "seek"):
            source.seek(0)  # Streamlit reruns hand us the same, already read, UploadedFile
        data = source.read(max_bytes + 1)
        if isinstance(data, str):
            data = data.encode("utf-8")
    else:
        raise TypeError(f"cannot read a table from {type(source).__name__}")
    if len(data) > max_bytes:
        raise too_big
    return data


def _is_workbook(data: bytes | pd.DataFrame) -> bool:
    return isinstance(data, bytes) and data.startswith(b"PK\x03\x04")


# -- reading a raw table -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Table:
    file: str  # as Problems name it
    frame: pd.DataFrame  # cells as found; columns: normalised header names; index: row numbers
    # Every header name, where ``frame`` holds only the columns we read (CSV, Parquet); else empty.
    header: tuple[str, ...] = ()


def _read(
    source: _Input | None,
    sheet: str,
    in_workbook: bool,
    max_rows: int,
    problems: _Problems,
    wanted: frozenset[str] = frozenset(),
    max_bytes: int = 500 * 2**20,
) -> _Table | None:
    """The raw table; CSV and Parquet read only the ``wanted`` columns (other columns cost nothing)."""
    if source is None:
        return None
    try:
        if isinstance(source.data, pd.DataFrame):
            return _frame_table(source.name, source.data, max_rows)
        if _is_workbook(source.data):
            return _xlsx_table(source.name, source.data, sheet, in_workbook, max_rows, problems)
        if source.data.startswith(b"PAR1"):
            return _parquet_table(source.name, source.data, max_rows, wanted, max_bytes)
        if source.data.startswith(b"\xd0\xcf\x11\xe0"):
            raise _Unreadable(read_xlsx.describe_compound_file(source.data))  # an old .xls, or an encrypted .xlsx
        return _csv_table(source.name, source.data, max_rows, wanted)
    except _Unreadable as exc:
        problems.add(source.name, exc.row, None, None, str(exc))
        return None


def _too_many_rows(max_rows: int) -> _Unreadable:
    return _Unreadable(f"more than {_count(max_rows)} data rows, the limit; split the file or raise max_rows")


def _too_many_columns(count: int, at_least: bool = False) -> _Unreadable:
    return _Unreadable(
        f"the header has {_count(count)}{' or more' if at_least else ''} columns, more than the limit of "
        f"{_count(MAX_COLUMNS)}: is it the right file, and does it use one separator?"
    )


def _column_key(header: Any) -> str:
    """A header cell as matched against our column names: trimmed, lower case, without a BOM."""
    if header is None or (isinstance(header, float) and np.isnan(header)):
        return ""
    return re.sub("[\ufeff\u200b]", "", str(header)).strip().lower()


def _table(file: str, header: list[Any], body: pd.DataFrame) -> _Table:
    """Name the body's columns (numbered 0..n-1) after the header; cells beyond it have no name."""
    body = body.reindex(columns=range(len(header)))
    body.columns = [_column_key(h) for h in header]
    return _Table(file, body)


def _frame_table(file: str, frame: pd.DataFrame, max_rows: int) -> _Table:
    if len(frame) > max_rows:
        raise _too_many_rows(max_rows)
    # A DataFrame reads as a sheet would: header on row 1, data from row 2.
    body = frame.set_axis(range(frame.shape[1]), axis=1).set_axis(np.arange(2, len(frame) + 2), axis=0)
    return _table(file, list(frame.columns), body)


# pandas stores an unnamed index as a column of this name; a named one (say account_id) keeps its
# name and is read like any column, since the pandas metadata that would make it an index is ignored.
_INDEX_LEVEL = re.compile(r"__index_level_\d+__")


def _parquet_table(file: str, data: bytes, max_rows: int, wanted: frozenset[str], max_bytes: int) -> _Table:
    """The Parquet file's columns we use (see ``_parquet_arrow``) as a raw table."""
    table, names = _parquet_arrow(data, max_rows, wanted, max_bytes)
    try:
        frame = table.to_pandas(ignore_metadata=True)
    except Exception as exc:  # pyarrow raises several types on a damaged file
        raise _Unreadable(f"not a readable Parquet file ({type(exc).__name__})") from None
    frame = frame.set_axis([_column_key(c) for c in frame.columns], axis=1)
    # Read as a sheet would: header on row 1, data from row 2.
    return _Table(file, frame.set_axis(np.arange(2, len(frame) + 2), axis=0), tuple(map(_column_key, names)))


def _parquet_arrow(
    data: bytes, max_rows: int, wanted: frozenset[str], max_bytes: int, written_out: bool = True
) -> tuple[Any, list[str]]:
    """Only the columns we use, as an Arrow table, and every column name. The columns are checked against the
    footer before any data is read, text columns kept as dictionaries until their written-out size is known: a
    119 KB file can repeat a 1 KiB value a million times, a gigabyte once written out. The budget for a table
    is ``max_bytes``, as for a CSV file. Text columns stay dictionaries (the fast path reads them so); where
    the caller never writes them out (``written_out`` False: the fast path's revenue table, whose text becomes
    codes), the budget is on their dictionaries instead."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(io.BytesIO(data))
        metadata = parquet.metadata
        if metadata.num_rows > max_rows:  # known from the footer, before reading the data
            raise _too_many_rows(max_rows)
        if metadata.num_columns > MAX_COLUMNS:
            raise _too_many_columns(metadata.num_columns)
        schema = parquet.schema_arrow
        names = [name for name in schema.names if not _INDEX_LEVEL.fullmatch(name)]
        read = list(dict.fromkeys(name for name in names if _column_key(name) in wanted))
        for name in read:
            kind = schema.field(name).type
            if pa.types.is_nested(kind) or pa.types.is_dictionary(kind) and pa.types.is_nested(kind.value_type):
                raise _Unreadable(f"column {_excerpt(name)} holds lists or records ({kind}), not single values")
        _check_parquet_size(parquet, read, max_bytes)
        text = [name for name in read if _is_text(schema.field(name).type)]
        if text:  # opened again (the footer is parsed twice, cheap) to read text columns as dictionaries
            parquet = pq.ParquetFile(io.BytesIO(data), read_dictionary=text)
        table = parquet.read(columns=read, use_pandas_metadata=False)
        if written_out:
            _check_text_size(table, max_bytes)
        else:
            _check_dictionary_size(table, max_bytes)
    except _Unreadable:
        raise
    except Exception as exc:  # pyarrow raises several types on a damaged file
        raise _Unreadable(f"not a readable Parquet file ({type(exc).__name__})") from None
    return table, names


def _is_text(kind: Any) -> bool:
    import pyarrow as pa

    return any(
        check(kind)
        for check in (
            pa.types.is_string,
            pa.types.is_large_string,
            pa.types.is_binary,
            pa.types.is_large_binary,
            pa.types.is_string_view,
            pa.types.is_binary_view,
        )
    )


def _check_parquet_size(parquet: Any, columns: list[str], max_bytes: int) -> None:
    """Refuse, from the footer alone, columns whose pages are larger than the budget once uncompressed."""
    metadata = parquet.metadata
    sizes: Counter[str] = Counter()
    for group in range(metadata.num_row_groups):
        row_group = metadata.row_group(group)
        for i in range(row_group.num_columns):
            chunk = row_group.column(i)
            sizes[chunk.path_in_schema.split(".")[0]] += chunk.total_uncompressed_size
    total = sum(sizes[name] for name in columns)
    if total > max_bytes:
        biggest = max(columns, key=sizes.__getitem__)
        raise _Unreadable(
            f"the columns we read take {_decimal(total / 2**20, 0)} MB uncompressed (column {_excerpt(biggest)}: "
            f"{_decimal(sizes[biggest] / 2**20, 0)} MB), more than the limit of {_decimal(max_bytes / 2**20, 0)} MB"
        )


def _check_text_size(table: Any, max_bytes: int) -> None:
    """Refuse text columns whose values, written out, would pass the budget (computed on the dictionary:
    the length of each distinct value times how often it occurs, without writing anything out)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    sizes = {}
    for name, column in zip(table.column_names, table.columns, strict=True):
        if not pa.types.is_dictionary(column.type):
            continue
        size = 0
        for chunk in column.chunks:
            lengths = pc.binary_length(chunk.dictionary).cast(pa.int64())
            size += pc.sum(lengths.take(chunk.indices)).as_py() or 0
        sizes[name] = size
    total = sum(sizes.values())
    if total > max_bytes:
        biggest = max(sizes, key=sizes.__getitem__)
        raise _Unreadable(
            f"the text columns would take {_decimal(total / 2**20, 0)} MB once read (column {_excerpt(biggest)}: "
            f"{_decimal(sizes[biggest] / 2**20, 0)} MB), more than the limit of {_decimal(max_bytes / 2**20, 0)} MB"
        )


def _check_dictionary_size(table: Any, max_bytes: int) -> None:
    """Refuse text columns whose distinct values alone pass the budget. Read as codes (the fast path), a
    column costs its dictionary plus 4 bytes a row, and rows are bounded by max_rows: a dictionary is where a
    small file can hide a huge table."""
    import pyarrow as pa

    sizes = {
        name: sum(chunk.dictionary.nbytes for chunk in column.chunks)
        for name, column in zip(table.column_names, table.columns, strict=True)
        if pa.types.is_dictionary(column.type)
    }
    total = sum(sizes.values())
    if total > max_bytes:
        biggest = max(sizes, key=sizes.__getitem__)
        raise _Unreadable(
            f"the text columns' distinct values take {_decimal(total / 2**20, 0)} MB (column {_excerpt(biggest)}: "
            f"{_decimal(sizes[biggest] / 2**20, 0)} MB), more than the limit of {_decimal(max_bytes / 2**20, 0)} MB"
        )


def _blank_cell(value: Any) -> bool:
    return (
        value is None
        or (isinstance(value, str) and not value.strip())
        or (isinstance(value, float) and np.isnan(value))
    )


def _xlsx_table(
    name: str, data: bytes, wanted: str, in_workbook: bool, max_rows: int, problems: _Problems
) -> _Table | None:
    """One sheet of a workbook, read by core.read_xlsx (bounded, exact); the cells it can't read exactly (a
    formula without a saved value, an error value, merged cells) become problems where they touch our table."""
    try:
        sheet = read_xlsx.read_sheet(data, wanted, only_sheet_fallback=not in_workbook, max_rows=max_rows)
    except read_xlsx.XlsxError as exc:
        if exc.sheet is None:
            raise _Unreadable(str(exc)) from None
        problems.add(f"{name}, sheet {exc.sheet}", exc.row, None, None, str(exc))
        return None
    if not sheet.rows:
        raise _Unreadable(f"sheet {sheet.title} is empty")
    file = f"{name}, sheet {sheet.title}"
    header = [_column_key(h) for h in sheet.rows[0]]
    known = set(ACCOUNT_COLUMNS if wanted == "accounts" else REVENUE_COLUMNS)

    def ours(row: int, column: int) -> bool:  # a cell of the header, or of a column we read
        return row == sheet.numbers[0] or (column < len(header) and header[column] in known)

    for p in sheet.problems:
        if ours(p.row, p.column):
            problems.add(file, p.row, header[p.column] if p.column < len(header) else None, p.value, p.message)
    if sheet.unlisted:
        problems.add(file, None, None, None, f"… and {_count(sheet.unlisted)} more cells that can't be read")
    for first_row, first_col, last_row, last_col in sheet.merged:
        single = (first_row, first_col) == (last_row, last_col)
        if single or last_row < sheet.numbers[0] or first_row > sheet.numbers[-1]:
            continue  # outside the table, or one cell
        top = max(first_row, sheet.numbers[0])
        columns = [c for c in range(first_col, min(last_col + 1, len(header))) if ours(top, c)]
        if columns:
            cells = f"{read_xlsx.column_letters(first_col)}{first_row}:{read_xlsx.column_letters(last_col)}{last_row}"
            problems.add(
                file,
                first_row,
                header[columns[0]] if columns[0] < len(header) else None,
                None,
                f"cells {cells} are merged: Excel keeps a value only in the first cell, the others read as "
                "empty; unmerge them and fill each cell",
            )
    rows = sheet.rows
    body = (
        pd.DataFrame(rows[1:], index=sheet.numbers[1:], columns=range(len(rows[0])))
        if len(rows) > 1
        else pd.DataFrame(columns=range(len(rows[0])))
    )
    return _table(file, rows[0], body)


# Characters that don't occur in text tables: their presence means a binary file.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1f\x7f]")
_SNIFF_CHARS = 64 * 1024
# The header line must end within this many bytes: column names take a few hundred.
_HEADER_BYTES = 256 * 1024
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")  # the second: a last line without a break
_BLANK_LINE = re.compile(r'[\s,;|"]*')  # no cell of the line holds anything


def _csv_table(file: str, data: bytes, max_rows: int, wanted: frozenset[str] = frozenset()) -> _Table:
    """The header's every name, and of the body only the ``wanted`` columns: columns we don't use are
    never parsed, and a header wider than MAX_COLUMNS is refused before anything else is."""
    binary = _Unreadable("not a table: the file is binary, but neither .xlsx nor Parquet")
    if not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and _CONTROL_BYTES.search(data, 0, _SNIFF_CHARS):
        raise binary  # said before any encoding is tried: a binary file is in none
    encoding = _text_encoding(data)
    head = data[:_HEADER_BYTES].decode(encoding, errors="ignore")
    if _CONTROL.search(head, 0, _SNIFF_CHARS):
        raise binary
    skipped, header = _header(head, complete=len(data) <= _HEADER_BYTES)
    keys = [_column_key(name) for name in header]
    use = [i for i, key in enumerate(keys) if key in wanted] if wanted else list(range(len(keys)))
    if use:
        grid = _csv_grid(data, encoding, _separator(head), skipped, use, max_rows)
        grid.columns = [keys[int(i)] for i in grid.columns]  # the labels are header positions
    else:  # none of our columns: nothing to parse, the missing ones are reported
        grid = pd.DataFrame(index=range(1))
    grid.index = np.arange(skipped + 1, skipped + 1 + len(grid))  # the record number; the header's first
    body = grid.iloc[1:]
    if len(body) > max_rows:
        raise _too_many_rows(max_rows)
    return _Table(file, body, tuple(keys))


def _header(head: str, complete: bool) -> tuple[int, list[str]]:
    """How many blank lines precede the header, and the header's cells (from the file's first
    ``_HEADER_BYTES``, decoded; ``complete`` when that is the whole file)."""
    lines = _LINE.findall(head)
    ended = len(lines) - (
        not lines[-1].endswith(("\n", "\r")) if lines else 0
    )  # lines[ended:]: cut off, unless complete
    skipped = next((i for i, line in enumerate(lines) if not _BLANK_LINE.fullmatch(line)), None)
    if skipped is None:
        raise _Unreadable(
            "the file is empty" if complete else f"no header line in the first {_HEADER_BYTES // 1024} KB"
        )
    sep = _separator(head)
    line = lines[skipped]
    if line.count(sep) + 1 > MAX_COLUMNS:  # quick: quoted separators are rare in headers, so count exactly
        count = len(_split_line(line, sep))
        if count > MAX_COLUMNS:
            raise _too_many_columns(count, at_least=skipped >= ended and not complete)
    if skipped >= ended and not complete:
        raise _Unreadable(
            f"the first line (the header) is longer than {_HEADER_BYTES // 1024} KB; a header holds column names only"
        )
    try:  # by the parser that reads the body, so both split the header alike
        header = (
            pd.read_csv(
                io.StringIO("".join(lines[skipped:])),
                sep=sep,
                quotechar='"',
                header=None,
                dtype=str,
                keep_default_na=False,
                nrows=1,
                on_bad_lines="skip",
            )
            .iloc[0]
            .tolist()
        )
    except (pd.errors.ParserError, ValueError, IndexError) as exc:
        raise _Unreadable(f"not a readable CSV file: the header can't be read ({type(exc).__name__})") from None
    return skipped, header


def _split_line(line: str, sep: str) -> list[str]:
    try:
        return next(csv.reader([line.rstrip("\r\n")], delimiter=sep), [])
    except csv.Error:  # a cell beyond the csv module's size limit: count plainly
        return line.split(sep)


# Windows-1250 and ISO-8859-2 (Latin-2) code Polish letters alike except ą ś ź Ą Ś Ź; each one's
# bytes for these are other characters (±, ¶, ¬, ˇ…) or C1 controls in the other.
_CP1250_LETTERS = b"\xb9\x9c\x9f\xa5\x8c\x8f"
_LATIN2_LETTERS = b"\xb1\xb6\xbc\xa1\xa6\xac"
_CP1250_UNDEFINED = re.compile(rb"[\x81\x83\x88\x90\x98]")
_C1_CONTROLS = re.compile(rb"[\x80-\x9f]")
# UTF-8 sequences that Polish text holds: Latin-1 and Latin Extended-A (ą ś ż…), Cyrillic, and any 3- or 4-byte
# character (punctuation, €, CJK names, emoji). The other 2-byte ones (U+0180–U+03FF, U+0500–U+07FF: IPA,
# Greek, Hebrew, Arabic…) are what Windows-1250 text forms by chance: "ĆŚ" is C6 8C, which is UTF-8 for "ƌ".
_UTF8_POLISH = re.compile(rb"[\xc2-\xc5\xd0-\xd3][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_UTF8_UNLIKELY = re.compile(rb"[\xc6-\xcf\xd4-\xdf][\x80-\xbf]")
_ACCEPTED_ENCODINGS = "UTF-8 (with or without BOM), UTF-16 with BOM, Windows-1250 or ISO-8859-2"


def _text_encoding(data: bytes) -> str:
    """UTF-8 where the bytes are; else the single-byte Polish encoding whose decoding yields more Polish
    letters. A UTF-8 file with a few bytes of another encoding is refused, naming the first one's row:
    decoding it either way would garble some names."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Excel's "Unicode text"
        return "utf-16"
    utf8 = "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
    if data.isascii():
        return utf8
    bad = _first_bad_utf8(data)
    if bad is None:
        head = data[: 2**20]
        # Valid UTF-8 is UTF-8, unless every character it would give is one Polish text doesn't hold (a short
        # Windows-1250 file can be valid UTF-8 by chance); then the single-byte encodings decide below.
        if utf8 == "utf-8-sig" or _UTF8_POLISH.search(head) or not _UTF8_UNLIKELY.search(head):
            return utf8
    else:
        near = data[max(0, bad - 2**19) : bad + 2**19]
        stripped, valid = _UTF8_POLISH.subn(b"", near)
        invalid = len(stripped) - len(stripped.translate(None, bytes(range(0x80, 0x100))))
        if utf8 == "utf-8-sig" or valid >= invalid:  # Polish text in a single-byte encoding rarely looks like UTF-8
            row = data.count(b"\n", 0, bad) + 1
            raise _Unreadable(
                f"the file is UTF-8, but byte 0x{data[bad]:02X} on line {row} is not: it mixes encodings "
                "(a name pasted from another file?); save it as UTF-8 again",
                row=row,
            )
    cp1250 = not _CP1250_UNDEFINED.search(data)
    latin2 = not _C1_CONTROLS.search(data)  # C1 controls in Latin-2, letters and punctuation in Windows-1250
    if cp1250 and latin2:
        latin2_letters = sum(data.count(b) for b in (bytes([c]) for c in _LATIN2_LETTERS))
        cp1250_letters = sum(data.count(b) for b in (bytes([c]) for c in _CP1250_LETTERS))
        return "iso-8859-2" if latin2_letters > cp1250_letters else "cp1250"
    if cp1250 or latin2:
        return "cp1250" if cp1250 else "iso-8859-2"
    if bad is None:
        return utf8  # unlikely characters, but no single-byte reading either: UTF-8 it is
    raise _Unreadable(
        f"not a table (a binary file?), or a text encoding we don't read: the encodings accepted are "
        f"{_ACCEPTED_ENCODINGS}"
    )


def _first_bad_utf8(data: bytes) -> int | None:
    """Where the first byte that isn't UTF-8 is, or None; in chunks, never decoding the whole file at once."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    step = 2**22
    for start in range(0, len(data), step):
        pending = len(decoder.getstate()[0])  # the previous chunk's unfinished character, decoded with this one
        try:
            decoder.decode(data[start : start + step], final=start + step >= len(data))
        except UnicodeDecodeError as exc:
            return start - pending + exc.start
    return None


def _separator(head: str) -> str:
    """The separator the header line uses most (values may hold decimal commas; header names don't)."""
    line = next((line for line in head.splitlines() if not _BLANK_LINE.fullmatch(line)), "")
    unquoted = re.sub(r'"[^"]*"', "", line)
    counts = {sep: unquoted.count(sep) for sep in (";", ",", "\t", "|")}
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] else ","


def _csv_grid(data: bytes, encoding: str, sep: str, skipped: int, use: list[int], max_rows: int) -> pd.DataFrame:
    """The header record and the records below it, columns ``use`` only, as strings never altered (NIP
    leading zeros stay), blank lines kept in place; columns are labelled by their position in the header."""
    try:
        return pd.read_csv(
            io.BytesIO(data),
            encoding=encoding,
            sep=sep,
            quotechar='"',
            header=None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            skiprows=skipped,
            usecols=use,
            nrows=max_rows + 2,
        )
    except pd.errors.EmptyDataError:
        raise _Unreadable("the file is empty") from None
    except (pd.errors.ParserError, ValueError):
        return _ragged_csv_grid(data.decode(encoding), sep, skipped, use, max_rows)


def _ragged_csv_grid(text: str, sep: str, skipped: int, use: list[int], max_rows: int) -> pd.DataFrame:
    """What pandas' fast reader refuses (say, a stray quote), read by the csv module, cells ``use`` only."""
    lines = io.StringIO(text, newline="")
    for _ in range(skipped):
        lines.readline()
    try:
        records = [
            [r[i] if i < len(r) else "" for i in use]
            for r in itertools.islice(csv.reader(lines, delimiter=sep), max_rows + 2)
        ]
    except csv.Error as exc:
        raise _Unreadable(f"not a readable CSV file ({exc})") from None
    return pd.DataFrame(records, columns=use, dtype=str)


# -- parsing columns ---------------------------------------------------------------------------


class _Bad(ValueError):
    """A cell that can't be read; the message says what was expected."""


_Parser = Callable[[pd.Series], tuple[pd.Series, pd.Series]]
_REQUIRED = object()


@dataclass(frozen=True)
class _Column:
    """How to read one column: ``parse`` takes the non-blank cells and returns the values and,
    indexed by row, a message for each cell it could not read. ``default`` fills blank cells."""

    parse: _Parser
    default: Any = _REQUIRED


def _no_errors() -> pd.Series:
    return pd.Series([], dtype=object)


def _each_distinct(
    convert: Callable[[Any], Any], dtype: str, as_written: Callable[[Any], np.ndarray] | None = None
) -> _Parser:
    """A parser calling ``convert`` once per distinct cell: big tables repeat few ids, categories and months.
    ``as_written`` (optional, vectorised) marks the distinct cells that ``convert`` would return unchanged, so
    only the others go through Python one by one (150,000 NIPs: milliseconds instead of seconds)."""

    def parse(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
        codes, uniques = pd.factorize(cells)
        plain = as_written(uniques) if as_written is not None else np.zeros(len(uniques), dtype=bool)
        if plain.all():  # nothing to convert (nor to iterate over in Python)
            out = pd.Series(pd.array(uniques, dtype=dtype).take(codes), index=cells.index)  # type: ignore[call-overload]
            return out, _no_errors()
        values, errors = [], {}
        for i, value in enumerate(uniques):
            if plain[i]:
                values.append(value)
                continue
            try:
                values.append(convert(value))
            except _Bad as bad:
                values.append(None)
                errors[i] = str(bad)
        # pandas-stubs has no pd.array overload for a dtype named by a variable ("str", "period[M]", "boolean").
        out = pd.Series(pd.array(values, dtype=dtype).take(codes), index=cells.index)  # type: ignore[call-overload]
        failed = np.isin(codes, list(errors))
        return out, pd.Series(codes[failed], index=cells.index[failed]).map(errors)

    return parse


def _clean(cells: pd.Series) -> pd.Series:
    """Cells as found but trimmed, with every kind of empty cell (None, NaN, '', spaces) as NaN."""
    if isinstance(cells.dtype, pd.CategoricalDtype):
        cells = cells.astype(cells.cat.categories.dtype)
    if cells.dtype == object and pd.api.types.infer_dtype(cells, skipna=True) == "string":
        cells = cells.astype("str")
    if isinstance(cells.dtype, pd.StringDtype):
        cells = cells.str.strip()
        return cells.where(cells != "")
    if cells.dtype == object:  # mixed cells, as from a spreadsheet
        try:
            codes, uniques = pd.factorize(cells)
        except TypeError:  # unhashable cells (lists, dicts from a Parquet file): taken as their text
            codes, uniques = pd.factorize(cells.map(str, na_action="ignore"))
        cleaned = [np.nan if _blank_cell(v) else v.strip() if isinstance(v, str) else v for v in uniques]
        return pd.Series(np.array(cleaned + [np.nan], dtype=object)[codes], index=cells.index)  # code -1: NaN
    return cells


def _text_value(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 1001.0 from a spreadsheet or float column is the id 1001
    return str(value).strip()


def _text(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
    if isinstance(cells.dtype, pd.StringDtype):
        return cells, _no_errors()
    if pd.api.types.is_integer_dtype(cells):
        return cells.astype("str"), _no_errors()
    return _each_distinct(_text_value, "str")(cells)


def _nip_value(value: Any) -> str:
    nip = clean_nip(re.sub(r"^(\d+)\.0+$", r"\1", _text_value(value)))  # '5260250274.0' from a float export
    if not re.fullmatch("[0-9]+", nip):
        raise _Bad("a NIP is 10 digits (spaces, dashes and a leading PL are allowed)")
    if len(nip) != 10:
        raise _Bad(f"wrong length: a NIP has 10 digits, this one has {len(nip)}")
    if nip_check_digit(nip[:9]) != int(nip[9]):  # 10 digits, checked above, so is_valid_nip's checks would repeat
        raise _Bad("invalid NIP: the checksum (last digit) doesn't match; a typo?")
    return nip


_BOOLEANS = {
    **dict.fromkeys(("true", "1", "1.0", "yes", "y", "tak"), True),
    **dict.fromkeys(("false", "0", "0.0", "no", "n", "nie"), False),
}


def _boolean_value(value: Any) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)) and value in (0, 1):
        return bool(value)
    word = _BOOLEANS.get(str(value).strip().lower())
    if word is None:
        raise _Bad("expected yes or no: true/false, 1/0, yes/no, y/n or tak/nie")
    return word


def _did_you_mean(key: str, lookup: dict[str, str]) -> str:
    """' (did you mean X?)' naming what the closest key of ``lookup`` stands for, or ''."""
    match = difflib.get_close_matches(key, list(lookup), n=1, cutoff=0.6)
    return f" (did you mean {lookup[match[0]]!r}?)" if match else ""


def _quality(policy: Policy) -> _Parser:
    names = policy.quality_scale + [pl for pl in POLISH_QUALITY_NAMES if policy.level_name(pl)]
    lookup = {name.lower(): name for name in names}

    def convert(value: Any) -> str:
        level = policy.level_name(str(value))
        if level is None:
            hint = _did_you_mean(str(value).strip().lower(), lookup)
            raise _Bad(f"unknown sales quality level{hint}; the levels are {', '.join(policy.quality_scale)}")
        return level

    return _each_distinct(convert, "str")


def _category(policy: Policy) -> _Parser:
    lookup = {c.lower(): c for c in policy.categories}
    lookup.update({alias.lower(): c for alias, c in CATEGORY_ALIASES.items()})

    def convert(value: Any) -> str:
        key = " ".join(str(value).split()).lower()
        if key in lookup:
            return lookup[key]
        raise _Bad(f"unknown category{_did_you_mean(key, lookup)}; the categories are {', '.join(policy.categories)}")

    return _each_distinct(convert, "str")


_MONTH_FORMATS = [
    re.compile(p)
    for p in (
        r"(?P<y>\d{4})[-/](?P<m>\d{1,2})",  # 2024-01, 2024/01
        r"(?P<y>\d{4})[-/](?P<m>\d{1,2})[-/](?P<d>\d{1,2})(?:[ T][\d:.]+)?",  # 2024-01-31, maybe with a time
        r"(?P<m>\d{1,2})\.(?P<y>\d{4})",  # 01.2024
        r"(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})(?: [\d:.]+)?",  # 31.01.2024
        r"(?P<y>\d{4})(?P<m>\d{2})",  # 202401, a warehouse month key
    )
]


# A date and time with a zone ('2024-10-31T23:00:00Z', '…+01:00'): an instant, taken in Warsaw time.
_ZONED = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?)")


def _month_value(value: Any) -> pd.Period:
    if isinstance(value, pd.Period):
        return value.asfreq("M")
    if isinstance(value, (dt.date, np.datetime64)):  # Excel dates arrive as datetime
        stamp = pd.Timestamp(value)
        if stamp.tz is not None:
            stamp = stamp.tz_convert(WARSAW)
        return pd.Period(year=stamp.year, month=stamp.month, freq="M")
    text = _text_value(value)
    if _ZONED.fullmatch(text):
        try:
            return _month_value(pd.Timestamp(text))
        except ValueError:
            raise _Bad("not a valid date") from None
    for pattern in _MONTH_FORMATS:
        if match := pattern.fullmatch(text):
            year, month, day = match["y"], match["m"], match.groupdict().get("d")
            if not 1 <= int(month) <= 12:
                raise _Bad(f"there is no month {int(month)}")
            try:
                dt.date(int(year), int(month), int(day or 1))
            except ValueError:
                raise _Bad("not a valid date") from None
            return pd.Period(year=int(year), month=int(month), freq="M")
    raise _Bad("expected a month such as 2024-01 (or a date such as 2024-01-31 or 31.01.2024)")


def _month(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Calendar months; a month after the current one (in Warsaw) is refused: it would silently become the
    as-of month (rules.md §2), and a typo such as 2062-10 is likelier than data from the future."""
    if isinstance(cells.dtype, pd.PeriodDtype):
        months, errors = cells.dt.asfreq("M"), _no_errors()
    elif pd.api.types.is_datetime64_any_dtype(cells):
        local = cells.dt.tz_convert(WARSAW).dt.tz_localize(None) if cells.dt.tz is not None else cells
        months, errors = local.dt.to_period("M"), _no_errors()
    else:
        months, errors = _each_distinct(_month_value, "period[M]")(cells)
    current = pd.Period(pd.Timestamp.now(tz=WARSAW).strftime("%Y-%m"), freq="M")
    if not months.empty and months.max() > current:  # the max first: the row mask is needed only on a refusal
        later = (months > current).fillna(False).astype(bool) & ~months.index.isin(errors.index)
        message = f"month after the current month ({current}); a typo?"
        errors = pd.concat([errors, pd.Series(message, index=months.index[later], dtype=object)])
    return months, errors


def _plain_number_text(text: pd.Series) -> pd.Series:
    """'1 234,56', '1.234,56' and '1,234.56' as '1234.56': of ',' and '.' the last is the decimal mark,
    the other separates thousands, as do spaces (also no-break ones)."""
    for space in (" ", "\u00a0", "\u202f"):  # plain replaces: pandas runs them in Arrow, not per cell in Python
        text = text.str.replace(space, "", regex=False)
    comma_decimal = text.str.contains(",[^.]*$", regex=True)  # a comma with no dot after it
    dot_decimal = text.str.replace(",", "", regex=False)
    comma = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    return dot_decimal.where(~comma_decimal, comma)


def _to_float(cells: pd.Series, per_percent: int | None = None) -> pd.Series:
    """Numbers as float64; NaN where a cell isn't one. With ``per_percent`` (how many percent make the
    column's unit), text like '99,5%' or '3 %' — how Excel shows a percentage-formatted cell, and what
    its CSV export writes — is a number too: 99.5 on a 0–100 scale (1), 0.03 as a share (100; divided,
    not multiplied by 0.01, so that '3%' is exactly the 0.03 a policy says)."""
    if pd.api.types.is_numeric_dtype(cells) and not pd.api.types.is_bool_dtype(cells):
        return cells.astype("float64")
    if cells.dtype.kind in "mM":  # dates and durations are no amounts (to_numeric would count nanoseconds)
        return pd.Series(np.nan, index=cells.index)
    if cells.dtype == object:  # a spreadsheet's mix of numbers and numbers stored as text
        number = pd.to_numeric(cells, errors="coerce").astype("float64")
    else:
        number = pd.Series(np.nan, index=cells.index)
    retry = number.isna()  # the text cells, which may use a decimal comma and thousands separators
    if retry.any():
        text = cells[retry].astype("str").str.strip()
        percent = text.str.endswith("%") & (per_percent is not None)
        if percent.any():
            text = text.where(~percent, text.str[:-1])
        parsed = pd.to_numeric(_plain_number_text(text), errors="coerce")
        number[retry] = parsed.where(~percent, parsed / (per_percent or 1))
    return number


def _number(low: float, high: float, hint: str = "", per_percent: int | None = None, too_high: str = "") -> _Parser:
    """Finite numbers in [low, high]; infinity and NaN (also written as text) are no numbers."""
    too_low = f"must be between {low:g} and {high:g}{hint}" if not too_high else f"can't be negative{hint}"
    too_high = too_high or too_low

    def parse(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
        number = _to_float(cells, per_percent)
        not_number = ~np.isfinite(number)
        bad = not_number | (number < low) | (number > high)
        messages = np.select([not_number[bad], number[bad] < low], ["expected a number", too_low], too_high)
        return number, pd.Series(messages, index=cells.index[bad], dtype=object)

    return parse


_SHARE = _number(0, 1, " (a share: 0.25 or 25 % is a quarter)", per_percent=100)


def _account_columns(policy: Policy) -> dict[str, _Column]:
    return {
        "account_id": _Column(_text),
        "account_name": _Column(_text, default=None),  # None: filled with the account_id later
        "nip": _Column(_each_distinct(_nip_value, "str", as_written=valid_nips)),
        "business_account": _Column(_each_distinct(_boolean_value, "boolean")),
        "sales_quality": _Column(_quality(policy)),
        "positive_ratings_pct": _Column(_number(0, 100, " (percent: 99.5 or 99,5 %)", per_percent=1)),
        "main_account": _Column(_each_distinct(_boolean_value, "boolean"), False),
        "brand_zone": _Column(_each_distinct(_boolean_value, "boolean"), False),
        "suspended": _Column(_each_distinct(_boolean_value, "boolean"), False),
        "transaction_problem_rate": _Column(_SHARE, 0.0),
        "exportable_share": _Column(_SHARE, 1.0),
        "new_condition_share": _Column(_SHARE, 1.0),
    }


def _revenue_columns(policy: Policy) -> dict[str, _Column]:
    return {
        "account_id": _Column(_text),
        "category": _Column(_category(policy)),
        "month": _Column(_month),
        "revenue": _Column(
            _number(
                0,
                MAX_REVENUE,
                too_high=f"implausible: more than {_count(MAX_REVENUE)} PLN in one row, "
                "the upper bound we accept; a typo or the wrong unit?",
            )
        ),
    }


def _known_columns(table: _Table, columns: dict[str, _Column], problems: _Problems) -> pd.DataFrame | None:
    """The table's columns we read (others are ignored), or None when one is missing or doubled."""
    names = list(table.header or table.frame.columns)
    has = [n for n in names if n]
    listing = ", ".join(_excerpt(n, 40) for n in has[:30]) + (", …" if len(has) > 30 else "") or "no named columns"
    usable = True
    for name, column in columns.items():
        count = names.count(name)
        if count > 1:
            problems.add(table.file, None, name, None, f"column {name} appears {count} times; keep one")
            usable = False
        elif count == 0 and column.default is _REQUIRED:
            problems.add(table.file, None, name, None, f"missing required column {name}; the file has: {listing}")
            usable = False
    if not usable:
        return None
    return table.frame.iloc[:, [i for i, n in enumerate(table.frame.columns) if n in columns]]


def _parse_table(table: _Table | None, columns: dict[str, _Column], problems: _Problems) -> pd.DataFrame | None:
    if table is None:
        return None
    frame = _known_columns(table, columns, problems)
    if frame is None:
        return None
    frame = pd.DataFrame({name: _clean(frame[name]) for name in frame.columns}, index=frame.index, copy=False)
    filled = frame.notna().any(axis=1)
    if not filled.all():
        frame = frame[filled]  # all-empty rows are skipped; the others keep their row numbers
    if frame.empty:
        problems.add(table.file, None, None, None, "no data rows below the header")
        return None
    parsed = {
        name: _parse_column(table.file, name, frame.get(name), column, frame.index, problems)
        for name, column in columns.items()
    }
    return pd.DataFrame(parsed, copy=False)


def _parse_column(
    file: str, name: str, cells: pd.Series | None, column: _Column, index: pd.Index, problems: _Problems
) -> pd.Series:
    if cells is None:  # an optional column the file doesn't have
        cells = pd.Series(np.nan, index=index, dtype=object)
    blank = cells.isna()
    if column.default is _REQUIRED:
        problems.add_rows(file, name, pd.Series(f"{name} is empty; it is required", index=index[blank]), cells)
    values, errors = column.parse(cells[~blank] if blank.any() else cells)
    problems.add_rows(file, name, errors, cells)
    if blank.any():
        values = values.reindex(index)
        if column.default is not _REQUIRED and column.default is not None:
            values = values.fillna(column.default)
    return values


# -- checks across rows and tables -------------------------------------------------------------


def _check_accounts(accounts: pd.DataFrame, file: str, problems: _Problems) -> None:
    ids = accounts["account_id"].dropna()
    first_row = pd.Series(ids.index, index=ids.values).groupby(level=0).first()
    repeated = ids[ids.duplicated()]
    messages = "duplicate account_id: first on row " + repeated.map(first_row).astype("str")
    problems.add_rows(file, "account_id", messages, accounts["account_id"])
    main = accounts[accounts["main_account"].fillna(False).astype(bool) & accounts["nip"].notna()]
    doubled = main[main["nip"].duplicated(keep=False)]
    for nip, marked in itertools.islice(doubled.groupby("nip", sort=False), MAX_PROBLEMS):
        listing = ", ".join(f"{_excerpt(a, 40)} (row {row})" for row, a in marked["account_id"].iloc[:10].items())
        more = ", …" if len(marked) > 10 else ""
        problems.add(
            file,
            int(marked.index[1]),
            "main_account",
            nip,
            f"NIP {nip} has {len(marked)} main accounts: {listing}{more}; mark at most one",
        )


def _check_revenue_accounts(revenue: pd.DataFrame, accounts: pd.DataFrame, file: str, problems: _Problems) -> None:
    ids = revenue["account_id"]
    unknown = ids.notna() & ~ids.isin(accounts["account_id"].dropna())
    problems.add_rows(
        file, "account_id", pd.Series("no such account_id in the accounts table", index=ids.index[unknown]), ids
    )


# -- the result --------------------------------------------------------------------------------

_TEXT = "str"  # pandas' string dtype for every text column, in both tables


def _finish_accounts(accounts: pd.DataFrame) -> pd.DataFrame:
    accounts = accounts.assign(account_name=accounts["account_name"].fillna(accounts["account_id"]))
    types: dict[str, str | type[bool]] = {c: _TEXT for c in ("account_id", "account_name", "nip", "sales_quality")}
    types |= {c: bool for c in ("business_account", "main_account", "brand_zone", "suspended")}
    types |= {
        c: "float64"
        for c in ("positive_ratings_pct", "transaction_problem_rate", "exportable_share", "new_condition_share")
    }
    accounts = accounts.astype(types)[ACCOUNT_COLUMNS]
    return accounts.sort_values("account_id", kind="stable").reset_index(drop=True)


def _finish_revenue(revenue: pd.DataFrame) -> pd.DataFrame:
    revenue = revenue.astype({"account_id": _TEXT, "category": _TEXT, "revenue": "float64"})
    # Each row is taken to the grosz before rows repeating (account, category, month) are summed (rules.md §1,
    # §7): the sum is of whole grosze, so it is exact and the same whatever the order of the rows.
    revenue["revenue"] = to_grosze(revenue["revenue"].to_numpy())
    summed = revenue.groupby(["account_id", "category", "month"], sort=True, observed=True)["revenue"].sum()
    out = summed.reset_index()[REVENUE_COLUMNS]
    out["revenue"] = out["revenue"] / 100
    return out


# -- problems ----------------------------------------------------------------------------------


def _shown(value: Any) -> str | None:
    if value is None or (np.ndim(value) == 0 and pd.isna(value)):
        return None
    return _excerpt(value)


class _Problems:
    """Collects problems; past MAX_PROBLEMS per check it only counts them, keeping huge bad files cheap."""

    def __init__(self) -> None:
        self.found: list[Problem] = []
        self.unlisted: Counter[str] = Counter()

    def add(self, file: str, row: int | None, column: str | None, value: Any, message: str) -> None:
        self.found.append(Problem(file, row, column, _shown(value), message))

    def add_rows(self, file: str, column: str, messages: pd.Series, cells: pd.Series) -> None:
        """One problem per row of ``messages`` (indexed by row number), showing that row's cell."""
        head = messages.iloc[:MAX_PROBLEMS]
        for row, message, value in zip(head.index, head, cells.loc[head.index], strict=True):
            self.add(file, int(row), column, value, message)
        self.unlisted[file] += len(messages) - len(head)

    def raise_if_any(self) -> None:
        if not self.found:
            return
        found = list(dict.fromkeys(self.found))  # a workbook read for both tables may fail twice alike
        files = list(dict.fromkeys(p.file for p in found))
        ordered = sorted(found, key=lambda p: (files.index(p.file), p.row or 0))
        for p in ordered[MAX_PROBLEMS:]:
            self.unlisted[p.file] += 1
        summary = [
            Problem(f, None, None, None, f"… and {_count(n)} more problems not listed")
            for f, n in self.unlisted.items()
            if n
        ]
        raise DataError(ordered[:MAX_PROBLEMS] + summary)
