"""The regional adding-up check: does trade missing from one neighbour's records show up in another's?

Goods China declares to Kazakhstan may be declared on arrival in Kyrgyzstan, Uzbekistan, Tajikistan or Russia
(transit, re-export, origin rules). If so, China's exports to the region and the region's imports from China
agree better in total than pair by pair. :func:`regional_table` lays the five flows side by side, year by year,
so a reader can see it; the mirror share of one pair does not tell transit from unrecorded trade.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

CENTRAL_ASIA_AND_RUSSIA = ("KAZ", "KGZ", "UZB", "TJK", "RUS")
"""China's neighbours of the regional check (the issue's list)."""


def regional_table(
    exporter: str = "CHN", partners: Sequence[str] = CENTRAL_ASIA_AND_RUSSIA, years: tuple[int, int] = (1995, 2024)
) -> pd.DataFrame:
    """The exporter's reports and each partner's import reports, per year, with the region's total.

    Parameters
    ----------
    exporter
        ISO3 code of the exporter (China).
    partners
        ISO3 codes of the importers.
    years
        Inclusive years.

    Returns
    -------
    pandas.DataFrame
        ``year, importer, exports_reported_usd_m, imports_reported_usd_m, gap_usd_m, ratio``, where ``importer``
        is ``"region"`` for the sum over partners with both reports that year (the ratio of the sums). Years a
        partner lacks a usable report stay as missing values and out of the regional sum.
    """
    from borderflows.data import mirror_pair

    frames = []
    for partner in partners:
        table = mirror_pair(exporter, partner).table
        table = table[table["year"].between(*years)]
        x = table["exports_reported"].where(table["exports_usable"])
        m = table["imports_reported"].where(table["imports_usable"])
        frames.append(
            pd.DataFrame(
                {
                    "year": table["year"].to_numpy(),
                    "importer": partner,
                    "exports_reported_usd_m": x.to_numpy(dtype=float),
                    "imports_reported_usd_m": m.to_numpy(dtype=float),
                }
            )
        )
    flows = pd.concat(frames, ignore_index=True)
    both = flows.dropna(subset=["exports_reported_usd_m", "imports_reported_usd_m"])
    region = (
        both.groupby("year")[["exports_reported_usd_m", "imports_reported_usd_m"]]
        .sum()
        .reset_index()
        .assign(importer="region")
    )
    out = pd.concat([flows, region], ignore_index=True)
    out["gap_usd_m"] = out["exports_reported_usd_m"] - out["imports_reported_usd_m"]
    out["ratio"] = out["imports_reported_usd_m"] / out["exports_reported_usd_m"]
    order = {name: k for k, name in enumerate([*partners, "region"])}
    out = out.sort_values(["year", "importer"], key=lambda col: col.map(order) if col.name == "importer" else col)
    return out.replace([np.inf, -np.inf], np.nan).reset_index(drop=True)
