"""The Overview's revenue distribution comes from a bounded table of bins (core.distribution), hand-checked."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.distribution import BIN_COLUMNS, revenue_bins
from core.policy import CATEGORIES, Policy

POLICY = Policy.default()
FASHION = POLICY.categories["Fashion"].company


def decisions(rows: list[tuple[str, float, str]]) -> pd.DataFrame:
    """A decision frame with only what the bins read: (main category, main-category revenue, status)."""
    return pd.DataFrame(
        {
            "main_category": pd.Categorical([r[0] for r in rows], categories=CATEGORIES),
            "main_category_revenue": [r[1] for r in rows],
            "status": pd.Categorical([r[2] for r in rows], categories=["qualified", "review", "not_qualified"]),
        }
    )


def test_a_bin_starts_at_the_company_threshold():
    bins = revenue_bins(
        decisions(
            [
                ("Fashion", FASHION, "qualified"),  # exactly at the threshold: the bin starting there
                ("Fashion", FASHION - 0.01, "not_qualified"),  # a grosz below: the bin ending there
                ("Fashion", FASHION * 10**0.05, "review"),  # within the same tenth of a decade as the first
                ("Fashion", FASHION * 10, "qualified"),  # a decade up: ten bins higher
            ]
        ),
        POLICY,
    )
    assert list(bins.columns) == BIN_COLUMNS
    assert len(bins) == 3
    below, at, up = (bins.iloc[i] for i in range(3))
    assert below["high"] == FASHION and below["not_qualified"] == 1 and below["companies"] == 1
    assert at["low"] == FASHION and at["edge"] == FASHION
    assert at["high"] == pytest.approx(FASHION * 10**0.1)
    assert (at["qualified"], at["review"], at["not_qualified"], at["companies"]) == (1, 1, 0, 2)
    assert up["low"] == pytest.approx(FASHION * 10) and up["qualified"] == 1


def test_companies_without_revenue_are_left_out_and_categories_keep_the_published_order():
    bins = revenue_bins(
        decisions(
            [
                ("Supermarket", 5_000_000.0, "qualified"),
                ("Automotive", 20_000.0, "not_qualified"),
                (None, np.nan, "not_qualified"),  # no revenue in the current window: no main category
                ("Fashion", 0.0, "not_qualified"),
            ]
        ),
        POLICY,
    )
    assert list(bins["category"]) == ["Automotive", "Supermarket"]
    assert bins["companies"].sum() == 2


def test_a_wide_category_lumps_its_lowest_bins_into_one():
    rows = [("Fashion", FASHION * 10.0**p, "not_qualified") for p in (-6, -5, -4, -1, 0)]
    bins = revenue_bins(decisions(rows), POLICY, bins_per_decade=1, max_bins=3)
    assert len(bins) == 3
    assert list(bins["companies"]) == [3, 1, 1]  # 10^-6 .. 10^-4 of the threshold counted in the lowest bin
    assert bins["low"].iloc[0] == 0 and bins["edge"].iloc[0] == pytest.approx(FASHION / 100)
    assert bins["high"].iloc[0] == pytest.approx(FASHION / 10)


def test_a_zero_threshold_anchors_the_bins_at_one_zloty():
    policy = POLICY.with_thresholds({"Fashion": {"company": 0, "conditional": 0, "brand": 0}})[0]
    bins = revenue_bins(decisions([("Fashion", 1000.0, "qualified")]), policy)
    assert bins["low"].iloc[0] == pytest.approx(1000.0) and bins["high"].iloc[0] == pytest.approx(10**3.1)


def test_no_company_with_revenue_is_an_empty_table():
    bins = revenue_bins(decisions([(None, np.nan, "not_qualified")]), POLICY)
    assert bins.empty and list(bins.columns) == BIN_COLUMNS


def test_the_rows_are_bounded_whatever_the_number_of_companies():
    rng = np.random.default_rng(1)
    n = 200_000
    frame = decisions(
        list(
            zip(
                rng.choice(CATEGORIES, n),
                np.exp(rng.uniform(0, np.log(1e11), n)),  # 1 PLN to 100 billion: eleven decades
                rng.choice(["qualified", "review", "not_qualified"], n),
                strict=True,
            )
        )
    )
    bins = revenue_bins(frame, POLICY)
    assert len(bins) <= len(CATEGORIES) * 60
    assert bins["companies"].sum() == n
    assert (bins[["qualified", "review", "not_qualified"]].sum(axis=1) == bins["companies"]).all()
