"""Reading one sheet of an .xlsx workbook, safely and exactly, as a table of cell values.

Why not openpyxl: it trusts the sheet's declared ``<dimension>`` (a stale one truncates the table, a huge one
pads every row to 16,384 cells: an hour of CPU for a 40 KB file), reads a formula with no saved value as
empty, merged cells as one value and empty cells, and bounds neither decompressed bytes nor cells. Here the
sheet XML is streamed once through expat and every cell is placed by its own ``r`` reference:

- bounded: each part's decompressed size (checked against the zip's declared size before reading, and
  counted while reading), columns per table, cells per sheet, shared strings, rows (Excel's 1,048,576);
- safe: a DTD is refused before any entity in it could be declared (OOXML parts never have one; this closes
  billion-laughs and external entities);
- exact: values as Excel shows them (shared, rich and inline strings with their ``_xHHHH_`` escapes,
  booleans, numbers as int or float as written, date-formatted numbers as dates in the 1900 or 1904 system,
  percentage-formatted numbers as the text Excel shows, '99.5%'); whatever can't be read exactly (a formula
  without a saved value, an error value, merged cells over the table, a hidden or doubled sheet) is reported.

Nothing is written to disk; cell values appear only in the ``CellProblem``s returned to the caller.
"""

from __future__ import annotations

import datetime as dt
import decimal
import io
import posixpath
import re
import struct
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from xml.parsers import expat

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel

from .formatting import count as _count
from .formatting import number as _decimal

# Limits. Each is far above what a real accounts or revenue sheet needs, and low enough that the worst file
# within them is read in seconds and well under 1 GB of memory.
MAX_COLUMNS = 500  # per table: ours have 12 and 4 columns, so this leaves room for a user's own columns
MAX_ELEMENTS = 6_000_000  # XML elements per part, empty cells included; bounds time: about 1 µs each, so a few
# seconds. A revenue row of 4 cells is 9 to 11 elements, so about 550,000-650,000 rows (larger tables: CSV, Parquet).
MAX_CELLS = 3_000_000  # filled cells per sheet (bounds memory; each filled cell is at least 2 elements anyway)
MAX_SHARED_STRINGS = 1_000_000  # distinct texts in the workbook (a revenue sheet repeats its ids and categories)
MAX_SHEET_BYTES = 400 * 2**20  # a sheet's XML, decompressed (that sheet is about 150 MB with inline strings)
MAX_STRINGS_BYTES = 256 * 2**20  # the shared strings' XML, decompressed
MAX_OTHER_BYTES = 16 * 2**20  # workbook.xml, styles.xml, relationships: well under 1 MB in a real workbook
MAX_PARTS = 10_000  # entries in the zip
MAX_REPORTED = 100  # cell problems listed per kind; the rest are counted
EXCEL_ROWS, EXCEL_COLUMNS = 1_048_576, 16_384

_CHUNK = 1 << 20


class XlsxError(Exception):
    """The workbook or the sheet can't be read; ``str()`` says why, for the person who uploaded it.

    ``row`` and ``column`` (0-based) locate it when one cell is to blame; ``in_sheet`` says whether the message
    is about the chosen sheet (True) or the workbook as a whole (False)."""

    def __init__(self, message: str, *, in_sheet: bool = False, row: int | None = None, column: int | None = None):
        super().__init__(message)
        self.in_sheet, self.row, self.column = in_sheet, row, column
        self.sheet: str | None = None  # the sheet's title, where in_sheet


@dataclass(frozen=True)
class CellProblem:
    """A cell (or a merged range, starting at ``row``/``column``) whose value can't be read exactly."""

    row: int  # as Excel numbers it
    column: int  # 0-based: A is 0
    value: str | None
    message: str


@dataclass
class Sheet:
    """A sheet's non-blank rows: ``rows[i]`` is row ``numbers[i]``; all as wide as the widest."""

    title: str
    numbers: list[int] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    problems: list[CellProblem] = field(default_factory=list)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # first row, first col, last row, last col
    unlisted: int = 0  # problems found past MAX_REPORTED


