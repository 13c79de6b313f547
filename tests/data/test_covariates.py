"""Pair covariates: known facts, coverage of every DOTS code, provenance of the typed lists."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import borderflows.data as bfd
from borderflows.exceptions import DataValidationError

KNOWN = [("CHN", "KAZ"), ("KAZ", "CHN"), ("USA", "CAN"), ("DEU", "FRA"), ("RUS", "KAZ"), ("SUN", "KAZ")]


@pytest.fixture(scope="module")
def known() -> pd.DataFrame:
    return bfd.pair_covariates(KNOWN).set_index(["exporter", "importer"])


def test_known_facts(known: pd.DataFrame) -> None:
    assert known.loc[("CHN", "KAZ"), "contiguous"]
    assert known.loc[("USA", "CAN"), "contiguous"]
    assert known.loc[("CHN", "KAZ"), "landlocked_importer"]
    assert not known.loc[("CHN", "KAZ"), "landlocked_exporter"]
    assert known.loc[("KAZ", "CHN"), "landlocked_exporter"]
    assert known.loc[("DEU", "FRA"), "common_customs_union"]
    assert known.loc[("DEU", "FRA"), "customs_union_share"] == 1.0
    assert not known.loc[("CHN", "KAZ"), "common_customs_union"]
    assert known.loc[("USA", "CAN"), "common_fta"]  # NAFTA/USMCA, a free-trade area, not a customs union
    assert not known.loc[("USA", "CAN"), "common_customs_union"]
    # Eurasian Customs Union from 2010: 11 of the 26 years 1995-2020
    assert known.loc[("RUS", "KAZ"), "customs_union_share"] == pytest.approx(11 / 26)


def test_beijing_astana_distance(known: pd.DataFrame) -> None:
    """3,652.5 km: haversine between the capital coordinates of another package (countryinfo 1.0.1,
    ``capital_latlng`` Beijing 39.906217, 116.391276 and Astana 51.12822, 71.430668). The two packages
    place the capitals a few km apart, so they agree within 0.5%."""
    assert known.loc[("CHN", "KAZ"), "distance_km"] == pytest.approx(3652.5, rel=0.005)
    assert known.loc[("KAZ", "CHN"), "distance_km"] == known.loc[("CHN", "KAZ"), "distance_km"]
    assert known.loc[("CHN", "KAZ"), "log_distance"] == pytest.approx(np.log(known.loc[("CHN", "KAZ"), "distance_km"]))


def test_uncovered_codes_are_missing_and_flagged(known: pd.DataFrame) -> None:
    row = known.loc[("SUN", "KAZ")]
    for column in ("distance_km", "contiguous", "landlocked_exporter", "common_customs_union", "reexport_hub_exporter"):
        assert pd.isna(row[column]), column
    assert row["flag"] == "exporter_not_covered"
    assert row["landlocked_importer"]  # Kazakhstan's own facts are still known
    assert "SUN" in bfd.uncovered_codes()


def test_every_dots_code_has_a_row() -> None:
    panel = bfd.DATASETS["dots_panel"]
    codes = pd.read_parquet(panel.path, columns=["reporter", "partner"])
    dots = set(codes["reporter"].astype(str)) | set(codes["partner"].astype(str))
    geo = bfd.country_geography()
    assert set(geo["iso3"]) == dots
    assert geo.loc[~geo["covered"], "flag"].eq("not_covered").all()
    assert geo.loc[geo["covered"], "capital_lat"].notna().all()
    assert len(bfd.uncovered_codes()) <= 11  # historical codes, Taiwan, Kosovo, Belgium-Luxembourg


def test_landlocked_is_the_factbooks_zero_coastline() -> None:
    geo = bfd.country_geography().set_index("iso3")
    assert set(geo.index[geo["landlocked"].fillna(False)]) >= {"KAZ", "KGZ", "UZB", "TJK", "MNG", "AUT", "CHE"}
    assert not geo.loc[["CHN", "RUS", "USA", "DEU"], "landlocked"].any()
    landlocked = geo["landlocked"].dropna().astype(bool)
    assert (landlocked == (geo.loc[landlocked.index, "coastline_km"] == 0)).all()


def test_agreement_years_are_in_their_quotes() -> None:
    """The first year is printed in the quote (or the archived page's URL); the last year, or the first year
    of the successor that replaced the agreement, in the end quote."""
    agreements = bfd.load_dataset("trade_agreements")
    for row in agreements.to_dict("records"):
        years = set(re.findall(r"(?<!\d)(\d{4})", f"{row['quote']} {row['note']} {row['source_url']}"))
        assert str(row["year_from"]) in years, row
        if not pd.isna(row["year_to"]):
            ends = set(re.findall(r"(?<!\d)(\d{4})", row["quote_end"]))
            assert {str(row["year_to"]), str(row["year_to"] + 1)} & ends, row


def test_hub_quotes_name_the_hub() -> None:
    names = {"HKG": "Hong Kong", "SGP": "Singapore", "ARE": "UAE", "NLD": "Netherlands", "BEL": "Belgium",
             "KGZ": "Kyrgyzstan"}  # fmt: skip
    hubs = bfd.load_dataset("reexport_hubs")
    assert set(hubs["iso3"]) == set(names)
    for row in hubs.to_dict("records"):
        assert names[row["iso3"]] in row["quote"]
        assert "re-export" in row["quote"]


def test_eu_token_links_turkey_with_the_eu_not_eu_members_with_each_other() -> None:
    rows = bfd.pair_agreements([("DEU", "FRA"), ("TUR", "DEU"), ("TUR", "KAZ")], years=(2000, 2000))
    by_pair = rows.set_index(["exporter", "importer"])["agreements"]
    assert "eu_turkey_customs_union" not in by_pair[("DEU", "FRA")]
    assert by_pair[("TUR", "DEU")] == "eu_turkey_customs_union"
    assert ("TUR", "KAZ") not in by_pair.index


def test_every_covariate_has_a_source() -> None:
    sources = bfd.covariate_sources().set_index("covariate")
    assert {"distance_km", "contiguous", "landlocked", "common_customs_union", "common_fta", "reexport_hub"} <= set(
        sources.index
    )
    assert sources.loc["distance_km", "source"].startswith("PyPI package pyworldatlas")
    assert sources.loc["distance_km", "version"] != ""


def test_bad_pairs_are_refused() -> None:
    with pytest.raises(DataValidationError, match="itself"):
        bfd.pair_covariates([("KAZ", "KAZ")])
    with pytest.raises(DataValidationError, match="exporter"):
        bfd.pair_covariates(pd.DataFrame({"from": ["KAZ"], "importer": ["CHN"]}))
    with pytest.raises(DataValidationError, match="years"):
        bfd.pair_covariates([("KAZ", "CHN")], years=(2020, 1995))
