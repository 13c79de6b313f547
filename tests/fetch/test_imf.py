"""IMF IMTS loader, run through the real sdmx1 client against SDMX-ML 2.1 generic-data fixtures."""

from __future__ import annotations

import pytest
import requests

from borderflows.exceptions import DataValidationError, FetchError
from borderflows.fetch import imf
from borderflows.fetch.cache import FetchCache
from tests.fetch.conftest import FakeWeb, Reply

GENERIC = "application/vnd.sdmx.genericdata+xml; version=2.1"


def serve(web: FakeWeb, name: str, status: int = 200) -> None:
    web.add_file("/data/IMF.STA,IMTS/", name, status=status, content_type=GENERIC)


def test_mirror_flows_of_a_pair(fake_web: FakeWeb) -> None:
    serve(fake_web, "imts_chn_kaz.xml")
    got = imf.fetch_imf_imts(["CHN", "KAZ"], years=[2022, 2023])
    data = got.data
    assert list(data.columns) == imf.COLUMNS
    assert len(data) == 4
    x = data.query("reporter == 'CHN' and flow == 'exports' and year == 2023")
    assert x["value_usd_m"].item() == pytest.approx(24_700.0), "the API's dollars become millions"
    assert x["valuation"].item() == "fob"
    m = data.query("reporter == 'KAZ' and flow == 'imports' and year == 2023")
    assert m["valuation"].item() == "cif"
    assert m["attributes"].item() == "OBS_STATUS=E"
    url = fake_web.seen[0]
    assert url.startswith("https://api.imf.org/external/sdmx/2.1/data/IMF.STA,IMTS/")
    assert "CHN+KAZ.XG_FOB_USD+MG_CIF_USD.CHN+KAZ.A" in url
    assert "startPeriod=2022" in url
    assert "endPeriod=2023" in url
    entry = got.entries[0]
    assert "2026-08-24" in entry.source_version
    assert "DSD_IMTS" in entry.source_version
    assert entry.client.startswith("sdmx1 ")


def test_structure_specific_answer_reads_the_same(fake_web: FakeWeb, caplog: pytest.LogCaptureFixture) -> None:
    # If the service ignores the Accept header and sends structure-specific data, nothing changes.
    fake_web.add_file(
        "/data/IMF.STA,IMTS/",
        "imts_structure_specific.xml",
        content_type="application/vnd.sdmx.structurespecificdata+xml; version=2.1",
    )
    data = imf.fetch_imf_imts(["CHN", "KAZ"], years=[2022]).data
    assert data[["year", "reporter", "partner", "flow"]].values.tolist() == [[2022, "CHN", "KAZ", "exports"]]
    assert data["value_usd_m"].item() == pytest.approx(16_300.0)
    assert "got no structure" not in caplog.text


def test_cached_xml_is_parsed_again(fake_web: FakeWeb) -> None:
    serve(fake_web, "imts_chn_kaz.xml")
    first = imf.fetch_imf_imts(["CHN", "KAZ"], years=[2022, 2023])
    second = imf.fetch_imf_imts(["CHN", "KAZ"], years=[2022, 2023])
    assert len(fake_web.seen) == 1
    assert second.from_cache == (True,)
    assert second.data.equals(first.data)


def test_years_outside_the_request_are_dropped(fake_web: FakeWeb) -> None:
    serve(fake_web, "imts_chn_kaz.xml")
    data = imf.fetch_imf_imts(["CHN", "KAZ"], years=[2023]).data
    assert set(data["year"]) == {2023}


@pytest.mark.parametrize(
    ("name", "status", "message"),
    [
        ("imts_empty.xml", 200, "no IMTS observations"),
        ("imts_truncated.xml", 200, "malformed"),
        ("imts_bad_value.xml", 200, "malformed"),
        ("imts_error.xml", 200, "SDMX error message: No Results Found"),
        ("imts_error.xml", 404, "HTTP 404"),
        ("imts_error.xml", 429, "rate limit"),
        ("imts_error.xml", 500, r"HTTP 500 for .*: No Results Found"),
    ],
)
def test_bad_answers(fake_web: FakeWeb, name: str, status: int, message: str) -> None:
    serve(fake_web, name, status)
    with pytest.raises(FetchError, match=message):
        imf.fetch_imf_imts(["CHN", "KAZ"], years=[2022, 2023])
    assert FetchCache().entries() == []


def test_timeout_and_offline(fake_web: FakeWeb) -> None:
    fake_web.add("/data/", Reply(error=requests.ConnectTimeout("connect timed out")))
    with pytest.raises(FetchError, match="did not answer"):
        imf.fetch_imf_imts(["CHN", "KAZ"], years=[2022])


def test_offline_is_a_clear_error() -> None:
    with pytest.raises(FetchError, match="Could not reach the IMF"):
        imf.fetch_imf_imts(["CHN", "KAZ"], years=[2022])


def test_codes_are_validated(fake_web: FakeWeb) -> None:
    with pytest.raises(DataValidationError, match="alpha-3"):
        imf.fetch_imf_imts(["CN", "KAZ"])
    assert fake_web.seen == []
