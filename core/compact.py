"""What a dashboard session keeps of a loaded dataset: the accounts as they are, and the revenue rows as
four plain arrays (17 bytes a row) sorted by account, instead of the normalised pandas frame (about 50
bytes a row: a text account ID, a text category and a Period per row).

At production size (8 million revenue rows) that is 137 MB instead of 400 MB, and everything the
dashboard does after loading works on it: `core.metrics.compute_metrics` for any as-of month (the rows
are already in the numbers it sums) and `core.lookup`'s look-up of one company (its accounts' rows are
one slice each). The upload reader (`core.bounded`) builds it in its child process, so the server never
holds the frame.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .dataset import Dataset
from .loading import MAX_BYTES, MAX_ROWS, read_received, read_rows_fast, receive
from .metrics import RevenueRows, month_slots, revenue_rows, sorted_accounts
from .policy import CATEGORIES, Policy


@dataclass(frozen=True, eq=False)
class CompactDataset:
    """A validated dataset in the form a dashboard session keeps.

    accounts: the normalised accounts table (``core.dataset.ACCOUNT_COLUMNS``), sorted by account_id.
    rows: the revenue rows (`core.metrics.RevenueRows`: account position int32, category code int8, month
    ordinal int32, grosze int64), sorted by account; the rows of account i are ``starts[i]:starts[i + 1]``.
    month_ordinals: the distinct months with a row, ascending (for the as-of choices).
    company_count: the number of companies (distinct NIPs), counted once.
    Revenue is held in whole grosze, as the engine counts it (rules.md §7).
    """

    accounts: pd.DataFrame
    rows: RevenueRows
    starts: np.ndarray
    month_ordinals: np.ndarray
    company_count: int = 0
    name: str = "dataset"
    fingerprint: str = ""

    @classmethod
    def from_dataset(cls, dataset: Dataset) -> CompactDataset:
        accounts = sorted_accounts(dataset.accounts)
        return cls.of(
            accounts, revenue_rows(accounts, dataset.revenue, dataset.codes), dataset.name, dataset.fingerprint
        )

    @classmethod
    def of(cls, accounts: pd.DataFrame, rows: RevenueRows, name: str, fingerprint: str) -> CompactDataset:
        """The compact form of ``rows`` (`RevenueRows` over ``accounts``, which are sorted by account_id), in the
        types a session keeps and sorted by account (a loaded table usually is already: then nothing moves)."""
        account = rows.account.astype(np.int32, copy=False)
        order = None
        if len(account) > 1 and bool((account[1:] < account[:-1]).any()):
            order = np.argsort(account, kind="stable")
        rows = RevenueRows(
            account=account if order is None else account[order],
            category=(rows.category if order is None else rows.category[order]).astype(np.int8, copy=False),
            month=(rows.month if order is None else rows.month[order]).astype(np.int32, copy=False),
            grosze=rows.grosze if order is None else rows.grosze[order],
        )
        # Where each account's rows start: a binary search per account in the sorted rows (no per-row count).
        starts = np.searchsorted(rows.account, np.arange(len(accounts) + 1, dtype=np.int32)).astype(np.int64)
        return cls(
            accounts=accounts,
            rows=rows,
            starts=starts,
            month_ordinals=_distinct_months(rows.month),
            company_count=int(accounts["nip"].nunique()),
            name=name,
            fingerprint=fingerprint,
        )

    def with_name(self, name: str) -> CompactDataset:
        """The same data (shared, not copied) under another name."""
        return self if name == self.name else dataclasses.replace(self, name=name)

    # -- what the pages ask of a dataset -------------------------------------------------------

    @property
    def months(self) -> list[pd.Period]:
        return [pd.Period(ordinal=int(m), freq="M") for m in self.month_ordinals]

    @property
    def latest_month(self) -> pd.Period | None:
        """The default as-of month (rules.md §2): the latest month with any revenue row."""
        return pd.Period(ordinal=int(self.month_ordinals[-1]), freq="M") if len(self.month_ordinals) else None

    @property
    def revenue_row_count(self) -> int:
        return len(self.rows.account)

    @property
    def nbytes(self) -> int:
        """Bytes held: the arrays, and the accounts table (its text counted as stored)."""
        arrays = sum(a.nbytes for a in dataclasses.astuple(self.rows)) + self.starts.nbytes
        return int(arrays + self.accounts.memory_usage(index=True, deep=True).sum())

    def revenue_frame(self, rows: Any = slice(None)) -> pd.DataFrame:
        """Revenue rows (all, a slice or an index array) as the normalised frame: account_id, category,
        month (``Period[M]``) and revenue in PLN (the grosze / 100)."""
        account = self.rows.account[rows]
        return pd.DataFrame(
            {
                "account_id": self.accounts["account_id"].to_numpy()[account],
                "category": np.asarray(CATEGORIES, dtype=object)[self.rows.category[rows]],
                "month": pd.arrays.PeriodArray(self.rows.month[rows].astype(np.int64), dtype=pd.PeriodDtype("M")),
                "revenue": self.rows.grosze[rows] / 100,
            }
        )

    def account_rows(self, positions: np.ndarray) -> np.ndarray:
        """The row numbers of the accounts at ``positions`` (in ``accounts``): one slice per account."""
        positions = np.asarray(positions, dtype=np.int64)
        if len(positions) == 0:
            return np.zeros(0, dtype=np.int64)
        return np.concatenate([np.arange(self.starts[p], self.starts[p + 1]) for p in positions])


def load_compact(
    accounts: Any,
    revenue: Any,
    policy: Policy | None = None,
    *,
    accounts_name: str | None = None,
    revenue_name: str | None = None,
    max_rows: int = MAX_ROWS,
    max_bytes: int = MAX_BYTES,
    progress: Callable[[str], None] | None = None,
) -> CompactDataset:
    """The inputs read and validated as `core.loading.load_dataset` reads them (same arguments, same problems
    reported), in the compact form: what the dashboard's upload reader runs in its child process and the CLI
    evaluates. A plain file's revenue rows go straight from the columns read to numbers, never a frame (at 8 M
    rows the frame's two text columns cost more time and memory than all the rest); anything else is read by
    ``load_dataset``'s full path and then made compact. ``progress`` hears each step: "reading", then
    "preparing"."""
    if progress is not None:
        progress("reading")
    received = receive(accounts, revenue, policy or Policy.default(), accounts_name, revenue_name, max_bytes)
    name, fingerprint = received.name, received.fingerprint
    fast = read_rows_fast(received, max_rows, max_bytes)
    if fast is None:
        dataset = read_received(received, max_rows, max_bytes)
    del received  # the bytes received (unpacked, for a compressed upload): not needed past reading
    if progress is not None:
        progress("preparing")
    if fast is None:
        return CompactDataset.from_dataset(dataset)
    accounts_done, rows = fast
    return CompactDataset.of(accounts_done, rows, name, fingerprint)


def _distinct_months(month: np.ndarray) -> np.ndarray:
    """The distinct month ordinals, ascending: marks in a table of the span of months (`month_slots`), not a
    sort of every row."""
    if not len(month):
        return np.zeros(0, dtype=np.int32)
    slots, base, size = month_slots(month)
    present = np.zeros(size, dtype=bool)
    present[slots] = True
    return (np.flatnonzero(present) + base).astype(np.int32)
