"""Tables of a stored atlas that figures, the report and papers use: every pair's headline with its role, the
top pairs, China's Central Asian neighbours, and the world distribution in numbers.

Everything here reads the per-pair summary (one row per pair, its headline year's share with a 90%
equal-tailed interval); nothing is fitted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from borderflows.data.countries import short_name

WORLD = "world"
"""Role of a pair that is neither a placebo, a regional nor a transit pair."""

NEIGHBOURS: tuple[tuple[str, str], ...] = (
    ("CHN", "KAZ"),
    ("CHN", "KGZ"),
    ("CHN", "UZB"),
    ("CHN", "TJK"),
    ("CHN", "RUS"),
    ("CHN", "MNG"),
)
"""China's exports to Kazakhstan and to its neighbours, the comparison the China-Kazakhstan question needs."""

HEADLINE_COLUMNS = (
    "exporter",
    "importer",
    "pair",
    "role",
    "headline_year",
    "share_median",
    "share_lower",
    "share_upper",
    "prob",
    "kind",
    "citable",
    "reason",
    "world_percentile",
)


def study_roles() -> pd.DataFrame:
    """The placebo, regional and transit pairs of the mirror study (``docs/placebo_rule.md``): ``exporter,
    importer, role``. A pair in two roles (CHN->KGZ is regional and transit) keeps the first."""
    from borderflows.data import dots_panel
    from borderflows.mirror.placebo import study_pairs

    roles = study_pairs(dots_panel())[["exporter", "importer", "role"]]
    return roles.drop_duplicates(["exporter", "importer"], ignore_index=True)


def headline_table(pairs: pd.DataFrame, roles: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every fitted pair's headline year with its interval, verdict, world percentile and role.

    Parameters
    ----------
    pairs
        The atlas's per-pair summary (:attr:`Atlas.pairs <borderflows.atlas.read.Atlas.pairs>`).
    roles
        ``exporter, importer, role`` (e.g. :func:`study_roles`); pairs not listed get :data:`WORLD`.

    Returns
    -------
    pandas.DataFrame
        :data:`HEADLINE_COLUMNS`, pairs whose fit failed left out, sorted by the share's median (largest first).
    """
    ok = pairs[pairs["status"] == "ok"].copy()
    if roles is not None and len(roles):
        ok = ok.merge(roles[["exporter", "importer", "role"]], on=["exporter", "importer"], how="left")
    else:
        ok["role"] = np.nan
    ok["role"] = ok["role"].fillna(WORLD)
    ok["pair"] = [f"{short_name(e)} → {short_name(i)}" for e, i in zip(ok["exporter"], ok["importer"], strict=True)]
    ok["citable"] = ok["citable"].astype(bool)
    table = ok[list(HEADLINE_COLUMNS)].sort_values(
        ["share_median", "exporter", "importer"], ascending=[False, True, True]
    )
    return table.reset_index(drop=True)


def top_pairs(table: pd.DataFrame, n: int = 15) -> pd.DataFrame:
    """The ``n`` citable pairs with the largest median share (the only ones whose share may be quoted)."""
    return table[table["citable"]].head(n).reset_index(drop=True)


def neighbour_pairs(table: pd.DataFrame, pairs: tuple[tuple[str, str], ...] = NEIGHBOURS) -> pd.DataFrame:
    """The rows of ``pairs`` (default :data:`NEIGHBOURS`) in that order; pairs absent from the atlas are left out."""
    wanted = pd.DataFrame(pairs, columns=["exporter", "importer"])
    return wanted.merge(table, on=["exporter", "importer"], how="inner")


def distribution_summary(table: pd.DataFrame) -> pd.DataFrame:
    """The world distribution in numbers, per role and for all pairs: count, citable count, quantiles of medians.

    Returns
    -------
    pandas.DataFrame
        ``role, pairs, citable, citable_at_least_10pct, median_p10, median_p50, median_p90`` (quantiles of the pairs'
        median shares; the last row is ``"all"``).
    """
    rows = []
    for role, part in [*table.groupby("role", sort=True), ("all", table)]:
        medians = part["share_median"].to_numpy(dtype=float)
        rows.append(
            {
                "role": role,
                "pairs": len(part),
                "citable": int(part["citable"].sum()),
                "citable_at_least_10pct": int((part["citable"] & (part["share_median"] >= 0.10)).sum()),
                "median_p10": float(np.quantile(medians, 0.1)) if len(medians) else np.nan,
                "median_p50": float(np.quantile(medians, 0.5)) if len(medians) else np.nan,
                "median_p90": float(np.quantile(medians, 0.9)) if len(medians) else np.nan,
            }
        )
    return pd.DataFrame(rows)
