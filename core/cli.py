"""Command line: `python -m core evaluate | target | sweep | compare | report | policy | sample`.

Exit codes: 0 success, 2 bad input (the problems go to stderr, never a traceback: the first
``LISTED_PROBLEMS`` of them, the rest counted by kind; ``--problems FILE`` writes them all as CSV).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

import pandas as pd

from .compact import CompactDataset, load_compact
from .comparison import compare_scenarios
from .dataset import DataError
from .decide import decide
from .explain import by_category, headline, path_counts, status_counts
from .formatting import count, excerpt
from .metrics import compute_metrics
from .nip import clean_nip, format_nip, is_valid_nip
from .parameters import THRESHOLD_KINDS
from .policy import Policy, PolicyError
from .program import summary
from .report import STATUS_STYLE, UnknownCompany, seller_report
from .sample import SAMPLE_PARAMS, write_sample
from .targets import alternatives, curve, describe_target, target

EXIT_BAD_INPUT = 2
LISTED_PROBLEMS = 50  # a terminal shows this many; the rest are counted by kind


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core", description="Allegro Diamond Partners eligibility")
    sub = parser.add_subparsers(dest="command", required=True)

    ev = _data_parser(sub, "evaluate", "decide every company of a dataset and write the decisions file")
    ev.add_argument("--out", help="decisions CSV to write; default: standard output")

    tg = _data_parser(sub, "target", "which value of one threshold gives exactly N qualified companies in a category")
    tg.add_argument("--category", required=True, help="the main category, as the published table spells it")
    tg.add_argument("--count", type=int, required=True, help="the number of qualified companies wanted")
    tg.add_argument("--threshold", choices=THRESHOLD_KINDS, default="company", help="which threshold to move")
    tg.add_argument("--json", action="store_true", help="print one JSON object instead of a sentence")

    sw = _data_parser(sub, "sweep", "write a threshold curve: qualified companies at every step of one threshold")
    sw.add_argument("--category", required=True, help="the main category, as the published table spells it")
    sw.add_argument("--threshold", choices=THRESHOLD_KINDS, default="company", help="which threshold to move")
    sw.add_argument("--out", help="curve CSV to write; default: standard output")

    cp = _data_parser(sub, "compare", "qualified companies per category under the baseline and each policy", many=True)
    cp.add_argument("--out", required=True, help="CSV to write: category, baseline, then a column per scenario")

    rp = sub.add_parser("report", help="write one company's one-page PDF report (for a sales person to send)")
    rp.add_argument("--accounts", required=True, help="accounts table (CSV, XLSX or Parquet)")
    rp.add_argument("--revenue", help="revenue table (leave out when --accounts is a workbook with both sheets)")
    rp.add_argument("--nip", required=True, help="the company's NIP: 583-106-03-84, 5831060384 or PL5831060384")
    rp.add_argument("--policy", help="policy file (YAML or JSON); default: the published policy")
    rp.add_argument("--as-of", help="as-of month YYYY-MM; default: the latest month in the revenue table")
    rp.add_argument("--out", required=True, help="PDF file to write")

    sub.add_parser("policy", help="print the default (published) policy as YAML")

    sm = sub.add_parser("sample", help="write a synthetic dataset (accounts.csv, revenue.csv)")
    sm.add_argument("--companies", type=int, default=SAMPLE_PARAMS["companies"])
    sm.add_argument("--seed", type=int, default=SAMPLE_PARAMS["seed"])
    sm.add_argument("--out", required=True, help="folder to write into")

    args = parser.parse_args(argv)
    try:
        if args.command in COMMANDS:
            return COMMANDS[args.command](args)
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


def _data_parser(sub, name: str, help_text: str, many: bool = False) -> argparse.ArgumentParser:
    """A command reading a dataset (and a policy, or several with ``many``)."""
    parser = sub.add_parser(name, help=help_text)
    parser.add_argument("--accounts", required=True, help="accounts table (CSV, XLSX or Parquet)")
    parser.add_argument("--revenue", help="revenue table (leave out when --accounts is a workbook with both sheets)")
    if many:
        parser.add_argument(
            "--policy", action="append", required=True, help="a scenario's policy file (YAML or JSON); repeat it"
        )
    else:
        parser.add_argument("--policy", help="policy file (YAML or JSON); default: the published policy")
    parser.add_argument("--as-of", help="as-of month YYYY-MM; default: the latest month in the revenue table")
    parser.add_argument(
        "--problems",
        metavar="FILE",
        help="on bad input, write every problem found to this CSV file (file, row, column, value, problem)",
    )
    return parser


def _metrics(args: argparse.Namespace, policy: Policy):
    return compute_metrics(_dataset(args, policy), args.as_of)


def _dataset(args: argparse.Namespace, policy: Policy) -> CompactDataset:
    """The data in the form a dashboard session keeps (`core.compact`): at production size it is read in less
    than half the time and memory of the full `Dataset`, and everything a command does works on it."""
    return load_compact(args.accounts, args.revenue, policy)


def _policy(args: argparse.Namespace) -> Policy:
    return Policy.load(args.policy) if args.policy else Policy.default()


def _evaluate(args: argparse.Namespace) -> int:
    policy = _policy(args)
    metrics = _metrics(args, policy)
    decisions = decide(metrics, policy)
    decisions.to_csv(args.out or sys.stdout, index=False)  # the contract's columns come first
    # The summary goes wherever the decisions don't, so a pipe gets clean CSV.
    _print_summary(decisions, metrics, policy, sys.stdout if args.out else sys.stderr)
    return 0


def _report(args: argparse.Namespace) -> int:
    """The seller report of one company. The NIP is checked before the data is read, so a typo fails fast."""
    nip = clean_nip(args.nip)
    if not is_valid_nip(nip):
        raise ValueError(
            f"--nip {excerpt(args.nip, 40)!r} is not a valid NIP: 10 digits whose last is the check digit "
            "(dashes, spaces and a leading PL are allowed)"
        )
    policy = Policy.load(args.policy) if args.policy else Policy.default()
    dataset = _dataset(args, policy)
    metrics = compute_metrics(dataset, args.as_of)
    decisions = decide(metrics, policy)
    try:
        pdf = seller_report(dataset, metrics, decisions, policy, nip)
    except UnknownCompany as exc:  # a ValueError: exit 2 with the message
        raise UnknownCompany(f"{exc} ({excerpt(args.accounts, 120)})") from None
    with open(args.out, "wb") as out:
        out.write(pdf)
    row = decisions[decisions["nip"] == nip].iloc[0]
    status = STATUS_STYLE[str(row["status"])][0].lower()
    print(f"wrote {args.out} ({len(pdf) / 1024:.0f} kB): {row['company_name']}, NIP {format_nip(nip)}, {status}")
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


def _target(args: argparse.Namespace) -> int:
    policy = _policy(args)
    metrics = _metrics(args, policy)
    answer = target(metrics, policy, args.category, args.count, args.threshold)
    if args.json:
        print(json.dumps(answer.to_json(), ensure_ascii=False))
        return 0
    print(describe_target(answer))
    if not answer.reachable:
        for other in alternatives(metrics, policy, answer.category, args.count, args.threshold):
            print(f"  instead: {describe_target(other)}")
    return 0


def _sweep(args: argparse.Namespace) -> int:
    policy = _policy(args)
    steps = curve(_metrics(args, policy), policy, args.category, args.threshold)
    steps.to_csv(args.out or sys.stdout, index=False)
    if args.out:
        print(f"wrote {len(steps)} steps of the {args.threshold} threshold curve to {args.out}")
    return 0


def _compare(args: argparse.Namespace) -> int:
    baseline = Policy.default()
    scenarios: dict[str, Policy] = {}
    for path in args.policy:
        policy = Policy.load(path)
        # A file without a name of its own is named after the file (scenario.yaml -> "scenario").
        name = policy.name if policy.name != baseline.name else Path(path).stem
        if name in scenarios or name in (BASELINE_COLUMN, "category"):
            raise ValueError(f"{path}: a second column would be named {name!r}; give the scenario a name of its own")
        scenarios[name] = policy
    metrics = _metrics(args, baseline)
    decisions = {BASELINE_COLUMN: decide(metrics, baseline)}
    decisions |= {name: decide(metrics, policy) for name, policy in scenarios.items()}
    result = compare_scenarios(decisions, BASELINE_COLUMN)
    result.qualified_by_category[["category", *decisions]].to_csv(args.out, index=False)
    print(f"wrote qualified companies per category for {len(scenarios)} scenario(s) to {args.out}")
    for name, policy in scenarios.items():
        print(f"\n{name}: " + summary(decisions[BASELINE_COLUMN], decisions[name], baseline, policy, name))
    return 0


def _sample(args: argparse.Namespace) -> int:
    if args.companies < 1:
        raise ValueError("--companies must be at least 1")
    write_sample(args.out, companies=args.companies, seed=args.seed)
    print(f"wrote {count(args.companies)} companies to {args.out}")
    return 0


COMMANDS = {"evaluate": _evaluate, "target": _target, "sweep": _sweep, "compare": _compare, "report": _report}
BASELINE_COLUMN = "baseline"


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
