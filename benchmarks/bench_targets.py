"""Times issue 9's decision support at production size on this machine.

    python benchmarks/bench_targets.py [--companies 150000] [--months 24]

On bench_engine's synthetic dataset: a threshold curve and a target search for the largest category and each
threshold kind (target: under 50 ms each, gates included), the program-wide scale search, and a What-if rerun's
engine work for each tab (a tab's content runs only while it is open): decide for the scenario plus what the tab
shows from it — Edit: the per-category change, the summary, who enters and who leaves; Curves and targets: the
curve and the category's target search; Program: the program view and the summary (target: under 60 ms each;
the program-wide search runs when asked, and is timed on its own).
Each figure is a median of 20 runs, wall and CPU time of this process. The yardstick, in the same process: the
same curve's counts by DuckDB (a window count over the candidates' revenue), checked to agree.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's core, not an installed one

from bench_engine import production_dataset  # noqa: E402 - beside this script

from core import Policy, compute_metrics, decide
from core.comparison import flips
from core.decide import gates
from core.explain import by_category
from core.program import program_view, summary
from core.targets import alternatives, candidates, curve, curve_of, scale_target, target, target_of

RUNS = 20
SHOWN_FLIPS = 30  # ui/workbench.py's SHOWN_FLIPS (not imported: that module needs Streamlit)


def timed(fn) -> tuple[float, float]:
    """Median wall and CPU milliseconds of RUNS calls."""
    wall, cpu = [], []
    for _ in range(RUNS):
        w, c = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    return statistics.median(wall) * 1000, statistics.median(cpu) * 1000


def line(label: str, times: tuple[float, float], target_ms: float | None = None) -> None:
    verdict = (
        "" if target_ms is None else f"   target < {target_ms:.0f} ms: {'met' if times[0] < target_ms else 'MISSED'}"
    )
    print(f"{label:<58} median {times[0]:7.1f} ms wall, {times[1]:7.1f} ms CPU{verdict}")


def duckdb_curve(metrics, cand) -> pd.DataFrame:
    """The curve's counts in DuckDB: for each distinct candidate value, how many values are at least it."""
    frame = pd.DataFrame({"v": cand.values})
    con = duckdb.connect()
    con.register("c", frame)
    out = con.execute(
        "SELECT v, count(*) OVER (ORDER BY v DESC RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS n "
        "FROM c QUALIFY row_number() OVER (PARTITION BY v) = 1 ORDER BY v"
    ).df()
    con.close()
    return out


def main() -> None:
    start = time.perf_counter()
    dataset = production_dataset(__doc__.splitlines()[0])
    metrics = compute_metrics(dataset)
    print(
        f"{len(metrics.companies):,} companies, {len(dataset.revenue):,} revenue rows "
        f"(generated and computed in {time.perf_counter() - start:.0f} s)"
    )
    del dataset
    policy = Policy.default()
    counts = metrics.companies["main_category"].value_counts()
    category = str(counts.index[0])
    print(f"largest category: {category} ({counts.iloc[0]:,} companies)")

    line("gates (threshold-free part, once per policy)", timed(lambda: gates(metrics, policy)))
    g = gates(metrics, policy)
    for kind in ("company", "conditional", "brand"):
        cand = candidates(metrics, policy, category, kind, g)
        n = int(cand.count_at(cand.current))
        line(
            f"curve, {kind} ({len(curve(metrics, policy, category, kind, g)):,} steps), gates included",
            timed(lambda kind=kind: curve(metrics, policy, category, kind)),
            50,
        )
        line(
            f"target search, {kind} (N = {max(n - 5, 0)}), gates included",
            timed(lambda kind=kind, n=n: target(metrics, policy, category, max(n - 5, 0), kind)),
            50,
        )
    total = int((decide(metrics, policy)["status"] == "qualified").sum())
    line(
        f"program-wide scale search (N = {total - 50}), gates included",
        timed(lambda: scale_target(metrics, policy, total - 50)),
        50,
    )

    cand = candidates(metrics, policy, category, "company", g)
    duck = duckdb_curve(metrics, cand)
    ours = curve_of(cand, metrics)
    inside = duck[(duck["v"] >= cand.low) & (duck["v"] < cand.high)]
    # The step ending at each breakpoint b counts the fixed ones plus every value ≥ b.
    assert np.array_equal(ours["qualified"].to_numpy()[:-1], cand.fixed + inside["n"].to_numpy())
    line("yardstick: the same curve's counts in DuckDB (window count)", timed(lambda: duckdb_curve(metrics, cand)))

    baseline = decide(metrics, policy)
    scenario_policy = policy.scaled(0.9)

    base_by_category = by_category(baseline)  # cached once per dataset, month and policy, like the page's

    g = gates(metrics, scenario_policy)

    def edit_tab() -> None:
        """A threshold moved, the Edit tab open: decide (its gates come from the page's cache, as a threshold
        move keeps them), the per-category change, the summary and the largest changes with their sentence."""
        scenario = decide(metrics, scenario_policy, g)
        base_by_category["qualified"] - by_category(scenario)["qualified"]
        summary(baseline, scenario, policy, scenario_policy, "Thresholds −10 %")
        flips(baseline, scenario, policy, scenario_policy, limit=SHOWN_FLIPS)

    def curves_tab() -> None:
        """The Curves and targets tab: the category's curve and target search (and the other thresholds' when
        it can't be reached); the scenario's decision is the page's cached one."""
        cand = candidates(metrics, scenario_policy, category, "company", g)
        curve_of(cand, metrics)
        answer = target_of(cand, int(cand.count_at(cand.current)) - 5)
        if not answer.reachable:
            alternatives(metrics, scenario_policy, category, answer.count, "company", g)

    def program_tab() -> None:
        scenario = decide(metrics, scenario_policy, g)
        summary(baseline, scenario, policy, scenario_policy, "Thresholds −10 %")
        program_view(scenario, metrics)

    line("What-if rerun, Edit tab: decide + what the tab shows", timed(edit_tab), 60)
    line("What-if rerun, Curves and targets tab", timed(curves_tab), 60)
    line("What-if rerun, Program tab: decide + what the tab shows", timed(program_tab), 60)

    def every_tab() -> None:
        edit_tab()
        curves_tab()
        program_tab()

    line("every tab at once (were all drawn on each run)", timed(every_tab))
    line("  of which decide alone", timed(lambda: decide(metrics, scenario_policy)))
    scenario = decide(metrics, scenario_policy)
    line(
        f"  of which flips (sentences for the {SHOWN_FLIPS} shown)",
        timed(lambda: flips(baseline, scenario, policy, scenario_policy, limit=SHOWN_FLIPS)),
    )
    line("  of which the summary", timed(lambda: summary(baseline, scenario, policy, scenario_policy)))
    line("  of which the program view", timed(lambda: program_view(scenario, metrics)))
    line(
        "every flip with its sentence (the download, when clicked)",
        timed(lambda: flips(baseline, scenario, policy, scenario_policy)),
    )


if __name__ == "__main__":
    main()
