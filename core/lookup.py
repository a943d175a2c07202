"""One company up close: find it by name, account ID or NIP, and its accounts, monthly revenue and
revenue per category against the thresholds. Plain functions over a `Dataset` (or the `CompactDataset` a
dashboard session keeps), its `Metrics` and a decision frame, so the Seller check page only shows what they return."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .compact import CompactDataset
from .dataset import Dataset
from .metrics import Metrics
from .nip import clean_nip
from .policy import Policy


def _nip_digits(query: str) -> str:
    """The digits a user typed as (part of) a NIP ('PL 521-301-72-28' -> '5213017228'), or '' if it isn't one."""
    q = clean_nip(query)
    return q if q.isascii() and q.isdigit() else ""


def find_companies(decisions: pd.DataFrame, accounts: pd.DataFrame, query: str, limit: int = 50) -> pd.DataFrame:
    """Rows of ``decisions`` whose company matches ``query``: part of a NIP, of an account ID, or of a
    company or account name (any case). Exact NIP / account ID matches come first, then the biggest
    companies. An empty query matches nothing."""
    q = str(query or "").strip()
    if not q:
        return decisions.iloc[0:0]
    low = q.lower()
    digits = _nip_digits(q)
    acc_id = accounts["account_id"].astype(str)
    acc_hit = acc_id.str.lower().str.contains(low, regex=False) | accounts["account_name"].astype(
        str
    ).str.lower().str.contains(low, regex=False)
    exact_acc = set(accounts.loc[acc_id.str.lower() == low, "nip"].astype(str))
    nips_by_account = set(accounts.loc[acc_hit, "nip"].astype(str))
    nip = decisions["nip"].astype(str)
    hit = nip.isin(nips_by_account) | decisions["company_name"].astype(str).str.lower().str.contains(low, regex=False)
    if digits:
        hit |= nip.str.contains(digits, regex=False)
    found = decisions[hit.to_numpy()]
    exact = (found["nip"].astype(str) == digits) | found["nip"].astype(str).isin(exact_acc)
    order = np.lexsort((-found["total_revenue"].fillna(0).to_numpy(float), ~exact.to_numpy()))
    return found.iloc[order[:limit]]


def company_revenue(data: Dataset | CompactDataset, nip: str) -> pd.DataFrame:
    """The revenue rows of the company's accounts (account_id, category, month, revenue), from a `Dataset` or
    from the `CompactDataset` a dashboard session keeps (there: one slice per account, not a scan)."""
    if isinstance(data, CompactDataset):
        positions = np.flatnonzero(data.accounts["nip"].to_numpy(dtype=str) == str(nip))
        return data.revenue_frame(data.account_rows(positions))
    ids = data.accounts.loc[data.accounts["nip"].astype(str) == str(nip), "account_id"]
    return data.revenue[data.revenue["account_id"].isin(ids)]


def company_accounts(dataset: Dataset | CompactDataset, metrics: Metrics, nip: str) -> pd.DataFrame:
    """The company's accounts with their revenue in the current window, the main account first."""
    acc = dataset.accounts[dataset.accounts["nip"].astype(str) == str(nip)].copy()
    start, end = metrics.current_window
    rev = company_revenue(dataset, nip)
    in_c = rev[(rev["month"] >= start) & (rev["month"] <= end)]
    totals = in_c.groupby("account_id", observed=True)["revenue"].sum()
    acc.insert(3, "revenue_current_window", acc["account_id"].map(totals).fillna(0.0).astype(float))
    main_id = metrics.companies.loc[metrics.companies["nip"] == str(nip), "main_account_id"]
    acc.insert(0, "is_main", acc["account_id"].isin(main_id))
    return acc.sort_values(["is_main", "revenue_current_window"], ascending=[False, False], ignore_index=True)


def company_monthly(dataset: Dataset | CompactDataset, nip: str) -> pd.DataFrame:
    """Monthly revenue of the company per category (summed over its accounts): month, category, revenue."""
    rev = company_revenue(dataset, nip)
    out = rev.groupby(["month", "category"], as_index=False, observed=True)[["revenue"]].sum()  # [[ ]]: a frame
    return out.sort_values(["month", "category"], ignore_index=True)


def company_categories(metrics: Metrics, policy: Policy, nip: str) -> pd.DataFrame:
    """The company's revenue per category in both windows next to that category's thresholds, for the
    categories it sells in (published order)."""
    rows = np.flatnonzero(metrics.companies["nip"].to_numpy(dtype=str) == str(nip))
    if len(rows) == 0:
        raise KeyError(f"no company with NIP {nip}")
    i = rows[0]
    frame = policy.thresholds_frame()
    frame.insert(1, "revenue_current", metrics.rev_c[i])
    frame.insert(2, "revenue_previous", metrics.rev_p[i])
    main = metrics.companies["main_category"].iloc[i]
    frame["is_main"] = frame["category"] == main
    keep = (frame["revenue_current"] > 0) | (frame["revenue_previous"] > 0)
    return frame[keep].reset_index(drop=True)
