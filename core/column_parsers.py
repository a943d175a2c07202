"""How each column of the two tables is read: the column specs (``account_columns``, ``revenue_columns``),
the parsers they use (ids, NIPs, yes/no, sales quality, categories, months, numbers), and ``parse_table``,
which runs them over a raw table (core.raw_tables) and reports every cell that fails.

A parser works on a whole column: vectorised, calling Python once per distinct value, and only for the values
that need it. Separate from core.loading because what a value means is one job, shared by both paths: the
row-by-row path (core.loading) and the fast path (core.fast_load), which sends each column's distinct values
through these very parsers, so a value means the same on both.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from core.formatting import excerpt as _excerpt
from core.nip import clean_nip, nip_check_digit, valid_nips
from core.policy import POLISH_QUALITY_NAMES, Policy
from core.problems import Problems
from core.raw_tables import Table

from .formatting import count as _count

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


class _Bad(ValueError):
    """A cell that can't be read; the message says what was expected."""


_Parser = Callable[[pd.Series], tuple[pd.Series, pd.Series]]
REQUIRED = object()


@dataclass(frozen=True)
class Column:
    """How to read one column: ``parse`` takes the non-blank cells and returns the values and,
    indexed by row, a message for each cell it could not read. ``default`` fills blank cells."""

    parse: _Parser
    default: Any = REQUIRED


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


def _blank_cell(value: Any) -> bool:
    return (
        value is None
        or (isinstance(value, str) and not value.strip())
        or (isinstance(value, float) and np.isnan(value))
    )


def clean(cells: pd.Series) -> pd.Series:
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


def account_columns(policy: Policy) -> dict[str, Column]:
    return {
        "account_id": Column(_text),
        "account_name": Column(_text, default=None),  # None: filled with the account_id later
        "nip": Column(_each_distinct(_nip_value, "str", as_written=valid_nips)),
        "business_account": Column(_each_distinct(_boolean_value, "boolean")),
        "sales_quality": Column(_quality(policy)),
        "positive_ratings_pct": Column(_number(0, 100, " (percent: 99.5 or 99,5 %)", per_percent=1)),
        "main_account": Column(_each_distinct(_boolean_value, "boolean"), False),
        "brand_zone": Column(_each_distinct(_boolean_value, "boolean"), False),
        "suspended": Column(_each_distinct(_boolean_value, "boolean"), False),
        "transaction_problem_rate": Column(_SHARE, 0.0),
        "exportable_share": Column(_SHARE, 1.0),
        "new_condition_share": Column(_SHARE, 1.0),
    }


def revenue_columns(policy: Policy) -> dict[str, Column]:
    return {
        "account_id": Column(_text),
        "category": Column(_category(policy)),
        "month": Column(_month),
        "revenue": Column(
            _number(
                0,
                MAX_REVENUE,
                too_high=f"implausible: more than {_count(MAX_REVENUE)} PLN in one row, "
                "the upper bound we accept; a typo or the wrong unit?",
            )
        ),
    }


def _known_columns(table: Table, columns: dict[str, Column], problems: Problems) -> pd.DataFrame | None:
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
        elif count == 0 and column.default is REQUIRED:
            problems.add(table.file, None, name, None, f"missing required column {name}; the file has: {listing}")
            usable = False
    if not usable:
        return None
    return table.frame.iloc[:, [i for i, n in enumerate(table.frame.columns) if n in columns]]


def parse_table(table: Table | None, columns: dict[str, Column], problems: Problems) -> pd.DataFrame | None:
    if table is None:
        return None
    frame = _known_columns(table, columns, problems)
    if frame is None:
        return None
    frame = pd.DataFrame({name: clean(frame[name]) for name in frame.columns}, index=frame.index, copy=False)
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
    file: str, name: str, cells: pd.Series | None, column: Column, index: pd.Index, problems: Problems
) -> pd.Series:
    if cells is None:  # an optional column the file doesn't have
        cells = pd.Series(np.nan, index=index, dtype=object)
    blank = cells.isna()
    if column.default is REQUIRED:
        problems.add_rows(file, name, pd.Series(f"{name} is empty; it is required", index=index[blank]), cells)
    values, errors = column.parse(cells[~blank] if blank.any() else cells)
    problems.add_rows(file, name, errors, cells)
    if blank.any():
        values = values.reindex(index)
        if column.default is not REQUIRED and column.default is not None:
            values = values.fillna(column.default)
    return values
