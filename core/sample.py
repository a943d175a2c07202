"""A deterministic synthetic marketplace: accounts and monthly revenue that look like real sellers.

The data is made for demos and benchmarks, not for statistics. It aims to show every part of the
rules (rules.md) on a realistic-looking population:

* company size is heavy-tailed: a log-normal body of small shops and a Pareto top of big sellers,
  measured against each category's company threshold so that every category has a few companies
  above it, some just below it (near misses) and some between the conditional and company
  thresholds;
* most companies sell in 1–4 categories with most revenue in the main one; about 9 % run 2–4
  accounts on one NIP (the main one marked for some of them, not for others); a few percent run a
  Brand Zone account, some of them above the brand threshold while the company is below its own;
* quality, ratings, business accounts, suspensions, transaction problems, exportability and the
  share of New products are mostly fine with a realistic minority that fails;
* revenue has category seasonality (Black Friday and Christmas everywhere, Garden in spring, Kids in
  December, heating in autumn), yearly growth around +8 % with a wide spread, monthly noise that
  shrinks with size, start-ups with 6–14 months of history and a few sellers that stopped selling.

Everything is vectorised numpy over companies, accounts and (account, category) pairs: 150,000
companies (about 8 million revenue rows) build in seconds. The same seed always gives the same
data, so the committed sample in ``sample_data/`` can be regenerated with ``write_sample``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist
from typing import TypedDict

import numpy as np
import pandas as pd
import pyarrow as pa

from .dataset import ACCOUNT_COLUMNS, REVENUE_COLUMNS, Dataset
from .formatting import count
from .nip import nip_check_digit  # the one checksum (core/nip.py); tests import it from here too
from .policy import CATEGORIES, DEFAULT_QUALITY_SCALE, PUBLISHED_THRESHOLDS


class SampleParams(TypedDict):
    """The keyword arguments of `generate` / `write_sample` that reproduce the committed sample."""

    companies: int
    seed: int
    as_of: str
    months: int


# Parameters of the committed sample in sample_data/ (tests regenerate it from these). 2,400
# companies over 24 months keep the two CSVs under 5 MiB; seed 15 is one whose published-policy
# outcome shows, in every category, at least two qualified companies and a near miss.
SAMPLE_PARAMS: SampleParams = {"companies": 2400, "seed": 15, "as_of": "2026-10", "months": 24}

N_CAT = len(CATEGORIES)
COMPANY_THRESHOLD = np.array([PUBLISHED_THRESHOLDS[c][0] for c in CATEGORIES], dtype=float)

# Share of companies whose main category is c: big general categories, small niches.
CATEGORY_WEIGHTS = {
    "Automotive": 9.0,
    "Books & Media": 2.0,
    "Collectibles & Art": 2.0,
    "Electronics": 14.0,
    "Fashion": 14.0,
    "Health & Beauty": 10.0,
    "Home Decoration & Office": 13.0,
    "Industry": 2.5,
    "Bathroom & Heating": 2.5,
    "Tools & Accessories": 4.0,
    "Building & Accessories": 3.0,
    "Garden": 4.0,
    "Kids": 8.0,
    "Sport & Leisure": 6.0,
    "Supermarket": 8.0,
}
_W = np.array([CATEGORY_WEIGHTS[c] for c in CATEGORIES])
MAIN_WEIGHTS = _W / _W.sum()
# Big sellers exist in every category, niches included: the top tier's main categories follow
# much flatter weights, so even Books & Media has a handful of companies above its threshold.
TOP_WEIGHTS = 0.6 / N_CAT + 0.4 * MAIN_WEIGHTS

# Seasonality: revenue multiplier by calendar month (Jan..Dec), normalised to a mean of 1 below.
_RETAIL = [0.88, 0.85, 0.95, 0.95, 0.97, 0.94, 0.92, 0.94, 0.98, 1.03, 1.25, 1.38]
SEASONALITY = {
    "Automotive": [0.85, 0.85, 1.15, 1.20, 1.00, 0.92, 0.92, 0.92, 0.95, 1.15, 1.15, 0.98],  # tyre changes
    "Books & Media": [0.90, 0.80, 0.85, 0.85, 0.85, 0.80, 0.80, 1.10, 1.30, 0.95, 1.15, 1.45],  # school, gifts
    "Collectibles & Art": [0.95, 0.90, 0.95, 0.95, 0.95, 0.90, 0.90, 0.90, 0.95, 1.00, 1.15, 1.40],
    "Electronics": [0.85, 0.80, 0.90, 0.88, 0.90, 0.90, 0.88, 0.92, 0.98, 1.03, 1.40, 1.50],  # Black Friday
    "Fashion": [0.85, 0.80, 1.00, 1.08, 1.08, 0.98, 0.92, 0.90, 1.05, 1.10, 1.20, 1.15],
    "Health & Beauty": [0.90, 0.88, 0.95, 0.95, 0.95, 0.92, 0.92, 0.92, 0.95, 1.00, 1.20, 1.45],
    "Home Decoration & Office": _RETAIL,
    "Industry": [0.95, 0.95, 1.05, 1.02, 1.02, 1.00, 0.95, 0.95, 1.05, 1.05, 1.05, 0.90],  # B2B, quiet Dec
    "Bathroom & Heating": [1.10, 1.00, 0.90, 0.82, 0.80, 0.78, 0.80, 0.88, 1.10, 1.30, 1.30, 1.20],  # heating season
    "Tools & Accessories": [0.75, 0.80, 1.00, 1.15, 1.15, 1.05, 1.00, 0.98, 0.95, 0.95, 1.05, 1.15],
    "Building & Accessories": [0.60, 0.65, 0.95, 1.20, 1.30, 1.30, 1.25, 1.20, 1.05, 0.95, 0.80, 0.60],
    "Garden": [0.45, 0.55, 1.10, 1.75, 1.80, 1.50, 1.20, 1.00, 0.80, 0.70, 0.60, 0.55],  # spring
    "Kids": [0.80, 0.75, 0.85, 0.85, 1.10, 1.00, 0.85, 0.90, 0.95, 1.00, 1.30, 1.75],  # Children's Day, Christmas
    "Sport & Leisure": [0.85, 0.80, 0.95, 1.10, 1.20, 1.25, 1.20, 1.05, 0.95, 0.85, 0.90, 1.05],  # summer
    "Supermarket": [0.92, 0.90, 1.05, 1.05, 0.95, 0.95, 0.95, 0.95, 0.95, 1.00, 1.08, 1.30],  # Easter, Christmas
}
_S = np.array([SEASONALITY[c] for c in CATEGORIES])
LOG_SEASON = np.log(_S / _S.mean(axis=1, keepdims=True))  # categories × 12, mean multiplier 1

# Sales-quality levels (lowest first, as the policy's default scale) and how often each occurs.
QUALITY_LEVELS = np.array(DEFAULT_QUALITY_SCALE, dtype=object)
QUALITY_PROBS = np.array([0.025, 0.045, 0.12, 0.28, 0.31, 0.22])
# Cut points on a standard-normal latent score that give those shares.
QUALITY_CUTS = np.array([NormalDist().inv_cdf(p) for p in np.cumsum(QUALITY_PROBS)[:-1]])

# Real NIPs start with the three-digit code of the tax office that issued them (Warsaw, Kraków,
# Łódź, Gdańsk, Poznań, Wrocław, Katowice, Lublin, Szczecin, Białystok …).
TAX_OFFICE_CODES = np.array(
    [
        521,
        522,
        525,
        526,
        527,
        534,
        113,
        118,
        951,
        676,
        677,
        678,
        679,
        944,
        945,
        725,
        726,
        727,
        728,
        947,
        583,
        584,
        586,
        587,
        957,
        777,
        778,
        779,
        781,
        782,
        972,
        894,
        895,
        896,
        897,
        898,
        899,
        634,
        954,
        646,
        712,
        713,
        946,
        851,
        852,
        955,
        542,
        966,
        813,
        817,
        879,
        956,
        739,
    ]
)

# Word lists for company names and shop handles.
ROOTS = np.array(
    [
        "Bal",
        "Nova",
        "Tech",
        "Moda",
        "Dom",
        "Hurt",
        "Euro",
        "Poli",
        "Mega",
        "Pol",
        "Inter",
        "Trans",
        "Agro",
        "Elektro",
        "Auto",
        "Bud",
        "Meblo",
        "Zoo",
        "Eko",
        "Art",
        "Max",
        "Vita",
        "Lux",
        "Kido",
        "Sport",
        "Ogrod",
        "Stal",
        "Drew",
        "Kosmo",
        "Pharm",
        "Smak",
        "Opti",
        "Tera",
        "Gal",
        "Kom",
        "Rol",
        "Mar",
        "Sol",
        "Best",
        "Prim",
        "Orbi",
        "Wiz",
        "Delta",
        "Alfa",
        "Baltic",
        "Wisła",
        "Tatra",
        "Mazur",
        "Słoń",
        "Żuraw",
        "Bąk",
        "Dąb",
        "Świt",
        "Łan",
        "Gród",
        "Łoś",
        "Żak",
        "Zorza",
        "Jantar",
        "Kwiat",
    ],
    dtype=object,
)
TAILS = np.array(
    [
        "tech",
        "pol",
        "mex",
        "bud",
        "land",
        "max",
        "ex",
        "net",
        "hurt",
        "trade",
        "med",
        "lux",
        "ka",
        "ex-Trade",
        "Serwis",
        "plast",
        "mot",
        "sport",
        "kom",
        "gum",
        "tex",
        "ix",
        "on",
        "ko",
    ],
    dtype=object,
)
WORDS = np.array(
    [
        "Hurtownia",
        "Sklep",
        "Przedsiębiorstwo Handlowe",
        "Dom Handlowy",
        "Salon",
        "Pracownia",
        "Centrum",
        "Grupa",
        "Zakład",
        "Outlet",
        "Magazyn",
        "Studio",
    ],
    dtype=object,
)
CITIES = np.array(
    [
        "Łódź",
        "Gdańsk",
        "Kraków",
        "Poznań",
        "Wrocław",
        "Warszawa",
        "Katowice",
        "Lublin",
        "Szczecin",
        "Białystok",
        "Toruń",
        "Rzeszów",
        "Kielce",
        "Opole",
        "Zielona Góra",
        "Gdynia",
        "Częstochowa",
        "Bielsko-Biała",
        "Olsztyn",
        "Płock",
        "Radom",
        "Sosnowiec",
        "Gliwice",
        "Zakopane",
        "Świebodzin",
    ],
    dtype=object,
)
SURNAMES = np.array(
    [
        "Nowak",
        "Kowalski",
        "Wiśniewski",
        "Wójcik",
        "Kowalczyk",
        "Kamiński",
        "Lewandowski",
        "Zieliński",
        "Szymański",
        "Woźniak",
        "Dąbrowski",
        "Kozłowski",
        "Jankowski",
        "Mazur",
        "Kwiatkowski",
        "Krawczyk",
        "Piotrowski",
        "Grabowski",
        "Nowakowski",
        "Pawłowski",
        "Michalski",
        "Król",
        "Wieczorek",
        "Jabłoński",
        "Wróbel",
        "Majewski",
        "Olszewski",
        "Stępień",
        "Malinowski",
        "Jaworski",
        "Górski",
        "Sikora",
    ],
    dtype=object,
)
FIRST_NAMES = np.array(
    [
        "Jan",
        "Anna",
        "Piotr",
        "Katarzyna",
        "Tomasz",
        "Małgorzata",
        "Paweł",
        "Agnieszka",
        "Michał",
        "Ewa",
        "Krzysztof",
        "Joanna",
        "Łukasz",
        "Magdalena",
        "Grzegorz",
        "Zofia",
        "Wojciech",
        "Barbara",
    ],
    dtype=object,
)
LEGAL_FORMS = np.array(["Sp. z o.o.", "S.A.", "s.c.", "sp.j.", "Sp. z o.o. sp.k."], dtype=object)
SOLE_TRADER = np.array(["P.H.U.", "F.H.U.", "P.P.H.U.", "Firma Handlowa", "F.H."], dtype=object)
HANDLE_TAILS = np.array(
    ["_outlet", "-pl", "_sklep", "_hurt", "24", "_shop", "-b2b", "_store", "_official", "-market", "_pl", "_net"],
    dtype=object,
)
# Polish letters spelled in ASCII for shop handles.
_ASCII = str.maketrans("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ", "acelnoszzACELNOSZZ")


@dataclass
class _Tables:
    """The generated data as plain arrays, shared by `generate` (raw) and `generate_dataset`."""

    accounts: dict[str, np.ndarray]
    months: np.ndarray  # Period[M] ordinals of the months covered, oldest first
    pair_account: np.ndarray  # per revenue row: account row number
    pair_category: np.ndarray  # per revenue row: category index (published order)
    month_ordinal: np.ndarray  # per revenue row: Period[M] ordinal
    revenue: np.ndarray  # per revenue row: PLN, rounded to grosze


def generate(
    companies: int = 3000, seed: int = 7, as_of: str = "2026-10", months: int = 30
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(accounts, revenue) in the upload format of rules.md §1: what a user would put in a CSV.

    Revenue covers ``months`` months ending at ``as_of``; month is a "YYYY-MM" string.
    """
    t = _build(companies, seed, as_of, months)
    labels = np.asarray(_periods(t.months).strftime("%Y-%m"), dtype=np.object_)
    return _accounts_frame(t), _revenue_frame(t, _take_str(labels, t.month_ordinal - t.months[0]))


