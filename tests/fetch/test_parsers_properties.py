"""Property tests for the three payload parsers: what goes in comes out, and junk gives FetchError only."""

from __future__ import annotations

import json
import math
from typing import Any
from xml.sax.saxutils import quoteattr

import hypothesis.strategies as st
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

from borderflows.exceptions import FetchError
from borderflows.fetch.comtrade import COLUMNS as COMTRADE_COLUMNS
from borderflows.fetch.comtrade import COMTRADE_CODES, parse_comtrade_records
from borderflows.fetch.imf import parse_imts
from borderflows.fetch.wdi import parse_wdi_rows

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ISO = sorted(COMTRADE_CODES)
money = st.floats(min_value=0, max_value=1e13, allow_nan=False, allow_infinity=False)
weight = st.one_of(st.none(), st.floats(min_value=-1, max_value=1e12, allow_nan=False, allow_infinity=False))


@st.composite
def comtrade_record(draw: st.DrawFn) -> dict[str, Any]:
    reporter, partner = draw(st.lists(st.sampled_from(ISO), min_size=2, max_size=2, unique=True))
    return {
        "refYear": draw(st.integers(1990, 2030)),
        "reporterCode": COMTRADE_CODES[reporter],
        "reporterISO": draw(st.sampled_from([reporter, None, ""])),
        "partnerCode": COMTRADE_CODES[partner],
        "partnerISO": partner,
        "flowCode": draw(st.sampled_from(["X", "M", "RX", "RM"])),
        "cmdCode": draw(st.sampled_from(["TOTAL", "01", "27", "61", "87"])),
        "primaryValue": draw(money),
        "netWgt": draw(weight),
        "qty": draw(weight),
        "isNetWgtEstimated": draw(st.booleans()),
        "partner2Code": 0,
        "motCode": 0,
        "customsCode": "C00",
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(comtrade_record(), max_size=20))
def test_comtrade_rows_values_and_missing_weights_survive(records: list[dict[str, Any]]) -> None:
    out = parse_comtrade_records(records)
    assert list(out.columns) == COMTRADE_COLUMNS
    assert len(out) == len(records)
    assert out["value_usd"].tolist() == [r["primaryValue"] for r in records]
    for row, rec in zip(out.itertuples(), records, strict=True):
        assert row.reporter == next(iso for iso, code in COMTRADE_CODES.items() if code == rec["reporterCode"])
        assert row.valuation == ("fob" if rec["flowCode"] in ("X", "RX") else "cif")
        positive = rec["netWgt"] is not None and rec["netWgt"] > 0
        assert math.isnan(row.net_weight_kg) != positive
    # What the cache stores (JSON) parses to the same table.
    again = parse_comtrade_records(json.loads(json.dumps(records)))
    pd.testing.assert_frame_equal(out, again)


@FAST
@given(st.lists(comtrade_record(), min_size=1, max_size=10), st.data())
def test_comtrade_record_without_a_required_field_is_a_fetch_error(records: list[dict[str, Any]], data: Any) -> None:
    victim = data.draw(st.integers(0, len(records) - 1))
    field = data.draw(st.sampled_from(["reporterCode", "partnerCode", "flowCode", "cmdCode", "primaryValue"]))
    broken = [dict(r) for r in records]
    for r in broken:
        r.pop(field)  # a field the API left out of its answer
    with pytest.raises(FetchError, match=field):
        parse_comtrade_records(broken)
    broken = [dict(r) for r in records]
    broken[victim]["primaryValue"] = data.draw(st.sampled_from(["n/a", None, "1,5"]))
    with pytest.raises(FetchError, match="non-numeric"):
        parse_comtrade_records(broken)


json_junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=10,
)


@FAST
@given(json_junk)
def test_comtrade_junk_is_rejected_cleanly(junk: Any) -> None:
    try:
        out = parse_comtrade_records(junk)
    except FetchError:
        return  # rejected with the package's own error: fine
    assert isinstance(out, pd.DataFrame)  # accepted: it must then be a table, never a crash


