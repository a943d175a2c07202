"""Times issue 9's decision support at production size on this machine.

    python benchmarks/bench_targets.py [--companies 150000] [--months 24]

On bench_engine's synthetic dataset: a threshold curve and a target search for the largest category and each
threshold kind (target: under 50 ms each, gates included), the program-wide scale search, and a What-if rerun's
engine work — decide for the scenario plus everything the page shows from it: the per-category comparison, who
enters and who leaves, the summary, the program view, the curve and the category's target search (target: under
60 ms; the program-wide search runs when asked, and is timed on its own).
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
SHOWN_FLIPS = 200  # ui/workbench.py's SHOWN_FLIPS (not imported: that module needs Streamlit)


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

    def rerun() -> None:
        """What the What-if page computes on a control move: every tab is drawn on each run."""
        g = gates(metrics, scenario_policy)
        scenario = decide(metrics, scenario_policy, g)
        base_by_category["qualified"] - by_category(scenario)["qualified"]  # Edit: per-category change
        flips(baseline, scenario, policy, scenario_policy, limit=SHOWN_FLIPS)  # Edit: the largest changes
        summary(baseline, scenario, policy, scenario_policy, "Thresholds −10 %")  # Edit and Program
        program_view(scenario, metrics)  # Program
        cand = candidates(metrics, scenario_policy, category, "company", g)  # Curves and targets
        curve_of(cand, metrics)
        answer = target_of(cand, int(cand.count_at(cand.current)) - 5)
        if not answer.reachable:
            alternatives(metrics, scenario_policy, category, answer.count, "company", g)

    line("What-if rerun: decide + every comparison the page shows", timed(rerun), 60)
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
