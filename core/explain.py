"""Views of a decision that people ask for: why one company got its status, who is close to
qualifying, what a scenario changes, and counts per category. Plain functions over the frames
`decide` returns, so the dashboard, the CLI and notebooks share them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .codes import category_codes
from .decide import STATUSES
from .formatting import count, number, percent, reasons_text
from .formatting import excerpt as _excerpt
from .formatting import pct as _pct
from .formatting import pln as _pln
from .formatting import yes_no as _yes
from .nip import format_nip
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
            _figures(row["main_category_revenue"], "≥", row["company_threshold"], "PLN"),
        ),
        (
            "Revenue",
            "…or ≥ conditional threshold and main-category growth above the peer benchmark",
            f"{_pln(row['main_category_revenue'])}, growth {_pct(row['main_category_growth'])}",
            f"{_pln(row['conditional_threshold'])}, growth > {_pct(row['peer_benchmark'])} "
            f"(peer percentile {number(policy.conditional.peer_percentile, None)})",
            row["conditional_ok"],
            _source("conditional.peer_percentile"),
            _figures(
                row["main_category_revenue"],
                "≥",
                row["conditional_threshold"],
                "PLN",
                f"and main-category growth {_pct(row['main_category_growth'])} > peer benchmark "
                f"{_pct(row['peer_benchmark'])}",
            ),
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
            _figures(
                row["brand_revenue"],
                "≥",
                row["brand_account_threshold"],
                "PLN",
                "no Brand Zone account with revenue"
                if pd.isna(row["brand_account_id"])
                else f"Brand Zone account {_excerpt(row['brand_account_id'], ID_CHARS)} in {row['brand_category']}",
            ),
        ),
        (
            "Quality",
            "Main account is an active Business Account",
            _yes(row["business_account"]),
            "yes",
            row["business_account"],
            PUBLISHED,
            _figures(_yes(row["business_account"]), "=", "yes"),
        ),
        (
            "Quality",
            "Positive ratings of the main account, last 12 months",
            percent(row["positive_ratings_pct"], 2),
            f"≥ {percent(cr.min_positive_ratings_pct, None)}",
            row["ratings_ok"],
            _source("criteria.min_positive_ratings_pct"),
            _figures(row["positive_ratings_pct"], "≥", cr.min_positive_ratings_pct, "%"),
        ),
        (
            "Quality",
            "Sales quality of the main account",
            row["quality_main"],
            f"≥ {cr.min_quality_main}",
            row["quality_main_ok"],
            _source("criteria.min_quality_main"),
            _figures(row["quality_main"], "≥", cr.min_quality_main, "level"),
        ),
        (
            "Quality",
            "Sales quality of every other account",
            "no other account" if pd.isna(row["lowest_other_quality"]) else row["lowest_other_quality"],
            f"≥ {cr.min_quality_other}",
            row["quality_other_ok"],
            _source("criteria.min_quality_other"),
            _figures(
                "no other account" if pd.isna(row["lowest_other_quality"]) else row["lowest_other_quality"],
                "≥",
                cr.min_quality_other,
                "level",
            ),
        ),
        (
            "Growth",
            "Revenue history in the previous 12 months",
            _pln(row["total_prev_revenue"]),
            "> 0 PLN",
            row["history_ok"],
            ASSUMPTION,
            _figures(row["total_prev_revenue"], ">", 0, "PLN"),
        ),
        (
            "Growth",
            "Total revenue growth, 12 months on 12 months",
            _pct(growth),
            f"> {_pct(gr.min_yoy_growth)}",
            bool(growth > gr.min_yoy_growth) if pd.notna(growth) else False,
            _source("growth.min_yoy_growth"),
            _figures(_percent(growth), ">", _percent(gr.min_yoy_growth), "%"),
        ),
        (
            "Growth",
            "Quarters beating the same quarter a year earlier",
            f"{count(row['growing_quarters'])} of 4",
            f"≥ {gr.min_growing_quarters} of 4",
            row["growing_quarters"] >= gr.min_growing_quarters,
            _source("growth.min_growing_quarters"),
            _figures(int(row["growing_quarters"]), "≥", gr.min_growing_quarters, "quarters of 4"),
        ),
        (
            "Flag",
            "No account suspended",
            _yes(not row["flag_suspended"]),
            "yes",
            not row["flag_suspended"],
            PUBLISHED,
            _figures(_yes(not row["flag_suspended"]), "=", "yes"),
        ),
        (
            "Flag",
            "Transaction problem rate, worst account",
            _pct(row["transaction_problem_rate"]),
            f"≤ {_pct(fl.max_transaction_problem_rate)}",
            not row["flag_transaction_problems"],
            _source("flags.max_transaction_problem_rate"),
            _figures(_percent(row["transaction_problem_rate"]), "≤", _percent(fl.max_transaction_problem_rate), "%"),
        ),
        (
            "Flag",
            "Exportable share of the assortment (revenue-weighted)",
            _pct(row["exportable_share"]),
            f"≥ {_pct(fl.min_exportable_share)}",
            not row["flag_export"],
            _source("flags.min_exportable_share"),
            _figures(_percent(row["exportable_share"]), "≥", _percent(fl.min_exportable_share), "%"),
        ),
        (
            "Flag",
            "Share of products in condition New (revenue-weighted)",
            _pct(row["new_condition_share"]),
            f"≥ {_pct(fl.min_new_condition_share)}",
            not row["flag_condition"],
            _source("flags.min_new_condition_share"),
            _figures(_percent(row["new_condition_share"]), "≥", _percent(fl.min_new_condition_share), "%"),
        ),
    ]
    frame = pd.DataFrame(
        [item[:-1] for item in items], columns=["group", "criterion", "actual", "required", "passed", "source"]
    )
    frame["passed"] = frame["passed"].astype(bool)
    figures = pd.DataFrame([item[-1] for item in items], columns=FIGURE_COLUMNS, dtype=object)
    return pd.concat([frame, figures], axis=1)


# The checklist's machine-readable side, for downloads: the actual figure and the required one as numbers
# (PLN, percent) or words (yes/no, a level), the comparison between them, the unit, and a note where the
# criterion needs more than one figure. `actual`/`required` are the same facts as text for people.
FIGURE_COLUMNS = ["actual_value", "test", "required_value", "unit", "note"]
SHOWN_COLUMNS = ["group", "criterion", "actual", "required", "passed", "source"]


def _figures(actual, test: str, required, unit: str = "", note: str = "") -> tuple:
    return (_plain_number(actual), test, _plain_number(required), unit, note)


def _plain_number(value):
    """A number as a plain int or float (to the grosz / 1e-7 %), None where missing; words as they are."""
    if isinstance(value, str) or value is None:
        return value
    if pd.isna(value):
        return None
    number = round(float(value), 7)
    return int(number) if number.is_integer() else number


def _percent(fraction):
    """A fraction as a percentage number (0.03 -> 3.0), without float noise (0.03 * 100 = 3.0000000000000004)."""
    return None if fraction is None or pd.isna(fraction) else round(float(fraction) * 100, 7)


def checklist_export(row: pd.Series, policy: Policy, as_of: pd.Period | str) -> pd.DataFrame:
    """The checklist as a file a person can send or sort: which company (name, NIP, as-of month) on every
    row, figures as numbers where they are numbers (money in PLN, shares in percent) and words where they
    are words, the comparison and unit, "passes"/"fails", and whether the rule is published or our reading."""
    items = checklist(row, policy)
    return pd.DataFrame(
        {
            "Company": row["company_name"],
            "NIP": format_nip(str(row["nip"])),
            "As of": str(as_of),
            "Group": items["group"],
            "Criterion": items["criterion"],
            "Actual": items["actual_value"],
            "Test": items["test"],
            "Required": items["required_value"],
            "Unit": items["unit"],
            "Result": items["passed"].map({True: "passes", False: "fails"}),
            "Rule": items["source"],
            "Note": items["note"],
        }
    )


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


ID_CHARS = 40  # an account ID quoted in a sentence is cut to this (the data may hold much longer ones)
THRESHOLD_NAMES = {"standard": "company threshold", "conditional": "conditional threshold", "brand": "brand threshold"}


def gap_sentence(row: pd.Series, as_of: pd.Period | str) -> str:
    """One plain sentence on a company's revenue: which path it passes on, or how much more revenue reaches
    the nearest path it can actually use. ``row`` is one row of `decide`'s output, ``as_of`` its month.

    Usable paths: standard always; conditional only where main-category growth already beats the peer
    benchmark (more revenue there only raises that growth); brand where a Brand Zone account has revenue.
    The nearest is the smallest gap in PLN (what a sales person asks the seller for), a tie going to the
    rules' order. The gap is rounded to the zloty like the figures it is the difference of (under 1 PLN, to
    the grosz).
    Where the conditional threshold is nearer but its growth condition fails, the sentence says so.
    """
    to = f"in the 12 months to {as_of}"
    if pd.isna(row["main_category"]):
        return f"No revenue {to}: no main category, so no revenue path applies."
    category = row["main_category"]
    growth_clause = (
        f"main-category growth of {_pct(row['main_category_growth'])} is above the peer benchmark of "
        f"{_pct(row['peer_benchmark'])}"
    )
    if row["revenue_ok"]:
        path = str(row["path"])
        if path == "brand":
            return (
                "Revenue passes on the brand path: the Brand Zone account "
                f"{_excerpt(row['brand_account_id'], ID_CHARS)} sold "
                f"{_pln(row['brand_revenue'])} in {row['brand_category']} {to}, at or above the brand threshold "
                f"({_pln(row['brand_account_threshold'])})."
            )
        threshold = row["company_threshold"] if path == "standard" else row["conditional_threshold"]
        extra = f", and {growth_clause}" if path == "conditional" else ""
        return (
            f"Revenue passes on the {path} path: {_pln(row['main_category_revenue'])} in {category} {to}, at or "
            f"above the {THRESHOLD_NAMES[path]} ({_pln(threshold)}){extra}."
        )
    gaps = revenue_gaps(row).set_index("path")
    usable = gaps[gaps["other_condition_met"] & gaps["threshold"].notna()]
    nearest = str(usable["gap"].idxmin())  # standard is always usable; idxmin keeps the first of a tie
    gap = round(float(usable["gap"].min()), 2)
    short = _pln(gap, 2) if gap < 1 else _pln(gap)  # to the zloty, as every figure beside it ("0 PLN more": no)
    threshold = _pln(usable.at[nearest, "threshold"])
    if nearest == "brand":
        where = f"in {row['brand_category']} on the Brand Zone account {_excerpt(row['brand_account_id'], ID_CHARS)}"
    else:
        where = f"in {category}"
    sentence = f"{short} more revenue {where} {to} reaches the {THRESHOLD_NAMES[nearest]} ({threshold})"
    if nearest == "conditional":
        return f"{sentence}, open to it because its {growth_clause}."
    conditional = gaps.loc["conditional"]
    if not conditional["other_condition_met"] and conditional["gap"] < gaps.at[nearest, "gap"]:
        measured = (
            f"it is {_pct(row['main_category_growth'])}"
            if pd.notna(row["main_category_growth"])
            else "it cannot be measured without revenue there in the 12 months before"
        )
        sentence += (
            f"; the nearer conditional threshold ({_pln(conditional['threshold'])}) also needs main-category "
            f"growth above the peer benchmark of {_pct(row['peer_benchmark'])}, and {measured}"
        )
    return sentence + "."


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


PROGRAM_NAME = "Allegro Diamond Partners"
PROGRAM_SENTENCE = (
    "Allegro's free program for its largest sellers: a company is invited when its revenue in its main "
    "category over the last 12 months reaches that category's threshold and its account, ratings, sales "
    "quality and growth meet the program's bar."
)

# What a company that is not qualified misses, for the headline (``no_revenue`` counts as missing the
# revenue threshold too: with no revenue in the last 12 months it cannot reach it).
_MISSES = {
    "revenue": "miss the revenue threshold",
    "business_account": "have no active Business Account",
    "ratings": "miss the positive-ratings minimum",
    "quality_main": "miss the sales-quality level on the main account",
    "quality_other": "have another account below the sales-quality level",
    "growth": "do not grow steadily enough",
    "insufficient_history": "have no revenue a year earlier to grow from",
}


def headline(decisions: pd.DataFrame, scope: str = "under the published thresholds") -> str:
    """One sentence that tells the story of a decision frame: '121 of 2 400 companies qualify under the
    published thresholds; most of the rest miss the revenue threshold.' The reason named is the most
    frequent failing criterion among the companies that are not qualified ("all", "most" where it is more
    than half of them, else how many); review companies are counted on their own."""
    total = len(decisions)
    if total == 0:
        return "There are no companies in the data yet."
    status = decisions["status"].astype(str)
    counts = status_counts(decisions)
    verb = "qualifies" if counts["qualified"] == 1 and total == 1 else "qualify"
    text = f"{count(counts['qualified'])} of {count(total)} companies {verb} {scope}"
    if counts["review"]:
        text += f" and {count(counts['review'])} more pass but go to review for a flag"
    rest = decisions.loc[status == "not_qualified", "reasons"].astype(str)
    if rest.empty:
        return text + "."
    codes = rest.str.replace("no_revenue", "revenue", regex=False).str.split("|").explode()
    ranked = codes[codes != ""].value_counts()
    if ranked.empty:
        return text + "."
    top = ranked.index[0]
    n = int(ranked.iloc[0])
    if n == len(rest):
        who = "all of the rest" if len(rest) > 1 else "the other one"
    elif n * 2 > len(rest):
        who = "most of the rest"
    else:
        who = f"{count(n)} of the other {count(len(rest))}, the most common reason,"
    return f"{text}; {who} {_MISSES.get(top, 'fail ' + reasons_text(top))}."


def decisions_for_people(decisions: pd.DataFrame) -> pd.DataFrame:
    """A decision frame with its reasons and flags written as words (`core.formatting.reasons_text`), for
    tables and downloads people read; the decisions file (CLI, contract) keeps the codes."""
    out = decisions.copy()
    for column in ("reasons", "flags"):
        if column in out.columns:
            out[column] = out[column].map(reasons_text)
    return out
