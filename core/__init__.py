"""Diamond Partners eligibility engine: load → compute_metrics (heavy, cached) → decide (cheap)."""

from .dataset import DataError, Dataset, Problem
from .decide import DECISION_COLUMNS, decide
from .loading import load_dataset
from .metrics import Metrics, compute_metrics
from .policy import CATEGORIES, Policy, PolicyError

__all__ = [
    "CATEGORIES",
    "DECISION_COLUMNS",
    "DataError",
    "Dataset",
    "Metrics",
    "Policy",
    "PolicyError",
    "Problem",
    "compute_metrics",
    "decide",
    "evaluate",
    "load_dataset",
]


def evaluate(dataset: Dataset, policy: Policy | None = None, as_of=None):
    """Metrics and decision in one call: one row per company (rules.md §5)."""
    return decide(compute_metrics(dataset, as_of), policy or Policy.default())
