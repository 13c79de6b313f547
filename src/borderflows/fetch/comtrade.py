"""UN Comtrade through its official client, ``comtradeapicall``: bilateral totals and HS chapters.

For a pair of countries (A, B) one request per block of years asks for what A reports about B and
what B reports about A, exports and imports, so all four reports of the pair come back: the two
"mirror" comparisons are A's exports against B's imports and B's exports against A's imports.
Values are in US dollars (exports FOB, imports CIF, as Comtrade's ``primaryValue``), with net
weight (kg) and quantity where the reporter supplied them.

The API key is read from the ``COMTRADE_API_KEY`` environment variable (free registration at
https://comtradedeveloper.un.org, product "comtrade - v1"). It is passed to the client and nowhere
else: it is not part of the cached request, it is scrubbed from anything the client prints or
logs, and from every error message. Without a key, ``preview=True`` uses the client's keyless
public preview endpoint, which returns at most 500 records per call (one call per year here).

The client reports HTTP errors and network failures by printing and returning ``None``; this
module captures that output and turns it into a :class:`~borderflows.exceptions.FetchError`.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import math
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Literal

import pandas as pd

from borderflows.exceptions import DataValidationError, FetchError
from borderflows.fetch.base import Fetched, chunks, iso3_codes, redact, year_list
from borderflows.fetch.cache import CacheEntry, FetchCache, client_version, utc_now

logger = logging.getLogger(__name__)

SOURCE = "un_comtrade"
KEY_ENV = "COMTRADE_API_KEY"
KEY_HELP = (
    f"UN Comtrade needs an API key in the {KEY_ENV} environment variable. Get a free one: sign in at "
    "https://comtradedeveloper.un.org, open Products > Free APIs, subscribe to 'comtrade - v1', copy the "
    f"primary key, then `export {KEY_ENV}=<key>`. Or pass preview=True (CLI: --preview) to use the keyless "
    "public preview (at most 500 records per call)."
)

MAX_RECORDS_KEY = 100_000
"""Records per call with a free key (the API's documented cap for the free tier)."""
MAX_RECORDS_PREVIEW = 500
"""Records per call on the keyless preview endpoint."""
YEARS_PER_CALL = 12
"""The v1 API accepts at most 12 periods in one request."""
RATE_LIMIT_RETRIES = 2
"""After HTTP 429, wait as the gateway asks (at most ``RATE_LIMIT_MAX_WAIT_S``) and retry this often."""
RATE_LIMIT_MAX_WAIT_S = 10.0

_sleep = time.sleep  # replaced in tests

Level = Literal["total", "hs2"]
CMD_CODES: dict[str, str] = {"total": "TOTAL", "hs2": "AG2"}

COMTRADE_CODES: dict[str, int] = {
    # Comtrade reporter/partner codes are UN M49 codes, which equal ISO 3166 numeric codes except
    # where Comtrade keeps a historical area (e.g. USA 842, France 251, India 699, Switzerland 757,
    # Norway 579). Listed: the pair of this project, its neighbours and main trade partners. Any
    # other country: pass its numeric code from https://comtradeapi.un.org/files/v1/app/reference/Reporters.json
    "AFG": 4,
    "AZE": 31,
    "BLR": 112,
    "CHE": 757,
    "CHN": 156,
    "DEU": 276,
    "FRA": 251,
    "GBR": 826,
    "GEO": 268,
    "HKG": 344,
    "IND": 699,
    "IRN": 364,
    "JPN": 392,
    "KAZ": 398,
    "KGZ": 417,
    "KOR": 410,
    "MAC": 446,
    "MNG": 496,
    "NLD": 528,
    "NOR": 579,
    "PAK": 586,
    "RUS": 643,
    "TJK": 762,
    "TKM": 795,
    "TUR": 792,
    "UKR": 804,
    "USA": 842,
    "UZB": 860,
}
_CODE_TO_ISO3 = {code: iso for iso, code in COMTRADE_CODES.items()}

FLOWS: dict[str, str] = {"X": "exports", "M": "imports", "RX": "re-exports", "RM": "re-imports"}

COLUMNS = [
    "year",
    "reporter",
    "partner",
    "flow",
    "cmd_code",
    "cmd_desc",
    "value_usd",
    "valuation",
    "fob_value_usd",
    "cif_value_usd",
    "net_weight_kg",
    "net_weight_estimated",
    "qty",
    "qty_unit",
    "qty_estimated",
    "is_reported",
    "is_aggregate",
]
"""Columns of :func:`parse_comtrade_records`' table."""

_QUERY = re.compile(r"\?[^\s'\"]*")
_REQUIRED_FIELDS = ("reporterCode", "partnerCode", "flowCode", "cmdCode", "primaryValue")

# The function of the client that sends one request; tests replace the HTTP layer underneath it.
ClientCall = Callable[..., pd.DataFrame | None]


def comtrade_code(country: str | int) -> int:
    """Comtrade's numeric code for an ISO3 code (from the table above) or a numeric code."""
    if isinstance(country, int) or (isinstance(country, str) and country.strip().isdigit()):
        return int(country)
    iso = iso3_codes(country, column="country")[0]
    if iso not in COMTRADE_CODES:
        raise DataValidationError(
            f"no Comtrade code on file for {iso}",
            column="country",
            rows=[iso],
            fix="pass the numeric Comtrade (M49) code instead, from "
            "https://comtradeapi.un.org/files/v1/app/reference/Reporters.json",
        )
    return COMTRADE_CODES[iso]


def api_key() -> str | None:
    """The API key from the environment, or ``None``."""
    key = os.environ.get(KEY_ENV, "").strip()
    return key or None


def fetch_comtrade(
    reporter: str | int,
    partner: str | int,
    years: int | Iterable[int] | None = None,
    *,
    level: Level = "total",
    preview: bool = False,
    refresh: bool = False,
    cache: FetchCache | None = None,
) -> Fetched:
    """Annual goods trade between two countries, as both of them report it.

    Parameters
    ----------
    reporter, partner
        ISO3 codes (see ``COMTRADE_CODES``) or numeric Comtrade codes. The order does not matter:
        both countries' reports about each other are fetched.
    years
        A year or years (default: 2000 to 2024).
    level
        ``"total"`` for all goods, or ``"hs2"`` for the HS chapters (2-digit codes).
    preview
        Use the keyless public preview endpoint (500 records per call) even if a key is set; it is
        also the only way to fetch without a key.
    refresh
        Download again even if the request is cached.
    cache
        The cache to use (default: the user's data directory).

    Returns
    -------
    Fetched
        ``data`` has the columns in ``COLUMNS``; one row per year, reporter, flow and commodity.

    Raises
    ------
    FetchError
        No key and no ``preview``; network failure; HTTP error (401 bad key, 429 rate limit, ...);
        a malformed payload; or no records at all.
    """
    if level not in CMD_CODES:
        raise DataValidationError(f"unknown level {level!r}", column="level", fix="use 'total' or 'hs2'")
    codes = sorted({comtrade_code(reporter), comtrade_code(partner)})
    if len(codes) != 2:
        raise DataValidationError("reporter and partner are the same country", column="partner", fix="pick two")
    key = None if preview else api_key()
    if key is None and not preview:
        raise FetchError(KEY_HELP)
    wanted = year_list(years, default=range(2000, 2025))
    cache = cache or FetchCache()
    per_call = YEARS_PER_CALL if key else 1
    entries: list[CacheEntry] = []
    cached: list[bool] = []
    for block in chunks(wanted, per_call):
        request = _request(codes, block, level, preview=key is None)
        entry = None if refresh else cache.get(SOURCE, request)
        cached.append(entry is not None)
        if entry is None:
            records = _download_politely(request, key)
            entry = CacheEntry(
                source=SOURCE,
                request=request,
                retrieved_at=utc_now(),
                source_version="not reported by the v1 data endpoint; see retrieved_at",
                client=client_version("comtradeapicall"),
                payload=records,
            )
            # Parse before caching: a payload that cannot be read is never stored, and an empty
            # answer is not stored either (the data may be released later).
            parse_comtrade_records(records)
            if records:
                cache.put(entry)
        entries.append(entry)
    frames = [parse_comtrade_records(e.payload) for e in entries if e.payload]
    if not frames:
        raise FetchError(
            f"UN Comtrade returned no records for {codes[0]} and {codes[1]} in {wanted[0]}-{wanted[-1]} "
            f"({level}). Comtrade answers invalid codes or years with an empty list too; check both."
        )
    data = pd.concat(frames, ignore_index=True).sort_values(["year", "reporter", "flow", "cmd_code"])
    return Fetched(SOURCE, data.reset_index(drop=True), tuple(entries), tuple(cached))


def _request(codes: list[int], years: list[int], level: Level, *, preview: bool) -> dict[str, Any]:
    pair = ",".join(map(str, codes))
    return {
        "endpoint": "public/v1/preview" if preview else "data/v1/get",
        "typeCode": "C",
        "freqCode": "A",
        "clCode": "HS",
        "period": ",".join(map(str, years)),
        "reporterCode": pair,
        "partnerCode": pair,
        "cmdCode": CMD_CODES[level],
        "flowCode": "X,M",
        "partner2Code": 0,
        "customsCode": "C00",
        "motCode": 0,
        "maxRecords": MAX_RECORDS_PREVIEW if preview else MAX_RECORDS_KEY,
    }


class _RateLimited(FetchError):
    def __init__(self, message: str, wait_s: float) -> None:
        super().__init__(message)
        self.wait_s = wait_s


def _download_politely(request: Mapping[str, Any], key: str | None) -> list[dict[str, Any]]:
    """:func:`_download`, retried after a rate-limit answer when the wait asked for is short."""
    for attempt in range(RATE_LIMIT_RETRIES + 1):
        try:
            return _download(request, key)
        except _RateLimited as error:
            if attempt == RATE_LIMIT_RETRIES or error.wait_s > RATE_LIMIT_MAX_WAIT_S:
                raise FetchError(str(error)) from None
            logger.info("UN Comtrade rate limit; retrying in %.0f s", error.wait_s)
            _sleep(error.wait_s)
    raise AssertionError("unreachable")  # pragma: no cover


_RETRY_AFTER = re.compile(r"try again in (\d+(?:\.\d+)?) second", re.IGNORECASE)


def _download(request: Mapping[str, Any], key: str | None) -> list[dict[str, Any]]:
    """Send one request through comtradeapicall; return its records or raise a clean FetchError."""
    import comtradeapicall

    args = {k: v for k, v in request.items() if k != "endpoint"}
    args.update(format_output="JSON", includeDesc=True)
    secrets = [key] if key else []
    printed = io.StringIO()
    try:
        with _redacting_logs(secrets), contextlib.redirect_stdout(printed):
            if key is None:
                frame = comtradeapicall.previewFinalData(**args)
            else:
                frame = comtradeapicall.getFinalData(key, **args)
    except json.JSONDecodeError:
        raise FetchError("UN Comtrade sent a response that is not JSON (malformed payload).") from None
    except KeyError as error:
        raise FetchError(f"UN Comtrade's response lacks the {error} field (malformed payload).") from None
    except Exception as error:  # the client lets other failures through; never show the key
        message = redact(_QUERY.sub("?...", f"{type(error).__name__}: {error}"), secrets)
        raise FetchError(f"UN Comtrade request failed: {message}") from None
    # Query strings carry the key: drop them from anything shown, then redact whatever is left.
    output = redact(_QUERY.sub("?...", printed.getvalue().strip()), secrets)
    if frame is None:
        explanation = _explain_failure(output)
        if "(HTTP 429)" in explanation:
            match = _RETRY_AFTER.search(output)
            raise _RateLimited(explanation, float(match.group(1)) if match else 1.0)
        raise FetchError(explanation)
    if output:
        logger.info("comtradeapicall said: %s", output)
    # A JSON round trip turns numpy scalars and NaN into plain values and null. pandas writes
    # `double_precision` decimal places (default 10); its maximum, 15, also keeps tiny quantities.
    records = json.loads(frame.to_json(orient="records", double_precision=15))
    if len(records) >= int(request["maxRecords"]):
        raise FetchError(
            f"UN Comtrade returned {len(records)} records, its cap for one call, so some are missing. "
            "Ask for fewer years at a time."
        )
    return list(records)


def _explain_failure(output: str) -> str:
    """Turn what comtradeapicall printed on failure into one clear sentence."""
    if output.startswith("Request error"):
        return f"Could not reach UN Comtrade (offline, DNS failure or timeout): {output[:300]}"
    status = None
    detail = output
    with contextlib.suppress(ValueError, AttributeError, TypeError):
        body = json.loads(output)
        status = int(body.get("statusCode"))
        detail = str(body.get("message", output))
    if status == 429:
        return f"UN Comtrade rate limit reached (HTTP 429): {detail} Wait and run again; finished years are cached."
    if status in (401, 403):
        return f"UN Comtrade refused the API key (HTTP {status}): {detail} Check {KEY_ENV}."
    if status is not None:
        return f"UN Comtrade answered HTTP {status}: {detail}"
    return f"UN Comtrade request failed: {detail[:300] or 'no response and no message'}"


class _RedactFilter(logging.Filter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(s and s in message for s in self.secrets) or "subscription-key" in message:
            record.msg = redact(message, self.secrets)
            record.args = ()
        return True


@contextlib.contextmanager
def _redacting_logs(secrets: list[str]) -> Iterator[None]:
    """While the client runs, scrub the key from urllib3's debug log lines (they contain the URL)."""
    loggers = [logging.getLogger(name) for name in ("urllib3", "urllib3.connectionpool", "urllib3.util.retry")]
    flt = _RedactFilter(secrets)
    for lg in loggers:
        lg.addFilter(flt)
    try:
        yield
    finally:
        for lg in loggers:
            lg.removeFilter(flt)


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes"}
    return bool(value) if value is not None and not (isinstance(value, float) and math.isnan(value)) else False


def _positive_or_nan(series: pd.Series) -> pd.Series:
    """Comtrade writes 0 where a weight or quantity is unknown: treat zero and negatives as missing."""
    numbers = pd.to_numeric(series, errors="coerce").astype("float64")
    return numbers.where(numbers > 0)


def parse_comtrade_records(records: list[dict[str, Any]]) -> pd.DataFrame:
    """Tidy table from the ``data`` records of a Comtrade v1 ``get``/``preview`` response.

    Rows broken down by second partner, customs procedure or transport mode (when present) are
    dropped so that totals are not double counted.

    Raises
    ------
    FetchError
        If records are not objects, lack a required field, or carry non-numeric values or years.
    """
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise FetchError("UN Comtrade's 'data' is not a list of records (malformed payload).")
    if not records:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in COLUMNS})
    raw = pd.DataFrame.from_records(records)
    missing = [f for f in _REQUIRED_FIELDS if f not in raw.columns]
    if "refYear" not in raw.columns and "period" not in raw.columns:
        missing.append("refYear")
    if missing:
        raise FetchError(f"UN Comtrade records lack the field(s) {', '.join(missing)} (malformed payload).")
    for name, total in (("partner2Code", 0), ("motCode", 0), ("customsCode", "C00")):
        if name in raw.columns:
            raw = raw[raw[name].astype(str) == str(total)]
    year_field = raw["refYear"] if "refYear" in raw.columns else raw["period"]
    years = pd.to_numeric(year_field, errors="coerce")
    values = pd.to_numeric(raw["primaryValue"], errors="coerce")
    bad = raw.index[years.isna() | (years % 1 != 0) | values.isna() | ~values.map(math.isfinite)]
    if len(bad):
        raise FetchError(f"UN Comtrade records {list(bad[:5])} have a non-numeric year or value (malformed payload).")
    flows = raw["flowCode"].astype(str).map(FLOWS)
    if flows.isna().any():
        odd = sorted(set(raw.loc[flows.isna(), "flowCode"].astype(str)))
        raise FetchError(f"UN Comtrade records have unknown flow code(s) {odd} (malformed payload).")

    def field_of(name: str, default: Any = None) -> pd.Series:
        return raw[name] if name in raw.columns else pd.Series(default, index=raw.index, dtype="object")

    out = pd.DataFrame(
        {
            "year": years.astype("int64"),
            "reporter": _iso3(field_of("reporterISO"), raw["reporterCode"]),
            "partner": _iso3(field_of("partnerISO"), raw["partnerCode"]),
            "flow": flows,
            "cmd_code": raw["cmdCode"].astype(str),
            "cmd_desc": field_of("cmdDesc", "").fillna("").astype(str),
            "value_usd": values.astype("float64"),
            "valuation": flows.map({"exports": "fob", "re-exports": "fob"}).fillna("cif"),
            "fob_value_usd": pd.to_numeric(field_of("fobvalue"), errors="coerce").astype("float64"),
            "cif_value_usd": pd.to_numeric(field_of("cifvalue"), errors="coerce").astype("float64"),
            "net_weight_kg": _positive_or_nan(field_of("netWgt")),
            "net_weight_estimated": field_of("isNetWgtEstimated", False).map(_as_bool).astype(bool),
            "qty": _positive_or_nan(field_of("qty")),
            "qty_unit": field_of("qtyUnitAbbr", "").fillna("").astype(str).replace({"N/A": "", "na": ""}),
            "qty_estimated": field_of("isQtyEstimated", False).map(_as_bool).astype(bool),
            "is_reported": field_of("isReported", True).map(_as_bool).astype(bool),
            "is_aggregate": field_of("isAggregate", False).map(_as_bool).astype(bool),
        }
    )
    return out.reset_index(drop=True)[COLUMNS]


def _iso3(iso: pd.Series, code: pd.Series) -> pd.Series:
    """The response's ISO3 where given, else our table, else ``M49:<code>``."""

    def from_table(c: Any) -> str:
        try:
            number = int(c)
        except (TypeError, ValueError):
            return f"M49:{c}"
        return _CODE_TO_ISO3.get(number, f"M49:{number}")

    from_code = code.map(from_table)
    given = iso.where(iso.astype(str).str.fullmatch(r"[A-Z]{3}"), None)
    return given.fillna(from_code).astype(str)
