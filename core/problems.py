"""Collecting the problems found in the inputs, to be raised together as one ``DataError``.

Every step of reading adds to one collection, so the uploader sees every problem at once, not just the first.
A module of its own because each step (core.loading, core.raw_tables, core.column_parsers, core.fast_load) adds
to it: here, below them all, none has to import another for it.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pandas as pd

from core.dataset import DataError, Problem
from core.formatting import excerpt as _excerpt

from .formatting import count as _count

# Past this many, problems are only counted: a huge bad file must not produce a huge report.
MAX_PROBLEMS = 1000


def _shown(value: Any) -> str | None:
    if value is None or (np.ndim(value) == 0 and pd.isna(value)):
        return None
    return _excerpt(value)


class Problems:
    """Collects problems; past MAX_PROBLEMS per check it only counts them, keeping huge bad files cheap."""

    def __init__(self) -> None:
        self.found: list[Problem] = []
        self.unlisted: Counter[str] = Counter()

    def add(self, file: str, row: int | None, column: str | None, value: Any, message: str) -> None:
        self.found.append(Problem(file, row, column, _shown(value), message))

    def add_rows(self, file: str, column: str, messages: pd.Series, cells: pd.Series) -> None:
        """One problem per row of ``messages`` (indexed by row number), showing that row's cell."""
        head = messages.iloc[:MAX_PROBLEMS]
        for row, message, value in zip(head.index, head, cells.loc[head.index], strict=True):
            self.add(file, int(row), column, value, message)
        self.unlisted[file] += len(messages) - len(head)

    def raise_if_any(self) -> None:
        if not self.found:
            return
        found = list(dict.fromkeys(self.found))  # a workbook read for both tables may fail twice alike
        files = list(dict.fromkeys(p.file for p in found))
        ordered = sorted(found, key=lambda p: (files.index(p.file), p.row or 0))
        for p in ordered[MAX_PROBLEMS:]:
            self.unlisted[p.file] += 1
        summary = [
            Problem(f, None, None, None, f"… and {_count(n)} more problems not listed")
            for f, n in self.unlisted.items()
            if n
        ]
        raise DataError(ordered[:MAX_PROBLEMS] + summary)
