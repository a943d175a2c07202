"""CSV downloads stay inert in a spreadsheet that splits the line on a different separator.

A comma-separated file opened by a Polish Excel is split on ``;`` (and quotes do not protect a ``;``
in the middle of a field), so every piece of every line, split on ``,`` or on ``;`` with quotes
ignored, must not start a formula — while numbers, negative ones included, stay numbers.
"""

from __future__ import annotations

import csv
import io
import re

import pandas as pd
import pytest

from ui.export import neutralise_csv, to_csv_bytes

FORMULA_CHARS = "=+-@\t\r"
NUMBER = re.compile(r"-?\d+(\.\d+)?")


def hostile_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "company_name": pd.Series(["Firma;=1+1", "a,@SUM(1)", 'x; "+48 600', "Nowak s.c.", "line\n-2+3", "=cmd"],
                                  dtype="str"),
        "gap": [-1.5, 2.0, -3.25, 0.0, 7.0, -8.0],
        "count": [-1, 2, 3, -4, 5, 6],
        "status": pd.Categorical(["qualified", "review", "qualified", "review", "review", "qualified"]),
    })


def pieces(text: str, sep: str) -> list[str]:
    """Every cell a careless spreadsheet could make: lines split on ``sep`` with quotes ignored."""
    return [piece for line in text.splitlines() for piece in line.split(sep)]


@pytest.mark.parametrize("sep", [",", ";"])
def test_no_piece_starts_a_formula_whatever_the_separator(sep):
    text = to_csv_bytes(hostile_frame()).decode("utf-8-sig")
    for piece in pieces(text, sep):
        start = piece.lstrip(' "')
        if start[:1] in FORMULA_CHARS:
            assert NUMBER.fullmatch(start.rstrip('"')), f"{piece!r} would start a formula"


def test_the_comma_reading_gives_back_the_values_with_a_quote_before_each_formula_start():
    text = to_csv_bytes(hostile_frame()).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["company_name", "gap", "count", "status"]
    assert [r[0] for r in rows[1:]] == ["Firma;'=1+1", "a,'@SUM(1)", "x; \"'+48 600", "Nowak s.c.", "line\n'-2+3", "'=cmd"]
    assert [r[1] for r in rows[1:]] == ["-1.5", "2.0", "-3.25", "0.0", "7.0", "-8.0"]  # numbers stay numbers
    assert [r[2] for r in rows[1:]] == ["-1", "2", "3", "-4", "5", "6"]


def test_every_field_is_quoted():
    text = to_csv_bytes(hostile_frame()).decode("utf-8-sig")
    first = text.splitlines()[1]
    assert first == '"Firma;\'=1+1","-1.5","-1","qualified"'


@pytest.mark.parametrize("value, expected", [
    ("Firma;=1+1", "Firma;'=1+1"),
    ("a,@SUM(1)", "a,'@SUM(1)"),
    ("-2", "'-2"),           # text that looks like a number is still text: neutralised
    ("a - b", "a - b"),      # a dash inside text, not after a separator, is harmless
    ("a;b", "a;b"),
    (-1, -1),
    (None, None),
])
def test_neutralise_csv(value, expected):
    assert neutralise_csv(value) == expected
