"""Scenarios (issue 8 §1): a name, a description and a policy; the changes are derived, never stored."""

from __future__ import annotations

import pandas as pd
import pytest
from builders import account, dataset, growing_seller, nip
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import Policy, PolicyError, compute_metrics, decide
from core.parameters import LEVEL_MAX_CHARS, THRESHOLD_MAX, parameters
from core.scenario import CHANGE_COLUMNS, DEFAULT_NAME, Scenario

NB = "\u00a0"
FASHION_MINUS_20 = {"categories": {"Fashion": {"company": 2_560_000}}, "growth": {"min_growing_quarters": 2}}


def test_the_diff_holds_only_what_differs_in_the_policy_file_format():
    policy = Policy.default().overlay(
        {"categories": {"fashion": {"company": 2_560_000}}, "growth": {"min_growing_quarters": 2}, "name": "x"}
    )
    assert policy.diff() == FASHION_MINUS_20  # the name is not a parameter
    assert Policy.default().diff() == {}
    assert Policy.default().overlay(policy.diff()).diff() == policy.diff()
    other = Policy.default().overlay({"growth": {"min_growing_quarters": 2}})
    assert policy.diff(other) == {"categories": {"Fashion": {"company": 2_560_000}}}
    assert other.diff(policy) == {"categories": {"Fashion": {"company": 3_200_000}}}
    assert isinstance(policy.diff()["categories"]["Fashion"]["company"], int)  # 2560000, not 2560000.0


def test_overlay_validates_the_whole_result_naming_the_key():
    with pytest.raises(PolicyError, match=r"categories\.Fashion: conditional threshold 900\u00a0000\u00a0PLN is above"):
        Policy.default().overlay({"categories": {"Fashion": {"company": 850_000, "conditional": 900_000}}})
    with pytest.raises(PolicyError, match="growth.min_growth: unknown key"):
        Policy.default().overlay({"growth": {"min_growth": 1}})
    with pytest.raises(PolicyError, match="mapping"):
        Policy.default().overlay(["growth"])


def test_a_scenario_names_its_policy():
    s = Scenario.from_changes("Fashion -20%", FASHION_MINUS_20, description="A tighter fashion threshold")
    assert (s.policy.name, s.policy.description) == ("Fashion -20%", "A tighter fashion threshold")
    assert s.diff() == FASHION_MINUS_20 and not s.is_baseline
    assert Scenario.baseline().is_baseline and Scenario.create("Just a name").is_baseline
    with pytest.raises(PolicyError, match="^name: "):
        Scenario.create("two\nlines")
    with pytest.raises(PolicyError, match="^name: "):
        Scenario.create("x" * 101)
    with pytest.raises(PolicyError, match="^name: "):
        Scenario.create("")
    with pytest.raises(PolicyError, match="^description: "):
        Scenario.create("ok", description="bell\x07")


def test_the_change_list_is_readable():
    s = Scenario.from_changes(
        "Fashion -20%",
        {
            **FASHION_MINUS_20,
            "flags": {"max_transaction_problem_rate": 0.025},
            "criteria": {"min_quality_main": "super"},
        },
    )
    frame = s.changes()
    assert list(frame.columns) == CHANGE_COLUMNS
    assert frame[["parameter", "label", "unit", "published", "scenario", "source"]].values.tolist() == [
        [
            "categories.Fashion.company",
            "Fashion — company threshold",
            "PLN",
            f"3{NB}200{NB}000{NB}PLN",
            f"2{NB}560{NB}000{NB}PLN",
            "published",
        ],
        ["criteria.min_quality_main", "Minimum sales quality, main account", "level", "Good", "Super", "published"],
        ["growth.min_growing_quarters", "Minimum growing quarters (of 4)", "count", "3", "2", "assumption"],
        [
            "flags.max_transaction_problem_rate",
            "Maximum transaction problem rate",
            "share",
            f"3{NB}%",
            f"2,5{NB}%",
            "assumption",
        ],
    ]
    assert frame["scenario_value"].tolist() == [2_560_000, "Super", 2, 0.025]
    assert Scenario.baseline().changes().empty and list(Scenario.baseline().changes().columns) == CHANGE_COLUMNS


def test_the_scenario_file_holds_the_name_then_only_what_differs():
    s = Scenario.from_changes("Fashion -20%", FASHION_MINUS_20, description="Tighter")
    text = s.to_yaml()
    assert text.splitlines()[1:] == [
        "name: Fashion -20%",
        "description: Tighter",
        "categories:",
        "  Fashion:",
        "    company: 2560000",
        "growth:",
        "  min_growing_quarters: 2",
    ]
    assert Scenario.from_yaml(text) == s
    assert Policy.from_text(text) == s.policy  # a scenario file is a policy file (the CLI reads it)
    assert Scenario.create("Nothing changed").to_yaml().splitlines()[1:] == ["name: Nothing changed"]


