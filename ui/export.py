"""Table downloads for people: CSV and Excel bytes, with spreadsheet formulas neutralised.

A cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab / carriage return) is run as a formula
by Excel and LibreOffice, so text that came from an upload could attack whoever opens the export
(OWASP "CSV injection"). The rule:

- Excel: a text cell starting with one of those gets a leading ``'`` (openpyxl would write it as a formula).
- CSV: every field is quoted (``csv.QUOTE_ALL``) and, in text cells, a ``'`` goes before a formula
  character at the start *and after every separator a spreadsheet might split on* (``,`` ``;`` tab,
  line breaks, then any spaces or quotes). A comma-separated file opened by a Polish Excel is split on
  ``;`` regardless of the quotes, so a seller named ``Firma;=1+1`` would otherwise become a cell
  ``=1+1``; it is written as ``Firma;'=1+1``. With every field quoted, a line can only be split where
  a text value holds a separator, and there the next character is never a formula start.

Numbers are left alone (Excel reads a quoted ``"-1"`` as the number -1): a negative number is a number,
not a formula. Only the UI's downloads do this; the CLI's machine output keeps exact values.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from typing import Any

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


# A formula character at the start of a text, or after a separator (and any spaces or quotes) inside it.
_CSV_FORMULA = re.compile(r'(^|[,;\t\r\n])([ "]*)([=+\-@\t\r])')


def neutralise(value):
    """``value`` with a leading ``'`` if it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def neutralise_csv(value):
    """Text ``value`` with a ``'`` before every formula character that could start a cell once a spreadsheet
    splits the line on ``,`` or ``;`` (or a line break): ``Firma;=1+1`` → ``Firma;'=1+1``. Numbers unchanged."""
    if isinstance(value, str):
        return _CSV_FORMULA.sub(r"\1\2'\3", value)
    return value


def safe_frame(frame: pd.DataFrame, rule: Callable[[Any], Any] = neutralise) -> pd.DataFrame:
    """A copy of ``frame`` ready to export: ``rule`` applied to the headers and every text cell, categoricals
    and periods as text."""
    out = frame.copy()
    out.columns = [rule(str(c)) for c in out.columns]
    for col in out.columns:
        s = out[col]
        if isinstance(s.dtype, (pd.CategoricalDtype, pd.PeriodDtype)):
            s = s.astype(object).where(s.notna(), None).map(lambda v: None if v is None else str(v))
        if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            s = s.astype(object).map(rule)
        out[col] = s
    return out


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV with a byte-order mark (so Excel shows Polish letters right), every field quoted."""
    out = safe_frame(frame, rule=neutralise_csv)
    return out.to_csv(index=False, lineterminator="\n", quoting=csv.QUOTE_ALL).encode("utf-8-sig")


def to_excel_bytes(frames: dict[str, pd.DataFrame] | pd.DataFrame, sheet: str = "data") -> bytes:
    """An .xlsx workbook with one sheet per frame (sheet names cleaned and cut to Excel's 31 characters)."""
    if isinstance(frames, pd.DataFrame):
        frames = {sheet: frames}
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in frames.items():
            title = _SHEET_BAD.sub("_", str(name))[:31] or "data"
            safe_frame(frame).to_excel(writer, sheet_name=title, index=False)
    return buffer.getvalue()


# Excel number formats by column kind: Excel shows them in the reader's own locale (a Polish Excel writes
# 3 500 000 PLN and 12,5%), and the cells stay numbers a person can sum or sort.
EXCEL_FORMATS = {"money": '#,##0 "PLN"', "share": "0.0%"}


def csv_view(frame: pd.DataFrame, kinds: dict[str, str]) -> pd.DataFrame:
    """``frame`` as its CSV holds it: share columns (fractions) as percentages (0.125 → 12.5, their names say
    %), as the table shows them; money as PLN to the grosz."""
    out = frame.copy()
    for column, kind in kinds.items():
        if column in out.columns and kind == "share":
            out[column] = (out[column].astype(float) * 100).round(9)
        elif column in out.columns and kind == "money":
            out[column] = out[column].astype(float).round(2)
    return out


def to_csv_table(frame: pd.DataFrame, kinds: dict[str, str]) -> bytes:
    """A pure table as CSV (no comment or About lines, so any spreadsheet opens it as is)."""
    return to_csv_bytes(csv_view(frame, kinds))


def to_excel_table(frame: pd.DataFrame, kinds: dict[str, str], *, sheet: str, about: list[tuple[str, str]]) -> bytes:
    """An .xlsx with an "About" first sheet (``about``: label and value per row: what the list is, the
    scenario, month and filters) and the table on ``sheet``: numbers as numbers with a PLN or % format
    per ``kinds``, text cells neutralised (a text starting with ``=``, ``+``, ``-`` or ``@`` stays text)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    info = book.active
    info.title = "About"
    for label, value in about:
        info.append([neutralise(str(label)), neutralise(str(value))])
    for cell in info["A"]:
        cell.font = Font(bold=True)
    info.column_dimensions["A"].width = 22
    info.column_dimensions["B"].width = 100

    table = book.create_sheet(_SHEET_BAD.sub("_", sheet)[:31] or "data")
    columns = list(frame.columns)
    table.append([neutralise(str(c)) for c in columns])
    for cell in table[1]:
        cell.font = Font(bold=True)
    numeric = {i for i, c in enumerate(columns) if kinds.get(c) in EXCEL_FORMATS}
    for values in frame.itertuples(index=False, name=None):
        table.append(
            [
                (None if pd.isna(v) else float(v)) if i in numeric else (None if _blank(v) else neutralise(str(v)))
                for i, v in enumerate(values)
            ]
        )
    for i, column in enumerate(columns):
        letter = table.cell(row=1, column=i + 1).column_letter
        table.column_dimensions[letter].width = max(12, min(60, len(str(column)) + 2))
        number_format = EXCEL_FORMATS.get(kinds.get(column, ""))
        if number_format:
            for (cell,) in table.iter_rows(min_row=2, min_col=i + 1, max_col=i + 1):
                cell.number_format = number_format
    table.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value))
