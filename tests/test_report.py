"""The seller report (core.report): one A4 page whose text says who, when, the status, every criterion
and the gap; `python -m core report`; the Seller page's download. Text is read back with pypdf."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from builders import account, dataset, growing_seller, monthly, nip
from pypdf import PdfReader
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from core import Policy, compute_metrics, decide, load_dataset
from core.explain import gap_sentence
from core.formatting import pln
from core.nip import format_nip
from core.report import UnknownCompany, seller_report

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"
A4 = (595, 842)
ISSUE_NIP = "5831060384"  # the seller of issue 11: 97 706 PLN short of the conditional threshold
POLISH = "ąćęłńóśźżĄĆĘŁŃÓŚŹŻ"


@pytest.fixture(scope="module")
def sample():
    data = load_dataset(SAMPLE / "accounts.csv", SAMPLE / "revenue.csv")
    metrics = compute_metrics(data)
    return data, metrics, decide(metrics, Policy.default())


def read(pdf: bytes) -> tuple[PdfReader, str]:
    """The document and its text with every run of whitespace (line breaks, no-break spaces) as one space."""
    reader = PdfReader(io.BytesIO(pdf))
    return reader, " ".join("".join(page.extract_text() for page in reader.pages).split())


def words(text: str) -> str:
    return " ".join(text.split())


def assert_one_a4_page(reader: PdfReader) -> None:
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - A4[0]) <= 1 and abs(float(box.height) - A4[1]) <= 1


def report(sample, nip_: str, policy: Policy | None = None) -> bytes:
    data, metrics, decisions = sample
    if policy is not None:
        decisions = decide(metrics, policy)
    return seller_report(data, metrics, decisions, policy or Policy.default(), nip_, prepared=date(2026, 11, 25))


def test_report_is_one_a4_page_with_name_nip_status_category_and_gap(sample):
    _, metrics, decisions = sample
    polish = decisions["company_name"].str.contains(f"[{POLISH}]")
    usable = decisions["main_category_growth"] > decisions["peer_benchmark"]
    row = decisions[polish & usable & ~decisions["revenue_ok"]].iloc[0]
    pdf = report(sample, row["nip"])
    reader, text = read(pdf)
    assert_one_a4_page(reader)
    assert row["company_name"] in text and any(c in row["company_name"] for c in POLISH)
    assert f"NIP {format_nip(row['nip'])}" in text
    assert "NOT QUALIFIED" in text
    assert f"Main category: {row['main_category']}" in text
    sentence = gap_sentence(row, metrics.as_of)
    assert "reaches the conditional threshold" in sentence and words(sentence) in text
    assert f"As of {metrics.as_of}" in text and "Prepared 2026-11-25" in text
    assert f"Current 12 months {metrics.current_window[0]} to {metrics.current_window[1]}" in text
    assert pdf.startswith(b"%PDF-") and len(pdf) < 100_000


def test_the_issue_seller_gets_the_conditional_gap_sentence(sample):
    _, text = read(report(sample, "PL 583-106-03-84"))  # any common form of the NIP
    expected = (
        f"{pln(97_706)} more revenue in Home Decoration & Office in the 12 months to 2026-10 reaches the "
        "conditional threshold"
    )
    assert words(expected) in text
    assert words(pln(3_097_706)) not in text


def test_every_criterion_with_actual_required_result_and_rule(sample):
    _, _, decisions = sample
    row = decisions[decisions["nip"] == ISSUE_NIP].iloc[0]
    _, text = read(report(sample, ISSUE_NIP))
    for criterion in (
        "Main-category revenue ≥ company threshold",
        "Positive ratings of the main account",
        "Quarters beating the same quarter a year earlier",
        "Share of products in condition New",
    ):
        assert criterion in text
    assert words(f"{pln(row['main_category_revenue'])} {pln(row['company_threshold'])} ✖ fails published") in text
    assert "✔ passes" in text and "our reading" in text and "✔ no flag" in text
    assert "Monthly revenue in Home Decoration & Office" in text and "company ÷ 12" in text
    assert "no setting changed from the published policy" in text


def test_statuses_and_a_scenario_are_named(sample):
    _, _, decisions = sample
    qualified = decisions[decisions["status"] == "qualified"].iloc[0]
    _, text = read(report(sample, qualified["nip"]))
    assert "✔ QUALIFIED" in text and f"Revenue path: {qualified['path']}" in text
    assert "Revenue passes on the" in text
    review = decisions[decisions["status"] == "review"].iloc[0]
    _, text = read(report(sample, review["nip"]))
    assert "! REVIEW" in text and re.search(r"Flags: \d raised", text) and "! flagged" in text
    scenario = Policy.default().with_value("growth.min_yoy_growth", 0.05)[0]
    _, text = read(report(sample, qualified["nip"], scenario))
    assert "a scenario that differs from the published policy in 1 setting (growth.min_yoy_growth)" in text


def test_polish_letters_survive_and_hostile_text_cannot_break_the_page():
    """Every Polish letter, control characters, characters the font lacks, and everything as long as the
    page allows: still one page, the name readable, nothing drawn over the footer."""
    n = nip(0)
    long_id = "K" * 200
    accounts = [
        account("A1", n, account_name=f"Zażółć gęślą jaźń {POLISH} sp. z o.o.", main_account=True),
        account(long_id, n, account_name="Name\twith\ncontrol\x00chars 😀 中文 " + "x" * 300, brand_zone=True),
        *[account(f"B{i}", n, account_name="Ó" * 120, sales_quality="Neutral") for i in range(6)],
    ]
    accounts[0]["sales_quality"] = "Good"
    accounts[0]["transaction_problem_rate"] = 0.2
    accounts[0]["exportable_share"] = 0.1
    accounts[0]["new_condition_share"] = 0.1
    accounts[0]["positive_ratings_pct"] = 90
    accounts[0]["suspended"] = True
    rev = growing_seller("A1", "Building & Accessories", 1_000_000, 2_000_000) + growing_seller(
        long_id, "Fashion", 100_000, 200_000
    )
    data = dataset(accounts, rev)
    metrics = compute_metrics(data, "2026-10")
    policy = Policy.default().scaled(0.9, name="Ś" * 200)
    decisions = decide(metrics, policy)
    pdf = seller_report(data, metrics, decisions, policy, n)
    reader, text = read(pdf)
    assert_one_a4_page(reader)
    assert f"Zażółć gęślą jaźń {POLISH} sp. z o.o." in text
    assert "\x00" not in text and "control chars" in text  # control characters became spaces
    assert "中" not in text and "control chars 😀 ??" in text  # a character the font lacks shows as '?'
    assert "Quality and growth: 3 of 7 criteria fail" in text and "Flags: 4 raised" in text
    assert "and 4 more" in text  # 8 accounts: the first 4 are named


def test_a_company_without_revenue_has_no_main_category():
    n = nip(1)
    data = dataset([account("Z1", n), account("Y1", nip(2))], growing_seller("Y1", "Fashion", 10, 10))
    metrics = compute_metrics(data, "2026-10")
    decisions = decide(metrics, Policy.default())
    reader, text = read(seller_report(data, metrics, decisions, Policy.default(), n))
    assert_one_a4_page(reader)
    assert "Main category: none" in text and "no revenue path applies" in text
    assert "No revenue in the 24 months 2024-11 to 2026-10." in text  # no empty chart
    # Revenue only in the previous window: no main category, the chart shows every category, no threshold.
    data = dataset([account("P1", n)], monthly("P1", "Garden", "2024-11", "2025-10", 50_000))
    metrics = compute_metrics(data, "2026-10")
    decisions = decide(metrics, Policy.default())
    reader, text = read(seller_report(data, metrics, decisions, Policy.default(), n))
    assert_one_a4_page(reader)
    assert "Monthly revenue, all categories" in text and words(f"previous {pln(600_000)}") in text


def test_unknown_or_malformed_nip(sample):
    data, metrics, decisions = sample
    with pytest.raises(UnknownCompany, match="no company with NIP 526-025-02-74"):
        seller_report(data, metrics, decisions, Policy.default(), "5260250274")
    with pytest.raises(UnknownCompany):
        seller_report(data, metrics, decisions, Policy.default(), "not a nip")


# -- the command line ---------------------------------------------------------------------------------


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "core", "report", "--accounts", str(SAMPLE / "accounts.csv"), "--revenue",
         str(SAMPLE / "revenue.csv"), *args],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_cli_writes_the_report_of_the_sample(tmp_path):
    out = tmp_path / "report.pdf"
    run = cli("--nip", "583-106-03-84", "--as-of", "2026-09", "--out", str(out))
    assert run.returncode == 0, run.stderr
    assert "583-106-03-84" in run.stdout and str(out) in run.stdout
    reader, text = read(out.read_bytes())
    assert_one_a4_page(reader)
    assert "As of 2026-09" in text and "NIP 583-106-03-84" in text


def test_cli_refuses_an_unknown_or_malformed_nip_with_exit_2(tmp_path):
    out = tmp_path / "report.pdf"
    unknown = cli("--nip", "PL5260250274", "--out", str(out))
    assert unknown.returncode == 2
    assert "no company with NIP 526-025-02-74" in unknown.stderr and "Traceback" not in unknown.stderr
    malformed = cli("--nip", "583-106-03-85", "--out", str(out))  # wrong check digit
    assert malformed.returncode == 2 and "is not a valid NIP" in malformed.stderr
    assert not out.exists()


# -- the Seller page ----------------------------------------------------------------------------------


def test_seller_page_offers_the_report_of_the_selected_company(monkeypatch):
    """The page registers the report's builder with the download button (built when clicked); the test
    catches that builder on its way to Streamlit's file manager and runs it, as a click would."""
    deferred: dict[str, object] = {}
    register = MediaFileManager.add_deferred

    def capture(self, data_callable, mimetype, coordinates, file_name=None, **kw):
        deferred[file_name or ""] = data_callable
        return register(self, data_callable, mimetype, coordinates, file_name, **kw)

    monkeypatch.setattr(MediaFileManager, "add_deferred", capture)
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.run()
    at.switch_page("app_pages/seller.py").run()
    at.text_input(key="seller_query").input(ISSUE_NIP).run()
    assert not at.exception, [e.value for e in at.exception]
    labels = [b.label for b in at.get("download_button")]
    assert "⬇ Download seller report (PDF)" in labels and "⬇ CSV" in labels  # the checklist's own too
    build = deferred[f"diamond_partners_{ISSUE_NIP}_2026-10.pdf"]
    reader, text = read(build())  # type: ignore[operator]
    assert_one_a4_page(reader)
    assert "NIP 583-106-03-84" in text and "Kowalczyk i Sikora s.c." in text
    # The checklist's CSV from the same page says whose it is, in words and numbers.
    checklist = pd.read_csv(
        io.BytesIO(deferred[f"checklist_{ISSUE_NIP}_2026_10.csv"]()),  # type: ignore[operator]
        encoding="utf-8-sig",
        dtype=str,
        keep_default_na=False,
    )
    assert set(checklist["NIP"]) == {"583-106-03-84"} and set(checklist["As of"]) == {"2026-10"}
    assert set(checklist["Company"]) == {"Kowalczyk i Sikora s.c."}
    assert set(checklist["Result"]) == {"passes", "fails"}
    assert float(checklist.loc[0, "Actual"]) == pytest.approx(2_902_293.58)
