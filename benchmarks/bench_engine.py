"""Times the two halves of the engine at production size on this machine.

    python benchmarks/bench_engine.py [--companies 150000] [--months 24]

Generates a synthetic dataset (about 164,000 accounts and 8 million revenue rows by default),
then reports compute_metrics (once per dataset and month: best of 3) and decide (every slider
move: median of 30) separately, as the dashboard runs them. The yardstick, in the same process on the
same frames: DuckDB's GROUP BY of the revenue rows by company and category over both windows (the
core of compute_metrics, without the rest of its figures), checked to give the same current-window
total.
"""

from __future__ import annotations

import argparse
import statistics
import time

import duckdb

from core import Dataset, Policy, compute_metrics, decide
from core.sample import generate_dataset


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def duckdb_windows(dataset, as_of: int) -> float:
    """Revenue per company and category in the current and previous 12 months, summed in DuckDB; returns
    the current window's grand total (to check against compute_metrics)."""
    revenue = dataset.revenue.assign(month=dataset.revenue["month"].array.asi8)  # period ordinals
    accounts = dataset.accounts[["account_id", "nip"]]
    con = duckdb.connect()
    con.register("revenue", revenue)
    con.register("accounts", accounts)
    frame = con.execute(
        """SELECT a.nip, r.category,
                  sum(CASE WHEN r.month BETWEEN $m - 11 AND $m THEN r.revenue END) AS rev_c,
                  sum(CASE WHEN r.month BETWEEN $m - 23 AND $m - 12 THEN r.revenue END) AS rev_p
           FROM revenue r JOIN accounts a USING (account_id)
           GROUP BY ALL""",
        {"m": as_of},
    ).df()
    con.close()
    return float(frame["rev_c"].sum())


def production_dataset(description: str) -> Dataset:
    """The synthetic dataset at the size the command line asks for (production size by default): the one
    both benchmarks measure."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--companies", type=int, default=150_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    return generate_dataset(companies=args.companies, seed=args.seed, months=args.months)


def main() -> None:
    start = time.perf_counter()
    dataset = production_dataset(__doc__.splitlines()[0])
    print(
        f"generated {len(dataset.accounts):,} accounts, {len(dataset.revenue):,} revenue rows "
        f"in {time.perf_counter() - start:.1f} s"
    )

    metrics_times = timed(lambda: compute_metrics(dataset), 3)
    metrics = compute_metrics(dataset)
    print(
        f"compute_metrics: best {min(metrics_times):.2f} s of 3 "
        f"({len(metrics.companies):,} companies, as of {metrics.as_of})"
    )

    yardstick = duckdb_windows(dataset, metrics.as_of.ordinal)
    duck_times = timed(lambda: duckdb_windows(dataset, metrics.as_of.ordinal), 3)
    assert round(yardstick, 2) == round(float(metrics.companies["total_revenue"].sum()), 2)
    print(
        f"yardstick, DuckDB {duckdb.__version__} GROUP BY company, category, window: best {min(duck_times):.2f} s of 3"
    )

    policy = Policy.default()
    scenario = policy.scaled(0.9)
    decide(metrics, policy)  # warm-up
    decide_times = timed(lambda: decide(metrics, scenario), 30)
    print(
        f"decide: median {statistics.median(decide_times) * 1000:.1f} ms, best {min(decide_times) * 1000:.1f} ms of 30"
    )


if __name__ == "__main__":
    main()
