"""load_dataset: every normalisation rule of rules.md §1, every bad input, every input form."""

from __future__ import annotations

import builtins
import datetime as dt
import io
import logging
import os
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from core import evaluate
from core.dataset import ACCOUNT_COLUMNS, REVENUE_COLUMNS, DataError, Problem
from core.loading import CATEGORY_ALIASES, MAX_PROBLEMS, load_dataset
from core.policy import CATEGORIES, Policy

REAL_WORLD = Path(__file__).parent / "fixtures" / "real_world"

ACCOUNTS_HEADER = "account_id,account_name,nip,business_account,sales_quality,positive_ratings_pct"
ACCOUNTS = ACCOUNTS_HEADER + "\nA1,Alfa,5260250274,true,Good,99.5\nA2,Beta,9512345600,false,Neutral,98\n"
REVENUE = "account_id,category,month,revenue\nA1,Electronics,2024-01,100\nA2,Garden,2024-02,200\n"


def load(accounts: str | bytes = ACCOUNTS, revenue: str | bytes = REVENUE, **kw):
    as_bytes = [s.encode() if isinstance(s, str) else s for s in (accounts, revenue)]
    kw = {"accounts_name": "accounts.csv", "revenue_name": "revenue.csv", **kw}
    return load_dataset(*as_bytes, **kw)


def problems(accounts: str | bytes = ACCOUNTS, revenue: str | bytes = REVENUE, **kw) -> list[Problem]:
    with pytest.raises(DataError) as caught:
        load(accounts, revenue, **kw)
    return caught.value.problems


def only(found: list[Problem], message: str, **where) -> Problem:
    """The single problem at ``where`` (file, row, column); its message must contain ``message``."""
    matching = [p for p in found if all(getattr(p, k) == v for k, v in where.items())]
    assert len(matching) == 1, f"expected one problem at {where}, got {matching} among {found}"
    assert message.lower() in matching[0].message.lower(), matching[0]
    return matching[0]


def account(row: str) -> str:
    """An accounts file: A1 on row 2, then ``row`` on row 3."""
    return f"{ACCOUNTS_HEADER}\nA1,Alfa,5260250274,true,Good,99.5\n{row}\n"


def revenue(*rows: str) -> str:
    return "account_id,category,month,revenue\n" + "\n".join(rows) + "\n"


