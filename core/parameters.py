"""Every policy parameter as data: what it means, its unit, its bounds, and where it comes from.

This module is the one home of these facts (the OpenFisca model: a parameter is data with a
description, a unit and a reference). The policy model (`core.policy`) takes its defaults and its
bounds from here, and the controls, their help texts, the checklist's "published/assumption" column
and a scenario's change list all read the same `Parameter` records, so they cannot disagree.

A parameter is named by its dotted path in the policy file (rules.md §6): ``growth.min_yoy_growth``,
``categories.Fashion.company``. A *published* parameter quotes the program page
(``seed/allegro-diamond-partners.txt``) word for word; an *assumption* is our reading of words the
page leaves vague, and quotes those words where there are any.

Threshold bounds: a threshold may be anything from 0 to `THRESHOLD_MAX` PLN. The policy model
refuses a larger one (naming the key), so every value a policy file can hold is one a control
can show; a control never has to widen its range to fit a loaded policy.

How a control uses this (the UI holds no facts of its own):
    p = parameter("categories.Fashion.company")
    number_input(p.label, min_value=p.minimum, max_value=p.maximum, step=p.step, help=help_text(p.key))
    slider(p.label, *slider_bounds(p.key, value), step=p.slider_step, ...)
    policy, notes = policy.with_value(p.key, typed)   # PolicyError naming the key; notes to show
and a change list or a checklist reads ``p.source`` ("published" / "assumption") and `format_value`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from .formatting import excerpt, number, pct, percent, pln

if TYPE_CHECKING:  # pragma: no cover - type hints only; core.policy imports this module
    from .policy import Policy

Unit = Literal["PLN", "percent", "share", "count", "level"]
Source = Literal["published", "assumption"]
PUBLISHED: Source = "published"
ASSUMPTION: Source = "assumption"
SOURCE_PAGE = "seed/allegro-diamond-partners.txt (Allegro Diamond Partners program page)"

# The published table, in the page's order: the order breaks ties between categories (rules.md §3).
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
THRESHOLD_KINDS: tuple[str, ...] = ("company", "conditional", "brand")

# The largest threshold a policy may hold and a control must offer: ten times the largest published
# threshold (80 million PLN), and never less than 50 million. Far above any plausible what-if, yet a
# bound, so a slider's range is finite and a file cannot hold a value no control can show.
THRESHOLD_MAX: int = max(50_000_000, 10 * int(max(max(t) for t in PUBLISHED_THRESHOLDS.values())))

DEFAULT_QUALITY_SCALE: tuple[str, ...] = ("Unacceptable", "Needs improvement", "Neutral", "Good", "Super", "Super+")
# A level name is shown in tables and carried in links, where "|" separates the levels of a scale.
LEVEL_MAX_CHARS = 40
LEVEL_SEPARATOR = "|"


class PolicyError(ValueError):
    """An invalid policy or parameter value; ``problems`` names each offending key."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True)
class Parameter:
    """One policy parameter.

    ``minimum``/``maximum`` are the policy's own bounds (the model validates with them), so they are
    also the range a control offers. ``step`` is the precision of an exact number input (1 PLN for a
    threshold); ``slider_step`` is a coarser step for a slider. ``slider_range`` is the range a slider
    shows by default where the full bounds would be unwieldy (ratings 90–100 %), always widened to
    include the current value (see `slider_bounds`). Levels (``unit == "level"``) have no bounds: their
    options are the policy's ``quality_scale``.

    ``quote`` is the page's own words: for a published parameter the words that state it, for an
    assumption the vague words we read (None where the page says nothing at all).
    """

    key: str
    label: str
    description: str
    unit: Unit
    source: Source
    default: Any  # immutable: a scale is a tuple here, a list in the policy
    quote: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    slider_step: float | None = None
    slider_range: tuple[float, float] | None = None

    @property
    def published(self) -> bool:
        return self.source == PUBLISHED

    @property
    def section(self) -> str:
        """The first part of the key: ``categories``, ``criteria``, ``growth``…"""
        return self.key.split(".", 1)[0]


# -- the parameters other than the category thresholds ------------------------------------------------

