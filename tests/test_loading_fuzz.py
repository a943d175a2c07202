"""Fuzzing load_dataset: whatever arrives, the answer is a Dataset or a DataError, never a crash;
and any valid dataset, in any form we accept, loads back to the same tables."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from core.dataset import ACCOUNT_COLUMNS, REVENUE_COLUMNS, DataError, Problem
from core.loading import CATEGORY_ALIASES, load_dataset
from core.nip import nip_check_digit
from core.policy import CATEGORIES, DEFAULT_QUALITY_SCALE, POLISH_QUALITY_NAMES

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ROUND_TRIP = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Characters every accepted encoding (UTF-8 and Windows-1250) can hold; no '=': Excel makes it a formula.
LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZąćęłńóśźżĄĆĘŁŃÓŚŹŻ0123456789"


def loads_or_data_error(accounts, revenue) -> None:
    try:
        ds = load_dataset(accounts, revenue)
    except DataError as exc:
        assert exc.problems and all(isinstance(p, Problem) for p in exc.problems)
        assert str(exc) and len(exc.to_frame()) == len(exc.problems)
    else:
        assert list(ds.accounts.columns) == ACCOUNT_COLUMNS and list(ds.revenue.columns) == REVENUE_COLUMNS


# -- nothing but DataError -----------------------------------------------------------------------

MAGIC = st.sampled_from([b"", b"PK\x03\x04", b"PAR1", b"\xef\xbb\xbf", b"\xff\xfe", b"\xd0\xcf\x11\xe0"])


@FUZZ
@given(MAGIC, st.binary(max_size=3000), MAGIC, st.binary(max_size=3000))
def test_random_bytes(accounts_magic, accounts, revenue_magic, revenue):
    loads_or_data_error(accounts_magic + accounts, revenue_magic + revenue)


HEADER_NAMES = st.one_of(
    st.sampled_from(ACCOUNT_COLUMNS + REVENUE_COLUMNS).map(lambda c: st.sampled_from([c, c.upper(), f" {c} "])).flatmap(lambda s: s),
    st.text(max_size=8),
)
CELLS = st.one_of(
    st.text(alphabet=LETTERS + ' ,;\t"\n\r.-+%', max_size=12),
    st.sampled_from(["", "tak", "NIE", "true", "1", "5260250274", "PL 526-025-02-74", "Good", "dobry", "Elektronika",
                     "2024-01", "31.02.2024", "2024-13", "1 234,56", "-5", "nan", "inf", "1e400", "A1"]),
)


def raw_csv(header: list[str], rows: list[list[str]], sep: str, quote: bool) -> str:
    """With quote=False cells are joined as they are: broken quoting and ragged rows on purpose."""
    if quote:
        out = io.StringIO()
        csv.writer(out, delimiter=sep).writerows([header, *rows])
        return out.getvalue()
    return "\n".join(sep.join(row) for row in [header, *rows])


@FUZZ
@given(st.data())
def test_random_csv_shapes(data):
    tables = []
    for _ in range(2):
        header = data.draw(st.lists(HEADER_NAMES, max_size=8))
        rows = data.draw(st.lists(st.lists(CELLS, max_size=10), max_size=8))
        text = raw_csv(header, rows, data.draw(st.sampled_from([",", ";", "\t", "|"])), data.draw(st.booleans()))
        tables.append(text.encode(data.draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1250", "utf-16"])), errors="replace"))
    loads_or_data_error(*tables)


# -- valid datasets --------------------------------------------------------------------------------

@st.composite
def nips(draw) -> str:
    digits = [draw(st.integers(1, 9))] + draw(st.lists(st.integers(0, 9), min_size=8, max_size=8))
    check = nip_check_digit(digits)
    assume(check != 10)
    return "".join(map(str, digits)) + str(check)


IDS = st.text(LETTERS + "-_./ ", min_size=1, max_size=8).map(str.strip).filter(bool)
NAMES = st.text(LETTERS + ' ,;"\n.&-', max_size=20)
# Up to 2025: the loader refuses a month after the current one.
MONTHS = st.builds(pd.Period, st.dates(dt.date(2015, 1, 1), dt.date(2025, 12, 31)), freq=st.just("M"))


@st.composite
def datasets(draw) -> tuple[list[dict], list[tuple]]:
    """Random valid accounts (as typed records) and revenue rows (account, category, month, amount)."""
    ids = draw(st.lists(IDS, min_size=1, max_size=6, unique=True))
    companies = draw(st.lists(nips(), min_size=1, max_size=3))
    accounts, has_main = [], set()
    for account_id in ids:
        nip = draw(st.sampled_from(companies))
        main = nip not in has_main and draw(st.booleans())
        has_main |= {nip} if main else set()
        accounts.append({
            "account_id": account_id, "account_name": draw(NAMES), "nip": nip, "business_account": draw(st.booleans()),
            "sales_quality": draw(st.sampled_from(DEFAULT_QUALITY_SCALE)),
            "positive_ratings_pct": draw(st.integers(0, 10_000)) / 100, "main_account": main,
            "brand_zone": draw(st.booleans()), "suspended": draw(st.booleans()),
            "transaction_problem_rate": draw(st.integers(0, 1000)) / 1000,
            "exportable_share": draw(st.integers(0, 1000)) / 1000,
            "new_condition_share": draw(st.integers(0, 1000)) / 1000,
        })
    amounts = st.integers(0, 10**11).map(lambda grosze: grosze / 100)
    revenue = draw(st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(CATEGORIES), MONTHS, amounts), min_size=1, max_size=25))
    return accounts, revenue


def expected(accounts: list[dict], revenue: list[tuple]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What load_dataset must return, built independently of it."""
    rows = [{**a, "account_name": a["account_name"].strip() or a["account_id"]} for a in sorted(accounts, key=lambda a: a["account_id"])]
    acc = pd.DataFrame(rows, columns=ACCOUNT_COLUMNS)
    totals: dict[tuple, float] = {}
    for account_id, category, month, amount in revenue:
        totals[(account_id, category, month)] = totals.get((account_id, category, month), 0.0) + amount
    rev = pd.DataFrame([(*key, total) for key, total in sorted(totals.items())], columns=REVENUE_COLUMNS)
    return acc, rev.astype({"month": "period[M]"})


