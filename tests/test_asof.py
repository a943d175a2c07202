"""The as-of month's windows: months without revenue rows, the warning that names them, complete months."""

from __future__ import annotations

import pandas as pd

from core.asof import as_of_warnings, complete_months, window_gaps, windows


def months(first: str, last: str) -> list[pd.Period]:
    return list(pd.period_range(first, last, freq="M"))


DATA = months("2024-11", "2026-10")  # 24 months, as the sample: only 2026-10 has both windows complete


def test_windows_are_the_twelve_months_to_the_as_of_and_the_twelve_before():
    w = windows("2026-10")
    assert w["current"] == (pd.Period("2025-11", "M"), pd.Period("2026-10", "M"))
    assert w["previous"] == (pd.Period("2024-11", "M"), pd.Period("2025-10", "M"))


def test_a_month_with_both_windows_covered_has_no_warning():
    assert window_gaps(DATA, "2026-10") == []
    assert as_of_warnings(DATA, "2026-10") == []
    assert complete_months(DATA) == [pd.Period("2026-10", "M")]


def test_an_early_month_names_the_window_and_how_many_months_lack_revenue():
    # As of 2025-05 the previous window is 2023-06 … 2024-05: none of it is in the data (12 of 12 missing);
    # the current window 2024-06 … 2025-05 lacks 2024-06 … 2024-10 (5 months).
    gaps = window_gaps(DATA, "2025-05")
    assert [(g.window, len(g.missing)) for g in gaps] == [("current", 5), ("previous", 12)]
    assert gaps[0].missing[0] == pd.Period("2024-06", "M") and gaps[0].missing[-1] == pd.Period("2024-10", "M")
    assert as_of_warnings(DATA, "2025-05") == [
        "The current window 2024-06 … 2025-05 has no revenue in 5 of its 12 months: revenue is undercounted, so "
        "companies fall short of thresholds they may meet; pick 2026-10, the only month with both windows complete.",
        "The previous window 2023-06 … 2024-05 has no revenue in 12 of its 12 months: growth and the conditional "
        "path can't be judged; pick 2026-10, the only month with both windows complete.",
    ]


def test_the_brief_example_previous_window_missing_seven_months():
    data = months("2024-06", "2026-10")  # 29 months: 2026-06 … 2026-10 have both windows complete
    [warning] = as_of_warnings(data, "2025-10")
    assert warning == (
        "The previous window 2023-11 … 2024-10 has no revenue in 7 of its 12 months: growth and the conditional "
        "path can't be judged; pick a month from 2026-05 to 2026-10."
    )


def test_a_hole_inside_the_data_is_found_too():
    data = [m for m in months("2023-01", "2026-10") if m != pd.Period("2025-03", "M")]
    [gap] = window_gaps(data, "2025-12")
    assert (gap.window, gap.missing) == ("current", (pd.Period("2025-03", "M"),))
    assert complete_months(data)[0] == pd.Period("2024-12", "M")  # 2023-01 … 2024-12, before the hole


def test_less_than_24_months_says_no_month_is_complete():
    [previous] = as_of_warnings(months("2025-01", "2026-10"), "2026-10")  # 2024-11, 2024-12 lack rows
    assert previous.endswith("no month of this data has both windows complete (that needs 24 months of revenue rows).")


def test_the_sidebar_says_it_in_one_short_sentence():
    from core.asof import short_warning

    assert short_warning(DATA, "2026-10") is None
    assert short_warning(DATA, "2025-05") == (
        "The current window lacks revenue in 5 of 12 months and the previous window lacks revenue in 12 of 12 "
        "months. Counts are not reliable: pick 2026-10."
    )
