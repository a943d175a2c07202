"""Prospect lists for the sales team (issue 11 §2): the companies that pass every quality gate with no flag
and miss a revenue path, filtered by main category, the path they are closest to and the gap, and sorted.

`prospects` returns the table exactly as people see and download it: people's column names, one row per
company in the chosen order, money in PLN and gaps as fractions of the threshold (0.05 is 5 %). The page
shows this frame and its CSV and Excel downloads write this frame, so what is exported is what is shown.
`PROSPECT_KINDS` says which columns are money and which are shares, for the Excel number formats.

The nearest path is the one missed by the smallest share of its threshold (as `explain.near_misses`); the
conditional path counts only where main-category growth is above the peer benchmark, the brand path only
for a company with a Brand Zone account with revenue. The gap in PLN is that path's threshold minus the
revenue that path counts (main-category revenue, or the Brand Zone account's revenue in its own category).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .formatting import pct, pln
from .policy import CATEGORIES

PATHS = ("standard", "conditional", "brand")

COMPANY, NIP, CATEGORY, PATH = "Company", "NIP", "Main category", "Nearest path"
REVENUE, THRESHOLD, GAP, GAP_PCT, GROWTH = (
    "Revenue counted (PLN)",
    "Threshold of that path (PLN)",
    "Gap (PLN)",
    "Gap (% of threshold)",
    "Growth, 12 m on 12 m (%)",
)
PROSPECT_COLUMNS = [COMPANY, NIP, CATEGORY, PATH, REVENUE, THRESHOLD, GAP, GAP_PCT, GROWTH]
# How each column is written: money (PLN), a share (a fraction shown as %) or text.
PROSPECT_KINDS = {REVENUE: "money", THRESHOLD: "money", GAP: "money", GAP_PCT: "share", GROWTH: "share"}

# Sort keys people can choose, and the column each sorts on.
SORT_KEYS = {
    "gap_pct": GAP_PCT,
    "gap_pln": GAP,
    "revenue": REVENUE,
    "company": COMPANY,
    "category": CATEGORY,
}
SORT_LABELS = {
    "gap_pct": "gap (% of threshold)",
    "gap_pln": "gap (PLN)",
    "revenue": "revenue counted",
    "company": "company name",
    "category": "main category",
}


@dataclass(frozen=True)
class ProspectFilter:
    """What the list keeps and how it is ordered. Empty ``categories`` or ``paths`` keep every one;
    ``max_gap_pct`` (a fraction of the threshold) and ``max_gap_pln`` are upper limits, inclusive, either
    or both None for no limit."""

    categories: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    max_gap_pct: float | None = 0.2
    max_gap_pln: float | None = None
    sort_by: str = "gap_pct"
    descending: bool = False

    def __post_init__(self) -> None:
        unknown = [c for c in self.categories if c not in CATEGORIES]
        if unknown:
            raise ValueError(f"not a category: {', '.join(map(str, unknown))}")
        bad_paths = [p for p in self.paths if p not in PATHS]
        if bad_paths:
            raise ValueError(f"not a revenue path: {', '.join(map(str, bad_paths))} (one of {', '.join(PATHS)})")
        if self.sort_by not in SORT_KEYS:
            raise ValueError(f"cannot sort by {self.sort_by!r} (one of {', '.join(SORT_KEYS)})")
        for name in ("max_gap_pct", "max_gap_pln"):
            value = getattr(self, name)
            if value is not None and not (value >= 0):  # also refuses NaN
                raise ValueError(f"{name} must be 0 or more, not {value}")

    def describe(self) -> list[tuple[str, str]]:
        """The filters in words, one (label, value) per filter, for the page and the export's About sheet."""
        gap = []
        if self.max_gap_pct is not None:
            gap.append(f"at most {pct(self.max_gap_pct)} of the threshold")
        if self.max_gap_pln is not None:
            gap.append(f"at most {pln(self.max_gap_pln)}")
        return [
            ("Main categories", ", ".join(self.categories) if self.categories else "all"),
            ("Nearest path", ", ".join(self.paths) if self.paths else "any"),
            ("Gap", " and ".join(gap) if gap else "any"),
            ("Sorted by", f"{SORT_LABELS[self.sort_by]}, {'largest' if self.descending else 'smallest'} first"),
        ]


