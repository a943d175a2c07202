"""Small widgets that repeat across pages: downloads, status badges, problem tables, tables with
people-friendly number formats, and the policy controls bound to the scenario in session state.

Text that came from a user (file names, company and account names, cell values) is only ever shown
through `st.dataframe`, `st.text` or widget option labels, or escaped by `literal` where Streamlit
would read Markdown (a metric value) — never as Markdown or HTML.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from functools import partial
from typing import TYPE_CHECKING, Literal

import pandas as pd
import streamlit as st

from core.dataset import DataError
from ui import state
from ui.charts import STATUS_COLORS, STATUS_LABELS
from ui.export import to_csv_bytes, to_excel_bytes

if TYPE_CHECKING:  # what st.column_config's functions return; streamlit does not re-export it publicly
    from streamlit.elements.lib.column_types import ColumnConfig

# The theme's green / orange / gray are set to STATUS_COLORS in .streamlit/config.toml.
# The colours st.badge accepts (its `color` parameter is this Literal).
BadgeColor = Literal["red", "orange", "yellow", "blue", "green", "violet", "gray", "grey", "primary"]
BADGE_COLORS: dict[str, BadgeColor] = {"qualified": "green", "review": "orange", "not_qualified": "gray"}
STATUS_MD = {s: f":{c}[**{STATUS_LABELS[s]}**]" for s, c in BADGE_COLORS.items()}  # metric labels (ours)

# -- tables and downloads ------------------------------------------------------------------------


_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def literal(text: str) -> str:
    """User text for a parameter that Streamlit renders as Markdown (a metric value, say): every ASCII
    punctuation mark backslash-escaped, which Markdown shows as the character itself — so `**x**`,
    `<img …>`, `:red[x]` or `$x$` appear literally."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", str(text))


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "table"


def download_buttons(frame: pd.DataFrame, name: str, key: str | None = None) -> None:
    """CSV and Excel downloads of ``frame`` (formula-like cells neutralised), built only when clicked."""
    slug = _slug(name)
    key = key or slug
    row = st.container(horizontal=True)
    row.download_button(
        "⬇ CSV",
        partial(to_csv_bytes, frame),
        file_name=f"{slug}.csv",
        mime="text/csv",
        key=f"dl_csv_{key}",
        on_click="ignore",
        help=f"Download {name} as CSV (UTF-8).",
    )
    row.download_button(
        "⬇ Excel",
        partial(to_excel_bytes, {name[:31]: frame}),
        file_name=f"{slug}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"dl_xlsx_{key}",
        on_click="ignore",
        help=f"Download {name} as an Excel workbook.",
    )


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


_STATUS_STYLE = {
    **{s: f"color: {c}; font-weight: 600" for s, c in STATUS_COLORS.items()},
    **{STATUS_LABELS[s]: f"color: {c}; font-weight: 600" for s, c in STATUS_COLORS.items()},
}
STATUS_COLUMNS = ("status", "baseline", "scenario")
# Tables up to this many rows get their status colours: Streamlit renders a styled table cell by cell (1,000 rows
# of 11 columns take 100-300 ms on every rerun, 200 rows 30 ms).
STYLED_ROWS = 200


def _styled(frame: pd.DataFrame):
    """Status columns in their status colour (the same as in the charts)."""
    columns: list[Hashable] = [
        c for c in STATUS_COLUMNS if c in frame.columns and not pd.api.types.is_numeric_dtype(frame[c])
    ]
    if not columns or len(frame) > STYLED_ROWS:  # styling every cell of a big table costs more than it shows
        return frame
    return frame.style.map(lambda v: _STATUS_STYLE.get(str(v), ""), subset=columns)


def status_badge(status: str) -> None:
    """The status as a coloured badge (the label is ours, never user text)."""
    st.badge(STATUS_LABELS.get(status, status), color=BADGE_COLORS.get(status, "gray"))


def money(label: str, **kw) -> ColumnConfig:
    return st.column_config.NumberColumn(label, format="%,.0f PLN", **kw)


PERCENT_FORMAT = "%.1f %%"


