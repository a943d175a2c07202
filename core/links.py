"""A scenario in a page link (issue 8 §4): readable query parameters, validated on the way back.

One query key per changed parameter, named by its dotted key (a threshold without the
``categories.`` prefix), with the value as plain text:

    ?name=Fashion+-20%25&Fashion.company=2560000&growth.min_growing_quarters=2

``scenario_from_query`` never raises: a link that was tampered with, cut short or made by an older
version is answered with the published policy and a list of problems, each naming the query key.
A link is all or nothing: applying the readable part of a broken link would show a scenario nobody
made. The number and length of the parameters are bounded before anything is parsed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

from .formatting import count, excerpt
from .parameters import (
    LEVEL_SEPARATOR,
    canonical_key,
    parameter,
    parameters,
    validate,
    value_of,
)
from .policy import Policy, PolicyError
from .scenario import BASELINE_NAME, DEFAULT_NAME, Scenario

MAX_PARAMS = 100  # 55 parameters, a name and a description, and a few keys of the UI's own
MAX_VALUE_CHARS = 1_000
MAX_QUERY_CHARS = 20_000
NAME_KEY, DESCRIPTION_KEY = "name", "description"
UI_KEYS = ("saved",)  # keys the UI reads itself (a saved scenario's id): not part of the scenario

# A plain decimal number as a person types it: no signs of NaN, infinity, booleans, hex or separators.
_NUMBER = re.compile(r"[+-]?(?:\d{1,30}(?:\.\d{0,30})?|\.\d{1,30})(?:[eE][+-]?\d{1,3})?")
_COUNT = re.compile(r"\d{1,2}")


def scenario_to_query(scenario: Scenario) -> dict[str, str]:
    """The query parameters that carry ``scenario``: its name (unless it is the baseline's), its
    description (if any), then one key per parameter that differs from the published policy, in the
    policy file's order. The published policy under its own name gives an empty dict."""
    query: dict[str, str] = {}
    if scenario.name != BASELINE_NAME or not scenario.is_baseline:
        query[NAME_KEY] = scenario.name
    if scenario.description:
        query[DESCRIPTION_KEY] = scenario.description
    base = Policy.default()
    for p in parameters():
        value = value_of(scenario.policy, p.key)
        if value != value_of(base, p.key):
            query[_query_key(p.key)] = _text(value)
    return query


def scenario_to_query_string(scenario: Scenario) -> str:
    """``scenario_to_query`` URL-encoded (category names hold spaces and '&'): the part after '?'."""
    return urlencode(scenario_to_query(scenario))


def scenario_from_query(
    params: Mapping[str, str | list[str]], ignore: Iterable[str] = UI_KEYS
) -> tuple[Scenario, list[str]]:
    """The scenario a link carries, and the problems found in it.

    ``params`` maps each query key to its value, or to the list of its values where a key may repeat
    (as ``st.query_params.get_all`` gives them). Keys in ``ignore`` belong to the UI and are skipped.
    Where there is any problem (an unknown key, a repeated key, a value that is not a plain number
    within the parameter's bounds, a level not on the scale, a conditional threshold above the company
    threshold, too many or too long parameters) the result is the published policy and every problem,
    each naming its key. Never raises."""
    try:
        return _from_query(params, set(ignore))
    except (PolicyError, ValueError, TypeError) as exc:  # a last resort: the parsers below should not raise
        return Scenario.baseline(), [f"the link could not be read ({str(exc)[:200]})"]


def scenario_from_query_string(query: str, ignore: Iterable[str] = UI_KEYS) -> tuple[Scenario, list[str]]:
    """``scenario_from_query`` of a raw query string (the part after '?'), repeated keys kept."""
    if len(query) > MAX_QUERY_CHARS:
        problem = (
            f"the link is {count(len(query))} characters long; a scenario link has at most {count(MAX_QUERY_CHARS)}"
        )
        return Scenario.baseline(), [problem]
    try:
        pairs = parse_qsl(query.lstrip("?"), keep_blank_values=True, max_num_fields=MAX_PARAMS)
    except ValueError:
        return Scenario.baseline(), [f"the link has more than {MAX_PARAMS} parameters"]
    params: dict[str, list[str]] = {}
    for key, value in pairs:
        params.setdefault(key, []).append(value)
    return scenario_from_query(params, ignore)


def _from_query(params: Mapping[str, Any], ignore: set[str]) -> tuple[Scenario, list[str]]:
    if len(params) > MAX_PARAMS:
        problem = f"the link has {count(len(params))} parameters; a scenario link has at most {MAX_PARAMS}"
        return Scenario.baseline(), [problem]
    problems: list[str] = []
    name, description = DEFAULT_NAME, ""
    changes: dict[str, Any] = {}
    seen: dict[str, str] = {}
    for raw_key, raw in params.items():
        key = _shown(raw_key)
        if key in ignore:
            continue
        values = list(raw) if isinstance(raw, (list, tuple)) else [raw]
        if len(values) != 1:
            problems.append(f"{key}: given {len(values)} times in the link (once is allowed)")
            continue
        value = values[0]
        if not isinstance(value, str):
            problems.append(f"{key}: expected text, got {type(value).__name__}")
            continue
        if len(value) > MAX_VALUE_CHARS:
            problems.append(
                f"{key}: the value is {count(len(value))} characters long (at most {count(MAX_VALUE_CHARS)})"
            )
            continue
        if key == NAME_KEY:
            name = value
            continue
        if key == DESCRIPTION_KEY:
            description = value
            continue
        try:
            canonical = canonical_key(key)
        except PolicyError:
            problems.append(f"{key}: not a policy parameter")
            continue
        if canonical in seen:
            problems.append(f"{key}: the same parameter as {seen[canonical]}")
            continue
        seen[canonical] = key
        try:
            _set(changes, canonical, validate(canonical, _parse(canonical, key, value)))
        except PolicyError as exc:
            problems.extend(_renamed(m, canonical, key) for m in exc.problems)
    if problems:
        return Scenario.baseline(), problems
    if not changes and name == DEFAULT_NAME and not description:
        return Scenario.baseline(), []  # a page link with no scenario in it
    try:
        return Scenario.create(name, Policy.default().overlay(changes), description), []
    except PolicyError as exc:  # a conditional threshold above the company one, a level off the scale…
        return Scenario.baseline(), [_link_key(m) for m in exc.problems]


def _parse(key: str, shown: str, text: str) -> Any:
    """The typed value of one query value: numbers as a person types them, levels as text."""
    p = parameter(key)
    if p.key == "quality_scale":
        return [level.strip() for level in text.split(LEVEL_SEPARATOR)]
    if p.unit == "level":
        return text.strip()
    if p.unit == "count":
        if not _COUNT.fullmatch(text.strip()):
            raise PolicyError([f"{shown}: {_quoted(text)} is not a whole number"])
        return int(text)
    if not _NUMBER.fullmatch(text.strip()):
        raise PolicyError([f"{shown}: {_quoted(text)} is not a number"])
    number = float(text)
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def _text(value: Any) -> str:
    if isinstance(value, list):
        return LEVEL_SEPARATOR.join(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)  # a float's repr: the shortest text that reads back as the same number


def _query_key(key: str) -> str:
    return key.removeprefix("categories.")


def _link_key(message: str) -> str:
    """A policy message with its key as the link spells it (``Fashion.company``, not ``categories.…``)."""
    return message.removeprefix("categories.")


def _renamed(message: str, canonical: str, shown: str) -> str:
    return shown + message[len(canonical) :] if message.startswith(canonical) else message


def _set(tree: dict[str, Any], key: str, value: Any) -> None:
    *path, last = key.split(".")
    for part in path:
        tree = tree.setdefault(part, {})
    tree[last] = value


def _shown(key: Any) -> str:
    return excerpt(key, 80)


def _quoted(text: str) -> str:
    return repr(excerpt(text, 40))
