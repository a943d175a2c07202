"""AppTest tests of the What-if workbench: the threshold controls (one rule, exact values, ± %), and
the bugs of issue 8, each checked to fail on the code before its fix."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from core import Policy, compute_metrics, decide
from core.explain import status_counts
from core.loading import load_dataset
from ui import state

TIMEOUT = 60
WHATIF = "app_pages/whatif.py"


@pytest.fixture(scope="module")
def metrics():
    return compute_metrics(load_dataset(state.SAMPLE_DIR / "accounts.csv", state.SAMPLE_DIR / "revenue.csv"))


def qualified_under(metrics, spec: dict) -> int:
    return status_counts(decide(metrics, Policy.from_dict(spec)))["qualified"]


def count(at: AppTest, label: str) -> int:
    found = [m.value for m in at.metric if m.label == label]
    assert found, f"no metric {label!r}"
    return int(found[0].replace(" ", "").replace("\u00a0", ""))


def whatif(spec: dict | None = None) -> AppTest:
    at = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    at.run()
    if spec is not None:
        at.session_state[state.SCENARIO] = Policy.from_dict(spec).to_dict()
    at.switch_page(WHATIF).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(elements) -> list[str]:
    """The messages as a person reads them (notes are Markdown-escaped: ``\\.`` shows as ``.``)."""
    return [re.sub(r"\\(.)", r"\1", e.value) for e in elements]


# -- issue 8: a threshold above the old 20 000 000 slider maximum ------------------------------


def test_a_threshold_above_twenty_million_does_not_crash_the_page(metrics):
    # Failed before: StreamlitValueAboveMaxError from the category slider (max 20 000 000).
    spec = {"categories": {"Automotive": {"company": 25_000_000}}}
    at = whatif(spec)
    assert at.slider(key="w:categories/Automotive/company").value == 25_000_000
    assert count(at, "Qualified — scenario") == qualified_under(metrics, spec)


def test_an_exact_value_typed_above_twenty_million_is_kept(metrics):
    at = whatif()
    at.number_input(key="w:categories/Automotive/company#exact").set_value(21_000_001).run()
    assert not at.exception
    assert state.Policy.from_dict(at.session_state[state.SCENARIO]).categories["Automotive"].company == 21_000_001
    assert at.slider(key="w:categories/Automotive/company").value == 21_000_001
    spec = {"categories": {"Automotive": {"company": 21_000_001}}}
    assert count(at, "Qualified — scenario") == qualified_under(metrics, spec)


# -- exact values and ± % ---------------------------------------------------------------------------


def test_plus_twenty_percent_of_supermarket_is_exact(metrics):
    # Failed before: the slider moves in 50 000 steps, so 8 760 000 (7 300 000 + 20 %) could not be set.
    at = whatif()
    at.selectbox(key="whatif_category").select("Supermarket").run()
    at.number_input(key="w:percent/Supermarket").set_value(20).run()
    at.button(key="apply_percent/Supermarket").click().run()
    assert not at.exception
    thresholds = at.session_state[state.SCENARIO]["categories"]["Supermarket"]
    assert thresholds == {"company": 8_760_000, "conditional": 4_380_000, "brand": 1_200_000}
    assert at.number_input(key="w:categories/Supermarket/company#exact").value == 8_760_000
    assert at.slider(key="w:categories/Supermarket/company").value == 8_760_000
    expected = qualified_under(metrics, {"categories": {"Supermarket": thresholds}})
    assert count(at, "Qualified — scenario") == expected


def test_slider_and_exact_input_show_the_same_value():
    at = whatif()
    at.selectbox(key="whatif_category").select("Fashion").run()
    at.slider(key="w:categories/Fashion/brand").set_value(400_000).run()
    assert at.number_input(key="w:categories/Fashion/brand#exact").value == 400_000
    at.number_input(key="w:categories/Fashion/brand#exact").set_value(412_345).run()
    assert at.slider(key="w:categories/Fashion/brand").value == 412_345


# -- one rule for conditional ≤ company, said in the UI ----------------------------------------------


def test_lowering_the_company_threshold_lowers_the_conditional_and_says_so(metrics):
    at = whatif()
    at.selectbox(key="whatif_category").select("Fashion").run()
    at.number_input(key="w:categories/Fashion/company#exact").set_value(600_000).run()
    assert at.number_input(key="w:categories/Fashion/conditional#exact").value == 600_000
    assert any("Fashion: conditional lowered to 600\u00a0000\u00a0PLN" in t for t in texts(at.info)), texts(at.info)
    spec = {"categories": {"Fashion": {"company": 600_000, "conditional": 600_000}}}
    assert count(at, "Qualified — scenario") == qualified_under(metrics, spec)
    at.run()  # the note is said once
    assert not any("lowered" in t for t in texts(at.info))


def test_a_conditional_above_the_company_threshold_is_lowered_with_a_note():
    at = whatif()
    at.selectbox(key="whatif_category").select("Fashion").run()
    at.slider(key="w:categories/Fashion/conditional").set_value(5_000_000).run()
    assert not at.exception and not at.error
    assert at.slider(key="w:categories/Fashion/conditional").value == 3_200_000
    assert any("conditional lowered to 3" in t for t in texts(at.info))


# -- the thresholds table's edits ---------------------------------------------------------------


def test_table_edits_are_relative_to_the_snapshot_and_only_changes_count():
    base = Policy.default().to_dict()["categories"]
    current = {**base, "Fashion": {"company": 3_000_000, "conditional": 800_000, "brand": 350_000}}
    rows = list(base)
    edits = state.table_edits(
        base,
        {
            rows.index("Fashion"): {"company": 3_000_000},  # already applied: no change
            rows.index("Garden"): {"brand": 900_000, "conditional": None},  # a blank is passed on (the rule ignores it)
            rows.index("Kids"): {"company": 4_500_000},  # the same as the scenario: nothing
        },
        current,
    )
    assert edits == {"Garden": {"brand": 900_000, "conditional": None}}


# -- the workbench: name, library, link, file, compare -------------------------------------------


@pytest.fixture
def library(tmp_path, monkeypatch):
    """A fresh, empty scenario library for one test."""
    monkeypatch.setenv("DPE_SCENARIO_DB", str(tmp_path / "scenarios.sqlite"))
    from core.scenario_store import ScenarioStore

    return ScenarioStore(f"sqlite:///{tmp_path / 'scenarios.sqlite'}")


def name_scenario(at: AppTest, name: str, description: str = "") -> None:
    at.text_input(key="wb:name").input(name).run()
    if description:
        at.text_input(key="wb:description").input(description).run()


def test_save_two_scenarios_and_open_one(library, metrics):
    at = whatif()
    at.slider(key="w:scale").set_value(80).run()
    name_scenario(at, "Lower by 20 %", "**not bold** <b>x</b>")
    at.button(key="wb:save").click().run()
    assert not at.exception
    at.slider(key="w:scale").set_value(150).run()
    name_scenario(at, "Higher by 50 %")
    at.button(key="wb:save").click().run()
    saved = {s.name: s for s in library.list()}
    assert set(saved) == {"Lower by 20 %", "Higher by 50 %"}
    assert saved["Lower by 20 %"].description == "**not bold** <b>x</b>"
    # A name already in the library is refused with a message, nothing lost.
    at.button(key="wb:save").click().run()
    assert at.error and len(library.list()) == 2
    # Open the first: its counts come back, at scale 100 % (the diff holds the scaled thresholds).
    at.selectbox(key="wb:chosen").select(saved["Lower by 20 %"].id).run()
    at.button(key="wb:open").click().run()
    assert at.slider(key="w:scale").value == 100
    expected = qualified_under(metrics, Policy.default().scaled(0.8).to_dict())
    assert count(at, "Qualified — scenario") == expected
    assert at.text_input(key="wb:name").value == "Lower by 20 %"
    assert at.query_params.get("saved") == [str(saved["Lower by 20 %"].id)] or at.query_params.get("saved") == str(
        saved["Lower by 20 %"].id
    )
    # User text is never Markdown: not in any markdown element.
    assert not [m for m in at.markdown if "not bold" in m.value]


def test_rename_duplicate_delete(library):
    first = library.save("Alpha", "", {"growth": {"min_growing_quarters": 2}}, None)
    at = whatif()
    at.selectbox(key="wb:chosen").select(first.id).run()
    at.text_input(key="wb:new_name").input("Beta").run()
    at.button(key="wb:duplicate").click().run()
    assert sorted(s.name for s in library.list()) == ["Alpha", "Beta"]
    at.button(key="wb:rename").click().run()  # Beta is taken
    assert at.error and sorted(s.name for s in library.list()) == ["Alpha", "Beta"]
    at.text_input(key="wb:new_name").input("Gamma").run()
    at.button(key="wb:rename").click().run()
    assert sorted(s.name for s in library.list()) == ["Beta", "Gamma"]
    at.selectbox(key="wb:chosen").select(first.id).run()
    at.checkbox(key="wb:confirm_delete").check().run()
    at.button(key="wb:delete").click().run()
    assert [s.name for s in library.list()] == ["Beta"]


def test_a_link_opens_the_scenario(library, metrics):
    at = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    at.query_params["name"] = "Fashion down"
    at.query_params["Fashion.company"] = "2560000"
    at.query_params["growth.min_growing_quarters"] = "2"
    at.run()
    at.switch_page(WHATIF).run()
    assert not at.exception
    spec = {"categories": {"Fashion": {"company": 2_560_000}}, "growth": {"min_growing_quarters": 2}}
    assert count(at, "Qualified — scenario") == qualified_under(metrics, spec)
    assert at.text_input(key="wb:name").value == "Fashion down"


def test_a_tampered_link_says_so_and_shows_the_baseline(library, metrics):
    at = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    at.query_params["Fashion.company"] = "lots"
    at.query_params["nonsense"] = "1"
    at.run()
    at.switch_page(WHATIF).run()
    assert not at.exception
    assert any("This link could not be opened" in e.value and "nonsense" in e.value for e in at.error)
    assert count(at, "Qualified — scenario") == qualified_under(metrics, {})


def test_a_link_to_a_saved_scenario(library, metrics):
    saved = library.save("Two quarters", "", {"growth": {"min_growing_quarters": 2}}, None)
    at = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    at.query_params["saved"] = str(saved.id)
    at.run()
    at.switch_page(WHATIF).run()
    assert count(at, "Qualified — scenario") == qualified_under(metrics, {"growth": {"min_growing_quarters": 2}})
    gone = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    gone.query_params["saved"] = "999"
    gone.run()
    gone.switch_page(WHATIF).run()
    assert not gone.exception and any("could not be opened" in e.value for e in gone.error)


def test_import_a_scenario_file_and_a_bad_one(library, metrics):
    at = whatif()
    good = b"name: From a file\ncategories:\n  Kids: {company: 4000000}\n"
    kids = {"categories": {"Kids": {"company": 4_000_000}}}
    at.file_uploader(key="wb:import").set_value(("kids.yaml", good, "application/x-yaml")).run()
    assert not at.exception
    assert count(at, "Qualified — scenario") == qualified_under(metrics, kids)
    bad = b"growth:\n  min_growing_quarters: 9\n"
    at.file_uploader(key="wb:import").set_value(("bad.yaml", bad, "application/x-yaml")).run()
    assert any("growth.min_growing_quarters" in t for t in texts(at.error))
    assert count(at, "Qualified — scenario") == qualified_under(metrics, kids)


def test_compare_the_baseline_with_saved_scenarios(library, metrics):
    library.save("Half", "", Policy.default().scaled(0.5).diff(), None)
    at = whatif()
    assert not at.get("multiselect"), "the Compare tab runs only when open"
    at.session_state["whatif_tab"] = "Compare"  # what a click on the tab does
    at.run()
    at.multiselect(key="wb:compare").set_value(["(the scenario being edited)", "Half"]).run()
    assert not at.exception
    totals = [d.value for d in at.dataframe if "revenue_covered" in d.value.columns and "scenario" in d.value.columns]
    assert totals
    frame = totals[0].set_index("scenario")
    assert frame.loc["Half", "qualified"] == qualified_under(metrics, Policy.default().scaled(0.5).to_dict())
    at.selectbox(key="wb:flip_b").select("Half").run()
    flipped = [d.value for d in at.dataframe if "why" in d.value.columns][0]
    assert (flipped["change"] == "enters").any()
    assert flipped["why"].str.contains("PLN").all()


def test_user_text_in_a_link_or_file_is_shown_literally(library):
    at = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    at.query_params["**bold**<img src=x>"] = "1"
    at.run()
    at.switch_page(WHATIF).run()
    assert not at.exception
    shown = [e.value for e in at.error if "could not be opened" in e.value]
    assert shown and "\\*\\*bold\\*\\*\\<img src\\=x\\>" in shown[0]  # every mark escaped: Markdown shows it as is
    at.file_uploader(key="wb:import").set_value(("**evil**.yaml", b"'[x](http://e)': 1\n", "application/x-yaml")).run()
    assert not at.exception
    assert any("\\*\\*evil\\*\\*" in e.value and "\\[x\\]" in e.value for e in at.error)
