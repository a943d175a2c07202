"""How the companies' main-category revenue is spread within each category, as a bounded table of bins:
what the Overview's distribution chart draws, whatever the number of companies (at 150,000 companies a
point per company was 12.6 MiB for the browser to draw; these bins are at most a few hundred rows).

The bins are log-spaced (``bins_per_decade`` to a tenfold) and anchored at the category's company
threshold, so a bin never straddles it: every bin is wholly at or above the threshold, or wholly below.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .codes import category_codes
from .decide import STATUSES
from .policy import CATEGORIES, Policy

BIN_COLUMNS = ["category", "low", "high", "edge", *STATUSES, "companies"]


def revenue_bins(
    decisions: pd.DataFrame, policy: Policy, bins_per_decade: int = 10, max_bins: int = 60
) -> pd.DataFrame:
    """Companies with revenue in the current window, counted per main category, revenue bin and status.

    One row per non-empty bin, categories in the published order and bins ascending: ``category``; the
    revenue range counted, ``low`` ≤ revenue < ``high`` (PLN); ``edge``, the bin's lower edge as drawn (equal
    to ``low`` except in a category's lowest bin, which also counts everything below it, ``low`` = 0, where
    a category spans more than ``max_bins`` bins); the companies per status; and their total. Bin edges are
    the company threshold × 10^(k / bins_per_decade) (1 PLN × … where the threshold is 0), so a company
    exactly at its threshold starts the first bin at or above it. At most ``max_bins`` bins a category: the
    rows are bounded by ``len(CATEGORIES) × max_bins`` whatever the number of companies.
    """
    revenue = decisions["main_category_revenue"].to_numpy(dtype=float)
    category = category_codes(decisions["main_category"], CATEGORIES)
    status = category_codes(decisions["status"], STATUSES)
    has = (np.nan_to_num(revenue, nan=0.0) > 0) & (category >= 0) & (status >= 0)
    revenue, category, status = revenue[has], category[has], status[has]
    if len(revenue) == 0:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in BIN_COLUMNS}).astype({"category": "str"})

    thresholds = policy.thresholds_frame().set_index("category").reindex(CATEGORIES)["company"].to_numpy(float)
    anchor = np.where(thresholds > 0, thresholds, 1.0)
    k = np.floor(bins_per_decade * np.log10(revenue / anchor[category])).astype(np.int64)

    n_cat = len(CATEGORIES)
    top = np.full(n_cat, np.iinfo(np.int64).min)
    np.maximum.at(top, category, k)
    bottom = np.full(n_cat, np.iinfo(np.int64).max)
    np.minimum.at(bottom, category, k)
    first = np.maximum(bottom, top - max_bins + 1)  # a category's lowest bin drawn; lower ones join it
    slot = np.maximum(k, first[category]) - first[category]  # 0 .. max_bins - 1
    counts = np.bincount(
        (category * max_bins + slot) * len(STATUSES) + status, minlength=n_cat * max_bins * len(STATUSES)
    ).reshape(n_cat * max_bins, len(STATUSES))

    cell = np.flatnonzero(counts.sum(axis=1))
    cat, s = np.divmod(cell, max_bins)
    power = first[cat] + s
    edge = anchor[cat] * 10.0 ** (power / bins_per_decade)
    high = anchor[cat] * 10.0 ** ((power + 1) / bins_per_decade)
    lumped = (s == 0) & (bottom[cat] < first[cat])
    out = pd.DataFrame(
        {
            "category": np.asarray(CATEGORIES, dtype=object)[cat],
            "low": np.where(lumped, 0.0, edge),
            "high": high,
            "edge": edge,
            **{name: counts[cell, i] for i, name in enumerate(STATUSES)},
            "companies": counts[cell].sum(axis=1),
        }
    )
    return out.reset_index(drop=True)
