"""Locating the bundled files: installed copy first, repository root second, a clear error otherwise."""

from __future__ import annotations

import hashlib
import importlib.util
import re
import sys
from pathlib import Path

import pytest

from borderflows.data import registry

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "data"


def test_missing_data_files_give_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(registry, "_PACKAGE_DATA", tmp_path / "installed")
    monkeypatch.setattr(registry, "_REPO_DATA", tmp_path / "repo")
    registry.data_dir.cache_clear()
    try:
        with pytest.raises(registry.DataFilesMissingError, match="reinstall"):
            registry.data_dir()
    finally:
        registry.data_dir.cache_clear()


def test_installed_copy_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    installed = tmp_path / "installed"
    installed.mkdir()
    (installed / "mirror_chn_kaz.csv").write_text("year\n")
    monkeypatch.setattr(registry, "_PACKAGE_DATA", installed)
    registry.data_dir.cache_clear()
    try:
        assert registry.data_dir() == installed
    finally:
        registry.data_dir.cache_clear()  # the next caller, after monkeypatch's undo, finds the real files


@pytest.mark.slow
def test_curation_script_reproduces_the_bundled_files(tmp_path: Path) -> None:
    """Rebuild data/ from ../shared (minutes: the DOTS panel is recompressed) and compare checksums."""
    if not SHARED.is_dir():
        pytest.skip("../shared/data not available (only in the development workspace)")
    spec = importlib.util.spec_from_file_location("curate_data", REPO / "scripts" / "curate_data.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["curate_data"] = module
    spec.loader.exec_module(module)
    frames = module.build()
    module.write(frames, tmp_path)
    recorded = dict(
        re.findall(r"^\| `([^`]+)` \| `([0-9a-f]{64})` \|$", (REPO / "data" / "README.md").read_text(), re.MULTILINE)
    )
    for name in frames:
        assert hashlib.sha256((tmp_path / name).read_bytes()).hexdigest() == recorded[name], name


def test_data_package_never_reads_the_workspace() -> None:
    """The package ships its data; ``../shared`` exists only on the development machine."""
    package = REPO / "src" / "borderflows" / "data"
    for path in package.glob("*.py"):
        text = path.read_text()
        assert "shared" not in text.replace("shared by", ""), path.name
    assert registry.data_dir().resolve() != SHARED.resolve()
