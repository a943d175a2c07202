"""Everything the rules need that depends only on the data and the as-of month (rules.md §2–§3).

This is the heavy step: it runs once per dataset and month and the UI caches it. Nothing here
reads a policy — except the category order, which is the published table's and cannot change —
so every slider move can reuse it and only `decide` runs again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .dataset import Dataset
from .policy import CATEGORIES

if TYPE_CHECKING:
    from .compact import CompactDataset

N_CAT = len(CATEGORIES)
# rules.md §7: growth figures and company shares are compared at 9 decimal places, so that a figure equal
# to a limit in decimal arithmetic (3,360,000 / 3,200,000 − 1 = 0.05) is at the limit, not 4e-17 over it.
DECIMALS = 9
# Sums of grosze are int64; refusing more than 2**62 grosze in all (46 quadrillion PLN) keeps them from
# overflowing.
MAX_GROSZE = 2**62


@dataclass(frozen=True, eq=False)
class Metrics:
    """Per-company figures for one dataset and as-of month.

    companies: one row per NIP (sorted), columns listed in ``COMPANY_COLUMNS``.
    rev_c, rev_p: revenue matrix (companies × categories in the published order) in the current
    and previous 12-month windows.
    peer_growth: per category, the sorted growth rev_c/rev_p − 1 (to 9 decimals) of every company with
    rev_p > 0, so that any peer percentile is a cheap look-up.
    main_revenue_grosze: each company's revenue in its main category over C in whole grosze (int64,
    0 without a main category): the exact figure threshold comparisons use. The money columns of
    ``companies`` and rev_c/rev_p are the same sums in PLN, for display.
    other_levels: companies × quality level, True where a non-main account has that level.
    brand_accounts: one row per Brand Zone account with revenue in C: its company's row number
    (``company``), account_id, its own main category (and that category's position in the
    published order, ``category_code``) and its revenue there (PLN, and exact in ``grosze``).

    Growth figures and shares in ``companies`` are rounded to 9 decimals (rules.md §7).
    """

    as_of: pd.Period
    companies: pd.DataFrame
    rev_c: np.ndarray
    rev_p: np.ndarray
    other_levels: pd.DataFrame
    brand_accounts: pd.DataFrame
    peer_growth: tuple[np.ndarray, ...]
    main_revenue_grosze: np.ndarray
    fingerprint: str = ""

    @cached_property
    def memo(self) -> dict:
        """Figures derived from these metrics and a part of a policy (e.g. each company's best Brand Zone
        account under some brand thresholds), kept with them: `decide` reuses them across policies."""
        return {}

    @cached_property
    def category_revenue(self) -> np.ndarray:
        """Every company's revenue per category over C (PLN), summed once: the divisor of revenue shares."""
        return self.rev_c.sum(axis=0)

    @property
    def current_window(self) -> tuple[pd.Period, pd.Period]:
        return self.as_of - 11, self.as_of

    @property
    def previous_window(self) -> tuple[pd.Period, pd.Period]:
        return self.as_of - 23, self.as_of - 12


COMPANY_COLUMNS = [
    "nip",
    "company_name",
    "main_account_id",
    "n_accounts",
    "main_category",
    "main_category_revenue",
    "main_category_prev_revenue",
    "total_revenue",
    "total_prev_revenue",
    "growth",
    "main_category_growth",
    "growing_quarters",
    "business_account",
    "positive_ratings_pct",
    "quality_main",
    "suspended",
    "transaction_problem_rate",
    "exportable_share",
    "new_condition_share",
]


@dataclass(frozen=True)
class RevenueRows:
    """The revenue rows as numbers, one array entry per row: the row's account (its position in the accounts
    sorted by account_id), category (position in the published order), month (``Period[M]`` ordinal) and
    revenue in whole grosze (rules.md §7)."""

    account: np.ndarray
    category: np.ndarray
    month: np.ndarray
    grosze: np.ndarray


