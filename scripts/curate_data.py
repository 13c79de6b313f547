"""Build the curated ``data/`` folder from the raw material in ``../shared/data``.

Run from the repository root::

    uv run python scripts/curate_data.py              # writes data/*.parquet, data/*.csv (a few minutes)
    uv run pytest -m slow tests/data/test_registry.py  # rebuilds into a temp folder, compares checksums

The package never reads ``../shared``; only this script does. Every output row keeps its source and,
for text sources, the exact quote. The script rewrites the checksum table at the end of ``data/README.md``.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from borderflows.data.countries import IMF_AGGREGATES, IMF_TO_ISO3
from borderflows.data.mirror import SOURCE_PRIORITY

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "data"

DERIVATION_FACTORS = (1.06, 1.10)
"""The IMF fills a non-reporter's cell from the partner's mirror figure times a CIF/FOB factor."""

DERIVATION_ABS_TOL = 0.0051
"""USD m: a value rounded to 2 decimals (0.005) plus the mirror's own 3-decimal rounding times 1.1."""

DERIVATION_REL_TOL = 2e-6
"""Relative slack for values the IMF stored unrounded (e.g. Turkmenistan 13.098860 = 13.88479 / 1.06)."""

DERIVATION_MIN_VALUE = 0.05
"""USD m: below this, a factor match is as likely to be a coincidence of rounding as a derivation."""


# --------------------------------------------------------------------------------------------------
# 1. DOTS panel
# --------------------------------------------------------------------------------------------------
def load_dots() -> pd.DataFrame:
    raw = pd.read_parquet(SHARED / "imf_dots" / "dots_bilateral.parquet")
    unknown = (set(raw.reporter) | set(raw.partner)) - set(IMF_TO_ISO3) - IMF_AGGREGATES
    if unknown:
        sys.exit(f"unmapped IMF names: {sorted(unknown)}")
    return raw


def flag_derived(panel: pd.DataFrame) -> pd.Series:
    """Mark rows that equal the partner's mirror figure times 1.06 or 1.10 (exports: divided by it).

    A factor match is symmetric (if A's imports = B's exports x 1.1 then B's exports = A's imports / 1.1),
    so the side that was derived is chosen as the one the IMF marked estimated when exactly one is;
    otherwise the side whose reporter matches its partners' mirrors in a larger share of its rows that
    year (a non-reporting country is filled from every partner, the reporting partner is not).
    """
    mirror = panel.rename(
        columns={"reporter": "partner", "partner": "reporter", "value_usd_m": "mirror", "estimated": "mirror_est"}
    )
    mirror["flow"] = mirror["flow"].map({"exports_fob": "imports_cif", "imports_cif": "exports_fob"})
    joined = panel.merge(mirror, on=["reporter", "partner", "flow", "year"], how="left")
    joined["mirror_est"] = joined["mirror_est"].astype("boolean").fillna(False).astype(bool)
    sign = np.where(joined["flow"] == "imports_cif", 1.0, -1.0)
    hit = np.zeros(len(joined), dtype=bool)
    for factor in DERIVATION_FACTORS:
        target = joined["mirror"].to_numpy() * factor**sign
        close = np.abs(joined["value_usd_m"].to_numpy() - target) <= DERIVATION_ABS_TOL + DERIVATION_REL_TOL * np.abs(
            target
        )
        hit |= close & (np.abs(joined["value_usd_m"].to_numpy()) >= DERIVATION_MIN_VALUE)
    joined["hit"] = hit
    share = joined.groupby(["reporter", "year"])["hit"].mean().rename("share")
    joined = joined.join(share, on=["reporter", "year"]).join(share.rename("partner_share"), on=["partner", "year"])
    one_estimated = joined["estimated"] & ~joined["mirror_est"]
    same_mark = joined["estimated"] == joined["mirror_est"]
    derived = joined["hit"] & (one_estimated | (same_mark & (joined["share"] > joined["partner_share"])))
    return pd.Series(derived.to_numpy(), index=panel.index)


