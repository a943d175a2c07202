"""Small hand-made datasets for the rule tests, built straight into a `Dataset`."""

from __future__ import annotations

import pandas as pd

from core.dataset import ACCOUNT_COLUMNS, REVENUE_COLUMNS, Dataset
from core.nip import nip_check_digit


def nip(n: int) -> str:
    """The n-th valid NIP of a simple sequence (checksum digit appended, remainder 10 skipped)."""
    k = 0
    base = 100_000_000
    while True:
        digits = f"{base + k:09d}"
        check = nip_check_digit(digits)
        if check != 10:
            if n == 0:
                return digits + str(check)
            n -= 1
        k += 1


ACCOUNT_DEFAULTS = {
    "business_account": True,
    "sales_quality": "Super",
    "positive_ratings_pct": 100.0,
    "main_account": False,
    "brand_zone": False,
    "suspended": False,
    "transaction_problem_rate": 0.0,
    "exportable_share": 1.0,
    "new_condition_share": 1.0,
}


def account(account_id: str, nip_: str, **overrides) -> dict:
    row = {"account_id": account_id, "account_name": overrides.pop("account_name", account_id), "nip": nip_}
    return {**row, **ACCOUNT_DEFAULTS, **overrides}


def monthly(account_id: str, category: str, first: str, last: str, amount: float) -> list[tuple]:
    """`amount` a month from `first` to `last` (inclusive), in whole grosze, so totals are exact:
    the rounding remainder goes to the last month."""
    months = pd.period_range(first, last, freq="M")
    each = round(amount, 2)
    last_amount = round(amount * len(months) - each * (len(months) - 1), 2)
    return [(account_id, category, m, each) for m in months[:-1]] + [(account_id, category, months[-1], last_amount)]


def dataset(accounts: list[dict], revenue: list[tuple]) -> Dataset:
    acc = pd.DataFrame(accounts, columns=ACCOUNT_COLUMNS).sort_values("account_id", ignore_index=True)
    rev = pd.DataFrame(revenue, columns=REVENUE_COLUMNS)
    rev["month"] = pd.PeriodIndex(rev["month"].astype(str), freq="M")
    rev["revenue"] = rev["revenue"].astype(float)
    rev = (
        rev.groupby(["account_id", "category", "month"], as_index=False, observed=True)["revenue"].sum()
        .sort_values(["account_id", "category", "month"], ignore_index=True)
    )
    return Dataset(acc, rev)


def growing_seller(account_id: str, category: str, yearly_now: float, yearly_before: float,
                   as_of: str = "2026-10") -> list[tuple]:
    """A flat monthly profile in each window: P totals `yearly_before`, C totals `yearly_now`."""
    end = pd.Period(as_of, freq="M")
    return monthly(account_id, category, str(end - 23), str(end - 12), yearly_before / 12) + monthly(
        account_id, category, str(end - 11), str(end), yearly_now / 12
    )
