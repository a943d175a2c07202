"""`python -m core`: evaluate, policy, sample — exit codes, files written, messages for bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from core import DECISION_COLUMNS, Policy, evaluate, load_dataset

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "core", *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_evaluate_writes_the_decisions_file_of_the_sample(tmp_path):
    out = tmp_path / "decisions.csv"
    run = cli(
        "evaluate",
        "--accounts",
        str(SAMPLE / "accounts.csv"),
        "--revenue",
        str(SAMPLE / "revenue.csv"),
        "--out",
        str(out),
    )
    assert run.returncode == 0, run.stderr
    decisions = pd.read_csv(out, dtype={"nip": str, "reasons": str, "flags": str, "path": str}, keep_default_na=False)
    assert list(decisions.columns[: len(DECISION_COLUMNS)]) == DECISION_COLUMNS
    assert decisions["nip"].str.fullmatch(r"\d{10}").all()
    expected = evaluate(load_dataset(SAMPLE / "accounts.csv", SAMPLE / "revenue.csv"))
    assert (decisions["status"].tolist()) == expected["status"].astype(str).tolist()
    assert (decisions["reasons"].tolist()) == expected["reasons"].astype(str).tolist()
    assert "qualified" in run.stdout and "Fashion" in run.stdout  # the per-category summary


def test_evaluate_with_a_policy_and_as_of(tmp_path):
    policy = tmp_path / "scenario.yaml"
    policy.write_text("name: Everything halved\ncategories:\n  Fashion: {company: 1600000, conditional: 400000}\n")
    out = tmp_path / "d.csv"
    run = cli(
        "evaluate",
        "--accounts",
        str(SAMPLE / "accounts.csv"),
        "--revenue",
        str(SAMPLE / "revenue.csv"),
        "--policy",
        str(policy),
        "--as-of",
        "2026-06",
        "--out",
        str(out),
    )
    assert run.returncode == 0, run.stderr
    assert "Everything halved — as of 2026-06 (window 2025-07..2026-06)" in run.stdout


def test_evaluate_to_standard_output_keeps_the_summary_off_it():
    run = cli("evaluate", "--accounts", str(SAMPLE / "accounts.csv"), "--revenue", str(SAMPLE / "revenue.csv"))
    assert run.returncode == 0
    assert run.stdout.splitlines()[0].startswith(",".join(DECISION_COLUMNS))
    assert "companies:" in run.stderr


def test_bad_input_exits_2_with_every_problem_and_no_traceback(tmp_path):
    accounts = tmp_path / "accounts.csv"
    accounts.write_text(
        "account_id,nip,business_account,sales_quality,positive_ratings_pct\n"
        "A1,1234567890,yes,Good,99.5\n"
        "A2,5260250274,maybe,Grate,101\n"
    )
    revenue = tmp_path / "revenue.csv"
    revenue.write_text("account_id,category,month,revenue\nA1,Fashon,2026-13,-5\n")
    run = cli("evaluate", "--accounts", str(accounts), "--revenue", str(revenue))
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    for fragment in (
        "accounts.csv, row 2, column nip",
        "row 3, column business_account",
        "Grate",
        "Good",
        "positive_ratings_pct",
        "revenue.csv, row 2, column category",
        "Fashion",
        "2026-13",
        "-5",
    ):
        assert fragment in run.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["--accounts", "nowhere.csv", "--revenue", "nowhere.csv"], "nowhere.csv: cannot read the file"),
        (["--as-of", "2026-13"], "as-of month"),
        (["--policy", "POLICY"], "categories.Fashion: conditional threshold"),
    ],
)
def test_other_bad_input_exits_2(tmp_path, args, message):
    policy = tmp_path / "p.yaml"
    policy.write_text("categories:\n  Fashion: {conditional: 9000000}\n")
    args = [str(policy) if a == "POLICY" else a for a in args]
    if "--accounts" not in args:
        args = ["--accounts", str(SAMPLE / "accounts.csv"), "--revenue", str(SAMPLE / "revenue.csv"), *args]
    run = cli("evaluate", *args)
    assert run.returncode == 2 and message in run.stderr and "Traceback" not in run.stderr


def test_policy_prints_the_published_policy_as_yaml():
    run = cli("policy")
    assert run.returncode == 0
    assert Policy.from_text(run.stdout) == Policy.default()
    assert "Automotive:" in run.stdout and "peer_percentile: 50" in run.stdout


def test_sample_writes_a_dataset_that_evaluates(tmp_path):
    run = cli("sample", "--companies", "200", "--seed", "3", "--out", str(tmp_path))
    assert run.returncode == 0, run.stderr
    data = load_dataset(tmp_path / "accounts.csv", tmp_path / "revenue.csv")
    assert data.accounts["nip"].nunique() == 200
    assert (
        cli(
            "evaluate",
            "--accounts",
            str(tmp_path / "accounts.csv"),
            "--revenue",
            str(tmp_path / "revenue.csv"),
            "--out",
            str(tmp_path / "d.csv"),
        ).returncode
        == 0
    )
