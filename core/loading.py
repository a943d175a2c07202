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

from core import read_xlsx
from core.dataset import ACCOUNT_COLUMNS, REVENUE_COLUMNS, DataError, Dataset, Problem
from core.policy import POLISH_QUALITY_NAMES, Policy

# Past this many, problems are only counted: a huge bad file must not produce a huge report.
MAX_PROBLEMS = 1000

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
    max_rows: int = 10_000_000,
    max_bytes: int = 500 * 2**20,
) -> Dataset:
    """Read, validate and normalise the accounts and revenue tables.

    Each input may be a path, a file-like object (``.read()``, optional ``.name``), bytes or a
    DataFrame. ``revenue=None`` reads both tables from one .xlsx workbook given as ``accounts``
    (sheets ``accounts`` and ``revenue``). Raises ``DataError`` listing every problem found.
    """
    policy = policy or Policy.default()
    problems = _Problems()
    in_workbook = revenue is None
    accounts_name = _name_of(accounts, accounts_name, "accounts")
    accounts_in = _receive(accounts, accounts_name, max_bytes, problems)
    if in_workbook:
        revenue_name = accounts_name
        revenue_in = accounts_in if accounts_in is not None and _is_workbook(accounts_in.data) else None
        if accounts_in is not None and revenue_in is None:
            problems.add("revenue", None, None, None,
                         "no revenue table: give one, or one .xlsx workbook with sheets accounts and revenue")
    else:
        revenue_name = _name_of(revenue, revenue_name, "revenue")
        revenue_in = _receive(revenue, revenue_name, max_bytes, problems)

    account_table = _read(accounts_in, "accounts", in_workbook, max_rows, problems)
    revenue_table = _read(revenue_in, "revenue", in_workbook, max_rows, problems)
    accounts_frame = _parse_table(account_table, _account_columns(policy), problems)
    revenue_frame = _parse_table(revenue_table, _revenue_columns(policy), problems)
    if accounts_frame is not None:
        _check_accounts(accounts_frame, account_table.file, problems)
        if revenue_frame is not None:
            _check_revenue_accounts(revenue_frame, accounts_frame, revenue_table.file, problems)
    problems.raise_if_any()

    name = accounts_name if in_workbook else f"{accounts_name} + {revenue_name}"
    return Dataset(accounts=_finish_accounts(accounts_frame), revenue=_finish_revenue(revenue_frame), name=name)


# -- receiving an input ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Input:
    name: str
    data: bytes | pd.DataFrame


class _Unreadable(Exception):
    """A whole file (or sheet) can't be used; the message says why."""


def _name_of(source: Any, given: str | None, default: str) -> str:
    if given:
        return given
    if isinstance(source, (str, os.PathLike)):
        return Path(source).name
    name = getattr(source, "name", None)
    return Path(name).name if isinstance(name, str) and name else default


def _receive(source: Any, name: str, max_bytes: int, problems: _Problems) -> _Input | None:
    try:
        return _Input(name, source if isinstance(source, pd.DataFrame) else _read_bytes(source, max_bytes))
    except _Unreadable as exc:
        problems.add(name, None, None, None, str(exc))
        return None


def _read_bytes(source: Any, max_bytes: int) -> bytes:
    too_big = _Unreadable(f"the file is larger than the limit of {max_bytes / 2**20:,.0f} MB")
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            if path.stat().st_size > max_bytes:  # refuse before reading it into memory
                raise too_big
            data = path.read_bytes()
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


def _read(source: _Input | None, sheet: str, in_workbook: bool, max_rows: int, problems: _Problems) -> _Table | None:
    if source is None:
        return None
    try:
        if isinstance(source.data, pd.DataFrame):
            return _frame_table(source.name, source.data, max_rows)
        if _is_workbook(source.data):
            return _xlsx_table(source, sheet, in_workbook, max_rows, problems)
        if source.data.startswith(b"PAR1"):
            return _frame_table(source.name, _read_parquet(source.data, max_rows), max_rows)
        if source.data.startswith(b"\xd0\xcf\x11\xe0"):
            raise _Unreadable(read_xlsx.describe_compound_file(source.data))  # an old .xls, or an encrypted .xlsx
        return _csv_table(source.name, source.data, max_rows)
    except _Unreadable as exc:
        problems.add(source.name, None, None, None, str(exc))
        return None


