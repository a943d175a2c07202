"""Command line: `python -m core evaluate | policy | sample`.

Exit codes: 0 success, 2 bad input (the problems go to stderr, never a traceback: the first
``LISTED_PROBLEMS`` of them, the rest counted by kind; ``--problems FILE`` writes them all as CSV).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter

import pandas as pd

from .dataset import DataError
from .decide import decide
from .explain import by_category, headline, path_counts, status_counts
from .formatting import count
from .loading import load_dataset
from .metrics import compute_metrics
from .policy import Policy, PolicyError
from .sample import SAMPLE_PARAMS, write_sample

EXIT_BAD_INPUT = 2
LISTED_PROBLEMS = 50  # a terminal shows this many; the rest are counted by kind


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core", description="Allegro Diamond Partners eligibility")
    sub = parser.add_subparsers(dest="command", required=True)

    ev = sub.add_parser("evaluate", help="decide every company of a dataset and write the decisions file")
    ev.add_argument("--accounts", required=True, help="accounts table (CSV, XLSX or Parquet)")
    ev.add_argument("--revenue", help="revenue table (leave out when --accounts is a workbook with both sheets)")
    ev.add_argument("--policy", help="policy file (YAML or JSON); default: the published policy")
    ev.add_argument("--as-of", help="as-of month YYYY-MM; default: the latest month in the revenue table")
    ev.add_argument("--out", help="decisions CSV to write; default: standard output")
    ev.add_argument(
        "--problems",
        metavar="FILE",
        help="on bad input, write every problem found to this CSV file (file, row, column, value, problem)",
    )

    sub.add_parser("policy", help="print the default (published) policy as YAML")

    sm = sub.add_parser("sample", help="write a synthetic dataset (accounts.csv, revenue.csv)")
    sm.add_argument("--companies", type=int, default=SAMPLE_PARAMS["companies"])
    sm.add_argument("--seed", type=int, default=SAMPLE_PARAMS["seed"])
    sm.add_argument("--out", required=True, help="folder to write into")

    args = parser.parse_args(argv)
    try:
        if args.command == "evaluate":
            return _evaluate(args)
        if args.command == "policy":
            sys.stdout.write(Policy.default().to_yaml())
            return 0
        return _sample(args)
    except DataError as exc:
        _report_problems(exc, getattr(args, "problems", None))
    except PolicyError as exc:
        _print_problems(exc.problems)
    except (ValueError, OSError) as exc:
        _print_problems([str(exc)])
    except MemoryError:  # the loader bounds what it reads; this is the last line of defence
        _print_problems(["out of memory while reading the input"])
    return EXIT_BAD_INPUT


def _evaluate(args: argparse.Namespace) -> int:
    policy = Policy.load(args.policy) if args.policy else Policy.default()
    dataset = load_dataset(args.accounts, args.revenue, policy)
    metrics = compute_metrics(dataset, args.as_of)
    decisions = decide(metrics, policy)
    decisions.to_csv(args.out or sys.stdout, index=False)  # the contract's columns come first
    # The summary goes wherever the decisions don't, so a pipe gets clean CSV.
    _print_summary(decisions, metrics, policy, sys.stdout if args.out else sys.stderr)
    return 0


def _print_summary(decisions: pd.DataFrame, metrics, policy: Policy, stream) -> None:
    first, last = metrics.current_window
    counts = status_counts(decisions)
    paths = path_counts(decisions)
    print(f"{policy.name} — as of {metrics.as_of} (window {first}..{last})", file=stream)
    print(
        f"{count(len(decisions))} companies: {count(counts['qualified'])} qualified "
        f"({', '.join(f'{k} {count(v)}' for k, v in paths.items())}), {count(counts['review'])} review, "
        f"{count(counts['not_qualified'])} not qualified",
        file=stream,
    )
    print(headline(decisions, _scope(policy)), file=stream)
    table = by_category(decisions)[["category", "companies", "qualified", "review", "not_qualified"]]
    shown = table.rename(columns={"not_qualified": "not qualified"})
    print(shown.to_string(index=False, formatters={c: count for c in shown.columns[1:]}), file=stream)


def _scope(policy: Policy) -> str:
    return "under the published thresholds" if policy == Policy.default() else f"under {policy.name}"


def _sample(args: argparse.Namespace) -> int:
    if args.companies < 1:
        raise ValueError("--companies must be at least 1")
    write_sample(args.out, companies=args.companies, seed=args.seed)
    print(f"wrote {count(args.companies)} companies to {args.out}")
    return 0


def _report_problems(error: DataError, path: str | None) -> None:
    """Every problem to ``path`` (CSV) when given, then the usual listing on stderr."""
    if path:
        try:
            error.to_frame().to_csv(path, index=False)
        except OSError as exc:
            print(f"error: cannot write the problems to {path} ({exc.strerror or exc})", file=sys.stderr)
            path = None
    kinds = [f"{p.file}{f', column {p.column}' if p.column else ''}: {_kind(p.message)}" for p in error.problems]
    _print_problems([str(p) for p in error.problems], kinds, path)


def _kind(message: str) -> str:
    """What a message says without its particulars ('duplicate account_id: first on row 7' → 'duplicate
    account_id'; 'unknown category (did you mean …)' → 'unknown category'), to count problems alike."""
    return re.split(r"[:;(]", message, maxsplit=1)[0].strip()


def _print_problems(messages: list[str], kinds: list[str] | None = None, written_to: str | None = None) -> None:
    print(f"error: {count(len(messages))} problem(s) in the input:", file=sys.stderr)
    for m in messages[:LISTED_PROBLEMS]:
        print(f"  - {m}", file=sys.stderr)
    rest = len(messages) - LISTED_PROBLEMS
    if rest > 0:
        print(f"  … and {count(rest)} more, by kind:", file=sys.stderr)
        for kind, n in Counter((kinds or messages)[LISTED_PROBLEMS:]).most_common():
            print(f"    {count(n)} × {kind}", file=sys.stderr)
    if written_to:
        print(f"every problem is in {written_to}", file=sys.stderr)
    elif rest > 0:
        print("(--problems FILE writes them all as CSV)", file=sys.stderr)
