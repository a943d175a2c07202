"""AppTest tests of every page: it renders, the controls change the counts exactly as `core.decide`
computes them, a good upload replaces the data and a bad one shows its problems and keeps the old."""

from __future__ import annotations

import io
import re
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core import Policy, compute_metrics, decide
from core.explain import PROGRAM_SENTENCE, headline, near_misses, status_counts
from core.explain import checklist as checklist_of
from core.formatting import pln
from core.loading import load_dataset
from core.sample import generate
from ui import datastore, state
from ui.components import STATUS_MD

TIMEOUT = 60


@pytest.fixture(scope="module")
def sample():
    dataset = load_dataset(state.SAMPLE_DIR / "accounts.csv", state.SAMPLE_DIR / "revenue.csv")
    return dataset, compute_metrics(dataset)


def qualified_under(metrics, policy: Policy) -> int:
    return status_counts(decide(metrics, policy))["qualified"]


def metric(at: AppTest, label: str) -> str:
    found = [m.value for m in at.metric if m.label == label]
    assert found, f"no metric {label!r} among {[m.label for m in at.metric]}"
    return found[0]


def count(at: AppTest, label: str) -> int:
    return int(metric(at, label).replace(" ", "").replace("\u00a0", ""))


def app(page: str | None = None) -> AppTest:
    at = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


PUNCTUATION = re.compile(r"[!-/:-@\[-`{-~]")  # ASCII punctuation: what Markdown may read as markup


def markdown_escaped(shown: str, text: str) -> bool:
    """Whether ``shown`` is ``text`` with every ASCII punctuation mark preceded by a backslash (and nothing else)."""
    expected = "".join("\\" + c if PUNCTUATION.fullmatch(c) else c for c in text)
    return shown == expected


def csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode("utf-8")


@pytest.fixture(scope="module")
def small_upload():
    """A small generated dataset in the upload format (150 companies)."""
    accounts, revenue = generate(companies=150, seed=11)
    return accounts, revenue


# -- every page renders ------------------------------------------------------------------------


def test_overview_renders_the_sample(sample):
    dataset, metrics = sample
    at = app()
    assert at.title[0].value == "Allegro Diamond Partners"  # the program's name, then what it is and the story
    assert at.markdown[0].value == PROGRAM_SENTENCE
    decisions = decide(metrics, Policy.default())
    assert at.markdown[1].value == f"**{headline(decisions)}**"
    assert count(at, "Companies (NIPs)") == len(metrics.companies)
    assert count(at, "Accounts") == len(dataset.accounts)
    assert metric(at, "As-of month") == str(metrics.as_of)
    counts = status_counts(decide(metrics, Policy.default()))
    assert count(at, STATUS_MD["qualified"]) == counts["qualified"]
    assert count(at, STATUS_MD["review"]) == counts["review"]
    assert count(at, STATUS_MD["not_qualified"]) == counts["not_qualified"]
    assert len(at.get("plotly_chart")) == 4  # with the qualifiers at each month (issue 11 §7)
    assert at.sidebar.text[0].value == state.SAMPLE_NAME


@pytest.mark.parametrize(
    "page, title",
    [
        ("app_pages/data.py", "Data"),
        ("app_pages/whatif.py", "What-if scenarios"),
        ("app_pages/seller.py", "Seller check"),
    ],
)
def test_each_page_renders(page, title):
    at = app(page)
    assert at.title[0].value.endswith(title)


# -- What-if: the counts follow core.decide -----------------------------------------------------


def test_scale_slider_changes_the_count_as_decide_does(sample):
    _, metrics = sample
    at = app("app_pages/whatif.py")
    baseline = qualified_under(metrics, Policy.default())
    assert count(at, "Qualified — baseline") == baseline
    assert count(at, "Qualified — scenario") == baseline

    at.slider(key="w:scale").set_value(150).run()
    expected = qualified_under(metrics, Policy.default().scaled(1.5))
    assert expected != baseline
    assert count(at, "Qualified — scenario") == expected
    assert count(at, "Qualified — baseline") == baseline

    # The scenario survives a page switch: the overview shows the same count.
    at.switch_page("app_pages/overview.py").run()
    assert count(at, STATUS_MD["qualified"]) == expected
    at.switch_page("app_pages/whatif.py").run()
    assert at.slider(key="w:scale").value == 150

    at.button(key="reset_scenario").click().run()
    assert count(at, "Qualified — scenario") == baseline
    assert at.slider(key="w:scale").value == 100


