"""Numbers for people: PLN with thousands separators, percentages (shared by the CLI and the UI)."""

from __future__ import annotations

import pandas as pd

NBSP = "\u00a0"


def pln(value, decimals: int = 0) -> str:
    """1234567.8 -> '1 234 568 PLN' (no-break spaces keep the figure on one line)."""
    if value is None or pd.isna(value):
        return "—"
    return f"{value:,.{decimals}f}".replace(",", NBSP) + f"{NBSP}PLN"


def pct(fraction, decimals: int = 1) -> str:
    """0.123 -> '12.3 %'."""
    if fraction is None or pd.isna(fraction):
        return "—"
    return f"{fraction * 100:.{decimals}f}{NBSP}%"


def excerpt(value: object, limit: int = 80) -> str:
    """``value`` as text, cut to ``limit`` characters: every message that quotes what a user gave (a cell, a
    key, a link) quotes it through here, so a megabyte of input can't make a megabyte of message."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def yes_no(value) -> str:
    return "yes" if bool(value) else "no"


def count(n) -> str:
    """2400 -> '2 400' (companies, partners, steps)."""
    return f"{int(n):,}".replace(",", NBSP)


def pln_short(value) -> str:
    """31234567 -> '31.2 mln PLN', for sentences and slide text where the last złoty does not matter."""
    if value is None or pd.isna(value):
        return "—"
    if abs(value) >= 1_000_000_000:
        return f"{value / 1_000_000_000:.2f}{NBSP}mld{NBSP}PLN"
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:.1f}{NBSP}mln{NBSP}PLN"
    if abs(value) >= 1_000:
        return f"{value / 1_000:.0f}{NBSP}tys.{NBSP}PLN"
    return pln(value)
