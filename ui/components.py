"""Small widgets that repeat across pages: downloads, status badges, problem tables, tables with
people-friendly number formats, and the policy controls bound to the scenario in session state.

Text that came from a user (file names, company and account names, cell values) is only ever shown
through `st.dataframe`, `st.text` or widget option labels, or escaped by `literal` where Streamlit
would read Markdown (a metric value) — never as Markdown or HTML.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Literal

import pandas as pd
import streamlit as st

from core.dataset import DataError
from core.explain import decisions_for_people
from core.formatting import PRINTF_INT, PRINTF_PLN, PRINTF_SIGNED_INT, count, pct, percent
from ui import state
from ui.charts import STATUS_COLORS, STATUS_LABELS, STATUS_NAMES
from ui.export import to_csv_bytes, to_excel_bytes

if TYPE_CHECKING:  # what st.column_config's functions return; streamlit does not re-export it publicly
    from streamlit.elements.lib.column_types import ColumnConfig

# The theme's blue / orange / gray (text and background) are set to STATUS_COLORS in .streamlit/config.toml
# (tests/test_colours.py checks they agree and that the text meets WCAG AA on its badge background).
# The colours st.badge accepts (its `color` parameter is this Literal).
BadgeColor = Literal["red", "orange", "yellow", "blue", "green", "violet", "gray", "grey", "primary"]
BADGE_COLORS: dict[str, BadgeColor] = {"qualified": "blue", "review": "orange", "not_qualified": "gray"}
# A status's icon where Streamlit draws it (badges, metric labels): the same shapes as STATUS_ICONS in text.
STATUS_MATERIAL = {
    "qualified": ":material/check_circle:",
    "review": ":material/flag:",
    "not_qualified": ":material/cancel:",
}
STATUS_MD = {s: f":{c}[{STATUS_MATERIAL[s]} **{STATUS_LABELS[s]}**]" for s, c in BADGE_COLORS.items()}  # ours

# -- tables and downloads ------------------------------------------------------------------------


_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def literal(text: str) -> str:
    """User text for a parameter that Streamlit renders as Markdown (a metric value, say): every ASCII
    punctuation mark backslash-escaped, which Markdown shows as the character itself — so `**x**`,
    `<img …>`, `:red[x]` or `$x$` appear literally."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", str(text))


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "table"


def download_buttons(frame: pd.DataFrame | Callable[[], pd.DataFrame], name: str, key: str | None = None) -> None:
    """CSV and Excel downloads of ``frame`` (formula-like cells neutralised), built only when clicked. ``frame``
    may be a function giving the frame, so a download of more than the page shows costs nothing until asked."""
    slug = _slug(name)
    key = key or slug
    row = st.container(horizontal=True)
    row.download_button(
        "⬇ CSV",
        lambda: to_csv_bytes(frame() if callable(frame) else frame),
        file_name=f"{slug}.csv",
        mime="text/csv",
        key=f"dl_csv_{key}",
        on_click="ignore",
        help=f"Download {name} as CSV (UTF-8).",
    )
    row.download_button(
        "⬇ Excel",
        lambda: to_excel_bytes({name[:31]: frame() if callable(frame) else frame}),
        file_name=f"{slug}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"dl_xlsx_{key}",
        on_click="ignore",
        help=f"Download {name} as an Excel workbook.",
    )


_STATUS_SHOWN = {**STATUS_NAMES, **{STATUS_LABELS[s]: name for s, name in STATUS_NAMES.items()}}


def status_label(status: str) -> str:
    """A status (its code or its name) as a table shows it: its icon and its name ('✔ Qualified')."""
    return _STATUS_SHOWN.get(status, status)


