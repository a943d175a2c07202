"""The dashboard's plain helpers: safe exports and the company lookup."""

from __future__ import annotations

import io

import builders as b
import numpy as np
import openpyxl
import pandas as pd
import pytest

from core import Policy, compute_metrics, decide
from core.lookup import company_accounts, company_categories, company_monthly, find_companies
from ui.export import neutralise, safe_frame, to_csv_bytes, to_excel_bytes

AS_OF = "2026-10"


@pytest.mark.parametrize("text", ["=1+1", "+48 600", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_formula_like_text_gets_a_quote(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["Sklep", "", "a=b", -5, 3.2, None, True])
def test_other_values_are_left_alone(value):
    assert neutralise(value) == value


def _frame():
    return pd.DataFrame(
        {
            "company_name": pd.Series(['=HYPERLINK("http://x")', "Nowak s.c."], dtype="str"),
            "status": pd.Categorical(["qualified", "review"]),
            "gap": [-1.5, 2_000_000.0],
            "month": pd.PeriodIndex(["2026-01", "2026-02"], freq="M"),
            "note": ["@x", None],
        }
    )


def test_excel_download_neutralises_formulas_and_keeps_numbers():
    book = openpyxl.load_workbook(io.BytesIO(to_excel_bytes({"decisions": _frame()})))
    sheet = book["decisions"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("company_name", "status", "gap", "month", "note")
    assert rows[1] == ('\'=HYPERLINK("http://x")', "qualified", -1.5, "2026-01", "'@x")
    assert rows[2][2] == 2_000_000
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_csv_download_neutralises_formulas():
    text = to_csv_bytes(_frame()).decode("utf-8-sig")
    back = pd.read_csv(io.StringIO(text), dtype=str)
    assert back.loc[0, "company_name"] == '\'=HYPERLINK("http://x")'
    assert back.loc[0, "gap"] == "-1.5"
    assert back.loc[0, "month"] == "2026-01"


def test_safe_frame_leaves_the_original_untouched():
    frame = _frame()
    safe_frame(frame)
    assert frame.loc[0, "company_name"].startswith("=")


@pytest.fixture(scope="module")
def two_companies():
    n0, n1 = b.nip(0), b.nip(1)
    accounts = [
        b.account("shop-a", n0, account_name="Alfa Sport"),
        b.account("shop-a2", n0, account_name="Alfa Outlet"),
        b.account("beta", n1, account_name="Beta Dom"),
    ]
    revenue = (
        b.growing_seller("shop-a", "Sport & Leisure", 8_000_000, 7_000_000, AS_OF)
        + b.growing_seller("shop-a2", "Garden", 1_000_000, 900_000, AS_OF)
        + b.growing_seller("beta", "Garden", 500_000, 400_000, AS_OF)
    )
    dataset = b.dataset(accounts, revenue)
    metrics = compute_metrics(dataset, AS_OF)
    return dataset, metrics, decide(metrics, Policy.default())


def test_find_by_name_account_id_and_nip(two_companies):
    dataset, _, decisions = two_companies
    n0, n1 = b.nip(0), b.nip(1)
    assert find_companies(decisions, dataset.accounts, "alfa")["nip"].tolist() == [n0]
    assert find_companies(decisions, dataset.accounts, "outlet")["nip"].tolist() == [n0]
    assert find_companies(decisions, dataset.accounts, "BETA")["nip"].tolist() == [n1]
    assert find_companies(decisions, dataset.accounts, "shop-a2")["nip"].tolist() == [n0]
    spaced = f"PL {n1[:3]}-{n1[3:6]}-{n1[6:8]}-{n1[8:]}"
    assert find_companies(decisions, dataset.accounts, spaced)["nip"].tolist() == [n1]
    assert find_companies(decisions, dataset.accounts, "").empty
    assert find_companies(decisions, dataset.accounts, "no such shop").empty


def test_exact_match_comes_first(two_companies):
    dataset, _, decisions = two_companies
    # "beta" is an exact account ID of the smaller company; both names contain an "a"…
    found = find_companies(decisions, dataset.accounts, "beta")
    assert found["nip"].iloc[0] == b.nip(1)
    both = find_companies(decisions, dataset.accounts, "a")
    assert both["nip"].tolist() == [b.nip(0), b.nip(1)]  # biggest first


def test_company_views(two_companies):
    dataset, metrics, _ = two_companies
    n0 = b.nip(0)
    acc = company_accounts(dataset, metrics, n0)
    assert acc["account_id"].tolist() == ["shop-a", "shop-a2"]
    assert acc["is_main"].tolist() == [True, False]
    assert acc["revenue_current_window"].tolist() == pytest.approx([8_000_000, 1_000_000])
    monthly = company_monthly(dataset, n0)
    assert set(monthly["category"]) == {"Sport & Leisure", "Garden"}
    assert monthly["revenue"].sum() == pytest.approx(8_000_000 + 7_000_000 + 1_000_000 + 900_000)
    cats = company_categories(metrics, Policy.default(), n0)
    assert cats["category"].tolist() == ["Garden", "Sport & Leisure"]  # published order
    assert cats["is_main"].tolist() == [False, True]
    assert cats.loc[1, "company"] == 7_000_000
    assert np.isclose(cats.loc[0, "revenue_current"], 1_000_000)


# -- tables in the one number format (ui.components) -----------------------------------------------


def test_a_table_writes_decimals_with_core_formatting_and_keeps_numbers_for_sorting():
    from ui import components

    frame = pd.DataFrame({"status": ["qualified", "review"], "growth": [0.125, -0.03], "gap": [1_234_567.0, 0.0]})
    config = {c: v for c, v in components.COLUMN_CONFIG.items() if c in frame.columns}
    styler, shown = components._display(frame, config)
    assert styler.data["growth"].tolist() == [0.125, -0.03]  # numbers: the grid sorts them as numbers
    styler._compute()
    cells = styler._translate(False, False)["body"]
    growth = [row[2]["display_value"] for row in cells]
    assert growth == ["12,5\u00a0%", "-3,0\u00a0%"]
    assert [row[1]["display_value"] for row in cells] == ["✔ Qualified", "⚑ Review"]  # an icon as well as a colour
    assert "format" not in shown["growth"]["type_config"]  # Streamlit's printf would win over the Styler
    assert shown["gap"]["type_config"]["format"] == "%'\u00a0,.0f\u00a0PLN"  # grouped in the browser


def test_a_table_too_big_to_style_gets_the_same_text():
    from ui import components

    n = components.STYLE_LIMIT + 1
    frame = pd.DataFrame({"growth": [0.125] * n})
    shown, config = components._display(frame, {"growth": components.share("Growth")})
    assert isinstance(shown, pd.DataFrame) and shown["growth"].iloc[0] == "12,5\u00a0%"
    assert config["growth"]["type_config"]["type"] == "text"


def test_the_decisions_table_says_reasons_and_flags_in_words():
    from ui import components

    decisions = pd.DataFrame(
        {
            "company_name": ["A"],
            "nip": ["5260250274"],
            "main_category": ["Fashion"],
            "main_category_revenue": [1.0],
            "total_revenue": [1.0],
            "growth": [0.1],
            "status": ["not_qualified"],
            "path": [""],
            "reasons": ["revenue|quality_main|growth"],
            "flags": ["export"],
            "gap": [1.0],
        }
    )
    view = components.decisions_view(decisions)
    assert view["reasons"].iloc[0] == "revenue below threshold, main account quality, growth"
    assert view["flags"].iloc[0] == "low exportable share" and view["status"].iloc[0] == "Not qualified"
