"""Small widgets that repeat across pages: downloads, status badges, problem tables, tables with
people-friendly number formats, and the policy controls bound to the scenario in session state.

Text that came from a user (file names, company and account names, cell values) is only ever shown
through `st.dataframe`, `st.text` or widget option labels, or escaped by `literal` where Streamlit
would read Markdown (a metric value) — never as Markdown or HTML.
"""

from __future__ import annotations

import re
from functools import partial

import pandas as pd
import streamlit as st

from core.dataset import DataError
from core.formatting import pln
from core.policy import Policy, field_help
from ui import state
from ui.charts import STATUS_COLORS, STATUS_LABELS
from ui.export import to_csv_bytes, to_excel_bytes

# The theme's green / orange / gray are set to STATUS_COLORS in .streamlit/config.toml.
BADGE_COLORS = {"qualified": "green", "review": "orange", "not_qualified": "gray"}
STATUS_MD = {s: f":{c}[**{STATUS_LABELS[s]}**]" for s, c in BADGE_COLORS.items()}  # metric labels (ours)
THRESHOLD_MAX = 20_000_000
THRESHOLD_STEP = 50_000

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
        "⬇ CSV", partial(to_csv_bytes, frame), file_name=f"{slug}.csv", mime="text/csv", key=f"dl_csv_{key}",
        on_click="ignore", help=f"Download {name} as CSV (UTF-8).",
    )
    row.download_button(
        "⬇ Excel", partial(to_excel_bytes, {name[:31]: frame}), file_name=f"{slug}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key=f"dl_xlsx_{key}",
        on_click="ignore", help=f"Download {name} as an Excel workbook.",
    )


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


_STATUS_STYLE = {
    **{s: f"color: {c}; font-weight: 600" for s, c in STATUS_COLORS.items()},
    **{STATUS_LABELS[s]: f"color: {c}; font-weight: 600" for s, c in STATUS_COLORS.items()},
}
STATUS_COLUMNS = ("status", "baseline", "scenario")


def _styled(frame: pd.DataFrame):
    """Status columns in their status colour (the same as in the charts)."""
    columns = [c for c in STATUS_COLUMNS if c in frame.columns and not pd.api.types.is_numeric_dtype(frame[c])]
    if not columns or len(frame) > 1000:  # styling every cell of a big table costs more than it shows
        return frame
    return frame.style.map(lambda v: _STATUS_STYLE.get(str(v), ""), subset=columns)


def status_badge(status: str) -> None:
    """The status as a coloured badge (the label is ours, never user text)."""
    st.badge(STATUS_LABELS.get(status, status), color=BADGE_COLORS.get(status, "gray"))


def money(label: str, **kw) -> st.column_config.NumberColumn:
    return st.column_config.NumberColumn(label, format="%,.0f PLN", **kw)


PERCENT_FORMAT = "%.1f %%"


def share(label: str, **kw) -> st.column_config.NumberColumn:
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
    "what_changed": st.column_config.TextColumn("What changed their outcome", width="large"),
}


ROW_PX = 35
# The thresholds table's column widths: the table fits the What-if page's control column in a 1500 px
# window with every header whole (only the longest category name is cut).
CATEGORY_COL_PX, NUMBER_COL_PX = 136, 100


def table(frame: pd.DataFrame, name: str, *, key: str | None = None, max_rows: int = 15,
          column_config: dict | None = None, columns: list[str] | None = None, downloads: bool = True) -> None:
    """A read-only table with the shared number formats (up to ``max_rows`` rows visible, then it
    scrolls), and CSV / Excel downloads of every column (``columns`` picks the ones shown)."""
    shown = frame[columns] if columns else frame.copy()
    config = {c: v for c, v in COLUMN_CONFIG.items() if c in shown.columns}
    config.update(column_config or {})
    for column in STATUS_COLUMNS:
        if column in shown.columns and not pd.api.types.is_numeric_dtype(shown[column]):
            shown[column] = shown[column].astype(str).map(lambda s: STATUS_LABELS.get(s, s))
    for column, cfg in config.items():
        if (cfg or {}).get("type_config", {}).get("format") == PERCENT_FORMAT:
            shown[column] = shown[column].astype(float) * 100
    height = ROW_PX * (min(len(frame), max_rows) + 1) + 3
    st.dataframe(_styled(shown), hide_index=True, width="stretch", height=height, column_config=config,
                 key=f"table_{key or _slug(name)}")
    if downloads:
        download_buttons(frame, name, key=key)


def decisions_view(decisions: pd.DataFrame) -> pd.DataFrame:
    """The columns of a decision frame people read first, statuses with their icon."""
    columns = ["company_name", "nip", "main_category", "main_category_revenue", "total_revenue", "growth",
               "status", "path", "reasons", "flags", "gap"]
    out = decisions[columns].copy()
    out["status"] = out["status"].astype(str).map(status_label)
    return out