def parquet(frame: pd.DataFrame) -> bytes:
    out = io.BytesIO()
    frame.to_parquet(out, index=False)
    return out.getvalue()


def assert_loads_to(accounts_in, revenue_in, accounts: list[dict], revenue: list[tuple]) -> None:
    ds = load_dataset(accounts_in, revenue_in)
    acc, rev = expected(accounts, revenue)
    pd.testing.assert_frame_equal(ds.accounts, acc, check_dtype=False)
    pd.testing.assert_frame_equal(ds.revenue, rev, check_dtype=False)


# How a person might write each kind of value in a CSV.
BOOL_WORDS = {True: ["true", "TRUE", "1", "yes", "Y", "tak", "Tak"], False: ["false", "False", "0", "no", "n", "nie", "NIE"]}
POLISH_LEVEL = {english: polish for polish, english in POLISH_QUALITY_NAMES.items()}
POLISH_CATEGORY = {}
for alias, category in CATEGORY_ALIASES.items():
    POLISH_CATEGORY.setdefault(category, []).append(alias)
MONTH_FORMATS = ["%Y-%m", "%Y-%m-%d", "%m.%Y", "%d.%m.%Y", "%Y/%m", "%Y%m"]


def csv_text(data, header: list[str], rows: list[list[str]], sep: str) -> str:
    order = data.draw(st.permutations(range(len(header))))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep)
    writer.writerow([data.draw(st.sampled_from([header[i], header[i].upper(), f" {header[i]}"])) for i in order])
    writer.writerows([[row[i] for i in order] for row in rows])
    return out.getvalue()


@ROUND_TRIP
@given(datasets(), st.data())
def test_valid_datasets_round_trip_through_csv(dataset, data):
    accounts, revenue = dataset
    sep = data.draw(st.sampled_from([",", ";", "\t"]))
    comma = sep != "," and data.draw(st.booleans())  # a decimal comma only where it can't be the separator
    encoding = data.draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1250"]))
    spaces = ["", " ", "\u00a0"] + (["\u202f"] if encoding != "cp1250" else [])  # cp1250 has no narrow no-break space

    def number(value: float, decimals: int) -> str:
        if not comma:
            return f"{value:.{decimals}f}"
        thousands = data.draw(st.sampled_from(spaces))
        return f"{value:,.{decimals}f}".replace(",", "\0").replace(".", ",").replace("\0", thousands)

    def text(value: str) -> str:
        return data.draw(st.sampled_from([value, value.lower(), value.upper(), f" {value} "]))

    def nip(value: str) -> str:
        return data.draw(st.sampled_from([value, f"PL{value}", f"{value[:3]}-{value[3:6]}-{value[6:8]}-{value[8:]}",
                                          f"pl {value[:3]} {value[3:6]} {value[6:]}"]))

    def category(value: str) -> str:
        return text(data.draw(st.sampled_from([value, *POLISH_CATEGORY.get(value, [])])))

    account_rows = [
        [a["account_id"], a["account_name"], nip(a["nip"]), data.draw(st.sampled_from(BOOL_WORDS[a["business_account"]])),
         text(data.draw(st.sampled_from([a["sales_quality"], POLISH_LEVEL[a["sales_quality"]]]))),
         number(a["positive_ratings_pct"], 2)]
        + [data.draw(st.sampled_from(BOOL_WORDS[a[c]])) for c in ("main_account", "brand_zone", "suspended")]
        + [number(a[c], 3) for c in ("transaction_problem_rate", "exportable_share", "new_condition_share")]
        for a in accounts
    ]
    revenue_rows = [[account_id, category(cat), month.to_timestamp().strftime(data.draw(st.sampled_from(MONTH_FORMATS))),
                     number(amount, 2)] for account_id, cat, month, amount in revenue]
    assert_loads_to(csv_text(data, ACCOUNT_COLUMNS, account_rows, sep).encode(encoding),
                    csv_text(data, REVENUE_COLUMNS, revenue_rows, sep).encode(encoding), accounts, revenue)