def test_category_threshold_slider_changes_the_count_as_decide_does(sample):
    _, metrics = sample
    at = app("app_pages/whatif.py")
    at.selectbox(key="whatif_category").select("Fashion").run()
    at.slider(key="w:categories/Fashion/company").set_value(600_000).run()
    assert not at.exception
    # The conditional threshold (800 000) was clamped to the new company threshold.
    assert at.slider(key="w:categories/Fashion/conditional").value == 600_000
    policy = Policy.from_dict({"categories": {"Fashion": {"company": 600_000, "conditional": 600_000}}})
    expected = qualified_under(metrics, policy)
    assert expected != qualified_under(metrics, Policy.default())
    assert count(at, "Qualified — scenario") == expected

    # A conditional threshold above the company one is clamped back, never an invalid policy.
    at.slider(key="w:categories/Fashion/conditional").set_value(5_000_000).run()
    assert not at.exception and not at.error
    assert at.slider(key="w:categories/Fashion/conditional").value == 600_000
    assert count(at, "Qualified — scenario") == expected


def test_other_rule_controls_change_the_count_as_decide_does(sample):
    _, metrics = sample
    at = app("app_pages/whatif.py")
    at.slider(key="w:growth/min_growing_quarters").set_value(0).run()
    at.select_slider(key="w:criteria/min_quality_main").set_value("Neutral").run()
    at.select_slider(key="w:criteria/min_positive_ratings_pct").set_value(97.0).run()
    policy = Policy.from_dict(
        {
            "growth": {"min_growing_quarters": 0},
            "criteria": {"min_quality_main": "Neutral", "min_positive_ratings_pct": 97.0},
        }
    )
    assert count(at, "Qualified — scenario") == qualified_under(metrics, policy)
    # Every control carries help saying whether its rule is published or our assumption.
    for slider in list(at.slider) + list(at.select_slider):
        assert slider.help and (
            "Published rule" in slider.help or "Our assumption" in slider.help or "Our what-if" in slider.help
        ), slider.label


def test_whatif_lists_who_enters(sample):
    _, metrics = sample
    at = app("app_pages/whatif.py")
    at.slider(key="w:scale").set_value(50).run()
    changes = [d for d in at.dataframe if "why" in d.value.columns]
    assert changes
    frame = changes[0].value
    baseline = decide(metrics, Policy.default())
    scenario = decide(metrics, Policy.default().scaled(0.5))
    entering = set(scenario.loc[scenario["status"] == "qualified", "nip"]) - set(
        baseline.loc[baseline["status"] == "qualified", "nip"]
    )
    # The page shows the SHOWN_FLIPS largest changes (the download has all): every one shown is right, and
    # the list is as long as it may be.
    from ui.workbench import SHOWN_FLIPS

    assert set(frame.loc[frame["change"] == "enters", "nip"]) <= entering
    assert len(frame) == min(SHOWN_FLIPS, len(entering) + int((frame["change"] != "enters").sum()))
    # The criterion that flipped, with its figures: "revenue: … PLN ≥ … PLN — was < … PLN".
    assert frame.loc[frame["change"] == "enters", "why"].str.match(r"revenue: .*\sPLN").all()


# -- Data: uploads --------------------------------------------------------------------------------


def uploader(at: AppTest, which: str):
    """The Data page's accounts or revenue uploader (its key carries a number once an upload was used)."""
    [found] = [u for u in at.get("file_uploader") if re.fullmatch(f"upload_{which}(_\\d+)?", u.key or "")]
    return found


def upload(at: AppTest, accounts: tuple | None, revenue: tuple | None = None) -> AppTest:
    uploader(at, "accounts").set_value(accounts)
    uploader(at, "revenue").set_value(revenue)
    at.run()
    at.button(key="load_upload").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_good_upload_replaces_the_data(sample, small_upload):
    dataset, _ = sample
    accounts, revenue = small_upload
    at = app("app_pages/data.py")
    assert count(at, "Accounts") == len(dataset.accounts)
    upload(at, ("accounts.csv", csv_bytes(accounts), "text/csv"), ("revenue.csv", csv_bytes(revenue), "text/csv"))
    assert count(at, "Accounts") == len(accounts)
    assert at.text[0].value == "Upload: accounts.csv + revenue.csv"
    assert not at.error

    at.switch_page("app_pages/overview.py").run()
    expected = decide(compute_metrics(load_dataset(accounts, revenue)), Policy.default())
    assert count(at, "Companies (NIPs)") == len(expected)
    assert count(at, STATUS_MD["qualified"]) == status_counts(expected)["qualified"]

    at.switch_page("app_pages/data.py").run()
    at.button(key="use_sample").click().run()
    assert count(at, "Accounts") == len(dataset.accounts)


