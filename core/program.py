"""The program as a whole under one scenario (issue 9 §3): per category, the partners' share of the companies
against their share of the category's revenue, the revenue they cover and how concentrated it is; and a
one-paragraph summary of a scenario against the baseline, written from the numbers by a template.

Counts are bincounts over integer category codes, so a What-if rerun at 150,000 companies costs a few
milliseconds here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .decide import PATHS, STATUSES
from .formatting import count, pct, pln, pln_short
from .metrics import Metrics
from .policy import CATEGORIES, Policy
from .scenario import Scenario

TOP = 10  # concentration: the share of the partners' revenue the largest TOP partners hold
_QUALIFIED = STATUSES.index("qualified")

PROGRAM_COLUMNS = [
    "category",
    "companies",
    "partners",
    "partners_share",
    "category_revenue",
    "revenue_covered",
    "revenue_share",
    "top10_share",
]


def _qualified(decisions: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each company's main category code (-1 none) and whether it is qualified (a partner)."""
    cat = decisions["main_category"].cat.codes.to_numpy(np.int64)
    return cat, decisions["status"].cat.codes.to_numpy() == _QUALIFIED


def program_view(decisions: pd.DataFrame, metrics: Metrics) -> pd.DataFrame:
    """One row per category (published order), then ``All categories``:

    companies: companies whose main category it is; partners: the qualified among them; partners_share:
    partners / companies; category_revenue: every company's revenue in the category over the current window
    (PLN); revenue_covered: the partners' revenue there; revenue_share: covered / category revenue;
    top10_share: the share of the covered revenue held by the category's 10 largest partners (1.0 with 10
    partners or fewer; NaN with none).
    """
    n = len(CATEGORIES)
    cat, partner = _qualified(decisions)
    has = cat >= 0
    picked = has & partner
    companies = np.bincount(cat[has], minlength=n)
    partners = np.bincount(cat[picked], minlength=n)
    category_revenue = metrics.category_revenue
    revenue = decisions["main_category_revenue"].to_numpy(float)[picked]
    covered = np.bincount(cat[picked], weights=revenue, minlength=n)
    top = _top_revenue(cat[picked], revenue, n)
    # One row a category, then the whole program; the shares in numpy, NaN where a divisor is 0.
    companies = np.append(companies, companies.sum())
    partners = np.append(partners, partners.sum())
    category_revenue = np.append(category_revenue, category_revenue.sum())
    covered = np.append(covered, covered.sum())
    top = np.append(top, np.sort(revenue)[::-1][:TOP].sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        return pd.DataFrame(
            {
                "category": [*CATEGORIES, "All categories"],
                "companies": companies,
                "partners": partners,
                "partners_share": np.where(companies > 0, partners / companies, np.nan),
                "category_revenue": category_revenue,
                "revenue_covered": covered,
                "revenue_share": np.where(category_revenue > 0, covered / category_revenue, np.nan),
                "top10_share": np.where(partners > 0, top / covered, np.nan),
            }
        )


def _top_revenue(cat: np.ndarray, revenue: np.ndarray, n: int) -> np.ndarray:
    """Per category, the sum of its TOP largest revenues: one lexsort, then each value's rank in its group."""
    order = np.lexsort((-revenue, cat))
    cat_sorted = cat[order]
    start = np.searchsorted(cat_sorted, np.arange(n))
    rank = np.arange(len(order)) - start[cat_sorted]
    keep = rank < TOP
    return np.bincount(cat_sorted[keep], weights=revenue[order][keep], minlength=n)


# -- the summary paragraph -----------------------------------------------------------------------


def summary(
    baseline: pd.DataFrame, scenario: pd.DataFrame, base_policy: Policy, policy: Policy, name: str = "The scenario"
) -> str:
    """One paragraph a manager can paste into a slide, from the numbers only: what the scenario changes, how
    many partners it adds or removes (by path), where and why they leave, and the revenue the program covers.
    E.g. "Lowering Fashion's company threshold by 20 % adds 14 partners (9 on the standard path, 5 on the
    conditional path) and removes 3: 2 in Kids for revenue, 1 in Toys for growth. The program goes from 121
    to 132 partners (+11), covering 31.2 mln PLN more revenue (1.48 mld PLN in all, +2.2 %)."

    Both frames are `decide`'s for the same metrics (the same companies in the same order); every figure is
    a vectorised count over them.
    """
    if len(baseline) != len(scenario) or not baseline["nip"].array.equals(scenario["nip"].array):
        raise ValueError("the summary compares two decisions of the same companies (the same metrics)")
    what = _what_changes(base_policy, policy, name)
    cat, partner = _qualified(scenario)
    _, base_partner = _qualified(baseline)
    enters, leaves = partner & ~base_partner, base_partner & ~partner
    revenue = scenario["main_category_revenue"].to_numpy(float)
    covered = float(revenue[partner].sum())
    base_covered = float(baseline["main_category_revenue"].to_numpy(float)[base_partner].sum())
    delta = covered - base_covered
    n_now, n_before = int(partner.sum()), int(base_partner.sum())

    if not enters.any() and not leaves.any():
        return (
            f"{what} changes no company's status: the program keeps {_partners(n_now)} covering "
            f"{pln_short(covered)} of revenue."
        )
    moves = []
    if enters.any():
        path = scenario["path"].cat.codes.to_numpy(np.int64)[enters]
        by_path = np.bincount(path, minlength=len(PATHS))
        paths = ", ".join(
            f"{count(int(by_path[i]))} on the {PATHS[i]} path"
            for i in np.argsort(-by_path, kind="stable")
            if by_path[i] and PATHS[i]
        )
        moves.append(f"adds {_partners(int(enters.sum()))}" + (f" ({paths})" if paths else ""))
    if leaves.any():
        n = int(leaves.sum())
        moves.append(
            (f"removes {count(n)}" if moves else f"removes {_partners(n)}")
            + f": {_where_and_why(scenario, cat, leaves)}"
        )
    direction = "more" if delta >= 0 else "less"
    return (
        f"{what} {' and '.join(moves)}. The program goes from {count(n_before)} to {count(n_now)} partners "
        f"({_signed(n_now - n_before)}), covering {pln_short(abs(delta))} {direction} revenue "
        f"({pln_short(covered)} in all, {_signed_pct(delta, base_covered)})."
    )


# Why a partner leaves: the first criterion it now fails, in the rules' order (a flag last: it goes to review).
_WHY_LEAVES = [
    ("revenue_ok", "revenue"),
    ("business_account", "business account"),
    ("ratings_ok", "positive ratings"),
    ("quality_main_ok", "sales quality"),
    ("quality_other_ok", "sales quality"),
    ("history_ok", "no previous year"),
    ("growth_ok", "growth"),
]


def _where_and_why(scenario: pd.DataFrame, cat: np.ndarray, leaves: np.ndarray) -> str:
    """'2 in Kids for revenue, 1 in Toys for growth': where most leave, with the first criterion they fail."""
    rows = np.flatnonzero(leaves)
    reasons = [label for _, label in _WHY_LEAVES] + ["a flag (to review)"]
    checks = [~scenario[column].to_numpy(bool)[rows] for column, _ in _WHY_LEAVES]
    why = np.select(checks, np.arange(len(_WHY_LEAVES)), len(_WHY_LEAVES))
    groups = (
        pd.DataFrame(
            {
                "category": np.asarray([*CATEGORIES, "no category"], dtype=object)[cat[rows]],
                "why": np.asarray(reasons, dtype=object)[why],
            }
        )
        .value_counts()
        .reset_index(name="n")
        .sort_values(["n", "category"], ascending=[False, True])
    )
    shown = [f"{count(n)} in {c} for {w}" for c, w, n in groups.head(3).itertuples(index=False, name=None)]
    rest = int(groups["n"].iloc[3:].sum())
    return ", ".join(shown) + (f", {count(rest)} elsewhere" if rest else "")


def _what_changes(base: Policy, policy: Policy, name: str) -> str:
    """'Lowering Fashion's company threshold by 20 %' for one change; a count for several."""
    changes = Scenario.create("scenario", policy).changes(base)
    if changes.empty:
        return f"{name} (no change of policy)"
    ratios = _common_ratio(changes)
    if ratios is not None:
        verb = "Lowering" if ratios < 1 else "Raising"
        return f"{verb} every threshold by {pct(abs(ratios - 1), 0)}"
    described = [_one_change(row) for row in changes.itertuples(index=False)]
    if len(described) == 1:
        return described[0]
    if len(described) <= 3:
        return f"{name} ({'; '.join(described)})"
    return f"{name} ({'; '.join(described[:2])} and {len(described) - 2} more changes)"


def _common_ratio(changes: pd.DataFrame) -> float | None:
    """The factor when the changes are every threshold (and nothing else) scaled alike, to the grosz."""
    keys = changes["parameter"].astype(str)
    if len(changes) != 3 * len(CATEGORIES) or not keys.str.startswith("categories.").all():
        return None
    old = changes["published_value"].to_numpy(float)
    new = changes["scenario_value"].to_numpy(float)
    if (old <= 0).any():
        return None
    ratio = float(new[0] / old[0])
    return ratio if np.all(np.abs(new - old * ratio) <= 0.01) else None


def _one_change(row) -> str:
    old, new = row.published_value, row.scenario_value
    key = row.parameter
    if key.startswith("categories."):
        _, category, kind = key.split(".")
        verb = "Lowering" if new < old else "Raising"
        by = f"by {pct(abs(new - old) / old, 0)}" if old else f"to {pln(new)}"
        return f"{verb} {category}'s {kind} threshold {by}"
    return f"Setting {row.label[0].lower() + row.label[1:]} from {row.published} to {row.scenario}"


def _partners(n: int) -> str:
    return f"{count(n)} partner" + ("" if n == 1 else "s")


def _signed(n: int) -> str:
    return f"+{count(n)}" if n > 0 else ("±0" if n == 0 else f"−{count(-n)}")


def _signed_pct(delta: float, base: float) -> str:
    if not base:
        return "new"
    text = pct(abs(delta) / base)
    return f"+{text}" if delta >= 0 else f"−{text}"