@ROUND_TRIP
@given(datasets(), st.data())
def test_valid_datasets_round_trip_through_xlsx(dataset, data):
    accounts, revenue = dataset
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = data.draw(st.sampled_from(["accounts", "Accounts", " ACCOUNTS "]))
    sheet.append(ACCOUNT_COLUMNS)
    for a in accounts:
        nip = data.draw(st.sampled_from([a["nip"], int(a["nip"])]))
        sheet.append([nip if c == "nip" else a[c] for c in ACCOUNT_COLUMNS])
    sheet = book.create_sheet("Revenue")
    sheet.append(REVENUE_COLUMNS)
    for account_id, category, month, amount in revenue:
        as_text = data.draw(st.booleans())  # numbers stored as text
        sheet.append([account_id, category, month.to_timestamp().to_pydatetime(), f"{amount:.2f}" if as_text else amount])
    out = io.BytesIO()
    book.save(out)
    assert_loads_to(out.getvalue(), None, accounts, revenue)


@ROUND_TRIP
@given(datasets(), st.booleans(), st.booleans())
def test_valid_datasets_round_trip_through_parquet_and_frames(dataset, as_parquet, typed):
    accounts, revenue = dataset
    acc = pd.DataFrame(accounts, columns=ACCOUNT_COLUMNS)
    rev = pd.DataFrame(revenue, columns=REVENUE_COLUMNS)
    if typed:  # as a warehouse holds them: int64 NIPs, datetime months
        acc["nip"] = acc["nip"].astype("int64")
        rev["month"] = pd.PeriodIndex(rev["month"], freq="M").to_timestamp()
    else:
        rev["month"] = rev["month"].astype(str)
    if as_parquet:
        acc, rev = (parquet(acc), parquet(rev))
    assert_loads_to(acc, rev, accounts, revenue)


# -- valid files with random damage ------------------------------------------------------------


@FUZZ
@given(datasets(), st.data())
def test_random_values_in_valid_files(dataset, data):
    accounts, revenue = dataset
    acc = pd.DataFrame(accounts, columns=ACCOUNT_COLUMNS).astype(str)
    rev = pd.DataFrame(revenue, columns=REVENUE_COLUMNS).astype(str)
    for frame in (acc, rev):
        for _ in range(data.draw(st.integers(1, 4))):
            row = data.draw(st.integers(0, len(frame) - 1))
            column = data.draw(st.sampled_from(list(frame.columns)))
            frame.loc[frame.index[row], column] = data.draw(CELLS)
    as_bytes = data.draw(st.booleans())
    if as_bytes:
        acc, rev = (f.to_csv(index=False, sep=";").encode("cp1250", errors="replace") for f in (acc, rev))
    loads_or_data_error(acc, rev)


# -- Parquet columns of every Arrow type ---------------------------------------------------------

ARROW_ODDITIES = {
    "list": pa.array([[1], [2, 3]]), "struct": pa.array([{"a": 1}, {"a": 2}]), "map": pa.array([[("k", 1)], []], pa.map_(pa.string(), pa.int64())),
    "decimal": pa.array([decimal.Decimal("1.5"), decimal.Decimal("2")]), "duration": pa.array([dt.timedelta(1), dt.timedelta(2)]),
    "binary": pa.array([b"x", b"\x00"]), "null": pa.array([None, None], pa.null()), "time": pa.array([dt.time(1), dt.time(2)]),
    "dictionary": pa.array(["a", "b"]).dictionary_encode(), "date": pa.array([dt.date(2024, 1, 1), dt.date(2024, 2, 1)]),
    "nullable bool": pa.array([True, None]), "utc timestamp": pa.array([dt.datetime(2024, 1, 1)], pa.timestamp("s", "UTC")).take([0, 0]),
}
VALID_ACCOUNTS = {"account_id": ["A1", "A2"], "nip": ["5260250274", "9512345600"], "business_account": [True, False],
                  "sales_quality": ["Good", "Good"], "positive_ratings_pct": [99.0, 99.5]}
VALID_REVENUE = {"account_id": ["A1", "A2"], "category": ["Garden", "Garden"], "month": ["2024-01", "2024-02"], "revenue": [1.0, 2.0]}


@pytest.mark.parametrize("oddity", ARROW_ODDITIES)
def test_parquet_columns_of_any_arrow_type(oddity):
    def written(columns: dict) -> bytes:
        out = io.BytesIO()
        pq.write_table(pa.table(columns), out)
        return out.getvalue()

    for column in VALID_ACCOUNTS:
        loads_or_data_error(written({**VALID_ACCOUNTS, column: ARROW_ODDITIES[oddity]}), written(VALID_REVENUE))
    for column in VALID_REVENUE:
        loads_or_data_error(written(VALID_ACCOUNTS), written({**VALID_REVENUE, column: ARROW_ODDITIES[oddity]}))
