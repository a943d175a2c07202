"""A baseline and scenarios side by side, and who flips between any two of them (issue 8 §3).

Every input is a frame `decide` returned for one policy. The comparison is two bincounts per frame
over one code built from the categorical codes of main category, status and path, so five frames of
150,000 companies compare in about 25 ms of CPU time (benchmarks/bench_compare.py); only the companies
whose status flips get a sentence built for them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .codes import category_codes
from .decide import PATHS, STATUSES
from .formatting import count, number, pct, pln
from .policy import CATEGORIES, Policy

PATH_NAMES = PATHS[1:]  # "" (no path) is not a path
_Q, _R, _N = (STATUSES.index(s) for s in ("qualified", "review", "not_qualified"))
_ABSENT = len(STATUSES)  # status code of a company that is not in one of the two frames


@dataclass(frozen=True, eq=False)
class ComparisonResult:
    """The baseline and scenarios side by side; every frame lists the baseline first.

    by_category: long, one row per (scenario, category) in the published order: companies, qualified,
        review, not_qualified, revenue_covered (PLN), qualified_change and revenue_covered_change against
        the baseline. For a grouped bar chart: x=category, y=qualified, color=scenario.
    qualified_by_category: wide, for a table: ``category``, then each scenario's qualified count under
        its own name, then ``Δ <name>`` (its change against the baseline) for each scenario after the baseline.
    totals: one row per scenario: companies; qualified, review, not_qualified; qualified by path
        (qualified_standard, qualified_conditional, qualified_brand); revenue_covered; the change of each of
        these against the baseline (``*_change``, and revenue_covered_change_pct as a fraction); enters and
        leaves (companies qualified here and not in the baseline, and the reverse).

    Companies without a main category (no revenue in the last 12 months) are in the totals but in no
    category row.
    """

    baseline: str
    names: list[str]
    by_category: pd.DataFrame
    qualified_by_category: pd.DataFrame
    totals: pd.DataFrame


def compare_scenarios(decisions: dict[str, pd.DataFrame], baseline: str) -> ComparisonResult:
    """Count qualifiers per category, statuses, paths and the partner revenue covered (the main-category
    revenue of the qualified companies) under each decision, and the change of each against ``baseline``.

    ``decisions`` maps a scenario's name to `decide`'s frame for it; ``baseline`` is one of its names.
    The frames should come from the same metrics (the same companies); where they do not, enters and
    leaves are still counted company by company (by NIP).
    """
    if baseline not in decisions:
        raise ValueError(f"the baseline {baseline!r} is not one of the scenarios ({', '.join(map(str, decisions))})")
    names = [baseline] + [n for n in decisions if n != baseline]
    n_cat, n_st, n_path = len(CATEGORIES), len(STATUSES), len(PATHS)
    shape = (n_cat + 1, n_st, n_path)  # main category (0: none), status, path

    # Per decision, one code per company for (main category, status, path), and two bincounts over it:
    # companies and main-category revenue in each cell. Every figure below is a sum over these cells.
    counts = np.zeros((len(names), *shape), dtype=np.int64)
    grosze = np.zeros((len(names), *shape))
    enters = np.zeros(len(names), dtype=np.int64)
    leaves = np.zeros(len(names), dtype=np.int64)
    base_frame = decisions[baseline]
    base_qualified = category_codes(base_frame["status"], STATUSES) == _Q

    for i, name in enumerate(names):
        d = decisions[name]
        cat = category_codes(d["main_category"], CATEGORIES)
        status = category_codes(d["status"], STATUSES)
        if (status < 0).any():
            raise ValueError(f"{name}: a status that is not one of {', '.join(STATUSES)}")
        path = np.maximum(category_codes(d["path"], PATHS), 0)  # a missing path (read back from a file) is no path
        code = ((cat + 1) * n_st + status) * n_path + path
        counts[i] = np.bincount(code, minlength=counts[i].size).reshape(shape)
        # Whole grosze, so each sum is exact whatever the order (a double holds integers up to 2**53).
        revenue = np.round(d["main_category_revenue"].to_numpy(float) * 100)
        grosze[i] = np.bincount(code, weights=revenue, minlength=counts[i].size).reshape(shape)
        if i:
            here, there = _aligned(base_frame["nip"], base_qualified, d["nip"], status == _Q)
            enters[i] = np.count_nonzero(there & ~here)
            leaves[i] = np.count_nonzero(here & ~there)

    per_cat = counts[:, 1:].sum(axis=3)  # scenario × category × status
    covered_cat = grosze[:, 1:, _Q].sum(axis=2) / 100  # no revenue is NaN: it sits in row 0, left out
    statuses = counts.sum(axis=(1, 3))
    paths = counts[:, :, _Q].sum(axis=1)
    covered = grosze[:, 1:, _Q].sum(axis=(1, 2)) / 100
    qualified_cat = per_cat[:, :, _Q]
    by_category = pd.DataFrame(
        {
            "scenario": np.repeat(names, n_cat),
            "category": np.tile(CATEGORIES, len(names)),
            "companies": per_cat.sum(axis=2).ravel(),
            "qualified": qualified_cat.ravel(),
            "review": per_cat[:, :, _R].ravel(),
            "not_qualified": per_cat[:, :, _N].ravel(),
            "revenue_covered": covered_cat.ravel(),
            "qualified_change": (qualified_cat - qualified_cat[0]).ravel(),
            "revenue_covered_change": (covered_cat - covered_cat[0]).ravel(),
        }
    )

    wide = {"category": list(CATEGORIES)}
    wide.update({name: qualified_cat[i] for i, name in enumerate(names)})
    wide.update({f"Δ {name}": qualified_cat[i] - qualified_cat[0] for i, name in enumerate(names) if i})
    if len(wide) != 1 + 2 * len(names) - 1:
        raise ValueError(f"scenario names clash with the table's columns: {', '.join(map(str, names))}")

    # Built from one dict: a frame grown column by column costs more than all the counting above.
    columns = {"scenario": names, "companies": statuses.sum(axis=1)}
    columns.update({status: statuses[:, j] for j, status in enumerate(STATUSES)})
    columns.update({f"qualified_{path}": paths[:, j] for j, path in enumerate(PATHS) if path})
    columns["revenue_covered"] = covered
    columns.update({f"{key}_change": columns[key] - columns[key][0] for key in list(columns)[2:]})
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = covered / covered[0] - 1 if covered[0] > 0 else np.full(len(names), np.nan)
    columns["revenue_covered_change_pct"] = relative
    columns["enters"] = enters
    columns["leaves"] = leaves
    totals = pd.DataFrame(columns)
    return ComparisonResult(baseline, names, by_category, pd.DataFrame(wide), totals)


def _aligned(nip_a: pd.Series, values_a: np.ndarray, nip_b: pd.Series, values_b: np.ndarray, fill=False):
    """``values_a`` and ``values_b`` on the same companies: as they are where both frames list the same
    NIPs in the same order (decide's frames of one metrics), else over the union of NIPs, ``fill`` where a
    company is missing from one frame."""
    if len(nip_a) == len(nip_b) and nip_a.array.equals(nip_b.array):
        return values_a, values_b
    index_a, index_b = pd.Index(nip_a, dtype=object), pd.Index(nip_b, dtype=object)
    union = index_a.union(index_b, sort=True)
    out = []
    for index, values in ((index_a, values_a), (index_b, values_b)):
        position = index.get_indexer(union)
        out.append(np.where(position >= 0, values[position], fill))
    return out[0], out[1]


# -- who flips between two decisions, and why ---------------------------------------------------------

FLIP_COLUMNS = [
    "change",
    "company_name",
    "nip",
    "main_category",
    "main_category_revenue",
    "status_a",
    "status_b",
    "why",
]
FLIP_LABELS = {
    "change": "Change",
    "company_name": "Company",
    "nip": "NIP",
    "main_category": "Main category",
    "main_category_revenue": "Main-category revenue (PLN)",
    "status_a": "Status in {a}",
    "status_b": "Status in {b}",
    "why": "What flipped (in {b}, and how it was in {a})",
}


def flips(
    a: pd.DataFrame, b: pd.DataFrame, policy_a: Policy, policy_b: Policy, limit: int | None = None
) -> pd.DataFrame:
    """Every company whose status differs between decisions ``a`` and ``b`` (made with ``policy_a`` and
    ``policy_b``), largest main-category revenue first.

    Columns (``FLIP_COLUMNS``): change (enters: qualified in b, not in a; leaves: the reverse; to review;
    from review; "only in a" / "only in b" for a company, not qualified, that one frame lacks), company_name,
    nip, main_category, main_category_revenue, status_a, status_b ("absent" where the frame lacks it), and
    ``why``: each criterion whose outcome differs, in the rules' order, written as it stands
    in ``b`` with its actual value and requirement, then how it was in ``a``, e.g.
    ``revenue: 2 902 294 PLN < 3 000 000 PLN — was ≥ 2 900 000 PLN``. ``a`` is the reference ("was").
    Plain columns (text and numbers), ready for a download; `readable` gives it people's column names.
    With ``limit``, only the first ``limit`` rows get their ``why`` (the rest an empty text): a page showing
    the largest changes then builds a sentence for those alone, and its download calls again without it.
    """
    status_a = category_codes(a["status"], STATUSES)
    status_b = category_codes(b["status"], STATUSES)
    row_a = np.arange(len(a))
    row_b = np.arange(len(b))
    row_a, row_b = _aligned(a["nip"], row_a, b["nip"], row_b, fill=-1)
    sa = np.where(row_a >= 0, status_a[np.maximum(row_a, 0)], _ABSENT)
    sb = np.where(row_b >= 0, status_b[np.maximum(row_b, 0)], _ABSENT)
    changed = np.flatnonzero(sa != sb)
    ra, rb, sa, sb = row_a[changed], row_b[changed], sa[changed], sb[changed]

    # Identity columns from b, or from a for a company b lacks.
    every_b = bool((rb >= 0).all())  # decisions of the same metrics: b has every company, read it alone

    def pick(column: str) -> np.ndarray:
        if every_b:
            return _take(b[column], rb)
        return np.where(rb >= 0, _take(b[column], rb), _take(a[column], ra))

    labels = np.array([*STATUSES, "absent"], dtype=object)
    change = np.select(
        [sb == _Q, sa == _Q, sb == _R, sa == _R, sa == _ABSENT, sb == _ABSENT],
        ["enters", "leaves", "to review", "from review", "only in b", "only in a"],
        "",
    )
    revenue = pick("main_category_revenue").astype(float)
    nip = pick("nip")
    order = np.lexsort((nip.astype(str), -np.nan_to_num(revenue, nan=-np.inf)))
    explained = order if limit is None else order[:limit]
    why = np.full(len(order), "", dtype=object)
    why[explained] = _reasons_why(a, b, ra[explained], rb[explained], policy_a, policy_b)
    out = pd.DataFrame(
        {
            "change": change.astype(object),
            "company_name": pick("company_name"),
            "nip": nip,
            "main_category": pick("main_category"),
            "main_category_revenue": revenue,
            "status_a": labels[sa],
            "status_b": labels[sb],
            "why": why,
        }
    )
    out["main_category"] = out["main_category"].where(out["main_category"].notna(), None)
    return out.iloc[order].reset_index(drop=True)


def _take(values: pd.Series, rows: np.ndarray) -> np.ndarray:
    """``values`` at ``rows`` as plain objects (None at -1, a company the frame lacks)."""
    out = np.full(len(rows), None, dtype=object)
    present = rows >= 0
    out[present] = values.iloc[rows[present]].to_numpy(object)
    return out


def readable(flipped: pd.DataFrame, name_a: str, name_b: str) -> pd.DataFrame:
    """`flips`'s frame with people's column names (the scenarios' own names), for a CSV or Excel download."""
    return flipped.rename(columns={c: label.format(a=name_a, b=name_b) for c, label in FLIP_LABELS.items()})


# Criteria, in the order of rules.md §5's reasons, then the flags in their order.
_CRITERIA = [
    "revenue",
    "business account",
    "positive ratings",
    "sales quality, main account",
    "sales quality, other accounts",
    "previous 12 months' revenue",
    "growth",
    "growing quarters",
    "flag suspended",
    "flag transaction problems",
    "flag export",
    "flag condition",
]
_HISTORY, _GROWTH, _QUARTERS = (
    _CRITERIA.index(c) for c in ("previous 12 months' revenue", "growth", "growing quarters")
)
# The columns of a decision that the sentences read.
_TEXT_COLUMNS = [
    "main_category",
    "main_category_revenue",
    "main_category_growth",
    "path",
    "company_threshold",
    "conditional_threshold",
    "peer_benchmark",
    "brand_account_id",
    "brand_category",
    "brand_revenue",
    "brand_account_threshold",
    "positive_ratings_pct",
    "quality_main",
    "lowest_other_quality",
    "total_prev_revenue",
    "growth",
    "growing_quarters",
    "transaction_problem_rate",
    "exportable_share",
    "new_condition_share",
]


def _outcomes(d: pd.DataFrame, rows: np.ndarray, policy: Policy, side: str) -> np.ndarray:
    """Companies × criteria (``_CRITERIA``): True where the criterion passes (for a flag: is raised).
    Growth and quarters count as passing where there is no history: `history` then says why."""
    g = policy.growth
    history = d["history_ok"].to_numpy(bool)[rows]
    growth_value = d["growth"].to_numpy(float)[rows]
    growth = ~history | (growth_value > g.min_yoy_growth)
    quarters = ~history | (d["growing_quarters"].to_numpy()[rows] >= g.min_growing_quarters)
    ratings = d["positive_ratings_pct"].to_numpy(float)[rows] >= policy.criteria.min_positive_ratings_pct
    f = policy.flags
    # The criteria whose requirement comes from the policy, checked against the frame's own outcome.
    recomputed = {
        "ratings_ok": ratings,
        "growth_ok": history & growth & quarters,
        "flag_transaction_problems": d["transaction_problem_rate"].to_numpy(float)[rows]
        > f.max_transaction_problem_rate,
        "flag_export": d["exportable_share"].to_numpy(float)[rows] < f.min_exportable_share,
        "flag_condition": d["new_condition_share"].to_numpy(float)[rows] < f.min_new_condition_share,
    }
    for column, values in recomputed.items():
        if not np.array_equal(d[column].to_numpy(bool)[rows], values):
            raise ValueError(f"policy_{side} is not the policy decisions {side} were made with ({column} differs)")
    columns = [
        d["revenue_ok"].to_numpy(bool)[rows],
        d["business_account"].to_numpy(bool)[rows],
        ratings,
        d["quality_main_ok"].to_numpy(bool)[rows],
        d["quality_other_ok"].to_numpy(bool)[rows],
        history,
        growth,
        quarters,
        d["flag_suspended"].to_numpy(bool)[rows],
        recomputed["flag_transaction_problems"],
        recomputed["flag_export"],
        recomputed["flag_condition"],
    ]
    return np.column_stack(columns) if len(rows) else np.zeros((0, len(_CRITERIA)), bool)


def _reasons_why(a, b, ra, rb, policy_a, policy_b) -> list[str]:
    both = (ra >= 0) & (rb >= 0)
    out = np.where(ra < 0, "not in a's data", np.where(rb < 0, "not in b's data", "")).astype(object)
    if not both.any():
        return list(out)
    # The few rows first (one take per block of each frame), then every column read from them: reading 20
    # columns of a 150,000-row frame one by one costs more than all the sentences.
    a, b = a.iloc[ra[both]].reset_index(drop=True), b.iloc[rb[both]].reset_index(drop=True)
    ia = ib = np.arange(len(a))
    oa, ob = _outcomes(a, ia, policy_a, "a"), _outcomes(b, ib, policy_b, "b")
    flipped = oa != ob
    # Growth and quarters only mean something where both have history; otherwise `history` says why.
    with_history = oa[:, _HISTORY] & ob[:, _HISTORY]
    flipped[:, _GROWTH] &= with_history
    flipped[:, _QUARTERS] &= with_history
    # Per-row text only for the flipped companies, each with a handful of criteria.
    records_a, records_b = _records(a, ia), _records(b, ib)
    texts = []
    for k, (ra_row, rb_row) in enumerate(zip(records_a, records_b, strict=True)):
        items = []
        for j in np.flatnonzero(flipped[k]).tolist():
            now = _statement(j, rb_row, policy_b, bool(ob[k, j]), other_path=ra_row["path"])
            then = _statement(j, ra_row, policy_a, bool(oa[k, j]), other_path=rb_row["path"])
            items.append(f"{_CRITERIA[j]}: {_words(*now[:3])} — was {_was(now, then)}")
        texts.append("; ".join(items))
    out[both] = texts
    return list(out)


def _records(d: pd.DataFrame, rows: np.ndarray) -> list[dict]:
    """The sentence columns of ``rows`` as one dict per company (column by column: far quicker than
    ``to_dict("records")``)."""
    columns = [d[c].take(rows).tolist() for c in _TEXT_COLUMNS]
    return [dict(zip(_TEXT_COLUMNS, values, strict=True)) for values in zip(*columns, strict=True)]


# -- one criterion in words ---------------------------------------------------------------------------
# A criterion is written as (actual value, requirement, detail, figure): '2 902 294 PLN', '< 3 000 000 PLN',
# '', 2902294.0. The figure is the unformatted actual value: a figure shown with more decimals on one side
# (next to a close threshold) is still the same figure.


def _same(x, y) -> bool:
    if x is None or y is None:
        return False
    return bool(x == y) or (isinstance(x, float) and isinstance(y, float) and np.isnan(x) and np.isnan(y))


def _words(actual: str, requirement: str, detail: str) -> str:
    text = f"{actual} {requirement}".strip()
    return f"{text}, {detail}" if detail else text


def _was(now: tuple, then: tuple) -> str:
    """How it was, without repeating what did not change (the company's own figure, the growth clause)."""
    actual, requirement, detail, figure = then
    if requirement and (actual == now[0] or _same(figure, now[3])):
        actual = ""
    if detail == now[2]:
        detail = ""
    return _words(actual, requirement, detail)


def _pair(fmt, actual: float, limit: float, steps) -> tuple[str, str]:
    """``actual`` and ``limit`` formatted alike, with the fewest decimals of ``steps`` that keep two different
    numbers from reading the same (2 999 999,60 PLN is not '3 000 000 PLN < 3 000 000 PLN')."""
    for decimals in steps:
        x, y = fmt(actual, decimals), fmt(limit, decimals)
        if x != y or actual == limit:
            break
    return x, y


def _money(actual: float, limit: float) -> tuple[str, str]:
    return _pair(pln, actual, limit, (0, 2))  # money is in whole grosze


def _share(actual: float, limit: float) -> tuple[str, str]:
    return _pair(pct, actual, limit, range(1, 8))  # shares and growth are rounded to 9 decimals of a fraction


def _ordinal(n: float) -> str:
    if n != int(n):
        return f"{number(n, None)}th"
    n = int(n)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _peer_growth(row: dict, policy: Policy) -> str:
    """'growth 4,1 % ≤ peer median 6,3 %': the conditional path's growth condition."""
    percentile = policy.conditional.peer_percentile
    peer = "peer median" if percentile == 50 else f"peer {_ordinal(percentile)} percentile"
    growth, benchmark = row["main_category_growth"], row["peer_benchmark"]
    if pd.isna(growth):
        return "no growth figure (no main-category revenue a year earlier)"
    if pd.isna(benchmark):
        return f"no {peer} (no company with revenue in {row['main_category']} a year earlier)"
    g, bench = _share(growth, benchmark)
    return f"growth {g} {'>' if growth > benchmark else '≤'} {peer} {bench}"


def _revenue(row: dict, policy: Policy, passes: bool, other_path) -> tuple:
    """The revenue criterion as (actual, requirement, detail, figure). Passing: the figure of the path it passes on.
    Failing: the best path's figure (the conditional threshold where the growth condition holds, else the
    standard one, saying where only the growth is missing), or the Brand Zone account's where the brand
    path is what passed in the other decision."""
    if pd.isna(row["main_category"]):
        return "no revenue in the last 12 months", "", "", None
    revenue = row["main_category_revenue"]
    path = str(row["path"]) if passes else ""
    if path == "brand" or (not passes and str(other_path) == "brand" and pd.notna(row["brand_account_id"])):
        r, t = _money(row["brand_revenue"], row["brand_account_threshold"])
        sign = "≥" if passes else "<"
        actual = f"Brand Zone account {row['brand_account_id']}: {r} in {row['brand_category']}"
        return actual, f"{sign} {t}", "", (row["brand_account_id"], row["brand_revenue"])
    if path == "standard":
        r, t = _money(revenue, row["company_threshold"])
        return r, f"≥ {t}", "", revenue
    conditional_growth = row["main_category_growth"] > row["peer_benchmark"]  # NaN compares False
    if path == "conditional" or conditional_growth:
        r, t = _money(revenue, row["conditional_threshold"])
        sign = "≥" if passes else "<"
        return r, f"{sign} {t} conditional threshold", _peer_growth(row, policy), revenue
    r, t = _money(revenue, row["company_threshold"])
    if revenue >= row["conditional_threshold"]:
        _, c = _money(revenue, row["conditional_threshold"])
        return r, f"< {t}", f"conditional threshold {c} met but {_peer_growth(row, policy)}", revenue
    return r, f"< {t}", "", revenue


# The column holding each criterion's figure (the others' figure is their text).
_FIGURES = {
    "positive ratings": "positive_ratings_pct",
    "previous 12 months' revenue": "total_prev_revenue",
    "growth": "growth",
    "growing quarters": "growing_quarters",
    "flag transaction problems": "transaction_problem_rate",
    "flag export": "exportable_share",
    "flag condition": "new_condition_share",
}


def _statement(j: int, row: dict, policy: Policy, passes: bool, other_path) -> tuple:
    """Criterion ``_CRITERIA[j]`` for one company as (actual value, requirement, detail, figure),
    e.g. ('2', '< 3', '', 2)."""
    name = _CRITERIA[j]
    if name == "revenue":
        return _revenue(row, policy, passes, other_path)
    words = _describe(name, row, policy, passes)
    return (*words, row[_FIGURES[name]] if name in _FIGURES else words[0])


def _describe(name: str, row: dict, policy: Policy, passes: bool) -> tuple[str, str, str]:
    cr, g, f = policy.criteria, policy.growth, policy.flags
    at_least, above = ("≥", ">") if passes else ("<", "≤")
    if name == "business account":
        return ("yes" if passes else "no"), "", ""
    if name == "positive ratings":
        x, y = _pair(pct, row["positive_ratings_pct"] / 100, cr.min_positive_ratings_pct / 100, range(2, 7))
        return x, f"{at_least} {y}", ""
    if name == "sales quality, main account":
        level = str(row["quality_main"])
        if policy.level_name(level) is None:
            level += " (not a level of the scale)"
        return level, f"{at_least} {cr.min_quality_main}", ""
    if name == "sales quality, other accounts":
        lowest = row["lowest_other_quality"]
        if pd.isna(lowest):  # no other account, or one whose level is off the scale
            if passes:
                return "no other account", "", ""
            return "a level off the scale", f"< {cr.min_quality_other}", ""
        return f"lowest {lowest}", f"{at_least} {cr.min_quality_other}", ""
    if name == "previous 12 months' revenue":
        x, y = _money(row["total_prev_revenue"], 0.0)
        return x, f"{above} {y}", ""
    if name == "growth":
        x, y = _share(row["growth"], g.min_yoy_growth)
        return x, f"{above} {y}", ""
    if name == "growing quarters":
        return count(row["growing_quarters"]), f"{at_least} {count(g.min_growing_quarters)}", ""
    # Flags: ``passes`` means the flag is raised.
    if name == "flag suspended":
        return ("an account is suspended" if passes else "no account suspended"), "", ""
    if name == "flag transaction problems":
        x, y = _share(row["transaction_problem_rate"], f.max_transaction_problem_rate)
        return x, f"{'>' if passes else '≤'} {y}", ""
    column, limit = {
        "flag export": ("exportable_share", f.min_exportable_share),
        "flag condition": ("new_condition_share", f.min_new_condition_share),
    }[name]
    x, y = _share(row[column], limit)
    return x, f"{'<' if passes else '≥'} {y}", ""


__all__ = ["FLIP_COLUMNS", "FLIP_LABELS", "ComparisonResult", "compare_scenarios", "flips", "readable"]
