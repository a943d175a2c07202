"""A scenario: a name, an optional description and a policy (issue 8 §1).

What a scenario changes is derived from its policy (`Policy.diff` against the published policy),
never stored a second time, so the change list, the scenario file and a link cannot disagree with
the decisions. A scenario file is a policy file (rules.md §6) holding the name, the description and
only the keys that differ from the published policy; any policy file can be read as a scenario.
"""

from __future__ import annotations

from typing import Annotated, Any

import pandas as pd
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from .parameters import format_value, parameters, value_of
from .policy import Policy, PolicyError, read_mapping

BASELINE_NAME = "Published policy (baseline)"
DEFAULT_NAME = "Custom scenario"
NAME_MAX_CHARS = 100
DESCRIPTION_MAX_CHARS = 1000

CHANGE_COLUMNS = ["parameter", "label", "unit", "published", "scenario", "source", "published_value", "scenario_value"]


def _plain_text(text: str, allowed: str = "") -> str:
    """``text`` unless it holds control characters other than ``allowed``: a name is shown in titles,
    tables, file names and links, on one line."""
    bad = next((ch for ch in text if (ord(ch) < 32 or ord(ch) == 127) and ch not in allowed), None)
    if bad is not None:
        raise ValueError(f"control character {bad!r} is not allowed")
    return text


class Scenario(BaseModel):
    """A named policy. The policy carries the same name and description (so a policy saved from it,
    or the CLI reading its file, shows them); they are set from the scenario's on construction."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Annotated[str, Field(strict=True, min_length=1, max_length=NAME_MAX_CHARS)]
    description: Annotated[str, Field(strict=True, max_length=DESCRIPTION_MAX_CHARS)] = ""
    policy: Policy = Field(default_factory=Policy.default)

    @field_validator("name")
    @classmethod
    def _one_line(cls, name: str) -> str:
        return _plain_text(name)

    @field_validator("description")
    @classmethod
    def _text(cls, description: str) -> str:
        return _plain_text(description, allowed="\n\t")

    @model_validator(mode="after")
    def _named_policy(self) -> Scenario:
        if (self.policy.name, self.policy.description) != (self.name, self.description):
            object.__setattr__(self, "policy",
                               self.policy.model_copy(update={"name": self.name, "description": self.description}))
        return self

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def create(cls, name: str, policy: Policy | None = None, description: str = "") -> Scenario:
        """A scenario, with every problem as a `PolicyError` naming the key (name, description…)."""
        try:
            return cls(name=name, description=description, policy=policy or Policy.default())
        except ValidationError as exc:
            raise PolicyError([f"{'.'.join(map(str, e['loc'])) or 'scenario'}: {e['msg'].removeprefix('Value error, ')}"
                               for e in exc.errors()]) from None

    @classmethod
    def baseline(cls) -> Scenario:
        """The published policy, under the name the UI shows for it."""
        return cls(name=BASELINE_NAME, policy=Policy.default())

    @classmethod
    def from_changes(cls, name: str, changes: dict[str, Any], description: str = "") -> Scenario:
        """The published policy with ``changes`` (a nested dict in the policy-file format) laid over it."""
        return cls.create(name, Policy.default().overlay(changes), description)

    @classmethod
    def from_yaml(cls, text: str, source: str = "scenario") -> Scenario:
        """A scenario from a scenario or policy file: ``name`` (default "Custom scenario"), ``description``
        and any policy keys, laid over the published policy. Every problem is a `PolicyError` prefixed
        with ``source`` and naming the key."""
        data = read_mapping(text, source)
        name = data.pop("name", DEFAULT_NAME)
        description = data.pop("description", "")
        try:
            return cls.create(name, Policy.default().overlay(data), description)
        except PolicyError as exc:
            raise PolicyError([f"{source}: {m}" for m in exc.problems]) from None

    # -- what the scenario changes ----------------------------------------------------------------

    def diff(self) -> dict[str, Any]:
        """What differs from the published policy, in the policy-file format (see `Policy.diff`)."""
        return self.policy.diff()

    @property
    def is_baseline(self) -> bool:
        """True when the policy is the published one (whatever the name)."""
        return not self.diff()

    def changes(self, base: Policy | None = None) -> pd.DataFrame:
        """One row per parameter that differs from ``base`` (default: the published policy), in the
        policy file's order: key, label, unit, the base's and the scenario's value formatted for people,
        whether the parameter is published or our assumption, and the raw values."""
        base = base or Policy.default()
        rows = []
        for p in parameters():
            old, new = value_of(base, p.key), value_of(self.policy, p.key)
            if old != new:
                rows.append((p.key, p.label, p.unit, format_value(p.key, old), format_value(p.key, new), p.source,
                             old, new))
        return pd.DataFrame(rows, columns=CHANGE_COLUMNS, dtype=object)  # object: a count stays an int

    def to_yaml(self) -> str:
        """The scenario file: name, description (if any), then only the keys that differ from the
        published policy. Reading it back with `from_yaml` gives the same scenario."""
        data: dict[str, Any] = {"name": self.name}
        if self.description:
            data["description"] = self.description
        data.update(self.diff())
        header = "# A scenario: the published policy (rules.md §6) with only these keys changed.\n"
        return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
