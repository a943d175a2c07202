"""Threshold curves and exact target searches (issue 9): worked by hand, then checked against `decide` on random
data (hypothesis) — at `low` and `high` the count is N, one grosz outside it is not."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from builders import account, dataset, growing_seller, nip
from hypothesis import given
from hypothesis import strategies as st
from test_properties import CATS, SETTINGS, datasets

from core import Policy, compute_metrics, decide
from core.cli import main
from core.decide import gates
from core.parameters import THRESHOLD_MAX
from core.targets import (
    alternatives,
    apply_target,
    candidates,
    curve,
    describe_target,
    scale_target,
    scaled_count,
    scaled_policy,
    sensitivity,
    target,
)

AS_OF = "2026-10"


def qualified_in(metrics, policy: Policy, category: str) -> int:
    d = decide(metrics, policy)
    return int(((d["status"] == "qualified") & (d["main_category"] == category)).sum())


def with_threshold(policy: Policy, category: str, kind: str, grosze: int) -> Policy:
    t = policy.categories[category].model_dump()
    t[kind] = grosze / 100
    return Policy.from_dict({**policy.to_dict(), "categories": {category: t}})


# -- worked by hand ------------------------------------------------------------------------------
#
# Fashion (published: company 3 200 000, conditional 800 000, brand 350 000). Over the 12 months to 2026-10:
#   A  5 000 000.00  flat (growth 0)                      -> standard only
#   B  4 000 000.01  flat                                  -> standard only
#   C  4 000 000.01  flat (a tie with B)                   -> standard only
#   D  3 000 000.00  grows 50 % (above the median)         -> conditional, whatever the company threshold
#   E  2 000 000.00  flat                                   -> nothing (below company, no growth)
#   F  9 000 000.00  ratings 98 %                           -> never (a gate fails)
# The median growth of Fashion's six companies is 0 (four flat, D +50 %, ...), so only D beats it.
# The growth gate needs total growth > 0, so every seller also sells a little more each year in Kids: enough
# for growth and 4 growing quarters, never enough to change its main category.


def _hand_made():
    rows, accounts = [], []
    sellers = [
        ("A", 5_000_000.00, 5_000_000.00, {}),
        ("B", 4_000_000.01, 4_000_000.01, {}),
        ("C", 4_000_000.01, 4_000_000.01, {}),
        ("D", 3_000_000.00, 2_000_000.00, {}),
        ("E", 2_000_000.00, 2_000_000.00, {}),
        ("F", 9_000_000.00, 9_000_000.00, {"positive_ratings_pct": 98.0}),
    ]
    for i, (aid, now, before, overrides) in enumerate(sellers):
        accounts.append(account(aid, nip(i), main_account=True, **overrides))
        rows += growing_seller(aid, "Fashion", now, before, AS_OF)
        rows += growing_seller(aid, "Kids", 120_000, 60_000, AS_OF)  # total growth > 0, every quarter up
    return compute_metrics(dataset(accounts, rows), AS_OF)


@pytest.fixture(scope="module")
def hand():
    return _hand_made()


def test_hand_made_baseline(hand):
    # A, B, C on the standard path, D on the conditional one.
    assert qualified_in(hand, Policy.default(), "Fashion") == 4


def test_company_threshold_by_hand(hand):
    p = Policy.default()
    c = candidates(hand, p, "Fashion", "company")
    assert c.fixed == 1  # D, on the conditional path
    assert c.values.tolist() == [500_000_000, 400_000_001, 400_000_001, 200_000_000]
    assert (c.min_count, c.max_count) == (1, 5)  # E joins at the lowest valid value, the conditional 800 000
    # 4 qualifiers: A, B, C and D: above 2 000 000.00 and up to 4 000 000.01.
    t = target(hand, p, "Fashion", 4)
    assert (t.reachable, t.low, t.high) == (True, 200_000_001, 400_000_001)
    # 2: only A and D; 3 is impossible (B and C tie at 4 000 000.01).
    assert (target(hand, p, "Fashion", 2).low, target(hand, p, "Fashion", 2).high) == (400_000_002, 500_000_000)
    three = target(hand, p, "Fashion", 3)
    assert not three.reachable and "2 companies have exactly 4" in three.why and "from 2 to 4" in three.why
    # 1: only D, from 5 000 000.01 to the maximum a policy allows: no upper end.
    one = target(hand, p, "Fashion", 1)
    assert (one.low, one.high) == (500_000_001, None)
    # 5 (E too): from the conditional threshold 800 000 up to 2 000 000.00.
    five = target(hand, p, "Fashion", 5)
    assert (five.low, five.high) == (80_000_000, 200_000_000)
    # 6 is above the maximum: F fails a gate.
    six = target(hand, p, "Fashion", 6)
    assert not six.reachable and six.why.startswith("5 is the maximum")
    zero = target(hand, p, "Fashion", 0)
    assert not zero.reachable and "1 on the conditional path" in zero.why


@pytest.mark.parametrize("count", [1, 2, 4, 5])
def test_company_answers_hold_to_the_grosz(hand, count):
    p = Policy.default()
    t = target(hand, p, "Fashion", count)
    assert qualified_in(hand, with_threshold(p, "Fashion", "company", t.low), "Fashion") == count
    high = t.high if t.high is not None else THRESHOLD_MAX * 100
    assert qualified_in(hand, with_threshold(p, "Fashion", "company", high), "Fashion") == count
    if t.low > 80_000_000:  # one grosz below: more qualify (below the conditional threshold is not valid)
        assert qualified_in(hand, with_threshold(p, "Fashion", "company", t.low - 1), "Fashion") != count
    if t.high is not None:
        assert qualified_in(hand, with_threshold(p, "Fashion", "company", t.high + 1), "Fashion") != count


def test_conditional_threshold_by_hand(hand):
    # Fixed: A, B, C (standard). Only D's growth beats the benchmark: its 3 000 000.00 decides.
    p = Policy.default()
    c = candidates(hand, p, "Fashion", "conditional")
    assert (c.fixed, c.values.tolist(), c.low, c.high) == (3, [300_000_000], 0, 320_000_000)
    t = target(hand, p, "Fashion", 4, "conditional")
    assert (t.low, t.high) == (0, 300_000_000)
    t = target(hand, p, "Fashion", 3, "conditional")
    assert (t.low, t.high) == (300_000_001, 320_000_000)  # up to the company threshold: a real upper end
    assert qualified_in(hand, with_threshold(p, "Fashion", "conditional", 300_000_000), "Fashion") == 4
    assert qualified_in(hand, with_threshold(p, "Fashion", "conditional", 300_000_001), "Fashion") == 3


def test_unreachable_by_company_offers_the_conditional_threshold(hand):
    # 0 qualifiers can't be had by the company threshold (D stays on the conditional path); with the company
    # threshold at its maximum, a conditional threshold above D's revenue gets there.
    p = Policy.default()
    others = alternatives(hand, p, "Fashion", 0, "company")
    conditional = [o for o in others if o.threshold == "conditional"]
    assert conditional and conditional[0].company_at_max
    assert conditional[0].low == 300_000_001
    applied, _ = apply_target(p, conditional[0])
    assert applied.categories["Fashion"].company == THRESHOLD_MAX
    assert qualified_in(hand, applied, "Fashion") == 0
    assert "company threshold at its maximum" in describe_target(conditional[0])


def test_apply_sets_the_lowest_value(hand):
    p = Policy.default()
    answer = target(hand, p, "Fashion", 2)
    applied, notes = apply_target(p, answer)
    assert applied.categories["Fashion"].company == 4_000_000.02 and notes == []
    assert qualified_in(hand, applied, "Fashion") == 2


def test_brand_threshold():
    # G: a Brand Zone account with 1 000 000.00 in Fashion (below the company threshold, no growth): only the
    # brand path can take it in; H: the same but 999 999.99.
    accounts, rows = [], []
    for i, (aid, amount) in enumerate([("G", 1_000_000.00), ("H", 999_999.99)]):
        accounts.append(account(aid, nip(i), main_account=True, brand_zone=True))
        rows += growing_seller(aid, "Fashion", amount, amount, AS_OF)
        rows += growing_seller(aid, "Kids", 120_000, 60_000, AS_OF)
    m = compute_metrics(dataset(accounts, rows), AS_OF)
    p = Policy.default()
    c = candidates(m, p, "Fashion", "brand")
    assert c.values.tolist() == [100_000_000, 99_999_999]
    one = target(m, p, "Fashion", 1, "brand")
    assert (one.low, one.high) == (99_999_999 + 1, 100_000_000)
    two = target(m, p, "Fashion", 2, "brand")
    assert (two.low, two.high) == (0, 99_999_999)
    assert qualified_in(m, with_threshold(p, "Fashion", "brand", 100_000_000), "Fashion") == 1
    assert qualified_in(m, with_threshold(p, "Fashion", "brand", 100_000_001), "Fashion") == 0


def test_curve_by_hand(hand):
    steps = curve(hand, Policy.default(), "Fashion", "company")
    assert steps["threshold"].tolist() == [800_000.0, 2_000_000.01, 4_000_000.02, 5_000_000.01]
    assert steps["up_to"].tolist() == [2_000_000.0, 4_000_000.01, 5_000_000.0, float(THRESHOLD_MAX)]
    assert steps["qualified"].tolist() == [5, 4, 2, 1]
    assert steps["leaves_above"].tolist()[:3] == ["E", "B", "A"]  # B and C tie: the first by row
    total = 5_000_000 + 2 * 4_000_000.01 + 3_000_000 + 2_000_000 + 9_000_000
    assert steps["revenue_share"].iloc[1] == pytest.approx((5_000_000 + 2 * 4_000_000.01 + 3_000_000) / total)
    for row in steps.itertuples():  # each step's count is decide's, at both ends
        for value in (row.threshold, row.up_to):
            assert (
                qualified_in(
                    hand, with_threshold(Policy.default(), "Fashion", "company", round(value * 100)), "Fashion"
                )
                == row.qualified
            )


def test_sensitivity(hand):
    c = candidates(hand, Policy.default(), "Fashion", "company")
    # Around 4 000 000.01: ±5 % is 3 800 000.0095 … 4 200 000.0105 (B and C); ±10 % adds nobody else.
    assert sensitivity(c, 400_000_001) == {"within_5pct": 2, "within_10pct": 2}
    assert sensitivity(c, 470_000_000)["within_10pct"] == 1  # A at 5 000 000 is within 423 … 517


def test_scale_target_by_hand(hand):
    p = Policy.default()
    # At factor f, A needs 5 000 000 ≥ 3 200 000 f (f ≤ 1.5625…), B and C f ≤ 1.25, D conditional 3 750 000 / 800 000.
    t = scale_target(hand, p, 3)
    assert not t.reachable  # B and C leave together
    t = scale_target(hand, p, 2)
    assert t.reachable and t.low == pytest.approx(1.250001, abs=1e-6) and t.high == pytest.approx(1.5625, abs=1e-6)
    for factor in (t.low, t.high):
        assert int((decide(hand, p.scaled(factor))["status"] == "qualified").sum()) == 2
    assert int((decide(hand, p.scaled(t.low - 1e-6))["status"] == "qualified").sum()) != 2
    assert int((decide(hand, p.scaled(t.high + 1e-6))["status"] == "qualified").sum()) != 2


# -- random data, checked against decide ---------------------------------------------------------


@st.composite
def policies(draw) -> Policy:
    """The published policy with one category's thresholds drawn, so that searches meet real revenue."""
    category = draw(st.sampled_from(CATS))
    company = draw(st.sampled_from([0, 300_000, 600_000.01, 1_200_000, 3_000_000, 6_000_000]))
    conditional = draw(st.sampled_from([0, 0.5, 1])) * company
    brand = draw(st.sampled_from([0, 250_000, 1_000_000, 5_000_000]))
    t = {"company": company, "conditional": round(conditional, 2), "brand": brand}
    return Policy.from_dict({"categories": {category: t}})


