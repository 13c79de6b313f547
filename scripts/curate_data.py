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
from pathlib import Path

import numpy as np
import pandas as pd

from borderflows.data.countries import IMF_AGGREGATES, IMF_TO_ISO3

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
    out = pd.DataFrame(rows)[MIRROR_COLUMNS]
    out["flag"] = out["flag"].fillna("")
    out = flag_restatements(out)
    return out.sort_values(["exporter", "importer", "year", "flow", "reporter", "source", "value_usd_m"]).reset_index(
        drop=True
    )


RESTATEMENT_TOL = 5.0
"""USD m: half a unit of USD bn printed with two decimals (27.95bn covers 27,945-27,955m)."""


def flag_restatements(frame: pd.DataFrame) -> pd.DataFrame:
    """Mark rounded figures that restate a precise source's report (same year, flow, reporter) as duplicates.

    The seed's 27.95bn is UN Comtrade's 27,954.3m printed in billions; letting both into a likelihood would
    count one national report twice. Such rows get flag ``duplicate`` and ``usable = False``.
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
    return out


# --------------------------------------------------------------------------------------------------
# 3. Evidence statements
# --------------------------------------------------------------------------------------------------
def seed_sentence(source_file: str, line: int, word: str) -> str:
    """The sentence of a seed line that contains ``word``, exactly as printed."""
    text = (SHARED.parent / "seeds" / source_file).read_text().splitlines()[line - 1]
    return next(s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if word in s)


def evidence_rows() -> pd.DataFrame:
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
    return out


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
def build() -> dict[str, pd.DataFrame]:
    raw = load_dots()
    panel, world = build_dots(raw)
    migration, migration_catalog = migration_series()
    fdi, fdi_catalog = fdi_series()
    catalog = pd.DataFrame(migration_catalog + fdi_catalog)[CATALOG_COLUMNS]
    return {
        "dots_panel.parquet": compact(panel),
        "dots_world_totals.parquet": compact(world),
        "mirror_chn_kaz.csv": mirror_rows(panel),
        "evidence.csv": evidence_rows(),
        "migration_series.csv": migration,
        "fdi_series.csv": fdi,
        "series_catalog.csv": catalog,
        "migration_points.csv": migration_points(),
        "fdi_points.csv": fdi_points(),
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