def revenue_rows(accounts: pd.DataFrame, revenue: pd.DataFrame, codes=None) -> RevenueRows:
    """``revenue``'s rows as `RevenueRows`; ``accounts`` sorted by account_id (a validated dataset's rows all
    name one of them). ``codes`` is the loader's `Dataset.codes`: where it describes these very frames, each
    row's account and category are taken from it, not looked up again."""
    if codes is not None and codes.describes(accounts, revenue):
        account, category = codes.account, codes.category
    else:
        account = _positions(revenue["account_id"], accounts["account_id"])
        category = _positions(revenue["category"], pd.Series(CATEGORIES))
    return RevenueRows(
        account=account,
        category=category,
        month=revenue["month"].array.asi8,
        # Counted in whole grosze (rules.md §7): every sum is of int64, so totals, ties and threshold
        # comparisons are exact and do not depend on the order of the rows.
        grosze=to_grosze(revenue["revenue"].to_numpy(dtype=float)),
    )


def sorted_accounts(accounts: pd.DataFrame) -> pd.DataFrame:
    """The accounts sorted by account_id: every sum and tie-break is then independent of the upload's row order."""
    if accounts["account_id"].is_monotonic_increasing:
        return accounts
    return accounts.sort_values("account_id", ignore_index=True)


def compute_metrics(dataset: Dataset | CompactDataset, as_of: str | pd.Period | None = None) -> Metrics:
    """The figures of every company of ``dataset`` as of the month ``as_of`` (default: the latest month).
    ``dataset`` is a `Dataset`, or the `core.compact.CompactDataset` a dashboard session keeps, whose revenue
    rows are already numbers (its ``rows``)."""
    as_of = _resolve_as_of(dataset, as_of)
    if isinstance(dataset, Dataset):
        accounts = sorted_accounts(dataset.accounts)
        numbers = revenue_rows(accounts, dataset.revenue, dataset.codes)
    else:  # a CompactDataset: its accounts are sorted already, its rows numbers already
        accounts, numbers = dataset.accounts, dataset.rows

    nips, company = _sorted_codes(accounts["nip"])
    n_comp = len(nips)

    row_account, row_cat, amount = numbers.account, numbers.category, numbers.grosze
    # The sum of the amounts' magnitudes; revenue is never negative in a loaded dataset: then no |x| pass is needed.
    magnitude = (
        float(amount.sum(dtype=float))
        if not len(amount) or amount.min() >= 0
        else float(np.abs(amount).sum(dtype=float))
    )
    if magnitude >= MAX_GROSZE:
        raise ValueError("the revenue adds up to more than 46 quadrillion PLN: too much to count in grosze")
    # Each row's quarter over both windows (0..3: C, newest first; 4..7: P; 8: neither), one byte a row, looked up
    # by month in a table of the few dozen months.
    quarter = _quarters(numbers.month, as_of)
    # A loaded dataset's rows come grouped by account and category, months in order: runs of rows alike in
    # account, category and quarter are summed first, exactly (int64), in one pass — about 2 M runs for 8 M
    # rows — and every sum below then goes over the runs. Rows in any other order are summed as rightly: they
    # only make more, shorter runs.
    starts = _run_starts(row_account, row_cat, quarter)
    amount = np.add.reduceat(amount, starts) if len(starts) else amount[:0]
    row_account, row_cat, quarter = row_account[starts], row_cat[starts], quarter[starts]
    del starts
    amounts = _Amounts(amount, magnitude)
    del amount
    summed = amounts.sum
    row_company = company.astype(np.int32)[row_account]  # 4 bytes a run: fewer than 2**31 companies
    in_c = quarter <= 3

    # (window, company, category), over the runs inside either window: the current window's sums then the
    # previous window's, each a contiguous (company, category) block.
    inside = quarter <= 7
    where = None if inside.all() else inside
    key = np.multiply(row_company, N_CAT, dtype=np.int64)
    key += row_cat
    key += (quarter >= 4) * np.int64(n_comp * N_CAT)
    by_window = summed(key if where is None else key[where], 2 * n_comp * N_CAT, where).reshape(2, n_comp, N_CAT)
    grosze_c, grosze_p = by_window[0], by_window[1]
    np.multiply(row_company, 9, out=key)
    key += quarter
    del quarter
    quarters = summed(key, n_comp * 9).reshape(n_comp, 9)
    growing_quarters = (quarters[:, 0:4] > quarters[:, 4:8]).sum(axis=1)  # each quarter of C against its twin in P
    np.multiply(row_account, 2, out=key)
    key += in_c
    account_total_c = summed(key, 2 * len(accounts))[1::2]
    del quarters, key

    total_c = grosze_c.sum(axis=1)
    total_p = grosze_p.sum(axis=1)
    has_c = total_c > 0
    main_cat = np.where(has_c, grosze_c.argmax(axis=1), -1)  # argmax takes the first: published order breaks ties
    rows = np.arange(n_comp)
    main_c = np.where(has_c, grosze_c[rows, np.maximum(main_cat, 0)], 0)
    main_p = np.where(has_c, grosze_p[rows, np.maximum(main_cat, 0)], 0)

    main_idx = _main_accounts(company, n_comp, accounts["main_account"].to_numpy(bool), account_total_c)
    main_rows = accounts.iloc[main_idx]

    n_accounts = np.bincount(company, minlength=n_comp)

    def company_share(column: str) -> np.ndarray:
        # Revenue-weighted over the company's accounts; a plain mean where it has no revenue in C. The weights
        # are the accounts' exact totals, and their sum is exactly the company's total, which is the divisor.
        values = accounts[column].to_numpy(float)
        weighted = np.bincount(company, weights=values * account_total_c, minlength=n_comp)
        plain = np.bincount(company, weights=values, minlength=n_comp) / n_accounts
        return np.round(np.where(has_c, weighted / np.where(has_c, total_c, 1), plain), DECIMALS)

    companies = pd.DataFrame(
        {
            "nip": nips,
            "company_name": _values(main_rows["account_name"]),
            "main_account_id": _values(main_rows["account_id"]),
            "n_accounts": n_accounts,
            "main_category": pd.Categorical.from_codes(main_cat, categories=pd.Index(CATEGORIES)),
            "main_category_revenue": np.where(has_c, main_c / 100, np.nan),
            "main_category_prev_revenue": np.where(has_c, main_p / 100, np.nan),
            "total_revenue": total_c / 100,
            "total_prev_revenue": total_p / 100,
            "growth": growth_rate(total_c, total_p),
            "main_category_growth": np.where(has_c, growth_rate(main_c, main_p), np.nan),
            "growing_quarters": growing_quarters,
            "business_account": main_rows["business_account"].to_numpy(bool),
            "positive_ratings_pct": main_rows["positive_ratings_pct"].to_numpy(float),
            "quality_main": pd.Categorical(main_rows["sales_quality"].to_numpy()),
            "suspended": np.bincount(company, weights=accounts["suspended"].to_numpy(float), minlength=n_comp) > 0,
            "transaction_problem_rate": _group_max(
                company, n_comp, accounts["transaction_problem_rate"].to_numpy(float)
            ),
            "exportable_share": company_share("exportable_share"),
            "new_condition_share": company_share("new_condition_share"),
        }
    )

    is_other = np.ones(len(accounts), bool)
    is_other[main_idx] = False
    level_code, levels = pd.factorize(accounts["sales_quality"].astype(str), sort=True)
    counts = np.bincount(company[is_other] * len(levels) + level_code[is_other], minlength=n_comp * len(levels))
    other_levels = pd.DataFrame(counts.reshape(n_comp, len(levels)) > 0, columns=[str(v) for v in levels])

    return Metrics(
        as_of=as_of,
        companies=companies,
        rev_c=grosze_c / 100,
        rev_p=grosze_p / 100,
        other_levels=other_levels,
        brand_accounts=_brand_accounts(accounts, company, row_account, row_cat, amounts, in_c),
        peer_growth=_peer_growth(grosze_c, grosze_p),
        main_revenue_grosze=main_c,
        fingerprint=dataset.fingerprint,
    )


