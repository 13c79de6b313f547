"""IMF International Trade in Goods (IMTS, the successor of DOTS) through ``sdmx1``.

One SDMX 2.1 REST request to ``https://api.imf.org/external/sdmx/2.1/data/IMF.STA,IMTS/<key>``
with key ``COUNTRY.INDICATOR.COUNTERPART_COUNTRY.FREQUENCY``, e.g.
``CHN+KAZ.XG_FOB_USD+MG_CIF_USD.CHN+KAZ.A``: exports FOB and imports CIF, as reported by each
country (or estimated by the IMF from partner data), in US dollars. The response is asked for as
SDMX-ML 2.1 *generic* data, which ``sdmx1`` reads without first downloading the data structure
definition; should the service answer with structure-specific data instead, ``sdmx1`` infers the
structure from the message and the result is the same. The raw XML is cached and parsed on every read.
"""

from __future__ import annotations

import contextlib
import io
import logging
import math
import re
from collections.abc import Iterable
from typing import Any

import pandas as pd

from borderflows.exceptions import FetchError
from borderflows.fetch.base import Fetched, iso3_codes, network_reason, year_list
from borderflows.fetch.cache import CacheEntry, FetchCache, client_version, utc_now

logger = logging.getLogger(__name__)

SOURCE = "imf_imts"
SDMX_SOURCE = "IMF_DATA"
"""``sdmx1``'s id of the IMF's SDMX 2.1 web service (https://api.imf.org/external/sdmx/2.1)."""
DATAFLOW = "IMF.STA,IMTS"
ACCEPT = "application/vnd.sdmx.genericdata+xml;version=2.1"
TIMEOUT_S = 120.0

INDICATORS: dict[str, tuple[str, str]] = {
    "XG_FOB_USD": ("exports", "fob"),
    "MG_CIF_USD": ("imports", "cif"),
}
"""IMTS indicators fetched: goods exports FOB and imports CIF in US dollars, as (flow, valuation)."""

COLUMNS = ["year", "reporter", "partner", "flow", "valuation", "value_usd_m", "indicator", "attributes"]


def fetch_imf_imts(
    reporters: str | Iterable[str] = ("CHN", "KAZ"),
    partners: str | Iterable[str] | None = None,
    years: int | Iterable[int] | None = None,
    *,
    refresh: bool = False,
    cache: FetchCache | None = None,
) -> Fetched:
    """Bilateral goods exports (FOB) and imports (CIF) from the IMF's IMTS dataflow.

    Parameters
    ----------
    reporters
        ISO3 codes of the reporting countries.
    partners
        ISO3 codes of the counterpart countries (default: the reporters, i.e. the pair's mirror flows).
    years
        Years (default 2000 to 2024); the request spans the first to the last.
    refresh
        Download again even if cached.
    cache
        The cache to use (default: the user's data directory).

    Returns
    -------
    Fetched
        ``data`` has the columns in ``COLUMNS``; ``value_usd_m`` is millions of US dollars (the
        API's values are in dollars). ``attributes`` keeps any observation attributes as
        ``ID=value`` pairs.

    Raises
    ------
    FetchError
        Network failure, HTTP error, a malformed payload, or no observations.
    """
    rep = iso3_codes(reporters, column="reporter")
    par = iso3_codes(partners if partners is not None else rep, column="partner")
    span = year_list(years, default=range(2000, 2025))
    key = f"{'+'.join(rep)}.{'+'.join(INDICATORS)}.{'+'.join(par)}.A"
    request = {"dataflow": DATAFLOW, "key": key, "startPeriod": str(span[0]), "endPeriod": str(span[-1])}
    cache = cache or FetchCache()
    entry = None if refresh else cache.get(SOURCE, request)
    from_cache = entry is not None
    if entry is None:
        xml, version = _download(request)
        entry = CacheEntry(SOURCE, request, utc_now(), version, client_version("sdmx1"), xml)
        # Parse before caching: a payload that cannot be read is never stored, nor an empty one.
        if not parse_imts(xml).empty:
            cache.put(entry)
    data = parse_imts(entry.payload)
    data = data[data["year"].isin(span) & (data["reporter"] != data["partner"])]
    if data.empty:
        raise FetchError(
            f"The IMF returned no IMTS observations for {key} in {span[0]}-{span[-1]}. "
            "The IMF answers unknown codes with an empty message too; check the ISO3 codes."
        )
    data = data.sort_values(["year", "reporter", "flow", "partner"]).reset_index(drop=True)
    return Fetched(SOURCE, data, (entry,), (from_cache,))


