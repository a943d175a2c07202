"""A scenario in the page link (issue 8 §4): readable, round-trips, and a tampered link never raises."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_scenario import policies

from core import Policy
from core.links import (
    MAX_PARAMS,
    scenario_from_query,
    scenario_from_query_string,
    scenario_to_query,
    scenario_to_query_string,
)
from core.scenario import BASELINE_NAME, DEFAULT_NAME, Scenario

FASHION = Scenario.from_changes(
    "Fashion -20%", {"categories": {"Fashion": {"company": 2_560_000}}, "growth": {"min_growing_quarters": 2}}
)


def test_one_readable_key_per_changed_parameter():
    assert scenario_to_query(FASHION) == {
        "name": "Fashion -20%",
        "Fashion.company": "2560000",
        "growth.min_growing_quarters": "2",
    }
    assert scenario_to_query_string(FASHION) == (
        "name=Fashion+-20%25&Fashion.company=2560000&growth.min_growing_quarters=2"
    )
    assert scenario_to_query(Scenario.baseline()) == {}
    assert scenario_to_query(Scenario.create("Mine")) == {"name": "Mine"}
    odd = Scenario.from_changes(
        "A & B",
        {
            "categories": {"Books & Media": {"brand": 600_000.5}},
            "flags": {"min_exportable_share": 0.25},
            "quality_scale": ["Low", "Neutral", "Good", "Top"],
        },
        description="why\nnot",
    )
    assert scenario_to_query(odd) == {
        "name": "A & B",
        "description": "why\nnot",
        "Books & Media.brand": "600000.5",
        "quality_scale": "Low|Neutral|Good|Top",
        "flags.min_exportable_share": "0.25",
    }
    assert scenario_from_query_string(scenario_to_query_string(odd)) == (odd, [])


def test_links_round_trip():
    assert scenario_from_query(scenario_to_query(FASHION)) == (FASHION, [])
    assert scenario_from_query_string("?" + scenario_to_query_string(FASHION)) == (FASHION, [])
    assert scenario_from_query({}) == (Scenario.baseline(), [])
    # Full keys and any case are read too; the UI's own keys are skipped; the name defaults.
    s, problems = scenario_from_query({"categories.fashion.company": "2560000", "saved": "abc123"})
    assert problems == [] and s.name == DEFAULT_NAME and s.diff() == {"categories": {"Fashion": {"company": 2_560_000}}}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policies())
def test_random_policies_round_trip_through_a_link(policy):
    scenario = Scenario.create("Random & co", policy)
    assert scenario_from_query_string(scenario_to_query_string(scenario)) == (scenario, [])


def _refused(params) -> list[str]:
    scenario, problems = scenario_from_query(params)
    assert scenario == Scenario.baseline() and scenario.name == BASELINE_NAME
    assert problems
    return problems


@pytest.mark.parametrize(
    "params, expected",
    [
        (
            {"Fashion.company": "99999999999"},
            "Fashion.company: 99999999999 is above the largest allowed value 80\u00a0000\u00a0000",
        ),
        ({"Fashion.company": "1" * 5000}, "Fashion.company: the value is 5\u00a0000 characters long"),
        ({"Fashion.company": "nan"}, "Fashion.company: 'nan' is not a number"),
        ({"Fashion.company": "inf"}, "Fashion.company: 'inf' is not a number"),
        ({"Kids.brand": "1e400"}, "Kids.brand: expected a finite number"),
        ({"flags.min_exportable_share": "true"}, "flags.min_exportable_share: 'true' is not a number"),
        ({"flags.min_exportable_share": "1.5"}, "flags.min_exportable_share: 1.5 is above the largest allowed value 1"),
        ({"Fashion.company": "-1"}, "Fashion.company: -1 is below the smallest allowed value 0"),
        ({"Fashion.company": "0x10"}, "Fashion.company: '0x10' is not a number"),
        ({"Fashion.company": ""}, "Fashion.company: '' is not a number"),
        ({"growth.min_growing_quarters": "2.5"}, "growth.min_growing_quarters: '2.5' is not a whole number"),
        ({"growth.min_growing_quarters": "9"}, "growth.min_growing_quarters: 9 is above the largest allowed value 4"),
        ({"Toys.company": "1"}, "Toys.company: not a policy parameter"),
        ({"growth.min_growth": "1"}, "growth.min_growth: not a policy parameter"),
        ({"Fashion.company": ["1000000", "2000000"]}, "Fashion.company: given 2 times in the link"),
        (
            {"Fashion.company": "1000000", "categories.Fashion.company": "1000000"},
            "categories.Fashion.company: the same parameter as Fashion.company",
        ),
        (
            {"Fashion.conditional": "5000000"},
            "Fashion: conditional threshold 5\u00a0000\u00a0000\u00a0PLN is above the company threshold "
            "3\u00a0200\u00a0000\u00a0PLN",
        ),
        (
            {"criteria.min_quality_main": "Excellent"},
            "criteria.min_quality_main: 'Excellent' is not a level of quality_scale",
        ),
        ({"quality_scale": "Low|High"}, "criteria.min_quality_main: 'Good' is not a level of quality_scale"),
        ({"quality_scale": "Low||High"}, "quality_scale"),
        ({"name": "x" * 200}, "name: String should have at most 100 characters"),
        ({"name": "a\nb"}, "name: control character"),
    ],
)
def test_a_tampered_link_gives_the_baseline_and_a_problem_naming_the_key(params, expected):
    problems = _refused(params)
    assert any(expected in p for p in problems), problems


def test_every_problem_is_reported_and_nothing_is_half_applied():
    problems = _refused({"growth.min_growing_quarters": "2", "Fashion.company": "abc", "bogus": "1"})
    assert problems == ["Fashion.company: 'abc' is not a number", "bogus: not a policy parameter"]


def test_a_flood_of_parameters_is_refused_quickly():
    start = time.perf_counter()
    problems = _refused({f"p{i}": "1" for i in range(10_000)})
    assert problems == [f"the link has 10\u00a0000 parameters; a scenario link has at most {MAX_PARAMS}"]
    problems = _refused_string("a=1&" * 1000)
    assert problems == [f"the link has more than {MAX_PARAMS} parameters"]
    problems = _refused_string("&".join(f"p{i}=1" for i in range(10_000)))
    assert problems == ["the link is 78\u00a0889 characters long; a scenario link has at most 20\u00a0000"]
    problems = _refused_string("name=" + "x" * 30_000)
    assert "at most 20\u00a0000" in problems[0]
    assert time.perf_counter() - start < 1.0


def _refused_string(query: str) -> list[str]:
    scenario, problems = scenario_from_query_string(query)
    assert scenario == Scenario.baseline() and problems
    return problems


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(st.text(max_size=30), st.one_of(st.text(max_size=30), st.lists(st.text(max_size=10))), max_size=8)
)
def test_any_query_gives_a_scenario_and_never_raises(params):
    scenario, problems = scenario_from_query(params)
    assert isinstance(scenario, Scenario) and all(isinstance(p, str) for p in problems)
    assert problems or scenario.policy == Policy.default().overlay(scenario.diff()).model_copy(
        update={"name": scenario.name, "description": scenario.description}
    )
