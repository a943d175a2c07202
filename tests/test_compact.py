"""The compact form a dashboard session keeps (core.compact) gives exactly what the full dataset gives:
the same company figures for every as-of month, the same revenue rows, the same look-up of one company."""

from __future__ import annotations

import builders as b
import numpy as np
import pandas as pd
import pytest

from core import compute_metrics
from core.compact import CompactDataset, load_compact
from core.dataset import Dataset
from core.lookup import company_accounts, company_monthly
from core.sample import generate_dataset


@pytest.fixture(scope="module")
def shuffled() -> Dataset:
    """A generated dataset whose accounts and revenue rows are in no particular order."""
    ds = generate_dataset(companies=300, seed=5, months=30)
    rng = np.random.default_rng(0)
    accounts = ds.accounts.iloc[rng.permutation(len(ds.accounts))].reset_index(drop=True)
    revenue = ds.revenue.iloc[rng.permutation(len(ds.revenue))].reset_index(drop=True)
    return Dataset(accounts, revenue, name="shuffled")


def test_the_figures_are_the_same_for_every_month(shuffled):
    compact = CompactDataset.from_dataset(shuffled)
    assert compact.fingerprint == shuffled.fingerprint and compact.name == "shuffled"
    assert compact.months == shuffled.months and compact.latest_month == shuffled.latest_month
    for as_of in (None, str(shuffled.latest_month - 5), str(shuffled.latest_month - 13)):
        full, small = compute_metrics(shuffled, as_of), compute_metrics(compact, as_of)
        pd.testing.assert_frame_equal(full.companies, small.companies)
        pd.testing.assert_frame_equal(full.brand_accounts, small.brand_accounts)
        pd.testing.assert_frame_equal(full.other_levels, small.other_levels)
        assert np.array_equal(full.main_revenue_grosze, small.main_revenue_grosze)
        assert np.array_equal(full.rev_c, small.rev_c) and np.array_equal(full.rev_p, small.rev_p)
        assert all(np.array_equal(x, y) for x, y in zip(full.peer_growth, small.peer_growth, strict=True))


def test_the_rows_come_back_sorted_by_account_and_whole(shuffled):
    compact = CompactDataset.from_dataset(shuffled)
    assert compact.accounts["account_id"].is_monotonic_increasing
    assert np.all(np.diff(compact.rows.account) >= 0)
    frame = compact.revenue_frame()
    key = ["account_id", "category", "month"]
    expected = shuffled.revenue.sort_values(key, ignore_index=True)
    got = frame.sort_values(key, ignore_index=True)
    assert got[key].astype(str).equals(expected[key].astype(str))
    assert np.allclose(got["revenue"], expected["revenue"], rtol=0, atol=0.005)  # to the grosz
    assert compact.revenue_row_count == len(shuffled.revenue)
    assert compact.company_count == shuffled.accounts["nip"].nunique()
    # one account's rows are its slice
    i = 7
    rows = compact.account_rows(np.array([i]))
    assert set(frame["account_id"].iloc[rows]) == {compact.accounts["account_id"].iloc[i]}
    assert len(rows) == (shuffled.revenue["account_id"] == compact.accounts["account_id"].iloc[i]).sum()


def test_about_17_bytes_a_revenue_row(shuffled):
    compact = CompactDataset.from_dataset(shuffled)
    rows = compact.rows
    per_row = sum(a.nbytes for a in (rows.account, rows.category, rows.month, rows.grosze)) / compact.revenue_row_count
    assert per_row == 17


def test_a_company_looks_the_same_from_either_form(shuffled):
    compact = CompactDataset.from_dataset(shuffled)
    metrics = compute_metrics(shuffled)
    several = metrics.companies.sort_values("n_accounts").iloc[-1]["nip"]  # the company with most accounts
    for nip in (several, metrics.companies["nip"].iloc[0]):
        monthly_full, monthly_small = company_monthly(shuffled, nip), company_monthly(compact, nip)
        assert monthly_full[["month", "category"]].astype(str).equals(monthly_small[["month", "category"]].astype(str))
        assert np.allclose(monthly_full["revenue"], monthly_small["revenue"], rtol=0, atol=1e-6)
        accounts_full, accounts_small = (
            company_accounts(shuffled, metrics, nip),
            company_accounts(compact, metrics, nip),
        )
        pd.testing.assert_frame_equal(accounts_full, accounts_small, check_exact=False, atol=1e-6)


def test_a_company_without_revenue_and_an_empty_revenue_table():
    accounts = [b.account("quiet", b.nip(0)), b.account("busy", b.nip(1))]
    ds = b.dataset(accounts, b.monthly("busy", "Fashion", "2025-01", "2025-12", 1000.0))
    compact = CompactDataset.from_dataset(ds)
    assert company_monthly(compact, b.nip(0)).empty
    assert compact.account_rows(np.array([], dtype=int)).size == 0
    empty = CompactDataset.from_dataset(b.dataset(accounts, []))
    assert empty.latest_month is None and empty.months == [] and empty.revenue_row_count == 0


def test_load_compact_reports_its_steps(tmp_path):
    accounts, revenue = (tmp_path / "accounts.csv", tmp_path / "revenue.csv")
    from core.sample import generate

    a, r = generate(companies=20, seed=3)
    a.to_csv(accounts, index=False)
    r.to_csv(revenue, index=False)
    steps: list[str] = []
    compact = load_compact(accounts, revenue, progress=steps.append, accounts_name="a.csv", revenue_name="r.csv")
    assert steps == ["reading", "preparing"]
    assert compact.revenue_row_count == len(r)


def test_distinct_months_either_side_of_1970():
    """Month ordinals count from 1970-01 (0): the months before it are negative, and are found as well."""
    from core.compact import _distinct_months

    months = pd.PeriodIndex(["1969-12", "1970-01", "1969-12", "2026-10", "1970-01"], freq="M")
    ordinals = months.asi8.astype(np.int32)
    assert [pd.Period(ordinal=int(m), freq="M") for m in _distinct_months(ordinals)] == sorted(set(months))
    assert _distinct_months(ordinals[1:2]).tolist() == [0]
    assert _distinct_months(ordinals[3:4]).tolist() == [ordinals[3]]


def test_quarters_either_side_of_1970():
    """Each row's quarter is looked up in a table by month (core.metrics.month_slots): the same as counting it
    out, for months after 1970 (their own table entries) and before it (negative ordinals, offset from the first)."""
    from core.metrics import _quarters

    for first in ("1968-03", "2024-01"):
        months = pd.period_range(first, periods=30, freq="M").asi8.astype(np.int32)[::-1]
        as_of = pd.Period(first, freq="M") + 26
        offset = as_of.ordinal - months.astype(np.int64)
        expected = np.where((offset >= 0) & (offset <= 23), offset // 3, 8)
        assert _quarters(months, as_of).tolist() == expected.tolist()
