"""Checking many sellers at once: every entry gets a row, in order; unknown and malformed ones say why."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest
from prospect_data import AS_OF, HOME, N, build

from core import Policy, decide
from core.bulk import (
    BLOCKED_BY,
    BULK_COLUMNS,
    COMPANY,
    ENTRY,
    FOUND_AS,
    GAP,
    GAP_PCT,
    MAX_BYTES,
    MAX_ENTRIES,
    NEAREST,
    NIP,
    NOTE,
    PATH,
    STATUS,
    BulkInputError,
    check_many,
    nip_problem,
    read_entries,
    split_entries,
)
from core.formatting import pct, pln
from core.nip import nip_check_digit


@pytest.fixture(scope="module")
def data():
    ds, metrics = build()
    return ds, decide(metrics, Policy.default())


def dashed(n: str) -> str:
    return f"{n[:3]}-{n[3:6]}-{n[6:8]}-{n[8:]}"


def check(data, entries):
    ds, decisions = data
    return check_many(entries, decisions, ds.accounts, Policy.default(), AS_OF)


def test_every_entry_gets_a_row_in_the_order_given(data):
    unknown_nip = N[11]  # valid, but no company has it
    wrong_check = N[0][:9] + str((int(N[0][9]) + 1) % 10)
    entries = [
        dashed(N[0]),
        f"PL {N[1][:3]} {N[1][3:6]} {N[1][6:8]} {N[1][8:]}",
        "Q2",
        unknown_nip,
        wrong_check,
        "12345",
        "nobody",
        N[0],
    ]
    out = check(data, entries)
    assert list(out.columns) == BULK_COLUMNS
    assert out[ENTRY].tolist() == entries
    assert out[FOUND_AS].tolist() == ["NIP", "NIP", "account ID", "", "", "", "", "NIP"]
    assert out[NIP].tolist() == [N[0], N[1], N[8], "", "", "", "", N[0]]
    assert out[COMPANY].tolist() == ["Alfa", "Beta", "Theta", "", "", "", "", "Alfa"]
    assert out[STATUS].tolist() == [
        "not qualified",
        "not qualified",
        "qualified",
        "unknown",
        "malformed",
        "malformed",
        "unknown",
        "not qualified",
    ]
    notes = out[NOTE].tolist()
    assert notes[3] == "a valid NIP, but no company with it in the data"
    assert notes[4] == f"the check digit is wrong: the last digit should be {N[0][9]}, not {wrong_check[9]}"
    assert notes[5] == "5 digits: a NIP has 10"
    assert notes[6] == "no account ID or NIP in the data matches"


def test_blocking_criterion_and_gap_in_words_with_figures(data):
    out = check(data, [N[0], N[1], N[2], N[7], N[8], N[9]]).set_index(NIP)
    alfa = out.loc[N[0]]
    assert alfa[BLOCKED_BY] == (
        f"revenue: {pln(5_700_000)} in {HOME}, {pln(300_000)} short of the standard threshold {pln(6_000_000)}"
    )
    assert (alfa[NEAREST], alfa[GAP], alfa[GAP_PCT]) == ("standard", 300_000, pytest.approx(0.05))
    beta = out.loc[N[1]]  # nearer the conditional path than the standard one
    assert beta[BLOCKED_BY].startswith(f"revenue: {pln(2_850_000)} in {HOME}, {pln(150_000)} short of the conditional")
    assert (beta[NEAREST], beta[GAP]) == ("conditional", 150_000)
    gamma = out.loc[N[2]]  # fails revenue and ratings: both, in the rules' order
    assert gamma[BLOCKED_BY].endswith(f"; positive ratings {pct(0.9, 2)}, below {pct(0.99, 2)}")
    eta = out.loc[N[7]]  # review: passes revenue and the gates, a flag is raised
    assert (eta[STATUS], eta[PATH], eta[BLOCKED_BY]) == ("review", "standard", "flag: an account is suspended")
    assert eta[NEAREST] == "" and pd.isna(eta[GAP])  # no revenue gap for a company that passes revenue
    theta = out.loc[N[8]]
    assert (theta[STATUS], theta[PATH], theta[BLOCKED_BY]) == ("qualified", "standard", "")
    iota = out.loc[N[9]]
    assert iota[BLOCKED_BY] == (
        f"no revenue in the 12 months to {AS_OF}; no revenue in the previous 12 months: growth can't be judged"
    )
    assert pd.isna(iota[GAP]) and iota[NEAREST] == ""


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("583-106-03-84", None),
        ("5831060384", None),
        ("PL 583 106 03 84", None),
        ("pl5831060384", None),
        ("583106038", "9 digits: a NIP has 10"),
        ("5831060385", "the check digit is wrong: the last digit should be 4, not 5"),
        ("12A", "not a NIP: a NIP is 10 digits (spaces, dashes and a leading PL are allowed)"),
    ],
)
def test_nip_forms(entry, problem):
    # 5831060384: 5·6 + 8·5 + 3·7 + 1·2 + 0·3 + 6·4 + 0·5 + 3·6 + 8·7 = 191; 191 mod 11 = 4, the last digit.
    assert nip_problem(entry) == problem


def test_nine_digits_whose_check_digit_would_be_ten():
    nine = next(f"{k:09d}" for k in range(100_000_000, 100_001_000) if nip_check_digit(f"{k:09d}") == 10)
    assert nip_problem(nine + "0") == "no valid NIP starts with these 9 digits (their check digit would be 10)"


def test_pasted_lists_split_on_lines_semicolons_commas_and_tabs():
    text = 'NIP\n583-106-03-84\r\n"PL 583 106 03 84"; A1,\tB2\n\n  \n'
    assert split_entries(text) == ["583-106-03-84", "PL 583 106 03 84", "A1", "B2"]


def test_uploaded_files_one_column(data):
    assert read_entries("list.txt", b"5831060384\nA1\n") == ["5831060384", "A1"]
    csv = "nip;name\n583-106-03-84;Firma, s.c.\nA1;Other\n".encode("cp1250")
    assert read_entries("list.csv", csv) == ["583-106-03-84", "A1"]  # the first column only
    book = openpyxl.Workbook()
    sheet = book.active
    for value in ["NIP", 5831060384, "PL 583 106 03 84", None, "A1"]:
        sheet.append([value])
    buffer = io.BytesIO()
    book.save(buffer)
    assert read_entries("list.xlsx", buffer.getvalue()) == ["5831060384", "PL 583 106 03 84", "A1"]


def test_input_is_bounded_with_a_clear_message(data):
    with pytest.raises(BulkInputError, match=f"at most {MAX_ENTRIES} can be checked at once"):
        split_entries("\n".join(["5831060384"] * (MAX_ENTRIES + 1)))
    assert len(split_entries("\n".join(["5831060384"] * MAX_ENTRIES))) == MAX_ENTRIES
    with pytest.raises(BulkInputError, match="longer than 1 MB"):
        split_entries("x" * (MAX_BYTES + 1))
    with pytest.raises(BulkInputError, match="larger than 1 MB"):
        read_entries("big.txt", b"x" * (MAX_BYTES + 1))
    with pytest.raises(BulkInputError, match="upload a .txt, .csv or .xlsx"):
        read_entries("list.pdf", b"%PDF")
    with pytest.raises(BulkInputError, match="list.xlsx: not a readable Excel workbook"):
        read_entries("list.xlsx", b"not a zip")
    long = check(data, ["x" * 500])
    assert long[STATUS].tolist() == ["malformed"] and long[ENTRY].str.len().iloc[0] <= 80


def test_a_workbook_longer_than_the_cap_is_refused_with_the_cap():
    def workbook(rows: int) -> bytes:
        book = openpyxl.Workbook()
        for i in range(rows):
            book.active.append([f"A{i}"])
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()

    assert len(read_entries("list.xlsx", workbook(MAX_ENTRIES))) == MAX_ENTRIES
    with pytest.raises(BulkInputError, match=f"at most {MAX_ENTRIES} can be checked at once: split it"):
        read_entries("list.xlsx", workbook(MAX_ENTRIES + 1))
    with pytest.raises(BulkInputError, match=f"has more than {MAX_ENTRIES} rows"):
        read_entries("list.xlsx", workbook(MAX_ENTRIES + 5))


def test_ten_thousand_entries_are_checked_quickly(data):
    import time

    entries = [N[i % 10] for i in range(MAX_ENTRIES)]
    start = time.perf_counter()
    out = check(data, entries)
    assert len(out) == MAX_ENTRIES
    assert time.perf_counter() - start < 5  # about 0.4 s on the busy dev machine
