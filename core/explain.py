"""Views of a decision that people ask for: why one company got its status, who is close to
qualifying, what a scenario changes, and counts per category. Plain functions over the frames
`decide` returns, so the dashboard, the CLI and notebooks share them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .codes import category_codes
from .decide import STATUSES
from .formatting import pct as _pct
from .formatting import pln as _pln
from .formatting import yes_no as _yes
from .parameters import ASSUMPTION, PUBLISHED, Source, parameter, threshold_kind
from .policy import CATEGORIES, Policy

PATH_NAMES = ["standard", "conditional", "brand"]


def checklist(row: pd.Series, policy: Policy) -> pd.DataFrame:
    """Every criterion for one company: actual value, requirement, whether it passes, and whether the
    rule is published or our reading. ``row`` is one row of `decide`'s output."""
    cr, gr, fl = policy.criteria, policy.growth, policy.flags
    growth = row["growth"]
    items = [
        (
            "Revenue",
            "Main-category revenue ≥ company threshold (standard path)",
            _pln(row["main_category_revenue"]),
            _pln(row["company_threshold"]),
            row["standard_ok"],
            threshold_kind("company").source,
        ),
        (
            "Revenue",
            "…or ≥ conditional threshold and main-category growth above the peer benchmark",
            f"{_pln(row['main_category_revenue'])}, growth {_pct(row['main_category_growth'])}",
            f"{_pln(row['conditional_threshold'])}, growth > {_pct(row['peer_benchmark'])} "
            f"(peer percentile {policy.conditional.peer_percentile:g})",
            row["conditional_ok"],
            _source("conditional.peer_percentile"),
        ),
        (
            "Revenue",
            "…or one Brand Zone account ≥ brand threshold in its own main category",
            "no Brand Zone account with revenue"
            if pd.isna(row["brand_account_id"])
            else f"{row['brand_account_id']}: {_pln(row['brand_revenue'])} in {row['brand_category']}",
            _pln(row["brand_account_threshold"]),
            row["brand_ok"],
            threshold_kind("brand").source,
        ),
        (
            "Quality",
            "Main account is an active Business Account",
            _yes(row["business_account"]),
            "yes",
            row["business_account"],
            PUBLISHED,
        ),
        (
            "Quality",
            "Positive ratings of the main account, last 12 months",
            f"{row['positive_ratings_pct']:.2f} %",
            f"≥ {cr.min_positive_ratings_pct:g} %",
            row["ratings_ok"],
            _source("criteria.min_positive_ratings_pct"),
        ),
        (
            "Quality",
            "Sales quality of the main account",
            row["quality_main"],
            f"≥ {cr.min_quality_main}",
            row["quality_main_ok"],
            _source("criteria.min_quality_main"),
        ),
        (
            "Quality",
            "Sales quality of every other account",
            "no other account" if pd.isna(row["lowest_other_quality"]) else row["lowest_other_quality"],
            f"≥ {cr.min_quality_other}",
            row["quality_other_ok"],
            _source("criteria.min_quality_other"),
        ),
        (
            "Growth",
            "Revenue history in the previous 12 months",
            _pln(row["total_prev_revenue"]),
            "> 0 PLN",
            row["history_ok"],
            ASSUMPTION,
        ),
        (
            "Growth",
            "Total revenue growth, 12 months on 12 months",
            _pct(growth),
            f"> {_pct(gr.min_yoy_growth)}",
            bool(growth > gr.min_yoy_growth) if pd.notna(growth) else False,
            _source("growth.min_yoy_growth"),
        ),
        (
            "Growth",
            "Quarters beating the same quarter a year earlier",
            f"{int(row['growing_quarters'])} of 4",
            f"≥ {gr.min_growing_quarters} of 4",
            row["growing_quarters"] >= gr.min_growing_quarters,
            _source("growth.min_growing_quarters"),
        ),
        ("Flag", "No account suspended", _yes(not row["flag_suspended"]), "yes", not row["flag_suspended"], PUBLISHED),
        (
            "Flag",
            "Transaction problem rate, worst account",
            _pct(row["transaction_problem_rate"]),
            f"≤ {_pct(fl.max_transaction_problem_rate)}",
            not row["flag_transaction_problems"],
            _source("flags.max_transaction_problem_rate"),
        ),
        (
            "Flag",
            "Exportable share of the assortment (revenue-weighted)",
            _pct(row["exportable_share"]),
            f"≥ {_pct(fl.min_exportable_share)}",
            not row["flag_export"],
            _source("flags.min_exportable_share"),
        ),
        (
            "Flag",
            "Share of products in condition New (revenue-weighted)",
            _pct(row["new_condition_share"]),
            f"≥ {_pct(fl.min_new_condition_share)}",
            not row["flag_condition"],
            _source("flags.min_new_condition_share"),
        ),
    ]
    frame = pd.DataFrame(items, columns=["group", "criterion", "actual", "required", "passed", "source"])
    frame["passed"] = frame["passed"].astype(bool)
    return frame


