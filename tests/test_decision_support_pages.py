"""AppTest tests of the What-if page's decision support (issue 9): the curve, both target searches with their
one-click apply, the program view and the summary, on the sample and on an uploaded dataset."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest
from test_workbench_pages import TIMEOUT, WHATIF, count, qualified_under

from core import Policy, compute_metrics, decide
from core.loading import load_dataset
from core.targets import target
from ui import state


@pytest.fixture(scope="module")
def metrics():
    return compute_metrics(load_dataset(state.SAMPLE_DIR / "accounts.csv", state.SAMPLE_DIR / "revenue.csv"))


def whatif(tab: str = "Curves and targets") -> AppTest:
    """The What-if page with ``tab`` open (a tab's content runs only while it is open)."""
    at = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    at.run()
    at.session_state["whatif_tab"] = tab
    at.switch_page(WHATIF).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def plain(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text).replace("\u00a0", " ").replace("\u202f", " ")


def fashion_qualified(metrics, spec: dict) -> int:
    d = decide(metrics, Policy.from_dict(spec))
    return int(((d["status"] == "qualified") & (d["main_category"] == "Fashion")).sum())


def test_curve_and_sensitivity_are_shown():
    at = whatif()
    at.selectbox(key="target_category").set_value("Fashion").run()
    assert not at.exception
    assert count(at, "Qualified in Fashion now") == 15
    assert any(m.label == "Within ±5 % of the threshold" for m in at.metric)
    charts = [c for c in at.get("plotly_chart") if "threshold" in c.proto.spec]
    assert charts, "no threshold curve drawn"


def test_unreachable_target_says_why_and_the_alternative_applies(metrics):
    at = whatif()
    at.selectbox(key="target_category").set_value("Fashion").run()
    at.number_input(key="target_count_Fashion_company").set_value(10).run()
    warnings = [plain(w.value) for w in at.warning]
    assert any(
        "13 is the minimum by the company threshold" in w and "12 on the conditional path" in w for w in warnings
    )
    infos = [plain(i.value) for i in at.info]
    assert any("conditional threshold" in i for i in infos)
    at.button(key="apply_alternative_0").click().run()
    assert not at.exception
    spec = at.session_state[state.SCENARIO]
    assert fashion_qualified(metrics, spec) == 10
    assert count(at, "Qualified in Fashion now") == 10  # the curve tab reads the new scenario


def test_reachable_target_applies_exactly(metrics):
    at = whatif()
    at.selectbox(key="target_category").set_value("Fashion").run()
    at.number_input(key="target_count_Fashion_company").set_value(15).run()
    assert any("gives exactly 15 qualified companies" in plain(s.value) for s in at.success)
    at.button(key="apply_target").click().run()
    assert not at.exception
    spec = at.session_state[state.SCENARIO]
    expected = target(metrics, Policy.default(), "Fashion", 15)
    assert spec["categories"]["Fashion"]["company"] == expected.low / 100
    assert fashion_qualified(metrics, spec) == 15
    assert any("Applied" in plain(i.value) for i in at.info)


def test_program_wide_scale_applies_exactly(metrics):
    at = whatif()
    at.number_input(key="target_total").set_value(100)
    at.button[[b.label for b in at.button].index("Find the scale")].click().run()
    assert any("gives exactly 100 qualified companies" in plain(s.value) for s in at.success)
    at.button(key="apply_scale").click().run()
    assert not at.exception
    spec = at.session_state[state.SCENARIO]
    assert qualified_under(metrics, spec) == 100
    assert at.session_state[state.SCALE] == 100


def test_program_view_and_summary():
    at = whatif("Program")
    at.slider(key="w:scale").set_value(110).run()
    assert not at.exception
    codes = [plain(c.value) for c in at.code]
    assert any(c.startswith("Raising every threshold by 10 % removes 11 partners") for c in codes), codes
    tables = [t for t in at.dataframe if "partners_share" in t.value.columns]
    assert tables and tables[0].value["category"].iloc[-1] == "All categories"
    assert tables[0].value["partners"].iloc[-1] == 110


def test_works_on_an_uploaded_dataset(tmp_path):
    """A small upload through the Data page: the curve and the target run on it, not on the sample."""
    from test_app_pages import upload

    from core.sample import write_sample

    write_sample(tmp_path, companies=300, seed=7)
    ds = load_dataset(tmp_path / "accounts.csv", tmp_path / "revenue.csv")
    at = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    at.run()
    at.switch_page("app_pages/data.py").run()
    files = [(name, (tmp_path / name).read_bytes(), "text/csv") for name in ("accounts.csv", "revenue.csv")]
    upload(at, files[0], files[1])
    at.session_state["whatif_tab"] = "Curves and targets"
    at.switch_page(WHATIF).run()
    assert not at.exception, [e.value for e in at.exception]
    d = decide(compute_metrics(ds), Policy.default())
    assert count(at, "Qualified in Automotive now") == int(
        ((d["status"] == "qualified") & (d["main_category"] == "Automotive")).sum()
    )