def workbook(**sheets: list[list]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def parquet(frame: pd.DataFrame) -> bytes:
    out = io.BytesIO()
    frame.to_parquet(out, index=False)
    return out.getvalue()


def frames(accounts: str = ACCOUNTS, revenue: str = REVENUE) -> tuple[pd.DataFrame, pd.DataFrame]:
    return (
        pd.read_csv(io.StringIO(accounts), dtype=str, keep_default_na=False),
        pd.read_csv(io.StringIO(revenue), dtype=str, keep_default_na=False),
    )


# -- the result ------------------------------------------------------------------------------


def test_result_has_the_contract_columns_types_and_order():
    ds = load(
        ACCOUNTS_HEADER + "\nB2,Beta,9512345600,false,Neutral,98\nA1,Alfa,5260250274,true,Good,99.5\n",
        revenue(
            "B2,Garden,2024-02,200", "A1,Garden,2024-01,1", "A1,Electronics,2024-03,100", "A1,Electronics,2024-01,5"
        ),
    )
    assert list(ds.accounts.columns) == ACCOUNT_COLUMNS
    assert list(ds.revenue.columns) == REVENUE_COLUMNS
    assert ds.accounts["account_id"].tolist() == ["A1", "B2"]
    assert ds.accounts.index.tolist() == [0, 1]
    assert ds.revenue[["account_id", "category"]].values.tolist() == [
        ["A1", "Electronics"],
        ["A1", "Electronics"],
        ["A1", "Garden"],
        ["B2", "Garden"],
    ]
    assert [str(m) for m in ds.revenue["month"]] == ["2024-01", "2024-03", "2024-01", "2024-02"]
    assert ds.revenue.index.tolist() == [0, 1, 2, 3]
    types = ds.accounts.dtypes
    for column in ("account_id", "account_name", "nip", "sales_quality"):
        assert types[column] == "str"
    for column in ("business_account", "main_account", "brand_zone", "suspended"):
        assert types[column] == np.dtype("bool")
    for column in ("positive_ratings_pct", "transaction_problem_rate", "exportable_share", "new_condition_share"):
        assert types[column] == "float64"
    assert ds.revenue.dtypes.to_dict() == {
        "account_id": "str",
        "category": "str",
        "month": pd.PeriodDtype("M"),
        "revenue": np.dtype("float64"),
    }
    assert ds.name == "accounts.csv + revenue.csv"


def test_repeated_revenue_rows_are_summed():
    ds = load(revenue=revenue("A1,Electronics,2024-01,100", "A1,electronics,2024-01-15,50.5", "A2,Garden,2024-01,1"))
    a1 = ds.revenue[ds.revenue["account_id"] == "A1"]
    assert len(a1) == 1 and a1["revenue"].iloc[0] == 150.5


def test_an_account_without_revenue_is_valid():
    ds = load(revenue=revenue("A1,Electronics,2024-01,100"))
    assert set(ds.accounts["account_id"]) == {"A1", "A2"}
    assert set(ds.revenue["account_id"]) == {"A1"}


def test_unknown_extra_columns_are_ignored():
    ds = load(
        ACCOUNTS_HEADER + ",notes\nA1,Alfa,5260250274,true,Good,99.5,whatever\nA2,Beta,9512345600,no,Good,99,\n",
        "account_id,category,month,revenue,source\nA1,Garden,2024-01,5,erp\n",
    )
    assert list(ds.accounts.columns) == ACCOUNT_COLUMNS


# -- column names ------------------------------------------------------------------------------


def test_column_names_are_matched_ignoring_case_spaces_and_bom():
    header = "\ufeff Account_ID ,ACCOUNT_NAME,  Nip,Business_Account,sales_QUALITY,Positive_Ratings_Pct  "
    ds = load(
        header + "\nA1,Alfa,5260250274,true,Good,99.5\n", " ACCOUNT_ID ;Category;MONTH;Revenue\nA1;Garden;2024-01;5\n"
    )
    assert ds.accounts["nip"].tolist() == ["5260250274"]


def test_missing_required_column_names_it_and_lists_what_the_file_has():
    found = problems("account_id,nip,business_account,sales_quality\nA1,5260250274,true,Good\n")
    p = only(found, "missing required column positive_ratings_pct", file="accounts.csv", column="positive_ratings_pct")
    assert p.row is None
    assert "account_id, nip, business_account, sales_quality" in p.message


def test_missing_revenue_columns_are_each_reported():
    found = problems(revenue="account_id,amount\nA1,5\n")
    only(found, "missing required column category", file="revenue.csv", column="category")
    only(found, "missing required column month", file="revenue.csv", column="month")
    only(found, "the file has: account_id, amount", file="revenue.csv", column="revenue")


def test_duplicate_columns_after_normalisation():
    found = problems(ACCOUNTS_HEADER + ", NIP \nA1,Alfa,5260250274,true,Good,99.5,5260250274\n")
    only(found, "appears 2 times", file="accounts.csv", column="nip")


# -- NIP ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "5260250274",
        "526 025 02 74",
        "526-025-02-74",
        "PL5260250274",
        "pl 526-025-02-74",
        "Pl5260250274",
        "5260250274.0",
        " 5260250274 ",
    ],
)
def test_nip_spaces_dashes_and_pl_prefix_are_stripped(written):
    ds = load(account(f'A2,Beta,"{written}",true,Good,99.5'))
    assert ds.accounts["nip"].tolist() == ["5260250274", "5260250274"]


def test_nip_arriving_as_a_number():
    accounts, rev = frames()
    for nip in (np.int64(5260250274), 5260250274.0):
        ds = load_dataset(accounts.assign(nip=[nip, 9512345600]), rev)
        assert ds.accounts["nip"].tolist() == ["5260250274", "9512345600"]


@pytest.mark.parametrize(
    "nip, message",
    [
        ("5260250275", "checksum"),
        ("1234567890", "checksum"),  # the weighted sum leaves 10: never valid
        ("526025027", "wrong length: a NIP has 10 digits, this one has 9"),
        ("52602502744", "this one has 11"),
        ("52602O0274", "10 digits"),
    ],
)
def test_invalid_nip(nip, message):
    found = problems(account(f"A2,Beta,{nip},true,Good,99.5"))
    assert only(found, message, file="accounts.csv", row=3, column="nip").value == nip


# -- booleans, quality, categories -------------------------------------------------------------


@pytest.mark.parametrize(
    "written, value",
    [
        ("true", True),
        ("FALSE", False),
        ("1", True),
        ("0", False),
        ("yes", True),
        ("No", False),
        ("y", True),
        ("N", False),
        ("tak", True),
        ("NIE", False),
        ("1.0", True),
        ("0.0", False),
    ],
)
def test_boolean_words(written, value):
    ds = load(account(f"A2,Beta,9512345600,{written},Good,99.5"))
    assert ds.accounts.set_index("account_id").loc["A2", "business_account"] == value


def test_real_booleans_and_numbers_as_booleans():
    accounts, rev = frames()
    ds = load_dataset(accounts.assign(business_account=[True, 0.0], suspended=[np.True_, 1]), rev)
    assert ds.accounts["business_account"].tolist() == [True, False]
    assert ds.accounts["suspended"].tolist() == [True, True]