def _source(key: str) -> Source:
    """Published or our assumption, as the parameter's record says (the one home of that fact). The
    three rules with no parameter (Business Account, history, suspension) say it where they are listed."""
    return parameter(key).source


def revenue_gaps(row: pd.Series) -> pd.DataFrame:
    """How far one company is from each revenue path, in PLN and as a share of the threshold."""
    rows = [
        ("standard", row["company_threshold"], row["main_category_revenue"], True),
        (
            "conditional",
            row["conditional_threshold"],
            row["main_category_revenue"],
            bool(row["main_category_growth"] > row["peer_benchmark"]),
        ),
        ("brand", row["brand_account_threshold"], row["brand_revenue"], pd.notna(row["brand_account_id"])),
    ]
    frame = pd.DataFrame(rows, columns=["path", "threshold", "revenue", "other_condition_met"])
    frame["gap"] = (frame["threshold"] - frame["revenue"].fillna(0)).clip(lower=0)
    # No threshold (no main category, no Brand Zone account): no gap either, rather than a 0 % one.
    frame["gap_pct"] = (frame["gap"] / frame["threshold"]).mask(frame["threshold"] == 0, 0.0)
    frame["passes"] = [bool(row["standard_ok"]), bool(row["conditional_ok"]), bool(row["brand_ok"])]
    return frame


def near_misses(decisions: pd.DataFrame, within: float = 0.2) -> pd.DataFrame:
    """Companies that pass every quality gate with no flag and miss a revenue path by at most
    ``within`` (a fraction of that path's threshold): prospects for the sales team."""
    d = decisions
    with np.errstate(divide="ignore", invalid="ignore"):
        shortfalls = pd.DataFrame(
            {
                "standard": (d["company_threshold"] - d["main_category_revenue"]) / d["company_threshold"],
                "conditional": np.where(
                    d["main_category_growth"] > d["peer_benchmark"],
                    (d["conditional_threshold"] - d["main_category_revenue"]) / d["conditional_threshold"],
                    np.nan,
                ),
                "brand": (d["brand_account_threshold"] - d["brand_revenue"]) / d["brand_account_threshold"],
            },
            index=d.index,
        )
    nearest = shortfalls.min(axis=1, skipna=True)
    candidates = (~d["revenue_ok"]) & d["gates_ok"] & (d["flags"].astype(str) == "") & (nearest <= within)
    picked = d.loc[candidates, ["nip", "company_name", "main_category", "main_category_revenue", "growth"]].copy()
    best = shortfalls.loc[candidates].idxmin(axis=1)
    picked["nearest_path"] = best
    threshold_col = best.map(
        {"standard": "company_threshold", "conditional": "conditional_threshold", "brand": "brand_account_threshold"}
    )
    sub = d.loc[candidates]
    picked["threshold"] = np.array([sub.at[i, c] for i, c in threshold_col.items()])
    picked["shortfall_pct"] = nearest[candidates]
    picked["shortfall"] = picked["shortfall_pct"] * picked["threshold"]
    return picked.sort_values("shortfall_pct", ignore_index=True)


