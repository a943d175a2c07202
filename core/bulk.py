"""Check many sellers at once (issue 11 §3): a list of NIPs or account IDs, pasted or uploaded, and for each
entry its company's status, revenue path, the criteria that block it (in words, with the figures) and the gap
to the nearest revenue path.

Every entry gets one row, in the order given: an entry that names no company in the data is listed as
unknown, one that is meant as a NIP but is not a valid one is listed as malformed with the reason; nothing
is dropped. The input is bounded (``MAX_ENTRIES`` entries, ``MAX_BYTES`` bytes) and refused beyond that with
a message saying so, so a pasted novel cannot stall the page.

An entry is matched first as an account ID (exactly as written, after trimming), then as a NIP in any common
form (``583-106-03-84``, ``5831060384``, ``PL 583 106 03 84``).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .formatting import excerpt, pct, pln
from .nip import clean_nip, nip_check_digit
from .policy import Policy
from .prospects import PATHS, path_shortfalls

MAX_ENTRIES = 10_000
MAX_BYTES = 1_000_000  # 10,000 NIPs written with dashes and a line break each are about 140 KB
MAX_ENTRY_CHARS = 100  # longer than any NIP or account ID people paste; such an entry is malformed
HEADERS = {"nip", "nips", "account", "account_id", "account id", "accounts", "id", "konto", "numer nip", "seller"}

# The columns of `check_many`'s frame, as shown and downloaded.
ENTRY, FOUND_AS, NIP, COMPANY, STATUS, PATH, BLOCKED_BY, NEAREST, GAP, GAP_PCT, NOTE = (
    "Entry",
    "Found as",
    "NIP",
    "Company",
    "Status",
    "Revenue path",
    "Blocked by",
    "Nearest revenue path",
    "Gap (PLN)",
    "Gap (% of threshold)",
    "Note",
)
BULK_COLUMNS = [ENTRY, FOUND_AS, NIP, COMPANY, STATUS, NOTE, PATH, BLOCKED_BY, NEAREST, GAP, GAP_PCT]
BULK_KINDS = {GAP: "money", GAP_PCT: "share"}
STATUS_WORDS = {
    "qualified": "qualified",
    "review": "review",
    "not_qualified": "not qualified",
    "unknown": "unknown",
    "malformed": "malformed",
}
_SEPARATORS = re.compile(r"[\r\n;,\t]+")


class BulkInputError(ValueError):
    """The list can't be checked as given (too large, unreadable); ``str()`` says why, for the person."""


def split_entries(text: str) -> list[str]:
    """The entries of a pasted list: one per line, or separated by ``;``, ``,`` or tabs; blanks and
    surrounding quotes dropped; a first entry that is a column header (``NIP``, ``account_id``…) dropped.
    Spaces inside an entry stay (``PL 583 106 03 84`` is one NIP). Raises `BulkInputError` beyond the caps."""
    if len(text) > MAX_BYTES:
        raise BulkInputError(
            f"the list is longer than {MAX_BYTES // 1_000_000} MB: check at most {MAX_ENTRIES} entries"
        )
    entries = [e.strip().strip("\"'").strip() for e in _SEPARATORS.split(text)]
    return _bounded([e for e in entries if e])


def _bounded(entries: list[str]) -> list[str]:
    if entries and entries[0].strip().lower() in HEADERS:
        entries = entries[1:]
    if len(entries) > MAX_ENTRIES:
        raise BulkInputError(
            f"the list has {len(entries)} entries; at most {MAX_ENTRIES} can be checked at once: split it"
        )
    return entries


def read_entries(name: str, data: bytes) -> list[str]:
    """The entries of an uploaded file: ``.txt`` as a pasted list, ``.csv`` its first column (``,`` or ``;``
    separated), ``.xlsx`` the first column of its only sheet (or of a sheet named ``nip``). Raises
    `BulkInputError` for a file too large, of another type, or unreadable."""
    if len(data) > MAX_BYTES:
        raise BulkInputError(
            f"{excerpt(name)} is larger than {MAX_BYTES // 1_000_000} MB: check at most {MAX_ENTRIES} entries at once"
        )
    lower = name.lower()
    if lower.endswith(".xlsx"):
        return _bounded(_xlsx_first_column(name, data))
    if not lower.endswith((".txt", ".csv")):
        raise BulkInputError(f"{excerpt(name)}: upload a .txt, .csv or .xlsx file with one NIP or account ID a line")
    text = _decode(name, data)
    if lower.endswith(".txt"):
        return split_entries(text)
    dialect = ";" if text.count(";") > text.count(",") else ","
    first = [row[0] if row else "" for row in csv.reader(io.StringIO(text), delimiter=dialect)]
    return _bounded([e.strip() for e in first if e.strip()])