def test_invalid_boolean():
    found = problems(account("A2,Beta,9512345600,maybe,Good,99.5"))
    only(found, "tak/nie", file="accounts.csv", row=3, column="business_account")


def test_optional_columns_take_their_defaults_when_absent_or_empty():
    header = (
        ACCOUNTS_HEADER
        + ",main_account,brand_zone,suspended,transaction_problem_rate,exportable_share,new_condition_share"
    )
    for accounts in (
        ACCOUNTS,
        header + "\nA1,,5260250274,true,Good,99.5,,,,,,\nA2,  ,9512345600,false,Good,99,,,, ,,\n",
    ):
        ds = load(accounts)
        a1 = ds.accounts.iloc[0]
        assert a1["account_name"] == ("Alfa" if accounts is ACCOUNTS else "A1")
        assert (a1["main_account"], a1["brand_zone"], a1["suspended"]) == (False, False, False)
        assert (a1["transaction_problem_rate"], a1["exportable_share"], a1["new_condition_share"]) == (0, 1, 1)


@pytest.mark.parametrize(
    "written, level",
    [
        ("good", "Good"),
        ("SUPER+", "Super+"),
        ("dobry", "Good"),
        ("Wymaga poprawy", "Needs improvement"),
        ("nieakceptowalny", "Unacceptable"),
        ("neutralny", "Neutral"),
        (" super ", "Super"),
    ],
)
def test_sales_quality_any_case_and_polish(written, level):
    ds = load(account(f"A2,Beta,9512345600,true,{written},99.5"))
    assert ds.accounts.set_index("account_id").loc["A2", "sales_quality"] == level


def test_unknown_sales_quality_suggests_the_closest_level():
    found = problems(account("A2,Beta,9512345600,true,Goood,99.5"))
    p = only(found, "did you mean 'Good'", file="accounts.csv", row=3, column="sales_quality")
    assert p.value == "Goood"


def test_sales_quality_follows_the_policy_scale():
    policy = Policy(quality_scale=["Low", "High"], criteria={"min_quality_main": "High", "min_quality_other": "Low"})
    ds = load(account("A2,Beta,9512345600,true,high,99.5").replace("Good", "low"), policy=policy)
    assert ds.accounts["sales_quality"].tolist() == ["Low", "High"]


@pytest.mark.parametrize(
    "written, category",
    [
        ("electronics", "Electronics"),
        ("HOME DECORATION & OFFICE", "Home Decoration & Office"),
        ("Motoryzacja", "Automotive"),
        ("ogród", "Garden"),
        ("Łazienka i ogrzewanie", "Bathroom & Heating"),
        ("kultura i rozrywka", "Books & Media"),
        ("Sport  i turystyka", "Sport & Leisure"),
    ],
)
def test_category_any_case_and_polish_department_names(written, category):
    ds = load(revenue=revenue(f'A1,"{written}",2024-01,5'))
    assert ds.revenue["category"].tolist() == [category]


def test_every_alias_names_a_published_category():
    assert set(CATEGORY_ALIASES.values()) == set(CATEGORIES)  # and every category has a Polish name


def test_unknown_category_suggests_the_closest():
    found = problems(revenue=revenue("A1,Electronics,2024-01,5", "A1,Elektronik,2024-01,5", "A1,Zabawki,2024-01,5"))
    only(found, "did you mean 'Electronics'", file="revenue.csv", row=3, column="category")
    p = only(found, "unknown category", file="revenue.csv", row=4, column="category")
    assert "did you mean" not in p.message and "Automotive" in p.message


# -- months ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "2024-03",
        "2024-3",
        "2024-03-31",
        "2024/03",
        "2024/03/05",
        "03.2024",
        "31.03.2024",
        "2024-03-31 00:00:00",
        "202403",
    ],
)
def test_month_formats(written):
    ds = load(revenue=revenue(f"A1,Garden,{written},5"))
    assert ds.revenue["month"].tolist() == [pd.Period("2024-03", "M")]


def test_month_from_datetimes_and_periods():
    accounts, rev = frames()
    for months in (
        [dt.datetime(2024, 1, 31), pd.Timestamp("2024-02-01")],
        pd.to_datetime(["2024-01-05", "2024-02-29"]),
        pd.PeriodIndex(["2024-01", "2024-02"], freq="M"),
        [dt.date(2024, 1, 1), dt.date(2024, 2, 1)],
        pd.to_datetime(["2024-01-05", "2024-02-29"]).tz_localize("Europe/Warsaw"),
    ):
        ds = load_dataset(accounts, rev.assign(month=months))
        assert [str(m) for m in ds.revenue["month"]] == ["2024-01", "2024-02"]


