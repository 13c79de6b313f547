"""Fetched trade flows join the curated mirror pair, flagged, without displacing curated defaults."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from borderflows.data import mirror_pair
from borderflows.exceptions import DataValidationError
from borderflows.fetch.base import Fetched
from borderflows.fetch.cache import CacheEntry
from borderflows.fetch.comtrade import parse_comtrade_records
from borderflows.fetch.imf import parse_imts
from borderflows.fetch.merge import mirror_observations, mirror_pair_with_fetched, product_mirror, series_catalog
from borderflows.fetch.wdi import parse_wdi_rows

FIXTURES = Path(__file__).parent / "fixtures"


def fetched(source: str, data: pd.DataFrame) -> Fetched:
    entry = CacheEntry(source, {"fixture": True}, "2026-11-22T05:00:00+00:00", "v", "client 1.0", [])
    return Fetched(source, data, (entry,), (False,))


@pytest.fixture
def comtrade() -> Fetched:
    records = json.loads((FIXTURES / "comtrade_total.json").read_text())["data"]
    return fetched("un_comtrade", parse_comtrade_records(records))


def test_observations_keep_one_direction_in_usd_millions(comtrade: Fetched) -> None:
    obs = mirror_observations(comtrade, "CHN", "KAZ")
    assert len(obs) == 4
    assert set(zip(obs["flow"], obs["reporter"], strict=True)) == {("exports", "CHN"), ("imports", "KAZ")}
    assert obs.query("year == 2023 and flow == 'exports'")["value_usd_m"].item() == pytest.approx(24_700.0)
    assert (obs["flag"] == "fetched").all()
    assert (obs["source"] == "un_comtrade_api").all()
    assert obs["quote"].str.contains("retrieved 2026-11-22T05:00:00").all()


def test_fetched_rows_fill_gaps_and_never_replace_curated_defaults(comtrade: Fetched) -> None:
    curated = mirror_pair("CHN", "KAZ")
    merged = mirror_pair_with_fetched("CHN", "KAZ", comtrade)
    obs = merged.observations
    new = obs[obs["source"] == "un_comtrade_api"]
    assert len(new) == 4
    # Every (year, flow) the curated pair had keeps its curated default.
    old_defaults = curated.observations[curated.observations["is_default"]]
    for row in old_defaults.itertuples():
        chosen = obs[obs["is_default"] & (obs["year"] == row.year) & (obs["flow"] == row.flow)]
        assert chosen["source"].item() == row.source, (row.year, row.flow)
    # Years and flows the curated pair lacks are filled from the fetched rows.
    missing = set(zip(new["year"], new["flow"], strict=True)) - set(
        zip(old_defaults["year"], old_defaults["flow"], strict=True)
    )
    for year, flow in missing:
        chosen = obs[obs["is_default"] & (obs["year"] == year) & (obs["flow"] == flow)]
        assert chosen["source"].item() == "un_comtrade_api"


def test_merging_nothing_reproduces_the_curated_pair(comtrade: Fetched) -> None:
    empty = fetched("un_comtrade", comtrade.data.iloc[0:0])
    merged = mirror_pair_with_fetched("CHN", "KAZ", empty)
    curated = mirror_pair("CHN", "KAZ")
    pd.testing.assert_frame_equal(merged.table, curated.table)
    assert merged.data_hash == curated.data_hash


def test_fetched_data_without_the_pair_is_an_error(comtrade: Fetched) -> None:
    chapters = fetched("un_comtrade", comtrade.data.assign(cmd_code="61"))
    with pytest.raises(DataValidationError, match="no all-goods flows"):
        mirror_pair_with_fetched("CHN", "KAZ", chapters)


def test_same_report_twice_is_not_usable_twice() -> None:
    curated = mirror_pair("CHN", "KAZ").observations
    row = curated[(curated["source"] == "imf_dots") & (curated["flow"] == "exports")].iloc[0]
    imts = pd.DataFrame(
        {
            "year": [int(row.year)],
            "reporter": ["CHN"],
            "partner": ["KAZ"],
            "flow": ["exports"],
            "valuation": ["fob"],
            "value_usd_m": [float(row.value_usd_m) * 1.01],  # a revised vintage of the same report
            "indicator": ["XG_FOB_USD"],
            "attributes": [""],
        }
    )
    merged = mirror_pair_with_fetched("CHN", "KAZ", fetched("imf_imts", imts)).observations
    dup = merged[merged["source"] == "imf_imts"]
    assert dup["flag"].item() == "fetched;duplicates_curated"
    assert not dup["usable"].item()
    assert not dup["is_default"].item()


def test_imts_and_wdi_shapes() -> None:
    imts = fetched("imf_imts", parse_imts((FIXTURES / "imts_chn_kaz.xml").read_text()))
    assert len(mirror_observations(imts, "CHN", "KAZ")) == 4
    wdi = fetched("wdi", parse_wdi_rows(json.loads((FIXTURES / "wdi_fdi.json").read_text())[1]))
    catalog = series_catalog(wdi)
    assert list(catalog["name"]) == ["wdi.BX.KLT.DINV.CD.WD.chn", "wdi.BX.KLT.DINV.CD.WD.kaz"]
    assert catalog.set_index("name").loc["wdi.BX.KLT.DINV.CD.WD.kaz", "n"] == 3
    with pytest.raises(DataValidationError, match="not trade flows"):
        mirror_observations(wdi, "CHN", "KAZ")


def test_product_mirror_separates_value_and_weight_gaps() -> None:
    records = json.loads((FIXTURES / "comtrade_hs2.json").read_text())["data"]
    hs2 = fetched("un_comtrade", parse_comtrade_records(records))
    table = product_mirror(hs2, "CHN", "KAZ").set_index("cmd_code")
    knit = table.loc["61"]
    # Fixture: China 1.9e9 USD and 2.1e8 kg of knitwear out; Kazakhstan 0.21e9 USD and 1.9e7 kg in.
    assert knit["value_ratio"] == pytest.approx(0.21e9 / 1.9e9)
    assert knit["weight_ratio"] == pytest.approx(1.9e7 / 2.1e8)
    assert knit["unit_value_ratio"] == pytest.approx((0.21e9 / 1.9e7) / (1.9e9 / 2.1e8))
    assert knit["qty_unit"] == "kg"
    vehicles = table.loc["87"]
    # China gave no weight for vehicles (0 in the answer): no weight or unit-value ratio, not 0 or inf.
    assert np.isnan(vehicles["exports_kg"])
    assert np.isnan(vehicles["weight_ratio"])
    assert np.isnan(vehicles["unit_value_ratio"])
    assert vehicles["value_ratio"] == pytest.approx(2.2e9 / 3.4e9)
    with pytest.raises(DataValidationError, match="totals only"):
        product_mirror(fetched("un_comtrade", hs2.data.assign(cmd_code="TOTAL")), "CHN", "KAZ")
