"""What every loader returns, and helpers shared by the loaders (years, secrets, country codes)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from borderflows.exceptions import DataValidationError
from borderflows.fetch.cache import CacheEntry

FETCHED_FLAG = "fetched"
"""The ``flag`` that marks rows downloaded by borderflows rather than curated by hand."""


@dataclass(frozen=True)
class Fetched:
    """A tidy table downloaded from an online source, with the provenance of every request.

    Attributes
    ----------
    source
        ``"un_comtrade"``, ``"wdi"`` or ``"imf_imts"``.
    data
        The tidy table (columns documented by each loader).
    entries
        One cache entry per request that made up ``data`` (request, retrieval time, source version).
    from_cache
        For each entry, whether it was read from the on-disk cache instead of downloaded now.
    """

    source: str
    data: pd.DataFrame
    entries: tuple[CacheEntry, ...]
    from_cache: tuple[bool, ...]

    def provenance(self) -> str:
        """All requests behind this table, one line each."""
        return "\n".join(entry.provenance() for entry in self.entries)

    def provenance_frame(self) -> pd.DataFrame:
        """One row per request: source, retrieved_at, source_version, client, request, from_cache."""
        return pd.DataFrame(
            [
                {
                    "source": e.source,
                    "retrieved_at": e.retrieved_at,
                    "source_version": e.source_version,
                    "client": e.client,
                    "request": e.request,
                    "from_cache": cached,
                }
                for e, cached in zip(self.entries, self.from_cache, strict=True)
            ],
            columns=["source", "retrieved_at", "source_version", "client", "request", "from_cache"],
        )


def year_list(years: int | Iterable[int] | None, *, default: Sequence[int]) -> list[int]:
    """Validate a year, a range or a list of years; ``None`` gives ``default``."""
    if years is None:
        return list(default)
    items = [years] if isinstance(years, int) else list(years)
    bad = [y for y in items if isinstance(y, bool) or not isinstance(y, int) or not 1900 <= y <= 2100]
    if bad or not items:
        raise DataValidationError(
            "years must be whole numbers between 1900 and 2100",
            column="years",
            rows=bad or ["(none given)"],
            fix="pass e.g. range(2010, 2025) or [2023, 2024]",
        )
    return sorted(set(items))


def chunks(items: Sequence[int], size: int) -> list[list[int]]:
    """Split a sorted list into consecutive pieces of at most ``size``."""
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


_ISO3 = re.compile(r"^[A-Z]{3}$")


def iso3_codes(codes: str | Iterable[str], *, column: str) -> list[str]:
    """Upper-case ISO 3166 alpha-3 codes, rejecting anything else with a clear message."""
    items = [codes] if isinstance(codes, str) else list(codes)
    cleaned = [str(c).strip().upper() for c in items]
    bad = [c for c in cleaned if not _ISO3.match(c)]
    if bad or not cleaned:
        raise DataValidationError(
            "country codes must be ISO 3166 alpha-3 (three letters)",
            column=column,
            rows=bad or ["(none given)"],
            fix="use e.g. CHN, KAZ, RUS (not CN or China)",
        )
    return cleaned


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every secret (and its URL-encoded form) in ``text`` with ``***``."""
    from urllib.parse import quote, quote_plus

    for secret in secrets:
        if not secret:
            continue
        for form in {secret, quote(secret, safe=""), quote_plus(secret)}:
            text = text.replace(form, "***")
    return text


def network_reason(error: BaseException) -> str:
    """The innermost reason of a network error (e.g. a DNS failure), in one short line."""
    seen = {id(error)}
    while error.__context__ is not None and id(error.__context__) not in seen:
        error = error.__context__
        seen.add(id(error))
    return f"{type(error).__name__}: {str(error)[:160]}"
