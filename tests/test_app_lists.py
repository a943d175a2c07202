"""AppTest tests of issue 11 §2, §3, §7 on the pages: the prospect filters, the bulk check and the as-of month
in the sidebar (warnings, the change since the month before, the history chart)."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core import Policy, compute_metrics, decide
from core.asof import as_of_warnings, short_warning
from core.bulk import MAX_ENTRIES, check_many
from core.comparison import flips
from core.loading import load_dataset
from core.prospects import COMPANY, GAP, PROSPECT_COLUMNS, ProspectFilter, prospects
from ui import state

TIMEOUT = 90


@pytest.fixture(scope="module")
def sample():
    dataset = load_dataset(state.SAMPLE_DIR / "accounts.csv", state.SAMPLE_DIR / "revenue.csv")
    return dataset, compute_metrics(dataset)


def app(page: str | None = None) -> AppTest:
    at = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown(at: AppTest, first_column: str) -> pd.DataFrame:
    found = [d.value for d in at.dataframe if list(d.value.columns)[:1] == [first_column]]
    assert found, [list(d.value.columns) for d in at.dataframe]
    return found[0]


def prospect_table(at: AppTest) -> pd.DataFrame:
    return shown(at, PROSPECT_COLUMNS[0])


# -- §2 prospects ------------------------------------------------------------------------------------


def test_prospects_follow_category_path_and_percent_filters(sample):
    _, metrics = sample
    decisions = decide(metrics, Policy.default())
    at = app("app_pages/seller.py")
    assert prospect_table(at)[COMPANY].tolist() == prospects(decisions)[COMPANY].tolist()  # default: within 20 %
    within_10 = prospects(decisions, ProspectFilter(max_gap_pct=0.10))
    category, path = within_10["Main category"].iloc[0], within_10["Nearest path"].iloc[0]
    at.multiselect(key="prospect_categories").select(category).run()
    at.multiselect(key="prospect_paths").select(path).run()
    at.slider(key="near_within").set_value(10).run()
    expected = prospects(decisions, ProspectFilter(categories=(category,), paths=(path,), max_gap_pct=0.10))
    assert len(expected) < len(within_10)
    table = prospect_table(at)
    assert not table.empty
    assert table["NIP"].tolist() == expected["NIP"].tolist()
    assert list(table.columns) == PROSPECT_COLUMNS


def test_prospects_gap_in_pln_and_sorting(sample):
    _, metrics = sample
    decisions = decide(metrics, Policy.default())
    at = app("app_pages/seller.py")
    at.radio(key="prospect_gap_unit").set_value("PLN").run()
    at.number_input(key="prospect_gap_pln").set_value(200_000).run()
    at.selectbox(key="prospect_sort").select("gap_pln").run()
    at.toggle(key="prospect_desc").set_value(True).run()
    expected = prospects(
        decisions, ProspectFilter(max_gap_pct=None, max_gap_pln=200_000, sort_by="gap_pln", descending=True)
    )
    table = prospect_table(at)
    assert table["NIP"].tolist() == expected["NIP"].tolist()
    assert table[GAP].max() <= 200_000 and table[GAP].is_monotonic_decreasing


def test_prospects_follow_the_scenario(sample):
    _, metrics = sample
    at = app("app_pages/whatif.py")
    at.slider(key="w:scale").set_value(120).run()
    at.switch_page("app_pages/seller.py").run()
    expected = prospects(decide(metrics, Policy.default().scaled(1.2)))
    assert prospect_table(at)["NIP"].tolist() == expected["NIP"].tolist()


# -- §3 bulk check -----------------------------------------------------------------------------------


def test_bulk_check_of_a_pasted_list(sample):
    dataset, metrics = sample
    decisions = decide(metrics, Policy.default())
    first, second = decisions["nip"].iloc[0], decisions["nip"].iloc[1]
    account = dataset.accounts["account_id"].iloc[5]
    entries = [f"{first[:3]}-{first[3:6]}-{first[6:8]}-{first[8:]}", f"PL {second}", account, "1234567890", "nobody"]
    at = app("app_pages/seller.py")
    at.text_area(key="bulk_text").input("\n".join(entries)).run()
    assert not at.exception
    table = shown(at, "Entry")
    expected = check_many(entries, decisions, dataset.accounts, Policy.default(), str(metrics.as_of))
    # The table holds the figures (shares as fractions, shown by the one number format as percentages).
    pd.testing.assert_frame_equal(table.reset_index(drop=True), expected, check_dtype=False)
    assert table["Status"].tolist()[3:] == ["malformed", "unknown"]


def test_bulk_check_refuses_too_many_entries_with_a_message():
    at = app("app_pages/seller.py")
    at.text_area(key="bulk_text").input("\n".join(["5831060384"] * (MAX_ENTRIES + 1))).run()
    assert not at.exception
    assert any(f"at most {MAX_ENTRIES} can be checked" in e.value.replace("\\", "") for e in at.error)


# -- §7 the as-of month ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "page", ["app_pages/overview.py", "app_pages/data.py", "app_pages/whatif.py", "app_pages/seller.py"]
)
def test_the_month_picker_is_in_the_sidebar_of_every_page(page, sample):
    _, metrics = sample
    at = app(page)
    picker = at.sidebar.selectbox(key="as_of_select")
    assert picker.value == str(metrics.as_of)
    earlier = str(metrics.as_of - 1)
    picker.select(earlier).run()
    assert not at.exception
    assert at.session_state["as_of"] == earlier


def test_an_early_month_warns_in_the_sidebar_and_on_the_overview(sample):
    dataset, metrics = sample
    early = str(dataset.months[0])
    at = app()
    assert not at.sidebar.warning  # the latest month of the sample has both windows complete
    at.sidebar.selectbox(key="as_of_select").select(early).run()
    expected = as_of_warnings(dataset.months, early)
    assert [w.value for w in at.sidebar.warning] == [short_warning(dataset.months, early)]
    assert [w.value for w in at.main.warning] == expected
    assert "no revenue in 12 of its 12 months" in expected[-1]


def test_overview_shows_who_entered_and_left_since_the_month_before(sample):
    dataset, metrics = sample
    now = decide(metrics, Policy.default())
    before = decide(compute_metrics(dataset, metrics.as_of - 1), Policy.default())
    changed = flips(before, now, Policy.default(), Policy.default())
    at = app()
    entered = [m.value for m in at.metric if m.label == "Entered the program"][0]
    left = [m.value for m in at.metric if m.label == "Left the program"][0]
    assert int(entered.replace("\u00a0", "").replace(" ", "")) == (changed["change"] == "enters").sum()
    assert int(left.replace("\u00a0", "").replace(" ", "")) == (changed["change"] == "leaves").sum()
    assert (changed["change"] == "enters").sum() > 0


def test_overview_charts_the_qualifiers_at_each_month(sample):
    dataset, _ = sample
    at = app()
    charts = [c for c in at.get("plotly_chart") if "Qualifiers at each as-of month" in c.proto.spec]
    assert len(charts) == 1


def test_history_of_large_data_waits_for_a_click(monkeypatch, sample):
    monkeypatch.setattr(state, "HISTORY_EAGER_COMPANIES", 10)
    at = app()
    assert not [c for c in at.get("plotly_chart") if "Qualifiers at each as-of month" in c.proto.spec]
    at.button(key="history_run").click().run()
    assert [c for c in at.get("plotly_chart") if "Qualifiers at each as-of month" in c.proto.spec]