@pytest.mark.parametrize(
    "written, message",
    [
        ("2024-13", "there is no month 13"),
        ("13.2024", "there is no month 13"),
        ("2024-00", "no month 0"),
        ("31.02.2024", "not a valid date"),
        ("2024-02-30", "not a valid date"),
        ("last month", "expected a month"),
        ("2024", "expected a month"),
    ],
)
def test_impossible_months(written, message):
    found = problems(revenue=revenue("A1,Garden,2024-01,5", f"A1,Garden,{written},5"))
    assert only(found, message, file="revenue.csv", row=3, column="month").value == written


# -- numbers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written, value",
    [
        ("1234.5", 1234.5),
        ("1234,5", 1234.5),
        ("1 234,5", 1234.5),
        ("1\u00a0234,5", 1234.5),
        ("1\u202f234,50", 1234.5),
        ("1.234,56", 1234.56),
        ("1.234.567,5", 1234567.5),
        ("1,234.5", 1234.5),
        ("0", 0.0),
        ("1e3", 1000.0),
    ],
)
def test_numbers_with_decimal_comma_and_thousands_separators(written, value):
    ds = load(revenue=f"account_id;category;month;revenue\nA1;Garden;2024-01;{written}\n")
    assert ds.revenue["revenue"].tolist() == [value]


def test_percent_signs_read_in_each_columns_unit():
    # As Excel shows a percentage-formatted cell, and as its CSV export writes it.
    accounts = (ACCOUNTS_HEADER + ",transaction_problem_rate,exportable_share").replace(",", ";") + (
        "\nA1;Alfa;5260250274;true;Good;99,5%;3 %;42\u00a0%\nA2;Beta;9512345600;false;Neutral;98;0,03;0.42\n"
    )
    ds = load(accounts)
    assert ds.accounts["positive_ratings_pct"].tolist() == [99.5, 98.0]
    assert ds.accounts["transaction_problem_rate"].tolist() == [0.03, 0.03]
    assert ds.accounts["exportable_share"].tolist() == [0.42, 0.42]


@pytest.mark.parametrize(
    "column, written, message",
    [
        ("positive_ratings_pct", "101", "between 0 and 100"),
        ("positive_ratings_pct", "-1", "between 0 and 100"),
        ("positive_ratings_pct", "abc", "expected a number"),
        ("exportable_share", "1.5", "between 0 and 1"),
        ("new_condition_share", "-0,1", "between 0 and 1"),
        ("exportable_share", "60", "25 % is a quarter"),
        ("transaction_problem_rate", "300%", "between 0 and 1"),
        ("positive_ratings_pct", "101 %", "between 0 and 100"),
        ("positive_ratings_pct", "%", "expected a number"),
        ("transaction_problem_rate", "inf", "expected a number"),
    ],
)
def test_out_of_range_and_non_numbers_in_accounts(column, written, message):
    header = ACCOUNTS_HEADER + ",extra"
    rows = ["A1,Alfa,5260250274,true,Good,99.5,0", f'A2,Beta,9512345600,true,Good,99.5,"{written}"']
    if column == "positive_ratings_pct":
        rows[1] = f'A2,Beta,9512345600,true,Good,"{written}",0'
    accounts = "\n".join([header.replace("extra", column) if column != "positive_ratings_pct" else header, *rows])
    assert only(problems(accounts), message, file="accounts.csv", row=3, column=column).value == written


@pytest.mark.parametrize(
    "written, message",
    [
        ("-5", "can't be negative"),
        ("12 zł", "expected a number"),
        ("NaN", "expected a number"),
        ("1.234.567", "expected a number"),
        ("5%", "expected a number"),
    ],
)
def test_bad_revenue_numbers(written, message):
    found = problems(revenue=revenue("A1,Garden,2024-01,5", f"A1,Garden,2024-02,{written}"))
    assert only(found, message, file="revenue.csv", row=3, column="revenue").value == written


# -- rows --------------------------------------------------------------------------------------


def test_duplicate_account_id():
    found = problems(account("A1,Alfa bis,9512345600,true,Good,99.5"))
    only(found, "first on row 2", file="accounts.csv", row=3, column="account_id")


@pytest.mark.parametrize(
    "column, row",
    [
        ("account_id", ",Beta,9512345600,true,Good,99.5"),
        ("nip", "A2,Beta,,true,Good,99.5"),
        ("business_account", "A2,Beta,9512345600, ,Good,99.5"),
        ("sales_quality", "A2,Beta,9512345600,true,,99.5"),
        ("positive_ratings_pct", "A2,Beta,9512345600,true,Good,"),
    ],
)
def test_required_cells_must_be_filled(column, row):
    only(problems(account(row)), "is required", file="accounts.csv", row=3, column=column)


def test_revenue_rows_for_unknown_accounts():
    found = problems(revenue=revenue("A1,Garden,2024-01,5", "ZZ,Garden,2024-01,5"))
    assert only(found, "no such account_id", file="revenue.csv", row=3, column="account_id").value == "ZZ"