_OTHERS: tuple[Parameter, ...] = (
    Parameter(
        key="quality_scale",
        label="Sales-quality scale (lowest first)",
        description="The seller panel's sales-quality levels, lowest first; the quality criteria compare "
        "levels by their place on this scale.",
        unit="level",
        source=ASSUMPTION,
        default=DEFAULT_QUALITY_SCALE,
        quote="the quality level of your sales",
    ),
    Parameter(
        key="criteria.min_positive_ratings_pct",
        label="Minimum positive ratings (main account)",
        description="Share of positive ratings of the main account in the last 12 months, in percent.",
        unit="percent",
        source=PUBLISHED,
        default=99.0,
        quote="at least 99% positive comments in the last 12 months before the invitation",
        minimum=0.0,
        maximum=100.0,
        step=0.01,
        slider_step=0.1,
        slider_range=(90.0, 100.0),
    ),
    Parameter(
        key="criteria.min_quality_main",
        label="Minimum sales quality, main account",
        description="Sales-quality level the main account must reach at least.",
        unit="level",
        source=PUBLISHED,
        default="Good",
        quote="the quality level of your sales on your main account is at least Good",
    ),
    Parameter(
        key="criteria.min_quality_other",
        label="Minimum sales quality, other accounts",
        description="Sales-quality level every other account of the company must reach at least.",
        unit="level",
        source=PUBLISHED,
        default="Neutral",
        quote="and on other accounts at least Neutral",
    ),
    Parameter(
        key="growth.min_yoy_growth",
        label="Minimum year-on-year growth",
        description="Total 12-month revenue must grow by more than this fraction against the previous "
        "12 months (0 = any growth).",
        unit="share",
        source=ASSUMPTION,
        default=0.0,
        quote="your revenue is growing steadily",
        minimum=-1.0,
        maximum=10.0,
        step=0.0001,
        slider_step=0.01,
        slider_range=(-0.5, 0.5),
    ),
    Parameter(
        key="growth.min_growing_quarters",
        label="Minimum growing quarters (of 4)",
        description="At least this many of the last 4 quarters must beat the same quarter a year earlier "
        "(our reading of 'steadily').",
        unit="count",
        source=ASSUMPTION,
        default=3,
        quote="your revenue is growing steadily",
        minimum=0,
        maximum=4,
        step=1,
        slider_step=1,
    ),
    Parameter(
        key="conditional.peer_percentile",
        label="Peer percentile for the conditional path",
        description="On the conditional path the company's main-category growth must exceed this percentile "
        "of its peers' growth in that category (50 = the median).",
        unit="percent",
        source=ASSUMPTION,
        default=50.0,
        quote="If your Sales in the main category are developing more dynamically than those of other sellers "
        "in the same category",
        minimum=0.0,
        maximum=100.0,
        step=0.1,
        slider_step=5.0,
    ),
    Parameter(
        key="flags.max_transaction_problem_rate",
        label="Maximum transaction problem rate",
        description="A share of orders with a discussion or claim above this, on any account, raises a flag.",
        unit="share",
        source=ASSUMPTION,
        default=0.03,
        quote="we can see it has many transaction problems",
        minimum=0.0,
        maximum=1.0,
        step=0.0001,
        slider_step=0.005,
        slider_range=(0.0, 0.2),
    ),
    Parameter(
        key="flags.min_exportable_share",
        label="Minimum exportable share",
        description="A revenue-weighted share of the assortment that can be sold abroad below this raises a flag.",
        unit="share",
        source=ASSUMPTION,
        default=0.5,
        quote="most of the assortment you sell cannot be exported to international markets",
        minimum=0.0,
        maximum=1.0,
        step=0.0001,
        slider_step=0.05,
    ),
    Parameter(
        key="flags.min_new_condition_share",
        label="Minimum share of New products",
        description="A revenue-weighted share of products in condition New below this raises a flag.",
        unit="share",
        source=ASSUMPTION,
        default=0.5,
        quote="the majority of products in your assortment are of a different condition than New",
        minimum=0.0,
        maximum=1.0,
        step=0.0001,
        slider_step=0.05,
    ),
)

