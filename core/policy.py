"""The policy: every number and every assumption the eligibility rules use.

The published program page gives the category thresholds and the headline criteria; everything
the page leaves vague (the quality scale, what "steadily growing" means, the peer benchmark, the
limits behind "we reserve the right not to accept you") is our reading. Each field says which it
is in its description and in ``json_schema_extra["source"]``, so the UI can tell users.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

PUBLISHED = "published"
ASSUMPTION = "assumption"
SOURCE_PAGE = "seed/allegro-diamond-partners.txt (Allegro Diamond Partners program page)"

# The published table, in the page's order: the order breaks ties between categories.
PUBLISHED_THRESHOLDS: dict[str, tuple[float, float, float]] = {
    "Automotive": (3_500_000, 1_750_000, 550_000),
    "Books & Media": (3_500_000, 1_750_000, 550_000),
    "Collectibles & Art": (2_200_000, 1_100_000, 550_000),
    "Electronics": (8_000_000, 6_000_000, 4_500_000),
    "Fashion": (3_200_000, 800_000, 350_000),
    "Health & Beauty": (5_000_000, 2_500_000, 2_000_000),
    "Home Decoration & Office": (6_000_000, 3_000_000, 1_500_000),
    "Industry": (7_000_000, 3_500_000, 1_800_000),
    "Bathroom & Heating": (8_000_000, 4_000_000, 1_800_000),
    "Tools & Accessories": (7_000_000, 3_500_000, 1_800_000),
    "Building & Accessories": (8_000_000, 4_000_000, 1_800_000),
    "Garden": (7_500_000, 3_750_000, 830_000),
    "Kids": (4_500_000, 2_250_000, 590_000),
    "Sport & Leisure": (7_000_000, 3_500_000, 2_000_000),
    "Supermarket": (7_300_000, 3_650_000, 1_000_000),
}
CATEGORIES: tuple[str, ...] = tuple(PUBLISHED_THRESHOLDS)

DEFAULT_QUALITY_SCALE = ["Unacceptable", "Needs improvement", "Neutral", "Good", "Super", "Super+"]
# Polish names of the sales-quality levels, as the seller panel shows them.
POLISH_QUALITY_NAMES = {
    "nieakceptowalny": "Unacceptable",
    "wymaga poprawy": "Needs improvement",
    "neutralny": "Neutral",
    "dobry": "Good",
    "super": "Super",
    "super+": "Super+",
}


def _field(default: Any, source: str, description: str, **kw: Any) -> Any:
    return Field(default, description=description, json_schema_extra={"source": source}, **kw)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Thresholds(_Strict):
    company: float = _field(0, PUBLISHED, "12-month revenue in the main category, summed over all accounts of one NIP.", ge=0)
    conditional: float = _field(0, PUBLISHED, "Lower threshold for companies whose main category grows faster than the category's peers.", ge=0)
    brand: float = _field(0, PUBLISHED, "12-month revenue of a single Brand Zone account in its own main category.", ge=0)

    @model_validator(mode="after")
    def _conditional_not_above_company(self) -> "Thresholds":
        if self.conditional > self.company:
            raise ValueError(
                f"conditional threshold {self.conditional:,.0f} is above the company threshold {self.company:,.0f}"
            )
        return self


class Criteria(_Strict):
    min_positive_ratings_pct: float = _field(
        99.0, PUBLISHED, "Published: at least 99 % positive ratings in the last 12 months (main account).", ge=0, le=100
    )
    min_quality_main: str = _field("Good", PUBLISHED, "Published: sales quality of the main account is at least Good.")
    min_quality_other: str = _field(
        "Neutral", PUBLISHED, "Published: sales quality of every other account is at least Neutral."
    )


class Growth(_Strict):
    min_yoy_growth: float = _field(
        0.0,
        ASSUMPTION,
        "Our reading of 'revenue is growing steadily': total 12-month revenue must grow by more than this "
        "fraction against the previous 12 months (0 = any growth).",
        ge=-1,
    )
    min_growing_quarters: int = _field(
        3,
        ASSUMPTION,
        "Our reading of 'steadily': at least this many of the last 4 quarters beat the same quarter a year earlier.",
        ge=0,
        le=4,
    )


class Conditional(_Strict):
    peer_percentile: float = _field(
        50,
        ASSUMPTION,
        "Our reading of 'developing more dynamically than other sellers': the company's main-category growth "
        "must exceed this percentile of its peers' growth in that category (50 = the median).",
        ge=0,
        le=100,
    )


class Flags(_Strict):
    max_transaction_problem_rate: float = _field(
        0.03,
        ASSUMPTION,
        "Our reading of 'many transaction problems': a share of orders with a discussion or claim above this "
        "on any account raises a flag.",
        ge=0,
        le=1,
    )
    min_exportable_share: float = _field(
        0.5,
        ASSUMPTION,
        "Our reading of 'most of the assortment cannot be exported': a revenue-weighted exportable share below "
        "this raises a flag.",
        ge=0,
        le=1,
    )
    min_new_condition_share: float = _field(
        0.5,
        ASSUMPTION,
        "Our reading of 'the majority of products are of a different condition than New': a revenue-weighted "
        "share of New products below this raises a flag.",
        ge=0,
        le=1,
    )


def _published_categories() -> dict[str, Thresholds]:
    return {c: Thresholds(company=a, conditional=b, brand=d) for c, (a, b, d) in PUBLISHED_THRESHOLDS.items()}


class Policy(_Strict):
    name: str = _field("Allegro Diamond Partners — published thresholds", PUBLISHED, "A name for this policy or scenario.")
    currency: Literal["PLN"] = _field("PLN", PUBLISHED, "Currency of every threshold and revenue figure.")
    categories: dict[str, Thresholds] = _field(
        None,
        PUBLISHED,
        "Thresholds per category, from the published table. A file's categories are laid over the table: "
        "only what it names changes.",
        validate_default=True,
    )
    quality_scale: list[str] = _field(
        DEFAULT_QUALITY_SCALE,
        ASSUMPTION,
        "Our reading: the seller panel's sales-quality levels, lowest first.",
        min_length=1,
    )
    criteria: Criteria = Field(default_factory=Criteria)
    growth: Growth = Field(default_factory=Growth)
    conditional: Conditional = Field(default_factory=Conditional)
    flags: Flags = Field(default_factory=Flags)

    @field_validator("categories", mode="before")
    @classmethod
    def _overlay_on_published_table(cls, given: Any) -> Any:
        merged: dict[str, Any] = {c: t.model_dump() for c, t in _published_categories().items()}
        if given is None:
            return merged
        if not isinstance(given, dict):
            raise ValueError("categories must be a mapping of category name to thresholds")
        by_lower = {c.lower(): c for c in CATEGORIES}
        for key, value in given.items():
            name = by_lower.get(str(key).strip().lower())
            if name is None:
                raise ValueError(f"{key!r} is not a category of the published table ({', '.join(CATEGORIES)})")
            if isinstance(value, Thresholds):
                value = value.model_dump()
            if not isinstance(value, dict):
                raise ValueError(f"{key}: thresholds must be a mapping with company, conditional and brand")
            merged[name] = {**merged[name], **value}
        return merged  # always the published order: it breaks ties

    @field_validator("quality_scale")
    @classmethod
    def _unique_levels(cls, scale: list[str]) -> list[str]:
        lowered = [s.strip().lower() for s in scale]
        if len(set(lowered)) != len(lowered):
            raise ValueError("quality_scale lists a level twice")
        return [s.strip() for s in scale]

    @model_validator(mode="after")
    def _levels_on_scale(self) -> "Policy":
        for key in ("min_quality_main", "min_quality_other"):
            level = getattr(self.criteria, key)
            canonical = self.level_name(level)
            if canonical is None:
                raise ValueError(f"criteria.{key}: {level!r} is not a level of quality_scale {self.quality_scale}")
            if canonical != level:
                object.__setattr__(self.criteria, key, canonical)
        return self

    # -- construction -----------------------------------------------------------------------

    @classmethod
    def default(cls) -> "Policy":
        return cls()

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "Policy":
        try:
            return cls.model_validate(data or {})
        except ValidationError as exc:
            raise PolicyError(_policy_messages(exc)) from None

    @classmethod
    def from_text(cls, text: str, source: str = "policy") -> "Policy":
        try:
            data = yaml.safe_load(text) if text.strip() else {}
        except yaml.YAMLError as exc:
            raise PolicyError([f"{source}: not valid YAML/JSON ({exc})"]) from None
        if data is not None and not isinstance(data, dict):
            raise PolicyError([f"{source}: expected a mapping of policy keys at the top level"])
        try:
            return cls.from_dict(data)
        except PolicyError as exc:
            raise PolicyError([f"{source}: {m}" for m in exc.problems]) from None

    @classmethod
    def load(cls, path: str | Path) -> "Policy":
        path = Path(path)
        try:
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

    # -- helpers the engine and the UI use ----------------------------------------------------

    def level_name(self, level: str) -> str | None:
        """The scale's own spelling of ``level`` (any case, Polish names accepted), or None."""
        key = str(level).strip().lower()
        key = POLISH_QUALITY_NAMES.get(key, key).lower()
        return next((s for s in self.quality_scale if s.lower() == key), None)

    def level_rank(self) -> dict[str, int]:
        return {level: i for i, level in enumerate(self.quality_scale)}

    def scaled(self, factor: float, name: str | None = None) -> "Policy":
        """Every threshold multiplied by ``factor`` (a what-if on the whole table)."""
        cats = {
            c: {"company": t.company * factor, "conditional": t.conditional * factor, "brand": t.brand * factor}
            for c, t in self.categories.items()
        }
        return self.model_copy(update={"categories": {c: Thresholds(**v) for c, v in cats.items()}, "name": name or self.name})

    def thresholds_frame(self):
        import pandas as pd

        return pd.DataFrame(
            [(c, t.company, t.conditional, t.brand) for c, t in self.categories.items()],
            columns=["category", "company", "conditional", "brand"],
        )


class PolicyError(ValueError):
    """An invalid policy; ``problems`` names each offending key."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


def _policy_messages(exc: ValidationError) -> list[str]:
    out = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"]) or "policy"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        out.append(f"{key}: {msg}")
    return out


def field_help(section: str, key: str) -> str:
    """Help text for one policy field, starting with whether it is published or our assumption."""
    model = {"criteria": Criteria, "growth": Growth, "conditional": Conditional, "flags": Flags,
             "thresholds": Thresholds, "policy": Policy}[section]
    info = model.model_fields[key]
    source = (info.json_schema_extra or {}).get("source", ASSUMPTION)
    label = "Published rule." if source == PUBLISHED else "Our assumption (the page does not say)."
    return f"{label} {info.description}"
