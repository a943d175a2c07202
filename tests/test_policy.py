"""The policy file (rules.md §6): defaults, overlay, files, errors that name the key."""

from __future__ import annotations

import pytest

from core import CATEGORIES, Policy, PolicyError
from core.policy import ASSUMPTION, PUBLISHED, field_help


def test_default_is_the_published_table_in_the_pages_order():
    p = Policy.default()
    assert list(p.categories) == list(CATEGORIES) and len(CATEGORIES) == 15
    assert CATEGORIES[0] == "Automotive" and CATEGORIES[-1] == "Supermarket"
    assert p.categories["Electronics"].model_dump() == {"company": 8e6, "conditional": 6e6, "brand": 4.5e6}
    assert p.categories["Fashion"].model_dump() == {"company": 3.2e6, "conditional": 8e5, "brand": 3.5e5}
    assert p.categories["Garden"].model_dump() == {"company": 7.5e6, "conditional": 3.75e6, "brand": 8.3e5}
    assert p.quality_scale == ["Unacceptable", "Needs improvement", "Neutral", "Good", "Super", "Super+"]
    assert (p.criteria.min_positive_ratings_pct, p.criteria.min_quality_main, p.criteria.min_quality_other) == (99, "Good", "Neutral")
    assert (p.growth.min_yoy_growth, p.growth.min_growing_quarters, p.conditional.peer_percentile) == (0, 3, 50)
    assert (p.flags.max_transaction_problem_rate, p.flags.min_exportable_share, p.flags.min_new_condition_share) == (0.03, 0.5, 0.5)


def test_a_file_only_holds_what_it_changes():
    p = Policy.from_text("categories:\n  fashion: {company: 4000000}\ngrowth:\n  min_growing_quarters: 2\n")
    assert p.categories["Fashion"].model_dump() == {"company": 4e6, "conditional": 8e5, "brand": 3.5e5}
    assert p.categories["Kids"] == Policy.default().categories["Kids"]
    assert list(p.categories) == list(CATEGORIES)  # the order still breaks ties
    assert p.growth.min_growing_quarters == 2 and p.growth.min_yoy_growth == 0
    assert Policy.from_text("") == Policy.default()


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_save_and_load_round_trip(tmp_path, suffix):
    p = Policy.from_dict({"name": "Scenario A", "categories": {"Kids": {"brand": 1}},
                          "criteria": {"min_quality_main": "super"}})
    path = tmp_path / f"p{suffix}"
    p.save(path)
    assert Policy.load(path) == p
    assert p.criteria.min_quality_main == "Super"


def test_polish_level_names_are_accepted():
    assert Policy.from_dict({"criteria": {"min_quality_other": "wymaga poprawy"}}).criteria.min_quality_other == "Needs improvement"


@pytest.mark.parametrize("data, key, fragment", [
    ({"threshold": 1}, "threshold", "unknown key"),
    ({"criteria": {"min_rating": 1}}, "criteria.min_rating", "unknown key"),
    ({"categories": {"Fashion": {"company": -1}}}, "categories.Fashion.company", "greater than or equal to 0"),
    ({"categories": {"Fashion": {"conditional": 3_300_000}}}, "categories.Fashion", "above the company threshold"),
    ({"categories": {"Toys": {"company": 1}}}, "categories", "'Toys' is not a category"),
    ({"criteria": {"min_quality_main": "Excellent"}}, "criteria.min_quality_main", "not a level of quality_scale"),
    ({"criteria": {"min_positive_ratings_pct": 101}}, "criteria.min_positive_ratings_pct", "less than or equal to 100"),
    ({"growth": {"min_growing_quarters": 5}}, "growth.min_growing_quarters", "less than or equal to 4"),
    ({"flags": {"min_exportable_share": 1.5}}, "flags.min_exportable_share", "less than or equal to 1"),
    ({"quality_scale": ["Good", "good"]}, "quality_scale", "twice"),
    ({"currency": "EUR"}, "currency", "PLN"),
])
def test_invalid_policies_name_the_key(data, key, fragment):
    with pytest.raises(PolicyError) as err:
        Policy.from_dict(data)
    message = "; ".join(err.value.problems)
    assert key in message and fragment in message


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
    for section, key, source in [("criteria", "min_positive_ratings_pct", PUBLISHED), ("criteria", "min_quality_main", PUBLISHED),
                                 ("growth", "min_yoy_growth", ASSUMPTION), ("growth", "min_growing_quarters", ASSUMPTION),
                                 ("conditional", "peer_percentile", ASSUMPTION), ("flags", "max_transaction_problem_rate", ASSUMPTION),
                                 ("policy", "quality_scale", ASSUMPTION), ("thresholds", "company", PUBLISHED)]:
        text = field_help(section, key)
        assert text.startswith("Published rule." if source == PUBLISHED else "Our assumption")


def test_scaling_multiplies_every_threshold():
    p = Policy.default().scaled(0.5)
    assert p.categories["Fashion"].model_dump() == {"company": 1.6e6, "conditional": 4e5, "brand": 1.75e5}
    assert p.criteria == Policy.default().criteria
