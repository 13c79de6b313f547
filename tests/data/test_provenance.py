"""Provenance of the bundled data: checksums, every value in its quote, quirks flagged in the rows.

Numbers are matched after normalisation (documented in data/README.md): thousands separators (spaces,
commas) removed, European decimals ("16.909,8") read, footnote marks (*) dropped, Chinese 亿 (1e8) read,
and the stored value
may be printed at another scale (bn vs m: x1000; USD vs USD m: x1e6; share vs percent: x100).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import borderflows.data as bfd
from borderflows.data.countries import IMF_TO_ISO3
from borderflows.data.registry import DATASETS

DATA = bfd.data_dir()
SCALES = (1.0, 1e3, 1e-3, 1e6, 1e-6, 1e2, 1e-2)


def readme_checksums() -> dict[str, str]:
    text = (DATA / "README.md").read_text()
    return dict(re.findall(r"^\| `([^`]+)` \| `([0-9a-f]{64})` \|$", text, flags=re.MULTILINE))


def test_every_file_has_a_matching_checksum() -> None:
    recorded = readme_checksums()
    files = {p.name for p in DATA.iterdir() if p.is_file() and p.name != "README.md"}
    assert files == set(recorded), "each bundled file is listed once in data/README.md"
    assert {d.file for d in DATASETS.values()} == files
    for name, digest in recorded.items():
        assert hashlib.sha256((DATA / name).read_bytes()).hexdigest() == digest, name


def numbers_in(text: str) -> set[float]:
    """Every number a reader could see in ``text``, under the normalisations above."""
    found: set[float] = set()
    clean = text.replace("*", "").replace("\u00a0", " ")
    for match in re.finditer(r"\d+(?:[.,]\d+)*", clean):
        token = match.group()
        found.update(_readings(token))
        if clean[match.end() : match.end() + 1] == "亿":  # Chinese 亿 = 100 million: 198.8亿 = 19.88 bn
            found.update(v / 10 for v in _readings(token))
    tokens = re.findall(r"\d+", re.sub(r"(?<=\d)[.,](?=\d)", "", clean))
    groups = clean.split()
    for start, head in enumerate(groups):  # "15 347 486": space-separated thousands
        if not re.fullmatch(r"\d{1,3}", head):
            continue
        number = head
        for tail in groups[start + 1 :]:
            if not re.fullmatch(r"\d{3}", tail):
                break
            number += tail
            found.add(float(number))
    found.update(float(t) for t in tokens)
    return found


def _readings(token: str) -> set[float]:
    out = set()
    for candidate in (
        token.replace(",", ""),  # 1,234.5
        token.replace(".", "").replace(",", "."),  # European 16.909,8
        token.replace(",", "."),  # decimal comma 4,5
    ):
        try:
            out.add(float(candidate))
        except ValueError:
            continue
    return out


def in_quote(value: float, quote: str) -> bool:
    candidates = np.array(sorted(numbers_in(quote)))
    if candidates.size == 0 or (value < 0 and "-" not in quote):
        return False
    value = abs(value)
    return any(np.isclose(candidates, value * s, rtol=1e-6, atol=5e-4 * s).any() for s in SCALES)


def test_number_normalisation() -> None:
    assert in_quote(15347, "2000 15 347 486 8 489 12 022 7 444 43 788")
    assert in_quote(16909.8, "Population, million people (end of the year) 16.909,8 17.160,8")
    assert in_quote(27950.0, "exports to Kazakhstan totaled $27.95 billion")
    assert in_quote(0.6, "reduced from 60% in 2017")
    assert not in_quote(15348, "2000 15 347 486 8 489 12 022 7 444 43 788")
    assert not in_quote(2800.0, "China reported $3.8 billion worth of knitwear exports")


QUOTED = ["mirror_chn_kaz", "evidence", "migration_series", "fdi_series", "migration_points", "fdi_points"]

DERIVED_FROM_QUOTE = {
    # evidence rows whose value is arithmetic on numbers in the quote (checked separately below)
    "knitwear_2024_usd": (3800.0, 1000.0),
}


@pytest.mark.parametrize("name", QUOTED)
def test_every_value_appears_in_its_quote(name: str) -> None:
    frame = bfd.load_dataset(name)
    value_column = "value_usd_m" if "value_usd_m" in frame else "value"
    missing = []
    for row in frame.to_dict("records"):
        if row.get("id") in DERIVED_FROM_QUOTE:
            continue
        value = float(row[value_column])
        if not in_quote(value, str(row["quote"])):
            missing.append((row.get("id", row.get("name")), row.get("year"), value, str(row["quote"])[:80]))
    assert not missing, missing[:5]


def test_derived_evidence_values() -> None:
    ev = bfd.evidence().set_index("id")
    for evidence_id, (x, m) in DERIVED_FROM_QUOTE.items():
        quote = ev.loc[evidence_id, "quote"]
        assert in_quote(x, quote)
        assert in_quote(m, quote)
        assert ev.loc[evidence_id, "value"] == pytest.approx(x - m)


def test_seed_quotes_are_in_the_seed_text() -> None:
    seeds = Path(__file__).resolve().parents[3] / "shared" / "seeds"
    if not seeds.is_dir():
        pytest.skip("../shared/seeds not available (only in the development workspace)")
    ev = bfd.evidence()
    for row in ev.to_dict("records"):
        text = " ".join((seeds / Path(row["source_file"]).name).read_text().split())
        assert " ".join(row["quote"].split()) in text, row["id"]


# ---------------------------------------------------------------------------------------------- quirks
@pytest.fixture(scope="module")
def panel_central_asia() -> pd.DataFrame:
    return bfd.dots_panel(reporters=["CHN", "TKM", "UZB", "KAZ"], partners=["CHN", "TKM", "UZB", "KAZ"])


def _rows(panel: pd.DataFrame, reporter: str, partner: str, years: range) -> pd.DataFrame:
    sub = panel[(panel["reporter"] == reporter) & (panel["partner"] == partner) & panel["year"].isin(years)]
    assert len(sub) == 2 * len(years), "both flows present every year"
    return sub


def test_turkmenistan_2004_2019_is_derived_from_china(panel_central_asia: pd.DataFrame) -> None:
    years = range(2004, 2020)
    assert _rows(panel_central_asia, "TKM", "CHN", years)["derived_from_partner"].all()
    assert not _rows(panel_central_asia, "CHN", "TKM", years)["derived_from_partner"].any()
    tkm_2020 = panel_central_asia.query("reporter == 'TKM' and partner == 'CHN' and year == 2020")
    assert not tkm_2020["derived_from_partner"].any()  # 2020 breaks the x1.06 pattern


def test_uzbekistan_1995_1999_is_derived_from_china(panel_central_asia: pd.DataFrame) -> None:
    years = range(1995, 2000)
    assert _rows(panel_central_asia, "UZB", "CHN", years)["derived_from_partner"].all()
    assert not _rows(panel_central_asia, "CHN", "UZB", years)["derived_from_partner"].any()
    assert not _rows(panel_central_asia, "UZB", "CHN", range(2000, 2016))["derived_from_partner"].any()


def test_panel_values_match_the_full_precision_dots_figures() -> None:
    """The panel stores float32; the mirror file keeps DOTS's float64 originals for China-Kazakhstan."""
    mirror = bfd.load_dataset("mirror_chn_kaz")
    dots = mirror[mirror["source"] == "imf_dots"]
    panel = bfd.dots_panel(reporters=["CHN", "KAZ"], partners=["CHN", "KAZ"])
    panel = panel.assign(flow=panel["flow"].map({"exports_fob": "exports", "imports_cif": "imports"}))
    merged = dots.merge(panel, on=["year", "flow", "reporter", "partner"], suffixes=("_orig", "_panel"))
    assert len(merged) == len(dots) == 29 * 4  # 1992-2020, both directions, both reporters
    relative = (merged["value_usd_m_panel"] - merged["value_usd_m_orig"]).abs() / merged["value_usd_m_orig"]
    assert relative.max() < 6e-7  # 7 significant digits (data/README.md)
    short = merged["value_usd_m_orig"].map(lambda v: len(f"{v:.10g}".replace(".", "").lstrip("0")) <= 7)
    # figures of at most 7 significant digits come back as printed (the originals carry Excel noise ~1e-14)
    assert np.allclose(merged.loc[short, "value_usd_m_panel"], merged.loc[short, "value_usd_m_orig"], rtol=1e-12)
    assert short.sum() > 20


