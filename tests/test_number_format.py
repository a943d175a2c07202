"""No figure on any page, nor in the CLI summary, is written in a format other than the app's one
(core.formatting: '3 500 000 PLN' with no-break spaces, '12,5 %', '3,5 mln').

The scan reads what AppTest sees of every page — titles, text, captions, metrics, messages, widget
labels, options and help, the text columns of tables and the text of charts (tick labels, bar labels,
annotations) — and looks for the other formats issue 11 found: '3,500,000', '99.0', '2400', '5M' /
'400k', '0%', and thousands grouped with a plain space. Left out, because they are not figures: months
(2026-10), NIPs (10 digits), the error ID, and text quoted from the program's page (“…”, which keeps
the page's own words). Cells of user data (names, IDs) are not scanned: they are the user's text.
Table cells with numbers are formatted in the browser (printf formats, tested in tests/test_formatting.py
and seen by tests/test_browser.py); here the cells written in Python are scanned.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 60

# Figures that are not numbers to format: months and dates, NIPs, years.
ALLOWED = re.compile(r"\b\d{4}-\d{2}(?:-\d{2})?\b|\b\d{10}\b|\b(?:19|20)\d{2}\b")
OTHER_FORMATS = {
    "thousands comma": re.compile(r"(?<![\d,])[1-9]\d{0,2}(?:,\d{3})+(?![\d,]|\u00a0%)"),
    "decimal point": re.compile(r"\d\.\d"),
    "unseparated big number": re.compile(r"(?<![\d\w])\d{4,}(?![\d\w])"),
    "thousands with a plain space": re.compile(r"\d \d{3}(?!\d)"),
    "percent without a space": re.compile(r"\d%"),
    "k or M abbreviation": re.compile(r"\b\d+(?:[.,]\d+)?\s?[kKM]\b"),
}
QUOTED = re.compile(r"“[^”]*”")
USER_COLUMNS = {
    "nip",
    "company_name",
    "account_id",
    "account_name",
    "main_account_id",
    "brand_account_id",
    "name",
    "description",
    "author",
    "file",
    "value",
    "scenario",
    "updated",
    "month",
}


def other_formats(text: str) -> list[str]:
    """Every figure in ``text`` written in another format, with what is wrong with it."""
    text = ALLOWED.sub("", QUOTED.sub("", text))
    return [
        f"{what}: {m.group(0)!r} in {text[:160]!r}" for what, rx in OTHER_FORMATS.items() for m in rx.finditer(text)
    ]


def test_the_scan_catches_each_other_format():
    for wrong in ("3,500,000 PLN", "99.0 %", "2400 companies", "5M", "400k", "0%", "2 400 companies"):
        assert other_formats(wrong), wrong
    for right in ("3\u00a0500\u00a0000 PLN", "12,5\u00a0%", "0,025\u00a0%", "3,5\u00a0mln", "2026-10", "as of 2026-10"):
        assert not other_formats(right), right
    assert not other_formats("NIP 5261040828 · “Threshold for companies 3,500,000 PLN”")


def _chart_texts(spec: str) -> list[str]:
    """The texts a plotly figure draws: tick labels, bar and funnel labels, annotations, titles, names."""
    out: list[str] = []

    def walk(node, key=""):
        if isinstance(node, dict):
            for k, v in node.items():
                if k not in ("hovertemplate", "customdata", "meta", "uid", "x", "y", "tickformat", "separators"):
                    walk(v, k)
        elif isinstance(node, list):
            for v in node:
                walk(v, key)
        elif isinstance(node, str) and key in ("text", "ticktext", "name"):
            out.append(node)

    walk(json.loads(spec))
    return out


def page_texts(at: AppTest) -> list[str]:
    """Every text a person reads on the page AppTest rendered."""
    texts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "text", "info", "warning", "error", "success"):
        texts += [str(e.value) for e in getattr(at, kind)]
    for m in at.metric:
        texts += [m.label, str(m.value), m.help or ""]
    for kind in ("button", "radio", "selectbox", "multiselect", "slider", "select_slider", "number_input", "checkbox"):
        for w in at.get(kind):
            texts += [w.label, getattr(w, "help", None) or ""]
            texts += [str(o) for o in getattr(w, "options", None) or []]
    for e in at.get("expander"):
        texts.append(e.label)
    for frame in at.dataframe:
        value = frame.value
        data = value.data if hasattr(value, "data") else value  # a Styler keeps the frame in .data
        for column in data.columns:
            if column not in USER_COLUMNS and (
                data[column].dtype == object or pd.api.types.is_string_dtype(data[column])
            ):
                texts += [str(v) for v in data[column].dropna()]
    for chart in at.get("plotly_chart"):
        texts += _chart_texts(chart.proto.spec)
    return [t for t in texts if t]


def app(page: str | None = None) -> AppTest:
    at = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def assert_one_format(at: AppTest) -> None:
    found = [problem for text in page_texts(at) for problem in other_formats(text)]
    assert not found, "\n".join(found[:20])


@pytest.mark.parametrize("page", [None, "app_pages/data.py", "app_pages/whatif.py", "app_pages/seller.py"])
def test_every_page_writes_numbers_in_the_one_format(page):
    at = app(page)
    assert len(page_texts(at)) > 10
    assert_one_format(at)


def test_a_scenario_and_a_seller_write_numbers_in_the_one_format():
    """The texts that only appear once something is chosen: a scenario's changes and who flips (What-if),
    a seller's checklist and gaps (Seller check)."""
    at = app("app_pages/whatif.py")
    at.slider(key="w:scale").set_value(80).run()
    at.select_slider(key="w:criteria/min_positive_ratings_pct").set_value(98.5).run()
    assert not at.exception
    assert any("why" in getattr(d.value, "data", d.value).columns for d in at.dataframe)  # the flips table
    assert_one_format(at)
    at.switch_page("app_pages/seller.py").run()
    sample = pd.read_csv(ROOT / "sample_data" / "accounts.csv", dtype=str)
    at.text_input(key="seller_query").input(sample["nip"].iloc[0]).run()
    assert not at.exception and any("criterion" in getattr(d.value, "data", d.value).columns for d in at.dataframe)
    assert_one_format(at)
    at.switch_page("app_pages/overview.py").run()
    assert_one_format(at)  # the Overview under a scenario


def test_the_cli_summary_writes_numbers_in_the_one_format(tmp_path):
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "core",
            "evaluate",
            "--accounts",
            str(ROOT / "sample_data" / "accounts.csv"),
            "--revenue",
            str(ROOT / "sample_data" / "revenue.csv"),
            "--out",
            str(tmp_path / "decisions.csv"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert "companies qualify under the published thresholds" in run.stdout  # the headline
    lines = run.stdout.splitlines()
    found = [p for line in lines for p in other_formats(line)]
    assert not found, "\n".join(found)