def test_any_policy_file_reads_as_a_scenario():
    s = Scenario.from_yaml("growth: {min_growing_quarters: 2}\n")
    assert s.name == DEFAULT_NAME and s.diff() == {"growth": {"min_growing_quarters": 2}}
    full = Policy.default().overlay(FASHION_MINUS_20).to_yaml()  # a complete policy file, every key written out
    assert Scenario.from_yaml(full).diff() == FASHION_MINUS_20
    assert Scenario.from_yaml("").is_baseline


@pytest.mark.parametrize(
    "text, fragment",
    [
        (
            "name: x\ncategories: {Fashion: {company: true}}\n",
            "s.yaml: categories.Fashion.company: Input should be a valid number",
        ),
        ("name: x\ngrowth: {min_growth: 1}\n", "s.yaml: growth.min_growth: unknown key"),
        ("name: x\nname: y\n", "s.yaml: line 2: key 'name' appears twice"),
        ("name: [1]\n", "s.yaml: name: Input should be a valid string"),
        ("description: 3\n", "s.yaml: description: Input should be a valid string"),
        ("categories: {Fashion: {brand: .inf}}\n", "s.yaml: categories.Fashion.brand: Input should be a finite number"),
        ("- a\n", "s.yaml: expected a mapping"),
    ],
)
def test_scenario_file_errors_name_the_key(text, fragment):
    with pytest.raises(PolicyError) as err:
        Scenario.from_yaml(text, source="s.yaml")
    assert fragment in "; ".join(err.value.problems)


# -- round trips on random policies ---------------------------------------------------------------------

AS_OF = "2026-10"


def _metrics():
    """A few companies close to the thresholds and gates a random policy moves, so decisions differ."""
    accounts, revenue = [], []
    specs = [  # (category, revenue now, revenue a year before, overrides)
        ("Fashion", 3_300_000, 3_000_000, {"positive_ratings_pct": 99.2}),
        ("Fashion", 900_000, 500_000, {"sales_quality": "Good"}),
        ("Fashion", 2_600_000, 2_700_000, {}),
        ("Kids", 4_600_000, 4_000_000, {"transaction_problem_rate": 0.02, "exportable_share": 0.6}),
        ("Kids", 2_300_000, 1_000_000, {"brand_zone": True, "new_condition_share": 0.55}),
        ("Electronics", 8_100_000, 7_900_000, {"sales_quality": "Neutral"}),
        ("Electronics", 6_100_000, 3_000_000, {}),
        ("Garden", 900_000, 800_000, {"brand_zone": True}),
    ]
    for i, (category, now, before, overrides) in enumerate(specs):
        aid = f"A{i}"
        accounts.append(account(aid, nip(i), main_account=True, **overrides))
        revenue += growing_seller(aid, category, now, before, as_of=AS_OF)
    return compute_metrics(dataset(accounts, revenue))


METRICS = _metrics()
NUMERIC = [p for p in parameters() if p.unit != "level"]
_LEVEL = st.text(st.sampled_from("abcdefghXYZ +-"), min_size=1, max_size=LEVEL_MAX_CHARS).map(str.strip).filter(bool)


def _number(p):
    if p.unit == "count":
        return st.integers(int(p.minimum), int(p.maximum))
    ints = st.integers(int(p.minimum), int(p.maximum)).filter(lambda v: p.minimum <= v <= p.maximum)
    return st.one_of(ints, st.floats(p.minimum, p.maximum, allow_nan=False, allow_infinity=False))


@st.composite
def policies(draw) -> Policy:
    policy = Policy.default()
    for p in draw(st.lists(st.sampled_from(NUMERIC), max_size=10, unique_by=lambda p: p.key)):
        policy, _ = policy.with_value(p.key, draw(_number(p)))
    if draw(st.booleans()):
        scale = draw(st.lists(_LEVEL, min_size=1, max_size=7, unique_by=str.lower))
        policy = policy.overlay(
            {
                "quality_scale": scale,
                "criteria": {
                    "min_quality_main": draw(st.sampled_from(scale)),
                    "min_quality_other": draw(st.sampled_from(scale)),
                },
            }
        )
    return policy


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policies())
def test_diff_then_overlay_and_yaml_round_trips_give_the_same_policy_and_decisions(policy):
    assert Policy.default().overlay(policy.diff()) == policy.model_copy(update={"name": Policy().name})
    scenario = Scenario.create("Random", policy)
    back = Scenario.from_yaml(scenario.to_yaml())
    assert back == scenario
    pd.testing.assert_frame_equal(decide(METRICS, back.policy), decide(METRICS, policy))


def test_the_round_trip_dataset_is_sensitive_to_the_policy():
    """The decisions above are worth comparing: the small dataset reacts to the parameters."""
    base = decide(METRICS, Policy.default())["status"].tolist()
    for key, value in [
        ("categories.Fashion.company", 3_400_000),
        ("growth.min_yoy_growth", 0.2),
        ("flags.max_transaction_problem_rate", 0.01),
        ("criteria.min_positive_ratings_pct", 99.5),
        ("categories.Garden.brand", THRESHOLD_MAX),
    ]:
        assert decide(METRICS, Policy.default().with_value(key, value)[0])["status"].tolist() != base, key
