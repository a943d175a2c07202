"""Reading one input (bytes, or a DataFrame) into a raw table: the cells as found, the columns named after the
normalised header, the index the row number a person sees. Nothing here knows what a column means; that is
core.column_parsers.

CSV, .xlsx and Parquet are told apart by content, not by extension. CSV: the encoding, the blank lines above
the header and the separator are sniffed, and only the columns we use are parsed. Parquet: read by pyarrow, its
sizes checked against the footer before any data is read. .xlsx: read by core.read_xlsx. A file that can't be
used at all raises ``Unreadable``; a sheet's cells that can't be read exactly become problems.

A module of its own because the file formats are one job, and the largest part of reading: core.loading's flow
reads in a page without them. core.fast_load sniffs a CSV file and reads a Parquet one with these same
functions, so both paths accept the same files.

Uploads are confidential: nothing here writes to disk or logs a cell value.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from core import read_xlsx
from core.dataset import ACCOUNT_COLUMNS, REVENUE_COLUMNS
from core.formatting import excerpt as _excerpt
from core.problems import Problems

from .formatting import count as _count
from .formatting import number as _decimal

# A table with more columns is refused before it is parsed: ours has at most 12, and a header of a
# million empty names (`a,a,a,…`) costs minutes and gigabytes to parse for nothing.
MAX_COLUMNS = 1000


@dataclass(frozen=True)
class Input:
    """One input as core.loading received it: what a raw table is read from."""

    name: str
    data: bytes | pd.DataFrame  # bytes unpacked (core.compressed) where the upload was compressed
    digest: bytes = b""  # the SHA-256 of the bytes as received (before unpacking); none for a DataFrame


class Unreadable(Exception):
    """A whole file (or sheet) can't be used; the message says why (and ``row`` where, if known)."""

    def __init__(self, message: str, row: int | None = None):
        super().__init__(message)
        self.row = row


def is_workbook(data: bytes | pd.DataFrame) -> bool:
    return isinstance(data, bytes) and data.startswith(b"PK\x03\x04")


@dataclass(frozen=True)
class Table:
    file: str  # as Problems name it
    frame: pd.DataFrame  # cells as found; columns: normalised header names; index: row numbers
    # Every header name, where ``frame`` holds only the columns we read (CSV, Parquet); else empty.
    header: tuple[str, ...] = ()


def read_table(
    source: Input | None,
    sheet: str,
    in_workbook: bool,
    max_rows: int,
    problems: Problems,
    wanted: frozenset[str] = frozenset(),
    max_bytes: int = 500 * 2**20,
) -> Table | None:
    """The raw table; CSV and Parquet read only the ``wanted`` columns (other columns cost nothing)."""
    if source is None:
        return None
    try:
        if isinstance(source.data, pd.DataFrame):
            return _frame_table(source.name, source.data, max_rows)
        if is_workbook(source.data):
            return _xlsx_table(source.name, source.data, sheet, in_workbook, max_rows, problems)
        if source.data.startswith(b"PAR1"):
            return _parquet_table(source.name, source.data, max_rows, wanted, max_bytes)
        if source.data.startswith(b"\xd0\xcf\x11\xe0"):
            raise Unreadable(read_xlsx.describe_compound_file(source.data))  # an old .xls, or an encrypted .xlsx
        return _csv_table(source.name, source.data, max_rows, wanted)
    except Unreadable as exc:
        problems.add(source.name, exc.row, None, None, str(exc))
        return None


def _too_many_rows(max_rows: int) -> Unreadable:
    return Unreadable(f"more than {_count(max_rows)} data rows, the limit; split the file or raise max_rows")


def _too_many_columns(count: int, at_least: bool = False) -> Unreadable:
    return Unreadable(
        f"the header has {_count(count)}{' or more' if at_least else ''} columns, more than the limit of "
        f"{_count(MAX_COLUMNS)}: is it the right file, and does it use one separator?"
    )


def column_key(header: Any) -> str:
    """A header cell as matched against our column names: trimmed, lower case, without a BOM."""
    if header is None or (isinstance(header, float) and np.isnan(header)):
        return ""
    return re.sub("[\ufeff\u200b]", "", str(header)).strip().lower()