# What each kind of threshold means, and the page's own explanation of it (under its table).
_THRESHOLD_TEXT = {
    "company": (
        "company threshold",
        "12-month revenue in the main category, summed over all accounts of one NIP (the standard path).",
        (
            "The threshold for companies is the threshold for all accounts registered to the same NIP "
            "(Tax Identification Number) ."
        ),
    ),
    "conditional": (
        "conditional threshold",
        (
            "Lower threshold for a company whose main-category sales grow faster than the category's "
            "peers; kept at or below the company threshold."
        ),
        (
            "If your Sales in the main category are developing more dynamically than those of other "
            "sellers in the same category, we can invite you to the program, even if your revenue is "
            "lower than the one we require ( conditional threshold )."
        ),
    ),
    "brand": (
        "brand threshold",
        "12-month revenue of a single Brand Zone account in its own main category.",
        "The brand threshold applies to a single Brand Zone account.",
    ),
}
# The page's cell text for each kind, e.g. "Fashion | Threshold for companies 3,200,000 PLN". A quotation,
# so it keeps the page's own number format (tests/test_policy.py finds every quote in the page's text).
_THRESHOLD_CELL = {
    "company": "{category} | Threshold for companies {value:,.0f} PLN",
    "conditional": "Conditional threshold {value:,.0f} PLN",
    "brand": "Brand threshold {value:,.0f} PLN",
}


def threshold_kind(kind: str) -> Parameter:
    """The generic record of one kind of threshold (no category): for a column's help text."""
    label, description, quote = _THRESHOLD_TEXT[kind]
    return Parameter(
        key=f"categories.*.{kind}",
        label=label[0].upper() + label[1:],
        description=description,
        unit="PLN",
        source=PUBLISHED,
        default=0,
        quote=quote,
        minimum=0,
        maximum=THRESHOLD_MAX,
        step=1,
        slider_step=50_000,
    )


def _threshold(category: str, kind: str) -> Parameter:
    value = PUBLISHED_THRESHOLDS[category][THRESHOLD_KINDS.index(kind)]
    generic = threshold_kind(kind)
    return Parameter(
        key=f"categories.{category}.{kind}",
        label=f"{category} — {generic.label.lower()}",
        description=generic.description,
        unit="PLN",
        source=PUBLISHED,
        default=value,
        quote=_THRESHOLD_CELL[kind].format(category=category, value=value),
        minimum=0,
        maximum=THRESHOLD_MAX,
        step=1,
        slider_step=50_000,
    )


_ALL: tuple[Parameter, ...] = (
    *(_threshold(c, k) for c in CATEGORIES for k in THRESHOLD_KINDS),
    *_OTHERS,
)
_BY_KEY: dict[str, Parameter] = {p.key: p for p in _ALL}
_CATEGORY_BY_LOWER = {c.lower(): c for c in CATEGORIES}


def parameters() -> tuple[Parameter, ...]:
    """Every parameter of a policy, in the policy file's order: the 15 × 3 category thresholds (the
    published table's order, company / conditional / brand), the quality scale, then the criteria,
    growth, conditional and flags sections. The set is fixed: a policy cannot add categories."""
    return _ALL


def canonical_key(key: str) -> str:
    """``key`` spelled as `parameters` spells it (a category's name in any case); PolicyError if
    it names no parameter. ``Fashion.company`` (without ``categories.``) is accepted too."""
    text = str(key).strip()
    if text in _BY_KEY:
        return text
    parts = text.split(".")
    if parts and parts[0] != "categories" and len(parts) >= 2:
        parts = ["categories", *parts]
    if len(parts) == 3 and parts[0] == "categories":
        category = _CATEGORY_BY_LOWER.get(parts[1].strip().lower())
        if category is not None and parts[2].strip().lower() in THRESHOLD_KINDS:
            return f"categories.{category}.{parts[2].strip().lower()}"
    shown = excerpt(text, 80)
    raise PolicyError([f"{shown or repr(key)}: not a policy parameter"])


def parameter(key: str) -> Parameter:
    """The record of one parameter by its dotted key (see `canonical_key`); PolicyError if unknown."""
    return _BY_KEY[canonical_key(key)]


def help_text(key: str) -> str:
    """The help text a control shows: whether the rule is published or ours, what it means, and the
    page's words."""
    p = threshold_kind(key.rsplit(".", 1)[1]) if key.startswith("categories.*.") else parameter(key)
    if p.published:
        text = f"Published rule: {p.description}"
        return text + (f" The page: “{p.quote}”." if p.quote else "")
    text = f"Our assumption (the page does not say): {p.description}"
    return text + (f" The page only says: “{p.quote}”." if p.quote else "")


