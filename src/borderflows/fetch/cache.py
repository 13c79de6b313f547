"""An on-disk cache of downloaded payloads that a crash can never corrupt.

Each entry is one gzip-compressed JSON file holding the request (never a secret), the retrieval
time, the source's version, the client library and its version, and the raw payload with its
SHA-256. Writes go to a temporary file in the same directory and are moved into place with
:func:`os.replace`, which is atomic on POSIX and Windows: a reader sees either the old entry or the
complete new one, never a half-written file. An entry that fails to decompress, to parse, or to
match its checksum is treated as missing, logged, and deleted.

The cache lives in the user's data directory (``platformdirs.user_data_dir("borderflows")``) under
``fetched/``, or wherever the ``BORDERFLOWS_DATA_DIR`` environment variable points.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import platformdirs

logger = logging.getLogger(__name__)

CACHE_FORMAT = 1
"""Version of the on-disk entry layout; entries of another format are ignored."""

DATA_DIR_ENV = "BORDERFLOWS_DATA_DIR"
"""Environment variable that moves the fetched-data cache (tests and shared machines use it)."""

_TMP_PREFIX = ".tmp-"
_SUFFIX = ".json.gz"


def default_cache_dir() -> Path:
    """Where fetched payloads are kept: ``$BORDERFLOWS_DATA_DIR/fetched`` or the platform data dir."""
    root = os.environ.get(DATA_DIR_ENV)
    base = Path(root) if root else Path(platformdirs.user_data_dir("borderflows", appauthor=False))
    return base / "fetched"


def client_version(distribution: str) -> str:
    """``"<distribution> <version>"`` for the installed client library, for provenance."""
    try:
        return f"{distribution} {metadata.version(distribution)}"
    except metadata.PackageNotFoundError:
        return f"{distribution} (version unknown)"


def request_key(source: str, request: Mapping[str, Any]) -> str:
    """A stable SHA-256 of a source name and its request parameters (order-independent)."""
    canonical = json.dumps({"source": source, "request": request}, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _payload_digest(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def utc_now() -> str:
    """The current UTC time as ISO 8601 with seconds, e.g. ``2026-11-22T05:40:00+00:00``."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class CacheEntry:
    """One cached download and its provenance.

    Attributes
    ----------
    source
        Short source name: ``"un_comtrade"``, ``"wdi"`` or ``"imf_imts"``.
    request
        The request parameters as sent, minus any credential.
    retrieved_at
        UTC ISO 8601 time of the download.
    source_version
        What the source says about its own version (e.g. WDI's ``lastupdated``), or a note saying
        the source does not report one.
    client
        The client library and its version, e.g. ``"wbgapi 1.0.14"``.
    payload
        The raw records as the client returned them (JSON-serialisable).
    """

    source: str
    request: dict[str, Any]
    retrieved_at: str
    source_version: str
    client: str
    payload: Any

    @property
    def key(self) -> str:
        """The cache key of this entry's request."""
        return request_key(self.source, self.request)

    def provenance(self) -> str:
        """One line saying where and when the payload came from."""
        return (
            f"fetched from {self.source} on {self.retrieved_at} with {self.client}; "
            f"source version: {self.source_version}; request: {json.dumps(self.request, sort_keys=True)}"
        )


class FetchCache:
    """Atomic on-disk cache of :class:`CacheEntry` objects, one file per request.

    Parameters
    ----------
    root
        Directory of the cache; defaults to :func:`default_cache_dir`.
    """

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root) if root is not None else default_cache_dir()

    def path_for(self, source: str, request: Mapping[str, Any]) -> Path:
        """The file an entry for this request lives in."""
        return self.root / source / f"{request_key(source, request)}{_SUFFIX}"

    def get(self, source: str, request: Mapping[str, Any]) -> CacheEntry | None:
        """The cached entry for this request, or ``None`` if absent or unreadable."""
        return self._read(self.path_for(source, request))

    def put(self, entry: CacheEntry) -> Path:
        """Write an entry atomically; return its path."""
        path = self.path_for(entry.source, entry.request)
        document = {
            "format": CACHE_FORMAT,
            "source": entry.source,
            "request": entry.request,
            "retrieved_at": entry.retrieved_at,
            "source_version": entry.source_version,
            "client": entry.client,
            "payload_sha256": _payload_digest(entry.payload),
            "payload": entry.payload,
        }
        data = gzip.compress(json.dumps(document, sort_keys=True).encode())
        atomic_write_bytes(path, data)
        return path

    def entries(self) -> list[CacheEntry]:
        """Every readable entry, oldest retrieval first."""
        if not self.root.exists():
            return []
        found = [self._read(path) for path in sorted(self.root.glob(f"*/*{_SUFFIX}"))]
        return sorted((e for e in found if e is not None), key=lambda e: e.retrieved_at)

    def to_frame(self) -> pd.DataFrame:
        """A table of the cache: source, retrieved_at, source_version, client, request, records, file."""
        rows = [
            {
                "source": e.source,
                "retrieved_at": e.retrieved_at,
                "source_version": e.source_version,
                "client": e.client,
                "request": json.dumps(e.request, sort_keys=True),
                "records": len(e.payload) if isinstance(e.payload, list) else 1,
                "file": str(self.path_for(e.source, e.request)),
            }
            for e in self.entries()
        ]
        columns = ["source", "retrieved_at", "source_version", "client", "request", "records", "file"]
        return pd.DataFrame(rows, columns=columns)

    def clear(self, source: str | None = None) -> int:
        """Delete entries (of one source, or all) and stray temporary files; return how many entries."""
        if not self.root.exists():
            return 0
        pattern = f"{source}/*" if source else "*/*"
        removed = 0
        for path in self.root.glob(pattern):
            if path.name.endswith(_SUFFIX) and not path.name.startswith(_TMP_PREFIX):
                removed += 1
            if path.is_file():
                path.unlink()
        return removed

    def _read(self, path: Path) -> CacheEntry | None:
        if not path.is_file():
            return None
        try:
            document = json.loads(gzip.decompress(path.read_bytes()))
            if document.get("format") != CACHE_FORMAT:
                raise ValueError(f"cache format {document.get('format')!r}, expected {CACHE_FORMAT}")
            if _payload_digest(document["payload"]) != document["payload_sha256"]:
                raise ValueError("payload checksum mismatch")
            return CacheEntry(
                source=document["source"],
                request=document["request"],
                retrieved_at=document["retrieved_at"],
                source_version=document["source_version"],
                client=document["client"],
                payload=document["payload"],
            )
        except (OSError, EOFError, ValueError, KeyError, TypeError) as error:
            logger.warning("Ignoring unreadable cache entry %s (%s); it will be downloaded again.", path, error)
            path.unlink(missing_ok=True)
            return None


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one.

    The bytes go to a temporary file in the same directory, are flushed and fsync'ed, and the file
    is then moved over ``path`` with :func:`os.replace`. If anything fails (including
    ``KeyboardInterrupt``), the temporary file is removed and ``path`` is untouched.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    # Not a `with` block: the file must outlive it so it can be renamed, and is removed on failure below.
    handle = tempfile.NamedTemporaryFile(dir=path.parent, prefix=_TMP_PREFIX, suffix=".part", delete=False)  # noqa: SIM115
    tmp = Path(handle.name)
    try:
        with handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
