"""The Seller check page's lists: the prospect list with its filters, and the check of many sellers at once.

The frames come from `core.prospects.prospects` and `core.bulk.check_many` ready to show: the table shows
that frame and the CSV and Excel downloads write that same frame (same rows, order and columns). The CSV is a
pure table (any spreadsheet opens it); the Excel file has an "About" first sheet stating the list, scenario,
as-of month and filters, and the table with PLN and % number formats.
"""

from __future__ import annotations

from functools import partial
from typing import Literal

import pandas as pd
import streamlit as st

from core import bulk
from core.formatting import pln
from core.policy import Policy
from core.prospects import (
    PATHS,
    PROSPECT_KINDS,
    SORT_LABELS,
    ProspectFilter,
    about,
    categories_present,
    prospects,
    restrict,
)
from ui import components, state
from ui.export import to_csv_table, to_excel_table

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _config(kinds: dict[str, str]) -> dict:
    """Money and share columns in the shared number formats (the table shows shares × 100)."""
    return {c: (components.money(c) if k == "money" else components.share(c)) for c, k in kinds.items()}


def table_with_downloads(
    frame: pd.DataFrame,
    kinds: dict[str, str],
    name: str,
    about_rows: list[tuple[str, str]],
    key: str,
    widths: dict[str, Literal["small", "medium", "large"]] | None = None,
) -> None:
    """``frame`` as a table, and its CSV (pure table) and Excel (About sheet + table) downloads."""
    config = _config(kinds)
    for column, width in (widths or {}).items():
        config[column] = st.column_config.TextColumn(column, width=width)
    components.table(frame, name, key=key, column_config=config, downloads=False, max_rows=12)
    slug = f"{key}_{state.as_of()}"
    row = st.container(horizontal=True)
    row.download_button(
        "⬇ CSV",
        partial(to_csv_table, frame, kinds),
        file_name=f"{slug}.csv",
        mime="text/csv",
        key=f"dl_csv_{key}",
        on_click="ignore",
        help="The table as shown, as CSV (UTF-8). The scenario, month and filters are in the Excel file's About sheet.",
    )
    row.download_button(
        "⬇ Excel",
        partial(to_excel_table, frame, kinds, sheet=name, about=about_rows),
        file_name=f"{slug}.xlsx",
        mime=XLSX_MIME,
        key=f"dl_xlsx_{key}",
        on_click="ignore",
        help="The table as shown, with an About sheet first: the scenario, the as-of month and the filters.",
    )


def _keep_valid(key: str, allowed: list[str]) -> None:
    """Drop choices a multiselect holds that are no longer offered (the data or the scenario changed)."""
    if key in st.session_state:
        st.session_state[key] = list(restrict(st.session_state[key], allowed))


def prospect_filters(decisions: pd.DataFrame) -> ProspectFilter:
    """The filter widgets; returns the filter they set."""
    categories = categories_present(decisions)
    _keep_valid("prospect_categories", categories)
    _keep_valid("prospect_paths", list(PATHS))
    left, middle, right = st.columns([3, 2, 2])
    chosen = left.multiselect("Main categories", categories, key="prospect_categories", placeholder="All categories")
    paths = middle.multiselect(
        "Nearest revenue path",
        list(PATHS),
        key="prospect_paths",
        placeholder="Any path",
        help="The path the company misses by the smallest share of its threshold (conditional: only where "
        "main-category growth is above the peer benchmark; brand: only with a Brand Zone account).",
    )
    unit = right.radio("Gap measured in", ["%", "PLN"], horizontal=True, key="prospect_gap_unit")
    left, middle, right = st.columns([3, 2, 2])
    max_pct, max_pln = None, None
    if unit == "%":
        max_pct = (
            left.slider(
                "Within % of the threshold",
                min_value=1,
                max_value=100,
                value=20,
                step=1,
                format="%d %%",
                key="near_within",
                help="Our tool, not a rule: how close to a revenue threshold counts as a prospect.",
            )
            / 100
        )
    else:
        max_pln = left.number_input(
            "Within (PLN)",
            min_value=0,
            max_value=100_000_000,
            value=500_000,
            step=50_000,
            key="prospect_gap_pln",
            help="The largest gap to the nearest path's threshold, in PLN.",
        )
        left.caption(f"Within {pln(max_pln)} of the nearest threshold.")
    sort_keys: list[str] = list(SORT_LABELS)
    sort_by = middle.selectbox("Sort by", sort_keys, format_func=lambda k: SORT_LABELS[k], key="prospect_sort")
    descending = right.toggle("Largest first", key="prospect_desc")
    return ProspectFilter(
        categories=tuple(chosen),
        paths=tuple(paths),
        max_gap_pct=max_pct,
        max_gap_pln=None if max_pln is None else float(max_pln),
        sort_by=sort_by or "gap_pct",
        descending=descending,
    )


def prospect_section(decisions: pd.DataFrame, scenario: str) -> None:
    """The prospect list: filters, the table, and its downloads."""
    st.caption(
        "Companies that pass every quality gate with no flag and miss a revenue path: prospects for the sales "
        "teams. The gap is to the nearest path's threshold."
    )
    filters = prospect_filters(decisions)
    frame = prospects(decisions, filters)
    rows = about(scenario, state.as_of(), filters, len(frame))
    st.caption(f"{components.count_text(len(frame))} compan{'y' if len(frame) == 1 else 'ies'}.")
    table_with_downloads(frame, PROSPECT_KINDS, "prospects", rows, key="prospects")


def bulk_section(decisions: pd.DataFrame, policy: Policy, scenario: str) -> None:
    """Paste or upload NIPs or account IDs; one row per entry with status, path, what blocks it and the gap."""
    st.caption(
        "One NIP or account ID a line (or separated by ; or ,). NIPs in any common form: 583-106-03-84, "
        f"5831060384, PL 5831060384. At most {components.count_text(bulk.MAX_ENTRIES)} entries."
    )
    left, right = st.columns(2)
    text = left.text_area("Paste a list", key="bulk_text", height=160, max_chars=bulk.MAX_BYTES)
    upload = right.file_uploader(
        "…or upload one (.txt, .csv, .xlsx: the first column)", type=["txt", "csv", "xlsx"], key="bulk_file"
    )
    try:
        if upload is not None:
            entries = bulk.read_entries(upload.name, upload.getvalue())
            if text.strip():
                st.caption("The uploaded file is checked; clear it to check the pasted list.")
        else:
            entries = bulk.split_entries(text)
    except bulk.BulkInputError as exc:
        # Our message, but it may quote a file name (user text): escaped, never read as Markdown.
        st.error(components.literal(f"The list was not checked: {exc}."))
        return
    if not entries:
        return
    dataset = state.dataset()
    frame = bulk.check_many(entries, decisions, dataset.accounts, policy, state.as_of())
    counts = frame[bulk.STATUS].value_counts()
    st.caption(
        " · ".join(
            f"{components.count_text(counts.get(word, 0))} {word}"
            for word in bulk.STATUS_WORDS.values()
            if counts.get(word, 0)
        )
    )
    rows = [
        ("List", "Bulk check: each entry's company, status, revenue path, what blocks it and the gap"),
        ("Scenario", scenario),
        ("As-of month", str(state.as_of())),
        ("Entries", components.count_text(len(frame))),
    ]
    table_with_downloads(
        frame,
        bulk.BULK_KINDS,
        "bulk check",
        rows,
        key="bulk",
        widths={bulk.BLOCKED_BY: "large", bulk.NOTE: "medium"},
    )
