"""World Bank World Development Indicators through ``wbgapi``.

Each indicator is one request to the v2 API (``country/<ISO3;ISO3>/indicator/<id>``, paged by the
client), plus one request for the database record whose ``lastupdated`` field is recorded as the
source version. Observations come back as a tidy table and, one economy at a time, as a
:class:`~borderflows.data.yearly.YearlySeries` that the forecasters read.
"""

from __future__ import annotations

import contextlib
import logging
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from borderflows.data.yearly import SeriesKind, YearlySeries
from borderflows.exceptions import DataValidationError, FetchError
from borderflows.fetch.base import Fetched, iso3_codes, network_reason, year_list
from borderflows.fetch.cache import CacheEntry, FetchCache, client_version, utc_now

logger = logging.getLogger(__name__)

SOURCE = "wdi"
WDI_DB = 2
"""wbgapi's id of the World Development Indicators database."""
TIMEOUT_S = 60.0


@dataclass(frozen=True)
class IndicatorInfo:
    """What borderflows knows about a WDI indicator: how to read it as a yearly series."""

    title: str
    unit: str
    kind: SeriesKind
    concept: str


INDICATORS: dict[str, IndicatorInfo] = {
    "BX.KLT.DINV.CD.WD": IndicatorInfo(
        "Foreign direct investment, net inflows (BoP, current US$)", "USD", "signed", "fdi_net_inflows"
    ),
    "BM.KLT.DINV.CD.WD": IndicatorInfo(
        "Foreign direct investment, net outflows (BoP, current US$)", "USD", "signed", "fdi_net_outflows"
    ),
    "SM.POP.TOTL": IndicatorInfo("International migrant stock, total", "persons", "count", "migrant_stock"),
    "SM.POP.NETM": IndicatorInfo("Net migration", "persons", "signed", "net_migration"),
    "BX.TRF.PWKR.CD.DT": IndicatorInfo(
        "Personal remittances, received (current US$)", "USD", "positive", "remittances_received"
    ),
    "BM.TRF.PWKR.CD.DT": IndicatorInfo(
        "Personal remittances, paid (current US$)", "USD", "positive", "remittances_paid"
    ),
    "ST.INT.ARVL": IndicatorInfo("International tourism, number of arrivals", "persons", "count", "tourist_arrivals"),
}
"""Indicators with a known unit and series kind. Others can be fetched too (kind defaults to signed)."""

COLUMNS = ["indicator", "indicator_name", "economy", "economy_name", "year", "value", "obs_status"]


def fetch_wdi(
    indicators: str | Iterable[str],
    economies: str | Iterable[str] = ("KAZ", "CHN"),
    years: int | Iterable[int] | None = None,
    *,
    refresh: bool = False,
    cache: FetchCache | None = None,
) -> Fetched:
    """WDI observations for some indicators and economies.

    Parameters
    ----------
    indicators
        WDI codes, e.g. ``"BX.KLT.DINV.CD.WD"`` (see ``INDICATORS`` for the ones borderflows knows).
    economies
        ISO3 codes.
    years
        Years (default 1990 to 2024); the request asks for the whole span between the first and last.
    refresh
        Download again even if cached.
    cache
        The cache to use (default: the user's data directory).

    Returns
    -------
    Fetched
        ``data`` has the columns in ``COLUMNS``, missing values dropped.

    Raises
    ------
    FetchError
        Network failure, HTTP error, an API error message, a malformed payload, or no observations.
    """
    codes = [indicators] if isinstance(indicators, str) else list(indicators)
    codes = [c.strip() for c in codes]
    bad = [c for c in codes if not c or any(ch.isspace() or ch in "/;?&" for ch in c)]
    if bad or not codes:
        raise DataValidationError(
            "indicator codes look wrong", column="indicator", rows=bad or ["(none)"], fix="use e.g. BX.KLT.DINV.CD.WD"
        )
    econ = iso3_codes(economies, column="economy")
    span = year_list(years, default=range(1990, 2025))
    cache = cache or FetchCache()
    entries: list[CacheEntry] = []
    cached: list[bool] = []
    version: str | None = None
    for code in codes:
        request = {"indicator": code, "economies": ";".join(econ), "date": f"{span[0]}:{span[-1]}", "db": WDI_DB}
        entry = None if refresh else cache.get(SOURCE, request)
        cached.append(entry is not None)
        if entry is None:
            version = version or _database_version()
            rows = _download(request)
            entry = CacheEntry(SOURCE, request, utc_now(), version, client_version("wbgapi"), rows)
            # Parse before caching: an unreadable payload is never stored, nor an empty one.
            if not parse_wdi_rows(rows).empty:
                cache.put(entry)
        entries.append(entry)
    data = pd.concat([parse_wdi_rows(e.payload) for e in entries], ignore_index=True)
    data = data[data["year"].isin(span)]
    if data.empty:
        raise FetchError(
            f"The World Bank returned no observations for {', '.join(codes)} in {', '.join(econ)}, "
            f"{span[0]}-{span[-1]}. Check the indicator code at https://data.worldbank.org/indicator."
        )
    data = data.sort_values(["indicator", "economy", "year"]).reset_index(drop=True)
    return Fetched(SOURCE, data, tuple(entries), tuple(cached))


