"""The policy file (rules.md §6): defaults, overlay, files, errors that name the key."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import CATEGORIES, Policy, PolicyError
from core import parameters as params
from core.parameters import THRESHOLD_MAX, help_text, parameter, parameters
from core.policy import ASSUMPTION, PUBLISHED, PUBLISHED_THRESHOLDS, field_help


def test_default_is_the_published_table_in_the_pages_order():
    p = Policy.default()
    assert list(p.categories) == list(CATEGORIES) and len(CATEGORIES) == 15
    assert CATEGORIES[0] == "Automotive" and CATEGORIES[-1] == "Supermarket"
    assert p.categories["Electronics"].model_dump() == {"company": 8e6, "conditional": 6e6, "brand": 4.5e6}
    assert p.categories["Fashion"].model_dump() == {"company": 3.2e6, "conditional": 8e5, "brand": 3.5e5}
    assert p.categories["Garden"].model_dump() == {"company": 7.5e6, "conditional": 3.75e6, "brand": 8.3e5}
    assert p.quality_scale == ["Unacceptable", "Needs improvement", "Neutral", "Good", "Super", "Super+"]
    assert (p.criteria.min_positive_ratings_pct, p.criteria.min_quality_main, p.criteria.min_quality_other) == (
        99,
        "Good",
        "Neutral",
    )
    assert (p.growth.min_yoy_growth, p.growth.min_growing_quarters, p.conditional.peer_percentile) == (0, 3, 50)
    assert (p.flags.max_transaction_problem_rate, p.flags.min_exportable_share, p.flags.min_new_condition_share) == (
        0.03,
        0.5,
        0.5,
    )


def test_a_file_only_holds_what_it_changes():
    p = Policy.from_text("categories:\n  fashion: {company: 4000000}\ngrowth:\n  min_growing_quarters: 2\n")
    assert p.categories["Fashion"].model_dump() == {"company": 4e6, "conditional": 8e5, "brand": 3.5e5}
    assert p.categories["Kids"] == Policy.default().categories["Kids"]
    assert list(p.categories) == list(CATEGORIES)  # the order still breaks ties
    assert p.growth.min_growing_quarters == 2 and p.growth.min_yoy_growth == 0
    assert Policy.from_text("") == Policy.default()


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_save_and_load_round_trip(tmp_path, suffix):
    p = Policy.from_dict(
        {"name": "Scenario A", "categories": {"Kids": {"brand": 1}}, "criteria": {"min_quality_main": "super"}}
    )
    path = tmp_path / f"p{suffix}"
    p.save(path)
    assert Policy.load(path) == p
    assert p.criteria.min_quality_main == "Super"


def test_polish_level_names_are_accepted():
    assert (
        Policy.from_dict({"criteria": {"min_quality_other": "wymaga poprawy"}}).criteria.min_quality_other
        == "Needs improvement"
    )


@pytest.mark.parametrize(
    "data, key, fragment",
    [
        ({"threshold": 1}, "threshold", "unknown key"),
        ({"criteria": {"min_rating": 1}}, "criteria.min_rating", "unknown key"),
        ({"categories": {"Fashion": {"company": -1}}}, "categories.Fashion.company", "greater than or equal to 0"),
        ({"categories": {"Fashion": {"conditional": 3_300_000}}}, "categories.Fashion", "above the company threshold"),
        ({"categories": {"Toys": {"company": 1}}}, "categories", "'Toys' is not a category"),
        ({"criteria": {"min_quality_main": "Excellent"}}, "criteria.min_quality_main", "not a level of quality_scale"),
        (
            {"criteria": {"min_positive_ratings_pct": 101}},
            "criteria.min_positive_ratings_pct",
            "less than or equal to 100",
        ),
        ({"growth": {"min_growing_quarters": 5}}, "growth.min_growing_quarters", "less than or equal to 4"),
        ({"flags": {"min_exportable_share": 1.5}}, "flags.min_exportable_share", "less than or equal to 1"),
        ({"quality_scale": ["Good", "good"]}, "quality_scale", "twice"),
        ({"currency": "EUR"}, "currency", "PLN"),
    ],
)
def test_invalid_policies_name_the_key(data, key, fragment):
    with pytest.raises(PolicyError) as err:
        Policy.from_dict(data)
    message = "; ".join(err.value.problems)
    assert key in message and fragment in message


def test_a_policy_is_a_mapping():
    for data in (["a"], "growth", 3):
        with pytest.raises(PolicyError, match="policy: Input should be a valid dictionary"):
            Policy.from_dict(data)


def test_unreadable_files_are_policy_errors(tmp_path):
    bad = tmp_path / "p.yaml"
    bad.write_text("categories: [1, 2\n")
    with pytest.raises(PolicyError, match="not valid YAML"):
        Policy.load(bad)
    bad.write_text("- a list\n")
    with pytest.raises(PolicyError, match="mapping"):
        Policy.load(bad)
    with pytest.raises(PolicyError, match="cannot read"):
        Policy.load(tmp_path / "missing.yaml")


def test_every_field_says_whether_it_is_published_or_our_assumption():
    for section, key, source in [
        ("criteria", "min_positive_ratings_pct", PUBLISHED),
        ("criteria", "min_quality_main", PUBLISHED),
        ("growth", "min_yoy_growth", ASSUMPTION),
        ("growth", "min_growing_quarters", ASSUMPTION),
        ("conditional", "peer_percentile", ASSUMPTION),
        ("flags", "max_transaction_problem_rate", ASSUMPTION),
        ("policy", "quality_scale", ASSUMPTION),
        ("thresholds", "company", PUBLISHED),
    ]:
        text = field_help(section, key)
        assert text.startswith("Published rule." if source == PUBLISHED else "Our assumption")


def test_scaling_multiplies_every_threshold():
    p = Policy.default().scaled(0.5)
    assert p.categories["Fashion"].model_dump() == {"company": 1.6e6, "conditional": 4e5, "brand": 1.75e5}
    assert p.criteria == Policy.default().criteria


# -- A. parameter metadata is data, in one place ------------------------------------------------------

SEED = [
    Path(__file__).resolve().parents[1] / "seed" / "allegro-diamond-partners.txt",
    Path("/work/shared/seed/allegro-diamond-partners.txt"),
]


def test_every_parameter_of_a_policy_is_listed_once_in_the_files_order():
    keys = [p.key for p in parameters()]
    assert len(keys) == len(set(keys)) == 15 * 3 + 1 + 9
    assert keys[:3] == [
        "categories.Automotive.company",
        "categories.Automotive.conditional",
        "categories.Automotive.brand",
    ]
    assert keys[45:] == [
        "quality_scale",
        "criteria.min_positive_ratings_pct",
        "criteria.min_quality_main",
        "criteria.min_quality_other",
        "growth.min_yoy_growth",
        "growth.min_growing_quarters",
        "conditional.peer_percentile",
        "flags.max_transaction_problem_rate",
        "flags.min_exportable_share",
        "flags.min_new_condition_share",
    ]
    default = Policy.default()
    for p in parameters():
        assert params.value_of(default, p.key) == params.default_value(p.key), p.key  # the model's defaults
        assert p.unit in ("PLN", "percent", "share", "count", "level") and p.source in (PUBLISHED, ASSUMPTION)
        assert p.label and p.description
        if p.unit != "level":
            assert p.minimum is not None and p.maximum is not None and p.step and p.slider_step
    assert parameter("categories.Fashion.company").default == PUBLISHED_THRESHOLDS["Fashion"][0] == 3_200_000


def test_category_keys_are_read_in_any_case_and_without_the_section():
    assert params.canonical_key("categories.fashion.Company") == "categories.Fashion.company"
    assert params.canonical_key("Books & Media.brand") == "categories.Books & Media.brand"
    for bad in ["categories.Toys.company", "growth.min_growth", "Fashion.gold", "", "a.b.c.d"]:
        with pytest.raises(PolicyError, match="not a policy parameter"):
            parameter(bad)


def _numeric():
    return [p for p in parameters() if p.unit != "level"]


def test_the_models_bounds_are_the_parameters_bounds():
    """One fact: every parameter's minimum and maximum are accepted by the policy, and one step beyond
    each is refused with a message naming the key."""
    for p in _numeric():
        base = Policy.default()
        if p.key.endswith(".conditional"):  # room to raise the conditional threshold to the maximum
            base = base.with_value(p.key.replace(".conditional", ".company"), THRESHOLD_MAX)[0]
        for edge in (p.minimum, p.maximum):
            policy, _ = base.with_value(p.key, edge)
            assert params.value_of(policy, p.key) == edge
        for outside in (p.minimum - p.step, p.maximum + p.step):
            with pytest.raises(PolicyError, match=re.escape(p.key)):
                base.with_value(p.key, outside)
            with pytest.raises(PolicyError, match=re.escape(p.key)):  # and the model itself, from a file
                base.overlay(_nested(p.key, outside))


def _nested(key, value):
    *path, last = key.split(".")
    out = node = {}
    for part in path:
        node = node.setdefault(part, {})
    node[last] = value
    return out


def test_thresholds_above_the_controls_maximum_are_refused_naming_the_key():
    assert THRESHOLD_MAX == 80_000_000  # 10 × the largest published threshold (Electronics, 8 million)
    assert max(max(t) for t in PUBLISHED_THRESHOLDS.values()) * 10 <= THRESHOLD_MAX
    at_max = Policy.from_dict({"categories": {"Kids": {"brand": THRESHOLD_MAX}}})
    assert at_max.categories["Kids"].brand == THRESHOLD_MAX
    with pytest.raises(PolicyError, match=r"categories\.Kids\.brand: .*less than or equal to 80\u00a0000\u00a0000"):
        Policy.from_text("categories:\n  Kids: {brand: 80000001}\n")
    with pytest.raises(PolicyError, match=r"categories\.Electronics\.company"):
        Policy.default().scaled(11)


def test_published_parameters_quote_the_page_word_for_word():
    page = next((p for p in SEED if p.exists()), None)
    if page is None:
        pytest.skip("the program page (seed/allegro-diamond-partners.txt) is not on this machine")
    text = page.read_text(encoding="utf-8")
    for p in parameters():
        if p.published:
            assert p.quote, p.key
        if p.quote:
            assert p.quote in text, p.key
        if p.unit == "PLN":  # the number in the quoted cell is the default
            assert f"{p.default:,.0f} PLN" in p.quote
    for kind in ("company", "conditional", "brand"):
        assert params.threshold_kind(kind).quote in text


def test_help_text_starts_with_published_or_our_assumption():
    assert help_text("categories.Fashion.company").startswith("Published rule: ")
    assert "“Fashion | Threshold for companies 3,200,000 PLN”" in help_text("categories.Fashion.company")
    assert help_text("criteria.min_positive_ratings_pct").startswith("Published rule: ")
    assert help_text("growth.min_growing_quarters").startswith("Our assumption (the page does not say): ")
    assert "“your revenue is growing steadily”" in help_text("growth.min_growing_quarters")
    assert help_text("categories.*.brand").startswith("Published rule: ")
    for p in parameters():
        prefix = "Published rule: " if p.published else "Our assumption (the page does not say): "
        assert help_text(p.key).startswith(prefix)
        # the legacy helper reads the same source and description
        section, _, key = p.key.rpartition(".")
        if section.startswith("categories"):
            legacy = field_help("thresholds", key)
        else:
            legacy = field_help(section or "policy", key)
        assert legacy.startswith("Published rule." if p.published else "Our assumption") and p.description in legacy


@pytest.mark.parametrize(
    "key, value, fragment",
    [
        ("categories.Fashion.company", True, "expected a number"),
        ("categories.Fashion.company", "3200000", "expected a number"),
        ("categories.Fashion.company", float("nan"), "finite"),
        ("categories.Fashion.company", float("inf"), "finite"),
        ("categories.Fashion.company", -1, "below the smallest allowed value 0"),
        ("categories.Fashion.company", 80_000_001, "above the largest allowed value 80\u00a0000\u00a0000"),
        ("growth.min_growing_quarters", 2.5, "whole number"),
        ("growth.min_growing_quarters", 5, "above the largest allowed value 4"),
        ("criteria.min_quality_main", 3, "expected a level name"),
        ("quality_scale", "Good", "list of level names"),
    ],
)
def test_validate_refuses_naming_the_key(key, value, fragment):
    with pytest.raises(PolicyError) as err:
        params.validate(key, value)
    assert err.value.problems[0].startswith(key + ":") and fragment in err.value.problems[0]


def test_validate_keeps_the_typed_value_and_clamp_is_for_placing_controls():
    assert params.validate("categories.Fashion.company", 1_234_567.89) == 1_234_567.89  # never rounded
    assert type(params.validate("categories.Kids.brand", np.int64(5))) is int  # a table cell's numpy scalar
    assert type(params.validate("categories.Kids.brand", np.float64(5.5))) is float
    quarters = params.validate("growth.min_growing_quarters", 2.0)
    assert quarters == 2 and isinstance(quarters, int)
    assert params.clamp("categories.Fashion.company", -5) == 0
    assert params.clamp("categories.Fashion.company", 10**12) == THRESHOLD_MAX
    assert params.clamp("flags.min_exportable_share", 0.3) == 0.3
    assert params.slider_bounds("criteria.min_positive_ratings_pct") == (90.0, 100.0)
    assert params.slider_bounds("criteria.min_positive_ratings_pct", 80.0) == (80.0, 100.0)  # widened to show the value
    assert params.slider_bounds("categories.Kids.brand", 5) == (0, THRESHOLD_MAX)
    assert parameter("categories.Kids.brand").step == 1 and parameter("categories.Kids.brand").slider_step == 50_000


def test_values_are_formatted_in_their_unit():
    nb = "\u00a0"
    assert params.format_value("categories.Fashion.company", 2_560_000) == f"2{nb}560{nb}000{nb}PLN"
    assert params.format_value("criteria.min_positive_ratings_pct", 99.0) == f"99{nb}%"
    assert params.format_value("flags.max_transaction_problem_rate", 0.025) == f"2,5{nb}%"
    assert params.format_value("flags.max_transaction_problem_rate", 0.07) == f"7{nb}%"  # no float noise
    assert params.format_value("growth.min_growing_quarters", 2) == "2"
    assert params.format_value("criteria.min_quality_main", "Super") == "Super"
    assert params.format_value("quality_scale", ["Bad", "Good"]) == "Bad < Good"


# -- B. one rule for conditional ≤ company ---------------------------------------------------------------


def test_lowering_company_below_conditional_lowers_conditional_and_says_so():
    policy, notes = Policy.default().with_threshold("Fashion", "company", 600_000)
    assert policy.categories["Fashion"].model_dump() == {"company": 6e5, "conditional": 6e5, "brand": 3.5e5}
    assert notes == ["Fashion: conditional lowered to 600\u00a0000\u00a0PLN to stay at or below the company threshold"]


def test_a_conditional_above_company_is_lowered_to_it_and_says_so():
    policy, notes = Policy.default().with_threshold("fashion", "conditional", 5_000_000)
    assert policy.categories["Fashion"].conditional == 3_200_000
    assert notes == [
        "Fashion: conditional lowered to 3\u00a0200\u00a0000\u00a0PLN to stay at or below the company threshold"
    ]


def test_edits_that_keep_the_order_change_nothing_else():
    base = Policy.default()
    policy, notes = base.with_threshold("Fashion", "conditional", 3_200_000)  # equal is allowed
    assert notes == [] and policy.categories["Fashion"].conditional == 3_200_000
    policy, notes = base.with_threshold("Kids", "brand", 1_234_567.89)
    assert notes == [] and policy.categories["Kids"].brand == 1_234_567.89  # the typed value, not rounded
    # company and conditional typed together in one row: applied together, no adjustment needed
    policy, notes = base.with_thresholds({"Fashion": {"company": 500_000, "conditional": 400_000, "brand": None}})
    assert notes == []
    assert policy.categories["Fashion"].model_dump() == {"company": 5e5, "conditional": 4e5, "brand": 3.5e5}
    assert policy.diff() == {"categories": {"Fashion": {"company": 500_000, "conditional": 400_000}}}
    assert base == Policy.default()  # the original policy is untouched


@pytest.mark.parametrize(
    "category, which, value, key",
    [
        ("Fashion", "company", -1, "categories.Fashion.company"),
        ("Fashion", "brand", THRESHOLD_MAX + 1, "categories.Fashion.brand"),
        ("Fashion", "company", float("inf"), "categories.Fashion.company"),
        ("Fashion", "company", True, "categories.Fashion.company"),
        ("Toys", "company", 1, "categories.Toys.company"),
        ("Fashion", "gold", 1, "categories.Fashion.gold"),
    ],
)
def test_threshold_edits_out_of_bounds_are_refused_naming_the_key(category, which, value, key):
    with pytest.raises(PolicyError) as err:
        Policy.default().with_threshold(category, which, value)
    assert err.value.problems[0].startswith(key + ":")


def test_with_value_sets_any_parameter_by_its_key():
    policy, notes = Policy.default().with_value("growth.min_growing_quarters", 2)
    assert notes == [] and policy.growth.min_growing_quarters == 2
    policy, notes = Policy.default().with_value("Fashion.company", 600_000)
    assert policy.categories["Fashion"].conditional == 600_000 and len(notes) == 1
    with pytest.raises(PolicyError, match="criteria.min_quality_main"):
        Policy.default().with_value("quality_scale", ["Low", "High"])  # Good is no longer on the scale
    with pytest.raises(PolicyError, match="criteria.min_quality_main"):
        Policy.default().with_value("criteria.min_quality_main", "Excellent")


# -- C. hostile policy files (issue 7): refused naming the key or the line, never a traceback ---------------


def _problems(text: str) -> str:
    with pytest.raises(PolicyError) as err:
        Policy.from_text(text, source="p.yaml")
    return "; ".join(err.value.problems)


def test_deep_nesting_is_refused_not_a_recursion_error():
    assert "nested more than 20 levels" in _problems("growth: " + "[" * 2000 + "]" * 2000 + "\n")
    assert "nested more than 20 levels" in _problems("a:\n" + "".join(" " * i + "b:\n" for i in range(1, 60)))


@pytest.mark.parametrize(
    "text, key",
    [
        ("categories:\n  Fashion: {company: true}\n", "categories.Fashion.company"),
        ("growth: {min_growing_quarters: true}\n", "growth.min_growing_quarters"),
        ("flags: {min_exportable_share: false}\n", "flags.min_exportable_share"),
        ("criteria: {min_positive_ratings_pct: '99'}\n", "criteria.min_positive_ratings_pct"),
        ("criteria: {min_quality_main: 3}\n", "criteria.min_quality_main"),
        ("quality_scale: [Low, true]\n", "quality_scale.1"),
    ],
)
def test_booleans_and_text_are_not_numbers(text, key):
    assert f"p.yaml: {key}: " in _problems(text)


def test_a_duplicated_key_is_refused_naming_it_and_its_line():
    msg = _problems("growth:\n  min_growing_quarters: 2\n  min_growing_quarters: 4\n")
    assert "line 3: key 'min_growing_quarters' appears twice" in msg and "first on line 2" in msg
    assert "'company' appears twice" in _problems("categories:\n  Fashion: {company: 1, company: 2}\n")
    assert "'growth' appears twice" in _problems('{"growth": {}, "growth": {}}')  # JSON too


@pytest.mark.parametrize("value", [".inf", "-.inf", ".nan", ".NaN", "1e400"])
def test_infinite_or_nan_thresholds_are_refused(value):
    assert "p.yaml: categories.Fashion.brand: " in _problems(f"categories:\n  Fashion: {{brand: {value}}}\n")


def test_anchors_aliases_and_merge_keys_are_refused():
    laughs = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
    )
    assert "anchors and aliases" in _problems(laughs)
    assert "anchors and aliases" in _problems("growth: *x\n")
    assert "merge keys" in _problems("growth:\n  <<: {min_growing_quarters: 2}\n")


def test_size_and_node_count_are_bounded(tmp_path):
    assert "at most 1\u00a0000\u00a0000" in _problems("name: x\n" + "#" * 1_000_000 + "\n")
    many = "quality_scale: [" + ", ".join(f"L{i}" for i in range(20_000)) + "]\n"
    assert "more than 10\u00a0000 values" in _problems(many)
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * 5_000_000)
    with pytest.raises(PolicyError, match="too large"):
        Policy.load(big)


def test_numbers_with_thousands_of_digits_are_refused_not_a_traceback():
    too_long = "growth: {min_growing_quarters: 1" + "0" * 5000 + "}"
    assert "line 1: a number of 5\u00a0001 characters" in _problems(too_long)
    assert "categories.Kids.brand: Input should be less than or equal to 80\u00a0000\u00a0000" in _problems(
        "categories: {Kids: {brand: 1" + "0" * 99 + "}}"
    )
    with pytest.raises(PolicyError, match="categories.Kids.brand: expected a finite number"):
        params.validate("categories.Kids.brand", 10**400)


def test_exponent_numbers_are_numbers_as_in_json():
    policy = Policy.from_text('{"categories": {"Fashion": {"company": 4e6, "brand": 1.5E5}}}')
    assert policy.categories["Fashion"].company == 4e6 and policy.categories["Fashion"].brand == 150_000
    assert Policy.from_text("categories: {Fashion: {brand: 1.5e5}}").categories["Fashion"].brand == 150_000


def test_level_names_are_short_and_free_of_the_link_separator():
    low = "criteria: {min_quality_main: Low, min_quality_other: Low}\n"
    assert "quality_scale" in _problems("quality_scale: [Low, 'Go|od']\n" + low)
    assert "quality_scale" in _problems("quality_scale: ['', Good, Neutral]\n")


_TOKENS = [*"{}[]:,-&*!|>'\"#.\n 0123456789eE+_", "Fashion", "company", "growth", ".inf", "<<", "true", "  "]
_YAMLISH = st.lists(st.sampled_from(_TOKENS), max_size=40).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(_YAMLISH, st.text(max_size=80)))
def test_any_text_is_a_policy_or_a_policy_error(text):
    try:
        Policy.from_text(text, source="p.yaml")
    except PolicyError as exc:
        assert exc.problems and all(p.startswith("p.yaml: ") for p in exc.problems)
