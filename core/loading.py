"""Reading the two input tables (rules.md §1) into a validated, normalised ``Dataset``.

Flow: receive each input (path, file-like, bytes or DataFrame; size-checked) → read it into a raw table
whose index is the row number a person sees (CSV, .xlsx and Parquet told apart by content, not
by extension) → parse every known column, vectorised, with per-row Python only for the rows
that failed → cross-row checks → a ``Dataset``, or a ``DataError`` listing every problem found.

This module is the public API and that flow, with the steps that need both tables or none: receiving the
inputs, the checks across rows and tables, and the finished tables. The steps between have modules of their
own: core.raw_tables reads a raw table (the file formats), core.column_parsers parses its columns, and
core.problems collects what they find. A plain file takes the fast path (core.fast_load), which uses the same
pieces and gives way to this one wherever it can't vouch for the data.

Uploads are confidential: nothing here writes to disk or logs a cell value. Values travel back to
the uploader only inside the ``Problem``s of a ``DataError``.
"""

from __future__ import annotations

import hashlib
import itertools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from core import compressed
from core.column_parsers import CATEGORY_ALIASES, MAX_REVENUE, WARSAW, account_columns, parse_table, revenue_columns
from core.dataset import ACCOUNT_COLUMNS, REVENUE_COLUMNS, Dataset, RevenueCodes
from core.formatting import excerpt as _excerpt
from core.metrics import RevenueRows, to_grosze
from core.policy import Policy
from core.problems import MAX_PROBLEMS, Problems
from core.raw_tables import MAX_COLUMNS, Input, Unreadable, is_workbook, read_table

from .formatting import number as _decimal

__all__ = [
    "CATEGORY_ALIASES",
    "MAX_BYTES",
    "MAX_COLUMNS",
    "MAX_PROBLEMS",
    "MAX_REVENUE",
    "MAX_ROWS",
    "WARSAW",
    "Received",
    "check_accounts",
    "finish_accounts",
    "load_dataset",
    "read_received",
    "read_rows_fast",
    "receive",
]

# The default limits, sized for the real program's data (issue 10): 1,000,000 accounts with 24 months of revenue
# in several categories is about 50 M revenue rows, read from Parquet (the fast path holds a row in about 40
# bytes). MAX_BYTES bounds each file as uploaded and, for a .csv.gz or .zip, as unpacked: the 8 M-row revenue
# table of 150,000 companies is 306 MB as CSV. The dashboard's upload limit (.streamlit/config.toml
# server.maxUploadSize) is the same 500 MB.
MAX_ROWS = 60_000_000
MAX_BYTES = 500 * 2**20


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

    accounts: Input | None
    revenue: Input | None
    name: str
    in_workbook: bool
    policy: Policy
    problems: Problems
    fingerprint: str  # of the bytes received ("" where an input is a DataFrame: the Dataset hashes its content)