def test_dots_panel_has_no_aggregates() -> None:
    codes = set(IMF_TO_ISO3.values())
    panel = bfd.dots_panel()
    assert set(panel["reporter"]) <= codes
    assert set(panel["partner"]) <= codes
    assert (panel["reporter"] != panel["partner"]).all()
    world = bfd.world_totals("KAZ")
    assert set(world["flow"]) == {"exports_fob", "imports_cif"}
    assert len(panel) == 1_889_561  # rows documented in data/README.md


def test_mirror_quirk_flags() -> None:
    obs = bfd.load_dataset("mirror_chn_kaz")
    wits = obs[obs["source"] == "wits"].set_index(["year", "flow"])
    assert wits.loc[(2020, "imports"), "flag"] == "misattributed"
    assert wits.loc[(2020, "exports"), "flag"] == "misattributed"
    assert wits.loc[(1998, "imports"), "flag"] == "inconsistent"
    assert not wits.loc[[(2020, "imports"), (2020, "exports"), (1998, "imports")], "usable"].any()
    for year in (2021, 2022):  # 2.42bn and 3.58bn imports against the bureau's 8.23bn and 11.14bn
        assert (wits.loc[[(year, "imports"), (year, "exports")], "flag"] == "misattributed").all()
        assert not wits.loc[[(year, "imports"), (year, "exports")], "usable"].any()
    assert round(wits.loc[(2021, "imports"), "value_usd_m"] / 1000, 2) == 2.42
    assert round(wits.loc[(2022, "imports"), "value_usd_m"] / 1000, 2) == 3.58
    assert wits.loc[(2023, "imports"), "flag"] == "inconsistent"  # 16.77bn vs the bureau's 15.39bn
    assert not wits.loc[(2023, "imports"), "usable"]
    flagged = [(y, f) for y in (2020, 2021, 2022, 2024) for f in ("imports", "exports")]
    flagged += [(1998, "imports"), (2023, "imports")]
    unflagged = wits.drop(index=flagged)
    assert (unflagged["flag"] == "").all()
    seed = obs[obs["source"] == "seed"]
    assert seed["flag"].str.contains("rounded").all()
    seed_2024 = seed[seed["year"] == 2024].set_index("flow")
    assert seed_2024["value_usd_m"].to_dict() == {"exports": 27950.0, "imports": 15150.0}
    # ... restating UN Comtrade's 27,954.3 and 15,153.5 USD m: kept for provenance, never counted twice
    assert seed_2024["flag"].str.contains("duplicate").all()
    assert not seed_2024["usable"].any()
    seed_2023 = seed[(seed["year"] == 2023) & (seed["flow"] != "turnover")]
    assert len(seed_2023) == 2
    # another vintage of the bureau's report (14.9bn / 15.2bn vs 14,666m / 15,389m): kept, never counted twice
    assert seed_2023["flag"].str.contains("superseded").all()
    assert not seed_2023["usable"].any()
    turnovers = obs[obs["flow"] == "turnover"]
    assert not turnovers["usable"].any()
    assert {(2005, "KAZ"), (2005, "CHN"), (2010, "KAZ"), (2010, "CHN")} <= set(
        zip(turnovers["year"], turnovers["reporter"], strict=True)
    )