@SETTINGS
@given(datasets(), policies(), st.sampled_from(CATS), st.sampled_from(["company", "conditional", "brand"]), st.data())
def test_target_is_exact_on_random_data(data_set, policy, category, kind, data):
    metrics = compute_metrics(data_set, AS_OF)
    c = candidates(metrics, policy, category, kind)
    assert qualified_in(metrics, with_threshold(policy, category, kind, c.low), category) == c.max_count
    assert qualified_in(metrics, with_threshold(policy, category, kind, c.high), category) == c.min_count
    count = data.draw(st.integers(max(0, c.min_count - 1), c.max_count + 1))
    answer = target(metrics, policy, category, count, kind)
    if not answer.reachable:
        # No valid value gives it: the step function skips it, or it is out of reach.
        steps = curve(metrics, policy, category, kind)
        assert count not in set(steps["qualified"])
        return
    high = answer.high if answer.high is not None else THRESHOLD_MAX * 100
    assert qualified_in(metrics, with_threshold(policy, category, kind, answer.low), category) == count
    assert qualified_in(metrics, with_threshold(policy, category, kind, high), category) == count
    if answer.low > c.low:
        assert qualified_in(metrics, with_threshold(policy, category, kind, answer.low - 1), category) != count
    if answer.high is not None and answer.high < c.high:
        assert qualified_in(metrics, with_threshold(policy, category, kind, answer.high + 1), category) != count


