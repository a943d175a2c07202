"""The validated dataset the engine works on, and the error that lists what is wrong with an input."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pandas as pd

# Column order of the normalised tables (rules.md §1).
ACCOUNT_COLUMNS = [
    "account_id",
    "account_name",
    "nip",
    "business_account",
    "sales_quality",
    "positive_ratings_pct",
    "main_account",
    "brand_zone",
    "suspended",
    "transaction_problem_rate",
    "exportable_share",
    "new_condition_share",
]
REVENUE_COLUMNS = ["account_id", "category", "month", "revenue"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where it is, what was found and what was expected.

    ``row`` is the row number a person sees in the file (the header is row 1, so the first data
    row is 2), or None for a problem with the whole file or a column.
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column {self.column}"
        value = f" (value {self.value!r})" if self.value is not None else ""
        return f"{where}: {self.message}{value}"


class DataError(ValueError):
    """The input can't be used; ``problems`` lists every problem found, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        head = "; ".join(str(p) for p in self.problems[:5])
        more = f" (and {len(self.problems) - 5} more)" if len(self.problems) > 5 else ""
        super().__init__(f"{len(self.problems)} problem(s) in the input: {head}{more}")

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [(p.file, p.row, p.column, p.value, p.message) for p in self.problems],
            columns=["file", "row", "column", "value", "problem"],
        )


@dataclass(frozen=True, eq=False)
class Dataset:
    """Normalised accounts and revenue (rules.md §1).

    accounts: one row per account, columns ``ACCOUNT_COLUMNS``; nip is 10 digits, booleans are
    bool, sales_quality is the policy scale's spelling, shares are floats in [0, 1].
    revenue: one row per (account_id, category, month), repeats already summed; month is a
    ``Period[M]``, category the published spelling, revenue a float ≥ 0.
    """

    accounts: pd.DataFrame
    revenue: pd.DataFrame
    name: str = "dataset"
    fingerprint: str = field(default="")

    def __post_init__(self) -> None:
        if not self.fingerprint:
            object.__setattr__(self, "fingerprint", content_fingerprint(self.accounts, self.revenue))

    @property
    def months(self) -> list[pd.Period]:
        if self.revenue.empty:
            return []
        return sorted(self.revenue["month"].unique())

    @property
    def latest_month(self) -> pd.Period | None:
        """The default as-of month (rules.md §2): the latest month with any revenue row, a row of 0 PLN too."""
        return self.revenue["month"].max() if not self.revenue.empty else None


def content_fingerprint(accounts: pd.DataFrame, revenue: pd.DataFrame) -> str:
    """A hash of the data's content: the only key under which shared caches may hold results."""
    h = hashlib.sha256()
    for frame in (accounts, revenue):
        h.update(",".join(map(str, frame.columns)).encode())
        h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return h.hexdigest()