def test_table_3_3_partial_and_rounded_years() -> None:
    total = bfd.series("migration.table3_3.registered_total")
    frame = total.to_frame().set_index("year")
    assert frame.loc[2014, "exposure"] == 0.75
    assert "partial_year" in frame.loc[2014, "flag"]
    assert "rounded" in frame.loc[2013, "flag"]
    assert "rounded" in frame.loc[2014, "flag"]
    assert (frame.loc[2000:2012, "exposure"] == 1.0).all()
    offences = bfd.series("migration.table3_3.admin_offences").to_frame().set_index("year")
    assert offences.loc[2009, "exposure"] == 0.5  # January-June only


def test_sptv_job_break_is_flagged() -> None:
    for table in ("table3_1", "table3_2"):
        sptv = bfd.series(f"migration.{table}.sptv")
        job = bfd.series(f"migration.{table}.job")
        assert sptv.years.max() == 2012
        assert job.years.tolist() == [2013, 2014]
        assert all("definition_break" in f for f in job.flags)
        business = bfd.series(f"migration.{table}.official_business").to_frame().set_index("year")
        assert business.loc[2013:2014, "flag"].str.contains("definition_break").all()
        assert (business.loc[2000:2012, "flag"] == "").all()


def test_fdi_concepts_are_separate() -> None:
    catalog = bfd.list_series().set_index("name")
    fdi = catalog[catalog.index.str.startswith("fdi.")]
    assert fdi.loc["fdi.bop.net_liabilities_usd", "unit"] == "USD million"
    assert fdi.loc["fdi.wiiw.inflow.chn_eur", "unit"] == "EUR million"
    assert fdi.loc["fdi.bop.net_liabilities_usd", "concept"] != fdi.loc["fdi.wiiw.inflow.world_eur", "concept"]
    assert (fdi.loc["fdi.bop.net_liabilities_usd", ["first_year", "last_year"]] == [1995, 2025]).all()
    wiiw = bfd.series("fdi.wiiw.inflow.chn_eur")
    assert (wiiw.values[(wiiw.years >= 2015) & (wiiw.years <= 2020)] < 0).all()  # net directional, negative
    gross = bfd.points("china", domain="fdi")
    point_2024 = gross[(gross["year"] == 2024) & (gross["concept"] == "gross_inward_fdi")]
    assert point_2024["value"].tolist() == [1.2]
    assert point_2024["unit"].tolist() == ["billion USD"]