def build_dots(raw: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    countries = ~raw["reporter"].isin(IMF_AGGREGATES)
    world = raw[countries & (raw["partner"] == "World")].copy()
    world["reporter"] = world["reporter"].map(IMF_TO_ISO3)
    world = world.drop(columns="partner").sort_values(["reporter", "flow", "year"]).reset_index(drop=True)

    panel = raw[countries & ~raw["partner"].isin(IMF_AGGREGATES)].copy()
    panel["reporter"] = panel["reporter"].map(IMF_TO_ISO3)
    panel["partner"] = panel["partner"].map(IMF_TO_ISO3)
    panel = panel.reset_index(drop=True)
    panel["derived_from_partner"] = flag_derived(panel)
    panel = panel.sort_values(["reporter", "partner", "flow", "year"]).reset_index(drop=True)
    world = world.sort_values(["reporter", "flow", "year"]).reset_index(drop=True)
    return panel, world


def compact(frame: pd.DataFrame) -> pd.DataFrame:
    """Categoricals for codes, int16 years, float32 values.

    float32 keeps a relative precision of 6e-8: below DOTS's printed 0.001 USD m for any value under
    USD 16bn, and far below any statistical use. Flags are computed on the float64 originals first.
    """
    out = frame.copy()
    for column in ("reporter", "partner", "flow"):
        if column in out:
            out[column] = out[column].astype("category")
    out["year"] = out["year"].astype("int16")
    out["value_usd_m"] = out["value_usd_m"].astype("float32")
    return out


# --------------------------------------------------------------------------------------------------
# 2. China-Kazakhstan mirror table
# --------------------------------------------------------------------------------------------------
MIRROR_COLUMNS = [
    "exporter",
    "importer",
    "year",
    "flow",
    "reporter",
    "partner",
    "source",
    "value_usd_m",
    "valuation",
    "flag",
    "usable",
    "quote",
    "reference",
]

UNIT_TO_MILLION = {"USD": 1e-6, "USD thousand": 1e-3, "USD million": 1.0, "USD billion": 1e3, "billion USD": 1e3}


def _direction(reporter: str, partner: str, flow: str) -> tuple[str, str]:
    if flow == "exports":
        return reporter, partner
    if flow == "imports":
        return partner, reporter
    return "", ""


def mirror_rows(panel: pd.DataFrame) -> pd.DataFrame:
    rows: list[dict[str, object]] = []

    def add(**row: object) -> None:
        exporter, importer = _direction(str(row["reporter"]), str(row["partner"]), str(row["flow"]))
        valuation = {"exports": "fob", "imports": "cif"}.get(str(row["flow"]), "")
        rows.append({"exporter": exporter, "importer": importer, "valuation": valuation, **row})

    dots = panel[
        ((panel["reporter"] == "CHN") & (panel["partner"] == "KAZ"))
        | ((panel["reporter"] == "KAZ") & (panel["partner"] == "CHN"))
    ]
    for r in dots.itertuples():
        flags = [f for f, on in (("derived_from_partner", r.derived_from_partner), ("estimated", r.estimated)) if on]
        add(
            year=int(r.year),
            flow="exports" if r.flow == "exports_fob" else "imports",
            reporter=r.reporter,
            partner=r.partner,
            source="imf_dots",
            value_usd_m=float(r.value_usd_m),
            flag=";".join(flags),
            usable=not r.derived_from_partner,
            quote=f"IMF DOTS {r.reporter} {r.flow} {'to' if r.flow == 'exports_fob' else 'from'} {r.partner} "
            f"{r.year}: {r.value_usd_m!r}{' e' if r.estimated else ''}",
            reference="IMF DOTS via github:SamLeBlanc/Direction-of-Trade-Map @a769819",
        )

    ext = pd.read_csv(SHARED / "external" / "trade_kaz_chn_mirror.csv")
    source_of = {
        "WITS": "wits",
        "WITS_HS4SUM": "wits",
        "COMTRADE": "un_comtrade",
        "COMTRADE_PREVIEW": "un_comtrade",
        "BNS": "kz_bns",
        "NEWS": "news",
    }
    for r in ext.itertuples():
        prefix = r.series_id.split(".")[0]
        if r.flow == "turnover" and (r.reporter not in ("CHN", "KAZ") or r.partner not in ("CHN", "KAZ")):
            continue  # other Central Asian partners and unattributed turnovers are not this pair
        flags = []
        usable = True
        if prefix == "WITS" and r.year == 2020:
            flags.append("misattributed")  # KZ-reported partner attribution broken in 2020 (external/NOTES.md #2)
            usable = False
        if prefix == "WITS" and r.year == 1998 and r.flow == "imports":
            flags.append("inconsistent")  # 59.29m vs 50.5m in Comtrade preview and DOTS (external/NOTES.md #3)
            usable = False
        if prefix == "WITS_HS4SUM":
            flags.append("rounded")  # sum of HS4 rows printed to 3 decimals in USD bn
        if prefix == "NEWS":
            flags.append("rounded")
        if r.series_id == "NEWS.TURNOVER.UNSPEC":
            flags.append("reporter_unstated")  # a minister's figure; which side's statistics is not said
        if r.year == 2025:
            flags.append("preliminary")
        if r.flow == "turnover":
            usable = False
        add(
            year=int(r.year),
            flow=r.flow,
            reporter=r.reporter,
            partner=r.partner,
            source=source_of[prefix],
            value_usd_m=float(r.value) * UNIT_TO_MILLION[r.unit],
            flag=";".join(flags),
            usable=usable,
            quote=r.quote_or_row,
            reference=r.source,
        )

    seed = pd.read_csv(SHARED / "seed_extract" / "trade.csv")
    seed_rows = {
        # series_id: (reporter, partner, flow, source detail)
        "cn_export_to_kz__un_comtrade_cn": ("CHN", "KAZ", "exports"),
        "kz_import_from_cn__un_comtrade_kz": ("KAZ", "CHN", "imports"),
        "kz_export_to_cn__kz_bns": ("KAZ", "CHN", "exports"),
        "kz_import_from_cn__kz_bns": ("KAZ", "CHN", "imports"),
        "kz_export_to_cn__unstated": ("KAZ", "CHN", "exports"),
        "kz_import_from_cn__unstated": ("KAZ", "CHN", "imports"),
        "turnover_kz_cn__kz_customs": ("KAZ", "CHN", "turnover"),
        "turnover_kz_cn__cn_mofcom": ("CHN", "KAZ", "turnover"),
        "turnover_kz_cn__cn_gac": ("CHN", "KAZ", "turnover"),
        "turnover_kz_cn__kz_bns": ("KAZ", "CHN", "turnover"),
        "turnover_kz_cn__unstated": ("KAZ", "CHN", "turnover"),
    }
    for r in seed[seed["series_id"].isin(seed_rows) & seed["year"].notna()].itertuples():
        reporter, partner, flow = seed_rows[r.series_id]
        if r.series_id == "turnover_kz_cn__unstated" and r.year == 2025:
            flags = ["rounded", "partial_year"]  # Q1 2025 only
        else:
            flags = ["rounded"]
        add(
            year=int(r.year),
            flow=flow,
            reporter=reporter,
            partner=partner,
            source="seed",
            value_usd_m=float(r.value) * UNIT_TO_MILLION[r.unit],
            flag=";".join(flags),
            usable=flow != "turnover" and "partial_year" not in flags,
            quote=r.quote,
            reference=f"seeds/{r.source_file}:{r.line} ({r.reporter})",
        )
    for t in TRANSCRIBED_2021_2023:
        flags = [f for f, on in (("misattributed", t.misattributed), ("inconsistent", t.inconsistent)) if on]
        add(
            year=t.year,
            flow=t.flow,
            reporter=t.reporter,
            partner=t.partner,
            source=t.source,
            value_usd_m=t.value * UNIT_TO_MILLION[t.unit],
            flag=";".join(flags),
            usable=not flags,
            quote=t.row,
            reference=f"github:{t.repo} {t.path} @{t.commit} ({t.note}; {t.unit})",
        )
    out = pd.DataFrame(rows)[MIRROR_COLUMNS]
    out["flag"] = out["flag"].fillna("")
    out = flag_restatements(out)
    return out.sort_values(["exporter", "importer", "year", "flow", "reporter", "source", "value_usd_m"]).reset_index(
        drop=True
    )


@dataclass(frozen=True)
class Transcribed:
    """One row of a public repository's CSV, copied as read (the ``row`` text is the file's own line)."""

    year: int
    flow: str
    reporter: str
    partner: str
    source: str
    value: float
    unit: str
    repo: str
    path: str
    commit: str
    note: str
    row: str
    misattributed: bool = False
    inconsistent: bool = False


_COMTRADE_CHN = (
    "omirbeknikar-ship-it/dissertation-final",
    "Collected_Raw_Data/raw_downloads/comtrade_chn_reporter.csv",
    "1078ec9feac9ecf46b92636cfb833cd9e80bad23",
    "UN Comtrade API, China-reported, HS, cmdCode TOTAL, primaryValue",
)
_BNS_IMPORTS = (
    "makenerzhan-gif/kazakhstan-economic-data",
    "data/processed/dims/kz_imports_by_partner.csv",
    "826002bcfdb4eb42d65d24e83a0846b38e53bdd7",
    "Bureau of National Statistics of Kazakhstan, indicator 312101",
)
_BNS_EXPORTS = (
    "makenerzhan-gif/kazakhstan-economic-data",
    "data/processed/dims/kz_exports_by_partner.csv",
    "4384ebd481396b3425986e024c69934f4f20c6b5",
    "Bureau of National Statistics of Kazakhstan, indicator 312101",
)
_WITS_IMPORTS = (
    "makenerzhan-gif/kazakhstan-economic-data",
    "data/processed/dims/wits_kz_imports_by_partner.csv",
    "826002bcfdb4eb42d65d24e83a0846b38e53bdd7",
    "WITS TradeStats = UN Comtrade, KZ-reported",
)
_WITS_EXPORTS = (
    "makenerzhan-gif/kazakhstan-economic-data",
    "data/processed/dims/wits_kz_exports_by_partner.csv",
    "826002bcfdb4eb42d65d24e83a0846b38e53bdd7",
    "WITS TradeStats = UN Comtrade, KZ-reported",
)


def _transcribed() -> tuple[Transcribed, ...]:
    """China-Kazakhstan 2021-2023, every row read in the public repositories named (none is computed).

    UN Comtrade (China-reported, USD): the TOTAL rows of ``comtrade_chn_reporter.csv`` (one line per
    year and flow; ``cifvalue`` for imports, ``fobvalue`` for exports, both equal to ``primaryValue``).
    The bureau (BNS) and WITS files have one line ``date,region,item_code,item_name,value,transformation``
    per partner and year, in USD thousand. WITS 2021-2022 carry the broken partner attribution already
    seen in 2020 (imports 2.42 and 3.58bn against the bureau's 8.23 and 11.14bn; exports 6.85 and 10.46bn
    against 9.77 and 13.06bn): flagged ``misattributed``. WITS 2023 imports (16.77bn) exceed the
    bureau's 15.39bn by 9.0% while WITS and the bureau agree within about 1% for the other partners that
    year (e.g. Austria 322,913 vs 322,911, Australia 92,006 vs 91,734 USD thousand): ``inconsistent``.
    """
    rows: list[Transcribed] = []
    comtrade = (  # (year, flow, primaryValue, the file's line as read)
        (
            2021,
            "M",
            11290458339,
            '"C","A","20210101","2021","52","2021","156","CHN","China","M","Import","398","KAZ",'
            '"Kazakhstan","0","W00","World","H5","HS","true","TOTAL","All Commodities","0","false","C00",'
            '"TOTAL CPC","0","0","TOTAL MOT","-1","N/A","0","false","-1","N/A","0","false","0","true",'
            '"0","false","11290458339",,"11290458339","4","false","true",',
        ),
        (
            2021,
            "X",
            13755494094,
            '"C","A","20210101","2021","52","2021","156","CHN","China","X","Export","398","KAZ",'
            '"Kazakhstan","0","W00","World","H5","HS","true","TOTAL","All Commodities","0","false","C00",'
            '"TOTAL CPC","0","0","TOTAL MOT","-1","N/A","0","false","-1","N/A","0","false","0","true",'
            '"0","false",,"13755494094","13755494094","4","false","true",',
        ),
        (
            2022,
            "M",
            14819246516,
            '"C","A","20220101","2022","52","2022","156","CHN","China","M","Import","398","KAZ",'
            '"Kazakhstan","0","W00","World","H6","HS","true","TOTAL","All Commodities","0","false","C00",'
            '"TOTAL CPC","0","0","TOTAL MOT","-1","N/A","0","false","-1","N/A","0","false","0","true",'
            '"0","false","14819246516",,"14819246516","4","false","true",',
        ),
        (
            2022,
            "X",
            16355236459,
            '"C","A","20220101","2022","52","2022","156","CHN","China","X","Export","398","KAZ",'
            '"Kazakhstan","0","W00","World","H6","HS","true","TOTAL","All Commodities","0","false","C00",'
            '"TOTAL CPC","0","0","TOTAL MOT","-1","N/A","0","false","-1","N/A","0","false","0","true",'
            '"0","false",,"16355236459","16355236459","4","false","true",',
        ),
        (
            2023,
            "M",
            16357882073,
            '"C","A","20230101","2023","52","2023","156","CHN","China","M","Import","398","KAZ",'
            '"Kazakhstan","0","W00","World","H6","HS","true","TOTAL","All Commodities","0","false","C00",'
            '"TOTAL CPC","0","0","TOTAL MOT","-1","N/A","0","false","-1","N/A","0","false","0","true",'
            '"0","false","16357882073",,"16357882073","4","false","true",',
        ),
        (
            2023,
            "X",
            24696909997,
            '"C","A","20230101","2023","52","2023","156","CHN","China","X","Export","398","KAZ",'
            '"Kazakhstan","0","W00","World","H6","HS","true","TOTAL","All Commodities","0","false","C00",'
            '"TOTAL CPC","0","0","TOTAL MOT","-1","N/A","0","false","-1","N/A","0","false","0","true",'
            '"0","false",,"24696909997","24696909997","4","false","true",',
        ),
    )
    for year, flow, value, line in comtrade:
        exports = flow == "X"
        rows.append(
            Transcribed(
                year,
                "exports" if exports else "imports",
                "CHN",
                "KAZ",
                "un_comtrade",
                float(value),
                "USD",
                *_COMTRADE_CHN,
                line,
            )
        )
    bns = {
        ("imports", 2021): "8228456.85318",
        ("imports", 2022): "11143739.72919",
        ("imports", 2023): "15389231.31222",
        ("exports", 2021): "9772505.63304",
        ("exports", 2022): "13060205.47911",
        ("exports", 2023): "14666158.3001",
    }
    for (flow, year), text in bns.items():
        where = _BNS_IMPORTS if flow == "imports" else _BNS_EXPORTS
        rows.append(
            Transcribed(
                year,
                flow,
                "KAZ",
                "CHN",
                "kz_bns",
                float(text),
                "USD thousand",
                *where,
                f"{year}-12-31,national,CHN,Китай,{text},level",
            )
        )
    wits = {
        ("imports", 2021): "2424023.17295",
        ("imports", 2022): "3575000.79304",
        ("imports", 2023): "16772250.49613",
        ("exports", 2021): "6851902.4405",
        ("exports", 2022): "10461770.66388",
        ("exports", 2023): "14758685.49152",
    }
    for (flow, year), text in wits.items():
        where = _WITS_IMPORTS if flow == "imports" else _WITS_EXPORTS
        rows.append(
            Transcribed(
                year,
                flow,
                "KAZ",
                "CHN",
                "wits",
                float(text),
                "USD thousand",
                *where,
                f"{year}-12-31,national,CHN,China,{text},level",
                misattributed=year in (2021, 2022),
                inconsistent=(year, flow) == (2023, "imports"),
            )
        )
    return tuple(rows)


TRANSCRIBED_2021_2023 = _transcribed()

RESTATEMENT_TOL = 5.0
"""USD m: half a unit of USD bn printed with two decimals (27.95bn covers 27,945-27,955m)."""


AGENCY_SOURCES = {"Bureau of National Statistics": "kz_bns"}
"""Agency named in a rounded row's reference -> the bundled source that holds that agency's precise release."""


def flag_restatements(frame: pd.DataFrame) -> pd.DataFrame:
    """Mark rounded figures that restate a precise source's report (same year, flow, reporter) as duplicates.

    The seed's 27.95bn is UN Comtrade's 27,954.3m printed in billions; letting both into a likelihood would
    count one national report twice. Such rows get flag ``duplicate`` and ``usable = False``. A rounded
    figure attributed to an agency whose own precise release of that year, flow and reporter is bundled,
    but which differs by more than rounding (seed 002's bureau figures for 2023, 14.9bn and 15.2bn, against
    the bureau's 14,666m and 15,389m: another vintage of the same report), gets ``superseded`` and
    ``usable = False`` for the same reason.
    """
    out = frame.copy()
    rounded = out["flag"].str.contains("rounded") & out["flow"].isin(["exports", "imports"])
    precise = out[~out["flag"].str.contains("rounded") & out["flow"].isin(["exports", "imports"])]
    for i in out.index[rounded]:
        row = out.loc[i]
        same = precise[
            (precise["year"] == row["year"])
            & (precise["flow"] == row["flow"])
            & (precise["reporter"] == row["reporter"])
        ]
        if (np.abs(same["value_usd_m"] - row["value_usd_m"]) <= RESTATEMENT_TOL).any():
            out.loc[i, "flag"] = row["flag"] + ";duplicate"
            out.loc[i, "usable"] = False
        elif any(
            agency in row["reference"] and (same["source"] == source).any() for agency, source in AGENCY_SOURCES.items()
        ):
            out.loc[i, "flag"] = row["flag"] + ";superseded"
            out.loc[i, "usable"] = False
    return out


# --------------------------------------------------------------------------------------------------
# 3. Evidence statements
# --------------------------------------------------------------------------------------------------
def seed_sentence(source_file: str, line: int, word: str) -> str:
    """The sentence of a seed line that contains ``word``, exactly as printed."""
    text = (SHARED.parent / "seeds" / source_file).read_text().splitlines()[line - 1]
    return next(s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if word in s)


def evidence_rows(mirror: pd.DataFrame) -> pd.DataFrame:
    seed = pd.read_csv(SHARED / "seed_extract" / "trade.csv")

    def quote(series_id: str, year: float | None = None) -> tuple[str, str, int]:
        rows = seed[seed["series_id"] == series_id]
        if year is not None:
            rows = rows[rows["year"] == year]
        r = rows.iloc[0]
        return str(r["quote"]), str(r["source_file"]), int(r["line"])

    share_denominator = (
        "unstated in the source; encoded as a share of China's exports because China-reported exports fit best: "
        "2020 (11703 - 6378) / 11703 = 45.5% (as a share of Kazakhstan's imports it would be 83%)"
    )
    statements = [
        # id, year, year_min, year_max, measure, relation, value, product, denominator, series_id, seed year
        (
            "gap_2017_share",
            2017,
            2017,
            2017,
            "gap_share_of_exports",
            "approx",
            0.60,
            "all",
            share_denominator,
            "mirror_gap_pct_customs",
            2017,
        ),
        (
            "gap_2020_share",
            2020,
            2020,
            2020,
            "gap_share_of_exports",
            "approx",
            0.45,
            "all",
            share_denominator,
            "mirror_gap_pct_customs",
            2020,
        ),
        (
            "gap_2020_usd",
            2020,
            2020,
            2020,
            "gap_usd_m",
            "gt",
            5000.0,
            "all",
            "China's mirror statistics minus Kazakhstan's records (President Tokayev)",
            "mirror_gap_abs_tokayev",
            2020,
        ),
        (
            "gap_2019_usd",
            2019,
            2019,
            2019,
            "gap_usd_m",
            "approx",
            7600.0,
            "all",
            "goods leaving China minus goods entering Kazakhstan",
            "mirror_gap_president_single_year",
            2019,
        ),
        (
            "gap_unknown_year_usd",
            2021,
            2020,
            2021,
            "gap_usd_m",
            "approx",
            5700.0,
            "all",
            "goods leaving China minus goods entering Kazakhstan; year not stated (speech of 1 Feb, most likely 2022, "
            "about the latest full year: 2021, possibly 2020)",
            "mirror_gap_president_single_year",
            None,
        ),
        (
            "gap_2024_usd",
            2024,
            2024,
            2024,
            "gap_usd_m",
            "approx",
            13000.0,
            "all",
            "China-reported exports minus Kazakhstan-reported imports, UN Comtrade ('nearly')",
            "mirror_gap_cn_exp_minus_kz_imp",
            2024,
        ),
        (
            "gap_2024_usd_alt",
            2024,
            2024,
            2024,
            "gap_usd_m",
            "approx",
            13700.0,
            "all",
            "'other figures cited in Kazakhstan' (definition not stated)",
            "mirror_gap_cn_exp_minus_kz_imp_alt",
            2024,
        ),
        (
            "knitwear_2024_ratio",
            2024,
            2024,
            2024,
            "ratio_exports_to_imports",
            "approx",
            3.8,
            "knitwear",
            "China-reported knitwear exports (3.8bn) over Kazakhstan-reported knitwear imports ('barely' 1bn)",
            "knitwear_cn_export_to_kz",
            2024,
        ),
        (
            "knitwear_2024_usd",
            2024,
            2024,
            2024,
            "gap_usd_m",
            "approx",
            2800.0,
            "knitwear",
            "3.8bn China-reported minus 'barely' 1bn Kazakhstan-reported knitwear",
            "knitwear_cn_export_to_kz",
            2024,
        ),
        (
            "turnover_gap_2005_usd",
            2005,
            2005,
            2005,
            "turnover_gap_usd_m",
            "eq",
            3100.0,
            "all",
            "MOFCOM turnover (6.8bn, includes 'folk' trade) minus Kazakhstan Customs turnover (3.7bn)",
            "mirror_gap_turnover_mofcom_minus_kzcustoms",
            2005,
        ),
        (
            "turnover_gap_2010_usd",
            2010,
            2010,
            2010,
            "turnover_gap_usd_m",
            "eq",
            6300.0,
            "all",
            "Chinese turnover (20.4bn) minus Kazakhstan Customs turnover (14.1bn)",
            "mirror_gap_turnover_mofcom_minus_kzcustoms",
            2010,
        ),
        (
            "turnover_gap_2013_usd",
            2013,
            2013,
            2013,
            "turnover_gap_usd_m",
            "approx",
            6000.0,
            "all",
            "gap in foreign trade statistics, China vs Kazakhstan, turnover basis",
            "mirror_gap_abs_sadovskaya",
            2013,
        ),
        (
            "turnover_gap_range_low_usd",
            None,
            2001,
            2011,
            "turnover_gap_usd_m",
            "gt",
            4000.0,
            "all",
            "'sometimes reached $4-5 bln' over more than 10 years to 2011 (lower end)",
            "mirror_gap_abs_range_low",
            None,
        ),
        (
            "turnover_gap_range_high_usd",
            None,
            2001,
            2011,
            "turnover_gap_usd_m",
            "lt",
            5000.0,
            "all",
            "'sometimes reached $4-5 bln' over more than 10 years to 2011 (upper end)",
            "mirror_gap_abs_range_high",
            None,
        ),
        (
            "turnover_gap_range_low_share",
            None,
            2001,
            2011,
            "turnover_gap_share",
            "gt",
            0.40,
            "all",
            "'or 40-50%', denominator unstated (MOFCOM turnover fits 2005, Kazakhstan's fits 2010)",
            "mirror_gap_pct_range_low",
            None,
        ),
        (
            "turnover_gap_range_high_share",
            None,
            2001,
            2011,
            "turnover_gap_share",
            "lt",
            0.50,
            "all",
            "'or 40-50%', denominator unstated (MOFCOM turnover fits 2005, Kazakhstan's fits 2010)",
            "mirror_gap_pct_range_high",
            None,
        ),
    ]
    rows = []
    for sid, year, y0, y1, measure, relation, value, product, denominator, series_id, seed_year in statements:
        text, source_file, line = quote(series_id, seed_year)
        if sid.startswith("knitwear"):  # both numbers are in one sentence; the extract split it in two rows
            text = seed_sentence(source_file, line, "knitwear")
        rows.append(
            {
                "id": sid,
                "exporter": "CHN",
                "importer": "KAZ",
                "year": year,
                "year_min": y0,
                "year_max": y1,
                "measure": measure,
                "relation": relation,
                "value": value,
                "product": product,
                "denominator": denominator,
                "quote": text,
                "source_file": f"seeds/{source_file}",
                "line": line,
            }
        )
    out = pd.DataFrame(rows)
    out["year"] = out["year"].astype("Int64")
    restated = [restatement(row, mirror) for row in out.to_dict("records")]
    out["restates"] = [tokens for tokens, _ in restated]
    out["restates_reason"] = [reason for _, reason in restated]
    return out


RESTATE_TOKENS = {
    "gap_usd_m": ("X", "M"),
    "gap_share_of_exports": ("X", "M"),
    "gap_share_of_imports": ("X", "M"),
    "ratio_exports_to_imports": ("X", "M"),
    "turnover_gap_usd_m": ("X", "M", "Xr", "Mr"),
    "turnover_gap_share": ("X", "M", "Xr", "Mr"),
}
"""Which national reports a statement's measure is a function of: X = the exporter's exports, M = the
importer's imports, Xr = the importer's exports to the exporter, Mr = the exporter's imports from it."""


def default_reports(mirror: pd.DataFrame, exporter: str, importer: str) -> pd.DataFrame:
    """Per year, the value each token takes in the bundled defaults (first usable row by SOURCE_PRIORITY)."""
    rank = {s: i for i, s in enumerate(SOURCE_PRIORITY)}
    usable = mirror[mirror["usable"] & mirror["flow"].isin(["exports", "imports"])].copy()
    usable["rank"] = usable["source"].map(rank)
    usable = usable.sort_values(["rank", "flag"]).drop_duplicates(["year", "flow", "reporter"])
    spec = {
        "X": (exporter, "exports"),
        "M": (importer, "imports"),
        "Xr": (importer, "exports"),
        "Mr": (exporter, "imports"),
    }
    columns = {}
    for token, (reporter, flow) in spec.items():
        sub = usable[(usable["reporter"] == reporter) & (usable["flow"] == flow)]
        columns[token] = sub.set_index("year")["value_usd_m"]
        columns[token + "_source"] = sub.set_index("year")["source"]
    return pd.DataFrame(columns).sort_index()


def restatement(row: dict[str, object], mirror: pd.DataFrame) -> tuple[str, str]:
    """``(tokens, reason)``: the reports a statement is computed from, if they are all bundled, and why.

    A statement restates reports when its measure is arithmetic on the two countries' own reports of a
    year that the bundled mirror table already holds (DOTS, UN Comtrade or the bureau): entering it in a
    likelihood next to those reports would count them twice. Product-level statements (knitwear) are
    about reports the bundled totals do not contain, so they restate nothing here.
    """
    if row["product"] != "all":
        return "", f"product-level ({row['product']}) reports; the bundled totals do not contain them"
    tokens = RESTATE_TOKENS[str(row["measure"])]
    reports = default_reports(mirror, str(row["exporter"]), str(row["importer"]))
    years = range(int(row["year_min"]), int(row["year_max"]) + 1)  # type: ignore[call-overload]
    missing = [y for y in years if y not in reports.index or reports.loc[y, list(tokens)].isna().any()]
    if missing:
        return "", f"no bundled report for {', '.join(map(str, missing))}; the statement adds information there"
    parts = []
    for year in years:
        r = reports.loc[year]
        sources = "/".join(sorted({str(r[t + "_source"]) for t in tokens}))
        if tokens == ("X", "M"):
            implied = {
                "gap_usd_m": f"X - M = {r['X'] - r['M']:,.0f} USD m",
                "gap_share_of_exports": f"(X - M) / X = {(r['X'] - r['M']) / r['X']:.3f}",
                "gap_share_of_imports": f"(X - M) / M = {(r['X'] - r['M']) / r['M']:.3f}",
                "ratio_exports_to_imports": f"X / M = {r['X'] / r['M']:.2f}",
            }[str(row["measure"])]
        else:
            gap = (r["X"] + r["Mr"]) - (r["M"] + r["Xr"])
            share = gap / (r["X"] + r["Mr"])
            implied = f"(X + Mr) - (M + Xr) = {gap:,.0f} USD m, {share:.3f} of the exporter's turnover"
        parts.append(f"{year}: {implied} ({sources})")
    who = "both countries' reports of both directions" if len(tokens) == 4 else "the exporter's and importer's reports"
    reason = f"computed from {who}, all in the bundled mirror table; defaults give " + "; ".join(parts)
    return ",".join(tokens), reason


# --------------------------------------------------------------------------------------------------
# 4-5. Yearly series (migration, FDI) and sparse points
# --------------------------------------------------------------------------------------------------
SERIES_COLUMNS = ["name", "year", "value", "exposure", "flag", "source", "quote", "reference"]
CATALOG_COLUMNS = ["name", "title", "unit", "kind", "concept", "source", "description"]

PURPOSES = ("official_business", "tourism", "private", "sptv", "job", "perm_residence", "transit", "total")
MIA = ("registered_total", "official", "employment", "private", "tourism", "admin_offences", "expelled")


def _flags_table31_32(purpose: str, year: int, measure: str) -> list[str]:
    flags = []
    if purpose == "official_business" and year >= 2013:
        flags.append("definition_break")  # SPTV moved into official/business from 2013
    if purpose == "job":
        flags.append("definition_break")  # 'Job' replaces 'SPTV' in 2013-2014, not comparable
    if "components sum to" in measure or "total equals sum excluding" in measure:
        flags.append("total_inconsistent")
    return flags


def migration_series() -> tuple[pd.DataFrame, list[dict[str, str]]]:
    seed = pd.read_csv(SHARED / "seed_extract" / "migration.csv")
    rows: list[dict[str, object]] = []
    catalog: list[dict[str, str]] = []
    reference = "seeds/001_a1594d49cb0d8857.txt (Sadovskaya 2015)"
    tables = (
        (
            "table3_1",
            "bs_exit_kzcit_to_cn_",
            PURPOSES,
            "KZ citizens leaving for China, by purpose (Table 3.1)",
            "KZ Border Service, Table 3.1 of seed 001",
            "border_exits_kz_citizens_to_china",
        ),
        (
            "table3_2",
            "bs_entry_from_cn_",
            PURPOSES,
            "Foreign citizens entering KZ from China, by purpose (Table 3.2)",
            "KZ Border Service, Table 3.2 of seed 001",
            "border_entries_foreigners_from_china",
        ),
        (
            "table3_3",
            "mia_reg_cn_",
            MIA,
            "Chinese citizens registered with the MIA, by purpose (Table 3.3)",
            "KZ Ministry of Internal Affairs, Table 3.3 of seed 001",
            "mia_registrations_chinese_citizens",
        ),
    )
    for table, prefix, columns, title, source, concept in tables:
        for column in columns:
            sub = seed[seed["series_id"] == prefix + column].sort_values("year")
            if sub.empty:
                continue
            name = f"migration.{table}.{column}"
            for r in sub.itertuples():
                year = int(r.year)
                exposure = 1.0
                flags = []
                if table == "table3_3":
                    if r.period == "Jan-Sep":
                        exposure, flags = 0.75, ["partial_year"]
                    elif r.period == "Jan-Jun":
                        exposure, flags = 0.5, ["partial_year"]
                    if year >= 2013:
                        flags.append("rounded")  # printed in hundreds (e.g. 70 500) in 2013-2014
                else:
                    flags = _flags_table31_32(column, year, r.measure)
                rows.append(
                    {
                        "name": name,
                        "year": year,
                        "value": float(r.value),
                        "exposure": exposure,
                        "flag": ";".join(flags),
                        "source": source,
                        "quote": r.quote,
                        "reference": f"{reference}:{r.line}",
                    }
                )
            catalog.append(
                {
                    "name": name,
                    "title": f"{title}: {column.replace('_', ' ')}",
                    "unit": "persons" if table == "table3_3" else "border crossings",
                    "kind": "count",
                    "concept": f"{concept}.{column}",
                    "source": source,
                    "description": "2013 column break: SPTV merged into official/business, 'Job' added"
                    if table != "table3_3"
                    else "2014 covers January-September (exposure 0.75); 2013-2014 rounded; "
                    "2009 offences and expulsions cover January-June",
                }
            )

    ext = pd.read_csv(SHARED / "external" / "migration_kaz.csv")
    names = {
        "CISSTAT.KAZ.ARRIVALS": ("arrivals", "Long-term international arrivals to Kazakhstan"),
        "CISSTAT.KAZ.DEPARTURES": ("departures", "Long-term international departures from Kazakhstan"),
        "CISSTAT.KAZ.ARRIVALS.CIS": ("arrivals_cis", "Arrivals to Kazakhstan from CIS countries"),
        "CISSTAT.KAZ.ARRIVALS.NON_CIS": ("arrivals_non_cis", "Arrivals to Kazakhstan from non-CIS countries"),
        "CISSTAT.KAZ.DEPARTURES.CIS": ("departures_cis", "Departures from Kazakhstan to CIS countries"),
        "CISSTAT.KAZ.DEPARTURES.NON_CIS": ("departures_non_cis", "Departures from Kazakhstan to non-CIS countries"),
    }
    for series_id, (short, title) in names.items():
        sub = ext[ext["series_id"] == series_id].sort_values("year")
        name = f"migration.cisstat.{short}"
        for r in sub.itertuples():
            rows.append(
                {
                    "name": name,
                    "year": int(r.year),
                    "value": float(r.value),
                    "exposure": 1.0,
                    "flag": "latest_vintage" if r.year == 2025 else "",
                    "source": "CIS-Stat (Interstate Statistical Committee of the CIS)",
                    "quote": r.quote_or_row,
                    "reference": r.source,
                }
            )
        catalog.append(
            {
                "name": name,
                "title": title + " (CIS-Stat, permanent migration)",
                "unit": "persons",
                "kind": "count",
                "concept": f"permanent_migration.{short}",
                "source": "CIS-Stat via github:makenerzhan-gif/kazakhstan-economic-data",
                "description": "2025 is the latest vintage and may be revised",
            }
        )
    return pd.DataFrame(rows)[SERIES_COLUMNS], catalog


def fdi_series() -> tuple[pd.DataFrame, list[dict[str, str]]]:
    ext = pd.read_csv(SHARED / "external" / "fdi_kaz.csv")
    spec = {
        "IMF_BOP.DI_LIAB_NET.KAZ": (
            "fdi.bop.net_liabilities_usd",
            "Direct-investment liabilities, net incurrence (IMF balance of payments, Kazakhstan)",
            "USD million",
            "signed",
            "bop_di_liabilities_net_incurrence",
            "IMF BOP item L_NIL_T.D_F; the concept behind WDI BX.KLT.DINV.CD.WD, not that series itself",
        ),
        "WIIW.FDI_INFLOW.CHN": (
            "fdi.wiiw.inflow.chn_eur",
            "FDI inflow from China, net (wiiw / National Bank of Kazakhstan)",
            "EUR million",
            "signed",
            "fdi_net_inflow_by_partner",
            "directional principle (BPM6) from 2013; negative in 2015-2020",
        ),
        "WIIW.FDI_INFLOW.WLD": (
            "fdi.wiiw.inflow.world_eur",
            "FDI inflow from the world, net (wiiw / National Bank of Kazakhstan)",
            "EUR million",
            "signed",
            "fdi_net_inflow_by_partner",
            "directional principle (BPM6) from 2013",
        ),
        "WIIW.FDI_STOCK.CHN": (
            "fdi.wiiw.stock.chn_eur",
            "Inward FDI stock held by China (wiiw / National Bank of Kazakhstan)",
            "EUR million",
            "positive",
            "fdi_stock_by_partner",
            "directional principle (BPM6) from 2013",
        ),
        "WIIW.FDI_STOCK.WLD": (
            "fdi.wiiw.stock.world_eur",
            "Inward FDI stock, all partners (wiiw / National Bank of Kazakhstan)",
            "EUR million",
            "positive",
            "fdi_stock_by_partner",
            "directional principle (BPM6) from 2013",
        ),
    }
    rows: list[dict[str, object]] = []
    catalog: list[dict[str, str]] = []
    for series_id, (name, title, unit, kind, concept, description) in spec.items():
        sub = ext[ext["series_id"] == series_id].sort_values("year")
        wiiw = series_id.startswith("WIIW")
        for r in sub.itertuples():
            flags = []
            if wiiw and r.year == 2013:
                flags.append("definition_break")  # BPM6 directional principle from 2013
            if r.year == 2025:
                flags.append("latest_vintage")
            rows.append(
                {
                    "name": name,
                    "year": int(r.year),
                    "value": float(r.value),
                    "exposure": 1.0,
                    "flag": ";".join(flags),
                    "source": "wiiw FDI database (National Bank of Kazakhstan)" if wiiw else "IMF balance of payments",
                    "quote": r.quote_or_row,
                    "reference": r.source,
                }
            )
        catalog.append(
            {
                "name": name,
                "title": title,
                "unit": unit,
                "kind": kind,
                "concept": concept,
                "source": sub["source"].iloc[0],
                "description": description,
            }
        )
    return pd.DataFrame(rows)[SERIES_COLUMNS], catalog


POINT_COLUMNS = ["id", "topic", "year", "period", "value", "unit", "concept", "source", "quote", "reference"]


def _topic(series_id: str, flow: str) -> str:
    text = f"{series_id} {flow}".lower()
    for key, topic in (
        ("kandas", "repatriates"),
        ("oralman", "repatriates"),
        ("repatriat", "repatriates"),
        ("student", "students"),
        ("worker", "workers"),
        ("permit", "permits"),
        ("flf_", "workers"),
    ):
        if key in text:
            return topic
    return "stocks"


def migration_points() -> pd.DataFrame:
    rows: list[dict[str, object]] = []
    ext = pd.read_csv(SHARED / "external" / "migration_kaz.csv")
    for r in ext[~ext["series_id"].str.startswith("CISSTAT")].itertuples():
        rows.append(
            {
                "id": r.series_id,
                "topic": _topic(r.series_id, r.flow),
                "year": int(r.year),
                "period": r.flow,
                "value": float(r.value),
                "unit": r.unit,
                "concept": r.flow,
                "source": r.source,
                "quote": r.quote_or_row,
                "reference": r.source,
            }
        )
    seed = pd.read_csv(SHARED / "seed_extract" / "migration.csv")
    keep = (
        "students_kz_in_cn",
        "students_cn_in_kz",
        "flf_cn_permits_issued",
        "flf_cn_recruited",
        "flf_cn_recruited_mol",
        "flf_total_recruited",
        "flf_cn_share",
        "oralmans_from_cn_annual",
        "oralmans_from_cn_cumulative_mia",
        "oralmans_cn_retaining_cn_citizenship",
        "cn_citizens_staying_kz",
        "census2009_cn_citizens",
        "ethnic_chinese_diaspora_kz",
    )
    for r in seed[seed["series_id"].isin(keep) & seed["year"].notna()].itertuples():
        rows.append(
            {
                "id": f"seed.{r.series_id}",
                "topic": _topic(r.series_id, str(r.flow)),
                "year": int(r.year),
                "period": r.period,
                "value": float(r.value),
                "unit": r.unit,
                "concept": r.measure,
                "source": r.reporter,
                "quote": r.quote,
                "reference": f"seeds/{r.source_file}:{r.line}",
            }
        )
    return pd.DataFrame(rows)[POINT_COLUMNS].sort_values(["topic", "id", "year"]).reset_index(drop=True)


def fdi_points() -> pd.DataFrame:
    rows: list[dict[str, object]] = []
    ext = pd.read_csv(SHARED / "external" / "fdi_kaz.csv")
    for r in ext[ext["series_id"].str.startswith("NEWS")].itertuples():
        rows.append(
            {
                "id": r.series_id,
                "topic": "china" if r.partner == "CHN" else "world",
                "year": int(r.year),
                "period": "annual",
                "value": float(r.value),
                "unit": r.unit,
                "concept": r.flow,
                "source": r.source,
                "quote": r.quote_or_row,
                "reference": r.source,
            }
        )
    seed = pd.read_csv(SHARED / "seed_extract" / "fdi.csv")
    seed = seed[seed["unit"].str.contains("USD", na=False) & seed["year"].notna() & (seed["flow"] == "fdi_inflow")]
    for r in seed.itertuples():
        rows.append(
            {
                "id": f"seed.{r.series_id}",
                "topic": "china" if "cn" in r.series_id.split("_") or "China" in str(r.partner) else "world",
                "year": int(r.year),
                "period": r.period,
                "value": float(r.value),
                "unit": r.unit,
                "concept": "gross_inward_fdi",
                "source": r.reporter,
                "quote": r.quote,
                "reference": f"seeds/{r.source_file}:{r.line}",
            }
        )
    return pd.DataFrame(rows)[POINT_COLUMNS].sort_values(["topic", "id", "year"]).reset_index(drop=True)


# --------------------------------------------------------------------------------------------------
# 6. Pair covariates for the world panel: geography (packaged), agreements and hubs (typed, quoted)
# --------------------------------------------------------------------------------------------------
ATLAS_PACKAGE = "pyworldatlas"

GEOGRAPHY_COLUMNS = [
    "iso3", "name", "covered", "capital", "capital_lat", "capital_lon", "coastline_km", "landlocked", "flag",
]  # fmt: skip
BORDER_COLUMNS = ["iso3_a", "iso3_b", "review_status", "evidence"]
AGREEMENT_COLUMNS = [
    "agreement", "kind", "iso3", "year_from", "year_to", "source_url", "quote", "source_url_end", "quote_end", "note",
]  # fmt: skip
HUB_COLUMNS = ["iso3", "source_url", "quote"]
SOURCE_COLUMNS = ["covariate", "source", "version", "licence", "reference", "notes"]


PARTIAL_COASTLINE = ("PSE",)
"""Codes whose package coastline covers one part of the territory only (landlocked left missing, flagged)."""


def _atlas() -> tuple[object, str]:
    """The SQLite file shipped inside pyworldatlas, and the package version."""
    import importlib.metadata
    import importlib.resources
    import sqlite3

    path = importlib.resources.files(ATLAS_PACKAGE) / "data" / "atlas.sqlite3"
    return sqlite3.connect(str(path)), importlib.metadata.version(ATLAS_PACKAGE)


def panel_codes(panel: pd.DataFrame) -> list[str]:
    return sorted(set(panel["reporter"].astype(str)) | set(panel["partner"].astype(str)))


def country_geography(codes: list[str]) -> pd.DataFrame:
    """Capital coordinates (GeoNames) and coastline (CIA World Factbook) per DOTS code, from pyworldatlas.

    ``landlocked`` is ``coastline_km == 0`` (the Factbook prints "0 km (landlocked)"; the Caspian states
    Kazakhstan, Turkmenistan and Azerbaijan count as landlocked, as the Factbook has them). Codes the
    package does not hold (historical states, Taiwan, Kosovo, Belgium-Luxembourg) keep empty values and
    flag ``not_covered``; the loaders turn them into missing values, never into 0 or False.
    """
    con, _ = _atlas()
    atlas = pd.read_sql(
        "select c.alpha3 as iso3, c.name, k.name as capital, k.latitude as capital_lat, "
        "k.longitude as capital_lon, p.coastline_km from country c "
        "join capital k on k.country_id = c.id and k.is_primary = 1 "
        "left join country_physical p on p.country_id = c.id",
        con,
    )
    out = pd.DataFrame({"iso3": codes}).merge(atlas, on="iso3", how="left")
    out["covered"] = out["capital_lat"].notna()
    out["landlocked"] = out["coastline_km"].eq(0).where(out["coastline_km"].notna()).astype("boolean")
    out["flag"] = np.where(
        out["covered"], np.where(out["coastline_km"].isna(), "no_coastline_figure", ""), "not_covered"
    )
    # The Factbook profiles the West Bank (0 km) and the Gaza Strip (40 km) apart; the package's single
    # Palestine record carries 0 km, which would call a state with a coastline landlocked.
    partial = out["iso3"].isin(PARTIAL_COASTLINE)
    out.loc[partial, "landlocked"] = pd.NA
    out.loc[partial, "flag"] = "coastline_of_one_part"
    out["name"] = out["name"].fillna("")
    out["capital"] = out["capital"].fillna("")
    return out[GEOGRAPHY_COLUMNS]


def land_borders(codes: list[str]) -> pd.DataFrame:
    """Land borders between DOTS codes: pyworldatlas' reviewed graph (GeoNames neighbours x Natural Earth)."""
    con, _ = _atlas()
    borders = pd.read_sql(
        "select a.alpha3 as iso3_a, b.alpha3 as iso3_b, x.review_status, x.evidence_sources as evidence "
        "from country_border x join country a on a.id = x.country1_id join country b on b.id = x.country2_id",
        con,
    )
    keep = borders["iso3_a"].isin(codes) & borders["iso3_b"].isin(codes)
    borders = borders[keep].copy()
    swap = borders["iso3_a"] > borders["iso3_b"]
    borders.loc[swap, ["iso3_a", "iso3_b"]] = borders.loc[swap, ["iso3_b", "iso3_a"]].to_numpy()
    borders["evidence"] = borders["evidence"].str.replace(r'[\[\]" ]', "", regex=True).str.replace(",", ";")
    return borders.sort_values(["iso3_a", "iso3_b"]).reset_index(drop=True)[BORDER_COLUMNS]


_EU_GUIDE = "https://guides.library.illinois.edu/c.php?g=1226533&p=8974518"
_EU_PAST = "http://ec.europa.eu/enlargement/archives/enlargement_process/past_enlargements/index_en.htm"
_EU_BREXIT = "https://app.croneri.co.uk/topics/eu-exit/summary?product=142"
_EAEU = "https://en.wikipedia.org/wiki/Member_states_of_the_Eurasian_Economic_Union"
_SACU = "https://extranet.sacu.int/Pages/AboutUs.aspx"
_SACU_NAM = "https://www.afdb.org/en/news-and-events/the-oldest-customs-union-in-the-world-hails-from-africa-12515"
_MERCOSUR = "http://sciref.net/o54780.html"
_NAFTA = "https://zg24kc9ruugx6nmr.roads-uae.com/eurostat/statistics-explained/index.php?title=Glossary%3ANAFTA"
_CUSFTA = (
    "https://qeeebo.com/questions/wha/35/620/what-year-did-the-north-american-free-trade-agreement-nafta-go-into-effect"
)
_EFTA = "https://gateway.ipfs.io/ipfs/QmXoypizjW3WknFiJnKLwHCnL72vedxjQkDDP1mXWo6uco/wiki/EFTA.html"
_EFTA_2003 = "http://web.archive.org/web/20030212100244/http:/www.efta.int/"
_EEA = "https://howlingpixel.com/i-en/European_Economic_Area"
_EU_TUR = "https://en.wikipedia.org/wiki/European_Union%E2%80%93Turkey_Customs_Union"
_EU_TUR_1996 = "https://irishtimes.com/news/customs-union-to-benefit-both-turkey-and-ireland-1.44424"

_EU_MEMBERS = {  # ISO3: (accession year, the guide's line)
    "AUT": 1995, "BEL": 1958, "BGR": 2007, "HRV": 2013, "CYP": 2004, "CZE": 2004, "DNK": 1973, "EST": 2004,
    "FIN": 1995, "FRA": 1958, "DEU": 1958, "GRC": 1981, "HUN": 2004, "IRL": 1973, "ITA": 1958, "LVA": 2004,
    "LTU": 2004, "LUX": 1958, "MLT": 2004, "NLD": 1958, "POL": 2004, "PRT": 1986, "ROU": 2007, "SVK": 2004,
    "SVN": 2004, "ESP": 1986, "SWE": 1995,
}  # fmt: skip
_EU_GUIDE_NAMES = {
    "AUT": "Austria", "BEL": "Belgium", "BGR": "Bulgaria", "HRV": "Croatia", "CYP": "Cyprus", "CZE": "Czechia",
    "DNK": "Denmark", "EST": "Estonia", "FIN": "Finland", "FRA": "France", "DEU": "Germany", "GRC": "Greece",
    "HUN": "Hungary", "IRL": "Ireland", "ITA": "Italy", "LVA": "Latvia", "LTU": "Lithuania", "LUX": "Luxembourg",
    "MLT": "Malta", "NLD": "Netherlands", "POL": "Poland", "PRT": "Portugal", "ROU": "Romania", "SVK": "Slovakia",
    "SVN": "Slovenia", "ESP": "Spain", "SWE": "Sweden",
}  # fmt: skip


def trade_agreements() -> pd.DataFrame:
    """Customs unions and free-trade areas by member and years in force, typed with a quote per row.

    A member counts in every calendar year from ``year_from`` to ``year_to`` (empty: still in force),
    both inclusive, including a year it joined or left part-way. ``iso3 = "*eu"`` stands for every member
    of ``eu_customs_union`` in that year (the EEA and the EU-Turkey customs union join the EU as a
    whole). Only the agreements listed are coded: a pair outside them may still have another agreement.
    """
    rows: list[tuple[object, ...]] = []

    def add(agreement: str, kind: str, iso3: str, y0: int, y1: int | None, url: str, quote: str,
            url_end: str = "", quote_end: str = "", note: str = "") -> None:  # fmt: skip
        rows.append((agreement, kind, iso3, y0, y1, url, quote, url_end, quote_end, note))

    for iso3, year in _EU_MEMBERS.items():
        add("eu_customs_union", "customs_union", iso3, year, None, _EU_GUIDE, f"{_EU_GUIDE_NAMES[iso3]} - {year}")
    add(
        "eu_customs_union", "customs_union", "GBR", 1973, 2020, _EU_PAST,
        "In 1973, Denmark, Ireland and the United Kingdom joined the European Union.", _EU_BREXIT,
        "The UK left the Customs Union and Single Market arrangement with the EU on 31 December 2020.",
    )  # fmt: skip
    eu_tur = (
        "On 31 December 1995, a 6 March 1995 Decision of the EC-Turkey Association Council, established by the "
        "Ankara Agreement, to implement a customs union (Turkish: Gümrük Birliği) between Turkey and the European "
        "Union, came into effect."
    )
    note_tur = "industrial goods; agriculture, services and public procurement are outside it"
    tur_1996 = (
        "THE Customs Union that took effect as of January 1st, 1996, is a major step towards Turkey's full "
        "integration with the European Union."
    )
    for iso3 in ("TUR", "*eu"):
        add("eu_turkey_customs_union", "customs_union", iso3, 1996, None, _EU_TUR_1996, tur_1996,
            note=f"{note_tur}. {eu_tur}")  # fmt: skip
    eaeu = (
        "In 2010 three core states (Russia, Belarus and Kazakhstan) pursued integration and founded the Eurasian "
        "Customs Union and the Single Economic Space."
    )
    for iso3 in ("RUS", "BLR", "KAZ"):
        add("eurasian_customs_union", "customs_union", iso3, 2010, None, _EAEU, eaeu,
            note="Customs Union 2010, Eurasian Economic Union from 2015")  # fmt: skip
    add("eurasian_customs_union", "customs_union", "ARM", 2015, None, _EAEU,
        "On 9 October 2014 Armenia signed the treaty and became the newest member state of the EEU on accession "
        "on 2 January 2015.")  # fmt: skip
    add(
        "eurasian_customs_union",
        "customs_union",
        "KGZ",
        2015,
        None,
        _EAEU,
        "Kyrgyzstan signed an accession treaty on 23 December 2014, which came into force on 6 August 2015.",
    )
    sacu = "SACU was established in 1910, making it the world's oldest Customs Union."
    for iso3 in ("ZAF", "BWA", "LSO", "SWZ"):
        add("sacu", "customs_union", iso3, 1910, None, _SACU, sacu,
            note="members: The Southern African Customs Union (SACU) consists of Botswana, Eswatini, Lesotho, "
            "Namibia and South Africa.")  # fmt: skip
    add("sacu", "customs_union", "NAM", 1990, None, _SACU_NAM,
        "In 1990, a freshly independent Namibia joined its four neighbours in the SACU.")  # fmt: skip
    mercosur = (
        "Following protracted negotiations on tariffs, the final presidential accord to create the customs union "
        "was signed on 17 December 1994 and Mercosur was inaugurated on 1 January 1995."
    )
    for iso3 in ("ARG", "BRA", "PRY", "URY"):
        add("mercosur", "customs_union", iso3, 1995, None, _MERCOSUR, mercosur,
            note="members: Founded in March 1991, with the aim of creating a common market in the area, "
            "Mercosur's member states were Argentina, Brazil, Paraguay, and Uruguay. Venezuela (full member "
            "2012, suspended 2016) is not coded: it never applied the common external tariff")  # fmt: skip
    nafta = (
        "It entered into force on January 1, 1994, and gradually eliminated most tariffs and trade barriers on "
        "products and services among the 3 countries. NAFTA was replaced by the U.S.-Mexico-Canada Agreement "
        "(USMCA) on July 1, 2020, which updated and modified the terms of trade."
    )
    for iso3 in ("USA", "CAN", "MEX"):
        add("nafta_usmca", "free_trade_area", iso3, 1994, None, _NAFTA, nafta)
    cusfta = (
        "NAFTA replaced the earlier Canada–United States Free Trade Agreement, which had been in effect since 1989, "
        "expanding the bilateral arrangement to include Mexico and creating a comprehensive trilateral framework12."
    )
    for iso3 in ("USA", "CAN"):  # ends when NAFTA, in force from 1 January 1994, replaced it
        add("cusfta", "free_trade_area", iso3, 1989, 1993, _CUSFTA, cusfta, _NAFTA, nafta)
    efta = (
        "The EFTA was established on 3 May 1960 as an alternative trade bloc for European states who were unable "
        "or unwilling to join the then European Economic Community (EEC) (which subsequently became the EU)."
    )
    for iso3 in ("NOR", "CHE"):
        add("efta", "free_trade_area", iso3, 1960, None, _EFTA, efta,
            note="founders: Today only two founding members remain: Norway and Switzerland.")  # fmt: skip
    efta_2003 = "Iceland, Liechtenstein, Norway and Switzerland are members of EFTA."
    for iso3 in ("ISL", "LIE"):
        add("efta", "free_trade_area", iso3, 2003, None, _EFTA_2003, efta_2003,
            note="members before 2003 (joined 1970 and 1991); 2003 is the earliest year the stored quote "
            "(an efta.int page archived in 2003) establishes")  # fmt: skip
    eea = "The EEA was established on 1 January 1994 upon entry into force of the EEA Agreement."
    for iso3 in ("ISL", "NOR"):
        add("eea", "free_trade_area", iso3, 1994, None, _EEA, eea,
            note="The EEA links the European Union member states and three European Free Trade Association "
            "states (Iceland, Liechtenstein, and Norway)")  # fmt: skip
    add("eea", "free_trade_area", "*eu", 1994, None, _EEA, eea)
    out = pd.DataFrame(rows, columns=AGREEMENT_COLUMNS)
    out["year_to"] = out["year_to"].astype("Int64")
    return out.sort_values(["agreement", "iso3"]).reset_index(drop=True)


def reexport_hubs() -> pd.DataFrame:
    """Entrepôt economies named as major re-exporters in the quoted sources (time-invariant list)."""
    khaleej = "https://www.khaleejtimes.com/business/uae-emerging-as-third-largest-re-export-centre"
    uae = (
        "As international trade expanded with globalisation, re-export trade grew alongside, with the UAE emerging "
        "as the third largest re-export centre, after Hong Kong and Singapore, with a volume worth $7.6 billion, "
        "according to the WTO and UAE trade statistics."
    )
    cpb = "http://godutch.com/newspaper/index.php?id=1158"
    kgz = (
        "They demonstrate how Kyrgyzstan has become in less than a decade the re-export platform for Chinese consumer "
        "goods bound for Central Asia (with around $2 billion of re-exported goods in 2006, and an estimated $3.7 "
        "billion for 2007)."
    )
    rows = [
        ("HKG", khaleej, uae),
        ("SGP", khaleej, uae),
        ("ARE", khaleej, uae),
        ("NLD", cpb, "Within Europe, the Netherlands has with 50 percent the highest rate of such re-exports."),
        (
            "BEL",
            cpb,
            "In Germany, re-exports contributed 16 percent to total volume of exported industrial products "
            "in 2000, while Belgium came in at 33 percent.",
        ),
        (
            "KGZ",
            "https://wikistan.ehess.fr/reviews/entrepot-for-chinese-consumer-goods-in-central-asia-the-puzzle-"
            "of-the-re-export-through-kyrgyz-bazaars/",
            kgz,
        ),
    ]
    return pd.DataFrame(rows, columns=HUB_COLUMNS)


def covariate_sources() -> pd.DataFrame:
    con, version = _atlas()
    src = pd.read_sql("select id, name, version, license_name from source", con).set_index("id")

    def cite(key: str) -> str:
        return f"{src.loc[key, 'name']} {src.loc[key, 'version']} ({src.loc[key, 'license_name']})"

    atlas = f"PyPI package {ATLAS_PACKAGE} {version} (MIT), data/atlas.sqlite3"
    rows = [
        ("distance_km", atlas, version, "MIT; GeoNames CC BY 4.0", cite("geonames"),
         "great-circle (haversine, mean Earth radius 6,371.0088 km) between primary capitals' GeoNames coordinates"),
        ("contiguous", atlas, version, "MIT; GeoNames CC BY 4.0; Natural Earth public domain",
         f"{cite('geonames')}; {cite('natural-earth')}; {cite('reviewed-borders')}",
         "shared land border in the package's reviewed border graph (table country_border)"),
        ("landlocked", atlas, version, "MIT; CIA World Factbook public domain", cite("cia-world-factbook-2025"),
         "coastline_km == 0 in the Factbook's Geography field (Caspian states count as landlocked)"),
        ("common_customs_union", "typed list with a quote per row (data/trade_agreements.csv)", "", "short quotations",
         "source_url and quote columns of trade_agreements.csv",
         "EU customs union (incl. UK to 2020), EU-Turkey customs union 1996, Eurasian Customs Union 2010 / EAEU, "
         "SACU, Mercosur 1995; other customs unions are not coded"),
        ("common_fta", "typed list with a quote per row (data/trade_agreements.csv)", "", "short quotations",
         "source_url and quote columns of trade_agreements.csv",
         "customs unions above plus CUSFTA 1989-1993, NAFTA/USMCA 1994, EFTA, EEA 1994; other FTAs are not coded"),
        ("reexport_hub", "typed list with a quote per row (data/reexport_hubs.csv)", "", "short quotations",
         "source_url and quote columns of reexport_hubs.csv",
         "HKG, SGP, ARE, NLD, BEL, KGZ: named as major re-exporters; time-invariant"),
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=SOURCE_COLUMNS)


# --------------------------------------------------------------------------------------------------
def build() -> dict[str, pd.DataFrame]:
    raw = load_dots()
    panel, world = build_dots(raw)
    migration, migration_catalog = migration_series()
    fdi, fdi_catalog = fdi_series()
    catalog = pd.DataFrame(migration_catalog + fdi_catalog)[CATALOG_COLUMNS]
    mirror = mirror_rows(panel)
    codes = panel_codes(panel)
    return {
        "dots_panel.parquet": compact(panel),
        "dots_world_totals.parquet": compact(world),
        "mirror_chn_kaz.csv": mirror,
        "evidence.csv": evidence_rows(mirror),
        "migration_series.csv": migration,
        "fdi_series.csv": fdi,
        "series_catalog.csv": catalog,
        "migration_points.csv": migration_points(),
        "fdi_points.csv": fdi_points(),
        "country_geography.csv": country_geography(codes),
        "land_borders.csv": land_borders(codes),
        "trade_agreements.csv": trade_agreements(),
        "reexport_hubs.csv": reexport_hubs(),
        "covariate_sources.csv": covariate_sources(),
    }


def write(frames: dict[str, pd.DataFrame], folder: Path) -> None:
    folder.mkdir(exist_ok=True)
    for name, frame in frames.items():
        path = folder / name
        if name.endswith(".parquet"):
            frame.to_parquet(path, index=False, compression="zstd", compression_level=22, row_group_size=2_000_000)
        else:
            frame.to_csv(path, index=False, lineterminator="\n")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


CHECKSUM_HEADER = "| file | sha256 |\n|---|---|\n"


def update_checksums(folder: Path, names: list[str]) -> None:
    """Rewrite the checksum table at the end of ``folder/README.md``."""
    readme = folder / "README.md"
    text = readme.read_text()
    head = text.split(CHECKSUM_HEADER)[0]
    rows = "".join(f"| `{name}` | `{sha256(folder / name)}` |\n" for name in names)
    readme.write_text(head + CHECKSUM_HEADER + rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    frames = build()
    write(frames, args.out)
    if (args.out / "README.md").is_file():
        update_checksums(args.out, list(frames))
    for name in frames:
        path = args.out / name
        print(f"{name}\t{len(frames[name])} rows\t{path.stat().st_size} bytes\t{sha256(path)}")


if __name__ == "__main__":
    main()
