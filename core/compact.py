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
from .metrics import RevenueRows, revenue_rows, sorted_accounts
from .policy import CATEGORIES


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
        full = revenue_rows(accounts, dataset.revenue, dataset.codes)
        account = full.account.astype(np.int32)
        order = None
        if len(account) > 1 and bool((account[1:] < account[:-1]).any()):
            order = np.argsort(account, kind="stable")  # a loaded table is usually sorted already
        rows = RevenueRows(
            account=account if order is None else account[order],
            category=(full.category if order is None else full.category[order]).astype(np.int8),
            month=(full.month if order is None else full.month[order]).astype(np.int32),
            grosze=full.grosze if order is None else full.grosze[order],
        )
        del full
        starts = np.zeros(len(accounts) + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows.account, minlength=len(accounts)), out=starts[1:])
        return cls(
            accounts=accounts,
            rows=rows,
            starts=starts,
            month_ordinals=np.unique(rows.month),
            company_count=int(accounts["nip"].nunique()),
            name=dataset.name,
            fingerprint=dataset.fingerprint,
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
    accounts: Any, revenue: Any, *, progress: Callable[[str], None] | None = None, **kwargs: Any
) -> CompactDataset:
    """`core.loading.load_dataset` (``kwargs`` are its own), then the compact form: what the dashboard's
    upload reader runs in its child process. ``progress`` hears each step: "reading", then "preparing"."""
    from .loading import load_dataset

    if progress is not None:
        progress("reading")
    dataset = load_dataset(accounts, revenue, **kwargs)
    if progress is not None:
        progress("preparing")
    return CompactDataset.from_dataset(dataset)
