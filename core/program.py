"""The program as a whole under one scenario (issue 9 §3): per category, the partners' share of the companies
against their share of the category's revenue, the revenue they cover and how concentrated it is; and a
one-paragraph summary of a scenario against the baseline, written from the numbers by a template.

Counts are bincounts over integer category codes, so a What-if rerun at 150,000 companies costs a few
milliseconds here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .comparison import flips
from .decide import STATUSES
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
    cat = decisions["main_category"].cat.codes.to_numpy()
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
    companies = np.bincount(cat[has], minlength=n)
    partners = np.bincount(cat[has & partner], minlength=n)
    category_revenue = metrics.rev_c.sum(axis=0)
    revenue = decisions["main_category_revenue"].to_numpy(float)
    covered = np.bincount(cat[has & partner], weights=revenue[has & partner], minlength=n)
    top = _top_revenue(cat[has & partner], revenue[has & partner], n)
    frame = pd.DataFrame(
        {
            "category": CATEGORIES,
            "companies": companies,
            "partners": partners,
            "category_revenue": category_revenue,
            "revenue_covered": covered,
            "top": top,
        }
    )
    total = {
        "category": "All categories",
        "companies": int(companies.sum()),
        "partners": int(partners.sum()),
        "category_revenue": float(category_revenue.sum()),
        "revenue_covered": float(covered.sum()),
        "top": float(np.sort(revenue[has & partner])[::-1][:TOP].sum()),
    }
    frame = pd.concat([frame, pd.DataFrame([total])], ignore_index=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["partners_share"] = frame["partners"] / frame["companies"].where(frame["companies"] > 0)
        frame["revenue_share"] = frame["revenue_covered"] / frame["category_revenue"].where(
            frame["category_revenue"] > 0
        )
        frame["top10_share"] = frame["top"] / frame["revenue_covered"].where(frame["partners"] > 0)
    return frame[PROGRAM_COLUMNS]


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
    baseline: pd.DataFrame,
    scenario: pd.DataFrame,
    base_policy: Policy,
    policy: Policy,
    name: str = "The scenario",
    flipped: pd.DataFrame | None = None,
) -> str:
    """One paragraph a manager can paste into a slide, from the numbers only: what the scenario changes, how
    many partners it adds or removes (by path), the revenue they cover, and where and why others leave. E.g.
    "Lowering Fashion's company threshold by 20 % adds 14 partners (9 on the standard path), covering
    31,2 mln PLN more revenue; 3 leave elsewhere: 2 in Beauty (revenue), 1 in Toys (growth)."
    """
    flipped = flipped if flipped is not None else flips(baseline, scenario, base_policy, policy)
    what = _what_changes(base_policy, policy, name)
    enters = flipped[flipped["change"] == "enters"]
    leaves = flipped[flipped["change"] == "leaves"]
    _, base_partner = _qualified(baseline)
    _, partner = _qualified(scenario)
    net = int(partner.sum()) - int(base_partner.sum())
    covered = float(scenario["main_category_revenue"].to_numpy(float)[partner].sum())
    base_covered = float(baseline["main_category_revenue"].to_numpy(float)[base_partner].sum())
    delta = covered - base_covered

    if enters.empty and leaves.empty:
        return (
            f"{what} changes no company's status: the program keeps {count(int(partner.sum()))} partners covering "
            f"{pln_short(covered)} of revenue."
        )
    moves = []
    if len(enters):
        paths = _paths_of(scenario, enters)
        moves.append(f"adds {_partners(len(enters))}" + (f" ({paths})" if paths else ""))
    if len(leaves):
        moves.append(f"removes {count(len(leaves))}" if moves else f"removes {_partners(len(leaves))}")
        moves[-1] += f": {_where_and_why(leaves)}"
    direction = "more" if delta >= 0 else "less"
    return (
        f"{what} {' and '.join(moves)}. The program goes from {count(int(base_partner.sum()))} to "
        f"{count(int(partner.sum()))} partners ({_signed(net)}), covering {pln_short(abs(delta))} {direction} "
        f"revenue ({pln_short(covered)} in all, {_signed_pct(delta, base_covered)})."
    )


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


def _paths_of(scenario: pd.DataFrame, enters: pd.DataFrame) -> str:
    path = scenario.set_index("nip")["path"].astype(str)
    counts = path.reindex(enters["nip"]).value_counts()
    return ", ".join(f"{count(int(v))} on the {k} path" for k, v in counts.items() if k)


def _where_and_why(leaves: pd.DataFrame) -> str:
    """'2 in Beauty for revenue, 1 in Toys for growth': where most leave, with the first criterion why."""
    why = leaves["why"].astype(str).str.split(":", n=1).str[0]
    groups = (
        pd.DataFrame({"category": leaves["main_category"].astype(str), "why": why})
        .value_counts()
        .reset_index(name="n")
        .sort_values(["n", "category"], ascending=[False, True])
    )
    shown = [f"{count(int(r.n))} in {r.category} for {r.why}" for r in groups.head(3).itertuples()]
    rest = int(groups["n"].iloc[3:].sum())
    return ", ".join(shown) + (f", {count(rest)} elsewhere" if rest else "")


def _signed(n: int) -> str:
    return f"+{count(n)}" if n > 0 else ("±0" if n == 0 else f"−{count(-n)}")


def _signed_pct(delta: float, base: float) -> str:
    if not base:
        return "new"
    text = pct(abs(delta) / base)
    return f"+{text}" if delta >= 0 else f"−{text}"
