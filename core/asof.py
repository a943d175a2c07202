"""The as-of month that cannot mislead (issue 11 §7): which months of the two 12-month windows have no
revenue rows at all, a warning that says what that breaks, the month before, and which months have both
windows complete.

A month "has revenue rows" when the revenue table has any row in it, a row of 0 PLN too (as rules.md §2's
default as-of month). A window with months lacking rows is not wrong in itself, but it usually means the
data does not reach that far: a current window short of data makes every company look short of the
thresholds, a previous one short of data makes growth (and so the conditional path) look better or
impossible to judge.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd


def month(value: str | pd.Period) -> pd.Period:
    return value if isinstance(value, pd.Period) else pd.Period(str(value), freq="M")


def windows(as_of: str | pd.Period) -> dict[str, tuple[pd.Period, pd.Period]]:
    """The current and previous 12-month windows of ``as_of`` (rules.md §2), first and last month."""
    m = month(as_of)
    return {"current": (m - 11, m), "previous": (m - 23, m - 12)}


@dataclass(frozen=True)
class WindowGap:
    """The months of one window without any revenue row."""

    window: str  # "current" or "previous"
    first: pd.Period
    last: pd.Period
    missing: tuple[pd.Period, ...]


def window_gaps(months_with_rows: Iterable[pd.Period], as_of: str | pd.Period) -> list[WindowGap]:
    """For each window (current first) that has months without any revenue row, those months."""
    present = {month(m) for m in months_with_rows}
    out = []
    for name, (first, last) in windows(as_of).items():
        missing = tuple(p for p in pd.period_range(first, last, freq="M") if p not in present)
        if missing:
            out.append(WindowGap(name, first, last, missing))
    return out


def complete_months(months_with_rows: Iterable[pd.Period]) -> list[pd.Period]:
    """The months whose two windows (24 months) all have revenue rows, oldest first."""
    present = {month(m) for m in months_with_rows}
    return sorted(m for m in present if all(m - k in present for k in range(24)))


def as_of_warnings(months_with_rows: Iterable[pd.Period], as_of: str | pd.Period) -> list[str]:
    """One sentence per window with months lacking revenue rows: which window, how many months, what it
    breaks and which month to pick instead. Empty when both windows are complete."""
    months = [month(m) for m in months_with_rows]
    complete = complete_months(months)
    if complete:
        if len(complete) == 1:
            pick = f"pick {complete[0]}, the only month with both windows complete"
        else:
            pick = f"pick a month from {complete[0]} to {complete[-1]}"
    else:
        pick = "no month of this data has both windows complete (that needs 24 months of revenue rows)"
    out = []
    for gap in window_gaps(months, as_of):
        n = len(gap.missing)
        where = f"the {gap.window} window {gap.first} … {gap.last} has no revenue in {n} of its 12 months"
        if gap.window == "current":
            effect = "revenue is undercounted, so companies fall short of thresholds they may meet"
        else:
            effect = "growth and the conditional path can't be judged"
        out.append(f"{where[0].upper()}{where[1:]}: {effect}; {pick}.")
    return out


def short_warning(months_with_rows: Iterable[pd.Period], as_of: str | pd.Period) -> str | None:
    """The warnings in one short sentence, for the sidebar (the page says it in full), or None."""
    gaps = window_gaps(months_with_rows, as_of)
    if not gaps:
        return None
    parts = [f"the {g.window} window lacks revenue in {len(g.missing)} of 12 months" for g in gaps]
    complete = complete_months(months_with_rows)
    advice = f"Counts are not reliable: pick {complete[-1]}." if complete else "Counts are not reliable."
    text = " and ".join(parts)
    return f"{text[0].upper()}{text[1:]}. {advice}"
