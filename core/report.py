"""The seller report: one A4 page a sales person can send, saying whether a company qualifies for the
program, why, and how far it is from the nearest revenue path it can use (issue 11 §1).

Plain Python over the engine's frames: the Seller page and `python -m core report` both call
`seller_report`, which returns the PDF's bytes (nothing is written to disk here). The facts come from
the modules that own them: the decision row (`core.decide`), its checklist and gap sentence
(`core.explain`, whose checklist says per criterion whether the rule is published or our reading), the
company's accounts and months (`core.lookup`); numbers are written by `core.formatting`.

Library: fpdf2 (pure Python, maintained, embeds a subset of a TrueType font, draws vectors), with the
DejaVu Sans Condensed font shipped in ``core/fonts`` (Polish letters without any system font). Text
from the data is written as plain text (fpdf2's markdown is off), cut to a bounded length, with control
characters and characters the font lacks replaced, so no input can break the layout onto a second page.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, cast

import pandas as pd
from fpdf import FPDF
from fpdf.enums import TableBordersLayout, VAlign
from fpdf.fonts import FontFace

from .compact import CompactDataset
from .dataset import Dataset
from .explain import checklist, gap_sentence
from .formatting import excerpt, pct, pln
from .lookup import company_accounts, company_monthly
from .metrics import Metrics
from .nip import clean_nip, format_nip, is_valid_nip
from .policy import Policy

PROGRAM = "Allegro Diamond Partners"
FONT_DIR = Path(__file__).with_name("fonts")
FONT = "DejaVu"
FONT_FILES = {"": "DejaVuSansCondensed.ttf", "B": "DejaVuSansCondensed-Bold.ttf"}

# A4 in points (fpdf2's own size), margins and the page's colours (text on white at least 4.5:1).
PAGE_W, PAGE_H = 595.28, 841.89
MARGIN = 40.0
WIDTH = PAGE_W - 2 * MARGIN
BOTTOM = PAGE_H - 28.0  # nothing is drawn below this line
INK = (31, 41, 55)
MUTED = (75, 85, 99)
RULE = (209, 213, 219)
BAND = (20, 33, 61)
BAND_TEXT = (203, 213, 225)
PANEL = (243, 244, 246)
GROUP_FILL = (229, 233, 240)
CURRENT_BAR = (37, 99, 235)
PREVIOUS_BAR = (191, 203, 222)
COMPANY_LINE = (185, 28, 28)
CONDITIONAL_LINE = (180, 83, 9)
PASS, FAIL, FLAG, QUIET = (21, 115, 52), (179, 38, 30), (180, 83, 9), (107, 114, 128)

# Status words, colours and marks (a mark as well as a colour, so no one needs to tell hues apart).
STATUS_STYLE = {
    "qualified": ("Qualified", "✔", (21, 115, 52)),
    "review": ("Review", "!", (180, 83, 9)),
    "not_qualified": ("Not qualified", "✖", (75, 85, 99)),
}
SOURCE_WORDS = {"published": "published", "assumption": "our reading"}
NAME_CHARS, ACCOUNT_CHARS, CELL_CHARS = 90, 60, 60  # how much user text one line of the page holds
SHOWN_ACCOUNTS = 4
CHART_MAX, CHART_MIN = 150.0, 60.0  # the plot's height in points


class UnknownCompany(ValueError):
    """No company with this NIP in the data (the CLI turns it into exit 2 and this message)."""


def seller_report(
    dataset: Dataset | CompactDataset,
    metrics: Metrics,
    decisions: pd.DataFrame,
    policy: Policy,
    nip: str,
    *,
    prepared: date | None = None,
) -> bytes:
    """The one-page A4 report on the company with this NIP (any common form: '583-106-03-84',
    'PL5831060384') as PDF bytes. ``decisions`` is `decide(metrics, policy)`; ``prepared`` is the date
    printed on it (default: today). Raises `UnknownCompany` for a NIP that is not in the data."""
    digits = clean_nip(str(nip))
    found = decisions[decisions["nip"].astype(str) == digits] if is_valid_nip(digits) else decisions.iloc[0:0]
    if found.empty:
        raise UnknownCompany(f"no company with NIP {excerpt(format_nip(digits), 40)} in the data")
    row = found.iloc[0]
    facts = _Facts.gather(dataset, metrics, policy, row)
    pdf = _new_pdf()
    pdf.set_title(f"{PROGRAM}: {_text(row['company_name'], NAME_CHARS)}")
    pdf.set_creator("Diamond Partners Explorer")
    _Page(pdf, facts, prepared or date.today()).draw()
    return bytes(pdf.output())


@dataclass(frozen=True)
class _Facts:
    """What the page shows, gathered from the engine's frames before anything is drawn."""

    row: pd.Series
    policy: Policy
    as_of: pd.Period
    current: tuple[pd.Period, pd.Period]
    previous: tuple[pd.Period, pd.Period]
    items: pd.DataFrame
    gap: str
    accounts: pd.DataFrame
    monthly: pd.Series  # revenue per month in the main category over both windows (0 where none)
    changed: list[str]  # policy keys that differ from the published policy

    @classmethod
    def gather(cls, dataset: Dataset | CompactDataset, metrics: Metrics, policy: Policy, row: pd.Series) -> _Facts:
        nip = str(row["nip"])
        first, last = metrics.previous_window[0], metrics.current_window[1]
        monthly = company_monthly(dataset, nip)
        if pd.notna(row["main_category"]):
            monthly = monthly[monthly["category"].astype(str) == str(row["main_category"])]
        months = pd.period_range(first, last, freq="M")
        by_month = monthly.groupby("month", observed=True)["revenue"].sum().reindex(months, fill_value=0.0)
        return cls(
            row=row,
            policy=policy,
            as_of=metrics.as_of,
            current=metrics.current_window,
            previous=metrics.previous_window,
            items=checklist(row, policy),
            gap=gap_sentence(row, metrics.as_of),
            accounts=company_accounts(dataset, metrics, nip),
            monthly=by_month,
            changed=_leaves(policy.diff(Policy.default())),
        )


