"""Numbers for people, in ONE format, Polish style (shared by the CLI, the UI, the charts and exports).

The format (issue 11 §4):

- thousands are grouped with a NO-BREAK SPACE, U+00A0 (``NBSP``): it is the grouping separator of
  Polish in Unicode's CLDR, every font has it (the narrow U+202F is missing from some, e.g. the PDF
  core fonts), and it keeps a figure on one line: ``3 500 000``;
- the decimal separator is a comma: ``1 234,5``;
- money is ``3 500 000 PLN`` (the code, not "zł": the policy file and the data say PLN), a no-break
  space before the unit;
- a percentage has a no-break space before the sign: ``12,5 %``;
- chart axes abbreviate millions and billions: ``3,5 mln``, ``1 mld`` (below a million the figure is
  written in full, ``400 000``, rather than as "k" or "tys.").

Every figure a person reads is written by a function here (``pln``, ``pct``, ``percent``, ``count``,
``number``, ``compact``, ``axis_ticks``); the widgets whose text the browser writes (tables, sliders,
chart hovers) use the format strings defined here (``PRINTF_*``, ``PLOTLY_SEPARATORS``) so they agree.
Machine files (the decisions CSV, raw numbers in exports) keep plain numbers: they are for programs.

Reasons and flags are codes in the decisions (``revenue|quality_main``); ``reasons_text`` writes them
as words for people (``revenue below threshold, main account quality``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import pandas as pd

NBSP = "\u00a0"  # the thousands separator, and the space before a unit or a % sign
DECIMAL = ","

# Format strings for the widgets whose text the browser writes. Streamlit's printf (sprintf-js, as
# patched by Streamlit 1.67) groups thousands with the character after a ``'`` flag: "%'X,d" groups
# with X. It has no decimal comma, so only whole numbers use these; decimals go through `pct` et al.
PRINTF_INT = f"%'{NBSP},d"
PRINTF_SIGNED_INT = f"%+'{NBSP},d"
PRINTF_PLN = f"%'{NBSP},.0f{NBSP}PLN"
PRINTF_SIGNED_PLN = f"%+'{NBSP},.0f{NBSP}PLN"
PRINTF_WHOLE_PERCENT = f"%d{NBSP}%%"
# Plotly's layout.separators: the decimal mark, then the thousands separator.
PLOTLY_SEPARATORS = DECIMAL + NBSP


def _missing(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float):  # the common case, without pandas' general isna
        return value != value
    return not isinstance(value, str) and bool(pd.isna(value))


def number(value, decimals: int | None = 0) -> str:
    """1234567.8 -> '1 234 568'; with ``decimals=1`` -> '1 234 567,8'. ``decimals=None`` writes the number
    without float noise and without trailing zeros (0.025 -> '0,025', 99.0 -> '99'), for values a person
    typed. Never '-0': a value that rounds to zero has no sign."""
    if _missing(value):
        return "—"
    value = float(value)
    if not math.isfinite(value):
        return "—"
    if decimals is None:  # up to 10 significant digits, as a person would write the number
        text = format(abs(value), ".10g")
        if "e" in text:
            text = format(abs(value), ".12f").rstrip("0").rstrip(".") if abs(value) < 1 else format(abs(value), ".0f")
        whole, _, fraction = text.partition(".")
        text = f"{int(whole):,}" + ("." + fraction if fraction else "")
    else:
        text = f"{abs(value):,.{decimals}f}"
    whole, _, fraction = text.partition(".")
    out = whole.replace(",", NBSP) + (DECIMAL + fraction if fraction else "")
    nonzero = any(ch not in f"0{NBSP}{DECIMAL}" for ch in out)
    return ("-" if value < 0 and nonzero else "") + out


def count(n) -> str:
    """12345 -> '12 345': a count of companies, accounts, rows."""
    if _missing(n):
        return "—"
    return number(int(n), 0)


integer = count


def signed_count(n) -> str:
    """A change in a count: '+12', '-3', '0'."""
    if _missing(n):
        return "—"
    return ("+" if n > 0 else "") + count(n)


def pln(value, decimals: int = 0) -> str:
    """1234567.8 -> '1 234 568 PLN' (no-break spaces keep the figure on one line)."""
    if _missing(value):
        return "—"
    return f"{number(value, decimals)}{NBSP}PLN"


def pct(fraction, decimals: int | None = 1) -> str:
    """A fraction as a percentage: 0.123 -> '12,3 %' (``decimals=None``: no float noise, 0.03 -> '3 %')."""
    if _missing(fraction):
        return "—"
    value = float(fraction) * 100
    if decimals is None:
        value = round(value, 10)
    return f"{number(value, decimals)}{NBSP}%"


def percent(value, decimals: int | None = 1) -> str:
    """A value already in percent (positive ratings: 99.5) -> '99,5 %'."""
    if _missing(value):
        return "—"
    return f"{number(value, decimals)}{NBSP}%"


# -- chart axes ----------------------------------------------------------------------------------

_UNITS = ((1e9, "mld"), (1e6, "mln"))


def compact(value: float, unit: float | None = None) -> str:
    """An axis label: 3500000 -> '3,5 mln', 2e9 -> '2 mld', 400000 -> '400 000'. ``unit`` (1e6, 1e9 or 1)
    forces one unit, so that every tick of a linear axis is in the same one ('0,5 mln', '1 mln')."""
    if _missing(value):
        return "—"
    value = float(value)
    if unit is None:
        unit = next((u for u, _ in _UNITS if abs(value) >= u), 1.0)
    if unit == 1 or value == 0:
        return number(value, None)
    name = dict(_UNITS)[unit]
    return f"{number(round(value / unit, 2), None)}{NBSP}{name}"


def _nice_step(span: float, target: int) -> float:
    raw = span / max(target, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)


def axis_ticks(high: float, low: float = 0.0, *, log: bool = False, target: int = 5) -> tuple[list[float], list[str]]:
    """Tick values and their labels for a chart axis from ``low`` to ``high`` (plotly's tickvals and
    ticktext), written by `compact`: '0', '0,5 mln', '1 mln', … on a linear axis (one unit for every
    tick), '10 000', '100 000', '1 mln', '10 mln' on a log axis (powers of ten, and 2 and 5 between
    them when there are few decades)."""
    if not math.isfinite(high) or high <= low:
        high = low + 1
    if log:
        low = max(low, 1.0)
        first, last = math.floor(math.log10(low)), math.ceil(math.log10(high))
        steps = (1, 2, 5) if last - first <= 3 else (1,)
        grid = [m * 10.0**e for e in range(first, last + 1) for m in steps]
        # from the grid value at or below ``low`` to the one at or above ``high`` (plotly pads its range)
        below = max((v for v in grid if v <= low), default=grid[0])
        above = min((v for v in grid if v >= high), default=grid[-1])
        values = [v for v in grid if below <= v <= above]
        return values, [compact(v) for v in values]
    step = _nice_step(high - low, target)
    start = math.floor(low / step) * step
    values = []
    v = start
    while v < high + step * (1 - 1e-9):  # up to the first tick at or above ``high``
        values.append(round(v, 10))
        v += step
    top = max(abs(values[0]), abs(values[-1]))
    unit = next((u for u, _ in _UNITS if top >= u), 1.0)
    return values, [compact(v, unit) for v in values]


# -- reasons and flags as words ------------------------------------------------------------------

REASON_WORDS = {
    "no_revenue": "no revenue in the last 12 months",
    "revenue": "revenue below threshold",
    "business_account": "no Business Account",
    "ratings": "positive ratings",
    "quality_main": "main account quality",
    "quality_other": "other accounts' quality",
    "growth": "growth",
    "insufficient_history": "no revenue a year earlier",
}
FLAG_WORDS = {
    "suspended": "suspended account",
    "transaction_problems": "transaction problems",
    "export": "low exportable share",
    "condition": "few products in condition New",
}
CODE_WORDS = {**REASON_WORDS, **FLAG_WORDS}


def reasons_text(codes) -> str:
    """'revenue|quality_main|growth' -> 'revenue below threshold, main account quality, growth' (a code
    not listed is kept as it is); empty or missing -> ''."""
    if _missing(codes):
        return ""
    parts: Iterable[str] = str(codes).split("|") if isinstance(codes, str) else codes
    return ", ".join(CODE_WORDS.get(p, excerpt(p, 40)) for p in parts if p)


flags_text = reasons_text


def excerpt(value: object, limit: int = 80) -> str:
    """``value`` as text, cut to ``limit`` characters: every message that quotes what a user gave (a cell, a
    key, a link) quotes it through here, so a megabyte of input can't make a megabyte of message."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def yes_no(value) -> str:
    return "yes" if bool(value) else "no"


def pln_short(value) -> str:
    """Money for sentences and slides, where the last złoty does not matter: 31234567 -> '31,2 mln PLN',
    1451700000 -> '1,45 mld PLN', 640000 -> '640 tys. PLN'."""
    if _missing(value):
        return "—"
    value = float(value)
    if abs(value) >= 1e9:
        return f"{number(value / 1e9, 2)}{NBSP}mld{NBSP}PLN"
    if abs(value) >= 1e6:
        return f"{number(value / 1e6, 1)}{NBSP}mln{NBSP}PLN"
    if abs(value) >= 1e3:
        return f"{number(value / 1e3, 0)}{NBSP}tys.{NBSP}PLN"
    return pln(value)
