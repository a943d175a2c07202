"""The decision (rules.md §4–§5): cheap, vectorised, run on every slider move.

Comparisons follow rules.md §7:
- money as whole grosze (int64, from `Metrics`); thresholds are taken to the grosz the same way, half to
  even (our assumption for a threshold with a fraction of a grosz; it also absorbs the float noise of a
  scaled table, 3,500,000 × 1.1 = 3850000.0000000005);
- growth figures, the peer benchmark and shares at 9 decimals, and so are the policy's decimal limits, so
  that slider or scaling noise in a policy (0.07000000000000001) cannot move a limit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .metrics import DECIMALS, Metrics, first_per_group, to_grosze
from .policy import CATEGORIES, Policy

STATUSES = ["qualified", "review", "not_qualified"]
PATHS = ["", "standard", "conditional", "brand"]
REASONS = [
    "no_revenue",
    "revenue",
    "business_account",
    "ratings",
    "quality_main",
    "quality_other",
    "growth",
    "insufficient_history",
]
FLAGS = ["suspended", "transaction_problems", "export", "condition"]

# The decisions file's required columns (rules.md §5), in that order; more follow them.
DECISION_COLUMNS = [
    "nip",
    "company_name",
    "main_account_id",
    "main_category",
    "main_category_revenue",
    "total_revenue",
    "growth",
    "main_category_growth",
    "status",
    "path",
    "reasons",
    "flags",
    "gap",
]


def _joined_labels(names: list[str]) -> list[str]:
    """Every subset of ``names`` as the '|'-joined string, indexed by its bit mask."""
    return ["|".join(n for i, n in enumerate(names) if mask >> i & 1) for mask in range(1 << len(names))]


_REASON_LABELS = _joined_labels(REASONS)
_FLAG_LABELS = _joined_labels(FLAGS)
# The categorical types, made once: building one validates its categories, which cost more per decide than
# the comparisons themselves at 150,000 companies.
_STATUS_TYPE = pd.CategoricalDtype(STATUSES)
_PATH_TYPE = pd.CategoricalDtype(PATHS)
_REASON_TYPE = pd.CategoricalDtype(_REASON_LABELS)
_FLAG_TYPE = pd.CategoricalDtype(_FLAG_LABELS)
_CATEGORY_TYPE = pd.CategoricalDtype(list(CATEGORIES))


def _bits(masks: list[np.ndarray]) -> np.ndarray:
    code = np.zeros(len(masks[0]), dtype=np.int64)
    for i, m in enumerate(masks):
        code |= m.astype(np.int64) << i
    return code


def peer_benchmarks(metrics: Metrics, policy: Policy) -> np.ndarray:
    """Per category: the peer_percentile of company growth over companies with revenue there in P
    (numpy's default linear interpolation), to 9 decimals; NaN for a category without such companies."""
    q = policy.conditional.peer_percentile / 100
    out = np.full(len(CATEGORIES), np.nan)
    for j, growth in enumerate(metrics.peer_growth):
        if len(growth):
            position = (len(growth) - 1) * q
            lo = int(np.floor(position))
            hi = min(lo + 1, len(growth) - 1)
            out[j] = _lerp(growth[lo], growth[hi], position - lo)
    return np.round(out, DECIMALS)


def _lerp(a: float, b: float, t: float) -> float:
    # numpy's own formula, so the result matches np.percentile to the last bit.
    return b - (b - a) * (1 - t) if t >= 0.5 else a + (b - a) * t


@dataclass(frozen=True, eq=False)
class Gates:
    """What a decision needs that no threshold moves, for one dataset, month and policy: each company's
    main category, its exact main-category revenue, whether its main-category growth beats the peer
    benchmark, the quality and growth gates and the flags. `decide` computes it once per policy; a threshold
    curve or a target search (`core.targets`) reuses it and only compares revenue with thresholds."""

    category: np.ndarray  # main category code (published order); -1 without a main category
    main_grosze: np.ndarray  # revenue in the main category over C, whole grosze
    benchmark: np.ndarray  # the main category's peer benchmark (NaN without one)
    growth_above: np.ndarray  # main-category growth above the benchmark: the conditional path's own test
    business_ok: np.ndarray
    ratings_ok: np.ndarray
    quality_main_ok: np.ndarray
    other_rank: np.ndarray
    quality_other_ok: np.ndarray
    history_ok: np.ndarray
    growth_rule_ok: np.ndarray
    gates_ok: np.ndarray
    flag_masks: tuple[np.ndarray, ...]
    flag_code: np.ndarray

    @property
    def has_main(self) -> np.ndarray:
        return self.category >= 0

    @property
    def eligible(self) -> np.ndarray:
        """Passes every gate and raises no flag: qualified as soon as one revenue path passes."""
        return self.gates_ok & (self.flag_code == 0)


def _limit(value: float) -> float:
    return round(float(value), DECIMALS)


def gates(metrics: Metrics, policy: Policy) -> Gates:
    """The threshold-free part of the decision (see `Gates`)."""
    c = metrics.companies
    cat = c["main_category"].cat.codes.to_numpy(np.int64)
    benchmark = np.append(peer_benchmarks(metrics, policy), np.nan)[cat]  # index -1 picks the NaN
    main_growth = c["main_category_growth"].to_numpy(float)

    rank = policy.level_rank()
    other_rank = _lowest_other_rank(metrics, rank)
    business_ok = c["business_account"].to_numpy(bool)
    # Ratings and problem rates are compared as read, not rounded: the loader gives the float nearest the
    # written decimal, as the policy does, so equal decimals are equal floats. The limits, like every decimal
    # limit here, are taken to 9 decimals.
    ratings_ok = c["positive_ratings_pct"].to_numpy(float) >= _limit(policy.criteria.min_positive_ratings_pct)
    quality_main_ok = _ranks(c["quality_main"], rank) >= rank[policy.criteria.min_quality_main]
    quality_other_ok = other_rank >= rank[policy.criteria.min_quality_other]  # +inf where there is no other account
    history_ok = c["total_prev_revenue"].to_numpy(float) > 0
    growth_rule_ok = (c["growth"].to_numpy(float) > _limit(policy.growth.min_yoy_growth)) & (
        c["growing_quarters"].to_numpy() >= policy.growth.min_growing_quarters
    )
    f = policy.flags
    flag_masks = (
        c["suspended"].to_numpy(bool),
        c["transaction_problem_rate"].to_numpy(float) > _limit(f.max_transaction_problem_rate),
        c["exportable_share"].to_numpy(float) < _limit(f.min_exportable_share),
        c["new_condition_share"].to_numpy(float) < _limit(f.min_new_condition_share),
    )
    return Gates(
        category=cat,
        main_grosze=metrics.main_revenue_grosze,
        benchmark=benchmark,
        growth_above=(cat >= 0) & (main_growth > benchmark),  # NaN compares False
        business_ok=business_ok,
        ratings_ok=ratings_ok,
        quality_main_ok=quality_main_ok,
        other_rank=other_rank,
        quality_other_ok=quality_other_ok,
        history_ok=history_ok,
        growth_rule_ok=growth_rule_ok,
        gates_ok=business_ok & ratings_ok & quality_main_ok & quality_other_ok & history_ok & growth_rule_ok,
        flag_masks=flag_masks,
        flag_code=_bits(list(flag_masks)),
    )


def gates_key(policy: Policy) -> str:
    """What `gates` depends on, as text: the policy with the published thresholds (they play no part), as JSON."""
    published = Policy.default().to_dict()["categories"]
    return Policy.from_dict({**policy.to_dict(), "categories": published}).model_dump_json()


def threshold_pln(policy: Policy) -> dict[str, np.ndarray]:
    """Each kind's thresholds per category (published order) in PLN, as the policy holds them."""
    kinds = ("company", "conditional", "brand")
    return {k: np.array([getattr(policy.categories[c], k) for c in CATEGORIES], float) for k in kinds}


def threshold_grosze(policy: Policy) -> dict[str, np.ndarray]:
    """Each kind's thresholds per category (published order) in whole grosze."""
    return {kind: to_grosze(values) for kind, values in threshold_pln(policy).items()}


def revenue_paths(
    metrics: Metrics, g: Gates, company: np.ndarray, conditional: np.ndarray, brand: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which companies pass the standard, the conditional and the brand path, given each kind's thresholds
    per category in grosze: three vectorised comparisons of exact integers."""
    cat = np.maximum(g.category, 0)  # -1 (no main category) picks category 0; has_main masks it out
    standard = g.has_main & (g.main_grosze >= company[cat])
    conditional_ok = g.growth_above & (g.main_grosze >= conditional[cat])
    b = metrics.brand_accounts
    passing = b["grosze"].to_numpy() >= brand[b["category_code"].to_numpy()]
    brand_ok = np.bincount(b["company"].to_numpy()[passing], minlength=len(g.category)) > 0
    return standard, conditional_ok, brand_ok


def decide(metrics: Metrics, policy: Policy, threshold_free: Gates | None = None) -> pd.DataFrame:
    """One row per company: the decision columns of rules.md §5, then each criterion's inputs and outcome.

    ``threshold_free`` is `gates(metrics, policy)` when the caller already has it (it depends on the policy's
    criteria, growth rule, flags and peer percentile, never on a threshold)."""
    c = metrics.companies
    g = threshold_free if threshold_free is not None else gates(metrics, policy)
    cat = g.category
    has_main = g.has_main

    def by_main_category(values: np.ndarray) -> np.ndarray:
        return np.append(values, np.nan)[cat]  # index -1 picks the NaN

    thresholds = policy.thresholds_frame()
    company_thr = by_main_category(thresholds["company"].to_numpy(float))
    conditional_thr = by_main_category(thresholds["conditional"].to_numpy(float))
    brand_thr = by_main_category(thresholds["brand"].to_numpy(float))
    grosze = threshold_grosze(policy)
    company_grosze = grosze["company"][cat]  # index -1 picks the last category; has_main masks it out

    main_rev = c["main_category_revenue"].to_numpy(float)
    main_grosze = g.main_grosze
    standard, conditional, brand = revenue_paths(metrics, g, grosze["company"], grosze["conditional"], grosze["brand"])
    brand_best = _best_brand_accounts(metrics, thresholds["brand"].to_numpy(float), len(c))
    revenue_ok = standard | conditional | brand

    business_ok, ratings_ok = g.business_ok, g.ratings_ok
    quality_main_ok, quality_other_ok = g.quality_main_ok, g.quality_other_ok
    history_ok, growth_rule_ok, gates_ok = g.history_ok, g.growth_rule_ok, g.gates_ok
    flag_masks, flag_code, other_rank = g.flag_masks, g.flag_code, g.other_rank
    main_growth = c["main_category_growth"].to_numpy(float)
    benchmark = g.benchmark

    reason_code = _bits(
        [
            ~has_main,
            has_main & ~revenue_ok,
            ~business_ok,
            ~ratings_ok,
            ~quality_main_ok,
            ~quality_other_ok,
            history_ok & ~growth_rule_ok,
            ~history_ok,
        ]
    )
    status = np.where(revenue_ok & gates_ok, np.where(flag_code == 0, 0, 1), 2)
    path = np.select([standard, conditional, brand], [1, 2, 3], 0)
    gap = np.maximum(company_grosze - main_grosze, 0) / 100  # exact to the grosz (an infinite threshold: inf)

    # Name of the lowest other level; missing where there is no other account (or it is off the scale).
    on_scale = np.isfinite(other_rank) & (other_rank >= 0)
    lowest_other = pd.Categorical.from_codes(
        np.where(on_scale, other_rank, -1).astype(int), categories=pd.Index(policy.quality_scale)
    )

    decisions = pd.DataFrame(
        {
            "nip": c["nip"],
            "company_name": c["company_name"],
            "main_account_id": c["main_account_id"],
            "main_category": c["main_category"],
            "main_category_revenue": main_rev,
            "total_revenue": c["total_revenue"],
            "growth": c["growth"],
            "main_category_growth": main_growth,
            "status": pd.Categorical.from_codes(status, dtype=_STATUS_TYPE),
            "path": pd.Categorical.from_codes(path, dtype=_PATH_TYPE),
            "reasons": pd.Categorical.from_codes(reason_code, dtype=_REASON_TYPE),
            "flags": pd.Categorical.from_codes(flag_code, dtype=_FLAG_TYPE),
            "gap": np.where(has_main, np.where(np.isinf(company_thr), np.inf, gap), np.nan),
            # Each criterion's actual value, requirement and outcome, so a page can show why.
            "n_accounts": c["n_accounts"],
            "main_category_prev_revenue": c["main_category_prev_revenue"],
            "total_prev_revenue": c["total_prev_revenue"],
            "company_threshold": company_thr,
            "conditional_threshold": conditional_thr,
            "brand_threshold": brand_thr,
            "peer_benchmark": benchmark,
            "brand_account_id": brand_best["account_id"],
            "brand_category": brand_best["category"],
            "brand_revenue": brand_best["revenue"],
            "brand_account_threshold": brand_best["threshold"],
            "standard_ok": standard,
            "conditional_ok": conditional,
            "brand_ok": brand,
            "revenue_ok": revenue_ok,
            "business_account": business_ok,
            "positive_ratings_pct": c["positive_ratings_pct"],
            "ratings_ok": ratings_ok,
            "quality_main": c["quality_main"],
            "quality_main_ok": quality_main_ok,
            "lowest_other_quality": lowest_other,
            "quality_other_ok": quality_other_ok,
            "growing_quarters": c["growing_quarters"],
            "history_ok": history_ok,
            "growth_ok": history_ok & growth_rule_ok,
            "gates_ok": gates_ok,
            "suspended": flag_masks[0],
            "transaction_problem_rate": c["transaction_problem_rate"],
            "exportable_share": c["exportable_share"],
            "new_condition_share": c["new_condition_share"],
            "flag_suspended": flag_masks[0],
            "flag_transaction_problems": flag_masks[1],
            "flag_export": flag_masks[2],
            "flag_condition": flag_masks[3],
        }
    )
    return decisions


def _ranks(levels: pd.Series, rank: dict[str, int]) -> np.ndarray:
    """Scale position of each level (-1 off the scale), through the categorical's few categories."""
    per_category = np.array([rank.get(level, -1) for level in levels.cat.categories] + [-1], dtype=float)
    return per_category[levels.cat.codes.to_numpy()]


def _lowest_other_rank(metrics: Metrics, rank: dict[str, int]) -> np.ndarray:
    """Rank of each company's lowest non-main account; +inf with no other account, -1 for a level off the scale."""
    levels = metrics.other_levels
    if levels.shape[1] == 0:
        return np.full(len(metrics.companies), np.inf)
    ranks = np.array([rank.get(level, -1) for level in levels.columns], dtype=float)
    return np.where(levels.to_numpy(bool), ranks, np.inf).min(axis=1)


def _best_brand_accounts(metrics: Metrics, brand_by_category: np.ndarray, n: int) -> dict:
    """Each company's best Brand Zone account: the one closest to (or furthest over) its own category's brand
    threshold, which is what a sales person wants to see. Kept with the metrics per brand thresholds: a move of
    any other control reuses it."""
    key = ("best_brand", brand_by_category.tobytes())
    best = metrics.memo.get(key)
    if best is None:
        best = _best_brand_accounts_of(metrics, brand_by_category, n)
        if len(metrics.memo) > 32:  # a few policies' worth (sessions may share the metrics: no error if gone)
            metrics.memo.pop(next(iter(metrics.memo), None), None)
        metrics.memo[key] = best
    return best


def _best_brand_accounts_of(metrics: Metrics, brand_by_category: np.ndarray, n: int) -> dict:
    b = metrics.brand_accounts
    category_code = b["category_code"].to_numpy()
    threshold = brand_by_category[category_code]
    revenue = b["revenue"].to_numpy(float)
    company = b["company"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(threshold > 0, revenue / threshold, np.inf)
    picked = first_per_group(np.lexsort((-ratio, company)), company)
    best_row = np.full(n, -1)  # row of b, -1 without a Brand Zone account
    best_row[company[picked]] = picked
    return {
        "account_id": pd.Categorical.from_codes(best_row, categories=pd.Index(b["account_id"].astype(str))),
        "category": pd.Categorical.from_codes(np.append(category_code, -1)[best_row], dtype=_CATEGORY_TYPE),
        "revenue": np.append(revenue, np.nan)[best_row],
        "threshold": np.append(threshold, np.nan)[best_row],
    }