def share(label: str, **kw) -> ColumnConfig:
    """A fraction (0.12) shown as a percentage (12.0 %): `table` multiplies such columns by 100 for display."""
    return st.column_config.NumberColumn(label, format=PERCENT_FORMAT, **kw)


def count_text(n: int) -> str:
    """12345 -> '12 345' (a count for an st.metric)."""
    return f"{int(n):,}".replace(",", " ")


# Column formats of the decision frames, by column name: every table shows money and shares alike.
COLUMN_CONFIG = {
    "nip": st.column_config.TextColumn("NIP"),
    "company_name": st.column_config.TextColumn("Company"),
    "main_account_id": st.column_config.TextColumn("Main account"),
    "main_category": st.column_config.TextColumn("Main category"),
    "category": st.column_config.TextColumn("Category"),
    "main_category_revenue": money("Main-category revenue"),
    "total_revenue": money("Total revenue (12 m)"),
    "revenue_current_window": money("Revenue (current 12 m)"),
    "growth": share("Growth"),
    "main_category_growth": share("Main-category growth"),
    "status": st.column_config.TextColumn("Status"),
    "path": st.column_config.TextColumn("Path"),
    "reasons": st.column_config.TextColumn("Fails"),
    "flags": st.column_config.TextColumn("Flags"),
    "gap": money("Gap to company threshold"),
    "threshold": money("Threshold"),
    "shortfall": money("Short by"),
    "shortfall_pct": share("Short by (%)"),
    "nearest_path": st.column_config.TextColumn("Nearest path"),
    "company": money("Company threshold"),
    "conditional": money("Conditional threshold"),
    "brand": money("Brand threshold"),
    "positive_ratings_pct": st.column_config.NumberColumn("Positive ratings", format="%.2f %%"),
    "transaction_problem_rate": share("Transaction problems"),
    "exportable_share": share("Exportable"),
    "new_condition_share": share("New condition"),
    "business_account": st.column_config.CheckboxColumn("Business Account"),
    "is_main": st.column_config.CheckboxColumn("Main"),
    "main_account": st.column_config.CheckboxColumn("Marked main"),
    "brand_zone": st.column_config.CheckboxColumn("Brand Zone"),
    "suspended": st.column_config.CheckboxColumn("Suspended"),
    "passed": st.column_config.CheckboxColumn("Passed"),
    "passes": st.column_config.CheckboxColumn("Passes"),
    "baseline": st.column_config.TextColumn("Baseline", width=110),
    "scenario": st.column_config.TextColumn("Scenario", width=110),
    "companies": st.column_config.NumberColumn("Companies", format="%d"),
    "qualified": st.column_config.NumberColumn("Qualified", format="%d"),
    "review": st.column_config.NumberColumn("Review", format="%d"),
    "not_qualified": st.column_config.NumberColumn("Not qualified", format="%d"),
    "qualified_standard": st.column_config.NumberColumn("Qualified: standard", format="%d"),
    "qualified_conditional": st.column_config.NumberColumn("Qualified: conditional", format="%d"),
    "qualified_brand": st.column_config.NumberColumn("Qualified: brand", format="%d"),
    "n_accounts": st.column_config.NumberColumn("Accounts", format="%d"),
    "account_id": st.column_config.TextColumn("Account ID"),
    "account_name": st.column_config.TextColumn("Account name"),
    "sales_quality": st.column_config.TextColumn("Sales quality"),
    "group": st.column_config.TextColumn("Group"),
    "criterion": st.column_config.TextColumn("Criterion", width="large"),
    "actual": st.column_config.TextColumn("Actual"),
    "required": st.column_config.TextColumn("Required"),
    "source": st.column_config.TextColumn("Rule", help="published: the program page says so; assumption: our reading."),
    "change": st.column_config.TextColumn("Change", width="small"),
}


ROW_PX = 35
# The thresholds table's column widths: the table fits the What-if page's control column in a 1500 px
# window with every header whole (only the longest category name is cut).
CATEGORY_COL_PX, NUMBER_COL_PX = 136, 100


# The most rows a table sends to the browser: st.dataframe sends every row it is given (150,000 companies are
# megabytes of Arrow on every rerun). Longer tables show their first rows, and their downloads hold them all.
TABLE_LIMIT = 1000


