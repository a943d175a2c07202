"""Loading at engine speed: the two tables read and checked column by column in Arrow, for the common case of
a clean file (CSV in UTF-8 or Windows-1250/ISO-8859-2 with any of the separators we detect, plain or
decimal-comma numbers; Parquet).

Why Arrow (pyarrow, already a dependency): measured on the production-size files (150,000 companies, 8 M
revenue rows), its multithreaded CSV reader with dictionary-encoded text columns and its Parquet reader keeping
Parquet's own dictionaries give every column as codes into a few distinct values in well under a second, and
nothing else is needed to check them. See benchmarks/bench_load.py for the figures.

How: every column we use is read as a dictionary (distinct values + one code per row). The distinct values — a
few dozen categories and months, one per account or NIP — go through the very parsers of the row-by-row path
(core.column_parsers), so a value means the same on both paths. The revenue amounts, one per row, are cast by Arrow
and bounded by the same parser. Rows are then codes: repeats of (account, category, month) are found on int64
keys and summed only when there are some. ``read_revenue_rows`` hands those numbers on as they are (the compact
form a dashboard session and the CLI use: `core.compact.load_compact`); ``read_revenue`` also builds the
normalised frame for ``load_dataset``, with the codes for compute_metrics.

The fast path reports no problem itself: whatever it can't vouch for (a value that doesn't parse, a blank
required cell, an unknown or doubled account, an unusual layout or encoding) raises ``Fallback``, and
load_dataset reads that table again row by row, which describes every problem with file, row, column and value
exactly as before. A bad file so costs the old time; a good one never pays for the descriptions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv

from core.column_parsers import REQUIRED, Column, account_columns, clean, revenue_columns
from core.dataset import REVENUE_COLUMNS, RevenueCodes
from core.loading import finish_accounts
from core.metrics import RevenueRows, to_grosze
from core.policy import CATEGORIES, Policy
from core.raw_tables import (
    CONTROL,
    CONTROL_BYTES,
    HEADER_BYTES,
    SNIFF_CHARS,
    Unreadable,
    column_key,
    csv_header,
    csv_separator,
    parquet_arrow,
    text_encoding,
)

_TEXT = pa.dictionary(pa.int32(), pa.string())


class Fallback(Exception):
    """This input isn't the plain case: the row-by-row path reads it, and says what is wrong, if anything."""


@dataclass(frozen=True)
class FastTables:
    accounts: pd.DataFrame
    revenue: pd.DataFrame
    codes: RevenueCodes


def read_accounts(data: bytes, file: str, policy: Policy, max_rows: int, max_bytes: int) -> pd.DataFrame:
    """The finished accounts table (as ``finish_accounts`` makes it), or ``Fallback``."""
    specs = account_columns(policy)
    columns = _arrow_columns(data, frozenset(specs), specs, frozenset(), max_rows, max_bytes)
    rows = len(next(iter(columns.values())))
    frame = pd.DataFrame({name: _column_values(columns.get(name), spec, rows) for name, spec in specs.items()})
    # A doubled account_id, or a NIP with two main accounts: the row-by-row path describes them (check_accounts).
    # Here only whether there is one: two hash passes, not check_accounts' row numbers for every account.
    main = frame["main_account"].astype(bool)
    if frame["account_id"].duplicated().any() or frame["nip"][main].duplicated().any():
        raise Fallback
    return finish_accounts(frame)


def read_revenue(
    data: bytes, accounts: pd.DataFrame, policy: Policy, max_rows: int, max_bytes: int
) -> tuple[pd.DataFrame, RevenueCodes]:
    """The finished revenue table (sorted by account, category and month, repeats summed, as
    ``_finish_revenue`` makes it) and where each row points, or ``Fallback``."""
    rows = read_revenue_rows(data, accounts, policy, max_rows, max_bytes)
    revenue = pd.DataFrame(
        {
            "account_id": pc.take(pa.array(accounts["account_id"], type=pa.string()), rows.account).to_pandas(),
            "category": pc.take(pa.array(CATEGORIES, type=pa.string()), rows.category).to_pandas(),
            "month": pd.arrays.PeriodArray(rows.month.astype(np.int64), dtype=pd.PeriodDtype("M")),
            "revenue": rows.grosze / 100,
        },
        copy=False,
    )[REVENUE_COLUMNS]
    return revenue, RevenueCodes.of(accounts, revenue, rows.account, rows.category)