def test_cisstat_series_cover_1991_2025() -> None:
    arrivals = bfd.series("migration.cisstat.arrivals", concept="permanent_migration.arrivals", unit="persons")
    assert arrivals.years.tolist() == list(range(1991, 2026))
    assert arrivals.kind == "count"
    assert arrivals.flags[-1] == "latest_vintage"


def test_sparse_point_tables_have_each_topic() -> None:
    topics = set(bfd.points()["topic"])
    assert {"workers", "permits", "students", "repatriates"} <= topics


def test_readme_states_the_default_source_rule_of_the_code() -> None:
    text = " ".join((DATA / "README.md").read_text().split())
    order = ", ".join(f"`{source}`" for source in bfd.SOURCE_PRIORITY)
    assert f"in the order {order}" in text


TRANSCRIBED = {  # (reporter, flow, year): source of the 2021-2023 rows read in the two public repositories
    **{("CHN", flow, year): "un_comtrade" for flow in ("exports", "imports") for year in (2021, 2022, 2023)},
    **{("KAZ", flow, year): "kz_bns" for flow in ("exports", "imports") for year in (2021, 2022, 2023)},
}


def test_2021_2023_rows_record_repository_file_commit_and_units() -> None:
    obs = bfd.load_dataset("mirror_chn_kaz")
    for (reporter, flow, year), source in TRANSCRIBED.items():
        row = obs[(obs["reporter"] == reporter) & (obs["flow"] == flow) & (obs["year"] == year)]
        row = row[row["source"] == source]
        assert len(row) == 1, (reporter, flow, year)
        reference = row["reference"].iloc[0]
        assert re.search(r"@[0-9a-f]{40} ", reference), reference
        assert ("comtrade_chn_reporter.csv" in reference) == (source == "un_comtrade")
        assert reference.endswith("; USD)") if source == "un_comtrade" else reference.endswith("; USD thousand)")
        quote = row["quote"].iloc[0]
        scale = 1e6 if source == "un_comtrade" else 1e3  # the file's unit per USD m
        printed = f"{row['value_usd_m'].iloc[0] * scale:.5f}".rstrip("0").rstrip(".")
        assert printed[:10] in quote.replace('"', ""), (printed, quote)
        assert row["usable"].iloc[0]
        assert row["flag"].iloc[0] == ""