def to_grosze(pln: np.ndarray) -> np.ndarray:
    """Amounts in PLN as whole grosze (int64), rounded half to even (rules.md §7).

    ``rint(x * 100)`` is right except where x is written with half a grosz: 1.015 is stored as 1.01499999…,
    so x * 100 lands a hair under 101.5. Those few amounts, and any too large for x * 100 to hold every
    grosz, are rounded from their shortest decimal form (``repr``), which is the number as written.
    Amounts beyond ±2**62 grosze are held there (no sum could reach them; see MAX_GROSZE)."""
    pln = np.asarray(pln, dtype=float)
    usual = _usual_grosze(pln)
    if usual is not None:
        return usual
    scaled = pln * 100
    rounded = np.rint(scaled)
    # x * 100 is off from the written amount by at most about |x * 100| * 2**-52. Where it is that close (or
    # 1e-6 near zero) to half a grosz, the float can't tell which side the written amount was on; from
    # 5e14 grosze up every amount is unsure, so the huge ones are clamped below, not cast blindly.
    # In place where it can be: this runs over every revenue row.
    with np.errstate(invalid="ignore"):  # an infinite threshold: inf - inf, and its cast, are fixed below
        slack = np.abs(scaled)
        slack *= 1e-15
        off = np.subtract(scaled, rounded, out=scaled)
        slack += np.abs(off, out=off)
        unsure = ~(slack <= 0.5 - 1e-6)  # NaN is unsure too
        grosze = rounded.astype(np.int64)
    del scaled, off, slack
    if unsure.any():
        values = pln[unsure].tolist()
        exact = {v: _decimal_grosze(v) for v in set(values)}
        grosze[unsure] = np.array([exact[v] for v in values], dtype=np.int64)
    return grosze


