"""Invariants of the engine on random datasets (hypothesis)."""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from builders import account, dataset, nip
from core import Policy, compute_metrics, decide, load_dataset
from core.dataset import Dataset
from core.policy import DEFAULT_QUALITY_SCALE

AS_OF = pd.Period("2026-10", "M")
CATS = ["Automotive", "Fashion", "Kids"]  # few categories, so companies compete and tie
MONTHS = [AS_OF - k for k in range(26)]  # both windows, plus months outside them
AMOUNTS = [0, 50_000, 100_000, 250_000, 300_000, 500_000, 1_000_000]  # round numbers make ties

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def datasets(draw) -> Dataset:
    n_companies = draw(st.integers(1, 6))
    accounts, revenue = [], []
    for c in range(n_companies):
        n_accounts = draw(st.integers(1, 3))
        marked = draw(st.integers(-1, n_accounts - 1))  # -1: no account marked main
        for a in range(n_accounts):
            aid = f"A{c}{a}"
            accounts.append(account(
                aid, nip(c),
                main_account=(a == marked),
                business_account=draw(st.booleans()),
                sales_quality=draw(st.sampled_from(DEFAULT_QUALITY_SCALE)),
                positive_ratings_pct=draw(st.sampled_from([97.5, 99.0, 99.5, 100.0])),
                brand_zone=draw(st.booleans()),
                suspended=draw(st.sampled_from([False] * 5 + [True])),
                transaction_problem_rate=draw(st.sampled_from([0.0, 0.01, 0.03, 0.05])),
                exportable_share=draw(st.sampled_from([0.2, 0.5, 0.9, 1.0])),
                new_condition_share=draw(st.sampled_from([0.3, 0.5, 1.0])),
            ))
            for _ in range(draw(st.integers(0, 30))):
                revenue.append((aid, draw(st.sampled_from(CATS)), str(draw(st.sampled_from(MONTHS))),
                                draw(st.sampled_from(AMOUNTS))))
    return dataset(accounts, revenue)


def qualified(metrics, policy) -> set[str]:
    d = decide(metrics, policy)
    return set(d.loc[d["status"] == "qualified", "nip"])


def revenue_passing(metrics, policy) -> set[str]:
    d = decide(metrics, policy)
    return set(d.loc[d["revenue_ok"], "nip"])


# Each tweak makes the policy stricter as `level` grows from 0 to 1.
def _threshold(kind: str):
    def tweak(policy: Policy, category: str, level: float) -> Policy:
        t = policy.categories[category].model_dump()
        if kind == "company":
            t["company"] = t["conditional"] + level * 10_000_000
        elif kind == "conditional":
            t["conditional"] = level * t["company"]
        else:
            t["brand"] = level * 10_000_000
        return Policy.from_dict({**policy.to_dict(), "categories": {category: t}})
    return tweak


def _param(section: str, key: str, lo, hi, integer=False):
    def tweak(policy: Policy, category: str, level: float) -> Policy:
        value = lo + (hi - lo) * level
        value = round(value) if integer else value
        data = policy.to_dict()
        data[section][key] = value
        return Policy.from_dict(data)
    return tweak


def _level(key: str):
    def tweak(policy: Policy, category: str, level: float) -> Policy:
        data = policy.to_dict()
        data["criteria"][key] = DEFAULT_QUALITY_SCALE[round(level * (len(DEFAULT_QUALITY_SCALE) - 1))]
        return Policy.from_dict(data)
    return tweak


STRICTER = {
    "company threshold": _threshold("company"),
    "conditional threshold": _threshold("conditional"),
    "brand threshold": _threshold("brand"),
    "ratings minimum": _param("criteria", "min_positive_ratings_pct", 97.0, 100.0),
    "main quality": _level("min_quality_main"),
    "other quality": _level("min_quality_other"),
    "yearly growth": _param("growth", "min_yoy_growth", -0.5, 1.0),
    "growing quarters": _param("growth", "min_growing_quarters", 0, 4, integer=True),
    "peer percentile": _param("conditional", "peer_percentile", 0.0, 100.0),
    "transaction problems": _param("flags", "max_transaction_problem_rate", 0.1, 0.0),
    "exportable share": _param("flags", "min_exportable_share", 0.0, 1.0),
    "new condition share": _param("flags", "min_new_condition_share", 0.0, 1.0),
}