def _leaves(tree: dict, prefix: str = "") -> list[str]:
    """The dotted keys of a nested diff: {'growth': {'min_yoy_growth': 0.05}} -> ['growth.min_yoy_growth']."""
    out: list[str] = []
    for key, value in tree.items():
        path = f"{prefix}{key}"
        out += _leaves(value, path + ".") if isinstance(value, dict) else [path]
    return out


# -- text that came from the data ------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


@cache
def _font_codepoints() -> frozenset[int]:
    """The characters both shipped fonts can draw (read once per process)."""
    from fontTools.ttLib import TTFont  # fpdf2's own dependency

    sets = [set(TTFont(FONT_DIR / f, lazy=True).getBestCmap()) for f in FONT_FILES.values()]
    return frozenset(set.intersection(*sets))


def _text(value: object, limit: int = CELL_CHARS) -> str:
    """User text for the page: one line (control characters become spaces), at most ``limit`` characters,
    and '?' for a character the font cannot draw (rather than an invisible gap)."""
    if value is None or (not isinstance(value, str) and bool(pd.isna(cast(Any, value)))):
        return "—"
    text = unicodedata.normalize("NFC", _CONTROL.sub(" ", str(value))).strip()
    known = _font_codepoints()
    text = "".join(c if ord(c) in known or c == " " else "?" for c in text)
    return excerpt(text, limit)


# -- drawing -----------------------------------------------------------------------------------


def _new_pdf() -> FPDF:
    pdf = FPDF(orientation="portrait", unit="pt", format="A4")
    for style, file in FONT_FILES.items():
        pdf.add_font(FONT, style, str(FONT_DIR / file))
    pdf.set_auto_page_break(False)  # one page by construction; the tests check the worst case fits
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.c_margin = 0
    pdf.add_page()
    return pdf