# Rows converted at a time by _usual_grosze: its scratch arrays (2 × 8 MB) stay in the CPU's cache, and only the
# answer is a fresh 8 bytes a row. On 8 M rows fresh scratch arrays of the full length cost 0.3–0.4 s more (the
# kernel finding and zeroing their pages), where the arithmetic itself takes 0.04 s.
_CHUNK = 1 << 20


def _usual_grosze(pln: np.ndarray) -> np.ndarray | None:
    """``to_grosze`` for the usual case, or None: amounts within 1e14 grosze whose x * 100 is within 0.39 of a
    whole grosz. Their slack (see ``to_grosze``) is at most 1e14 * 1e-15 + 0.39 < 0.5 - 1e-6, so every one is
    sure and the answer is ``rint(x * 100)``: the same, computed in fewer passes, a chunk at a time."""
    flat = pln.reshape(-1)
    out = np.empty(flat.shape, dtype=np.int64)
    scaled = np.empty(min(len(flat), _CHUNK))
    rounded = np.empty_like(scaled)
    for start in range(0, len(flat), _CHUNK):
        n = min(_CHUNK, len(flat) - start)
        s, r = scaled[:n], rounded[:n]
        np.multiply(flat[start : start + n], 100, out=s)
        np.rint(s, out=r)
        if not max(float(s.max()), -float(s.min())) <= 1e14:  # NaN or inf too
            return None
        np.subtract(s, r, out=s)
        if float(np.abs(s, out=s).max()) > 0.39:
            return None
        out[start : start + n] = r
    return out.reshape(pln.shape)


def _decimal_grosze(pln: float) -> int:
    if math.isnan(pln):
        raise ValueError("an amount is not a number")
    if math.isinf(pln):  # a policy may say .inf to close a path
        return MAX_GROSZE if pln > 0 else -MAX_GROSZE
    grosze = int((Decimal(repr(pln)) * 100).to_integral_value(ROUND_HALF_EVEN))
    return max(-MAX_GROSZE, min(MAX_GROSZE, grosze))