def test_excel_workbook_with_both_sheets_is_accepted(small_upload):
    accounts, revenue = small_upload
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        accounts.to_excel(writer, sheet_name="accounts", index=False)
        revenue.to_excel(writer, sheet_name="revenue", index=False)
    at = app("app_pages/data.py")
    upload(
        at, ("book.xlsx", buffer.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), None
    )
    assert not at.error
    assert count(at, "Accounts") == len(accounts)


def test_bad_upload_shows_the_problems_and_keeps_the_old_data(sample, small_upload):
    dataset, _ = sample
    accounts, revenue = small_upload
    bad = accounts.astype({"nip": object, "positive_ratings_pct": object})
    bad.loc[3, "nip"] = "1234567890"  # wrong checksum
    bad.loc[5, "positive_ratings_pct"] = "lots"
    at = app("app_pages/data.py")
    upload(at, ("accounts.csv", csv_bytes(bad), "text/csv"), ("revenue.csv", csv_bytes(revenue), "text/csv"))
    assert at.error, "the problems are announced"
    problems = [d.value for d in at.dataframe if list(d.value.columns) == ["file", "row", "column", "value", "problem"]]
    assert problems, "the problems table is shown"
    table = problems[0]
    assert {"nip", "positive_ratings_pct"} <= set(table["column"])
    assert {"5", "7"} <= set(table["row"])  # header is row 1
    assert count(at, "Accounts") == len(dataset.accounts)
    assert at.text[0].value == state.SAMPLE_NAME
    assert any(b.label == "⬇ CSV" for b in at.get("download_button"))


def test_bad_upload_after_a_good_one_keeps_the_good_one(small_upload):
    accounts, revenue = small_upload
    at = app("app_pages/data.py")
    upload(at, ("accounts.csv", csv_bytes(accounts), "text/csv"), ("revenue.csv", csv_bytes(revenue), "text/csv"))
    upload(at, ("accounts.csv", b"not,a\naccounts,file\n", "text/csv"), ("revenue.csv", csv_bytes(revenue), "text/csv"))
    assert at.error
    assert count(at, "Accounts") == len(accounts)
    assert at.text[0].value == "Upload: accounts.csv + revenue.csv"


def test_as_of_month_changes_the_windows(sample):
    _, metrics = sample
    earlier = str(metrics.as_of - 3)
    at = app("app_pages/data.py")
    at.selectbox(key="as_of_select").select(earlier).run()
    at.switch_page("app_pages/overview.py").run()
    assert metric(at, "As-of month") == earlier
    assert at.session_state["as_of"] == earlier


# -- Seller check ---------------------------------------------------------------------------------


def test_seller_search_shows_the_company(sample):
    _, metrics = sample
    decisions = decide(metrics, Policy.default())
    qualified = decisions[decisions["status"] == "qualified"]
    row = qualified[qualified["company_name"].str.contains(PUNCTUATION.pattern)].iloc[0]  # "… s.c.", "F.H. …"
    at = app("app_pages/seller.py")
    at.text_input(key="seller_query").input(row["nip"]).run()
    assert not at.exception
    assert markdown_escaped(metric(at, "Company"), row["company_name"])  # a metric value is Markdown: escaped
    nip = row["nip"]
    assert metric(at, "NIP") == f"{nip[:3]}-{nip[3:6]}-{nip[6:8]}-{nip[8:]}"  # as people write it: 583-106-03-84
    checklist = [d.value for d in at.dataframe if "criterion" in d.value.columns][0]
    assert len(checklist) == 14
    assert checklist["passed"].tolist() == checklist_of(row, Policy.default())["passed"].tolist()
    assert len(at.get("plotly_chart")) == 2
    accounts = [d.value for d in at.dataframe if "revenue_current_window" in d.value.columns][0]
    assert len(accounts) == row["n_accounts"]


def test_seller_check_under_baseline_or_scenario(sample):
    _, metrics = sample
    baseline = decide(metrics, Policy.default())
    scenario = decide(metrics, Policy.default().scaled(2.0))
    gone = baseline[baseline["standard_ok"] & ~scenario["standard_ok"]].iloc[0]
    at = app("app_pages/whatif.py")
    at.slider(key="w:scale").set_value(200).run()
    at.switch_page("app_pages/seller.py").run()
    at.text_input(key="seller_query").input(gone["nip"]).run()
    checklist = [d.value for d in at.dataframe if "criterion" in d.value.columns][0]
    assert not checklist["passed"].iloc[0]  # standard path fails at twice the thresholds
    assert checklist["required"].iloc[0] == pln(2 * gone["company_threshold"])
    at.radio(key="seller_policy").set_value("baseline").run()
    checklist = [d.value for d in at.dataframe if "criterion" in d.value.columns][0]
    assert checklist["passed"].iloc[0]
    assert checklist["required"].iloc[0] == pln(gone["company_threshold"])