def _download(request: dict[str, Any]) -> tuple[str, str]:
    """Build the request with sdmx1, send it on sdmx1's session; return the raw XML and a version line."""
    import requests
    import sdmx

    client = sdmx.Client(SDMX_SOURCE)
    prepared = client.data(
        request["dataflow"],
        key=request["key"],
        params={"startPeriod": request["startPeriod"], "endPeriod": request["endPeriod"]},
        headers={"Accept": ACCEPT},
        dry_run=True,
    )
    try:
        response = client.session.send(prepared, timeout=TIMEOUT_S)
    except requests.Timeout:
        raise FetchError(f"The IMF API did not answer in {TIMEOUT_S:.0f} s.") from None
    except requests.RequestException as error:
        raise FetchError(f"Could not reach the IMF API (offline?): {network_reason(error)}") from None
    status = response.status_code
    if status == 429:
        raise FetchError("IMF API rate limit reached (HTTP 429); wait and run again.")
    if status == 404:
        # SDMX services answer 404 "NoResultsFound" when the key matches no series.
        raise FetchError(f"The IMF found no IMTS series for {request['key']} (HTTP 404); check the ISO3 codes.")
    if status != 200:
        raise FetchError(f"The IMF API answered HTTP {status} for {request['key']}: {_sdmx_error(response.text)}")
    xml = response.content.decode("utf-8", errors="replace")
    message = _read_message(xml)
    prepared_at = getattr(message.header, "prepared", None)
    structure = ""
    if getattr(message, "data", None) and getattr(message.data[0], "structured_by", None) is not None:
        structure = str(message.data[0].structured_by)
    version = f"IMTS message prepared {prepared_at or 'unknown'}; structure {structure or 'not stated'}"
    return xml, version


_ERROR_TEXT = re.compile(r"<(?:\w+:)?Text[^>]*>(.*?)</(?:\w+:)?Text>", re.DOTALL)


def _sdmx_error(text: str) -> str:
    """The text of an SDMX error message, or the start of the body."""
    found = _ERROR_TEXT.findall(text)
    return "; ".join(t.strip() for t in found) if found else text[:200].strip()


class _DropMessage(logging.Filter):
    def __init__(self, fragment: str) -> None:
        super().__init__()
        self.fragment = fragment

    def filter(self, record: logging.LogRecord) -> bool:
        return self.fragment not in record.getMessage()


def _read_message(xml: str) -> Any:
    """Read SDMX-ML with sdmx1, turning SDMX error messages and unreadable text into FetchError."""
    import sdmx

    if re.search(r"<(?:\w+:)?Error[\s>]", xml[:2000]):
        raise FetchError(f"The IMF answered with an SDMX error message: {_sdmx_error(xml)}")
    # sdmx1's reader prints diagnostics to stdout on some failures (a library must not print), and
    # logs a warning when structure-specific data come without their structure, which it then infers.
    reader_log = logging.getLogger("sdmx.reader.xml.v21")
    quiet = _DropMessage("got no structure=")
    reader_log.addFilter(quiet)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            message = sdmx.read_sdmx(io.BytesIO(xml.encode("utf-8")))
    except Exception as error:  # sdmx1 raises XML, value, lookup and NotImplemented errors
        raise FetchError(f"The IMF payload is not a readable SDMX message (malformed): {error}") from None
    finally:
        reader_log.removeFilter(quiet)
    if not hasattr(message, "data"):
        raise FetchError(f"The IMF sent a {type(message).__name__}, not a data message (malformed payload).")
    return message


def parse_imts(xml: str) -> pd.DataFrame:
    """Tidy table from an SDMX-ML 2.1 generic data message of the IMTS dataflow.

    Raises
    ------
    FetchError
        If the text is an SDMX error or not SDMX-ML, a series lacks the IMTS dimensions, or a value
        is not numeric.
    """
    message = _read_message(xml)
    records = []
    for dataset in message.data:
        for series_key, observations in dataset.series.items():
            dims = {kv.id: str(kv.value) for kv in series_key.values.values()}
            try:
                reporter, indicator, partner = dims["COUNTRY"], dims["INDICATOR"], dims["COUNTERPART_COUNTRY"]
            except KeyError as error:
                raise FetchError(f"An IMF series lacks the dimension {error} (malformed payload).") from None
            if indicator not in INDICATORS or dims.get("FREQUENCY", "A") != "A":
                continue
            flow, valuation = INDICATORS[indicator]
            for obs in observations:
                records.append(_record(obs, reporter, partner, flow, valuation, indicator))
    frame = pd.DataFrame.from_records(records, columns=COLUMNS)
    return frame.astype({"year": "int64", "value_usd_m": "float64"})


def _record(obs: Any, reporter: str, partner: str, flow: str, valuation: str, indicator: str) -> dict[str, Any]:
    period = str(obs.dim.values["TIME_PERIOD"].value) if obs.dim is not None else ""
    value = obs.value
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not period[:4].isdigit() or len(period) != 4 or not math.isfinite(number):
        raise FetchError(
            f"IMF observation {reporter}.{indicator}.{partner} has period {period!r} and value {value!r} "
            "(malformed payload)."
        )
    attributes = ";".join(f"{k}={v.value}" for k, v in sorted(obs.attached_attribute.items()))
    return {
        "year": int(period),
        "reporter": reporter,
        "partner": partner,
        "flow": flow,
        "valuation": valuation,
        "value_usd_m": number / 1e6,
        "indicator": indicator,
        "attributes": attributes,
    }