def column_letters(index: int) -> str:
    """0 → 'A', 25 → 'Z', 26 → 'AA', 16383 → 'XFD'."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def describe_compound_file(data: bytes) -> str:
    """Why a file starting with the OLE2 signature (D0 CF 11 E0) can't be read: an encrypted .xlsx (Excel
    wraps a password-protected workbook in such a container, as a stream named EncryptedPackage) or a
    binary document such as an old .xls."""
    # A directory entry is 128 bytes: the name in UTF-16LE, padded to 64 bytes, then its length in bytes.
    name = "EncryptedPackage\0".encode("utf-16-le")
    entry = name.ljust(64, b"\0") + struct.pack("<H", len(name))
    start = data.find(entry)
    while start != -1:
        if start % 128 == 0:  # directory sectors start at multiples of 512, entries at multiples of 128
            return "password-protected/encrypted workbook: remove the password and save again"
        start = data.find(entry, start + 1)
    return "this is an old Excel .xls file (or another binary document); save it as .xlsx or CSV"


def read_sheet(data: bytes, wanted: str, *, only_sheet_fallback: bool, max_rows: int) -> Sheet:
    """The sheet whose name, trimmed and lower-cased, is ``wanted`` (with ``only_sheet_fallback``, the only
    visible sheet when none has that name). Raises ``XlsxError``."""
    _check_entry_count(data)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - zipfile raises several types on a damaged file
        raise XlsxError(f"not a readable Excel workbook ({_reason(exc)})") from None
    with archive:
        try:
            book = _Book(archive)
            title, path = book.choose(wanted, only_sheet_fallback)
            sheet = Sheet(title)
            strings = book.shared_strings()
            styles = book.styles()
            reader = _SheetReader(sheet, strings, styles, book.date1904, max_rows)
            reader.read(book.chunks(path, MAX_SHEET_BYTES, title))
        except XlsxError as exc:
            if exc.in_sheet:
                exc.sheet = title
            raise
        except Exception as exc:  # noqa: BLE001 - a damaged part: bad CRC, truncated stream, malformed XML,
            # an unsupported compression (NotImplementedError), an encrypted entry (RuntimeError)…
            raise XlsxError(f"the workbook is damaged ({_reason(exc)}); open it in Excel and save it again") from None
    return sheet


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text[:120]}" if text else type(exc).__name__


def _check_entry_count(data: bytes) -> None:
    """Refuse a zip with absurdly many entries before zipfile builds an object for each of them."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end != -1 and end + 22 <= len(data):
        count = struct.unpack_from("<H", data, end + 10)[0]
        if count != 0xFFFF and count > MAX_PARTS:
            raise XlsxError(f"not a workbook Excel writes: the zip has {_count(count)} entries")


# -- the workbook: parts, sheets, shared strings, styles ------------------------------------------------


def _too_many_elements(where: str, in_sheet: bool = False) -> XlsxError:
    return XlsxError(
        f"{where} has more than {_count(MAX_ELEMENTS)} XML elements, more than this tool reads from Excel "
        "(about 550,000 rows of 4 columns): save a large table as CSV, or delete empty formatted cells",
        in_sheet=in_sheet,
    )


def _local(name: str) -> str:
    return name.rpartition(":")[2]


def _parser(start: Callable | None = None, end: Callable | None = None, text: Callable | None = None) -> Any:
    """An expat parser (no namespace processing: elements are matched by local name) that refuses any DTD."""
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.buffer_size = 1 << 16

    def refuse_dtd(*_: Any) -> None:
        raise XlsxError(
            "the workbook holds a DTD (document type declaration), which Excel never writes; "
            "it is refused so that no entity in it is expanded"
        )

    parser.StartDoctypeDeclHandler = refuse_dtd
    parser.EntityDeclHandler = refuse_dtd  # belt and braces: entities can only be declared inside a DTD
    if start:
        parser.StartElementHandler = start
    if end:
        parser.EndElementHandler = end
    if text:
        parser.CharacterDataHandler = text
    return parser