def table(
    frame: pd.DataFrame,
    name: str,
    *,
    key: str | None = None,
    max_rows: int = 15,
    column_config: dict | None = None,
    columns: list[str] | None = None,
    downloads: bool = True,
    limit: int = TABLE_LIMIT,
    order: str = "",
) -> None:
    """A read-only table with the shared number formats (up to ``max_rows`` rows visible, then it
    scrolls), and CSV / Excel downloads of every column (``columns`` picks the ones shown). At most
    ``limit`` rows are shown — the first ones, so the caller sorts the frame first (``order`` says how, for
    the caption) — and the downloads still hold every row."""
    head = frame.iloc[:limit] if len(frame) > limit else frame
    if len(frame) > limit:
        how = f", {order}" if order else ""
        st.caption(
            f"Showing the first {count_text(limit)} of {count_text(len(frame))} rows{how}; the downloads hold them all."
        )
    shown = head[columns] if columns else head.copy()
    config: dict[str, ColumnConfig | str | None] = {c: v for c, v in COLUMN_CONFIG.items() if c in shown.columns}
    config.update(column_config or {})
    for column in STATUS_COLUMNS:
        if column in shown.columns and not pd.api.types.is_numeric_dtype(shown[column]):
            shown[column] = shown[column].astype(str).map(lambda s: STATUS_LABELS.get(s, s))
    for column, cfg in config.items():
        # A value may also be None (column hidden) or a label; only a column config has a number format.
        type_config = cfg.get("type_config") if isinstance(cfg, dict) else None
        if isinstance(type_config, dict) and type_config.get("format") == PERCENT_FORMAT:
            shown[column] = shown[column].astype(float) * 100
    height = ROW_PX * (min(len(shown), max_rows) + 1) + 3
    st.dataframe(
        _styled(shown),
        hide_index=True,
        width="stretch",
        height=height,
        column_config=config,
        key=f"table_{key or _slug(name)}",
    )
    if downloads:
        download_buttons(frame, name, key=key)


def decisions_view(decisions: pd.DataFrame) -> pd.DataFrame:
    """The columns of a decision frame people read first, statuses with their icon."""
    columns = [
        "company_name",
        "nip",
        "main_category",
        "main_category_revenue",
        "total_revenue",
        "growth",
        "status",
        "path",
        "reasons",
        "flags",
        "gap",
    ]
    out = decisions[columns].copy()
    status = out["status"]
    if isinstance(status.dtype, pd.CategoricalDtype):  # decide's frames: rename the three categories, not 150,000 cells
        out["status"] = status.cat.rename_categories([status_label(str(c)) for c in status.cat.categories])
    else:
        out["status"] = status.astype(str).map(status_label)
    return out


def problems_table(error: DataError) -> None:
    """What is wrong with an upload: one row per problem, downloadable."""
    st.error(
        f"The upload was not used: {len(error.problems)} problem(s) found. "
        "The data that was active before stays active."
    )
    # Blank, not "None", where a problem concerns a whole file or column.
    frame = error.to_frame()
    frame["row"] = [("" if pd.isna(r) else str(int(r))) for r in frame["row"]]
    frame["value"] = frame["value"].fillna("")
    frame["column"] = frame["column"].fillna("")
    table(
        frame,
        "upload problems",
        key="problems",
        column_config={
            "file": st.column_config.TextColumn("File"),
            "row": st.column_config.TextColumn(
                "Row", help="Row number as a spreadsheet shows it (the header is row 1)."
            ),
            "column": st.column_config.TextColumn("Column"),
            "value": st.column_config.TextColumn("Value"),
            "problem": st.column_config.TextColumn("Problem", width="large"),
        },
    )


def policy_error(exc: Exception) -> None:
    st.error(str(exc))  # our own message naming the key: the controls hold numbers and listed levels, no free text


def scope_note() -> None:
    """One line under a page title saying which scenario the numbers use."""
    if state.is_baseline():
        st.caption("Policy: the published thresholds and our default assumptions (baseline).")
    else:
        st.caption("Policy: a custom scenario from the What-if page — reset it there to see the published policy.")