_STATUS_STYLE = {
    **{s: f"color: {c}; font-weight: 600" for s, c in STATUS_COLORS.items()},
    **{STATUS_LABELS[s]: f"color: {c}; font-weight: 600" for s, c in STATUS_COLORS.items()},
    **{STATUS_NAMES[s]: f"color: {c}; font-weight: 600" for s, c in STATUS_COLORS.items()},
}
STATUS_COLUMNS = ("status", "baseline", "scenario", "status_a", "status_b")
# Rows up to which a table is styled (status colours, decimals written by core.formatting): Streamlit renders a
# styled table cell by cell (1,000 rows of 11 columns take 100-300 ms on every rerun, 200 rows 30 ms); a bigger
# one gets the same text as plain text columns.
STYLE_LIMIT = 200


def status_badge(status: str) -> None:
    """The status as a coloured badge with its icon (the label is ours, never user text)."""
    st.badge(
        STATUS_LABELS.get(status, status), color=BADGE_COLORS.get(status, "gray"), icon=STATUS_MATERIAL.get(status)
    )


def money(label: str, **kw) -> ColumnConfig:
    """A PLN column: '3 500 000 PLN' (Streamlit's printf, grouping with core.formatting's no-break space)."""
    return st.column_config.NumberColumn(label, format=PRINTF_PLN, **kw)


def whole(label: str, **kw) -> ColumnConfig:
    """A count column: '12 345'."""
    return st.column_config.NumberColumn(label, format=PRINTF_INT, **kw)


# Streamlit's printf has no decimal comma, so a column with decimals is written by core.formatting in
# Python: these printf strings only mark such a column in a config (`share`, `ratings`); `dataframe` takes
# the mark off and formats the column with the function (a Styler's display text, which keeps the numbers
# for sorting; in a table too big to style, a text column).
PERCENT_FORMAT = "%.1f %%"
RATINGS_FORMAT = "%.2f %%"
TEXT_FORMATS: dict[str, Callable[[object], str]] = {
    PERCENT_FORMAT: pct,
    RATINGS_FORMAT: lambda v: percent(v, 2),
}


def share(label: str, **kw) -> ColumnConfig:
    """A fraction (0.12) shown as a percentage ('12,0 %', by core.formatting.pct)."""
    return st.column_config.NumberColumn(label, format=PERCENT_FORMAT, **kw)


def ratings(label: str, **kw) -> ColumnConfig:
    """A value in percent (99.5) shown as '99,50 %'."""
    return st.column_config.NumberColumn(label, format=RATINGS_FORMAT, **kw)


def count_text(n: int) -> str:
    """12345 -> '12 345' (a count for an st.metric), by core.formatting.count."""
    return count(n)


def _display(frame: pd.DataFrame, config: dict) -> tuple[object, dict]:
    """What `st.dataframe` gets for ``frame``: status codes as icon and name, columns with decimals written
    by core.formatting, status columns in their colour. Returns (frame or Styler, column config)."""
    shown = frame.copy()
    config = dict(config)
    for column in STATUS_COLUMNS:
        if column in shown.columns and not pd.api.types.is_numeric_dtype(shown[column]):
            shown[column] = shown[column].astype(str).map(status_label)
    formats: dict[str, Callable[[object], str]] = {}
    for column, cfg in config.items():
        # A value may also be None (column hidden) or a label; only a column config has a number format.
        type_config = cfg.get("type_config") if isinstance(cfg, dict) else None
        if column in shown.columns and isinstance(type_config, dict) and type_config.get("format") in TEXT_FORMATS:
            formats[column] = TEXT_FORMATS[type_config["format"]]
            config[column] = {**cfg, "type_config": {k: v for k, v in type_config.items() if k != "format"}}
    if len(shown) > STYLE_LIMIT:
        for column, fmt in formats.items():  # too big to style: the same text, as a text column
            shown[column] = shown[column].map(fmt)
            cfg = config[column]
            config[column] = st.column_config.TextColumn(cfg.get("label"), help=cfg.get("help"), width=cfg.get("width"))
        return shown, config
    statuses: list[Hashable] = [
        c for c in STATUS_COLUMNS if c in shown.columns and not pd.api.types.is_numeric_dtype(shown[c])
    ]
    if not statuses and not formats:
        return shown, config
    styler = shown.style
    if statuses:
        styler = styler.map(lambda v: _STATUS_STYLE.get(str(v), ""), subset=statuses)
    if formats:
        styler = styler.format(dict(formats))
    return styler, config