@FAST
@given(json_junk)
def test_wdi_junk_is_rejected_cleanly(junk: Any) -> None:
    try:
        out = parse_wdi_rows(junk)
    except FetchError:
        return  # rejected with the package's own error: fine
    assert isinstance(out, pd.DataFrame)  # accepted: it must then be a table, never a crash


@st.composite
def wdi_row(draw: st.DrawFn) -> dict[str, Any]:
    iso = draw(st.sampled_from(ISO))
    return {
        "indicator": {"id": "SM.POP.NETM", "value": "Net migration"},
        "country": {"id": iso[:2], "value": iso},
        "countryiso3code": iso,
        "date": str(draw(st.integers(1960, 2030))),
        "value": draw(st.one_of(st.none(), st.integers(-(10**7), 10**7), money)),
        "unit": "",
        "obs_status": "",
        "decimal": 0,
    }


@FAST
@given(st.lists(wdi_row(), max_size=40))
def test_wdi_keeps_exactly_the_non_null_observations(rows: list[dict[str, Any]]) -> None:
    out = parse_wdi_rows(rows)
    kept = [r for r in rows if r["value"] is not None]
    assert len(out) == len(kept)
    assert out["value"].tolist() == [float(r["value"]) for r in kept]
    assert out["year"].tolist() == [int(r["date"]) for r in kept]
    assert out["economy"].tolist() == [r["countryiso3code"] for r in kept]


HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<message:GenericData xmlns:message="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"
 xmlns:common="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common"
 xmlns:generic="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/generic">
<message:Header><message:ID>P</message:ID><message:Test>false</message:Test>
<message:Prepared>2026-01-01T00:00:00Z</message:Prepared><message:Sender id="IMF"/>
<message:Structure structureID="S" dimensionAtObservation="TIME_PERIOD">
<common:Structure><Ref agencyID="IMF.STA" id="DSD_IMTS" version="1.0.0"/></common:Structure>
</message:Structure></message:Header><message:DataSet structureRef="S">"""


def generic_xml(series: dict[tuple[str, str, str], dict[int, float]]) -> str:
    """Render observations as an SDMX-ML 2.1 GenericData message, the way the IMF service writes it."""
    parts = [HEADER]
    for (country, indicator, partner), obs in series.items():
        parts.append("<generic:Series><generic:SeriesKey>")
        for dim, value in (("COUNTRY", country), ("INDICATOR", indicator), ("COUNTERPART_COUNTRY", partner)):
            parts.append(f'<generic:Value id="{dim}" value={quoteattr(value)}/>')
        parts.append('<generic:Value id="FREQUENCY" value="A"/></generic:SeriesKey>')
        for year, value in obs.items():
            parts.append(f'<generic:Obs><generic:ObsDimension value="{year}"/>')
            parts.append(f'<generic:ObsValue value="{value!r}"/></generic:Obs>')
        parts.append("</generic:Series>")
    parts.append("</message:DataSet></message:GenericData>")
    return "".join(parts)


imts_series = st.dictionaries(
    st.tuples(st.sampled_from(ISO), st.sampled_from(["XG_FOB_USD", "MG_CIF_USD"]), st.sampled_from(ISO)),
    st.dictionaries(st.integers(1950, 2030), money, min_size=1, max_size=5),
    max_size=4,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(imts_series)
def test_imts_observations_round_trip(series: dict[tuple[str, str, str], dict[int, float]]) -> None:
    out = parse_imts(generic_xml(series))
    expected = {
        (c, p, "exports" if i == "XG_FOB_USD" else "imports", y): v / 1e6
        for (c, i, p), obs in series.items()
        for y, v in obs.items()
    }
    got = {(r.reporter, r.partner, r.flow, r.year): r.value_usd_m for r in out.itertuples()}
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, rel=1e-12, abs=0)


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=200))
def test_imts_junk_text_is_a_fetch_error(text: str) -> None:
    with pytest.raises(FetchError):
        parse_imts(text)