class _Book:
    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        infos = archive.infolist()
        if len(infos) > MAX_PARTS:
            raise XlsxError(f"not a workbook Excel writes: the zip has {_count(len(infos))} entries")
        self.parts = {info.filename.lower(): info for info in infos}  # OPC part names ignore case
        main = self._main_part()
        self.sheets: list[tuple[str, str, str]] = []  # (name, state, relationship id)
        self.date1904 = False
        self._read_workbook(main)
        self.relations = self._relations(main)

    def chunks(self, path: str, limit: int, sheet: str | None = None) -> Iterator[bytes]:
        """The part's bytes, decompressed chunk by chunk; refused past ``limit``, before reading where the zip
        says so (zipfile never returns more than the declared size; the count is a second guard)."""
        info = self.parts.get(path.lower())
        if info is None:
            raise XlsxError(f"the workbook is damaged: part {path} is missing; open it in Excel and save it again")
        where = "the sheet" if sheet else posixpath.basename(path)
        too_large = XlsxError(
            f"{where} is too large: it unpacks to more than {_decimal(limit / 2**20, 0)} MB "
            "(a zip bomb, or a table far larger than this tool reads)",
            in_sheet=sheet is not None,
        )
        if info.file_size > limit:
            raise too_large
        total = 0
        with self.archive.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                total += len(chunk)
                if total > limit:
                    raise too_large
                yield chunk

    def _parse(
        self,
        path: str,
        start: Callable,
        end: Callable | None = None,
        text: Callable | None = None,
        limit: int = MAX_OTHER_BYTES,
    ) -> None:
        elements = 0

        def counted(name: str, attrs: dict[str, str]) -> None:
            nonlocal elements
            elements += 1
            if elements > MAX_ELEMENTS:
                raise _too_many_elements(posixpath.basename(path))
            start(name, attrs)

        parser = _parser(counted, end, text)
        for chunk in self.chunks(path, limit):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)

    def _main_part(self) -> str:
        found = []

        def start(name: str, attrs: dict[str, str]) -> None:
            if _local(name) == "Relationship" and attrs.get("Type", "").endswith("/officeDocument"):
                found.append(attrs.get("Target", ""))

        if "_rels/.rels" in self.parts:
            self._parse("_rels/.rels", start)
        path = found[0].lstrip("/") if found else "xl/workbook.xml"
        if path.lower() not in self.parts:
            raise XlsxError("not an Excel workbook: the file has no workbook part (is it a Word or PowerPoint file?)")
        return path

    def _read_workbook(self, path: str) -> None:
        def start(name: str, attrs: dict[str, str]) -> None:
            tag = _local(name)
            if tag == "sheet":
                rid = next((v for k, v in attrs.items() if k.endswith(":id")), "")
                self.sheets.append((attrs.get("name", ""), attrs.get("state", "visible"), rid))
            elif tag == "workbookPr":
                self.date1904 = attrs.get("date1904", "0").lower() in ("1", "true")

        self._parse(path, start)
        self.main = path

    def _relations(self, part: str) -> dict[str, tuple[str, str]]:
        """Relationship id → (type's last word, target part path) for ``part``."""
        folder, name = posixpath.split(part)
        rels_path = posixpath.join(folder, "_rels", name + ".rels")
        found: dict[str, tuple[str, str]] = {}

        def start(tag: str, attrs: dict[str, str]) -> None:
            if _local(tag) == "Relationship" and attrs.get("TargetMode") != "External":
                target = attrs.get("Target", "")
                joined = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
                path = posixpath.normpath(joined)
                found[attrs.get("Id", "")] = (attrs.get("Type", "").rpartition("/")[2], path)

        if rels_path.lower() in self.parts:
            self._parse(rels_path, start)
        return found

    def choose(self, wanted: str, only_sheet_fallback: bool) -> tuple[str, str]:
        """(title, part path) of the sheet to read; refuses hidden and ambiguous choices rather than guess."""

        def label(name: str, state: str) -> str:
            return repr(name) + ("" if state == "visible" else " (hidden)")

        matches = [(n, s, r) for n, s, r in self.sheets if n.strip().lower() == wanted]
        if len(matches) > 1:
            listing = ", ".join(label(n, s) for n, s, _ in matches)
            raise XlsxError(
                f"the workbook has {len(matches)} sheets named {wanted!r} once spaces and capitals are "
                f"ignored: {listing}; delete or rename all but one"
            )
        visible = [(n, s, r) for n, s, r in self.sheets if s == "visible"]
        if matches and matches[0][1] != "visible":
            raise XlsxError(
                f"sheet {matches[0][0]!r} is hidden: unhide it in Excel if it is the one to read "
                "(what you see should be what is checked), or delete it"
            )
        if not matches and only_sheet_fallback and len(visible) == 1:  # a one-sheet workbook uploaded as this table
            matches = visible
        if not matches:
            listing = ", ".join(n + ("" if s == "visible" else " (hidden)") for n, s, _ in self.sheets)
            raise XlsxError(f"the workbook has no sheet named {wanted!r}; its sheets are: {listing}")
        name, _, rid = matches[0]
        kind, path = self.relations.get(rid, ("", ""))
        if kind != "worksheet":
            what = "a chart" if kind == "chartsheet" else "not a table"
            if not kind:
                raise XlsxError(
                    f"the workbook is damaged: sheet {name!r} has no part; open it in Excel and save it again"
                )
            raise XlsxError(f"sheet {name!r} is {what}; put the table on a worksheet")
        return name, path

    def _related(self, kind: str) -> str | None:
        return next((path for k, path in self.relations.values() if k == kind and path.lower() in self.parts), None)

    def shared_strings(self) -> list[str]:
        path = self._related("sharedStrings")
        if path is None:
            return []
        strings: list[str] = []
        pieces: list[str] = []
        collecting = in_phonetic = False  # inside a <t>; inside an <rPh> (a phonetic guide, not shown in the cell)
        too_many = XlsxError(
            f"the workbook has more than {_count(MAX_SHARED_STRINGS)} shared strings (distinct texts), "
            "more than this tool reads"
        )

        def start(name: str, attrs: dict[str, str]) -> None:
            nonlocal collecting, in_phonetic
            if ":" in name:
                name = _local(name)
            if name == "si":
                pieces.clear()
                if len(strings) >= MAX_SHARED_STRINGS:
                    raise too_many
            elif name == "t":
                collecting = not in_phonetic
            elif name == "rPh":
                in_phonetic = True
            elif name == "sst" and _int(attrs.get("uniqueCount")) > MAX_SHARED_STRINGS:
                raise too_many  # as Excel declares it; counted anyway, as a file may not declare it or lie

        def end(name: str) -> None:
            nonlocal collecting, in_phonetic
            if ":" in name:
                name = _local(name)
            if name == "si":
                text = pieces[0] if len(pieces) == 1 else "".join(pieces)
                strings.append(_unescape(text) if "_x" in text else text)
            elif name == "t":
                collecting = False
            elif name == "rPh":
                in_phonetic = False

        def data(chars: str) -> None:
            if collecting:
                pieces.append(chars)

        self._parse(path, start, end, data, MAX_STRINGS_BYTES)
        return strings

    def styles(self) -> list[str | None]:
        """Each cell style's number format (index: the cell's ``s``); None for General."""
        path = self._related("styles")
        if path is None:
            return []
        custom: dict[int, str] = {}
        formats: list[int] = []
        inside = [False]

        def start(name: str, attrs: dict[str, str]) -> None:
            tag = _local(name)
            if tag == "numFmt":
                custom[_int(attrs.get("numFmtId"))] = attrs.get("formatCode", "")
            elif tag == "cellXfs":
                inside[0] = True
            elif tag == "xf" and inside[0]:
                formats.append(_int(attrs.get("numFmtId")))

        def end(name: str) -> None:
            if _local(name) == "cellXfs":
                inside[0] = False

        self._parse(path, start, end)
        return [custom.get(n, BUILTIN_FORMATS.get(n)) for n in formats]