def test_near_misses_follow_the_slider(sample):
    _, metrics = sample
    decisions = decide(metrics, Policy.default())
    at = app("app_pages/seller.py")
    at.slider(key="near_within").set_value(10).run()
    shown = [d.value for d in at.dataframe if "Gap (% of threshold)" in d.value.columns][0]
    assert shown["NIP"].tolist() == near_misses(decisions, 0.10).sort_values(["shortfall_pct", "nip"])["nip"].tolist()


def test_user_text_is_never_rendered_as_markdown(small_upload):
    accounts, revenue = small_upload
    accounts = accounts.copy()
    evil = "**Bold** <img src=x onerror=alert(1)> [link](http://x)"
    accounts["account_name"] = accounts["account_name"].astype(object)
    main = accounts.index[accounts["main_account"].astype(str) == "True"][0]  # its name is the company's name
    accounts.loc[main, "account_name"] = evil
    at = app("app_pages/data.py")
    upload(
        at, ("<b>accounts</b>.csv", csv_bytes(accounts), "text/csv"), ("revenue.csv", csv_bytes(revenue), "text/csv")
    )
    assert at.text[0].value.startswith("Upload: <b>accounts</b>.csv")
    at.switch_page("app_pages/seller.py").run()
    at.text_input(key="seller_query").input(accounts.loc[main, "account_id"]).run()
    shown = [m for m in at.markdown if "Bold" in m.value or "<b>" in m.value]
    assert not shown
    # st.metric renders its value as Markdown: every mark of the name must reach it backslash-escaped.
    assert metric(at, "Company") == r"\*\*Bold\*\* \<img src\=x onerror\=alert\(1\)\> \[link\]\(http\:\/\/x\)"


def test_a_slider_move_reuses_the_cached_metrics(monkeypatch):
    calls = []
    real = datastore.compute_metrics

    def counting(dataset, as_of=None):
        calls.append(as_of)
        return real(dataset, as_of)

    monkeypatch.setattr(datastore, "compute_metrics", counting)
    state.sample_data.clear()  # a fresh copy of the sample (unless an earlier test's session still holds one)
    at = app("app_pages/whatif.py")
    assert len(calls) <= 2  # the as-of month, and the month before (the Overview's change since then)
    first = len(calls)
    for value in (120, 80, 150):
        at.slider(key="w:scale").set_value(value).run()
    at.slider(key="w:growth/min_growing_quarters").set_value(2).run()
    assert not at.exception
    assert len(calls) == first, "only decide runs on a slider move"


def test_sign_in_is_required_only_when_auth_is_configured():
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "s",
        "client_id": "id",
        "client_secret": "secret",
        "server_metadata_url": "https://login.example/.well-known/openid-configuration",
    }
    at.run()
    assert not at.exception
    assert [b.label for b in at.button] == ["Log in"] and not at.metric  # nothing of the data before sign-in
    open_app = AppTest.from_file("../app.py", default_timeout=60).run()
    assert not open_app.exception and "Log in" not in [b.label for b in open_app.button]
    assert open_app.title[0].value == "Allegro Diamond Partners"


# -- errors --------------------------------------------------------------------------------------


def test_an_unexpected_error_shows_an_error_id_and_no_details(monkeypatch, caplog):
    secret = "boom in /srv/app/core/metrics.py line 42: Firma;=1+1"

    def broken(*args, **kwargs):
        raise RuntimeError(secret)

    monkeypatch.setattr(state, "metrics", broken)
    at = AppTest.from_file("../app.py", default_timeout=TIMEOUT).run()
    assert not at.exception, "no exception element: Streamlit's own traceback view is never used"
    [message] = [e.value for e in at.error]
    found = re.fullmatch(r"Something went wrong \(error ID ([0-9a-f]{8})\)\. .*", message)
    assert found, message
    page = repr(at._tree)
    for leak in (secret, "RuntimeError", "Traceback", "metrics.py"):
        assert leak not in page
    assert any(found.group(1) in r.getMessage() and r.exc_info and secret in str(r.exc_info[1]) for r in caplog.records)


def test_error_details_are_off_in_the_server_config():
    config = tomllib.loads((Path(__file__).resolve().parent.parent / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"