def problems_table(error: DataError) -> None:
    """What is wrong with an upload: one row per problem, downloadable."""
    st.error(f"The upload was not used: {len(error.problems)} problem(s) found. The data that was active before stays active.")
    # Blank, not "None", where a problem concerns a whole file or column.
    frame = error.to_frame()
    frame["row"] = [("" if pd.isna(r) else str(int(r))) for r in frame["row"]]
    frame["value"] = frame["value"].fillna("")
    frame["column"] = frame["column"].fillna("")
    table(frame, "upload problems", key="problems", column_config={
        "file": st.column_config.TextColumn("File"),
        "row": st.column_config.TextColumn("Row", help="Row number as a spreadsheet shows it (the header is row 1)."),
        "column": st.column_config.TextColumn("Column"),
        "value": st.column_config.TextColumn("Value"),
        "problem": st.column_config.TextColumn("Problem", width="large"),
    })


def policy_error(exc: Exception) -> None:
    st.error(str(exc))  # our own message naming the key: the controls hold numbers and listed levels, no free text


# -- policy controls bound to the scenario -------------------------------------------------------


def _store(key: str, path: tuple[str, ...]) -> None:
    state.spec_set(path, st.session_state[key])


def _bound(widget, label: str, path: tuple[str, ...], *, convert=lambda v: v, on_change=None, **kw):
    """``widget`` (st.slider, st.select_slider…) showing the scenario value at ``path`` and writing it back."""
    key = state.widget_key(path)
    if key not in st.session_state:
        st.session_state[key] = convert(state.spec_get(path))
    return widget(label, key=key, on_change=on_change or _store, args=(key, path), **kw)


def _store_threshold(key: str, category: str, kind: str) -> None:
    """A slider or number input of one threshold: through the policy's one rule (`state.edit_thresholds`)."""
    state.edit_thresholds({category: {kind: st.session_state[key]}})


THRESHOLD_LABELS = {"company": "Company threshold", "conditional": "Conditional threshold (≤ company)",
                    "brand": "Brand Zone account threshold"}


def threshold_sliders(category: str) -> None:
    """The three thresholds of one category (before the scale slider applies): a slider for a quick move
    and, beside it, a number input for an exact value."""
    for kind, label in THRESHOLD_LABELS.items():
        path = ("categories", category, kind)
        value = round(float(state.spec_get(path)))
        slider_key, exact_key = state.widget_key(path), state.exact_key(path)
        if slider_key not in st.session_state:
            st.session_state[slider_key] = value
        if exact_key not in st.session_state:
            st.session_state[exact_key] = value
        slide, exact = st.columns([3, 2], vertical_alignment="bottom")
        slide.slider(f"{label} — {category}", key=slider_key, on_change=_store_threshold,
                     args=(slider_key, category, kind), min_value=0, max_value=max(THRESHOLD_MAX, value),
                     step=THRESHOLD_STEP, format="%,d PLN", help=field_help("thresholds", kind))
        exact.number_input(f"Exact, PLN — {category} {kind}", key=exact_key, on_change=_store_threshold,
                           args=(exact_key, category, kind), min_value=0, step=1, format="%d",
                           label_visibility="collapsed", help=f"{label}: type an exact value in PLN.")


def _apply_percent(category: str, key: str) -> None:
    factor = 1 + float(st.session_state[key]) / 100
    current = state.spec_get(("categories", category))
    state.edit_thresholds({category: {k: round(current[k] * factor) for k in state.THRESHOLD_KINDS}})
    st.session_state[key] = 0.0


def percent_change(category: str) -> None:
    """Change the three thresholds of one category by a percentage, to the exact PLN (rounded to 1 PLN)."""
    key = f"w:percent/{category}"
    st.session_state.setdefault(key, 0.0)
    row = st.columns([3, 2], vertical_alignment="bottom")
    row[0].number_input(f"± % for all three thresholds of {category}", key=key, min_value=-100.0,
                        step=1.0, format="%.1f", help="+20 turns 7 300 000 into 8 760 000; rounded to whole PLN.")
    row[1].button("Apply ± %", key=f"apply_percent/{category}", on_click=_apply_percent, args=(category, key))


def effective_thresholds(category: str) -> None:
    """What the sliders above mean once the scale slider applies (only when it is not 100 %)."""
    if state.scale_pct() == 100:
        return
    t = state.scenario_policy().categories[category]
    st.caption(f"With every threshold at {state.scale_pct()} %: company {pln(t.company)}, "
               f"conditional {pln(t.conditional)}, brand {pln(t.brand)}.")


def _store_table(key: str) -> None:
    edits = state.table_edits(state.table_base(), st.session_state[key].get("edited_rows", {}),
                              state.scenario_spec()["categories"])
    if edits:
        state.edit_thresholds(edits, from_table=True)


def scenario_notes() -> None:
    """What the last edit did or why it was refused (our own text: category names and numbers)."""
    for kind, text in state.take_notes():
        (st.error if kind == "error" else st.info)(text, icon="⚠️" if kind == "error" else "ℹ️")