def dataframe(frame: pd.DataFrame, column_config: dict | None = None, **kw) -> None:
    """`st.dataframe` with the shared formats (COLUMN_CONFIG for the columns it names, then
    ``column_config``) and every figure in core.formatting's format."""
    config: dict = {c: v for c, v in COLUMN_CONFIG.items() if c in frame.columns}
    # Whole-number columns no config names (a scenario's count per category, say): grouped like the rest.
    for c in frame.columns:
        if c not in config and pd.api.types.is_integer_dtype(frame[c]):
            signed = str(c).startswith("Δ")  # a change against the baseline: +3, -2
            config[c] = st.column_config.NumberColumn(str(c), format=PRINTF_SIGNED_INT if signed else PRINTF_INT)
    config.update(column_config or {})
    data, config = _display(frame, config)
    st.dataframe(data, hide_index=True, width="stretch", column_config=config, **kw)


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
    "positive_ratings_pct": ratings("Positive ratings"),
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
    "companies": whole("Companies"),
    "qualified": whole("Qualified"),
    "review": whole("Review"),
    "not_qualified": whole("Not qualified"),
    "qualified_standard": whole("Qualified: standard"),
    "qualified_conditional": whole("Qualified: conditional"),
    "qualified_brand": whole("Qualified: brand"),
    "n_accounts": whole("Accounts"),
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
    total: int | None = None,
    whole: Callable[[], pd.DataFrame] | None = None,
) -> None:
    """A read-only table with the shared number formats (up to ``max_rows`` rows visible, then it
    scrolls), and CSV / Excel downloads of every column (``columns`` picks the ones shown). At most
    ``limit`` rows are shown — the first ones, so the caller sorts the frame first (``order`` says how, for
    the caption) — and the downloads still hold every row. ``frame`` may be only the first rows of a longer
    table: ``total`` is then its number of rows and ``whole`` builds it for the downloads (when clicked)."""
    rows = len(frame) if total is None else total
    head = frame.iloc[:limit] if len(frame) > limit else frame
    if rows > limit:
        how = f", {order}" if order else ""
        st.caption(
            f"Showing the first {count_text(limit)} of {count_text(rows)} rows{how}; the downloads hold them all."
        )
    shown = head[columns] if columns else head
    height = ROW_PX * (min(len(shown), max_rows) + 1) + 3
    dataframe(shown, column_config, height=height, key=f"table_{key or _slug(name)}")
    if downloads:
        download_buttons(frame if whole is None else whole, name, key=key)


# The columns of a decision frame people read first (`decisions_view`).
VIEW_COLUMNS = [
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


def decisions_view(decisions: pd.DataFrame) -> pd.DataFrame:
    """The columns of a decision frame people read first: statuses with their icon, reasons and flags in words."""
    out = decisions_for_people(decisions[VIEW_COLUMNS])
    # The name without the icon: this frame is also the download (the table adds the icon when it shows it).
    status = out["status"]
    if isinstance(status.dtype, pd.CategoricalDtype):  # decide's frames: rename the three categories, not 150,000 cells
        out["status"] = status.cat.rename_categories([STATUS_LABELS.get(str(c), str(c)) for c in status.cat.categories])
    else:
        out["status"] = status.astype(str).map(lambda s: STATUS_LABELS.get(s, s))
    return out


def decisions_by_revenue(decisions: pd.DataFrame) -> pd.DataFrame:
    """`decisions_view`, the largest main-category revenue first (companies without revenue last)."""
    return decisions_view(decisions).sort_values(
        "main_category_revenue", ascending=False, na_position="last", kind="stable"
    )


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
