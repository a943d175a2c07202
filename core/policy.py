"""The policy: every number and every assumption the eligibility rules use (rules.md §6).

What each parameter means, its unit, its bounds, its default and whether the page publishes it or
we assume it live in `core.parameters`; this module builds the validated model from those records
(so the model's bounds and a control's bounds are one fact) and reads policy files safely.

Validation is strict: a number must be a number (``true`` and ``"3"`` are refused), finite, and
within its parameter's bounds; a threshold above `THRESHOLD_MAX` is refused, so every policy a file
can hold is one the controls can show. Errors name the key.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from . import safe_yaml
from .formatting import number, pln
from .parameters import (
    ASSUMPTION,
    CATEGORIES,
    DEFAULT_QUALITY_SCALE,
    LEVEL_MAX_CHARS,
    LEVEL_SEPARATOR,
    PUBLISHED,
    PUBLISHED_THRESHOLDS,
    SOURCE_PAGE,
    THRESHOLD_KINDS,
    THRESHOLD_MAX,
    Parameter,
    PolicyError,
    canonical_key,
    parameter,
    parameters,
    threshold_kind,
    validate,
    value_of,
)

__all__ = [
    "ASSUMPTION",
    "CATEGORIES",
    "DEFAULT_QUALITY_SCALE",
    "POLISH_QUALITY_NAMES",
    "PUBLISHED",
    "PUBLISHED_THRESHOLDS",
    "SOURCE_PAGE",
    "THRESHOLD_MAX",
    "Policy",
    "PolicyError",
    "Thresholds",
    "field_help",
]

# Polish names of the sales-quality levels, as the seller panel shows them.
POLISH_QUALITY_NAMES = {
    "nieakceptowalny": "Unacceptable",
    "wymaga poprawy": "Needs improvement",
    "neutralny": "Neutral",
    "dobry": "Good",
    "super": "Super",
    "super+": "Super+",
}

# Strict types: no bool-as-number, no text-as-number, no NaN or infinity. An int is a valid float.
Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
Count = Annotated[int, Field(strict=True)]
Text = Annotated[str, Field(strict=True)]


def _param(p: Parameter, **kw: Any) -> Any:
    """A model field from a parameter record: its default, description, source, unit and bounds."""
    # dict[str, Any]: mypy matches a ** dict against every keyword of Field's overloads, not just ge/le.
    bounds: dict[str, Any] = {k: v for k, v in (("ge", p.minimum), ("le", p.maximum)) if v is not None}
    default = list(p.default) if isinstance(p.default, tuple) else p.default
    return Field(
        default, description=p.description, json_schema_extra={"source": p.source, "unit": p.unit}, **bounds, **kw
    )


def _described(default: Any, source: str, description: str, **kw: Any) -> Any:
    return Field(default, description=description, json_schema_extra={"source": source}, **kw)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Thresholds(_Strict):
    company: Number = _param(threshold_kind("company"))
    conditional: Number = _param(threshold_kind("conditional"))
    brand: Number = _param(threshold_kind("brand"))

    @model_validator(mode="after")
    def _conditional_not_above_company(self) -> Thresholds:
        if self.conditional > self.company:
            raise ValueError(
                f"conditional threshold {pln(self.conditional)} is above the company threshold {pln(self.company)}"
            )
        return self


class Criteria(_Strict):
    min_positive_ratings_pct: Number = _param(parameter("criteria.min_positive_ratings_pct"))
    min_quality_main: Text = _param(parameter("criteria.min_quality_main"))
    min_quality_other: Text = _param(parameter("criteria.min_quality_other"))


class Growth(_Strict):
    min_yoy_growth: Number = _param(parameter("growth.min_yoy_growth"))
    min_growing_quarters: Count = _param(parameter("growth.min_growing_quarters"))


class Conditional(_Strict):
    peer_percentile: Number = _param(parameter("conditional.peer_percentile"))


class Flags(_Strict):
    max_transaction_problem_rate: Number = _param(parameter("flags.max_transaction_problem_rate"))
    min_exportable_share: Number = _param(parameter("flags.min_exportable_share"))
    min_new_condition_share: Number = _param(parameter("flags.min_new_condition_share"))


def _published_categories() -> dict[str, dict[str, float]]:
    return {c: dict(zip(THRESHOLD_KINDS, t, strict=True)) for c, t in PUBLISHED_THRESHOLDS.items()}


_BY_LOWER = {c.lower(): c for c in CATEGORIES}
# Keys of a policy file that are not parameters: what the policy is called, and its currency.
_METADATA = ("name", "description", "currency")


class Policy(_Strict):
    name: Text = _described(
        "Allegro Diamond Partners — published thresholds",
        PUBLISHED,
        "A name for this policy or scenario.",
        max_length=200,
    )
    description: Text = _described("", ASSUMPTION, "What this policy or scenario is for (optional).", max_length=2000)
    currency: Literal["PLN"] = _described("PLN", PUBLISHED, "Currency of every threshold and revenue figure.")
    categories: dict[str, Thresholds] = _described(
        None,
        PUBLISHED,
        "Thresholds per category, from the published table. A file's categories are laid over the table: "
        "only what it names changes.",
        validate_default=True,
    )
    quality_scale: list[Text] = _param(parameter("quality_scale"), min_length=1, max_length=20)
    criteria: Criteria = Field(default_factory=Criteria)
    growth: Growth = Field(default_factory=Growth)
    conditional: Conditional = Field(default_factory=Conditional)
    flags: Flags = Field(default_factory=Flags)

    @field_validator("categories", mode="before")
    @classmethod
    def _overlay_on_published_table(cls, given: Any) -> Any:
        merged: dict[str, Any] = _published_categories()
        if given is None:
            return merged
        if not isinstance(given, dict):
            # pydantic reports a ValueError as a validation error naming the key; a TypeError would escape
            raise ValueError("categories must be a mapping of category name to thresholds")  # noqa: TRY004
        for key, value in given.items():
            name = _BY_LOWER.get(str(key).strip().lower())
            if name is None:
                raise ValueError(
                    f"{str(key)[:60]!r} is not a category of the published table ({', '.join(CATEGORIES)})"
                )
            if isinstance(value, Thresholds):
                value = value.model_dump()
            if not isinstance(value, dict):
                message = f"{name}: thresholds must be a mapping with company, conditional and brand"
                raise ValueError(message)  # noqa: TRY004
            merged[name] = {**merged[name], **value}
        return merged  # always the published order: it breaks ties

    @field_validator("quality_scale")
    @classmethod
    def _unique_levels(cls, scale: list[str]) -> list[str]:
        scale = [s.strip() for s in scale]
        for level in scale:
            if not level or len(level) > LEVEL_MAX_CHARS or LEVEL_SEPARATOR in level:
                raise ValueError(
                    f"a level name has 1 to {LEVEL_MAX_CHARS} characters and no "
                    f"{LEVEL_SEPARATOR!r}: {level[: LEVEL_MAX_CHARS + 5]!r}"
                )
        lowered = [s.lower() for s in scale]
        if len(set(lowered)) != len(lowered):
            raise ValueError("quality_scale lists a level twice")
        return scale

    @model_validator(mode="after")
    def _levels_on_scale(self) -> Policy:
        for key in ("min_quality_main", "min_quality_other"):
            level = getattr(self.criteria, key)
            canonical = self.level_name(level)
            if canonical is None:
                raise ValueError(f"criteria.{key}: {level[:60]!r} is not a level of quality_scale {self.quality_scale}")
            if canonical != level:
                object.__setattr__(self.criteria, key, canonical)
        return self

    # -- construction -----------------------------------------------------------------------

    @classmethod
    def default(cls) -> Policy:
        return cls()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Policy:
        try:
            return cls.model_validate(dict(data) if isinstance(data, Mapping) else data or {})
        except ValidationError as exc:
            raise PolicyError(_policy_messages(exc)) from None

    @classmethod
    def from_text(cls, text: str, source: str = "policy") -> Policy:
        """A policy from YAML (or JSON) text, read with `core.safe_yaml` (no aliases, no repeated keys,
        bounded depth and size). Every problem is a `PolicyError` prefixed with ``source``."""
        data = read_mapping(text, source)
        try:
            return cls.from_dict(data)
        except PolicyError as exc:
            raise PolicyError([f"{source}: {m}" for m in exc.problems]) from None

    @classmethod
    def load(cls, path: str | Path) -> Policy:
        path = Path(path)
        try:
            if path.stat().st_size > safe_yaml.MAX_CHARS * 4:  # refuse a huge file before reading it
                raise PolicyError([f"{path}: the file is too large for a policy file"])
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise PolicyError([f"{path}: cannot read the policy file ({exc})"]) from None
        return cls.from_text(text, source=str(path))  # JSON is a subset of YAML

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def save(self, path: str | Path) -> None:
        path = Path(path)
        text = self.to_json() if path.suffix.lower() == ".json" else self.to_yaml()
        path.write_text(text, encoding="utf-8")

    # -- edits: one rule for conditional ≤ company ------------------------------------------------

    def with_thresholds(self, edits: Mapping[str, Mapping[str, float | None]]) -> tuple[Policy, list[str]]:
        """The policy with some category thresholds changed, and notes on what else changed.

        ``edits`` maps a category (any case) to ``{kind: value}`` with kind company / conditional /
        brand; a None value (a blank cell) is ignored. Each value is checked as typed (a number, finite,
        0 to `THRESHOLD_MAX`) and refused with a `PolicyError` naming its key, never rounded or clamped.

        The one adjustment: where a category would end with its conditional threshold above its company
        threshold, the conditional threshold is lowered to the company threshold, and a note says so
        ("Fashion: conditional lowered to 600 000 PLN to stay at or below the company threshold"). The
        company and conditional edits of one category are applied together, so typing both at once
        clamps only if the pair is inconsistent."""
        categories = {c: t.model_dump() for c, t in self.categories.items()}
        problems: list[str] = []
        notes: list[str] = []
        for category, values in edits.items():
            changed: dict[str, float] = {}
            for kind, value in values.items():
                if value is None:
                    continue
                try:
                    key = canonical_key(f"categories.{category}.{kind}")
                    changed[key.rsplit(".", 1)[1]] = validate(key, value)
                except PolicyError as exc:
                    problems.extend(exc.problems)
            if not changed:
                continue
            name = canonical_key(f"categories.{category}.company").split(".")[1]
            merged = {**categories[name], **changed}
            if merged["conditional"] > merged["company"]:
                merged["conditional"] = merged["company"]
                notes.append(
                    f"{name}: conditional lowered to {pln(merged['company'])} to stay at or below the company threshold"
                )
            categories[name] = merged
        if problems:
            raise PolicyError(problems)
        return Policy.from_dict({**self.to_dict(), "categories": categories}), notes

    def with_threshold(self, category: str, which: str, value: float) -> tuple[Policy, list[str]]:
        """One threshold changed (see `with_thresholds` for the checks and the one adjustment)."""
        return self.with_thresholds({category: {which: value}})

    def with_value(self, key: str, value: Any) -> tuple[Policy, list[str]]:
        """Any parameter changed by its dotted key (`core.parameters`); thresholds go through
        `with_thresholds`. A value out of bounds, of the wrong type, or a level not on the scale is a
        `PolicyError` naming the key."""
        key = canonical_key(key)
        if key.startswith("categories."):
            _, category, kind = key.split(".")
            return self.with_threshold(category, kind, value)
        value = validate(key, value)
        data = self.to_dict()
        if key == "quality_scale":
            data[key] = value
        else:
            section, name = key.split(".")
            data[section][name] = value
        return Policy.from_dict(data), []

    def scaled(self, factor: float, name: str | None = None) -> Policy:
        """Every threshold multiplied by ``factor`` (a what-if on the whole table). A threshold pushed
        above `THRESHOLD_MAX` is a `PolicyError` naming its key."""
        data = self.to_dict()
        for thresholds in data["categories"].values():
            for kind in THRESHOLD_KINDS:
                thresholds[kind] = thresholds[kind] * factor
        data["name"] = name or self.name
        return Policy.from_dict(data)

    # -- scenarios: differences against a base ----------------------------------------------------

    def diff(self, base: Policy | None = None) -> dict[str, Any]:
        """Only the parameters where this policy differs from ``base`` (default: the published policy),
        as a nested dict in the policy-file format of rules.md §6, e.g.
        ``{"categories": {"Fashion": {"company": 2560000}}, "growth": {"min_growing_quarters": 2}}``.
        ``base.overlay(policy.diff(base))`` has the same parameters as ``policy``. The name and the
        description are not parameters and are left out."""
        base = base or Policy.default()
        out: dict[str, Any] = {}
        for p in parameters():
            mine = value_of(self, p.key)
            if mine != value_of(base, p.key):
                node = out
                *path, last = p.key.split(".")
                for part in path:
                    node = node.setdefault(part, {})
                node[last] = _plain(mine)
        return out

    def overlay(self, changes: Mapping[str, Any]) -> Policy:
        """This policy with ``changes`` (a nested dict in the policy-file format) laid over it: a
        mapping merges key by key, anything else replaces. The result is validated as a whole
        (`PolicyError` naming the key)."""
        if not isinstance(changes, Mapping):
            raise PolicyError(["policy: expected a mapping of policy keys"])
        return Policy.from_dict(_merge(self.to_dict(), changes))

    # -- helpers the engine and the UI use ----------------------------------------------------

    def level_name(self, level: str) -> str | None:
        """The scale's own spelling of ``level`` (any case, Polish names accepted), or None. A level of
        the scale itself wins over a Polish name (a custom scale may have a level called "Dobry")."""
        key = str(level).strip().lower()
        for candidate in (key, POLISH_QUALITY_NAMES.get(key, key).lower()):
            match = next((s for s in self.quality_scale if s.lower() == candidate), None)
            if match is not None:
                return match
        return None

    def level_rank(self) -> dict[str, int]:
        return {level: i for i, level in enumerate(self.quality_scale)}

    def thresholds_frame(self):  # pandas is imported lazily: the engine's policy needs no pandas
        import pandas as pd

        return pd.DataFrame(
            [(c, t.company, t.conditional, t.brand) for c, t in self.categories.items()],
            columns=["category", "company", "conditional", "brand"],
        )


def read_mapping(text: str, source: str) -> dict[str, Any]:
    """The top-level mapping of a policy or scenario file (empty text: an empty mapping), read with
    `core.safe_yaml`; `PolicyError` prefixed with ``source`` otherwise."""
    if not text.strip():
        return {}
    try:
        data = safe_yaml.load(text)
    except safe_yaml.YamlRefused as exc:
        raise PolicyError([f"{source}: {exc}"]) from None
    except yaml.YAMLError as exc:
        raise PolicyError([f"{source}: not valid YAML/JSON ({str(exc)[:300]})"]) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise PolicyError([f"{source}: expected a mapping of policy keys at the top level"])
    return data


def _merge(base: dict[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in changes.items():
        if key == "categories" and isinstance(value, Mapping) and isinstance(out.get(key), dict):
            # Category names in any case: merge into the table's own spelling.
            value = {_BY_LOWER.get(str(c).strip().lower(), c): v for c, v in value.items()}
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _plain(value: Any) -> Any:
    """A whole-number float as an int (2560000 rather than 2560000.0 in a file or a link)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


