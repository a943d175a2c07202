"""Threshold curves and exact target searches (issue 9): how many companies qualify in a category as one of
its thresholds moves, and which values give exactly N.

With every other parameter fixed, a company in the category qualifies at threshold t when it passes every gate
and raises no flag (`Gates.eligible`) and either passes another revenue path anyway (it is *fixed*) or its
revenue on this threshold's path is at least t. So the count is

    count(t) = fixed + #{companies with value ≥ t}

a non-increasing step function of t, exact in whole grosze: one sort of the values, then `searchsorted`. No
`decide` call is repeated. Which value a company brings depends on the threshold:

- company: its main-category revenue (fixed: those passing the conditional or the brand path);
- conditional: its main-category revenue, only where its main-category growth beats the peer benchmark
  (fixed: those passing the standard or the brand path);
- brand: the largest revenue of its Brand Zone accounts whose own main category is this one (fixed: those
  passing the standard or the conditional path, or a brand account in another category).

A search stays within valid policies: a company threshold from the conditional threshold up to
`THRESHOLD_MAX`, a conditional threshold from 0 up to the company threshold, a brand threshold from 0 up to
`THRESHOLD_MAX`.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .decide import Gates, gates, revenue_paths, threshold_grosze, threshold_pln
from .metrics import Metrics, first_per_group, to_grosze
from .parameters import THRESHOLD_KINDS, THRESHOLD_MAX, canonical_key
from .policy import CATEGORIES, Policy

MAX_GROSZE = THRESHOLD_MAX * 100
# A common scale is searched to this resolution (a millionth of the factor: 0.0001 %), fine enough to separate
# any two thresholds a grosz apart up to 10 000 PLN and far finer than anyone types.
SCALE_RESOLUTION = 1_000_000


@dataclass(frozen=True, eq=False)
class Candidates:
    """One category and threshold kind, everything else as in the policy (see the module's docstring).

    values: grosze, sorted descending; rows: the company row (in `Metrics.companies`) of each value.
    fixed: how many qualify in the category whatever this threshold (within its domain).
    low, high: the valid values of the threshold, in grosze; current: the policy's value.
    """

    category: str
    kind: str
    fixed: int
    fixed_by_path: dict[str, int]
    values: np.ndarray
    rows: np.ndarray
    low: int
    high: int
    current: int
    category_revenue: float  # every company's revenue in the category over C (PLN): the share's divisor
    fixed_revenue: float  # the fixed qualifiers' revenue in the category (PLN)
    revenue: np.ndarray  # each value's company: its revenue in the category (PLN), in the order of values

    def count_at(self, threshold_grosze: int | np.ndarray) -> np.ndarray | int:
        """How many qualify in the category at this threshold (grosze)."""
        ascending = self.values[::-1]
        return self.fixed + len(ascending) - np.searchsorted(ascending, threshold_grosze, side="left")

    @property
    def min_count(self) -> int:
        return int(self.count_at(self.high))

    @property
    def max_count(self) -> int:
        return int(self.count_at(self.low))


def candidates(
    metrics: Metrics, policy: Policy, category: str, kind: str = "company", g: Gates | None = None
) -> Candidates:
    """The fixed qualifiers and the values that decide the others (see the module's docstring)."""
    category = canonical_key(f"categories.{category}.{kind}").split(".")[1]
    if kind not in THRESHOLD_KINDS:
        raise ValueError(f"unknown threshold {kind!r}: one of {', '.join(THRESHOLD_KINDS)}")
    j = CATEGORIES.index(category)
    g = g if g is not None else gates(metrics, policy)
    t = threshold_grosze(policy)
    standard, conditional, brand = revenue_paths(metrics, g, t["company"], t["conditional"], t["brand"])
    in_category = g.eligible & (g.category == j)

    if kind == "brand":
        others = t["brand"].copy()
        others[j] = np.iinfo(np.int64).max  # only this category's brand accounts are open to the search
        _, _, brand_elsewhere = revenue_paths(metrics, g, t["company"], t["conditional"], others)
        fixed = in_category & (standard | conditional | brand_elsewhere)
        b = metrics.brand_accounts
        here = b["category_code"].to_numpy() == j
        value = np.full(len(g.category), -1, dtype=np.int64)
        np.maximum.at(value, b["company"].to_numpy()[here], b["grosze"].to_numpy()[here])
        variable = in_category & ~fixed & (value >= 0)
        low, high = 0, MAX_GROSZE
    else:
        value = g.main_grosze
        if kind == "company":
            fixed = in_category & (conditional | brand)
            variable = in_category & ~fixed
            low, high = int(t["conditional"][j]), MAX_GROSZE
        else:
            fixed = in_category & (standard | brand)
            variable = in_category & ~fixed & g.growth_above
            low, high = 0, int(t["company"][j])

    rows = np.flatnonzero(variable)
    order = np.argsort(-value[rows], kind="stable")
    rows = rows[order]
    revenue_here = metrics.rev_c[:, j]
    # Why the fixed ones qualify anyway, by the other paths in the rules' order (brand elsewhere, for a brand search).
    other_paths = {
        "company": {"conditional": conditional, "brand": brand},
        "conditional": {"standard": standard, "brand": brand},
        "brand": {"standard": standard, "conditional": conditional, "brand": brand},
    }[kind]
    by_path, counted = {}, np.zeros(len(fixed), bool)
    for name, passes in other_paths.items():
        here = fixed & passes & ~counted
        by_path[name] = int(here.sum())
        counted |= here
    return Candidates(
        category=category,
        kind=kind,
        fixed=int(fixed.sum()),
        fixed_by_path=by_path,
        values=value[rows].astype(np.int64),
        rows=rows,
        low=low,
        high=high,
        current=int(t[kind][j]),
        category_revenue=float(revenue_here.sum()),
        fixed_revenue=float(revenue_here[fixed].sum()),
        revenue=revenue_here[rows],
    )


# -- the curve -----------------------------------------------------------------------------------

CURVE_COLUMNS = ["threshold", "qualified", "revenue_share", "up_to", "leaves_above", "leaves_nip"]


def curve(
    metrics: Metrics, policy: Policy, category: str, kind: str = "company", g: Gates | None = None
) -> pd.DataFrame:
    """The exact step function: one row per step, lowest threshold first.

    threshold: the step's lowest value (PLN); up_to: its highest (PLN; the domain's top for the last step);
    qualified: companies qualifying in the category anywhere on the step; revenue_share: their share of the
    category's revenue over C; leaves_above: the company (name) that drops out just above ``up_to`` (the
    first of them in the companies' order, where several have the same revenue), leaves_nip its NIP.
    """
    return curve_of(candidates(metrics, policy, category, kind, g), metrics)


def curve_of(cand: Candidates, metrics: Metrics) -> pd.DataFrame:
    inside = (cand.values >= cand.low) & (cand.values < cand.high)  # a value at or above the top never leaves
    values = cand.values[inside]
    # Distinct breakpoints, ascending: above each, the companies with exactly that value drop out.
    breaks, first = np.unique(values, return_index=True)
    starts = np.concatenate([[cand.low], breaks + 1])
    ends = np.concatenate([breaks, [cand.high]])
    counts = np.asarray(cand.count_at(starts))
    # Revenue of those qualifying on each step: the fixed ones plus every value ≥ the step's start.
    cumulative = np.concatenate([[0.0], np.cumsum(cand.revenue)])
    on_step = counts - cand.fixed
    share = (cand.fixed_revenue + cumulative[on_step]) / cand.category_revenue if cand.category_revenue else 0.0
    # np.unique's index is each value's first place in `values` (descending, ties in row order).
    rows_inside = cand.rows[inside]
    leaving = rows_inside[first] if len(first) else np.array([], dtype=int)
    names = metrics.companies["company_name"].iloc[leaving].to_numpy(object)  # only those rows: cheap
    nips = metrics.companies["nip"].iloc[leaving].to_numpy(object)
    leaves = np.concatenate([names, [None]])
    leaves_nip = np.concatenate([nips, [None]])
    return pd.DataFrame(
        {
            "threshold": starts / 100,
            "qualified": counts.astype(int),
            "revenue_share": np.broadcast_to(share, counts.shape).astype(float),
            "up_to": ends / 100,
            "leaves_above": leaves,
            "leaves_nip": leaves_nip,
        }
    )


def sensitivity(cand: Candidates, at_grosze: int | None = None) -> dict[str, int]:
    """How many companies would flip if the threshold moved by up to ±5 % and ±10 % of its value: those whose
    value lies within that band around it (the band's own edges included)."""
    t = cand.current if at_grosze is None else at_grosze
    out = {}
    for pct in (5, 10):
        lo, hi = t * (100 - pct) // 100, -(-t * (100 + pct) // 100)
        out[f"within_{pct}pct"] = int(((cand.values >= lo) & (cand.values <= hi)).sum())
    return out


# -- the target ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """The answer to "which value of this threshold gives ``count`` qualified companies in this category".

    low, high: grosze; every value from low to high inclusive gives exactly ``count``. high is None where the
    interval reaches `THRESHOLD_MAX`, the largest value a policy may hold (no upper end). Both None when
    unreachable; ``why`` then says why in a sentence.
    """

    category: str
    threshold: str
    count: int
    reachable: bool
    low: int | None
    high: int | None
    min_count: int
    max_count: int
    why: str = ""
    company_at_max: bool = False  # the answer holds with the company threshold raised to THRESHOLD_MAX first

    def to_json(self) -> dict:
        def pln(grosze: int | None) -> float | None:
            return None if grosze is None else round(grosze / 100, 2)

        return {
            "category": self.category,
            "threshold": self.threshold,
            "count": self.count,
            "reachable": self.reachable,
            "low": pln(self.low),
            "high": pln(self.high),
            "min_count": self.min_count,
            "max_count": self.max_count,
        }


def target(
    metrics: Metrics, policy: Policy, category: str, count: int, kind: str = "company", g: Gates | None = None
) -> Target:
    """The exact interval of this threshold's values (to the grosz) giving ``count`` qualifiers in the category."""
    return target_of(candidates(metrics, policy, category, kind, g), count)


def target_of(cand: Candidates, count: int) -> Target:
    from .formatting import pln  # the sentences' number format

    lo_count, hi_count = cand.min_count, cand.max_count

    def answer(low: int | None = None, high: int | None = None, why: str = "") -> Target:
        return Target(cand.category, cand.kind, count, low is not None, low, high, lo_count, hi_count, why)

    k = count - cand.fixed
    values, m = cand.values, len(cand.values)
    if lo_count <= count <= hi_count:
        # #{v ≥ t} = k exactly for t in (v[k], v[k-1]] (values descending, 0-based), in whole grosze.
        low = cand.low if k >= m else max(cand.low, int(values[k]) + 1)
        high = cand.high if k <= 0 else min(cand.high, int(values[k - 1]))
        if low <= high:
            open_top = high == MAX_GROSZE
            return answer(low, None if open_top else high)
        tied = values[k - 1]
        same = int((values == tied).sum())
        why = (
            f"no {cand.kind} threshold gives exactly {count}: {same} companies have exactly {pln(tied / 100, 2)} "
            f"in {cand.category}, so the count jumps from {int(cand.count_at(tied + 1))} to "
            f"{int(cand.count_at(tied))} there"
        )
        return answer(why=why)
    if count < lo_count:
        paths = ", ".join(
            f"{n} on the {p} path" + (" of another category" if cand.kind == p == "brand" else "")
            for p, n in cand.fixed_by_path.items()
            if n
        )
        why = f"{lo_count} is the minimum by the {cand.kind} threshold: {paths or 'none'} qualify whatever it is"
        if cand.kind == "company" and lo_count > cand.fixed:
            why += f", and {lo_count - cand.fixed} more even at the largest value a policy allows"
    else:
        why = f"{hi_count} is the maximum by the {cand.kind} threshold"
        if cand.kind == "company":
            why += (
                f" (at its lowest valid value, the conditional threshold {pln(cand.low / 100)}): the other companies "
                f"of {cand.category} fail a gate, raise a flag or have too little revenue for it"
            )
        elif cand.kind == "conditional":
            why += (
                f" (at 0 PLN): the other companies of {cand.category} fail a gate, raise a flag, or their "
                "main-category growth does not beat the peer benchmark"
            )
        else:
            why += (
                f" (at 0 PLN): the other companies of {cand.category} have no Brand Zone account there or fail a gate"
            )
    return answer(why=why)


def alternatives(
    metrics: Metrics, policy: Policy, category: str, count: int, kind: str, g: Gates | None = None
) -> list[Target]:
    """The same target by the category's other thresholds, for when ``kind`` cannot reach it; only the reachable
    ones. With the conditional threshold, the company threshold is first taken to its highest value a
    policy allows where the count must go down (so the standard path is closed), as a manager would."""
    g = g if g is not None else gates(metrics, policy)
    out = []
    for other in THRESHOLD_KINDS:
        if other == kind:
            continue
        answer = target(metrics, policy, category, count, other, g)
        if not answer.reachable and other == "conditional":
            raised, _ = policy.with_threshold(category, "company", THRESHOLD_MAX)
            answer = target(metrics, raised, category, count, other, g)
            answer = dataclasses.replace(answer, company_at_max=True)
        if answer.reachable:
            out.append(answer)
    return out


def apply_target(policy: Policy, answer: Target) -> tuple[Policy, list[str]]:
    """The policy with the answer's threshold set to its lowest value (the least strict that gives the count)."""
    if not answer.reachable or answer.low is None:
        raise ValueError("the target is not reachable")
    edit = {answer.threshold: answer.low / 100}
    if answer.company_at_max:
        edit["company"] = THRESHOLD_MAX
    return policy.with_thresholds({answer.category: edit})


# -- the whole program: one common scale ---------------------------------------------------------


@dataclass(frozen=True)
class ScaleTarget:
    """Which common factor of every threshold (company, conditional and brand, every category) gives ``count``
    qualified companies in all. low, high: factors (1.0 = the policy as it is), to a millionth; every factor
    in [low, high] gives exactly ``count``. high is None where it reaches the largest factor that keeps every
    threshold within `THRESHOLD_MAX`."""

    count: int
    reachable: bool
    low: float | None
    high: float | None
    min_count: int
    max_count: int
    why: str = ""


def scaled_count(metrics: Metrics, policy: Policy, factor: float, g: Gates | None = None) -> int:
    """Qualified companies in all with every threshold multiplied by ``factor`` (as `Policy.scaled` does)."""
    return _scaled_count(metrics, threshold_pln(policy), factor, g if g is not None else gates(metrics, policy))


def _scaled_count(metrics: Metrics, pln: dict[str, np.ndarray], factor: float, g: Gates) -> int:
    grosze = {k: to_grosze(v * factor) for k, v in pln.items()}
    standard, conditional, brand = revenue_paths(metrics, g, grosze["company"], grosze["conditional"], grosze["brand"])
    return int((g.eligible & (standard | conditional | brand)).sum())


def max_factor(policy: Policy) -> float:
    largest = max(float(v.max()) for v in threshold_pln(policy).values())
    return math.inf if largest <= 0 else math.floor(THRESHOLD_MAX / largest * SCALE_RESOLUTION) / SCALE_RESOLUTION


def scale_target(metrics: Metrics, policy: Policy, count: int, g: Gates | None = None) -> ScaleTarget:
    """The interval of common factors giving ``count`` qualifiers in all, from each company's critical factor
    (the largest factor at which one of its paths still passes), checked exactly at both ends."""
    g = g if g is not None else gates(metrics, policy)
    top = max_factor(policy)
    t = threshold_grosze(policy)
    # Each company's critical factor per path: revenue ≥ threshold × factor holds up to (revenue + ½ grosz) / threshold.
    with np.errstate(divide="ignore", invalid="ignore"):

        def critical(revenue: np.ndarray, threshold: np.ndarray) -> np.ndarray:
            return np.where(threshold > 0, (revenue + 0.5) / threshold, np.inf)

        cat = np.maximum(g.category, 0)
        crit = np.where(g.has_main, critical(g.main_grosze, t["company"][cat]), -np.inf)
        crit = np.maximum(crit, np.where(g.growth_above, critical(g.main_grosze, t["conditional"][cat]), -np.inf))
        b = metrics.brand_accounts
        brand_crit = critical(b["grosze"].to_numpy(), t["brand"][b["category_code"].to_numpy()])
        per_company = np.full(len(g.category), -np.inf)
        company = b["company"].to_numpy()
        best = first_per_group(np.lexsort((-brand_crit, company)), company)  # each company's largest
        per_company[company[best]] = brand_crit[best]
        crit = np.maximum(crit, per_company)
    crit = np.sort(crit[g.eligible & (crit > -np.inf)])[::-1]  # -inf: no path at any factor

    pln = threshold_pln(policy)

    def count_at(factor: float) -> int:
        return _scaled_count(metrics, pln, factor, g)

    min_count = count_at(top) if math.isfinite(top) else int((crit == np.inf).sum())
    max_count = count_at(0.0)
    if not min_count <= count <= max_count:
        bound = "minimum" if count < min_count else "maximum"
        reach = min_count if count < min_count else max_count
        return ScaleTarget(count, False, None, None, min_count, max_count, f"{reach} is the {bound} by a common scale")
    # Count(f) ≈ #{crit > f}: the factors for exactly `count` lie between crit[count] and crit[count - 1].
    above = crit[count] if count < len(crit) else 0.0
    below = crit[count - 1] if count >= 1 else math.inf
    low = _snap_up(above)
    high = min(top, _snap_down(below)) if math.isfinite(below) else top
    # The ½-grosz estimate can be off by a rounding at either end: step inward until the count is exact.
    for _ in range(4):
        if low <= high and count_at(low) != count:
            low = round(low + 1 / SCALE_RESOLUTION, 6)
        if low <= high and count_at(high) != count:
            high = round(high - 1 / SCALE_RESOLUTION, 6)
    if low > high or count_at(low) != count or count_at(high) != count:
        why = f"no common scale (to a millionth) gives exactly {count}: several companies drop out at the same factor"
        return ScaleTarget(count, False, None, None, min_count, max_count, why)
    return ScaleTarget(count, True, low, None if high >= top else high, min_count, max_count)


def _snap_up(x: float) -> float:
    return max(0.0, math.floor(x * SCALE_RESOLUTION + 1) / SCALE_RESOLUTION)


def _snap_down(x: float) -> float:
    return math.ceil(x * SCALE_RESOLUTION - 1) / SCALE_RESOLUTION


def describe_target(answer: Target) -> str:
    """The answer as a sentence: 'Fashion, company threshold: any value from 2 088 722.60 PLN to 4 483 509.64
    PLN gives exactly 15 qualified companies (this threshold can give 13 to 25).'"""
    from .formatting import pln

    head = f"{answer.category}, {answer.threshold} threshold"
    if answer.company_at_max:
        head += " (with the company threshold at its maximum)"
    if not answer.reachable:
        return f"{head}: {answer.why}."
    low = pln(answer.low / 100, 2) if answer.low is not None else ""
    span = f"from {low} up" if answer.high is None else f"from {low} to {pln(answer.high / 100, 2)}"
    return (
        f"{head}: any value {span} gives exactly {answer.count} qualified companies "
        f"(this threshold can give {answer.min_count} to {answer.max_count})."
    )


def scaled_policy(policy: Policy, factor: float) -> Policy:
    """Every threshold multiplied by ``factor`` and taken to the grosz the way `decide` takes it (so the policy
    decides exactly as the factor did in `scaled_count`), for applying a common-scale answer."""
    data = policy.to_dict()
    for thresholds in data["categories"].values():
        for kind in THRESHOLD_KINDS:
            thresholds[kind] = int(to_grosze(np.array([thresholds[kind] * factor]))[0]) / 100
    return Policy.from_dict(data)
