"""The one number format (core.formatting), worked by hand, and the Overview's generated headline."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from core.explain import decisions_for_people, headline
from core.formatting import (
    NBSP,
    PLOTLY_SEPARATORS,
    PRINTF_INT,
    PRINTF_PLN,
    axis_ticks,
    compact,
    count,
    number,
    pct,
    percent,
    pln,
    reasons_text,
    signed_count,
)


def nb(text: str) -> str:
    """Test text written with plain spaces, as the app writes it (no-break spaces)."""
    return text.replace(" ", NBSP)


@pytest.mark.parametrize(
    "value, decimals, written",
    [
        (0, 0, "0"),
        (999, 0, "999"),
        (1000, 0, "1 000"),
        (1234567.8, 0, "1 234 568"),
        (1234567.8, 1, "1 234 567,8"),
        (2_999_999.6, 2, "2 999 999,60"),
        (-1234, 0, "-1 234"),
        (-0.04, 1, "0,0"),  # never '-0,0'
        (0.025, None, "0,025"),  # a value a person typed: no float noise, no trailing zeros
        (99.0, None, "99"),
        (0.1 + 0.2, None, "0,3"),
        (3_200_000, None, "3 200 000"),
    ],
)
def test_number(value, decimals, written):
    assert number(value, decimals) == nb(written)


def test_money_percent_and_counts():
    assert pln(3_500_000) == nb("3 500 000 PLN")
    assert pln(1234.5, 2) == nb("1 234,50 PLN")
    assert pct(0.125) == nb("12,5 %")
    assert pct(0.123456, 2) == nb("12,35 %")
    assert pct(0.03, None) == nb("3 %") and pct(0.005, None) == nb("0,5 %")
    assert percent(99.5, 2) == nb("99,50 %")
    assert count(2400) == nb("2 400") and signed_count(12) == "+12" and signed_count(-1200) == nb("-1 200")
    for missing in (None, float("nan"), pd.NA):
        assert pln(missing) == pct(missing) == count(missing) == "—"


def test_axis_labels():
    assert compact(3_500_000) == nb("3,5 mln")
    assert compact(2_000_000_000) == nb("2 mld")
    assert compact(400_000) == nb("400 000")  # below a million: in full, not '400k'
    values, texts = axis_ticks(7_300_000)
    assert values == [0, 2_000_000, 4_000_000, 6_000_000, 8_000_000]
    assert texts == ["0", *map(nb, ("2 mln", "4 mln", "6 mln", "8 mln"))]
    _, texts = axis_ticks(1_000_000)  # one unit for a whole linear axis
    assert texts == ["0", *map(nb, ("0,2 mln", "0,4 mln", "0,6 mln", "0,8 mln", "1 mln"))]
    values, texts = axis_ticks(30_000_000, 3_000, log=True)
    assert values == [1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000]
    assert texts == list(map(nb, ("1 000", "10 000", "100 000", "1 mln", "10 mln", "100 mln")))
    values, _ = axis_ticks(5e6, 1e5, log=True)  # few decades: 2 and 5 between the powers of ten
    assert values == [1e5, 2e5, 5e5, 1e6, 2e6, 5e6]
    values, texts = axis_ticks(math.nan)
    assert values and texts[0] == "0"


def test_widget_format_strings_group_with_the_same_space():
    # Streamlit's sprintf groups thousands with the character after a ' flag (see the module docstring).
    assert PRINTF_INT == f"%'{NBSP},d" and PRINTF_PLN == f"%'{NBSP},.0f{NBSP}PLN"
    assert PLOTLY_SEPARATORS == "," + NBSP  # plotly: the decimal mark, then the thousands separator


def test_reasons_and_flags_in_words():
    assert reasons_text("revenue|quality_main|growth") == "revenue below threshold, main account quality, growth"
    assert reasons_text("suspended|export") == "suspended account, low exportable share"
    assert reasons_text("") == "" and reasons_text(None) == ""
    assert reasons_text("something_new") == "something_new"  # a code not listed is kept, not dropped
    frame = pd.DataFrame({"reasons": pd.Categorical(["revenue|growth", ""]), "flags": ["", "condition"]})
    people = decisions_for_people(frame)
    assert people["reasons"].tolist() == ["revenue below threshold, growth", ""]
    assert people["flags"].tolist() == ["", "few products in condition New"]


def decisions(*rows: tuple[str, str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["status", "reasons"])


def test_headline_names_the_most_common_reason():
    d = decisions(
        *[("qualified", "")] * 3,
        ("not_qualified", "revenue"),
        ("not_qualified", "revenue|growth"),
        ("not_qualified", "no_revenue"),  # no revenue at all misses the revenue threshold too
        ("not_qualified", "growth"),
        ("not_qualified", "ratings"),
    )
    assert headline(d) == (
        "3 of 8 companies qualify under the published thresholds; most of the rest miss the revenue threshold."
    )


def test_headline_counts_review_apart_and_says_how_many_when_no_majority():
    d = decisions(
        ("qualified", ""),
        ("review", ""),
        ("review", ""),
        ("not_qualified", "revenue"),
        ("not_qualified", "revenue"),
        ("not_qualified", "growth"),
        ("not_qualified", "ratings"),
        ("not_qualified", "business_account"),
    )
    assert headline(d, "under this scenario") == (
        "1 of 8 companies qualify under this scenario and 2 more pass but go to review for a flag; "
        "2 of the other 5, the most common reason, miss the revenue threshold."
    )


def test_headline_edge_cases():
    assert headline(decisions()) == "There are no companies in the data yet."
    assert headline(decisions(("qualified", ""), ("qualified", ""))) == (
        "2 of 2 companies qualify under the published thresholds."
    )
    big = decisions(*[("qualified", "")] * 121, *[("not_qualified", "revenue")] * 2279)
    assert headline(big) == "121 of 2" + NBSP + "400" + (
        " companies qualify under the published thresholds; all of the rest miss the revenue threshold."
    )