@SETTINGS
@given(datasets(), policies(), st.sampled_from(CATS), st.sampled_from(["company", "conditional", "brand"]))
def test_curve_matches_decide_on_random_data(data_set, policy, category, kind):
    metrics = compute_metrics(data_set, AS_OF)
    steps = curve(metrics, policy, category, kind)
    assert steps["qualified"].is_monotonic_decreasing
    for row in steps.itertuples():
        for value in {row.threshold, row.up_to}:
            grosze = round(value * 100)
            assert qualified_in(metrics, with_threshold(policy, category, kind, grosze), category) == row.qualified


@SETTINGS
@given(datasets(), st.data())
def test_scale_target_is_exact_on_random_data(data_set, data):
    metrics = compute_metrics(data_set, AS_OF)
    policy = Policy.default()
    g = gates(metrics, policy)
    low, high = scale_target(metrics, policy, 0, g).min_count, scale_target(metrics, policy, 0, g).max_count
    count = data.draw(st.integers(low, high))  # a count a common scale can give, unless companies tie
    answer = scale_target(metrics, policy, count, g)
    if not answer.reachable:  # several companies leave at the same factor: check they do
        assert "same factor" in answer.why
        return
    for factor in (answer.low, answer.high):
        if factor is not None:
            assert scaled_count(metrics, policy, factor, g) == count
            assert int((decide(metrics, scaled_policy(policy, factor))["status"] == "qualified").sum()) == count
            assert int((decide(metrics, policy.scaled(factor))["status"] == "qualified").sum()) == count