def _table(file: str, header: list[Any], body: pd.DataFrame) -> Table:
    """Name the body's columns (numbered 0..n-1) after the header; cells beyond it have no name."""
    body = body.reindex(columns=range(len(header)))
    body.columns = [column_key(h) for h in header]
    return Table(file, body)


def _frame_table(file: str, frame: pd.DataFrame, max_rows: int) -> Table:
    if len(frame) > max_rows:
        raise _too_many_rows(max_rows)
    # A DataFrame reads as a sheet would: header on row 1, data from row 2.
    body = frame.set_axis(range(frame.shape[1]), axis=1).set_axis(np.arange(2, len(frame) + 2), axis=0)
    return _table(file, list(frame.columns), body)


# pandas stores an unnamed index as a column of this name; a named one (say account_id) keeps its
# name and is read like any column, since the pandas metadata that would make it an index is ignored.
_INDEX_LEVEL = re.compile(r"__index_level_\d+__")


def _parquet_table(file: str, data: bytes, max_rows: int, wanted: frozenset[str], max_bytes: int) -> Table:
    """The Parquet file's columns we use (see ``parquet_arrow``) as a raw table."""
    table, names = parquet_arrow(data, max_rows, wanted, max_bytes)
    try:
        frame = table.to_pandas(ignore_metadata=True)
    except Exception as exc:  # pyarrow raises several types on a damaged file
        raise Unreadable(f"not a readable Parquet file ({type(exc).__name__})") from None
    frame = frame.set_axis([column_key(c) for c in frame.columns], axis=1)
    # Read as a sheet would: header on row 1, data from row 2.
    return Table(file, frame.set_axis(np.arange(2, len(frame) + 2), axis=0), tuple(map(column_key, names)))