class _Page:
    """Draws the sections top to bottom; each method starts at ``self.y`` and moves it down."""

    def __init__(self, pdf: FPDF, facts: _Facts, prepared: date):
        self.pdf, self.f, self.prepared = pdf, facts, prepared
        self.y = 0.0

    def draw(self) -> None:
        """Every section; the chart takes the height left above the footer (down to `CHART_MIN`)."""
        self.header()
        self.company()
        self.status()
        self.summary()
        self.criteria()
        footer_top = self.footer()
        self.chart(footer_top - 14)
        if self.y > footer_top - 6:  # cannot happen with the bounded text above; never overlap silently
            raise RuntimeError("the seller report does not fit on one page")

    # small helpers
    def font(self, size: float, bold: bool = False, color: tuple[int, int, int] = INK) -> None:
        self.pdf.set_font(FONT, "B" if bold else "", size)
        self.pdf.set_text_color(*color)

    def line_at(self, x: float, y: float, text: str, width: float = 0, align: str = "L", height: float = 0) -> None:
        self.pdf.set_xy(x, y)
        self.pdf.cell(
            w=width or self.pdf.get_string_width(text), h=height or self.pdf.font_size * 1.25, text=text, align=align
        )

    def para(
        self,
        text: str,
        size: float,
        *,
        bold: bool = False,
        color=INK,
        x: float = MARGIN,
        width: float = WIDTH,
        leading: float = 1.3,
    ) -> None:
        self.font(size, bold, color)
        self.pdf.set_xy(x, self.y)
        self.pdf.multi_cell(w=width, h=size * leading, text=text, align="L", new_x="LMARGIN", new_y="NEXT")
        self.y = self.pdf.get_y()

    # sections
    def header(self) -> None:
        pdf, f = self.pdf, self.f
        pdf.set_fill_color(*BAND)
        pdf.rect(0, 0, PAGE_W, 62, style="F")
        self.font(17, True, (255, 255, 255))
        self.line_at(MARGIN, 16, PROGRAM)
        self.font(9, False, BAND_TEXT)
        self.line_at(MARGIN, 39, "Eligibility report for one seller")
        self.font(11, True, (255, 255, 255))
        self.line_at(MARGIN, 17, f"As of {f.as_of}", WIDTH, "R")
        self.font(8.5, False, BAND_TEXT)
        self.line_at(MARGIN, 36, f"Prepared {self.prepared.isoformat()}", WIDTH, "R")
        self.y = 78

    def company(self) -> None:
        f, row = self.f, self.f.row
        self.para(_text(row["company_name"], NAME_CHARS), 15, bold=True, leading=1.2)
        self.y += 2
        category = (
            "none (no revenue in the current 12 months)" if pd.isna(row["main_category"]) else row["main_category"]
        )
        self.para(f"NIP {format_nip(str(row['nip']))}     Main category: {category}", 9.5, color=MUTED)
        acc = f.accounts
        names = []
        for a in acc.head(SHOWN_ACCOUNTS).itertuples():
            marks = [m for m, on in (("main", a.is_main), ("Brand Zone", a.brand_zone)) if on]
            label = f"{_text(a.account_id, 30)} {_text(a.account_name, ACCOUNT_CHARS // 2)}"
            names.append(label + (f" ({', '.join(marks)})" if marks else ""))
        more = f"; and {len(acc) - SHOWN_ACCOUNTS} more" if len(acc) > SHOWN_ACCOUNTS else ""
        count = f"{len(acc)} account{'s' if len(acc) != 1 else ''}"
        self.para(f"{count}: " + "; ".join(names) + more, 8.5, color=MUTED)
        self.y += 8

    def status(self) -> None:
        pdf, f, row = self.pdf, self.f, self.f.row
        word, mark, color = STATUS_STYLE[str(row["status"])]
        label = f"{mark}  {word.upper()}"
        self.font(10.5, True, (255, 255, 255))
        w = pdf.get_string_width(label) + 20
        pdf.set_fill_color(*color)
        pdf.rect(MARGIN, self.y, w, 24, style="F", round_corners=True, corner_radius=4)
        self.line_at(MARGIN, self.y, label, w, "C", 24)
        x = MARGIN + w + 14
        path = str(row["path"])
        self.font(9.5, True)
        self.line_at(x, self.y + 0.5, f"Revenue path: {path if path else 'none'}")
        self.font(8.5, False, MUTED)
        (c0, c1), (p0, p1) = f.current, f.previous
        self.line_at(x, self.y + 13, f"Current 12 months {c0} to {c1}  ·  previous 12 months {p0} to {p1}")
        self.y += 34

    def summary(self) -> None:
        pdf, f = self.pdf, self.f
        items = f.items
        lines = [_text(f.gap, 400)]
        gates = items[items["group"].isin(["Quality", "Growth"])]
        failing = int((~gates["passed"]).sum())
        flags = int((~items.loc[items["group"] == "Flag", "passed"]).sum())
        lines.append(
            "Quality and growth: "
            + ("every criterion passes." if not failing else f"{failing} of {len(gates)} criteria fail (✖ below).")
            + "  Flags: "
            + ("none raised." if not flags else f"{flags} raised (! below): the program may decline the seller.")
        )
        top = self.y
        color = STATUS_STYLE[str(f.row["status"])][2]
        # measure, then draw the panel behind the text
        height = 8.0
        for i, text in enumerate(lines):
            self.font(9.5 if i == 0 else 8.5, i == 0)
            height += _line_count(pdf, text, WIDTH - 22) * pdf.font_size * 1.35 + 3
        pdf.set_fill_color(*PANEL)
        pdf.rect(MARGIN, top, WIDTH, height, style="F")
        pdf.set_fill_color(*color)
        pdf.rect(MARGIN, top, 4, height, style="F")
        self.y = top + 6
        for i, text in enumerate(lines):
            self.para(
                text,
                9.5 if i == 0 else 8.5,
                bold=i == 0,
                color=INK if i == 0 else MUTED,
                x=MARGIN + 14,
                width=WIDTH - 22,
                leading=1.35,
            )
            self.y += 3
        self.y = top + height + 12

    def criteria(self) -> None:
        pdf, f = self.pdf, self.f
        self.para("Criteria", 11, bold=True)
        self.y += 2
        pdf.set_y(self.y)
        pdf.set_draw_color(*RULE)
        pdf.set_fill_color(255, 255, 255)  # fpdf2 fills table cells with the current fill colour
        pdf.set_line_width(0.5)
        self.font(7.5)
        revenue_ok = bool(f.row["revenue_ok"])
        head = FontFace(family=FONT, emphasis="B", size_pt=7.5, color=MUTED)
        group_face = FontFace(family=FONT, emphasis="B", size_pt=7.5, color=INK, fill_color=GROUP_FILL)
        with pdf.table(
            col_widths=(42.5, 18.5, 18.5, 10.5, 10),
            width=WIDTH,
            line_height=9,
            padding=(2, 3, 2, 3),
            text_align=("LEFT", "LEFT", "LEFT", "LEFT", "LEFT"),
            borders_layout=TableBordersLayout.HORIZONTAL_LINES,
            headings_style=head,
            v_align=VAlign.T,
            first_row_as_headings=True,
        ) as table:
            table.row(["Criterion", "Actual", "Required", "Result", "Rule"])
            shown = f.items[["group", "criterion", "actual", "required", "source"]].astype(str)
            last_group = ""
            for (group, criterion, actual, required, source), passed in zip(
                shown.itertuples(index=False, name=None), f.items["passed"].astype(bool), strict=True
            ):
                if group != last_group:
                    last_group = group
                    table.row().cell(GROUP_TITLES[group], colspan=5, style=group_face)
                word, color = _result(group, passed, revenue_ok)
                r = table.row()
                r.cell(criterion)
                r.cell(_text(actual))
                r.cell(_text(required))
                r.cell(word, style=FontFace(emphasis="B", color=color))
                r.cell(SOURCE_WORDS.get(source, source), style=FontFace(color=MUTED))
        self.y = pdf.get_y() + 14

    def chart(self, limit: float) -> None:
        """Monthly revenue in the main category over both windows against the thresholds spread over a
        year: a month at the dashed line, every month, reaches the threshold in 12 months. The plot takes
        the height down to ``limit`` (at most `CHART_MAX`)."""
        pdf, f, row = self.pdf, self.f, self.f.row
        category = row["main_category"]
        title = f"Monthly revenue in {category}" if pd.notna(category) else "Monthly revenue, all categories"
        self.para(title, 11, bold=True)
        company, conditional = row["company_threshold"], row["conditional_threshold"]
        has_lines = pd.notna(company)
        values = f.monthly.to_numpy(float)
        if not values.any():
            self.para(f"No revenue in the 24 months {f.previous[0]} to {f.current[1]}.", 8.5, color=MUTED)
            return
        note = (
            f"Bars: revenue each month, the current 12 months dark. Lines: the company threshold "
            f"({pln(company)}) and the conditional threshold ({pln(conditional)}) spread over 12 months."
            if has_lines
            else "Bars: revenue each month, the current 12 months dark. No main category: no threshold applies."
        )
        self.para(note, 7.5, color=MUTED)
        self.y += 6
        lines = (
            [
                (company / 12, COMPANY_LINE, "company ÷ 12", (3, 2)),
                (conditional / 12, CONDITIONAL_LINE, "conditional ÷ 12", (1, 1.5)),
            ]
            if has_lines
            else []
        )
        top_value = max([*values, *(v for v, *_ in lines), 100.0]) * 1.08  # 100 PLN: whole-zloty ticks
        step = _nice_step(top_value / 4)
        top_value = math.ceil(top_value / step) * step
        left, right = MARGIN + 62, MARGIN + WIDTH - 70
        top = self.y + 10
        height = min(CHART_MAX, max(CHART_MIN, limit - top - 30))  # 30: month labels and the totals line
        bottom = top + height

        def y_of(v: float) -> float:
            return bottom - height * v / top_value

        # grid and axis labels
        pdf.set_line_width(0.4)
        pdf.set_draw_color(*RULE)
        self.font(6.5, False, MUTED)
        tick = 0.0
        while tick <= top_value + step / 2:
            pdf.line(left, y_of(tick), right, y_of(tick))
            self.line_at(MARGIN, y_of(tick) - 4, pln(tick), left - MARGIN - 5, "R", 8)
            tick += step
        # bars
        slot = (right - left) / len(values)
        months = f.monthly.index
        for i, (month, v) in enumerate(zip(months, values, strict=True)):
            pdf.set_fill_color(*(CURRENT_BAR if month >= f.current[0] else PREVIOUS_BAR))
            if v > 0:
                pdf.rect(left + i * slot + slot * 0.15, y_of(v), slot * 0.7, bottom - y_of(v), style="F")
            if (len(values) - 1 - i) % 3 == 0:  # label every third month, ending at the as-of month
                self.font(6.5, False, MUTED)
                self.line_at(left + i * slot + slot / 2 - 20, bottom + 3, str(month), 40, "C", 8)
        # the windows
        split = left + slot * sum(months < f.current[0])
        pdf.set_draw_color(*MUTED)
        pdf.set_dash_pattern(2, 2)
        pdf.line(split, top - 10, split, bottom)
        pdf.set_dash_pattern()
        self.font(7, True, MUTED)
        self.line_at(left, top - 11, "previous 12 months", split - left, "C", 9)
        self.line_at(split, top - 11, "current 12 months", right - split, "C", 9)
        # the threshold lines, labelled at the right
        for value, color, label, dash in lines:
            pdf.set_draw_color(*color)
            pdf.set_line_width(1.1)
            pdf.set_dash_pattern(*dash)
            pdf.line(left, y_of(value), right, y_of(value))
            pdf.set_dash_pattern()
            self.font(6.5, True, color)
            self.line_at(right + 4, y_of(value) - 7, label, 66, "L", 7.5)
            self.font(6.5, False, color)
            self.line_at(right + 4, y_of(value) + 0.5, pln(value), 66, "L", 7.5)
        pdf.set_line_width(0.6)
        pdf.set_draw_color(*MUTED)
        pdf.line(left, bottom, right, bottom)
        self.y = bottom + 16
        if has_lines:
            totals = (
                f"12-month totals in this category: current {pln(row['main_category_revenue'])}, previous "
                f"{pln(row['main_category_prev_revenue'])}, growth {pct(row['main_category_growth'])}."
            )
        else:
            totals = f"12-month totals: current {pln(row['total_revenue'])}, previous {pln(row['total_prev_revenue'])}."
        self.para(totals, 8, color=INK)

    def footer(self) -> float:
        """The notes at the foot of the page; returns their top."""
        pdf, f = self.pdf, self.f
        ours = int((f.items["source"] == "assumption").sum())
        policy_note = (
            f"Policy: {_text(f.policy.name, 60)}, no setting changed from the published policy."
            if not f.changed
            else f"Policy: {_text(f.policy.name, 60)}, a scenario that differs from the published policy in "
            f"{len(f.changed)} setting{'s' if len(f.changed) != 1 else ''} ("
            + ", ".join(f.changed[:3])
            + (", …" if len(f.changed) > 3 else "")
            + ")."
        )
        text = (
            "Rules marked “published” are stated on the Allegro Diamond Partners program page; those marked “our "
            f"reading” ({ours} of the {len(f.items)} criteria above) are this tool's reading of words the page "
            "leaves vague, each a setting of the policy. "
            + policy_note
            + " Figures are computed by Diamond Partners Explorer from the data it was given; this report is not a "
            "decision by Allegro."
        )
        self.font(6.8, False, MUTED)
        top = BOTTOM - _line_count(pdf, text, WIDTH) * 6.8 * 1.35
        pdf.set_draw_color(*RULE)
        pdf.set_line_width(0.5)
        pdf.line(MARGIN, top - 6, MARGIN + WIDTH, top - 6)
        above, self.y = self.y, top
        self.para(text, 6.8, color=MUTED, leading=1.35)
        self.y = above
        return top - 6


GROUP_TITLES = {
    "Revenue": "Revenue — one path is enough",
    "Quality": "Quality — every one must pass",
    "Growth": "Growth — every one must pass",
    "Flag": "Flags — any raised means review",
}


def _result(group: str, passed: bool, revenue_ok: bool) -> tuple[str, tuple[int, int, int]]:
    """The result words and colour of one criterion: a flag is 'raised'; a revenue path that fails while
    another passes is not used."""
    if group == "Flag":
        return ("✔ no flag", PASS) if passed else ("! flagged", FLAG)
    if passed:
        return "✔ passes", PASS
    if group == "Revenue" and revenue_ok:
        return "– not used", QUIET
    return "✖ fails", FAIL


def _line_count(pdf: FPDF, text: str, width: float) -> int:
    """How many lines ``text`` takes in the current font at this width (fpdf2 lays it out without drawing)."""
    lines = pdf.multi_cell(w=width, h=1, text=text, dry_run=True, output="LINES")
    return len(cast(list, lines))


def _nice_step(raw: float) -> float:
    """A round axis step near ``raw``: 1, 2, 2.5 or 5 times a power of ten."""
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