def wdi_series(fetched: Fetched, indicator: str, economy: str, *, kind: SeriesKind | None = None) -> YearlySeries:
    """One indicator for one economy as a :class:`YearlySeries`, flagged as fetched.

    ``kind`` defaults to the entry in ``INDICATORS`` (``"signed"`` for unknown indicators).
    """
    frame = fetched.data
    rows = frame[(frame["indicator"] == indicator) & (frame["economy"] == economy.upper())]
    if rows.empty:
        raise DataValidationError(
            f"no fetched observations for {indicator} in {economy}",
            column="indicator",
            fix="fetch that indicator and economy first",
        )
    info = INDICATORS.get(indicator)
    matching = [e for e in fetched.entries if e.request.get("indicator") == indicator] or list(fetched.entries)
    provenance = "; ".join(e.provenance() for e in matching)
    return YearlySeries(
        name=f"wdi.{indicator}.{economy.lower()}",
        years=rows["year"].to_numpy(dtype=np.int64),
        values=rows["value"].to_numpy(dtype=np.float64),
        unit=info.unit if info else "",
        kind=kind or (info.kind if info else "signed"),
        concept=info.concept if info else indicator,
        source=f"World Bank WDI {indicator} ({provenance})",
        flags=("fetched",),
    )


@contextlib.contextmanager
def _timeout() -> Iterator[None]:
    """Give wbgapi's requests a timeout for the duration of one call (it has none by default)."""
    import wbgapi

    saved = dict(wbgapi.get_options)
    wbgapi.get_options.setdefault("timeout", TIMEOUT_S)
    try:
        yield
    finally:
        wbgapi.get_options.clear()
        wbgapi.get_options.update(saved)


def _call(what: str, function: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a wbgapi call, turning its failures into one clear FetchError."""
    import requests
    import wbgapi

    try:
        with _timeout():
            return function(*args, **kwargs)
    except wbgapi.APIResponseError:
        raise FetchError(f"The World Bank API sent a response that is not valid JSON ({what}).") from None
    except wbgapi.APIError as error:
        if error.code == 429:
            raise FetchError(f"World Bank API rate limit reached (HTTP 429) for {what}; wait and retry.") from None
        status = f"HTTP {error.code}" if error.code else "error"
        raise FetchError(f"The World Bank API answered {status} for {what}: {error.msg}") from None
    except requests.Timeout:
        raise FetchError(f"The World Bank API did not answer in {TIMEOUT_S:.0f} s ({what}).") from None
    except requests.RequestException as error:
        reason = network_reason(error)
        raise FetchError(f"Could not reach the World Bank API (offline?) for {what}: {reason}") from None
    except (TypeError, KeyError, IndexError, ValueError) as error:
        raise FetchError(f"Unexpected World Bank API response for {what} (malformed payload: {error}).") from None


def _database_version() -> str:
    import wbgapi

    record = _call("the WDI database record", wbgapi.source.get, WDI_DB)
    if not isinstance(record, dict):
        raise FetchError("The World Bank API sent no record for the WDI database (malformed payload).")
    return f"{record.get('name', 'WDI')} lastupdated {record.get('lastupdated', 'unknown')}"


def _download(request: dict[str, Any]) -> list[dict[str, Any]]:
    import wbgapi

    url = f"country/{request['economies']}/indicator/{request['indicator']}"
    params = {"date": request["date"], "source": request["db"]}
    what = f"{request['indicator']} ({request['economies']})"

    def collect() -> list[dict[str, Any]]:
        try:
            return list(wbgapi.fetch(url, params))
        except TypeError:
            # wbgapi iterates the data part of the response; the API sends null there when the
            # query matched nothing ("total": 0), which is an empty result, not a broken one.
            return []

    rows = _call(what, collect)
    return [dict(r) for r in rows]


def parse_wdi_rows(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Tidy table from the data rows of a World Bank v2 API response (``[header, rows]``).

    Rows with a null value are dropped (the API lists every requested year, with or without data).

    Raises
    ------
    FetchError
        If a row is not an object, lacks the indicator, country, date or value fields, or has a
        non-numeric year or value.
    """
    if not isinstance(rows, list):
        raise FetchError("World Bank data rows are not a list (malformed payload).")
    records = []
    for i, row in enumerate(rows):
        try:
            indicator = row["indicator"]
            country = row["country"]
            economy = row.get("countryiso3code") or country["id"]
            date = str(row["date"])
            value = row["value"]
        except (KeyError, TypeError) as error:
            raise FetchError(f"World Bank data row {i} lacks {error} (malformed payload).") from None
        if value is None:
            continue
        if (
            not date.isdigit()
            or isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise FetchError(f"World Bank data row {i} has year {date!r} and value {value!r} (malformed payload).")
        records.append(
            {
                "indicator": str(indicator.get("id", "")) if isinstance(indicator, dict) else str(indicator),
                "indicator_name": str(indicator.get("value", "")) if isinstance(indicator, dict) else "",
                "economy": str(economy),
                "economy_name": str(country.get("value", "")) if isinstance(country, dict) else "",
                "year": int(date),
                "value": float(value),
                "obs_status": str(row.get("obs_status") or ""),
            }
        )
    frame = pd.DataFrame.from_records(records, columns=COLUMNS)
    return frame.astype({"year": "int64", "value": "float64"})