def _int(text: str | None) -> int:
    try:
        return int(text or 0)
    except ValueError:
        return 0


_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _unescape(text: str) -> str:
    """OOXML writes characters XML can't hold (a carriage return, say) as _xHHHH_, and '_x' itself as _x005F_x."""
    return _ESCAPE.sub(lambda m: chr(int(m[1], 16)), text) if "_x" in text else text


# -- the sheet -------------------------------------------------------------------------------------------


_COLUMN_OF = {column_letters(i): i for i in range(MAX_COLUMNS + 1)}  # letters → index, for the common case
_ROW_DIGITS = "0123456789"


def _column_index(letters: str) -> int:
    index = 0
    for char in letters.upper():
        if not "A" <= char <= "Z":
            raise XlsxError(f"the workbook is damaged: a cell reference {letters!r} is not one", in_sheet=True)
        index = index * 26 + ord(char) - 64
    return index - 1


class _Format:
    """What a cell style's number format means for reading: a date, a duration, a percentage, or plain."""

    def __init__(self, code: str | None) -> None:
        self.date = is_date_format(code)
        self.duration = self.date and is_timedelta_format(code)
        self.percent = "%" in (code or "")

    @property
    def plain(self) -> bool:
        return not (self.date or self.percent)


class _SheetReader:
    """Streams a sheet's XML through expat. The handlers are closures over plain local variables and handle
    the common cells (numbers, shared strings) inline: this loop runs twice per element of the sheet."""

    def __init__(self, sheet: Sheet, strings: list[str], styles: list[str | None], date1904: bool, max_rows: int):
        self.sheet, self.strings, self.max_rows = sheet, strings, max_rows
        formats = [_Format(code) for code in styles]
        self.formats = {str(i): f for i, f in enumerate(formats) if not f.plain}  # by the cell's s="…" as written
        self.epoch = MAC_EPOCH if date1904 else WINDOWS_EPOCH
        self.dates: dict[tuple[int | float, bool], Any] = {}  # a revenue sheet repeats a few dozen months

    def problem(self, row: int, column: int, value: str | None, message: str) -> None:
        if len(self.sheet.problems) < MAX_REPORTED:
            self.sheet.problems.append(CellProblem(row, column, value, message))
        else:
            self.sheet.unlisted += 1

    def read(self, chunks: Iterator[bytes]) -> None:
        sheet, strings, formats, max_rows = self.sheet, self.strings, self.formats, self.max_rows
        numbers, rows = sheet.numbers, sheet.rows
        column_of = _COLUMN_OF
        ref: str | None  # the cell's reference (r="B7"); None where the file leaves it out
        row_number, col, kind, style, ref, formula, text, filled, elements = 0, -1, "n", None, "", None, None, 0, 0
        cells: list[Any] = []
        pieces: list[str] = []
        collecting = in_inline = in_phonetic = False  # collecting: inside <v>, <f>, or an inline string's <t>

        def start(name: str, attrs: dict[str, str]) -> None:
            nonlocal row_number, col, kind, style, ref, formula, text, collecting, in_inline, in_phonetic, elements
            elements += 1
            if elements > MAX_ELEMENTS:
                raise _too_many_elements("the sheet", in_sheet=True)
            if ":" in name:
                name = _local(name)
            if name == "c":
                ref = attrs.get("r")  # None: the next column; its name is only made for a message
                if ref:
                    letters = ref.rstrip(_ROW_DIGITS)
                    index = column_of.get(letters)
                    col = index if index is not None else _column_index(letters)
                else:
                    col += 1
                if col >= EXCEL_COLUMNS:
                    raise XlsxError(
                        f"row {_count(row_number)} has a cell past Excel's last column (XFD): the file is "
                        "damaged or was not written for Excel",
                        in_sheet=True,
                        row=row_number,
                    )
                kind, style, formula, text = attrs.get("t", "n"), attrs.get("s"), None, None
            elif name == "v" or name == "f":
                collecting = True
                pieces.clear()
            elif name == "row":
                given = attrs.get("r")
                number = int(given) if given else row_number + 1
                if number <= row_number:
                    raise XlsxError(
                        f"the workbook is damaged: row {_count(number)} comes after row {_count(row_number)}; "
                        "open it in Excel and save it again",
                        in_sheet=True,
                        row=number,
                    )
                if number > EXCEL_ROWS:
                    raise XlsxError(
                        f"row {_count(number)} is past Excel's last row ({_count(EXCEL_ROWS)}): the file is damaged "
                        "or was not written for Excel",
                        in_sheet=True,
                        row=number,
                    )
                row_number, col = number, -1
                cells.clear()
            elif name == "is":
                in_inline = True
                pieces.clear()
            elif name == "t":
                collecting = in_inline and not in_phonetic
            elif name == "rPh":
                in_phonetic = True
            elif name == "mergeCell":
                merged = _merge_range(attrs.get("ref", ""))
                if merged and len(sheet.merged) < 10 * MAX_REPORTED:
                    sheet.merged.append(merged)

        def data(chars: str) -> None:
            if collecting:
                pieces.append(chars)

        def end(name: str) -> None:
            nonlocal formula, text, collecting, in_inline, in_phonetic, filled, ref
            if ":" in name:
                name = _local(name)
            if name == "v":
                text = pieces[0] if len(pieces) == 1 else "".join(pieces)
                collecting = False
            elif name == "c":
                if text is None and formula is None:
                    return  # an empty (perhaps formatted) cell: the cheapest way out, as padding can be millions
                if ref is None:
                    ref = f"{column_letters(col)}{row_number}"
                # The common cells inline: a number without a date or percent format, a shared string.
                if text is None or text == "" or kind not in ("n", "s"):
                    value = self.other_value(kind, text, formula, ref, row_number, col)
                elif kind == "s":
                    try:
                        value = strings[int(text)]
                    except (ValueError, IndexError):
                        raise XlsxError(
                            f"the workbook is damaged: cell {ref} refers to shared string {text[:20]}, "
                            "which it doesn't have; open it in Excel and save it again",
                            in_sheet=True,
                            row=row_number,
                            column=col,
                        ) from None
                else:
                    try:  # as written: '12' is an int, '12.0' and '1E3' floats (as openpyxl reads them)
                        value = float(text) if "." in text or "E" in text or "e" in text else int(text)
                    except ValueError:
                        value = _number(text)
                    if style is not None and value is not None and (fmt := formats.get(style)) is not None:
                        value = self.formatted(value, fmt)
                    elif value is None:
                        value = text
                if value is None or (value.__class__ is str and not value.strip()) or value != value:  # noqa: PLR0124
                    return  # empty, as is a NaN: nothing to place
                if col >= MAX_COLUMNS:
                    raise XlsxError(
                        f"cell {ref} holds a value, but a table here has at most {MAX_COLUMNS} columns; "
                        "delete the columns right of the table (or move the cell)",
                        in_sheet=True,
                        row=row_number,
                        column=col,
                    )
                if col >= len(cells):
                    if col > len(cells):
                        cells.extend([None] * (col - len(cells)))
                    cells.append(value)
                else:
                    cells[col] = value
                filled += 1
                if filled > MAX_CELLS:
                    raise XlsxError(
                        f"the sheet has more than {_count(MAX_CELLS)} filled cells, more than this tool reads",
                        in_sheet=True,
                    )
            elif name == "row":
                if cells:
                    if len(numbers) > max_rows:  # the header and max_rows data rows are allowed
                        raise XlsxError(
                            f"more than {_count(max_rows)} data rows, the limit; split the file or raise max_rows",
                            in_sheet=True,
                        )
                    numbers.append(row_number)
                    rows.append(cells.copy())
                    cells.clear()
            elif name == "f":
                formula = "".join(pieces)
                collecting = False
            elif name == "t":
                collecting = False
            elif name == "is":
                in_inline = False
                text = "".join(pieces)
            elif name == "rPh":
                in_phonetic = False

        parser = _parser(start, end, data)
        for chunk in chunks:
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
        width = max(map(len, rows), default=0)
        for row in rows:
            if len(row) < width:
                row.extend([None] * (width - len(row)))

    def formatted(self, number: float, fmt: _Format) -> Any:
        """A number in a date or percentage format, as Excel shows it."""
        if fmt.date:
            key = (number, fmt.duration)
            if key not in self.dates:
                if len(self.dates) > 100_000:
                    self.dates.clear()
                try:
                    self.dates[key] = from_excel(number, self.epoch, timedelta=fmt.duration)
                except (OverflowError, ValueError):
                    self.dates[key] = number  # no date: the column's own check reports the number
            return self.dates[key]
        return f"{decimal.Decimal(repr(number)) * 100:f}%"  # exact: 0.995 → 99.500%, not 99.49999…

    def other_value(self, kind: str, text: str | None, formula: str | None, ref: str, row: int, col: int) -> Any:
        """The value of a cell that is neither a number nor a shared string, or None; a value that can't be read
        exactly (a formula without a saved value, an error) is a problem."""
        if kind == "inlineStr":
            return _unescape(text) if text is not None else None
        if text is None or (text == "" and kind != "str"):
            if formula is not None:
                self.problem(
                    row,
                    col,
                    f"={formula}",
                    f"cell {ref} holds a formula without a saved value: open and "
                    "save the file in Excel (or type the value)",
                )
            return None
        if kind == "b":
            return text in ("1", "true") if text in ("1", "0", "true", "false") else text
        if kind == "str":
            return _unescape(text)
        if kind == "e":
            self.problem(row, col, text, f"cell {ref} holds the Excel error {text}: fix its formula or type the value")
            return None
        if kind == "d":  # an ISO 8601 date, rarely written
            try:
                return dt.datetime.fromisoformat(text)
            except ValueError:
                return text
        return text


def _number(text: str) -> int | float | None:
    """As written: '12' is an int, '12.0' and '1E3' floats (as openpyxl reads them)."""
    try:
        return float(text) if ("." in text or "E" in text or "e" in text) else int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return None


_RANGE = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d{1,7})(?::\$?([A-Za-z]{1,3})\$?(\d{1,7}))?")


def _merge_range(ref: str) -> tuple[int, int, int, int] | None:
    match = _RANGE.fullmatch(ref.strip())
    if not match:
        return None
    c1, r1, c2, r2 = match[1], int(match[2]), match[3] or match[1], int(match[4] or match[2])
    return r1, _column_index(c1), r2, _column_index(c2)
