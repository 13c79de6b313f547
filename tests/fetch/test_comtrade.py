"""UN Comtrade loader, run through the real comtradeapicall client against recorded-format fixtures."""

from __future__ import annotations

import gzip
import json
import logging
from pathlib import Path

import pytest
import urllib3

from borderflows.exceptions import DataValidationError, FetchError
from borderflows.fetch import comtrade
from borderflows.fetch.cache import FetchCache
from tests.fetch.conftest import FakeWeb, Reply

KEY = "TESTKEY-0123456789abcdef"  # a fake key; the tests check it never leaks


@pytest.fixture(autouse=True)
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the rate-limit waits instead of sleeping."""
    seen: list[float] = []
    monkeypatch.setattr(comtrade, "_sleep", seen.append)
    return seen


@pytest.fixture
def with_key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(comtrade.KEY_ENV, KEY)
    return KEY


@pytest.fixture
def no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(comtrade.KEY_ENV, raising=False)


def test_missing_key_explains_how_to_get_one(no_key: None, fake_web: FakeWeb) -> None:
    with pytest.raises(FetchError, match="COMTRADE_API_KEY") as info:
        comtrade.fetch_comtrade("CHN", "KAZ", 2023)
    assert "comtradedeveloper.un.org" in str(info.value)
    assert "--preview" in str(info.value)
    assert fake_web.seen == []


def test_totals_both_directions(with_key: str, fake_web: FakeWeb) -> None:
    fake_web.add_file("/data/v1/get/C/A/HS", "comtrade_total.json")
    got = comtrade.fetch_comtrade("KAZ", "CHN", [2022, 2023])
    data = got.data
    assert list(data.columns) == comtrade.COLUMNS
    assert len(data) == 8
    assert set(data["flow"]) == {"exports", "imports"}
    assert set(zip(data["reporter"], data["partner"], strict=True)) == {("CHN", "KAZ"), ("KAZ", "CHN")}
    china_x_2023 = data.query("year == 2023 and reporter == 'CHN' and flow == 'exports'")
    assert china_x_2023["value_usd"].item() == pytest.approx(24.7e9)
    assert china_x_2023["valuation"].item() == "fob"
    assert (data.loc[data["flow"] == "imports", "valuation"] == "cif").all()
    assert data["net_weight_kg"].isna().all(), "Comtrade's 0 kg on totals means unknown, not zero"
    # one request for both years, both reporters, both flows, totals only
    assert len(fake_web.seen) == 1
    url = fake_web.seen[0]
    for part in ("period=2022%2C2023", "reportercode=156%2C398", "partnerCode=156%2C398", "flowCode=X%2CM"):
        assert part in url
    assert "cmdCode=TOTAL" in url
    assert "motCode=0" in url
    assert "customsCode=C00" in url
    assert got.from_cache == (False,)
    assert "comtradeapicall" in got.entries[0].client


def test_values_keep_every_digit_through_client_and_cache(with_key: str, fake_web: FakeWeb) -> None:
    answer = json.loads((Path(__file__).parent / "fixtures" / "comtrade_total.json").read_text())
    answer["data"][0]["primaryValue"] = 16_312_345_678.91
    fake_web.add("/data/v1/get/", Reply(json.dumps(answer).encode()))
    fresh = comtrade.fetch_comtrade("CHN", "KAZ", [2022, 2023]).data
    cached = comtrade.fetch_comtrade("CHN", "KAZ", [2022, 2023]).data
    for data in (fresh, cached):
        assert (data["value_usd"] == 16_312_345_678.91).sum() == 1


def test_second_call_reads_the_cache(with_key: str, fake_web: FakeWeb) -> None:
    fake_web.add_file("/data/v1/get/", "comtrade_total.json")
    first = comtrade.fetch_comtrade("CHN", "KAZ", [2022, 2023])
    second = comtrade.fetch_comtrade("CHN", "KAZ", [2022, 2023])
    assert len(fake_web.seen) == 1
    assert second.from_cache == (True,)
    assert second.data.equals(first.data)
    comtrade.fetch_comtrade("CHN", "KAZ", [2022, 2023], refresh=True)
    assert len(fake_web.seen) == 2


def test_hs_chapters_with_weights_and_quantities(with_key: str, fake_web: FakeWeb) -> None:
    fake_web.add_file("cmdCode=AG2", "comtrade_hs2.json")
    data = comtrade.fetch_comtrade("CHN", "KAZ", 2023, level="hs2").data
    assert len(data) == 4, "the row broken down by transport mode must be dropped"
    vehicles_x = data.query("cmd_code == '87' and reporter == 'CHN'")
    assert vehicles_x["value_usd"].item() == pytest.approx(3.4e9)
    assert vehicles_x["qty"].item() == 41000
    assert vehicles_x["qty_unit"].item() == "u"
    assert vehicles_x["net_weight_kg"].isna().item()
    knit_m = data.query("cmd_code == '61' and reporter == 'KAZ'")
    assert knit_m["net_weight_kg"].item() == pytest.approx(1.9e7)
    assert knit_m["cmd_desc"].item().startswith("Articles of apparel")


def test_preview_without_key_asks_one_year_per_call(no_key: None, fake_web: FakeWeb) -> None:
    fake_web.add_file("/public/v1/preview/C/A/HS", "comtrade_total.json")
    got = comtrade.fetch_comtrade("CHN", "KAZ", [2022, 2023], preview=True)
    assert len(fake_web.seen) == 2
    assert all("subscription-key" not in url for url in fake_web.seen)
    assert all(e.request["endpoint"] == "public/v1/preview" for e in got.entries)
    assert "maxRecords=500" in fake_web.seen[0]


@pytest.mark.parametrize(
    ("fixture", "status", "message"),
    [
        ("comtrade_empty.json", 200, "no records"),
        ("comtrade_malformed.json", 200, "not JSON"),
        ("comtrade_missing_value.json", 200, "primaryValue"),
        ("comtrade_429.json", 429, "rate limit"),
        ("comtrade_401.json", 401, "refused the API key"),
    ],
)
def test_bad_answers_give_clear_errors_and_cache_nothing(
    with_key: str, fake_web: FakeWeb, fixture: str, status: int, message: str
) -> None:
    fake_web.add_file("/data/v1/get/", fixture, status=status)
    with pytest.raises(FetchError, match=message) as info:
        comtrade.fetch_comtrade("CHN", "KAZ", 2023)
    assert KEY not in str(info.value)
    assert FetchCache().entries() == [], "a failed or empty answer must not be cached"


def test_rate_limit_waits_as_asked_then_succeeds(with_key: str, fake_web: FakeWeb, waits: list[float]) -> None:
    fixtures = Path(__file__).parent / "fixtures"
    answers = [
        Reply((fixtures / "comtrade_429.json").read_bytes(), 429),
        Reply((fixtures / "comtrade_total.json").read_bytes()),
    ]
    fake_web.add("/data/v1/get/", lambda url: answers.pop(0))
    data = comtrade.fetch_comtrade("CHN", "KAZ", [2022, 2023]).data
    assert len(data) == 8
    assert waits == [1.0]  # "Try again in 1 seconds."


def test_persistent_rate_limit_gives_up(with_key: str, fake_web: FakeWeb, waits: list[float]) -> None:
    fake_web.add_file("/data/v1/get/", "comtrade_429.json", status=429)
    with pytest.raises(FetchError, match="rate limit"):
        comtrade.fetch_comtrade("CHN", "KAZ", 2023)
    assert waits == [1.0] * comtrade.RATE_LIMIT_RETRIES
    assert len(fake_web.seen) == comtrade.RATE_LIMIT_RETRIES + 1


def test_record_cap_is_an_error_not_silent_truncation(
    with_key: str, fake_web: FakeWeb, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(comtrade, "MAX_RECORDS_KEY", 8)
    fake_web.add_file("/data/v1/get/", "comtrade_total.json")
    with pytest.raises(FetchError, match="fewer years"):
        comtrade.fetch_comtrade("CHN", "KAZ", [2022, 2023])


def test_offline_is_a_clear_error(with_key: str) -> None:
    # No fake_web: the request reaches the socket guard, as it would hit a dead network.
    with pytest.raises(FetchError, match="Could not reach UN Comtrade") as info:
        comtrade.fetch_comtrade("CHN", "KAZ", 2023)
    assert KEY not in str(info.value)
    assert "subscription-key" not in str(info.value)
    assert info.value.__cause__ is None
    assert info.value.__context__ is None or info.value.__suppress_context__


def test_timeout_is_a_clear_error(with_key: str, fake_web: FakeWeb) -> None:
    def slow(url: str) -> Reply:
        return Reply(error=urllib3.exceptions.ReadTimeoutError(None, url, "Read timed out. (read timeout=120)"))  # type: ignore[arg-type]

    fake_web.add("/data/v1/get/", slow)
    with pytest.raises(FetchError, match=r"Could not reach UN Comtrade \(offline, DNS failure or timeout\)") as info:
        comtrade.fetch_comtrade("CHN", "KAZ", 2023)
    assert KEY not in str(info.value)


def test_key_never_leaks(
    with_key: str, fake_web: FakeWeb, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    total = Path(__file__).parent / "fixtures" / "comtrade_total.json"

    def answer_and_log_like_urllib3(url: str) -> Reply:
        # urllib3 logs every request line, query string included, at DEBUG level.
        logging.getLogger("urllib3.connectionpool").debug('https://comtradeapi.un.org:443 "GET %s HTTP/1.1" 200', url)
        return Reply(total.read_bytes())

    fake_web.add("/data/v1/get/", answer_and_log_like_urllib3)
    comtrade.fetch_comtrade("CHN", "KAZ", [2022, 2023])
    assert KEY in fake_web.seen[0], "the key must reach the API"

    def unreachable(url: str) -> Reply:
        reason = urllib3.exceptions.NewConnectionError(None, f"failed to connect for {url}")  # type: ignore[arg-type]
        return Reply(error=urllib3.exceptions.MaxRetryError(None, url, reason))  # type: ignore[arg-type]

    fake_web.routes.clear()
    fake_web.add("/data/v1/get/", unreachable)
    with pytest.raises(FetchError) as info:
        comtrade.fetch_comtrade("CHN", "KAZ", 2021)

    out = capsys.readouterr()
    texts = {
        "error": str(info.value),
        "stdout": out.out,
        "stderr": out.err,
        "log": caplog.text,
        "cache": "".join(gzip.decompress(p.read_bytes()).decode() for p in FetchCache().root.rglob("*.json.gz")),
        "provenance": json.dumps([str(e.request) for e in FetchCache().entries()]),
    }
    assert "subscription-key=***" in caplog.text, "the urllib3 log line should be kept, redacted"
    for where, text in texts.items():
        assert KEY not in text, f"API key leaked into {where}"


def test_codes_and_years_are_validated(with_key: str) -> None:
    with pytest.raises(DataValidationError, match="no Comtrade code on file"):
        comtrade.fetch_comtrade("CHN", "ZZZ", 2023)
    with pytest.raises(DataValidationError, match="alpha-3"):
        comtrade.fetch_comtrade("CN", "KAZ", 2023)
    with pytest.raises(DataValidationError, match="same country"):
        comtrade.fetch_comtrade("KAZ", 398, 2023)
    with pytest.raises(DataValidationError, match="between 1900 and 2100"):
        comtrade.fetch_comtrade("CHN", "KAZ", [20023])
    assert comtrade.comtrade_code("usa") == 842
    assert comtrade.comtrade_code("417") == 417