def sum_by(key: np.ndarray, grosze: np.ndarray, n: int) -> np.ndarray:
    """Sum of int64 ``grosze`` per ``key`` in 0..n-1, exactly.

    Not ``np.bincount(key, weights=…)``: that sums in float64, exact only while every sum stays under 2**53
    grosze (90 trillion PLN). ``np.add.at`` on int64 is exact up to 2**63 and measured as fast."""
    out = np.zeros(n, dtype=np.int64)
    np.add.at(out, key, grosze)
    return out


class _Amounts:
    """The revenue rows' grosze, summed by key: by ``np.bincount`` (several times faster than ``np.add.at``)
    where it is exact. bincount adds in float64, exact for whole numbers while every partial sum stays under
    2**53, which holds when the sum of all magnitudes (``magnitude``, with a margin for its own rounding) does;
    then only the float64 copy is kept (one 8-byte array a row, not two)."""

    def __init__(self, grosze: np.ndarray, magnitude: float):
        self.exact_in_float = magnitude < 2**52
        self.values = grosze.astype(np.float64) if self.exact_in_float else grosze

    def sum(self, key: np.ndarray, n: int, where: np.ndarray | None = None) -> np.ndarray:
        """The sums per ``key`` in 0..n-1 (only of the entries ``where`` is true, if given)."""
        values = self.values if where is None else self.values[where]
        if self.exact_in_float:
            return np.bincount(key, weights=values, minlength=n).astype(np.int64)
        return sum_by(key, values, n)

    def grosze(self, mask: np.ndarray) -> np.ndarray:
        return self.values[mask].astype(np.int64)


def growth_rate(now: np.ndarray, before: np.ndarray) -> np.ndarray:
    """now / before − 1 to 9 decimals (rules.md §7), NaN where ``before`` is 0. Both are int64 grosze."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.round(np.where(before > 0, now / np.where(before > 0, before, 1) - 1, np.nan), DECIMALS)


def _positions(values: pd.Series, universe: pd.Series) -> np.ndarray:
    """Position of each value in ``universe`` (a validated dataset has no value outside it).

    Arrow's hash look-up is about ten times faster than a pandas Index on millions of strings."""
    found = pc.index_in(pa.array(values, type=pa.large_string()), value_set=pa.array(universe, type=pa.large_string()))
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def _sorted_codes(values: pd.Series) -> tuple[Any, np.ndarray]:
    """``np.unique(values, return_inverse=True)`` for text, by Arrow: the distinct values in code-point order
    (as pandas text, straight from Arrow: no Python string is made) and each value's position among them.
    np.unique sorts Python strings one comparison at a time."""
    encoded = pa.array(values, type=pa.large_string()).dictionary_encode()
    order = pc.array_sort_indices(encoded.dictionary).to_numpy()
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    distinct = encoded.dictionary.take(pa.array(order)).to_pandas().array
    return distinct, rank[encoded.indices.to_numpy()]


def _values(column: pd.Series) -> Any:
    """A column's values for a new frame: pandas text as it is (Arrow-backed: no Python string is made, 40 ms
    fewer at 150,000 companies), anything else as its numpy array (object text is then inferred as usual)."""
    return column.array if isinstance(column.dtype, pd.StringDtype) else column.to_numpy()


def _resolve_as_of(dataset: Dataset | CompactDataset, as_of: str | pd.Period | None) -> pd.Period:
    if as_of is None:
        latest = dataset.latest_month
        if latest is None:
            raise ValueError("the revenue table is empty: give an as-of month")
        return pd.Period(latest, freq="M")
    try:
        return pd.Period(as_of, freq="M")
    except (ValueError, TypeError):
        raise ValueError(f"as-of month {as_of!r} is not a month (expected YYYY-MM)") from None


def _run_starts(*columns: np.ndarray) -> np.ndarray:
    """Where each run of rows alike in every column begins (the first row always does)."""
    n = len(columns[0])
    if n == 0:
        return np.zeros(0, dtype=np.intp)
    change = np.empty(n, dtype=bool)
    change[0] = True
    np.not_equal(columns[0][1:], columns[0][:-1], out=change[1:])
    for column in columns[1:]:
        change[1:] |= column[1:] != column[:-1]
    return np.flatnonzero(change)