@SETTINGS
@given(data=datasets(), which=st.sampled_from(sorted(STRICTER)), category=st.sampled_from(CATS),
       a=st.floats(0, 1), b=st.floats(0, 1))
def test_a_stricter_policy_never_adds_a_qualifier_and_a_looser_one_never_removes_one(data, which, category, a, b):
    metrics = compute_metrics(data, AS_OF)
    lower, higher = sorted([a, b])
    loose = STRICTER[which](Policy.default(), category, lower)
    strict = STRICTER[which](Policy.default(), category, higher)
    assert qualified(metrics, strict) <= qualified(metrics, loose)
    assert revenue_passing(metrics, strict) <= revenue_passing(metrics, loose)


@SETTINGS
@given(data=datasets(), factor_a=st.floats(0.1, 3), factor_b=st.floats(0.1, 3))
def test_scaling_every_threshold_is_monotone(data, factor_a, factor_b):
    metrics = compute_metrics(data, AS_OF)
    lo, hi = sorted([factor_a, factor_b])
    assert qualified(metrics, Policy.default().scaled(hi)) <= qualified(metrics, Policy.default().scaled(lo))


@SETTINGS
@given(data=datasets(), seed=st.integers(0, 2**32 - 1))
def test_decisions_do_not_depend_on_row_order(data, seed):
    shuffled = Dataset(
        data.accounts.sample(frac=1, random_state=seed, ignore_index=True),
        data.revenue.sample(frac=1, random_state=seed + 1, ignore_index=True),
    )
    policy = Policy.default().scaled(0.1)  # low thresholds: more companies reach the interesting rules
    a = decide(compute_metrics(data, AS_OF), policy)
    b = decide(compute_metrics(shuffled, AS_OF), policy)
    pd.testing.assert_frame_equal(a, b)


@SETTINGS
@given(data=datasets(), factor=st.floats(0.05, 2))
def test_status_agrees_with_reasons_and_flags(data, factor):
    d = decide(compute_metrics(data, AS_OF), Policy.default().scaled(factor))
    reasons, flags, status = d["reasons"].astype(str), d["flags"].astype(str), d["status"].astype(str)
    assert ((status == "qualified") == ((reasons == "") & (flags == ""))).all()
    assert ((status == "review") == ((reasons == "") & (flags != ""))).all()
    assert ((d["path"].astype(str) != "") == d["revenue_ok"]).all()
    assert (d["gap"].dropna() >= 0).all()
    assert ((d["gap"] == 0) == d["standard_ok"])[d["main_category"].notna()].all()


NIP_FORMATS = [
    lambda n: n,
    lambda n: f"PL{n}",
    lambda n: f"pl {n}",
    lambda n: f"{n[:3]}-{n[3:6]}-{n[6:8]}-{n[8:]}",
    lambda n: f"PL {n[:3]} {n[3:6]} {n[6:8]} {n[8:]}",
]


@SETTINGS
@given(data=datasets(), formats=st.lists(st.sampled_from(range(len(NIP_FORMATS))), min_size=18, max_size=18))
def test_decisions_do_not_depend_on_how_a_nip_is_written(data, formats):
    assume(len(data.revenue) > 0)  # a revenue file with no rows is refused ("no data rows")
    accounts = data.accounts.copy()
    accounts["nip"] = [NIP_FORMATS[formats[i]](n) for i, n in enumerate(accounts["nip"])]
    revenue = data.revenue.assign(month=data.revenue["month"].astype(str))
    loaded = load_dataset(accounts.to_csv(index=False).encode(), revenue.to_csv(index=False).encode())
    policy = Policy.default().scaled(0.1)
    pd.testing.assert_frame_equal(decide(compute_metrics(loaded, AS_OF), policy), decide(compute_metrics(data, AS_OF), policy))