def generate_dataset(
    companies: int = 3000, seed: int = 7, as_of: str = "2026-10", months: int = 30, name: str | None = None
) -> Dataset:
    """The same data as `generate`, built straight into a normalised `Dataset` (no parsing).

    The rows are already unique per (account_id, category, month) and sorted the way a loaded
    dataset is; month is a ``Period[M]``.
    """
    t = _build(companies, seed, as_of, months)
    revenue = _revenue_frame(t, _periods(t.month_ordinal))
    return Dataset(_accounts_frame(t), revenue, name=name or f"synthetic ({count(companies)} companies, seed {seed})")


def _periods(ordinals: np.ndarray) -> pd.PeriodIndex:
    """Monthly periods from their ordinals (months since 1970-01)."""
    # pandas-stubs does not declare PeriodIndex.from_ordinals (public since pandas 2.2).
    return pd.PeriodIndex.from_ordinals(ordinals, freq="M")  # type: ignore[attr-defined]


def write_sample(
    out_dir: str | Path,
    companies: int = SAMPLE_PARAMS["companies"],
    seed: int = SAMPLE_PARAMS["seed"],
    as_of: str = SAMPLE_PARAMS["as_of"],
    months: int = SAMPLE_PARAMS["months"],
) -> tuple[Path, Path]:
    """Write accounts.csv and revenue.csv (UTF-8, comma-separated, '.' decimals) into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    accounts, revenue = generate(companies, seed, as_of, months)
    paths = out / "accounts.csv", out / "revenue.csv"
    accounts.to_csv(paths[0], index=False, encoding="utf-8", lineterminator="\n")
    revenue.to_csv(paths[1], index=False, encoding="utf-8", lineterminator="\n")
    return paths


# -- the generator ------------------------------------------------------------------------------


def _build(companies: int, seed: int, as_of: str, months: int) -> _Tables:
    if companies < 1 or months < 1:
        raise ValueError("companies and months must be at least 1")
    rng = np.random.default_rng(seed)
    n = companies
    end = pd.Period(as_of, freq="M").ordinal
    first = end - months + 1

    # --- companies -----------------------------------------------------------------------------
    # One company in five is a "big seller": a Pareto tail starting at a third of their main
    # category's company threshold. The rest are small shops (log-normal, median ~1 % of it).
    top = rng.random(n) < 0.20
    main_cat = rng.choice(N_CAT, n, p=MAIN_WEIGHTS)
    # The top tier is spread over categories in exact proportions (stratified, then shuffled), so
    # that no category is left without big sellers by chance.
    k = int(top.sum())
    strata = np.searchsorted(np.cumsum(TOP_WEIGHTS), (np.arange(k) + rng.random()) / k, side="right")
    main_cat[top] = rng.permutation(np.minimum(strata, N_CAT - 1))
    x = np.where(
        top,
        np.minimum(0.35 * (1 + rng.pareto(1.3, n)), 60.0),  # capped: no single seller makes billions
        np.exp(rng.normal(np.log(0.012), 1.3, n)),
    )
    main_level = x * COMPANY_THRESHOLD[main_cat]  # expected main-category revenue over the current 12 months

    # Categories: 1–4, most revenue in the main one. Secondary ones are drawn by popularity
    # (Gumbel top-k = weighted sampling without replacement, vectorised).
    n_cats = 1 + rng.choice(4, n, p=[0.25, 0.30, 0.25, 0.20])
    keys = np.log(MAIN_WEIGHTS)[None, :] + rng.gumbel(size=(n, N_CAT))
    keys[np.arange(n), main_cat] = np.inf  # the main category always comes first
    cats = np.argsort(-keys, axis=1)[:, :4]  # companies × 4, column 0 = main
    in_use = np.arange(4)[None, :] < n_cats[:, None]  # companies × 4
    main_share = np.where(n_cats == 1, 1.0, rng.uniform(0.6, 0.93, n))
    rest = rng.dirichlet(np.ones(3), n) * in_use[:, 1:]
    rest *= ((1 - main_share) / np.maximum(rest.sum(axis=1), 1e-12))[:, None]
    cat_share = np.column_stack([main_share, rest])  # companies × 4, sums to 1
    total_level = main_level / main_share

    # Growth: yearly around +8 % with a wide spread (growing and shrinking sellers). Small shops
    # grow faster in percent but far less steadily; big sellers grow slowly and steadily, so many
    # of them grow, yet not faster than their category's median (the conditional path's test).
    # Each category of a company deviates a little from the company's growth.
    growth = np.clip(np.where(top, rng.normal(0.06, 0.09, n), rng.normal(0.14, 0.30, n)), -0.6, 1.5)

    # History: most sellers cover the whole range; start-ups have 6–14 months (mostly no previous
    # window: insufficient history); a few stopped selling before the current window (no revenue);
    # a few registered accounts but never sold anything.
    start = np.full(n, first)
    stop = np.full(n, end)
    kind = rng.random(n)
    startup = kind < 0.05
    start[startup] = end - rng.integers(6, 15, startup.sum()) + 1
    churned = (kind >= 0.05) & (kind < 0.062)
    stop[churned] = end - 12 - rng.integers(0, 8, churned.sum())
    never = (kind >= 0.062) & (kind < 0.066)
    stop[never] = first - 1

    # Company-wide traits the accounts share (the same owner runs them).
    business = rng.random(n) > np.where(top, 0.02, 0.05)
    export_share = rng.beta(9, 1.2, n)
    low_export = rng.random(n) < np.select(
        [main_cat == CATEGORIES.index("Books & Media"), main_cat == CATEGORIES.index("Supermarket")], [0.18, 0.12], 0.03
    )
    export_share[low_export] = rng.beta(2, 5, low_export.sum())  # Polish-language books, food
    new_share = rng.beta(25, 1, n)
    used_goods = rng.random(n) < np.select(
        [main_cat == CATEGORIES.index(c) for c in ("Collectibles & Art", "Books & Media", "Automotive", "Fashion")],
        [0.30, 0.18, 0.08, 0.05],
        0.015,
    )
    new_share[used_goods] = rng.beta(1.5, 4, used_goods.sum())  # antiques, second-hand books, used parts

    # Brand Zone: a few percent of companies (more among big sellers) run a brand's official shop.
    brand_company = rng.random(n) < np.where(top, 0.16, 0.022)

    nips = _nips(rng, n)
    names, handle_stems, brands = _company_names(rng, n, brand_company)

    # --- accounts ------------------------------------------------------------------------------
    # About 9 % of companies run 2–4 accounts, big sellers more often. Account 0 of a company is
    # its primary shop (it carries the company name and most of the revenue).
    multi = rng.random(n) < np.where(top, 0.24, 0.06)
    n_acc = np.where(multi, 2 + rng.choice(3, n, p=[0.88, 0.09, 0.03]), 1)
    acc_company = np.repeat(np.arange(n), n_acc)
    n_accounts = len(acc_company)
    acc_rank = np.arange(n_accounts) - np.repeat(np.cumsum(n_acc) - n_acc, n_acc)
    primary = acc_rank == 0

    # The Brand Zone account is the company's only account, or its second one.
    brand_acc = brand_company[acc_company] & np.where(n_acc[acc_company] == 1, primary, acc_rank == 1)

    # Main account: marked for about 60 % of multi-account companies (now and then a secondary one
    # is marked), unmarked for the rest, where the largest account is the main one.
    marked = multi & (rng.random(n) < 0.6)
    marked_rank = np.where(rng.random(n) < 0.12, 1, 0)
    main_account = marked[acc_company] & (acc_rank == marked_rank[acc_company])

    # Quality: a latent "service" score per account ties sales quality and ratings together.
    service = rng.normal(0, 1, n_accounts) + np.where(top[acc_company], 0.6, 0.0)  # big sellers do better
    latent = 0.75 * service + 0.66 * rng.normal(0, 1, n_accounts)  # about N(0, 1)
    level = np.searchsorted(QUALITY_CUTS, latent)  # QUALITY_PROBS of the population at each level
    ratings_gap = rng.gamma(1.0, 0.45, n_accounts) * np.exp(-0.35 * service)
    bad = rng.random(n_accounts) < 0.025  # a few sellers with many complaints
    ratings_gap[bad] += rng.gamma(2.0, 2.5, bad.sum())
    ratings = np.round(np.clip(100 - ratings_gap, 0, 100), 1)

    problems = np.exp(rng.normal(np.log(0.006), 0.7, n_accounts))
    trouble = rng.random(n_accounts) < 0.015
    problems[trouble] = rng.uniform(0.03, 0.12, trouble.sum())

    acc_business = business[acc_company] & (rng.random(n_accounts) > 0.01)
    suspended = rng.random(n_accounts) < 0.004
    acc_export = np.clip(export_share[acc_company] + rng.normal(0, 0.02, n_accounts), 0, 1)
    acc_new = np.clip(new_share[acc_company] + rng.normal(0, 0.02, n_accounts), 0, 1)

    width = max(6, len(str(n_accounts)))
    account_ids = np.asarray(
        pd.Series(np.arange(1, n_accounts + 1)).astype(str).str.zfill(width).radd("A"), dtype=object
    )
    account_names = _account_names(rng, names, handle_stems, brands, acc_company, acc_rank, brand_acc)

    accounts = {
        "account_id": account_ids,
        "account_name": account_names,
        "nip": nips[acc_company],
        "business_account": acc_business,
        "sales_quality": QUALITY_LEVELS[level],
        "positive_ratings_pct": ratings,
        "main_account": main_account,
        "brand_zone": brand_acc,
        "suspended": suspended,
        "transaction_problem_rate": np.round(problems, 4),
        "exportable_share": np.round(acc_export, 3),
        "new_condition_share": np.round(acc_new, 3),
    }

    # --- (account, category) pairs ---------------------------------------------------------------
    # The primary account sells every category of its company. Each other account sells one:
    # a brand account its company's main category, the rest the main one or a secondary one.
    p_comp, p_slot = np.nonzero(in_use)
    p_acc = (np.cumsum(n_acc) - n_acc)[p_comp]  # row of the company's primary account
    sec = np.flatnonzero(~primary)
    s_comp = acc_company[sec]
    s_slot = np.where(brand_acc[sec] | (rng.random(len(sec)) < 0.6), 0, rng.integers(0, 4, len(sec)) % n_cats[s_comp])
    # A secondary account takes a slice of its category's revenue (a brand account a bigger one);
    # the primary account keeps the rest, at least 40 %.
    s_part = np.where(brand_acc[sec], rng.uniform(0.3, 0.5, len(sec)), rng.uniform(0.05, 0.3, len(sec)))
    key = s_comp * 4 + s_slot
    taken = np.bincount(key, weights=s_part, minlength=n * 4)
    scale = np.where(taken > 0.6, 0.6 / np.maximum(taken, 1e-12), 1.0)
    s_part = s_part * scale[key]
    p_part = 1 - np.minimum(taken, 0.6)[p_comp * 4 + p_slot]

    pair_acc = np.concatenate([p_acc, sec])
    pair_comp = np.concatenate([p_comp, s_comp])
    pair_slot = np.concatenate([p_slot, s_slot])
    pair_part = np.concatenate([p_part, s_part])
    pair_cat = cats[pair_comp, pair_slot]
    pair_level = total_level[pair_comp] * cat_share[pair_comp, pair_slot] * pair_part  # PLN per 12 months
    pair_growth = growth[pair_comp] + rng.normal(0, 0.06, len(pair_acc))

    # Sorted like a normalised dataset: account, then category name, then month.
    cat_name_rank = np.argsort(np.argsort(np.asarray(CATEGORIES)))
    order = np.lexsort((cat_name_rank[pair_cat], pair_acc))
    pair_acc, pair_comp, pair_cat = pair_acc[order], pair_comp[order], pair_cat[order]
    pair_level, pair_growth = pair_level[order], pair_growth[order]

    # --- monthly revenue: pairs × months ---------------------------------------------------------
    # Built in log space in one pairs × months matrix (then one exp), to keep 8 million rows fast
    # and light: log(level/12) + growth trend + log(seasonality) + noise.
    month = first + np.arange(months)  # Period ordinals
    moy = month % 12  # calendar month, 0 = January (ordinal 0 is 1970-01)
    # The level is about the current window's total: growth compounds from the window's middle.
    years_from_mid = (month - (end - 5.5)) / 12
    # Monthly noise: small shops swing a lot, big sellers average over many orders.
    sd = 0.05 + 0.35 * np.sqrt(1e5 / (pair_level + 1e5))
    rev = rng.standard_normal((len(pair_acc), months))
    rev *= sd[:, None]
    rev += (np.log(pair_level / 12) - sd**2 / 2)[:, None]  # mean-preserving log-normal noise
    rev += np.log1p(pair_growth)[:, None] * years_from_mid[None, :]
    rev += LOG_SEASON[pair_cat[:, None], moy[None, :]]
    np.exp(rev, out=rev)

    # Start-ups ramp up over their first months; nothing before a company starts or after it stops.
    ramping = np.flatnonzero(startup[pair_comp])
    age = month[None, :] - start[pair_comp[ramping]][:, None]
    rev[ramping] *= 1 - np.exp(-(np.maximum(age, 0) + 1) / 2.5)
    rev[(month[None, :] < start[pair_comp][:, None]) | (month[None, :] > stop[pair_comp][:, None])] = 0.0
    # Tiny category lines sell now and then, not every month (only those draw: big ones always sell).
    p_idle = np.exp(-pair_level / 12 / 100)
    tiny = np.flatnonzero(p_idle > 1e-9)
    rev[tiny] *= rng.random((len(tiny), months)) > p_idle[tiny, None]
    np.round(rev, 2, out=rev)

    keep = rev > 0
    rows_pair, rows_month = np.nonzero(keep)  # row-major: pair order, then month order
    return _Tables(
        accounts=accounts,
        months=month,
        pair_account=pair_acc[rows_pair],
        pair_category=pair_cat[rows_pair],
        month_ordinal=month[rows_month],
        revenue=rev[keep],
    )


def _nips(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct, valid NIPs: a tax-office prefix, six random digits and the check digit."""
    out = np.empty(0, dtype=np.int64)
    while len(out) < n:
        m = (n - len(out)) * 2 + 16
        prefix = rng.choice(TAX_OFFICE_CODES, m)
        body = rng.integers(0, 1_000_000, m)
        first9 = prefix * 1_000_000 + body
        digits = (first9[:, None] // 10 ** np.arange(8, -1, -1)) % 10
        check = np.asarray(nip_check_digit(digits))  # an (m, 9) matrix gives an array, never an int
        ok = check != 10  # remainder 10: no valid NIP with these nine digits, draw again
        cand = first9[ok] * 10 + check[ok]
        # keep first occurrences only, in draw order, and never reuse an earlier NIP
        cand = cand[~np.isin(cand, out)]
        _, first_pos = np.unique(cand, return_index=True)
        cand = cand[np.sort(first_pos)]
        out = np.concatenate([out, cand])
    return np.asarray(pd.Series(out[:n]).astype(str), dtype=object)


def _company_names(rng: np.random.Generator, n: int, brand_company: np.ndarray) -> tuple[np.ndarray, ...]:
    """Polish-looking company names, a handle stem for their shops and a brand name."""
    pick = lambda words: words[rng.integers(0, len(words), n)]  # noqa: E731
    i = rng.integers(0, len(ROOTS), n)
    root, root2 = ROOTS[i], ROOTS[(i + rng.integers(1, len(ROOTS), n)) % len(ROOTS)]  # two different roots
    brand = root + pick(TAILS)  # "Novatech", "Balmex", "Żurawpol"
    first_name = pick(FIRST_NAMES)
    # Polish surnames agree with the first name: Kowalski Jan, Kowalska Anna.
    female = pd.Series(first_name).str.endswith("a").to_numpy()
    surname = pick(SURNAMES)
    surname = np.where(
        female, pd.Series(surname).str.replace(r"(sk|ck|dzk)i$", r"\1a", regex=True).to_numpy(object), surname
    )
    surname2 = pick(SURNAMES)
    # Brand owners are companies: "<Brand> Sp. z o.o." rather than a sole trader.
    style = np.where(brand_company, 0, rng.choice(5, n, p=[0.36, 0.14, 0.20, 0.18, 0.12]))
    names = np.select(
        [style == 0, style == 1, style == 2, style == 3],
        [
            brand + " " + pick(LEGAL_FORMS),  # "Novatech Sp. z o.o."
            root + "-" + root2 + " " + pick(LEGAL_FORMS),  # "Euro-Dom sp.j."
            pick(SOLE_TRADER) + " " + surname + " " + first_name,  # "P.H.U. Wiśniewska Anna"
            pick(WORDS) + " " + brand + " " + pick(CITIES),  # "Hurtownia Balmex Łódź"
        ],
        surname + " i " + surname2 + " s.c.",  # "Nowak i Mazur s.c."
    )
    # dtype=str is what pandas infers anyway; spelled out so the type checker knows these are strings.
    stems = pd.Series(np.where((style == 2) | (style == 4), surname, brand), dtype=str)
    stems = stems.str.translate(_ASCII).str.lower().str.replace(r"[^a-z0-9]", "", regex=True)
    return names.astype(object), stems.to_numpy(dtype=object), brand


def _account_names(rng, names, stems, brands, acc_company, acc_rank, brand_acc) -> np.ndarray:
    """The primary account shows the company name; other accounts are shop handles."""
    handles = stems[acc_company] + HANDLE_TAILS[rng.integers(0, len(HANDLE_TAILS), len(acc_company))]
    handles = handles + np.where(acc_rank > 1, acc_rank.astype(str), "").astype(object)
    out = np.where(acc_rank == 0, names[acc_company], handles)
    # A Brand Zone account is the brand's official shop.
    out = np.where(brand_acc & (acc_rank > 0), brands[acc_company] + " – oficjalny sklep", out)
    return out.astype(object)


def _accounts_frame(t: _Tables) -> pd.DataFrame:
    out = pd.DataFrame({c: t.accounts[c] for c in ACCOUNT_COLUMNS})
    for c in ("account_id", "account_name", "nip", "sales_quality"):
        out[c] = out[c].astype(pd.StringDtype(na_value=np.nan))
    return out


def _revenue_frame(t: _Tables, month) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "account_id": _take_str(t.accounts["account_id"], t.pair_account),
            "category": _take_str(np.asarray(CATEGORIES, dtype=object), t.pair_category),
            "month": month,
            "revenue": t.revenue,
        },
        columns=REVENUE_COLUMNS,
    )


def _take_str(labels: np.ndarray, codes: np.ndarray) -> pd.Series:
    """labels[codes] as a ``str`` column, taken in Arrow: no millions of Python strings."""
    taken = pa.array(labels, type=pa.large_string()).take(pa.array(codes))
    return pd.Series(taken, dtype=pd.StringDtype(na_value=np.nan))