def read_revenue_rows(
    data: bytes, accounts: pd.DataFrame, policy: Policy, max_rows: int, max_bytes: int
) -> RevenueRows:
    """The revenue rows as numbers (`core.metrics.RevenueRows`: each row's position in ``accounts``, which the
    loader sorts by account_id, category code, month ordinal, whole grosze), sorted by account, category name and
    month with repeats summed, or ``Fallback``. No text column is built: this is all compute_metrics and a
    dashboard session need (`core.compact`), and at 8 M rows the two text columns of the frame cost more than
    everything else here."""
    specs = revenue_columns(policy)
    columns = _arrow_columns(data, frozenset(specs), specs, frozenset({"revenue"}), max_rows, max_bytes, False)

    codes, ids, _ = _distinct_values(columns.pop("account_id"), specs["account_id"])
    account_ids = pa.array(accounts["account_id"], type=pa.string())
    position = pc.index_in(pa.array(ids, type=pa.string()), value_set=account_ids)
    if position.null_count:  # an account the accounts table doesn't have
        raise Fallback
    row_account = position.to_numpy().astype(np.int32)[codes]

    codes, categories, _ = _distinct_values(columns.pop("category"), specs["category"])
    published = {name: i for i, name in enumerate(CATEGORIES)}
    row_category = np.array([published[c] for c in categories], dtype=np.int8)[codes]

    codes, months, _ = _distinct_values(columns.pop("month"), specs["month"])
    row_month = np.asarray(months.array.asi8, dtype=np.int32)[codes]  # month ordinals: 2026 is about 680

    grosze = to_grosze(_amounts(columns.pop("revenue"), specs["revenue"]))
    del codes, columns
    # Arrow keeps freed memory for reuse; the columns read are gone now, and what follows allocates with numpy.
    pa.default_memory_pool().release_unused()
    return RevenueRows(*_sorted_and_summed(row_account, row_category, row_month, grosze))