_BOUNDS = ("less_than_equal", "less_than", "greater_than_equal", "greater_than")


def _policy_messages(exc: ValidationError) -> list[str]:
    out = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"]) or "policy"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        elif err["type"] in _BOUNDS:  # pydantic writes the bound as 80000000: the app's format is 80 000 000
            msg = re.sub(r"-?\d+(?:\.\d+)?", lambda m: number(float(m.group()), None), msg)
            if err["type"] == "less_than_equal" and key.startswith("categories."):
                msg += " (the largest threshold a policy may hold)"
        out.append(f"{key[:200]}: {msg}")
    return out


def field_help(section: str, key: str) -> str:
    """Help text for one policy field, starting with "Published rule." or "Our assumption (the page does
    not say)." Kept for the current UI; new code reads `core.parameters.help_text` by dotted key."""
    if section == "policy" and key not in ("quality_scale",):
        info = Policy.model_fields[key]
        extra = info.json_schema_extra  # a dict for every field built by _param/_described (never a callable)
        source = extra.get("source", ASSUMPTION) if isinstance(extra, dict) else ASSUMPTION
        description = info.description
    else:
        if section == "thresholds":
            p = threshold_kind(key)
        else:
            p = parameter(key if section == "policy" else f"{section}.{key}")
        source, description = p.source, p.description
    label = "Published rule." if source == PUBLISHED else "Our assumption (the page does not say)."
    return f"{label} {description}"
