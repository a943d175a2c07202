"""The validated dataset the engine works on, and the error that lists what is wrong with an input."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
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
class RevenueCodes:
    """Where each revenue row points, as the loader found it while reading: ``account`` is the row of the
    account in ``Dataset.accounts``, ``category`` the category's position in the published order (CATEGORIES).
    compute_metrics uses them instead of looking up 8 million strings again. They describe the very frames
    they were made for (``describes`` checks that by identity): a Dataset's frames are never changed in place,
    and a new frame gets no codes."""

    account: np.ndarray
    category: np.ndarray
    _frames: tuple[Any, ...] = field(repr=False)

    @classmethod
    def of(
        cls, accounts: pd.DataFrame, revenue: pd.DataFrame, account: np.ndarray, category: np.ndarray
    ) -> RevenueCodes:
        return cls(account, category, _column_arrays(accounts, revenue))

    def describes(self, accounts: pd.DataFrame, revenue: pd.DataFrame) -> bool:
        now = _column_arrays(accounts, revenue)
        return len(self.account) == len(revenue) and all(a is b for a, b in zip(now, self._frames, strict=True))


def _column_arrays(accounts: pd.DataFrame, revenue: pd.DataFrame) -> tuple[Any, ...]:
    return (accounts["account_id"].array, revenue["account_id"].array, revenue["category"].array)


@dataclass(frozen=True, eq=False)
class Dataset:
    """Normalised accounts and revenue (rules.md §1).

    accounts: one row per account, columns ``ACCOUNT_COLUMNS``; nip is 10 digits, booleans are
    bool, sales_quality is the policy scale's spelling, shares are floats in [0, 1].
    fingerprint: the key under which the dashboard shares loaded data: for data loaded from files or bytes, a
    hash of the bytes received (core.loading.receive); for frames given directly, of their content
    (content_fingerprint).
    revenue: one row per (account_id, category, month), repeats already summed; month is a
    ``Period[M]``, category the published spelling, revenue a float ≥ 0.
    """

    accounts: pd.DataFrame
    revenue: pd.DataFrame
    name: str = "dataset"
    fingerprint: str = field(default="")
    # Set by the loader's fast path only (see RevenueCodes); None for a dataset built any other way.
    codes: RevenueCodes | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not self.fingerprint:
            object.__setattr__(self, "fingerprint", content_fingerprint(self.accounts, self.revenue, self.codes))

    @property
    def months(self) -> list[pd.Period]:
        if self.revenue.empty:
            return []
        return sorted(self.revenue["month"].unique())

    @property
    def latest_month(self) -> pd.Period | None:
        """The default as-of month (rules.md §2): the latest month with any revenue row, a row of 0 PLN too."""
        return self.revenue["month"].max() if not self.revenue.empty else None


def content_fingerprint(accounts: pd.DataFrame, revenue: pd.DataFrame, codes: RevenueCodes | None = None) -> str:
    """A hash of the data's content: the only key under which shared caches may hold results. Equal data gets
    an equal key whatever form it came in (CSV, Parquet, a workbook), so sessions share their caches.

    The revenue rows are hashed as numbers — each row's account (its row in ``accounts``, whose content is
    hashed too), category (position in the published order), month and amount — not as 8 million strings:
    0.2 s instead of several seconds at production size. Codes from the loader's fast path are used as they
    are; otherwise they are looked up (Arrow), and a table of another shape is hashed cell by cell."""
    h = hashlib.sha256()
    h.update(",".join(map(str, accounts.columns)).encode())
    h.update(pd.util.hash_pandas_object(accounts, index=False).to_numpy().tobytes())
    h.update(b"\0" + ",".join(map(str, revenue.columns)).encode())
    numeric = _revenue_as_numbers(accounts, revenue, codes)
    if numeric is None:
        h.update(pd.util.hash_pandas_object(revenue, index=False).to_numpy().tobytes())
    else:
        for column in numeric:
            h.update(np.ascontiguousarray(column).view(np.uint8).data)
    return h.hexdigest()


def _revenue_as_numbers(
    accounts: pd.DataFrame, revenue: pd.DataFrame, codes: RevenueCodes | None
) -> list[np.ndarray] | None:
    """The revenue table as (account row int32, category int8, month ordinal int64, amount float64) arrays, or
    None where it isn't the normalised shape (or names an account or category not in the tables)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from .policy import CATEGORIES

    if (
        list(revenue.columns) != REVENUE_COLUMNS
        or not isinstance(revenue["month"].dtype, pd.PeriodDtype)
        or revenue["revenue"].dtype != np.float64
    ):
        return None
    if codes is not None and codes.describes(accounts, revenue):
        account, category = codes.account, codes.category
    else:
        try:
            ids = pa.array(accounts["account_id"], type=pa.large_string())
            account = pc.index_in(pa.array(revenue["account_id"], type=pa.large_string()), value_set=ids)
            category = pc.index_in(
                pa.array(revenue["category"], type=pa.large_string()), value_set=pa.array(CATEGORIES, pa.large_string())
            )
        except (pa.ArrowException, TypeError):
            return None
        if account.null_count or category.null_count or len(set(accounts["account_id"])) != len(accounts):
            return None
        account, category = account.to_numpy(), category.to_numpy()
    return [
        np.asarray(account, dtype=np.int32),
        np.asarray(category, dtype=np.int8),
        np.asarray(revenue["month"].array.asi8, dtype=np.int64),
        revenue["revenue"].to_numpy(dtype=np.float64),
    ]