def test_target_count_equals_decide_at_every_sample_step():
    """On the sample: every step of Fashion's company curve agrees with decide at its start."""
    from core.loading import load_dataset

    ds = load_dataset("sample_data/accounts.csv", "sample_data/revenue.csv")
    m = compute_metrics(ds)
    p = Policy.default()
    steps = curve(m, p, "Fashion", "company")
    assert steps["qualified"].min() == 13  # 12 on the conditional path and 1 on the brand path stay
    for row in steps.head(5).itertuples():
        assert (
            qualified_in(m, with_threshold(p, "Fashion", "company", round(row.threshold * 100)), "Fashion")
            == row.qualified
        )


# -- the command line ----------------------------------------------------------------------------

SAMPLE = ["--accounts", "sample_data/accounts.csv", "--revenue", "sample_data/revenue.csv"]


def test_cli_target_json(capsys):
    assert main(["target", *SAMPLE, "--category", "Fashion", "--count", "15", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert set(answer) == {"category", "threshold", "count", "reachable", "low", "high", "min_count", "max_count"}
    assert answer["reachable"] and answer["threshold"] == "company" and answer["count"] == 15
    from core.loading import load_dataset

    m = compute_metrics(load_dataset("sample_data/accounts.csv", "sample_data/revenue.csv"))
    p = Policy.default()
    for value, expected in [(answer["low"], True), (answer["high"], True), (answer["low"] - 0.01, False)]:
        got = qualified_in(m, with_threshold(p, "Fashion", "company", round(value * 100)), "Fashion")
        assert (got == 15) == expected
    assert qualified_in(m, with_threshold(p, "Fashion", "company", round(answer["high"] * 100) + 1), "Fashion") != 15


def test_cli_target_unreachable_says_why_and_offers_another(capsys):
    assert main(["target", *SAMPLE, "--category", "Fashion", "--count", "10"]) == 0
    out = capsys.readouterr().out
    assert "13 is the minimum by the company threshold" in out and "instead: Fashion, conditional threshold" in out
    assert main(["target", *SAMPLE, "--category", "Fashion", "--count", "10", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["reachable"] is False and answer["min_count"] == 13 and answer["low"] is None


def test_cli_target_unknown_category(capsys):
    assert main(["target", *SAMPLE, "--category", "Nope", "--count", "3"]) == 2
    assert "Nope" in capsys.readouterr().err


def test_cli_sweep(tmp_path):
    out = tmp_path / "curve.csv"
    assert main(["sweep", *SAMPLE, "--category", "Fashion", "--threshold", "company", "--out", str(out)]) == 0
    steps = pd.read_csv(out)
    assert list(steps.columns[:3]) == ["threshold", "qualified", "revenue_share"]
    assert steps["qualified"].iloc[0] == 25 and steps["qualified"].iloc[-1] == 13
    assert steps["threshold"].is_monotonic_increasing and steps["qualified"].is_monotonic_decreasing


def test_cli_compare(tmp_path, capsys):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text("name: Lower Fashion\ncategories:\n  Fashion:\n    company: 2000000\n", encoding="utf-8")
    b.write_text("name: Ten percent up\n" + Policy.default().scaled(1.1).to_yaml().split("\n", 1)[1], encoding="utf-8")
    out = tmp_path / "compare.csv"
    assert main(["compare", *SAMPLE, "--policy", str(a), "--policy", str(b), "--out", str(out)]) == 0
    table = pd.read_csv(out)
    assert list(table.columns) == ["category", "baseline", "Lower Fashion", "Ten percent up"]
    assert table.loc[table["category"] == "Fashion", "Lower Fashion"].item() == 16
    assert table["baseline"].sum() == 121 and table["Ten percent up"].sum() == 110
    printed = capsys.readouterr().out.replace("\u00a0", " ").replace("\u202f", " ")  # the number format's spaces
    assert "Lowering Fashion's company threshold by 38 %" in printed
    assert "Raising every threshold by 10 % removes 11 partners" in printed


def test_searchsorted_matches_counting(hand):
    c = candidates(hand, Policy.default(), "Fashion", "company")
    for t in np.linspace(c.low, 600_000_000, 50).astype(np.int64):
        assert c.count_at(int(t)) == c.fixed + int((c.values >= t).sum())


def test_cli_compare_names_an_unnamed_scenario_after_its_file(tmp_path, capsys):
    lower = tmp_path / "lower.yaml"
    lower.write_text("categories:\n  Fashion:\n    company: 2000000\n", encoding="utf-8")
    out = tmp_path / "compare.csv"
    assert main(["compare", *SAMPLE, "--policy", str(lower), "--out", str(out)]) == 0
    assert list(pd.read_csv(out).columns) == ["category", "baseline", "lower"]
    assert main(["compare", *SAMPLE, "--policy", str(lower), "--policy", str(lower), "--out", str(out)]) == 2
    assert "give the scenario a name of its own" in capsys.readouterr().err
