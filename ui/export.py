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
