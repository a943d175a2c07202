"""The program view and the summary paragraph (issue 9 §3), worked by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from builders import account, dataset, growing_seller, nip
from test_targets import AS_OF, _hand_made

from core import Policy, compute_metrics, decide
from core.program import TOP, program_view, summary


@pytest.fixture(scope="module")
def hand():
    return _hand_made()


def plain(text: str) -> str:
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def test_program_view_by_hand(hand):
    view = program_view(decide(hand, Policy.default()), hand).set_index("category")
    fashion = view.loc["Fashion"]
    # Six companies have Fashion as main category; A, B, C (standard) and D (conditional) are partners.
    assert (fashion["companies"], fashion["partners"]) == (6, 4)
    assert fashion["partners_share"] == pytest.approx(4 / 6)
    covered = 5_000_000 + 2 * 4_000_000.01 + 3_000_000
    assert fashion["revenue_covered"] == pytest.approx(covered)
    assert fashion["category_revenue"] == pytest.approx(covered + 2_000_000 + 9_000_000)
    assert fashion["top10_share"] == 1.0  # four partners: the top 10 hold everything
    # Kids: everyone sells 120 000 there, nobody has it as main category.
    assert view.loc["Kids", "companies"] == 0 and np.isnan(view.loc["Kids", "partners_share"])
    assert view.loc["Kids", "category_revenue"] == pytest.approx(6 * 120_000)
    total = view.loc["All categories"]
    assert (total["companies"], total["partners"]) == (6, 4)


def test_top_ten_share_with_twelve_partners():
    accounts, rows = [], []
    for i in range(12):  # 12 partners with 4, 5, … 15 million PLN in Fashion
        aid = f"P{i:02d}"
        accounts.append(account(aid, nip(i), main_account=True))
        rows += growing_seller(aid, "Fashion", (4 + i) * 1_000_000, (4 + i) * 1_000_000 * 0.9, AS_OF)
    m = compute_metrics(dataset(accounts, rows), AS_OF)
    view = program_view(decide(m, Policy.default()), m).set_index("category")
    amounts = [(4 + i) * 1_000_000 for i in range(12)]
    assert view.loc["Fashion", "partners"] == 12
    assert view.loc["Fashion", "top10_share"] == pytest.approx(sum(sorted(amounts)[-TOP:]) / sum(amounts))


def test_summary_of_a_lowered_threshold(hand):
    base = Policy.default()
    lowered, _ = base.with_threshold("Fashion", "company", 1_600_000)  # E (2 000 000) enters
    text = plain(summary(decide(hand, base), decide(hand, lowered), base, lowered))
    assert text.startswith("Lowering Fashion's company threshold by 50 % adds 1 partner (1 on the standard path).")
    assert "The program goes from 4 to 5 partners (+1), covering 2,0 mln PLN more revenue" in text


def test_summary_of_a_raised_threshold_says_where_and_why(hand):
    base = Policy.default()
    raised, _ = base.with_threshold("Fashion", "company", 4_500_000)  # B and C leave
    text = plain(summary(decide(hand, base), decide(hand, raised), base, raised))
    assert text.startswith("Raising Fashion's company threshold by 41 % removes 2 partners: 2 in Fashion for revenue.")
    assert "from 4 to 2 partners (−2)" in text


def test_summary_without_a_change(hand):
    base = Policy.default()
    text = plain(summary(decide(hand, base), decide(hand, base), base, base, "Copy"))
    assert (
        text == "Copy (no change of policy) changes no company's status: the program keeps 4 partners covering "
        "16,0 mln PLN of revenue."
    )


def test_summary_refuses_decisions_of_other_companies(hand):
    d = decide(hand, Policy.default())
    with pytest.raises(ValueError, match="same companies"):
        summary(d, d.iloc[::-1].reset_index(drop=True), Policy.default(), Policy.default())


def test_summary_of_a_common_scale(hand):
    base = Policy.default()
    text = plain(summary(decide(hand, base), decide(hand, base.scaled(1.3)), base, base.scaled(1.3)))
    assert text.startswith("Raising every threshold by 30 % removes 2 partners")
    assert isinstance(pd.Series([text]).iloc[0], str)