def by_category(decisions: pd.DataFrame) -> pd.DataFrame:
    """Companies per main category (published order): by status and, for those passing revenue, by path.
    Counted on the columns' codes (`core.codes`): a few milliseconds at 150,000 companies."""
    n_cat, n_st, n_path = len(CATEGORIES), len(STATUSES), len(PATH_NAMES)
    cat = category_codes(decisions["main_category"], CATEGORIES)
    status = category_codes(decisions["status"], STATUSES)
    keep = (cat >= 0) & (status >= 0)
    by_status = np.bincount(cat[keep] * n_st + status[keep], minlength=n_cat * n_st).reshape(n_cat, n_st)
    path = category_codes(decisions["path"], PATH_NAMES)
    qualified = keep & (status == STATUSES.index("qualified")) & (path >= 0)
    by_path = np.bincount(cat[qualified] * n_path + path[qualified], minlength=n_cat * n_path).reshape(n_cat, n_path)
    out = pd.DataFrame({"category": list(CATEGORIES), "companies": by_status.sum(axis=1)})
    for i, name in enumerate(STATUSES):
        out[name] = by_status[:, i]
    for i, name in enumerate(PATH_NAMES):
        out[f"qualified_{name}"] = by_path[:, i]
    return out


def compare_by_category(baseline: pd.DataFrame, scenario: pd.DataFrame) -> pd.DataFrame:
    """Qualified companies per category under the baseline and the scenario, with the difference."""
    b = by_category(baseline).set_index("category")["qualified"]
    s = by_category(scenario).set_index("category")["qualified"]
    out = pd.DataFrame({"baseline": b, "scenario": s})
    out["delta"] = out["scenario"] - out["baseline"]
    return out.reset_index()


FUNNEL_STAGES = [
    ("All companies", None),
    ("Revenue in the last 12 months", "has_revenue"),
    ("Revenue threshold (any path)", "revenue_ok"),
    ("Business Account", "business_account"),
    ("Positive ratings", "ratings_ok"),
    ("Quality, main account", "quality_main_ok"),
    ("Quality, other accounts", "quality_other_ok"),
    ("Steady growth", "growth_ok"),
    ("No flag (qualified)", "no_flag"),
]


def funnel(decisions: pd.DataFrame) -> pd.DataFrame:
    """How many companies pass each criterion in turn (each stage keeps those passing all before it)."""
    passing = pd.Series(True, index=decisions.index)
    rows = []
    for label, column in FUNNEL_STAGES:
        if column == "has_revenue":
            passing &= decisions["main_category"].notna()
        elif column == "no_flag":
            passing &= category_codes(decisions["flags"], [""]) == 0
        elif column is not None:
            passing &= decisions[column].astype(bool)
        rows.append((label, int(passing.sum())))
    return pd.DataFrame(rows, columns=["stage", "companies"])


def status_counts(decisions: pd.DataFrame) -> dict[str, int]:
    counts = np.bincount(np.maximum(category_codes(decisions["status"], STATUSES) + 1, 0), minlength=len(STATUSES) + 1)
    return {s: int(counts[i + 1]) for i, s in enumerate(STATUSES)}


def path_counts(decisions: pd.DataFrame) -> dict[str, int]:
    qualified = category_codes(decisions["status"], STATUSES) == STATUSES.index("qualified")
    path = category_codes(decisions["path"], PATH_NAMES)[qualified]
    counts = np.bincount(path + 1, minlength=len(PATH_NAMES) + 1)
    return {p: int(counts[i + 1]) for i, p in enumerate(PATH_NAMES)}
