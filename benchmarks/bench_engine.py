"""Times the two halves of the engine at production size on this machine.

    python benchmarks/bench_engine.py [--companies 150000] [--months 24]

Generates a synthetic dataset (about 164,000 accounts and 8 million revenue rows by default),
then reports compute_metrics (once per dataset and month: best of 3) and decide (every slider
move: median of 30) separately, as the dashboard runs them.
"""

from __future__ import annotations

import argparse
import statistics
import time

from core import Policy, compute_metrics, decide
from core.sample import generate_dataset


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=150_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    start = time.perf_counter()
    dataset = generate_dataset(companies=args.companies, seed=args.seed, months=args.months)
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

    policy = Policy.default()
    scenario = policy.scaled(0.9)
    decide(metrics, policy)  # warm-up
    decide_times = timed(lambda: decide(metrics, scenario), 30)
    print(
        f"decide: median {statistics.median(decide_times) * 1000:.1f} ms, best {min(decide_times) * 1000:.1f} ms of 30"
    )


if __name__ == "__main__":
    main()