def _decode(name: str, data: bytes) -> str:
    """UTF-8 (with or without a byte-order mark), else Windows-1250 (a Polish Excel's CSV)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1250")
        except UnicodeDecodeError:
            raise BulkInputError(f"{excerpt(name)} is not a text file (neither UTF-8 nor Windows-1250)") from None


def _xlsx_first_column(name: str, data: bytes) -> list[str]:
    from .read_xlsx import XlsxError, read_sheet

    try:
        # One row more than the cap (and a header) is read, so that `_bounded` says how the list is too long.
        sheet = read_sheet(data, "nip", only_sheet_fallback=True, max_rows=MAX_ENTRIES + 1)
    except XlsxError as exc:
        if "data rows, the limit" in str(exc):  # the reader's row cap: say it as the cap on entries
            raise BulkInputError(
                f"{excerpt(name)} has more than {MAX_ENTRIES} rows; at most {MAX_ENTRIES} can be checked at once: "
                "split it"
            ) from None
        raise BulkInputError(f"{excerpt(name)}: {exc}") from None
    out = []
    for row in sheet.rows:
        value = row[0] if row else None
        if value is None or str(value).strip() == "":
            continue
        # A NIP typed into Excel is a number: 5831060384 (an int), never 5831060384.0.
        out.append(str(int(value)) if isinstance(value, float) and value.is_integer() else str(value).strip())
    return out


def nip_problem(entry: str) -> str | None:
    """Why ``entry`` (meant as a NIP) is not a valid one, or None if it is."""
    digits = clean_nip(entry)
    if not (digits.isascii() and digits.isdigit()):
        return "not a NIP: a NIP is 10 digits (spaces, dashes and a leading PL are allowed)"
    if len(digits) != 10:
        return f"{len(digits)} digits: a NIP has 10"
    check = nip_check_digit(digits[:9])
    if check == 10:
        return "no valid NIP starts with these 9 digits (their check digit would be 10)"
    if check != int(digits[9]):
        return f"the check digit is wrong: the last digit should be {check}, not {digits[9]}"
    return None


def _looks_like_nip(entry: str) -> bool:
    """Whether a person meant ``entry`` as a NIP: digits (with spaces, dashes, a leading PL) and nothing else."""
    digits = clean_nip(entry)
    return bool(digits) and digits.isascii() and digits.isdigit()


def check_many(
    entries: Sequence[str], decisions: pd.DataFrame, accounts: pd.DataFrame, policy: Policy, as_of: object = None
) -> pd.DataFrame:
    """One row per entry, in the order given, with columns ``BULK_COLUMNS``: how the entry was found (``NIP``,
    ``account ID``), the company, status, path, the criteria that block it (or the flags that send it to
    review), the nearest revenue path and the gap to it; ``Note`` says why an entry is unknown or malformed."""
    if len(entries) > MAX_ENTRIES:
        raise BulkInputError(f"{len(entries)} entries; at most {MAX_ENTRIES} can be checked at once")
    # Plain dicts: a look-up per entry, 10,000 entries, is where the time would go. The first row wins a repeat.
    nips = decisions["nip"].astype(str).tolist()
    by_nip = {n: i for i, n in reversed(list(enumerate(nips)))}
    ids, owners = accounts["account_id"].astype(str).tolist(), accounts["nip"].astype(str).tolist()
    account_nip = dict(reversed(list(zip(ids, owners, strict=True))))

    resolved = [_resolve(str(raw).strip(), by_nip, account_nip) for raw in entries]
    rows = [r for r, _, _ in resolved]
    found = [k for _, k, _ in resolved]
    notes = [n for _, _, n in resolved]

    idx = np.asarray(rows, dtype=int)
    hit = idx >= 0
    sub = decisions.iloc[idx[hit]]
    threshold, revenue, share = path_shortfalls(sub)
    out = pd.DataFrame({ENTRY: [excerpt(str(e).strip()) for e in entries]})
    out[FOUND_AS] = [f if f in ("NIP", "account ID") else "" for f in found]
    out[NIP] = _place(hit, sub["nip"].astype(str), "")
    out[COMPANY] = _place(hit, sub["company_name"].astype(str), "")
    status = _place(hit, sub["status"].astype(str), "")
    status[~hit] = [f if f in ("unknown", "malformed") else "unknown" for f in np.asarray(found, dtype=object)[~hit]]
    out[STATUS] = [STATUS_WORDS[s] for s in status]
    out[PATH] = _place(hit, sub["path"].astype(str), "")
    # The sentences are written once per company, however often the list names it.
    unique, inverse = np.unique(idx[hit], return_inverse=True)
    once = decisions.iloc[unique]
    words = np.asarray(_blocking(once, policy, *path_shortfalls(once), as_of), dtype=object)
    out[BLOCKED_BY] = _place(hit, pd.Series(words[inverse]), "")
    # The gap only where revenue fails: for a company that passes it, no revenue is missing.
    fails = ~sub["revenue_ok"].to_numpy(bool) & share.notna().any(axis=1).to_numpy()
    nearest = np.full(len(sub), "", dtype=object)
    gap = np.full(len(sub), np.nan)
    gap_pct = np.full(len(sub), np.nan)
    if fails.any():
        best = share[fails].idxmin(axis=1).to_numpy(object)
        col = np.array([PATHS.index(p) for p in best])
        r = np.flatnonzero(fails)
        nearest[r] = best
        gap[r] = np.round(threshold.to_numpy(float)[r, col] - revenue.to_numpy(float)[r, col], 2)
        gap_pct[r] = share.to_numpy(float)[r, col]
    out[NEAREST] = _place(hit, pd.Series(nearest), "")
    out[GAP] = _place(hit, pd.Series(gap), np.nan).astype(float)
    out[GAP_PCT] = _place(hit, pd.Series(gap_pct), np.nan).astype(float)
    out[NOTE] = notes
    return out[BULK_COLUMNS]


def _resolve(entry: str, by_nip: dict[str, int], account_nip: dict[str, str]) -> tuple[int, str, str]:
    """(decision row or -1, how it was found or 'unknown' / 'malformed', a note saying why) for one entry."""
    if len(entry) > MAX_ENTRY_CHARS:
        return -1, "malformed", f"longer than {MAX_ENTRY_CHARS} characters: not a NIP or an account ID"
    if entry in account_nip:
        nip = account_nip[entry]
        if nip in by_nip:
            return by_nip[nip], "account ID", ""
        return -1, "unknown", "the account's company is not in the decision"
    if _looks_like_nip(entry):
        problem = nip_problem(entry)
        if problem:
            return -1, "malformed", problem
        nip = clean_nip(entry)
        if nip in by_nip:
            return by_nip[nip], "NIP", ""
        return -1, "unknown", "a valid NIP, but no company with it in the data"
    return -1, "unknown", "no account ID or NIP in the data matches"


def _place(hit: np.ndarray, values: pd.Series, fill) -> np.ndarray:
    """``values`` (one per hit) spread over all entries, ``fill`` where an entry found no company."""
    out = np.full(len(hit), fill, dtype=object)
    out[hit] = values.to_numpy(object)
    return out


def _blocking(
    d: pd.DataFrame, policy: Policy, threshold: pd.DataFrame, revenue: pd.DataFrame, share: pd.DataFrame, as_of
) -> list[str]:
    """Each company's failing criteria in words with their figures, in the rules' order ('; '-joined);
    for a company in review, its flags; empty for a qualified one."""
    cr, g, f = policy.criteria, policy.growth, policy.flags
    thr, rev, shr = (x.to_numpy(float) for x in (threshold, revenue, share))
    out = []
    for i, row in enumerate(d.to_dict("records")):
        reasons = [r for r in str(row["reasons"]).split("|") if r]
        words = []
        for r in reasons:
            if r == "no_revenue":
                window = f" in the 12 months to {as_of}" if as_of is not None else " in the last 12 months"
                words.append("no revenue" + window)
            elif r == "revenue":
                if not np.isnan(shr[i]).all():
                    j = int(np.nanargmin(shr[i]))  # the first of equal gaps, in the rules' path order
                    words.append(
                        f"revenue: {pln(rev[i, j])} in {row['main_category']}, "
                        f"{pln(thr[i, j] - rev[i, j])} short of the {PATHS[j]} threshold {pln(thr[i, j])}"
                    )
                else:
                    words.append(f"revenue: {pln(row['main_category_revenue'])} below every threshold")
            elif r == "business_account":
                words.append("the main account is not an active Business Account")
            elif r == "ratings":
                words.append(
                    f"positive ratings {pct(row['positive_ratings_pct'] / 100, 2)}, "
                    f"below {pct(cr.min_positive_ratings_pct / 100, 2)}"
                )
            elif r == "quality_main":
                words.append(f"sales quality of the main account {row['quality_main']}, below {cr.min_quality_main}")
            elif r == "quality_other":
                lowest = row["lowest_other_quality"]
                level = "a level off the scale" if pd.isna(lowest) else str(lowest)
                words.append(f"sales quality of another account {level}, below {cr.min_quality_other}")
            elif r == "growth":
                words.append(
                    f"growth {pct(row['growth'])} (must be above {pct(g.min_yoy_growth)}) with "
                    f"{int(row['growing_quarters'])} of 4 quarters growing (at least {g.min_growing_quarters})"
                )
            elif r == "insufficient_history":
                words.append("no revenue in the previous 12 months: growth can't be judged")
        if not reasons:
            flags = [x for x in str(row["flags"]).split("|") if x]
            for x in flags:
                if x == "suspended":
                    words.append("flag: an account is suspended")
                elif x == "transaction_problems":
                    words.append(
                        f"flag: transaction problems {pct(row['transaction_problem_rate'])}, "
                        f"above {pct(f.max_transaction_problem_rate)}"
                    )
                elif x == "export":
                    words.append(
                        f"flag: exportable share {pct(row['exportable_share'])}, below {pct(f.min_exportable_share)}"
                    )
                elif x == "condition":
                    words.append(
                        f"flag: share in condition New {pct(row['new_condition_share'])}, "
                        f"below {pct(f.min_new_condition_share)}"
                    )
        out.append("; ".join(words))
    return out
