"""The mirror-pair contract: columns, the 2024 headline pair, the default-source rule, other pairs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import borderflows.data as bfd
from borderflows.data.mirror import SOURCE_PRIORITY
from borderflows.exceptions import DataValidationError


@pytest.fixture(scope="module")
def chn_kaz() -> bfd.MirrorPair:
    return bfd.mirror_pair("CHN", "KAZ")


def test_contract_columns(chn_kaz: bfd.MirrorPair) -> None:
    assert list(chn_kaz.observations.columns) == [
        "year", "flow", "reporter", "partner", "source", "value_usd_m", "valuation", "flag", "usable",
        "is_default", "quote",
    ]  # fmt: skip
    assert list(chn_kaz.table.columns) == [
        "year", "exports_reported", "imports_reported", "exports_source", "imports_source", "exports_usable",
        "imports_usable", "gap_usd_m", "ratio",
    ]  # fmt: skip
    assert chn_kaz.table["year"].dtype == np.int64
    assert (chn_kaz.exporter, chn_kaz.importer) == ("CHN", "KAZ")


def test_2024_pair_is_27_95_vs_15_15(chn_kaz: bfd.MirrorPair) -> None:
    row = chn_kaz.table.set_index("year").loc[2024]
    # Seed 000 line 26 prints the UN Comtrade figures rounded to USD 10m.
    assert round(row["exports_reported"] / 1000, 2) == 27.95
    assert round(row["imports_reported"] / 1000, 2) == 15.15
    assert row["exports_source"] == row["imports_source"] == "un_comtrade"
    assert row["gap_usd_m"] == pytest.approx(row["exports_reported"] - row["imports_reported"])
    assert row["ratio"] == pytest.approx(row["imports_reported"] / row["exports_reported"])


def test_every_dots_year_present_both_sides(chn_kaz: bfd.MirrorPair) -> None:
    table = chn_kaz.table.set_index("year")
    years = list(range(1992, 2021))
    assert set(years) <= set(table.index)
    assert table.loc[years, ["exports_reported", "imports_reported"]].notna().all().all()
    assert (table.loc[years, "exports_source"] == "imf_dots").all()


def test_one_default_per_year_and_flow_and_it_follows_the_rule(chn_kaz: bfd.MirrorPair) -> None:
    obs = chn_kaz.observations
    trade = obs[obs["flow"] != "turnover"]
    counts = trade[trade["is_default"]].groupby(["year", "flow"]).size()
    assert (counts == 1).all()
    assert counts.index.nunique() == trade.groupby(["year", "flow"]).ngroups
    rank = {s: i for i, s in enumerate(SOURCE_PRIORITY)}
    for (_, _), group in trade.groupby(["year", "flow"]):
        default = group[group["is_default"]].iloc[0]
        usable = group[group["usable"]]
        if len(usable):
            assert default["usable"]
            assert rank[default["source"]] == min(rank[s] for s in usable["source"])
    assert not obs.loc[obs["flow"] == "turnover", "is_default"].any()


def test_2020_default_avoids_misattributed_wits(chn_kaz: bfd.MirrorPair) -> None:
    obs = chn_kaz.observations
    wits = obs[(obs["year"] == 2020) & (obs["source"] == "wits")].iloc[0]
    assert wits["flag"] == "misattributed"
    assert not wits["usable"]
    assert not wits["is_default"]
    imports_2020 = chn_kaz.table.set_index("year").loc[2020, "imports_reported"]
    assert imports_2020 > 6000  # DOTS 6,346 vs WITS 1,955 (external/NOTES.md quirk 2)


def test_derived_years_shown_but_not_usable(chn_kaz: bfd.MirrorPair) -> None:
    table = chn_kaz.table.set_index("year")
    assert not table.loc[1992, "imports_usable"]
    assert not table.loc[1993, "imports_usable"]
    assert table.loc[1994:2020, "imports_usable"].all()


def test_reverse_direction_and_imf_names() -> None:
    reverse = bfd.mirror_pair("Kazakhstan, Rep. of", "china, p.r.: mainland")
    assert (reverse.exporter, reverse.importer) == ("KAZ", "CHN")
    obs = reverse.observations
    trade = obs[obs["flow"] != "turnover"]
    assert set(trade.loc[trade["flow"] == "exports", "reporter"]) == {"KAZ"}
    assert set(trade.loc[trade["flow"] == "imports", "reporter"]) == {"CHN"}
    # China-reported imports from Kazakhstan 2024 (UN Comtrade, 15,911.6 USD m).
    assert reverse.table.set_index("year").loc[2024, "imports_reported"] == pytest.approx(15911.621031)


def test_years_filter_and_hash(chn_kaz: bfd.MirrorPair) -> None:
    sub = bfd.mirror_pair("CHN", "KAZ", years=(2015, 2020))
    assert sub.years == list(range(2015, 2021))
    assert sub.gaps == []
    assert bfd.mirror_pair("CHN", "KAZ", years=[2019, 2024]).gaps == list(range(2020, 2024))
    assert sub.data_hash == bfd.mirror_pair("CHN", "KAZ", years=(2015, 2020)).data_hash
    assert sub.data_hash != chn_kaz.data_hash
    assert len(sub.data_hash) == 64


def test_other_pairs_come_from_dots() -> None:
    pair = bfd.mirror_pair("CHN", "TKM", years=(2004, 2019))
    assert set(pair.observations["source"]) == {"imf_dots"}
    # Turkmenistan reported nothing in 2004-2019: DOTS imputed its side from China's (x1.06).
    assert not pair.table["imports_usable"].any()
    assert pair.table["ratio"].to_numpy() == pytest.approx(np.full(16, 1.06), rel=1e-6)


@pytest.mark.parametrize(
    ("exporter", "importer", "column"),
    [("CHN", "CHN", "importer"), ("CHN", "XXX", "importer"), ("World", "KAZ", "exporter")],
)
def test_bad_pairs(exporter: str, importer: str, column: str) -> None:
    with pytest.raises(DataValidationError) as info:
        bfd.mirror_pair(exporter, importer)
    assert info.value.column == column


def test_no_observations_for_years() -> None:
    with pytest.raises(DataValidationError, match="no trade observations"):
        bfd.mirror_pair("CHN", "KAZ", years=(1950, 1960))


def test_evidence_contract() -> None:
    ev = bfd.evidence()
    assert list(ev.columns) == [
        "id", "exporter", "importer", "year", "year_min", "year_max", "measure", "relation", "value", "product",
        "denominator", "quote", "source_file", "line", "restates", "restates_reason",
    ]  # fmt: skip
    by_id = ev.set_index("id")
    assert by_id.loc["gap_2017_share", ["measure", "value"]].tolist() == ["gap_share_of_exports", 0.60]
    assert by_id.loc["gap_2020_usd", ["relation", "value"]].tolist() == ["gt", 5000.0]
    assert by_id.loc["gap_2019_usd", "value"] == 7600.0
    unknown = by_id.loc["gap_unknown_year_usd"]
    assert (unknown["year_min"], unknown["year_max"], unknown["value"]) == (2020, 2021, 5700.0)
    assert by_id.loc["knitwear_2024_ratio", "product"] == "knitwear"
    assert bfd.evidence("KAZ", "CHN").empty
    assert pd.api.types.is_integer_dtype(ev["year"])


@pytest.mark.parametrize(("exporter", "importer"), [("CHN", "KAZ"), ("KAZ", "CHN")])
def test_2021_2023_come_from_independent_reports(exporter: str, importer: str) -> None:
    table = bfd.mirror_pair(exporter, importer).table.set_index("year").loc[2021:2023]
    assert len(table) == 3
    assert table[["exports_usable", "imports_usable"]].all().all()
    china = "un_comtrade"  # China's own report (UN Comtrade, China as reporter)
    kazakhstan = "kz_bns"  # Kazakhstan's own report (the statistics bureau)
    expected = (china, kazakhstan) if exporter == "CHN" else (kazakhstan, china)
    assert (table["exports_source"] == expected[0]).all()
    assert (table["imports_source"] == expected[1]).all()


def test_2023_is_the_bureaus_release_not_the_seeds_rounded_vintage() -> None:
    row = bfd.mirror_pair("CHN", "KAZ").table.set_index("year").loc[2023]
    assert row["imports_reported"] == pytest.approx(15389.231312)  # not the seed's 15.2bn
