"""World Bank WDI loader, run through the real wbgapi client against v2-format fixtures."""

from __future__ import annotations

import numpy as np
import pytest
import requests

from borderflows.data.yearly import YearlySeries
from borderflows.exceptions import DataValidationError, FetchError
from borderflows.fetch import wdi
from borderflows.fetch.cache import FetchCache
from tests.fetch.conftest import FakeWeb, Reply

FDI = "BX.KLT.DINV.CD.WD"


@pytest.fixture
def wb(fake_web: FakeWeb) -> FakeWeb:
    fake_web.add_file("/sources/2?", "wdi_source_2.json")
    return fake_web


def test_fdi_for_two_economies(wb: FakeWeb) -> None:
    wb.add_file(f"/indicator/{FDI}", "wdi_fdi.json")
    got = wdi.fetch_wdi(FDI, ["KAZ", "CHN"], range(2019, 2023))
    data = got.data
    assert list(data.columns) == wdi.COLUMNS
    assert len(data) == 7, "Kazakhstan's 2022 is null in the fixture and must be dropped, not zero"
    kaz = data[data["economy"] == "KAZ"]
    assert kaz["year"].tolist() == [2019, 2020, 2021]
    assert kaz["value"].tolist() == pytest.approx([3.1e9, 7.1e9, 3.8e9])
    assert got.entries[0].source_version == "World Development Indicators lastupdated 2026-07-01"
    assert got.entries[0].client.startswith("wbgapi ")
    data_url = next(u for u in wb.seen if FDI in u)
    assert "country/KAZ;CHN/indicator/BX.KLT.DINV.CD.WD" in data_url
    assert "date=2019%3A2022" in data_url
    assert "source=2" in data_url


def test_client_pages_through_the_answer(wb: FakeWeb) -> None:
    wb.add_file("page=2", "wdi_fdi_page2.json")
    wb.add_file(f"/indicator/{FDI}", "wdi_fdi_page1.json")
    data = wdi.fetch_wdi(FDI, ["KAZ", "CHN"], range(2019, 2023)).data
    assert len(data) == 3  # four rows over two pages, one of them null
    assert sum(FDI in u for u in wb.seen) == 2


def test_yearly_series_is_flagged_fetched(wb: FakeWeb) -> None:
    wb.add_file(f"/indicator/{FDI}", "wdi_fdi.json")
    got = wdi.fetch_wdi(FDI, ["KAZ", "CHN"], range(2019, 2023))
    series = wdi.wdi_series(got, FDI, "kaz")
    assert isinstance(series, YearlySeries)
    assert series.kind == "signed"
    assert series.unit == "USD"
    assert series.flags == ("fetched",)
    np.testing.assert_array_equal(series.years, [2019, 2020, 2021])
    assert "lastupdated 2026-07-01" in series.source
    with pytest.raises(DataValidationError, match="no fetched observations"):
        wdi.wdi_series(got, "SM.POP.NETM", "KAZ")


def test_cache_is_used_and_needs_no_version_call(wb: FakeWeb) -> None:
    wb.add_file(f"/indicator/{FDI}", "wdi_fdi.json")
    wdi.fetch_wdi(FDI, "KAZ", range(2019, 2023))
    n = len(wb.seen)
    again = wdi.fetch_wdi(FDI, "KAZ", range(2019, 2023))
    assert len(wb.seen) == n
    assert again.from_cache == (True,)


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (Reply(content_type="application/json", body=b"", status=503), "HTTP 503"),
        (Reply(status=429, body=b""), "rate limit"),
        (Reply(body=b"<html>Service Unavailable</html>", content_type="text/html"), "not valid JSON"),
        ("wdi_invalid.json", "Invalid value"),
        ("wdi_empty.json", "no observations"),
        ("wdi_bad_value.json", "malformed payload"),
        (Reply(error=requests.ReadTimeout("read timed out")), "did not answer"),
    ],
)
def test_bad_answers(wb: FakeWeb, reply: Reply | str, message: str) -> None:
    if isinstance(reply, str):
        wb.add_file(f"/indicator/{FDI}", reply)
    else:
        wb.add(f"/indicator/{FDI}", reply)
    with pytest.raises(FetchError, match=message):
        wdi.fetch_wdi(FDI, "KAZ", 2020)
    assert FetchCache().entries() == []


def test_offline_is_a_clear_error() -> None:
    with pytest.raises(FetchError, match="Could not reach the World Bank"):
        wdi.fetch_wdi(FDI, "KAZ", 2020)


def test_bad_codes_are_rejected_before_any_request(fake_web: FakeWeb) -> None:
    with pytest.raises(DataValidationError, match="indicator"):
        wdi.fetch_wdi("BX KLT", "KAZ")
    with pytest.raises(DataValidationError, match="alpha-3"):
        wdi.fetch_wdi(FDI, "KZ")
    assert fake_web.seen == []