def test_two_main_accounts_in_one_nip_names_both():
    header = ACCOUNTS_HEADER + ",main_account"
    found = problems(
        f"{header}\nA1,Alfa,5260250274,true,Good,99.5,yes\nA2,Beta,9512345600,true,Good,99,yes\n"
        f"A3,Gamma,526-025-02-74,true,Good,99,tak\n"
    )
    p = only(found, "2 main accounts", file="accounts.csv", row=4, column="main_account")
    assert "A1 (row 2)" in p.message and "A3 (row 4)" in p.message and p.value == "5260250274"


def test_every_problem_is_reported_not_just_the_first():
    found = problems(account("A1,Beta,123,perhaps,Gud,150"), revenue("A1,Gardn,2024-13,-1", "ZZ,Garden,2024-01,5"))
    assert {(p.file, p.row, p.column) for p in found} == {
        ("accounts.csv", 3, "account_id"),
        ("accounts.csv", 3, "nip"),
        ("accounts.csv", 3, "business_account"),
        ("accounts.csv", 3, "sales_quality"),
        ("accounts.csv", 3, "positive_ratings_pct"),
        ("revenue.csv", 2, "category"),
        ("revenue.csv", 2, "month"),
        ("revenue.csv", 2, "revenue"),
        ("revenue.csv", 3, "account_id"),
    }


def test_problems_are_capped_with_a_summary():
    rows = [f"X{i},Garden,2024-01,5" for i in range(MAX_PROBLEMS + 500)]
    found = problems(revenue=revenue(*rows))
    assert len(found) == MAX_PROBLEMS + 1
    assert found[-1].file == "revenue.csv" and "500 more" in found[-1].message
    assert found[0].row == 2


def test_blank_rows_are_skipped_without_shifting_row_numbers():
    text = "account_id,category,month,revenue\n\nA1,Garden,2024-01,5\n,,,\n  ,, ,\nA1,Garden,2024-13,5\n\n\n"
    only(problems(revenue=text), "no month 13", file="revenue.csv", row=6, column="month")


def test_row_numbers_count_records_not_lines():
    text = (
        ACCOUNTS_HEADER + '\nA1,"Alfa\nsecond line\nthird",5260250274,true,Good,99.5\nA2,Beta,9512345600,true,Good,x\n'
    )
    only(problems(text), "expected a number", file="accounts.csv", row=3, column="positive_ratings_pct")


# -- whole files -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty"),
        (b"\n\n  \n", "empty"),
        (b";;;\n;;\n", "empty"),
        (ACCOUNTS_HEADER.encode() + b"\n", "no data rows"),
        (ACCOUNTS_HEADER.encode() + b"\n,,,,,\n\n", "no data rows"),
        (bytes(range(256)) * 4, "binary"),
        (b"PK\x03\x04 this is no workbook", "not a readable Excel workbook"),
        (b"PAR1 nor a parquet file", "not a readable Parquet file"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old", ".xls"),
        (b"\x81\x8d\x8f\x90 text in no known encoding", "Windows-1250"),
    ],
)
def test_unusable_files(content, message):
    only(problems(content), message, file="accounts.csv", row=None)


def test_row_limit_is_checked_for_every_form():
    accounts, rev = frames()
    forms = {
        "csv": ACCOUNTS.encode(),
        "frame": accounts,
        "parquet": parquet(accounts),
        "xlsx": workbook(accounts=[list(accounts.columns), *accounts.values.tolist()]),
    }
    for form, data in forms.items():
        with pytest.raises(DataError) as caught:
            load_dataset(data, REVENUE.encode(), max_rows=1)
        assert "more than 1 data rows" in caught.value.problems[0].message, form
    load_dataset(forms["xlsx"], REVENUE.encode(), max_rows=2)


