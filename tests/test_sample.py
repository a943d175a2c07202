"""The synthetic data generator and the committed sample in sample_data/."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import core
from core.dataset import ACCOUNT_COLUMNS, REVENUE_COLUMNS, Dataset
from core.policy import CATEGORIES, DEFAULT_QUALITY_SCALE, PUBLISHED_THRESHOLDS
from core.sample import SAMPLE_PARAMS, generate, generate_dataset, nip_check_digit, write_sample

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample_data"
STRING_COLUMNS = {
    "account_id": str,
    "account_name": str,
    "nip": str,
    "sales_quality": str,
    "category": str,
    "month": str,
}


def read_sample(name: str) -> pd.DataFrame:
    return pd.read_csv(SAMPLE_DIR / name, dtype=STRING_COLUMNS, keep_default_na=False, encoding="utf-8")


@pytest.fixture(scope="module")
def committed() -> tuple[pd.DataFrame, pd.DataFrame]:
    return read_sample("accounts.csv"), read_sample("revenue.csv")


@pytest.fixture(scope="module")
def small() -> tuple[pd.DataFrame, pd.DataFrame]:
    return generate(companies=400, seed=3)


def valid_nips(nips: pd.Series) -> np.ndarray:
    digits = np.array([[int(d) for d in s] for s in nips])
    return (digits.shape[1] == 10) & (nip_check_digit(digits[:, :9]) == digits[:, 9])


def assert_same_frame(actual: pd.DataFrame, expected: pd.DataFrame, money_atol: float = 0.0) -> None:
    """Equal columns and values; floats compared to a hair (CSV parsing may differ in the last bit)."""
    assert list(actual.columns) == list(expected.columns)
    assert len(actual) == len(expected)
    for c in expected.columns:
        a, e = actual[c].to_numpy(), expected[c].to_numpy()
        if expected[c].dtype.kind == "f":
            np.testing.assert_allclose(
                a.astype(float), e.astype(float), rtol=1e-12, atol=max(money_atol, 1e-9), err_msg=c
            )
        else:
            assert (a.astype(str) == e.astype(str)).all(), c


# -- determinism ----------------------------------------------------------------------------------


def test_same_seed_same_data(small):
    again = generate(companies=400, seed=3)
    pd.testing.assert_frame_equal(small[0], again[0])
    pd.testing.assert_frame_equal(small[1], again[1])


def test_other_seed_other_data(small):
    other = generate(companies=400, seed=4)
    assert not small[0]["nip"].equals(other[0]["nip"])
    assert len(small[1]) != len(other[1]) or not np.array_equal(small[1]["revenue"], other[1]["revenue"])


def test_dataset_matches_the_raw_tables(small):
    ds = generate_dataset(companies=400, seed=3)
    assert isinstance(ds, Dataset)
    accounts, revenue = small
    pd.testing.assert_frame_equal(ds.accounts, accounts)
    raw = revenue.assign(month=pd.PeriodIndex(revenue["month"], freq="M"))
    pd.testing.assert_frame_equal(ds.revenue, raw)


def test_dataset_is_normalised():
    ds = generate_dataset(companies=300, seed=11, months=24)
    acc, rev = ds.accounts, ds.revenue
    assert list(acc.columns) == ACCOUNT_COLUMNS and list(rev.columns) == REVENUE_COLUMNS
    for c in ("account_id", "account_name", "nip", "sales_quality"):
        assert acc[c].dtype == "str", c
    for c in ("business_account", "main_account", "brand_zone", "suspended"):
        assert acc[c].dtype == bool, c
    for c in ("positive_ratings_pct", "transaction_problem_rate", "exportable_share", "new_condition_share"):
        assert acc[c].dtype == np.float64, c
    assert rev["account_id"].dtype == "str" and rev["category"].dtype == "str"
    assert rev["month"].dtype == pd.PeriodDtype("M") and rev["revenue"].dtype == np.float64
    assert acc["account_id"].is_monotonic_increasing
    key = rev[["account_id", "category", "month"]]
    assert not key.duplicated().any()
    pd.testing.assert_frame_equal(rev, rev.sort_values(["account_id", "category", "month"], ignore_index=True))
    assert rev["month"].max() == pd.Period("2026-10", freq="M")
    assert rev["month"].min() >= pd.Period("2026-10", freq="M") - 23


def test_months_end_at_as_of():
    _, rev = generate(companies=200, seed=5, as_of="2025-03", months=14)
    months = sorted(rev["month"].unique())
    assert months[-1] == "2025-03" and months[0] >= "2024-02"


# -- the upload format (rules.md §1) ---------------------------------------------------------------


@pytest.mark.parametrize("which", ["small", "committed"])
def test_tables_follow_the_contract(which, request):
    accounts, revenue = request.getfixturevalue(which)
    assert list(accounts.columns) == ACCOUNT_COLUMNS
    assert list(revenue.columns) == REVENUE_COLUMNS

    assert accounts["account_id"].is_unique
    assert accounts["account_id"].str.fullmatch(r"A\d{6,}").all()
    assert (accounts["account_name"].str.len() > 0).all()
    assert accounts["nip"].str.fullmatch(r"\d{10}").all()
    assert valid_nips(accounts["nip"]).all()
    for c in ("business_account", "main_account", "brand_zone", "suspended"):
        assert accounts[c].dtype == bool, c
    assert accounts["sales_quality"].isin(DEFAULT_QUALITY_SCALE).all()
    assert accounts["positive_ratings_pct"].between(0, 100).all()
    for c in ("transaction_problem_rate", "exportable_share", "new_condition_share"):
        assert accounts[c].between(0, 1).all(), c
    # at most one marked main account per NIP
    assert accounts.groupby("nip")["main_account"].sum().max() <= 1

    assert revenue["account_id"].isin(accounts["account_id"]).all()
    assert revenue["category"].isin(CATEGORIES).all()
    assert revenue["month"].str.fullmatch(r"\d{4}-(0[1-9]|1[0-2])").all()
    assert (revenue["revenue"] > 0).all()
    assert np.allclose(revenue["revenue"], revenue["revenue"].round(2))
    assert not revenue.duplicated(["account_id", "category", "month"]).any()


def test_many_nips_all_valid_and_distinct():
    accounts, _ = generate(companies=20_000, seed=1, months=1)
    nips = accounts.drop_duplicates("nip")["nip"]
    assert nips.nunique() == 20_000
    assert valid_nips(nips).all()


def test_nip_check_digit():
    # 123-456-32-18 is the textbook example of a valid NIP.
    assert nip_check_digit(np.array([[1, 2, 3, 4, 5, 6, 3, 2, 1]]))[0] == 8


def test_population_is_realistic(committed):
    accounts, revenue = committed
    per_nip = accounts.groupby("nip")
    n_acc = per_nip.size()
    assert 0.06 <= (n_acc > 1).mean() <= 0.12  # about 9 % of companies run 2–4 accounts
    assert n_acc.max() <= 4
    multi = n_acc.index[n_acc > 1]
    marked = per_nip["main_account"].any()
    assert marked[multi].any() and not marked[multi].all()  # main account marked for some only
    assert 50 <= accounts["brand_zone"].sum() <= 400
    assert accounts["sales_quality"].isin(["Good", "Super", "Super+"]).mean() > 0.7
    assert accounts["sales_quality"].isin(["Unacceptable", "Needs improvement"]).any()
    assert 0.03 < (accounts["positive_ratings_pct"] < 99).mean() < 0.3
    assert accounts["business_account"].mean() > 0.9
    assert 0 < accounts["suspended"].sum() < 0.02 * len(accounts)
    assert (accounts["transaction_problem_rate"] > 0.03).any()
    assert (accounts["new_condition_share"] < 0.5).any() and (accounts["exportable_share"] < 0.5).any()
    assert any(re.search("[ąćęłńóśźżĄĆĘŁŃÓŚŹŻ]", name) for name in accounts["account_name"])
    # every category is sold, November and December are the peak
    assert set(revenue["category"]) == set(CATEGORIES)
    by_month = revenue.groupby(revenue["month"].str[5:])["revenue"].sum()
    assert by_month.idxmax() in {"11", "12"}


# -- the committed sample ----------------------------------------------------------------------------


def test_committed_sample_is_reproducible(committed):
    accounts, revenue = generate(**SAMPLE_PARAMS)
    assert_same_frame(committed[0], accounts)
    assert_same_frame(committed[1], revenue, money_atol=0.011)  # a grosz of rounding at most


def test_committed_sample_is_small():
    size = sum((SAMPLE_DIR / f).stat().st_size for f in ("accounts.csv", "revenue.csv"))
    assert size < 5.5 * 2**20


def test_write_sample(tmp_path):
    paths = write_sample(tmp_path, companies=50, seed=2)
    assert [p.name for p in paths] == ["accounts.csv", "revenue.csv"]
    accounts = pd.read_csv(paths[0], dtype=STRING_COLUMNS)
    expected, _ = generate(companies=50, seed=2, as_of=SAMPLE_PARAMS["as_of"], months=SAMPLE_PARAMS["months"])
    assert_same_frame(accounts, expected)
    assert paths[1].read_text(encoding="utf-8").splitlines()[0] == ",".join(REVENUE_COLUMNS)


@pytest.mark.parametrize(
    "name, columns", [("template_accounts.csv", ACCOUNT_COLUMNS), ("template_revenue.csv", REVENUE_COLUMNS)]
)
def test_templates_are_headers_only(name, columns):
    lines = (SAMPLE_DIR / name).read_text(encoding="utf-8").splitlines()
    assert lines == [",".join(columns)]


# -- the sample shows every outcome of the rules --------------------------------------------------------


@pytest.fixture(scope="module")
def decisions() -> pd.DataFrame:
    if not hasattr(core, "evaluate"):
        pytest.skip("the engine (core.evaluate) is not there yet")
    if hasattr(core, "load_dataset"):  # end to end: read the committed files like a user upload
        ds = core.load_dataset(SAMPLE_DIR / "accounts.csv", SAMPLE_DIR / "revenue.csv")
    else:
        ds = generate_dataset(**SAMPLE_PARAMS)
    return core.evaluate(ds, core.Policy.default(), as_of=SAMPLE_PARAMS["as_of"])


def test_loaded_sample_equals_generated_dataset():
    if not hasattr(core, "load_dataset"):
        pytest.skip("core.load_dataset is not there yet")
    loaded = core.load_dataset(SAMPLE_DIR / "accounts.csv", SAMPLE_DIR / "revenue.csv")
    built = generate_dataset(**SAMPLE_PARAMS)
    assert_same_frame(loaded.accounts, built.accounts)
    assert_same_frame(loaded.revenue, built.revenue, money_atol=0.011)


def test_sample_shows_every_status_and_path(decisions):
    assert set(decisions["status"]) == {"qualified", "review", "not_qualified"}
    assert {"standard", "conditional", "brand"} <= set(decisions["path"])
    assert 0.03 <= (decisions["status"] == "qualified").mean() <= 0.08


def test_sample_shows_every_reason(decisions):
    reasons = set(decisions["reasons"].str.split("|").explode())
    expected = {
        "no_revenue",
        "revenue",
        "business_account",
        "ratings",
        "quality_main",
        "quality_other",
        "growth",
        "insufficient_history",
    }
    assert expected <= reasons


def test_every_category_has_qualified_companies_and_near_misses(decisions):
    qualified = decisions.loc[decisions["status"] == "qualified", "main_category"].astype(str).value_counts()
    assert qualified.reindex(list(CATEGORIES), fill_value=0).min() >= 2
    # near miss: not qualified only because revenue is within 20 % below the company threshold
    threshold = decisions["main_category"].astype(str).map({c: t[0] for c, t in PUBLISHED_THRESHOLDS.items()})
    near = (decisions["reasons"] == "revenue") & (decisions["gap"].astype(float) <= 0.2 * threshold)
    assert near.sum() >= 3


def test_every_category_has_a_near_miss_on_the_dashboard(decisions):
    explain = pytest.importorskip("core.explain")
    near = explain.near_misses(decisions)  # any revenue path missed by at most 20 %, all else fine
    assert near["main_category"].astype(str).value_counts().reindex(list(CATEGORIES), fill_value=0).min() >= 1