def _sorted_and_summed(
    account: np.ndarray, category: np.ndarray, month: np.ndarray, grosze: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rows in the order of (account_id, category name, month), rows repeating all three summed (rules.md §1),
    in whole grosze like ``_finish_revenue``. A file usually comes sorted and without repeats: one pass over an
    int64 key says so, and then nothing is moved."""
    if not len(grosze):
        return account, category, month, grosze
    by_name = np.argsort(np.argsort(np.array(CATEGORIES, dtype=object)))  # published position → rank by name
    first = int(month.min())
    span = int(month.max()) - first + 1
    key = account.astype(np.int64)  # in place from here: this runs over every row
    key *= len(CATEGORIES)
    key += by_name[category]
    key *= span
    key += month
    key -= first
    if (key[1:] > key[:-1]).all():
        return account, category, month, grosze
    order = np.argsort(key, kind="stable")
    key, account, category, month, grosze = key[order], account[order], category[order], month[order], grosze[order]
    starts = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1])))
    if len(starts) < len(key):
        grosze = np.add.reduceat(grosze, starts)
        account, category, month = account[starts], category[starts], month[starts]
    return account, category, month, grosze


# -- reading the columns -----------------------------------------------------------------------


def _arrow_columns(
    data: bytes,
    wanted: frozenset[str],
    specs: dict[str, Column],
    numbers: frozenset[str],
    max_rows: int,
    max_bytes: int,
    written_out: bool = True,
) -> dict[str, pa.ChunkedArray]:
    """The columns we use, by normalised name; ``numbers`` are read as plain text (one value per row), the
    others as dictionaries. Missing or doubled columns, no rows or too many: ``Fallback``. ``written_out``: the
    text will be written out row by row (accounts), so a Parquet file's text is bounded as written out."""
    if data.startswith(b"PAR1"):
        try:
            table, names = parquet_arrow(data, max_rows, wanted, max_bytes, written_out)
        except Unreadable:
            raise Fallback from None
        keys = [column_key(n) for n in names]
        columns = {column_key(n): table.column(n) for n in table.column_names}
    else:
        keys, columns = _csv_columns(data, wanted, numbers, max_rows)
    for name, spec in specs.items():
        if keys.count(name) > 1 or (name not in keys and spec.default is REQUIRED):
            raise Fallback
    rows = len(next(iter(columns.values())))
    if not 0 < rows <= max_rows:
        raise Fallback
    return columns


def _csv_columns(
    data: bytes, wanted: frozenset[str], numbers: frozenset[str], max_rows: int
) -> tuple[list[str], dict[str, pa.ChunkedArray]]:
    """A CSV file's header keys and the columns we use, read by Arrow. The header, encoding and separator are
    found by the row-by-row path's own functions; what they would refuse, or blank lines above the header, or
    UTF-16, falls back."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or CONTROL_BYTES.search(data, 0, SNIFF_CHARS):
        raise Fallback
    try:
        encoding = text_encoding(data)
        head = data[:HEADER_BYTES].decode(encoding, errors="ignore")
        skipped, header = csv_header(head, complete=len(data) <= HEADER_BYTES)
    except Unreadable:
        raise Fallback from None
    if skipped or CONTROL.search(head, 0, SNIFF_CHARS) or encoding not in ("utf-8", "utf-8-sig", "cp1250"):
        raise Fallback
    keys = [column_key(h) for h in header]
    names = [f"c{i}" for i in range(len(keys))]
    use = [i for i, key in enumerate(keys) if key in wanted]
    if not use:
        raise Fallback
    try:
        table = pv.read_csv(
            pa.BufferReader(data),
            read_options=pv.ReadOptions(
                column_names=names, skip_rows=1, encoding="utf8" if encoding.startswith("utf-8") else encoding
            ),
            parse_options=pv.ParseOptions(delimiter=csv_separator(head), quote_char='"', double_quote=True),
            convert_options=pv.ConvertOptions(
                include_columns=[names[i] for i in use],
                column_types={names[i]: pa.string() if keys[i] in numbers else _TEXT for i in use},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowException, ValueError, UnicodeError):  # ragged rows, a quoted line break, a bad byte…
        raise Fallback from None
    if table.num_rows > max_rows:
        raise Fallback
    return keys, {keys[i]: table.column(names[i]) for i in use}


def _distinct_values(column: pa.ChunkedArray, spec: Column) -> tuple[np.ndarray, pd.Series, np.ndarray]:
    """Each row's code, the distinct values parsed by the row-by-row path's parser (NaN where blank), and which
    rows are blank. A value the parser refuses, or a blank where the column is required: ``Fallback``."""
    try:
        if not pa.types.is_dictionary(column.type):
            column = column.dictionary_encode()
        column = column.unify_dictionaries()
    except pa.ArrowException:  # a type Arrow can't encode
        raise Fallback from None
    dictionary = column.chunk(0).dictionary if column.num_chunks else pa.array([], pa.string())
    indices = pa.chunked_array([chunk.indices for chunk in column.chunks], type=column.type.index_type)
    codes = pc.fill_null(indices, -1).to_numpy().astype(np.int64) if indices.null_count else indices.to_numpy()
    if pa.types.is_date(dictionary.type):  # as the row-by-row path gets them from to_pandas: datetime.date
        distinct = pd.Series(dictionary.to_pylist(), dtype=object)
    else:
        distinct = dictionary.to_pandas()
    cleaned = clean(distinct.reset_index(drop=True))
    blank = cleaned.isna().to_numpy()
    values, errors = spec.parse(cleaned[~blank] if blank.any() else cleaned)
    if len(errors):
        raise Fallback
    row_blank = codes < 0
    if blank.any():
        row_blank |= blank[np.maximum(codes, 0)]
    if row_blank.any() and spec.default is REQUIRED:
        raise Fallback
    return codes, values.reindex(cleaned.index), row_blank


def _column_values(column: pa.ChunkedArray | None, spec: Column, rows: int) -> pd.Series:
    """One accounts column, parsed, blanks given the column's default (None: left empty, as the row-by-row
    path leaves them for ``finish_accounts``)."""
    if column is None:
        if spec.default is None:  # as the row-by-row path's missing cells: empty, of no type yet
            return pd.Series(np.nan, index=range(rows), dtype=object)
        return pd.Series(spec.default, index=range(rows))
    codes, values, blank = _distinct_values(column, spec)
    out = values.iloc[np.maximum(codes, 0)].reset_index(drop=True)
    if blank.any():
        out = out.where(~blank)
        if spec.default is not None:
            out = out.fillna(spec.default)
    return out


def _amounts(column: pa.ChunkedArray, spec: Column) -> np.ndarray:
    """The revenue amounts as float64. Text is cast by Arrow, a decimal comma first made a point when the
    column has no point at all (so no comma can be a thousands separator); Arrow's number syntax is narrower
    than the row-by-row path's (no spaces, no thousands separators), so what it refuses falls back. The bounds
    are the row-by-row parser's."""
    kind = column.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        if pc.any(pc.match_substring(column, ",")).as_py():
            if pc.any(pc.match_substring(column, ".")).as_py():
                raise Fallback
            column = pc.replace_substring(column, ",", ".")
    elif not (pa.types.is_integer(kind) or pa.types.is_floating(kind)):
        raise Fallback
    try:
        number = pc.cast(column, pa.float64())
    except pa.ArrowException:
        raise Fallback from None
    if number.null_count:
        raise Fallback
    amounts = np.concatenate([chunk.to_numpy() for chunk in number.chunks]) if number.num_chunks != 1 else None
    if amounts is None:
        amounts = number.chunk(0).to_numpy()
    _, errors = spec.parse(pd.Series(amounts, copy=False))
    if len(errors):
        raise Fallback
    return amounts


def load_fast(
    accounts: bytes, revenue: bytes, accounts_name: str, policy: Policy, max_rows: int, max_bytes: int
) -> FastTables:
    """Both tables on the fast path, or ``Fallback``."""
    finished = read_accounts(accounts, accounts_name, policy, max_rows, max_bytes)
    frame, codes = read_revenue(revenue, finished, policy, max_rows, max_bytes)
    return FastTables(finished, frame, codes)