def test_size_limit_is_checked_before_reading(tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_text(ACCOUNTS)

    class Upload(io.BytesIO):
        name, size = "big.csv", 10**9

        def read(self, *args):
            raise AssertionError("read a file already known to be too big")

    for source, name in (
        (path, "accounts.csv"),
        (str(path), "accounts.csv"),
        (ACCOUNTS.encode(), "accounts"),
        (Upload(), "big.csv"),
        (io.BytesIO(ACCOUNTS.encode()), "accounts"),
    ):
        with pytest.raises(DataError) as caught:
            load_dataset(source, REVENUE.encode(), max_bytes=100)
        only(caught.value.problems, "larger than the limit", file=name)


def test_unreadable_path():
    with pytest.raises(DataError) as caught:
        load_dataset("/no/such/accounts.csv", REVENUE.encode())
    only(caught.value.problems, "cannot read the file", file="accounts.csv")


def test_both_files_are_checked_even_when_one_is_unusable():
    found = problems(b"", revenue("A1,Gardn,2024-01,5"))
    only(found, "empty", file="accounts.csv")
    only(found, "unknown category", file="revenue.csv", row=2)


# -- CSV dialects and encodings ----------------------------------------------------------------


def test_semicolon_decimal_comma_windows_1250():
    accounts = (
        "account_id;account_name;nip;business_account;sales_quality;positive_ratings_pct\r\n"
        "A1;Łódź Sp. z o.o.;5260250274;tak;dobry;99,5\r\nA2;Żółw;9512345600;nie;neutralny;98\r\n"
    )
    rev = "account_id;category;month;revenue\r\nA1;Ogród;01.2024;1\u00a0234\u00a0567,89\r\n"
    ds = load(accounts.encode("cp1250"), rev.encode("cp1250"))
    assert ds.accounts["account_name"].tolist() == ["Łódź Sp. z o.o.", "Żółw"]
    assert ds.accounts["positive_ratings_pct"].tolist() == [99.5, 98.0]
    assert ds.revenue["revenue"].tolist() == [1234567.89]


def test_tab_separated_and_utf16():
    ds = load(ACCOUNTS.replace(",", "\t").encode("utf-16"), REVENUE.replace(",", "\t"))
    assert len(ds.accounts) == 2 and len(ds.revenue) == 2


def test_utf8_bom():
    ds = load(("\ufeff" + ACCOUNTS.replace("Alfa", "Kraków")).encode())
    assert ds.accounts["account_name"].tolist() == ["Kraków", "Beta"]


def test_quoted_fields_with_separators_quotes_and_line_breaks():
    name = 'Sklep "Alfa"; Kraków,\noddział 2'
    quoted = '"' + name.replace('"', '""') + '"'
    for sep in (",", ";"):
        text = ACCOUNTS.replace(",", sep).replace("Alfa", quoted, 1)
        assert load(text).accounts["account_name"].tolist()[0] == name


def test_trailing_empty_columns_and_rows_and_ragged_rows():
    accounts = (
        ACCOUNTS_HEADER.replace(",", ";")
        + ";;\nA1;Alfa;5260250274;tak;Good;99,5;;\nA2;Beta;9512345600;nie;Good;99;;;;\n;;;;;;;\n"
    )
    ds = load(accounts, "account_id,category,month,revenue,,\nA1,Garden,2024-01,5\nA2,Garden,2024-01,5,,,\n\n")
    assert len(ds.accounts) == 2 and len(ds.revenue) == 2


def test_csv_cells_are_read_as_text_so_leading_zeros_stay():
    ds = load(account("007,0012,9512345600,true,Good,99.5"), revenue("007,Garden,2024-01,5"))
    assert ds.accounts["account_id"].tolist() == ["007", "A1"]
    assert ds.accounts["account_name"].tolist() == ["0012", "Alfa"]
    assert ds.revenue["account_id"].tolist() == ["007"]


# -- Excel -------------------------------------------------------------------------------------


def test_xlsx_with_both_sheets_excel_dates_and_numbers_as_text():
    data = workbook(
        **{
            " Accounts": [
                ["account_id", "nip", "business_account", "sales_quality", "positive_ratings_pct"],
                [1001, 5260250274, True, "Good", "99,5"],
                [None],
                ["A2", 9512345600.0, "nie", "Good", 99],
            ],
            "Revenue ": [
                ["Account_ID", "category", "month", "revenue"],
                [1001, "Garden", dt.datetime(2024, 1, 1), "1 234,5"],
                ["A2", "Elektronika", dt.date(2024, 2, 29), 7],
            ],
        },
    )
    ds = load_dataset(io.BytesIO(data), None)
    assert ds.accounts["account_id"].tolist() == ["1001", "A2"]
    assert ds.accounts["nip"].tolist() == ["5260250274", "9512345600"]
    assert ds.accounts["positive_ratings_pct"].tolist() == [99.5, 99.0]
    assert ds.revenue["revenue"].tolist() == [1234.5, 7.0]
    assert [str(m) for m in ds.revenue["month"]] == ["2024-01", "2024-02"]
    assert ds.name == "accounts"


def test_xlsx_percentage_formatted_cells_are_read_as_excel_shows_them():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "accounts"
    sheet.append(["account_id", "nip", "business_account", "sales_quality", "positive_ratings_pct", "exportable_share"])
    sheet.append(["A1", 5260250274, True, "Good", 0.995, 0.42])  # shown as 99.5% and 42%
    sheet.append(["A2", 9512345600, True, "Good", 99.5, 0.9])  # plain numbers
    sheet.append(["A3", 1234563218, True, "Good", 1, 1])  # shown as 100% and 100%
    for row in (2, 4):
        sheet.cell(row, 5).number_format = "0.0%"
        sheet.cell(row, 6).number_format = "0%"
    rev = book.create_sheet("revenue")
    rev.append(["account_id", "category", "month", "revenue"])
    rev.append(["A1", "Garden", "2024-01", 5])
    out = io.BytesIO()
    book.save(out)
    ds = load_dataset(out.getvalue(), None)
    assert ds.accounts["positive_ratings_pct"].tolist() == [99.5, 99.5, 100.0]
    assert ds.accounts["exportable_share"].tolist() == [0.42, 0.9, 1.0]


def test_xlsx_problems_name_the_sheet_and_its_row():
    data = workbook(
        accounts=[
            [],
            ["account_id", "nip", "business_account", "sales_quality", "positive_ratings_pct"],
            ["A1", 5260250274, True, "Good", 99.5],
            [],
            ["A2", 123, True, "Good", 99],
        ],
        revenue=[["account_id", "category", "month", "revenue"], ["A1", "Garden", "2024-13", 5]],
    )
    with pytest.raises(DataError) as caught:
        load_dataset(data, None, accounts_name="book.xlsx")
    only(caught.value.problems, "10 digits", file="book.xlsx, sheet accounts", row=5, column="nip")
    only(caught.value.problems, "no month 13", file="book.xlsx, sheet revenue", row=2, column="month")


@pytest.mark.parametrize(
    "sheets, missing",
    [({"accounts": [["a"]], "Przychody": [["a"]]}, "revenue"), ({"Konta": [["a"]], "revenue": [["a"]]}, "accounts")],
)
def test_xlsx_missing_sheet_lists_the_sheets_it_has(sheets, missing):
    with pytest.raises(DataError) as caught:
        load_dataset(workbook(**sheets), None, accounts_name="book.xlsx")
    p = only(caught.value.problems, f"no sheet named '{missing}'", file="book.xlsx")
    assert ", ".join(sheets) in p.message


def test_revenue_none_needs_a_workbook():
    with pytest.raises(DataError) as caught:
        load_dataset(ACCOUNTS.encode(), None)
    only(caught.value.problems, "no revenue table", file="revenue")


def test_one_sheet_workbooks_for_each_table():
    accounts, rev = frames()
    ds = load_dataset(
        workbook(Sheet1=[list(accounts.columns), *accounts.values.tolist()]),
        workbook(Arkusz1=[list(rev.columns), *rev.values.tolist()]),
    )
    assert len(ds.accounts) == 2 and len(ds.revenue) == 2


def test_empty_sheet():
    with pytest.raises(DataError) as caught:
        load_dataset(workbook(accounts=[], revenue=[["account_id"]]), None, accounts_name="b.xlsx")
    only(caught.value.problems, "is empty", file="b.xlsx")


# -- Parquet, DataFrames, file-likes, bytes ----------------------------------------------------


def test_parquet_with_int64_nip_and_datetime_months():
    accounts, rev = frames()
    accounts = accounts.assign(
        nip=np.array([5260250274, 9512345600], dtype="int64"),
        business_account=[True, False],
        positive_ratings_pct=[99.5, 98.0],
    )
    rev = rev.assign(month=pd.to_datetime(rev["month"]), revenue=[100.0, 200.0])
    ds = load_dataset(parquet(accounts), parquet(rev))
    assert ds.accounts["nip"].tolist() == ["5260250274", "9512345600"]
    assert [str(m) for m in ds.revenue["month"]] == ["2024-01", "2024-02"]
    expected = load()
    pd.testing.assert_frame_equal(ds.accounts, expected.accounts, check_exact=True)
    pd.testing.assert_frame_equal(ds.revenue, expected.revenue, check_exact=True)


def test_dataframe_input_rows_are_numbered_like_a_sheet():
    accounts, rev = frames()
    with pytest.raises(DataError) as caught:
        load_dataset(accounts.assign(nip=["5260250274", "bad"]), rev, accounts_name="konta")
    only(caught.value.problems, "a NIP is 10 digits", file="konta", row=3, column="nip")


def test_dataframe_input_is_not_modified():
    accounts, rev = frames()
    before = accounts.copy()
    load_dataset(accounts, rev)
    pd.testing.assert_frame_equal(accounts, before)


def test_file_like_inputs_use_their_name_and_are_read_from_the_start():
    upload = io.BytesIO(ACCOUNTS.encode())
    upload.name = "uploads/konta.csv"
    upload.read()  # a Streamlit rerun hands over an UploadedFile already read once
    with pytest.raises(DataError) as caught:
        load_dataset(upload, io.BytesIO(revenue("ZZ,Garden,2024-01,5").encode()))
    only(caught.value.problems, "no such account_id", file="revenue", row=2)
    assert load_dataset(upload, io.StringIO(REVENUE)).name == "konta.csv + revenue"


def test_paths_and_bytes(tmp_path):
    (tmp_path / "a.txt").write_text(ACCOUNTS)  # the extension doesn't matter: the content does
    (tmp_path / "r.csv").write_text(REVENUE)
    assert load_dataset(tmp_path / "a.txt", str(tmp_path / "r.csv")).name == "a.txt + r.csv"
    assert load_dataset(ACCOUNTS.encode(), bytearray(REVENUE.encode())).name == "accounts + revenue"
    with pytest.raises(DataError) as caught:
        load_dataset(ACCOUNTS.encode(), revenue("A1,Gardn,2024-01,5").encode())
    only(caught.value.problems, "did you mean 'Garden'", file="revenue", row=2)


def test_the_fingerprint_is_a_hash_of_the_bytes_uploaded(tmp_path):
    """The dashboard shares loaded data between sessions under the fingerprint (issue 10: a hash of the upload's
    bytes, not of the parsed frame): the same bytes, however given, share it; any other bytes don't."""
    import gzip

    ds = load()
    (tmp_path / "a.csv").write_text(ACCOUNTS)
    (tmp_path / "r.csv").write_text(REVENUE)
    upload = io.BytesIO(REVENUE.encode())
    assert len(ds.fingerprint) == 64
    assert load_dataset(tmp_path / "a.csv", tmp_path / "r.csv").fingerprint == ds.fingerprint  # names don't count
    assert load_dataset(ACCOUNTS.encode(), upload).fingerprint == ds.fingerprint
    scale = Policy.default().quality_scale
    others = [
        load(revenue=REVENUE.replace(",100\n", ",100.01\n")),  # a grosz more
        load(revenue=REVENUE + "\n"),  # the same content in other bytes: another copy
        load(revenue=gzip.compress(REVENUE.encode()), revenue_name="revenue.csv.gz"),
        load(accounts=ACCOUNTS + "\n"),
        load(policy=Policy.default().with_value("quality_scale", [*scale, "Awful"])[0]),  # the reading depends on it
    ]
    fingerprints = {o.fingerprint for o in others}
    assert ds.fingerprint not in fingerprints and len(fingerprints) == len(others)
    # Frames given directly are hashed by content, equal content alike.
    frame = load_dataset(ds.accounts, ds.revenue)
    assert frame.fingerprint and frame.fingerprint == load_dataset(ds.accounts.copy(), ds.revenue.copy()).fingerprint


def test_unsupported_source_type():
    with pytest.raises(TypeError):
        load_dataset(42, REVENUE.encode())


# -- the real-world fixtures -------------------------------------------------------------------

FORMS = {
    "plain": ("plain_accounts.csv", "plain_revenue.csv"),
    "excel_polish": ("excel_polish_accounts.csv", "excel_polish_revenue.csv"),
    "bom": ("bom_accounts.csv", "bom_revenue.csv"),
    "workbook": ("workbook.xlsx", None),
    "warehouse": ("warehouse_accounts.parquet", "warehouse_revenue.parquet"),
}


def load_form(form: str):
    accounts, rev = FORMS[form]
    return load_dataset(REAL_WORLD / accounts, rev and REAL_WORLD / rev)


def test_real_world_fixture_content():
    ds = load_form("plain")
    assert len(ds.accounts) == 5 and len(ds.revenue) == 58
    names = ds.accounts.set_index("account_id")["account_name"]
    assert names["A-100"] == "Łódź Sp. z o.o." and names["A-101"] == 'Sklep "Alfa"; Kraków, oddział 2\nul. Długa 1'
    assert names["D-400"] == "D-400"
    assert "D-400" not in set(ds.revenue["account_id"])


@pytest.mark.parametrize("form", [f for f in FORMS if f != "plain"])
def test_every_real_world_form_loads_to_the_same_dataset(form):
    expected, ds = load_form("plain"), load_form(form)
    pd.testing.assert_frame_equal(ds.accounts, expected.accounts, check_exact=True)
    pd.testing.assert_frame_equal(ds.revenue, expected.revenue, check_exact=True)
    pd.testing.assert_frame_equal(evaluate(ds), evaluate(expected))  # and so the same decisions


# -- confidentiality ---------------------------------------------------------------------------


def test_nothing_is_written_to_disk_and_no_value_is_logged(monkeypatch, caplog):
    real_open, real_os_open = builtins.open, os.open

    def read_only_open(file, mode="r", *args, **kwargs):
        assert not set(mode) & set("wax+"), f"opened {file} for writing"
        return real_open(file, mode, *args, **kwargs)

    def read_only_os_open(path, flags, *args, **kwargs):
        assert not flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT), f"opened {path} for writing"
        return real_os_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", read_only_open)
    monkeypatch.setattr(io, "open", read_only_open)
    monkeypatch.setattr(os, "open", read_only_os_open)
    caplog.set_level(logging.DEBUG)
    for form in FORMS:
        load_form(form)
    with pytest.raises(DataError):
        load(revenue=revenue("SECRET-ID,Garden,2024-01,5"))
    assert "Łódź" not in caplog.text and "SECRET-ID" not in caplog.text