def default_value(key: str) -> Any:
    """The published policy's value (the baseline), as the policy holds it (a scale as a list)."""
    value = parameter(key).default
    return list(value) if isinstance(value, tuple) else value


def value_of(policy: Policy, key: str) -> Any:
    """The value ``policy`` gives parameter ``key``."""
    key = canonical_key(key)
    if key.startswith("categories."):
        _, category, kind = key.split(".")
        return getattr(policy.categories[category], kind)
    if key == "quality_scale":
        return list(policy.quality_scale)
    section, name = key.split(".")
    return getattr(getattr(policy, section), name)


def validate(key: str, value: Any) -> Any:
    """``value`` checked against parameter ``key``'s type and bounds and returned unchanged (an integral
    count as an int); PolicyError naming the key otherwise. Refuses booleans, text for numbers, NaN and
    infinities. Levels are checked against the scale by the policy, since the scale is a parameter too."""
    p = parameter(key)
    if p.unit == "level":
        if p.key == "quality_scale":
            if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
                raise PolicyError([f"{p.key}: expected a list of level names"])
            return list(value)
        if not isinstance(value, str):
            raise PolicyError([f"{p.key}: expected a level name, got {_shown(value)}"])
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise PolicyError([f"{p.key}: expected a number, got {_shown(value)}"])
    try:
        # Plain Python numbers from here on (a numpy scalar from a table cell becomes an int or a float).
        value = int(value) if isinstance(value, numbers.Integral) else float(value)
        finite = math.isfinite(value)
    except OverflowError:  # an int with hundreds of digits
        finite = False
    if not finite:
        raise PolicyError([f"{p.key}: expected a finite number, got {_shown(value)}"])
    if p.unit == "count":
        if value != int(value):
            raise PolicyError([f"{p.key}: expected a whole number, got {_shown(value)}"])
        value = int(value)
    if p.minimum is not None and value < p.minimum:
        raise PolicyError([f"{p.key}: {_shown(value)} is below the smallest allowed value {_number(p.minimum)}"])
    if p.maximum is not None and value > p.maximum:
        raise PolicyError([f"{p.key}: {_shown(value)} is above the largest allowed value {_number(p.maximum)}"])
    return value


def clamp(key: str, value: float) -> float:
    """``value`` brought within parameter ``key``'s bounds. For placing a control only (e.g. a slider
    fed a value from elsewhere): a value a user typed is checked with `validate`, never clamped."""
    p = parameter(key)
    if p.unit == "level":
        raise PolicyError([f"{p.key}: a level has no numeric bounds"])
    if p.minimum is not None:
        value = max(value, p.minimum)
    if p.maximum is not None:
        value = min(value, p.maximum)
    return value


def slider_bounds(key: str, value: float | None = None) -> tuple[float, float]:
    """The range a slider for ``key`` shows: its `slider_range` (or its full bounds), widened to include
    ``value`` so that a policy's value is always on the slider."""
    p = parameter(key)
    if p.minimum is None or p.maximum is None:
        raise PolicyError([f"{p.key}: a level has no numeric bounds"])
    low, high = p.slider_range or (p.minimum, p.maximum)
    if value is not None:
        low, high = min(low, clamp(key, value)), max(high, clamp(key, value))
    return low, high


def format_value(key: str, value: Any) -> str:
    """A parameter's value for people, in its unit: '3 200 000 PLN', '99 %', '0,5 %', '3', 'Good'."""
    p = parameter(key)
    if value is None:
        return "—"
    if p.unit == "PLN":
        return pln(value, 0 if float(value).is_integer() else 2)
    if p.unit == "percent":
        return percent(value, None)
    if p.unit == "share":
        return pct(value, None)
    if p.unit == "count":
        return str(int(value))
    if isinstance(value, (list, tuple)):
        return " < ".join(str(v) for v in value)
    return str(value)


def sources(keys: Iterable[str]) -> dict[str, Source]:
    """The source of each key (the checklist's "published/assumption" column reads this)."""
    return {k: parameter(k).source for k in keys}


def _number(value: float) -> str:
    """A number without float noise: 99.0 -> '99', 0.025 -> '0,025', 3200000 -> '3 200 000'."""
    return number(value, None)


def _shown(value: Any) -> str:
    """A value quoted in a message, cut short: a message must not echo a megabyte back."""
    return excerpt(repr(value), 60)