def _too_many_rows(max_rows: int) -> _Unreadable:
    return _Unreadable(f"more than {max_rows:,} data rows, the limit; split the file or raise max_rows")


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


def _read_parquet(data: bytes, max_rows: int) -> pd.DataFrame:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(io.BytesIO(data))
        if parquet.metadata.num_rows > max_rows:  # known from the footer, before reading the data
            raise _too_many_rows(max_rows)
        return parquet.read().to_pandas()
    except _Unreadable:
        raise
    except Exception as exc:  # pyarrow raises several types on a damaged file
        raise _Unreadable(f"not a readable Parquet file ({type(exc).__name__})") from None


def _blank_cell(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (isinstance(value, float) and np.isnan(value))


def _xlsx_table(source: _Input, wanted: str, in_workbook: bool, max_rows: int, problems: _Problems) -> _Table | None:
    """One sheet of a workbook, read by core.read_xlsx (bounded, exact); the cells it can't read exactly (a
    formula without a saved value, an error value, merged cells) become problems where they touch our table."""
    try:
        sheet = read_xlsx.read_sheet(source.data, wanted, only_sheet_fallback=not in_workbook, max_rows=max_rows)
    except read_xlsx.XlsxError as exc:
        if exc.sheet is None:
            raise _Unreadable(str(exc)) from None
        problems.add(f"{source.name}, sheet {exc.sheet}", exc.row, None, None, str(exc))
        return None
    if not sheet.rows:
        raise _Unreadable(f"sheet {sheet.title} is empty")
    file = f"{source.name}, sheet {sheet.title}"
    header = [_column_key(h) for h in sheet.rows[0]]
    known = set(ACCOUNT_COLUMNS if wanted == "accounts" else REVENUE_COLUMNS)

    def ours(row: int, column: int) -> bool:  # a cell of the header, or of a column we read
        return row == sheet.numbers[0] or (column < len(header) and header[column] in known)

    for p in sheet.problems:
        if ours(p.row, p.column):
            problems.add(file, p.row, header[p.column] if p.column < len(header) else None, p.value, p.message)
    if sheet.unlisted:
        problems.add(file, None, None, None, f"… and {sheet.unlisted:,} more cells that can't be read")
    for first_row, first_col, last_row, last_col in sheet.merged:
        single = (first_row, first_col) == (last_row, last_col)
        if single or last_row < sheet.numbers[0] or first_row > sheet.numbers[-1]:
            continue  # outside the table, or one cell
        top = max(first_row, sheet.numbers[0])
        columns = [c for c in range(first_col, min(last_col + 1, len(header))) if ours(top, c)]
        if columns:
            cells = f"{read_xlsx.column_letters(first_col)}{first_row}:{read_xlsx.column_letters(last_col)}{last_row}"
            problems.add(file, first_row, header[columns[0]] if columns[0] < len(header) else None, None,
                         f"cells {cells} are merged: Excel keeps a value only in the first cell, the others read as "
                         "empty; unmerge them and fill each cell")
    rows = sheet.rows
    body = pd.DataFrame(rows[1:], index=sheet.numbers[1:], columns=range(len(rows[0]))) if len(rows) > 1 \
        else pd.DataFrame(columns=range(len(rows[0])))
    return _table(file, rows[0], body)


# Characters that don't occur in text tables: their presence means a binary file.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_SNIFF_BYTES = 64 * 1024


def _csv_table(file: str, data: bytes, max_rows: int) -> _Table:
    encoding = _text_encoding(data)
    head = data[:_SNIFF_BYTES].decode(encoding, errors="ignore")
    if _CONTROL.search(head):
        raise _Unreadable("not a table: the file is binary, but neither .xlsx nor Parquet")
    grid = _csv_grid(data, encoding, _separator(head), max_rows)
    grid.index = np.arange(1, len(grid) + 1)  # the record number: a quoted line break stays in its row
    header_row = next((n for n, cells in zip(grid.index, grid.itertuples(index=False)) if not all(map(_blank_cell, cells))), None)
    if header_row is None:
        raise _Unreadable("the file is empty")
    body = grid.loc[header_row + 1 :]
    if len(body) > max_rows:
        raise _too_many_rows(max_rows)
    return _table(file, grid.loc[header_row].tolist(), body)


def _text_encoding(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Excel's "Unicode text"
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8", "cp1250"]  # Polish Excel on Windows saves CSV as Windows-1250
    for encoding in candidates:
        try:
            data.decode(encoding)
            return encoding
        except UnicodeDecodeError:
            pass
    raise _Unreadable("not a table: the text is neither UTF-8, UTF-16 nor Windows-1250 (or the file is binary)")


def _separator(head: str) -> str:
    """The separator the header line uses most (values may hold decimal commas; header names don't)."""
    line = next((line for line in head.splitlines() if line.strip()), "")
    unquoted = re.sub(r'"[^"]*"', "", line)
    counts = {sep: unquoted.count(sep) for sep in (";", ",", "\t", "|")}
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] else ","


def _csv_grid(data: bytes, encoding: str, sep: str, max_rows: int) -> pd.DataFrame:
    """Every record as strings, never altered (NIP leading zeros stay), blank lines kept in place."""
    try:
        return pd.read_csv(io.BytesIO(data), encoding=encoding, sep=sep, quotechar='"', header=None, dtype=str,
                           keep_default_na=False, skip_blank_lines=False, nrows=max_rows + 2)
    except pd.errors.EmptyDataError:
        raise _Unreadable("the file is empty") from None
    except (pd.errors.ParserError, ValueError):
        return _ragged_csv_grid(data.decode(encoding), sep, max_rows)


def _ragged_csv_grid(text: str, sep: str, max_rows: int) -> pd.DataFrame:
    """Records of differing length, which pandas' fast reader refuses, padded with empty cells."""
    try:
        records = list(itertools.islice(csv.reader(io.StringIO(text, newline=""), delimiter=sep), max_rows + 2))
    except csv.Error as exc:
        raise _Unreadable(f"not a readable CSV file ({exc})") from None
    width = max(map(len, records), default=0)
    return pd.DataFrame([r + [""] * (width - len(r)) for r in records], columns=range(width), dtype=str)


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


def _each_distinct(convert: Callable[[Any], Any], dtype: str) -> _Parser:
    """A parser calling ``convert`` once per distinct cell: big tables repeat few ids, categories and months."""

    def parse(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
        codes, uniques = pd.factorize(cells)
        values, errors = [], {}
        for i, value in enumerate(uniques):
            try:
                values.append(convert(value))
            except _Bad as bad:
                values.append(None)
                errors[i] = str(bad)
        out = pd.Series(pd.array(values, dtype=dtype).take(codes), index=cells.index)
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


_NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)


def _nip_value(value: Any) -> str:
    text = re.sub(r"^(\d+)\.0+$", r"\1", _text_value(value))  # '5260250274.0' from a float export
    nip = re.sub(r"[\s\-]", "", text)
    if nip[:2].lower() == "pl":
        nip = nip[2:]
    if not re.fullmatch("[0-9]+", nip):
        raise _Bad("a NIP is 10 digits (spaces, dashes and a leading PL are allowed)")
    if len(nip) != 10:
        raise _Bad(f"wrong length: a NIP has 10 digits, this one has {len(nip)}")
    check = sum(int(d) * w for d, w in zip(nip, _NIP_WEIGHTS)) % 11
    if check != int(nip[9]):  # a remainder of 10 never matches a digit
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


def _month_value(value: Any) -> pd.Period:
    if isinstance(value, pd.Period):
        return value.asfreq("M")
    if isinstance(value, (dt.date, np.datetime64)):  # Excel dates arrive as datetime
        stamp = pd.Timestamp(value)
        return pd.Period(year=stamp.year, month=stamp.month, freq="M")
    text = _text_value(value)
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
    if isinstance(cells.dtype, pd.PeriodDtype):
        return cells.dt.asfreq("M"), _no_errors()
    if pd.api.types.is_datetime64_any_dtype(cells):
        naive = cells.dt.tz_localize(None) if cells.dt.tz is not None else cells
        return naive.dt.to_period("M"), _no_errors()
    return _each_distinct(_month_value, "period[M]")(cells)


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


def _number(low: float, high: float = np.inf, hint: str = "", per_percent: int | None = None) -> _Parser:
    out_of_range = f"can't be negative{hint}" if high == np.inf else f"must be between {low:g} and {high:g}{hint}"

    def parse(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
        number = _to_float(cells, per_percent)
        not_number = ~np.isfinite(number)
        bad = not_number | (number < low) | (number > high)
        messages = np.where(not_number[bad], "expected a number", out_of_range)
        return number, pd.Series(messages, index=cells.index[bad], dtype=object)

    return parse


_SHARE = _number(0, 1, " (a share: 0.25 or 25 % is a quarter)", per_percent=100)


def _account_columns(policy: Policy) -> dict[str, _Column]:
    return {
        "account_id": _Column(_text),
        "account_name": _Column(_text, default=None),  # None: filled with the account_id later
        "nip": _Column(_each_distinct(_nip_value, "str")),
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
        "revenue": _Column(_number(0)),
    }


def _known_columns(table: _Table, columns: dict[str, _Column], problems: _Problems) -> pd.DataFrame | None:
    """The table's columns we read (others are ignored), or None when one is missing or doubled."""
    names = list(table.frame.columns)
    has = [n for n in names if n]
    listing = ", ".join(has[:30]) + (", …" if len(has) > 30 else "") or "no named columns"
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
    return table.frame.iloc[:, [i for i, n in enumerate(names) if n in columns]]


def _parse_table(table: _Table | None, columns: dict[str, _Column], problems: _Problems) -> pd.DataFrame | None:
    frame = _known_columns(table, columns, problems) if table is not None else None
    if frame is None:
        return None
    frame = pd.DataFrame({name: _clean(frame[name]) for name in frame.columns}, index=frame.index, copy=False)
    filled = frame.notna().any(axis=1)
    if not filled.all():
        frame = frame[filled]  # all-empty rows are skipped; the others keep their row numbers
    if frame.empty:
        problems.add(table.file, None, None, None, "no data rows below the header")
        return None
    parsed = {name: _parse_column(table.file, name, frame.get(name), column, frame.index, problems) for name, column in columns.items()}
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
        listing = ", ".join(f"{a} (row {row})" for row, a in marked["account_id"].items())
        problems.add(file, int(marked.index[1]), "main_account", nip,
                     f"NIP {nip} has {len(marked)} main accounts: {listing}; mark at most one")


def _check_revenue_accounts(revenue: pd.DataFrame, accounts: pd.DataFrame, file: str, problems: _Problems) -> None:
    ids = revenue["account_id"]
    unknown = ids.notna() & ~ids.isin(accounts["account_id"].dropna())
    problems.add_rows(file, "account_id", pd.Series("no such account_id in the accounts table", index=ids.index[unknown]), ids)


# -- the result --------------------------------------------------------------------------------

_TEXT = "str"  # pandas' string dtype for every text column, in both tables


def _finish_accounts(accounts: pd.DataFrame) -> pd.DataFrame:
    accounts = accounts.assign(account_name=accounts["account_name"].fillna(accounts["account_id"]))
    types = {c: _TEXT for c in ("account_id", "account_name", "nip", "sales_quality")}
    types |= {c: bool for c in ("business_account", "main_account", "brand_zone", "suspended")}
    types |= {c: "float64" for c in ("positive_ratings_pct", "transaction_problem_rate", "exportable_share", "new_condition_share")}
    accounts = accounts.astype(types)[ACCOUNT_COLUMNS]
    return accounts.sort_values("account_id", kind="stable").reset_index(drop=True)


def _finish_revenue(revenue: pd.DataFrame) -> pd.DataFrame:
    revenue = revenue.astype({"account_id": _TEXT, "category": _TEXT, "revenue": "float64"})
    # Rows repeating (account, category, month) are summed (rules.md §1); groupby also sorts.
    summed = revenue.groupby(["account_id", "category", "month"], sort=True, observed=True)["revenue"].sum()
    return summed.reset_index()[REVENUE_COLUMNS]


# -- problems ----------------------------------------------------------------------------------


def _shown(value: Any) -> str | None:
    if value is None or (np.ndim(value) == 0 and pd.isna(value)):
        return None
    text = str(value)
    return text if len(text) <= 80 else text[:79] + "…"


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
        for row, message, value in zip(head.index, head, cells.loc[head.index]):
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
        summary = [Problem(f, None, None, None, f"… and {n:,} more problems not listed") for f, n in self.unlisted.items() if n]
        raise DataError(ordered[:MAX_PROBLEMS] + summary)