def thresholds_editor() -> None:
    """All categories' thresholds in one editable table (before the scale slider applies).

    An edit does not rerun the page (``on_change="ignore"``): cells typed one after another (Tab, Enter)
    stay in the browser until "Apply", so no rerun can land while a cell is being typed and drop or
    mangle it (issue 8: a rerun after every cell lost the value typed next, and once kept only
    "600000" of "9600000"). "ignore" also hands each edit to the app at once, not 150 ms later, so an
    "Apply" clicked straight after typing includes it. The edits (``edited_rows``) are relative to the
    snapshot the table was created with (`state.table_base`); anything else changing a threshold
    re-creates it from the spec."""
    base = state.table_base()
    frame = pd.DataFrame([(c, *(round(t[k]) for k in state.THRESHOLD_KINDS)) for c, t in base.items()],
                         columns=["category", *state.THRESHOLD_KINDS])
    key = state.table_key()
    st.data_editor(
        frame, key=key, hide_index=True, width="stretch", num_rows="fixed", on_change="ignore",
        disabled=["category"], height=ROW_PX * (len(frame) + 1) + 3,
        column_config={
            "category": st.column_config.TextColumn("Category", width=CATEGORY_COL_PX),
            "company": st.column_config.NumberColumn(
                "Company", format="%,d", width=NUMBER_COL_PX, step=1, help=field_help("thresholds", "company")),
            "conditional": st.column_config.NumberColumn(
                "Conditional", format="%,d", width=NUMBER_COL_PX, step=1,
                help=field_help("thresholds", "conditional") + " Kept at or below the company threshold."),
            "brand": st.column_config.NumberColumn(
                "Brand", format="%,d", width=NUMBER_COL_PX, step=1, help=field_help("thresholds", "brand")),
        },
    )
    st.button("Apply table edits", key="apply_table", on_click=_store_table, args=(key,), type="primary",
              help="Every cell you changed is applied at once; a value the policy refuses is named in a "
                   "message and the table goes back to the scenario's values.")


def _store_scale(key: str) -> None:
    st.session_state[state.SCALE] = int(st.session_state[key])


def scale_slider() -> None:
    key = "w:scale"
    if key not in st.session_state:
        st.session_state[key] = state.scale_pct()
    st.slider(
        "Scale every threshold", min_value=50, max_value=200, step=5, format="%d %%", key=key,
        on_change=_store_scale, args=(key,),
        help="Our what-if, not a rule: multiplies the company, conditional and brand thresholds of every "
             "category by this percentage (100 % = the thresholds as set below). "
             + field_help("policy", "categories"),
    )


def other_policy_controls() -> None:
    """Every policy parameter other than the thresholds, each with its published / assumption help."""
    scale = Policy.from_dict(state.scenario_spec()).quality_scale
    st.markdown("**Quality**")
    _bound(st.slider, "Minimum positive ratings (main account)", ("criteria", "min_positive_ratings_pct"),
           convert=float, min_value=90.0, max_value=100.0, step=0.1, format="%.1f %%",
           help=field_help("criteria", "min_positive_ratings_pct"))
    _bound(st.select_slider, "Minimum sales quality, main account", ("criteria", "min_quality_main"),
           options=scale, help=field_help("criteria", "min_quality_main"))
    _bound(st.select_slider, "Minimum sales quality, other accounts", ("criteria", "min_quality_other"),
           options=scale, help=field_help("criteria", "min_quality_other"))
    st.markdown("**Growth**")
    _bound(st.slider, "Minimum year-on-year growth", ("growth", "min_yoy_growth"),
           convert=float, min_value=-0.5, max_value=0.5, step=0.01, format="percent",
           help=field_help("growth", "min_yoy_growth"))
    _bound(st.slider, "Minimum growing quarters (of 4)", ("growth", "min_growing_quarters"),
           convert=int, min_value=0, max_value=4, step=1, help=field_help("growth", "min_growing_quarters"))
    _bound(st.slider, "Peer percentile for the conditional path", ("conditional", "peer_percentile"),
           convert=float, min_value=0.0, max_value=100.0, step=5.0, format="%.0f",
           help=field_help("conditional", "peer_percentile"))
    st.markdown("**Flags**")
    _bound(st.slider, "Maximum transaction problem rate", ("flags", "max_transaction_problem_rate"),
           convert=float, min_value=0.0, max_value=0.2, step=0.005, format="percent",
           help=field_help("flags", "max_transaction_problem_rate"))
    _bound(st.slider, "Minimum exportable share", ("flags", "min_exportable_share"),
           convert=float, min_value=0.0, max_value=1.0, step=0.05, format="percent",
           help=field_help("flags", "min_exportable_share"))
    _bound(st.slider, "Minimum share of New products", ("flags", "min_new_condition_share"),
           convert=float, min_value=0.0, max_value=1.0, step=0.05, format="percent",
           help=field_help("flags", "min_new_condition_share"))


def reset_button() -> None:
    st.button("↺ Reset to published policy", on_click=state.reset_scenario, key="reset_scenario",
              disabled=state.is_baseline(), help="Drop every change: the published thresholds and our default assumptions.")


def scope_note() -> None:
    """One line under a page title saying which scenario the numbers use."""
    if state.is_baseline():
        st.caption("Policy: the published thresholds and our default assumptions (baseline).")
    else:
        st.caption("Policy: a custom scenario from the What-if page — reset it there to see the published policy.")
