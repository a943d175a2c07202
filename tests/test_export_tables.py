"""Table downloads with an About sheet and number formats (prospects, bulk check): the Excel cells are numbers
with a PLN or % format, text that looks like a formula stays text, and the CSV is the table as shown."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from ui.export import EXCEL_FORMATS, csv_view, to_csv_table, to_excel_table

KINDS = {"Gap (PLN)": "money", "Gap (%)": "share"}


@pytest.fixture
def frame():
    return pd.DataFrame(
        {
            "Company": ['=HYPERLINK("http://x")', "Firma; -1", "Plain"],
            "NIP": ["0123456789", "5831060384", "1000000006"],
            "Gap (PLN)": [300_000.0, 150_000.5, float("nan")],
            "Gap (%)": [0.05, 0.125, float("nan")],
        }
    )


def test_excel_has_an_about_sheet_first_and_the_table_with_number_formats(frame):
    data = to_excel_table(frame, KINDS, sheet="prospects", about=[("Scenario", "Baseline"), ("As-of month", "2026-10")])
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["About", "prospects"]
    about = book["About"]
    assert [[c.value for c in row] for row in about.iter_rows()] == [
        ["Scenario", "Baseline"],
        ["As-of month", "2026-10"],
    ]
    table = book["prospects"]
    rows = [[c.value for c in row] for row in table.iter_rows()]
    assert rows[0] == list(frame.columns)
    assert [r[2] for r in rows[1:]] == [300_000, 150_000.5, None]
    assert [r[3] for r in rows[1:]] == [0.05, 0.125, None]
    assert table["C2"].number_format == EXCEL_FORMATS["money"] and table["D3"].number_format == EXCEL_FORMATS["share"]
    assert table["C2"].data_type == "n"
    # Text: a NIP keeps its leading zero; a formula-like text stays text (neutralised with a leading ').
    assert rows[1][1] == "0123456789" and table["B2"].data_type == "s"
    assert table["A2"].data_type == "s" and rows[1][0] == '\'=HYPERLINK("http://x")'


def test_csv_is_the_pure_table_with_shares_as_percentages(frame):
    shown = csv_view(frame, KINDS)
    assert shown["Gap (%)"].tolist()[:2] == [5.0, 12.5]
    text = to_csv_table(frame, KINDS).decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == '"Company","NIP","Gap (PLN)","Gap (%)"'
    assert len(lines) == 4  # no About lines: a plain table any spreadsheet opens
    back = pd.read_csv(io.StringIO(text), dtype={"NIP": str})
    assert back["NIP"].tolist() == frame["NIP"].tolist()
    assert back["Gap (PLN)"].tolist()[:2] == [300_000.0, 150_000.5]
    assert back["Company"].iloc[0].startswith("'=")
