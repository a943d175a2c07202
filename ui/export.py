"""Table downloads for people: CSV and Excel bytes, with spreadsheet formulas neutralised.

A cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab / carriage return) is run as a formula
by Excel and LibreOffice, so text that came from an upload could attack whoever opens the export
(OWASP "CSV injection"). Text cells starting with one of those get a leading ``'``. Numbers are left
alone: a negative number is a number, not a formula. Only the UI's downloads do this; the CLI's
machine output keeps exact values.
"""

from __future__ import annotations

import io
import re

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def neutralise(value):
    """``value`` with a leading ``'`` if it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` ready to export: formula-like text neutralised, categoricals and periods as text."""
    out = frame.copy()
    out.columns = [neutralise(str(c)) for c in out.columns]
    for col in out.columns:
        s = out[col]
        if isinstance(s.dtype, (pd.CategoricalDtype, pd.PeriodDtype)):
            s = s.astype(object).where(s.notna(), None).map(lambda v: None if v is None else str(v))
        if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            s = s.astype(object).map(neutralise)
        out[col] = s
    return out


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV with a byte-order mark, so Excel shows Polish letters right."""
    return safe_frame(frame).to_csv(index=False, lineterminator="\n").encode("utf-8-sig")


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