def receive(
    accounts: Any, revenue: Any, policy: Policy, accounts_name: str | None, revenue_name: str | None, max_bytes: int
) -> Received:
    problems = Problems()
    in_workbook = revenue is None
    accounts_name = _name_of(accounts, accounts_name, "accounts")
    accounts_in = _receive(accounts, accounts_name, max_bytes, problems)
    if in_workbook:
        revenue_name = accounts_name
        revenue_in = accounts_in if accounts_in is not None and is_workbook(accounts_in.data) else None
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

    account_table = read_table(
        accounts_in, "accounts", in_workbook, max_rows, problems, frozenset(ACCOUNT_COLUMNS), max_bytes
    )
    revenue_table = read_table(
        revenue_in, "revenue", in_workbook, max_rows, problems, frozenset(REVENUE_COLUMNS), max_bytes
    )
    accounts_frame = parse_table(account_table, account_columns(policy), problems)
    revenue_frame = parse_table(revenue_table, revenue_columns(policy), problems)
    # A frame comes only from a table (the table checks below only tell the type checker so).
    if accounts_frame is not None and account_table is not None:
        check_accounts(accounts_frame, account_table.file, problems)
        if revenue_frame is not None and revenue_table is not None:
            _check_revenue_accounts(revenue_frame, accounts_frame, revenue_table.file, problems)
    problems.raise_if_any()
    # Every way a frame comes back None records a problem first, so both are here after raise_if_any.
    assert accounts_frame is not None and revenue_frame is not None
    return Dataset(
        accounts=finish_accounts(accounts_frame),
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
    if not all(isinstance(i.data, bytes) and not is_workbook(i.data) for i in (accounts_in, revenue_in)):
        return None
    assert isinstance(accounts_in.data, bytes) and isinstance(revenue_in.data, bytes)
    try:
        accounts = fast_load.read_accounts(accounts_in.data, accounts_in.name, received.policy, max_rows, max_bytes)
        rows = fast_load.read_revenue_rows(revenue_in.data, accounts, received.policy, max_rows, max_bytes)
    except fast_load.Fallback:
        return None
    return accounts, rows


def _load_fast(
    accounts: Input | None, revenue: Input | None, policy: Policy, max_rows: int, max_bytes: int
) -> tuple[pd.DataFrame, pd.DataFrame | None, RevenueCodes | None] | None:
    """The accounts (and, if it can, the revenue) read on the fast path (core.fast_load), or None when the
    accounts can't be: then both tables are read row by row, as ever."""
    from core import fast_load

    if accounts is None or revenue is None or not isinstance(accounts.data, bytes) or is_workbook(accounts.data):
        return None
    try:
        finished = fast_load.read_accounts(accounts.data, accounts.name, policy, max_rows, max_bytes)
    except fast_load.Fallback:
        return None
    if not isinstance(revenue.data, bytes) or is_workbook(revenue.data):
        return finished, None, None
    try:
        frame, codes = fast_load.read_revenue(revenue.data, finished, policy, max_rows, max_bytes)
    except fast_load.Fallback:
        return finished, None, None
    return finished, frame, codes


def _revenue_slowly(
    source: Input, name: str, accounts: pd.DataFrame, policy: Policy, max_rows: int, max_bytes: int
) -> pd.DataFrame:
    """The revenue table read row by row, against accounts already read and found right."""
    problems = Problems()
    table = read_table(source, "revenue", False, max_rows, problems, frozenset(REVENUE_COLUMNS), max_bytes)
    frame = parse_table(table, revenue_columns(policy), problems)
    if frame is not None and table is not None:
        _check_revenue_accounts(frame, accounts, table.file, problems)
    problems.raise_if_any()
    assert frame is not None
    return _finish_revenue(frame)


# -- receiving an input ------------------------------------------------------------------------


def _name_of(source: Any, given: str | None, default: str) -> str:
    if given:
        return given
    if isinstance(source, (str, os.PathLike)):
        return Path(source).name
    name = getattr(source, "name", None)
    return Path(name).name if isinstance(name, str) and name else default


def _receive(source: Any, name: str, max_bytes: int, problems: Problems) -> Input | None:
    """The input as a DataFrame or as bytes, unpacked if it came gzipped or zipped: ``max_bytes`` bounds the
    bytes received and the bytes unpacked alike."""
    if isinstance(source, pd.DataFrame):
        return Input(name, source)
    try:
        data = _read_bytes(source, max_bytes)
        return Input(name, compressed.unpack(data, name, max_bytes), hashlib.sha256(data).digest())
    except Unreadable as exc:
        problems.add(name, None, None, None, str(exc))
    except compressed.Refused as exc:
        problems.add(name, None, None, None, str(exc))
    return None


def _read_bytes(source: Any, max_bytes: int) -> bytes:
    too_big = Unreadable(f"the file is larger than the limit of {_decimal(max_bytes / 2**20, 0)} MB")
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
            raise Unreadable(f"cannot read the file ({exc.strerror or exc})") from None
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


# -- checks across rows and tables -------------------------------------------------------------


def check_accounts(accounts: pd.DataFrame, file: str, problems: Problems) -> None:
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


def _check_revenue_accounts(revenue: pd.DataFrame, accounts: pd.DataFrame, file: str, problems: Problems) -> None:
    ids = revenue["account_id"]
    unknown = ids.notna() & ~ids.isin(accounts["account_id"].dropna())
    problems.add_rows(
        file, "account_id", pd.Series("no such account_id in the accounts table", index=ids.index[unknown]), ids
    )


# -- the result --------------------------------------------------------------------------------

_TEXT = "str"  # pandas' string dtype for every text column, in both tables


def finish_accounts(accounts: pd.DataFrame) -> pd.DataFrame:
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