def path_shortfalls(decisions: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Per company and revenue path: the threshold, the revenue that path counts, and the gap as a share
    of the threshold (NaN where the path does not apply: no main category, growth not above the peer
    benchmark for the conditional path, no Brand Zone account with revenue, an infinite threshold)."""
    d = decisions
    threshold = pd.DataFrame(
        {
            "standard": d["company_threshold"].astype(float),
            "conditional": d["conditional_threshold"].astype(float),
            "brand": d["brand_account_threshold"].astype(float),
        },
        index=d.index,
    )
    revenue = pd.DataFrame(
        {
            "standard": d["main_category_revenue"].astype(float),
            "conditional": d["main_category_revenue"].astype(float),
            "brand": d["brand_revenue"].astype(float),
        },
        index=d.index,
    )
    growth_above = (d["main_category_growth"] > d["peer_benchmark"]).to_numpy(bool)  # NaN compares False
    revenue.loc[~growth_above, "conditional"] = np.nan
    revenue[d["main_category"].isna().to_numpy()] = np.nan
    usable = np.isfinite(threshold) & (threshold > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = ((threshold - revenue) / threshold).clip(lower=0).where(usable & revenue.notna())
    return threshold, revenue, share


def prospects(decisions: pd.DataFrame, filters: ProspectFilter | None = None) -> pd.DataFrame:
    """The prospect list under ``filters`` (default: within 20 % of a threshold), as shown and exported:
    columns ``PROSPECT_COLUMNS``, one row per company, sorted (ties by NIP, so the order is stable)."""
    f = filters or ProspectFilter()
    d = decisions
    threshold, revenue, share = path_shortfalls(d)
    # idxmin over all-NaN rows is refused: those companies have no path and are dropped just below.
    has_path = share.notna().any(axis=1).to_numpy()
    candidates = has_path & ~d["revenue_ok"].to_numpy(bool) & d["gates_ok"].to_numpy(bool)
    candidates &= (d["flags"].astype(str) == "").to_numpy()
    rows = np.flatnonzero(candidates)
    sub_share = share.iloc[rows]
    nearest = sub_share.idxmin(axis=1).to_numpy(object) if len(rows) else np.array([], dtype=object)
    col = np.array([PATHS.index(p) for p in nearest], dtype=int)
    thr = threshold.to_numpy(float)[rows, col] if len(rows) else np.array([], dtype=float)
    rev = revenue.to_numpy(float)[rows, col] if len(rows) else np.array([], dtype=float)
    out = pd.DataFrame(
        {
            COMPANY: d["company_name"].iloc[rows].astype(str).to_numpy(object),
            NIP: d["nip"].iloc[rows].astype(str).to_numpy(object),
            CATEGORY: d["main_category"].iloc[rows].astype(str).to_numpy(object),
            PATH: nearest,
            REVENUE: rev,
            THRESHOLD: thr,
            GAP: np.round(thr - rev, 2),  # to the grosz: both are sums of whole grosze
            GAP_PCT: sub_share.to_numpy(float)[np.arange(len(rows)), col] if len(rows) else np.array([], dtype=float),
            GROWTH: d["growth"].iloc[rows].astype(float).to_numpy(),
        }
    )
    keep = np.ones(len(out), dtype=bool)
    if f.categories:
        keep &= out[CATEGORY].isin(f.categories).to_numpy()
    if f.paths:
        keep &= out[PATH].isin(f.paths).to_numpy()
    if f.max_gap_pct is not None:
        keep &= (out[GAP_PCT] <= f.max_gap_pct + 1e-12).to_numpy()  # a gap of exactly the limit is within it
    if f.max_gap_pln is not None:
        keep &= (out[GAP] <= f.max_gap_pln).to_numpy()
    out = out[keep]
    key = SORT_KEYS[f.sort_by]
    values = out[key].str.lower() if key in (COMPANY, CATEGORY) else out[key]
    order = np.lexsort((out[NIP].to_numpy(str), _descending(values) if f.descending else values.to_numpy()))
    return out.iloc[order].reset_index(drop=True)


def _descending(values: pd.Series) -> np.ndarray:
    """A key that sorts ``values`` largest first under an ascending sort (texts by their rank)."""
    if pd.api.types.is_numeric_dtype(values):
        return -values.to_numpy(float)
    ranks = pd.Series(values.to_numpy(str)).rank(method="dense").to_numpy()
    return -ranks


def categories_present(decisions: pd.DataFrame) -> list[str]:
    """The main categories of the decision's companies, in the published order (the category filter's choices)."""
    present = set(decisions["main_category"].dropna().astype(str))
    return [c for c in CATEGORIES if c in present]


def about(scenario: str, as_of: object, filters: ProspectFilter, rows: int) -> list[tuple[str, str]]:
    """What a prospect export holds, as (label, value) rows: the export's first sheet."""
    return [
        ("List", "Prospects: companies that pass every quality gate with no flag and miss a revenue path"),
        ("Scenario", str(scenario)),
        ("As-of month", str(as_of)),
        *filters.describe(),
        ("Companies", str(rows)),
        (
            "Gap means",
            "threshold of the nearest path minus the revenue that path counts, in PLN and as % of the threshold",
        ),
    ]


def restrict(values: Iterable[str], allowed: Iterable[str]) -> tuple[str, ...]:
    """``values`` that are among ``allowed``, in ``allowed``'s order (a stale selection after the data changed)."""
    chosen = set(values)
    return tuple(a for a in allowed if a in chosen)