def month_slots(month: np.ndarray) -> tuple[np.ndarray, int, int]:
    """For a table with an entry per month of the rows' span: each row's entry, the month (ordinal) of entry 0,
    and the table's length. Ordinals of 1970 on (below 2**20, years up to 89 000) are their own entries, from
    month 0, so no array of offsets is built over the rows; others count from the first month. ``month`` is
    not empty."""
    first, last = int(month.min()), int(month.max())
    if first >= 0 and last < 1 << 20:
        return month, 0, last + 1
    return month - first, first, last - first + 1


def _quarters(month: np.ndarray, as_of: pd.Period) -> np.ndarray:
    """Each row's quarter (int8) over the windows ending at ``as_of``: 0..3 the current window's, newest first;
    4..7 the previous window's; 8 neither. Looked up by month in a table of the rows' span of months."""
    if not len(month):
        return np.zeros(0, dtype=np.int8)
    slots, base, size = month_slots(month)
    offset = as_of.ordinal - np.arange(base, base + size)  # months before as_of, for each month of the table
    table = np.where((offset >= 0) & (offset <= 23), offset // 3, 8).astype(np.int8)
    return table[slots]


def _main_accounts(company, n_comp, marked, total_c) -> np.ndarray:
    """Row of each company's main account: the marked one, else the largest in C. Accounts are
    sorted by id and lexsort is stable, so a tie goes to the smallest id."""
    main = first_per_group(np.lexsort((-total_c, ~marked, company)), company)
    assert len(main) == n_comp
    return main


def first_per_group(order: np.ndarray, group: np.ndarray) -> np.ndarray:
    """The first row of each group in ``order`` (row numbers sorted by group, then by preference)."""
    sorted_group = group[order]
    first = np.ones(len(order), bool)
    first[1:] = sorted_group[1:] != sorted_group[:-1]
    return order[first]


def _peer_growth(grosze_c: np.ndarray, grosze_p: np.ndarray) -> tuple[np.ndarray, ...]:
    out = []
    for j in range(N_CAT):
        has = grosze_p[:, j] > 0
        out.append(np.sort(growth_rate(grosze_c[has, j], grosze_p[has, j])))
    return tuple(out)


def _group_max(group: np.ndarray, n: int, values: np.ndarray) -> np.ndarray:
    out = np.full(n, -np.inf)
    np.maximum.at(out, group, values)
    return out


def _brand_accounts(accounts, company, row_account, row_cat, amounts: _Amounts, in_c) -> pd.DataFrame:
    brand = accounts["brand_zone"].to_numpy(bool)
    columns = ["company", "account_id", "category", "category_code", "revenue", "grosze"]
    if not brand.any():
        dtypes = ["int64", "str", "str", "int64", "float64", "int64"]
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(columns, dtypes, strict=True)})
    brand_rows = np.flatnonzero(brand)
    slot = np.full(len(accounts), -1, dtype=np.int32)
    slot[brand_rows] = np.arange(len(brand_rows), dtype=np.int32)
    row_slot = slot[row_account]  # one 4-byte gather over the rows
    mask = in_c & (row_slot >= 0)
    key = row_slot[mask].astype(np.int64) * N_CAT + row_cat[mask]
    flat = sum_by(key, amounts.grosze(mask), len(brand_rows) * N_CAT)
    by_cat = flat.reshape(len(brand_rows), N_CAT)
    has = by_cat.sum(axis=1) > 0  # no revenue in C: no main category, so the account cannot open the path
    own_main = by_cat.argmax(axis=1)  # first maximum: the published order breaks ties
    keep = brand_rows[has]
    return pd.DataFrame(
        {
            "company": company[keep],
            "account_id": accounts["account_id"].to_numpy()[keep],
            "category": np.asarray(CATEGORIES, dtype=object)[own_main[has]],
            "category_code": own_main[has],
            "revenue": by_cat[has, own_main[has]] / 100,
            "grosze": by_cat[has, own_main[has]],
        }
    )