def parquet_arrow(
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
        parquet = pq.ParquetFile(pa.BufferReader(data))
        metadata = parquet.metadata
        if metadata.num_rows > max_rows:  # known from the footer, before reading the data
            raise _too_many_rows(max_rows)
        if metadata.num_columns > MAX_COLUMNS:
            raise _too_many_columns(metadata.num_columns)
        schema = parquet.schema_arrow
        names = [name for name in schema.names if not _INDEX_LEVEL.fullmatch(name)]
        read = list(dict.fromkeys(name for name in names if column_key(name) in wanted))
        for name in read:
            kind = schema.field(name).type
            if pa.types.is_nested(kind) or pa.types.is_dictionary(kind) and pa.types.is_nested(kind.value_type):
                raise Unreadable(f"column {_excerpt(name)} holds lists or records ({kind}), not single values")
        _check_parquet_size(parquet, read, max_bytes)
        text = [name for name in read if _is_text(schema.field(name).type)]
        # pa.BufferReader: Arrow reads the bytes in place (an io.BytesIO goes through Python file calls, 20-40 ms
        # slower on the 41 MB revenue file).
        if text:  # opened again (the footer is parsed twice, cheap) to read text columns as dictionaries
            parquet = pq.ParquetFile(pa.BufferReader(data), read_dictionary=text)
        table = parquet.read(columns=read, use_pandas_metadata=False)
        if written_out:
            _check_text_size(table, max_bytes)
        else:
            _check_dictionary_size(table, max_bytes)
    except Unreadable:
        raise
    except Exception as exc:  # pyarrow raises several types on a damaged file
        raise Unreadable(f"not a readable Parquet file ({type(exc).__name__})") from None
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
        raise Unreadable(
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
        raise Unreadable(
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
        raise Unreadable(
            f"the text columns' distinct values take {_decimal(total / 2**20, 0)} MB (column {_excerpt(biggest)}: "
            f"{_decimal(sizes[biggest] / 2**20, 0)} MB), more than the limit of {_decimal(max_bytes / 2**20, 0)} MB"
        )


def _xlsx_table(
    name: str, data: bytes, wanted: str, in_workbook: bool, max_rows: int, problems: Problems
) -> Table | None:
    """One sheet of a workbook, read by core.read_xlsx (bounded, exact); the cells it can't read exactly (a
    formula without a saved value, an error value, merged cells) become problems where they touch our table."""
    try:
        sheet = read_xlsx.read_sheet(data, wanted, only_sheet_fallback=not in_workbook, max_rows=max_rows)
    except read_xlsx.XlsxError as exc:
        if exc.sheet is None:
            raise Unreadable(str(exc)) from None
        problems.add(f"{name}, sheet {exc.sheet}", exc.row, None, None, str(exc))
        return None
    if not sheet.rows:
        raise Unreadable(f"sheet {sheet.title} is empty")
    file = f"{name}, sheet {sheet.title}"
    header = [column_key(h) for h in sheet.rows[0]]
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
CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1f\x7f]")
SNIFF_CHARS = 64 * 1024
# The header line must end within this many bytes: column names take a few hundred.
HEADER_BYTES = 256 * 1024
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")  # the second: a last line without a break
_BLANK_LINE = re.compile(r'[\s,;|"]*')  # no cell of the line holds anything


def _csv_table(file: str, data: bytes, max_rows: int, wanted: frozenset[str] = frozenset()) -> Table:
    """The header's every name, and of the body only the ``wanted`` columns: columns we don't use are
    never parsed, and a header wider than MAX_COLUMNS is refused before anything else is."""
    binary = Unreadable("not a table: the file is binary, but neither .xlsx nor Parquet")
    if not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and CONTROL_BYTES.search(data, 0, SNIFF_CHARS):
        raise binary  # said before any encoding is tried: a binary file is in none
    encoding = text_encoding(data)
    head = data[:HEADER_BYTES].decode(encoding, errors="ignore")
    if CONTROL.search(head, 0, SNIFF_CHARS):
        raise binary
    skipped, header = csv_header(head, complete=len(data) <= HEADER_BYTES)
    keys = [column_key(name) for name in header]
    use = [i for i, key in enumerate(keys) if key in wanted] if wanted else list(range(len(keys)))
    if use:
        grid = _csv_grid(data, encoding, csv_separator(head), skipped, use, max_rows)
        grid.columns = [keys[int(i)] for i in grid.columns]  # the labels are header positions
    else:  # none of our columns: nothing to parse, the missing ones are reported
        grid = pd.DataFrame(index=range(1))
    grid.index = np.arange(skipped + 1, skipped + 1 + len(grid))  # the record number; the header's first
    body = grid.iloc[1:]
    if len(body) > max_rows:
        raise _too_many_rows(max_rows)
    return Table(file, body, tuple(keys))


def csv_header(head: str, complete: bool) -> tuple[int, list[str]]:
    """How many blank lines precede the header, and the header's cells (from the file's first
    ``HEADER_BYTES``, decoded; ``complete`` when that is the whole file)."""
    lines = _LINE.findall(head)
    ended = len(lines) - (
        not lines[-1].endswith(("\n", "\r")) if lines else 0
    )  # lines[ended:]: cut off, unless complete
    skipped = next((i for i, line in enumerate(lines) if not _BLANK_LINE.fullmatch(line)), None)
    if skipped is None:
        raise Unreadable("the file is empty" if complete else f"no header line in the first {HEADER_BYTES // 1024} KB")
    sep = csv_separator(head)
    line = lines[skipped]
    if line.count(sep) + 1 > MAX_COLUMNS:  # quick: quoted separators are rare in headers, so count exactly
        count = len(_split_line(line, sep))
        if count > MAX_COLUMNS:
            raise _too_many_columns(count, at_least=skipped >= ended and not complete)
    if skipped >= ended and not complete:
        raise Unreadable(
            f"the first line (the header) is longer than {HEADER_BYTES // 1024} KB; a header holds column names only"
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
        raise Unreadable(f"not a readable CSV file: the header can't be read ({type(exc).__name__})") from None
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


def text_encoding(data: bytes) -> str:
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
            raise Unreadable(
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
    raise Unreadable(
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


def csv_separator(head: str) -> str:
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
        raise Unreadable("the file is empty") from None
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
        raise Unreadable(f"not a readable CSV file ({exc})") from None
    return pd.DataFrame(records, columns=use, dtype=str)
