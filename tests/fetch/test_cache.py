"""The fetched-data cache: round trip, provenance, and survival of interrupted or corrupted writes."""

from __future__ import annotations

import gzip
import logging
import os
import tempfile
from pathlib import Path

import hypothesis.strategies as st
import pytest
from hypothesis import given, settings

from borderflows.fetch import cache as cache_mod
from borderflows.fetch.cache import CacheEntry, FetchCache, default_cache_dir, request_key

REQUEST = {"period": "2023", "reporterCode": "156,398"}


def entry(payload: object = None, request: dict | None = None) -> CacheEntry:
    return CacheEntry(
        source="un_comtrade",
        request=request or REQUEST,
        retrieved_at="2026-11-22T05:40:00+00:00",
        source_version="v1",
        client="comtradeapicall 1.3.2",
        payload=payload if payload is not None else [{"refYear": 2023, "primaryValue": 1.5}],
    )


def test_default_dir_follows_environment(tmp_path: Path) -> None:
    # conftest's autouse _isolated_cache points BORDERFLOWS_DATA_DIR into tmp_path
    assert default_cache_dir() == tmp_path / "bf-data" / "fetched"


def test_round_trip_keeps_provenance(tmp_path: Path) -> None:
    cache = FetchCache(tmp_path)
    cache.put(entry())
    got = cache.get("un_comtrade", {"reporterCode": "156,398", "period": "2023"})  # key order is irrelevant
    assert got == entry()
    assert "2026-11-22T05:40:00+00:00" in got.provenance()
    frame = cache.to_frame()
    assert frame.loc[0, "records"] == 1
    assert frame.loc[0, "source_version"] == "v1"


def test_keys_differ_by_source_and_request() -> None:
    assert request_key("a", REQUEST) != request_key("b", REQUEST)
    assert request_key("a", REQUEST) != request_key("a", {**REQUEST, "period": "2024"})


def test_interrupted_write_keeps_the_old_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = FetchCache(tmp_path)
    cache.put(entry([{"v": 1}]))

    real_ntf = cache_mod.tempfile.NamedTemporaryFile

    class HalfThenInterrupt:
        """A temporary file whose write stores half the bytes, then the user presses Ctrl-C."""

        def __init__(self, **kwargs: object) -> None:
            self.handle = real_ntf(**kwargs)
            self.name = self.handle.name

        def __enter__(self) -> HalfThenInterrupt:
            return self

        def __exit__(self, *exc: object) -> None:
            self.handle.close()

        def write(self, data: bytes) -> int:
            self.handle.write(data[: len(data) // 2])
            self.handle.flush()
            raise KeyboardInterrupt

    monkeypatch.setattr(cache_mod.tempfile, "NamedTemporaryFile", HalfThenInterrupt)
    with pytest.raises(KeyboardInterrupt):
        cache.put(entry([{"v": 2}] * 1000))
    monkeypatch.undo()

    assert cache.get("un_comtrade", REQUEST) == entry([{"v": 1}])
    assert list(tmp_path.rglob(".tmp-*")) == [], "the partial temporary file was left behind"


def test_interrupted_first_write_leaves_no_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = FetchCache(tmp_path)

    def die(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(cache_mod.os, "replace", die)
    with pytest.raises(OSError, match="disk full"):
        cache.put(entry())
    monkeypatch.undo()
    assert cache.get("un_comtrade", REQUEST) is None
    assert list(tmp_path.rglob("*")) == [tmp_path / "un_comtrade"]


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b[: len(b) // 2],  # truncated file (a crash on a filesystem without atomic rename)
        lambda b: b"not gzip at all",
        lambda b: gzip.compress(b"{not json"),
        lambda b: gzip.compress(gzip.decompress(b).replace(b'"primaryValue": 1.5', b'"primaryValue": 9.5')),
    ],
    ids=["truncated", "not-gzip", "not-json", "checksum"],
)
def test_damaged_entry_is_never_read_back(tmp_path: Path, damage, caplog: pytest.LogCaptureFixture) -> None:
    cache = FetchCache(tmp_path)
    path = cache.put(entry())
    path.write_bytes(damage(path.read_bytes()))
    with caplog.at_level(logging.WARNING):
        assert cache.get("un_comtrade", REQUEST) is None
    assert "Ignoring unreadable cache entry" in caplog.text
    assert not path.exists()


def test_stray_temp_files_are_ignored_and_cleared(tmp_path: Path) -> None:
    cache = FetchCache(tmp_path)
    cache.put(entry())
    stray = tmp_path / "un_comtrade" / ".tmp-abc.part"
    stray.write_bytes(b"half a download")
    assert len(cache.entries()) == 1
    assert cache.clear() == 1
    assert not stray.exists()
    assert cache.entries() == []


def test_write_is_atomic_replace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, str]] = []
    real = os.replace

    def spy(src: str, dst: str) -> None:
        calls.append((str(src), str(dst)))
        real(src, dst)

    monkeypatch.setattr(cache_mod.os, "replace", spy)
    path = FetchCache(tmp_path).put(entry())
    assert len(calls) == 1
    assert Path(calls[0][0]).name.startswith(".tmp-")
    assert calls[0][1] == str(path)


payloads = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=40, deadline=None)
@given(payload=payloads, cut=st.floats(min_value=0, max_value=0.999))
def test_any_payload_round_trips_and_any_truncation_is_never_read(payload: object, cut: float) -> None:
    with tempfile.TemporaryDirectory() as root:
        cache = FetchCache(root)
        path = cache.put(entry(payload=payload if payload is not None else [], request={"p": 1}))
        assert cache.get("un_comtrade", {"p": 1}) == entry(
            payload=payload if payload is not None else [], request={"p": 1}
        )
        data = path.read_bytes()
        path.write_bytes(data[: int(len(data) * cut)])
        assert cache.get("un_comtrade", {"p": 1}) is None
