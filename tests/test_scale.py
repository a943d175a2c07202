"""Bounded data for the browser whatever the number of companies (issue 10 §3): every chart's figure and every
table stays under a fixed size at 200,000 companies."""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core import Policy, compute_metrics, decide
from core.comparison import compare_scenarios
from core.explain import compare_by_category, funnel
from core.lookup import company_categories, company_monthly
from core.sample import generate_dataset
from ui import charts

N = 200_000
# The largest a figure may be, in bytes of its JSON (what Streamlit sends): the distribution is bounded by its
# bins (at most 15 categories × 60 bins), every other chart by the categories, stages or one company's months.
FIGURE_BYTES = {"revenue_distribution": 300_000}
OTHER_FIGURE_BYTES = 40_000


@pytest.fixture(scope="module")
def small():
    dataset = generate_dataset(companies=2_000, seed=9, months=24)
    return dataset, compute_metrics(dataset)


@pytest.fixture(scope="module")
def big(small) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Baseline and scenario decisions of 200,000 companies: 2,000 real decisions repeated 100 times, each
    copy with its own NIPs and its revenue spread by a random factor (generating and deciding 200,000
    companies for real takes 20 s; the figures only read these columns)."""
    _, metrics = small
    frames = decide(metrics, Policy.default()), decide(metrics, Policy.default().scaled(0.8))
    copies = N // len(frames[0])
    rng = np.random.default_rng(0)
    factor = np.exp(rng.normal(0, 0.5, N))
    out = []
    for frame in frames:
        tiled = pd.concat([frame] * copies, ignore_index=True)
        tiled["nip"] = [f"{i // len(frame):03d}{nip}" for i, nip in enumerate(tiled["nip"])]
        for column in ("main_category_revenue", "total_revenue", "gap"):
            tiled[column] = tiled[column] * factor
        out.append(tiled)
    assert len(out[0]) == N
    return out[0], out[1]


def size(fig) -> int:
    return len(fig.to_json())


def test_every_figure_is_bounded_at_200000_companies(small, big):
    dataset, metrics = small
    baseline, scenario = big
    nip = metrics.companies["nip"].iloc[0]
    comparison = compare_scenarios({"Baseline": baseline, "Scenario": scenario}, "Baseline")
    figures = {
        "revenue_distribution": charts.revenue_distribution(scenario, Policy.default().scaled(0.8)),
        "qualifiers_by_category/path": charts.qualifiers_by_category(scenario, by="path"),
        "qualifiers_by_category/status": charts.qualifiers_by_category(scenario, by="status"),
        "funnel_chart": charts.funnel_chart(funnel(scenario)),
        "baseline_vs_scenario": charts.baseline_vs_scenario(compare_by_category(baseline, scenario)),
        "scenarios_by_category": charts.scenarios_by_category(comparison.by_category, "Baseline"),
        "company_monthly": charts.company_monthly(
            company_monthly(dataset, nip), metrics.current_window, metrics.previous_window
        ),
        "company_categories": charts.company_categories(company_categories(metrics, Policy.default(), nip)),
        "qualifiers_by_month": charts.qualifiers_by_month(
            pd.DataFrame(
                {
                    "month": [str(m) for m in pd.period_range("2023-01", periods=48, freq="M")],
                    "qualified": range(48),
                    "review": range(48),
                    "complete": [True] * 48,
                }
            ),
            "2026-12",
        ),
    }
    every = {
        name
        for name, f in inspect.getmembers(charts, inspect.isfunction)
        if f.__module__ == charts.__name__
        and not name.startswith("_")
        and f.__annotations__.get("return") == "go.Figure"
    }
    assert every == {k.split("/")[0] for k in figures}, "a new chart needs its case here"
    sizes = {name: size(fig) for name, fig in figures.items()}
    for name, n in sizes.items():
        assert n <= FIGURE_BYTES.get(name, OTHER_FIGURE_BYTES), (name, n)
    assert sizes["revenue_distribution"] < 0.03 * 12.6 * 2**20  # was 12.6 MiB at 150,000 companies


def test_the_distribution_does_not_grow_with_the_companies(small, big):
    _, metrics = small
    few = decide(metrics, Policy.default())
    many, _ = big
    assert size(charts.revenue_distribution(many, Policy.default())) < 3 * size(
        charts.revenue_distribution(few, Policy.default())
    )


def _big_table(rows: int) -> None:
    import pandas as pd
    import streamlit as st

    from ui import components

    frame = pd.DataFrame({"nip": [f"{i:010d}" for i in range(rows)], "total_revenue": range(rows)})
    st.session_state["frame"] = frame
    components.table(frame, "companies", key="big", order="in NIP order")


def test_a_long_table_sends_its_first_rows_and_says_so():
    at = AppTest.from_function(_big_table, args=(N,), default_timeout=60).run()
    assert not at.exception
    [shown] = [d.value for d in at.dataframe]
    assert len(shown) == 1000
    assert list(shown["nip"].iloc[:2]) == ["0000000000", "0000000001"]
    assert any("first 1 000 of 200 000 rows, in NIP order" in c.value.replace("\u00a0", " ") for c in at.caption)
    assert len(at.get("download_button")) == 2  # built from the whole frame when clicked


def test_a_short_table_is_shown_whole_without_a_caption():
    at = AppTest.from_function(_big_table, args=(20,), default_timeout=60).run()
    [shown] = [d.value for d in at.dataframe]
    assert len(shown) == 20 and not at.caption


def test_the_decision_support_figures_are_bounded():
    """A threshold curve of 20,000 steps sends the MAX_STEPS around the current value; the program view has a
    row per category whatever the number of companies."""
    import numpy as np

    from ui import target_charts

    n = 20_000
    starts = np.arange(n, dtype=float) * 100 + 800_000
    steps = pd.DataFrame(
        {
            "threshold": starts,
            "qualified": np.arange(n)[::-1] + 5,
            "revenue_share": np.linspace(0.9, 0.1, n),
            "up_to": starts + 99.99,
            "leaves_above": [f"Company {i}" for i in range(n)],
            "leaves_nip": ["5260250274"] * n,
        }
    )
    fig = target_charts.threshold_curve(steps, "company", "Fashion", baseline=3_200_000, current=1_500_000)
    assert sum(len(t.x) for t in fig.data) <= 2 * (target_charts.MAX_STEPS + 1)
    assert size(fig) <= OTHER_FIGURE_BYTES * 4


def test_the_default_limits_admit_the_real_program_at_a_million_accounts():
    """Issue 10 §2: 1,000,000 accounts with 24 months of revenue in a couple of categories (about 50 M rows) get in
    by default, and the dashboard's upload limit is the loader's own (.streamlit/config.toml)."""
    import tomllib
    from pathlib import Path

    from core.loading import MAX_BYTES, MAX_ROWS

    assert MAX_ROWS >= 1_000_000 * 24 * 2
    # The Parquet pair of 1,000,000 companies (benchmarks/bench_load.py --million) is 19 + 272 MB; its revenue
    # CSV would be about 2 GB, which is why the Data page says Parquet is best for large data.
    assert MAX_BYTES >= 300 * 2**20
    config = tomllib.loads((Path(__file__).parent.parent / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] * 2**20 == MAX_BYTES
