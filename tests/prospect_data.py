"""One hand-built dataset for the prospect, bulk-check and as-of tests: every figure below is worked by hand.

As of 2026-10, published thresholds (company / conditional / brand):
Home Decoration & Office 6 000 000 / 3 000 000, Fashion 3 200 000 / 800 000, Kids 4 500 000 / 2 250 000 / 590 000.

- N[0] Alfa (H1), Home: 5 700 000 now, 5 000 000 before (growth 14 %). Standard gap 300 000 = 5.0 %; growth is
  below the Home benchmark, so no conditional path.
- N[1] Beta (H2), Home: 2 850 000 now, 2 000 000 before (growth 42.5 %). Conditional gap 150 000 = 5.0 % (its
  growth is above the benchmark); standard gap 3 150 000 = 52.5 %. Nearest: conditional.
- N[2] Gamma (H3), Home: 1 000 000 now, 100 000 before (growth 900 %); ratings 90 %: fails a gate.
- N[3] (H4), Home: 1 010 000 now, 1 000 000 before (growth 1 %); ratings 90 %: fails a gate.
  Home benchmark = median of 0.01, 0.14, 0.425, 9.0 = (0.14 + 0.425) / 2 = 0.2825.
- N[4] Delta (F1), Fashion: 2 880 000 now, 2 800 000 before. Standard gap 320 000 = 10 %; its growth equals the
  Fashion benchmark (Zeta grows alike), so no conditional path.
- N[5] Epsilon (B1), Kids, Brand Zone account: 560 000 now, 500 000 before. Brand gap 30 000 = 30/590 ≈ 5.08 %;
  standard gap 3 940 000. Nearest: brand.
- N[6] Zeta (Z1), Fashion like Delta, suspended: a flag, so never a prospect.
- N[7] Eta (Q1), Kids 5 000 000 / 4 000 000, suspended: review (standard path).
- N[8] Theta (Q2), Kids 5 000 000 / 4 000 000: qualified (standard path).
- N[9] Iota (E1): an account without revenue: no main category.
"""

from __future__ import annotations

from builders import account, dataset, growing_seller, nip

from core import compute_metrics

AS_OF = "2026-10"
N = [nip(i) for i in range(12)]
HOME, FASHION, KIDS = "Home Decoration & Office", "Fashion", "Kids"


def build():
    accounts = [
        account("H1", N[0], account_name="Alfa"),
        account("H2", N[1], account_name="Beta"),
        account("H3", N[2], account_name="Gamma", positive_ratings_pct=90.0),
        account("H4", N[3], account_name="Gamma Two", positive_ratings_pct=90.0),
        account("F1", N[4], account_name="Delta"),
        account("B1", N[5], account_name="Epsilon", brand_zone=True),
        account("Z1", N[6], account_name="Zeta", suspended=True),
        account("Q1", N[7], account_name="Eta", suspended=True),
        account("Q2", N[8], account_name="Theta"),
        account("E1", N[9], account_name="Iota"),
    ]
    rev = (
        growing_seller("H1", HOME, 5_700_000, 5_000_000)
        + growing_seller("H2", HOME, 2_850_000, 2_000_000)
        + growing_seller("H3", HOME, 1_000_000, 100_000)
        + growing_seller("H4", HOME, 1_010_000, 1_000_000)
        + growing_seller("F1", FASHION, 2_880_000, 2_800_000)
        + growing_seller("B1", KIDS, 560_000, 500_000)
        + growing_seller("Z1", FASHION, 2_880_000, 2_800_000)
        + growing_seller("Q1", KIDS, 5_000_000, 4_000_000)
        + growing_seller("Q2", KIDS, 5_000_000, 4_000_000)
    )
    ds = dataset(accounts, rev)
    return ds, compute_metrics(ds, AS_OF)
