"""Discovery of analyses of record and the staleness check that decides reuse versus refit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from borderflows.exceptions import BorderflowsError
from borderflows.report import check_record, discover_specs, repo_root
from borderflows.report.locate import MODELS_ENV, models_dir
from borderflows.results.analysis import load_spec
from tests.report.fakes import FakeRunner, write_spec


def test_repo_root_is_the_clone_holding_the_package() -> None:
    root = repo_root()
    assert (root / "pyproject.toml").is_file()
    assert (root / "src" / "borderflows" / "report" / "locate.py").is_file()


def test_models_dir_honours_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MODELS_ENV, str(tmp_path))
    assert models_dir() == tmp_path
    monkeypatch.setenv(MODELS_ENV, str(tmp_path / "absent"))
    with pytest.raises(BorderflowsError, match="no analyses folder"):
        models_dir()


def test_discover_sorts_filters_and_rejects_unknown_ids(tmp_path: Path) -> None:
    write_spec(tmp_path, "zeta")
    write_spec(tmp_path, "alpha", kind="forecast")
    assert [s.analysis_id for s in discover_specs(tmp_path)] == ["alpha", "zeta"]
    assert [s.analysis_id for s in discover_specs(tmp_path, only=["zeta"])] == ["zeta"]
    with pytest.raises(BorderflowsError, match=r"unknown analysis id.*nope.*choose from alpha, zeta"):
        discover_specs(tmp_path, only=["nope"])


def test_discover_rejects_an_id_that_differs_from_its_folder(tmp_path: Path) -> None:
    folder = write_spec(tmp_path, "right")
    (folder / "spec.toml").write_text((folder / "spec.toml").read_text().replace('id = "right"', 'id = "wrong"'))
    with pytest.raises(BorderflowsError, match="differs from its folder"):
        discover_specs(tmp_path)


def test_discover_says_when_there_is_nothing(tmp_path: Path) -> None:
    with pytest.raises(BorderflowsError, match="no analyses found"):
        discover_specs(tmp_path)


def test_record_is_current_only_when_hash_version_seed_and_files_match(tmp_path: Path) -> None:
    spec = load_spec(write_spec(tmp_path, "pair"))
    runner = FakeRunner()
    assert not check_record(spec, spec.folder, runner.input_hash(spec)).current  # nothing written yet
    runner.run_analysis(spec, spec.folder)
    current = check_record(spec, spec.folder, runner.input_hash(spec))
    assert current.current, current.reason

    changed = check_record(spec, spec.folder, FakeRunner(data_version="v2").input_hash(spec))
    assert not changed.current
    assert "input data changed" in changed.reason

    other_version = check_record(spec, spec.folder, runner.input_hash(spec), version="99.0")
    assert not other_version.current
    assert "99.0" in other_version.reason

    reseeded = load_spec(write_spec(tmp_path, "pair", seed=12))
    assert "seed" in check_record(reseeded, spec.folder, runner.input_hash(spec)).reason

    (spec.folder / "share.png").unlink()
    missing = check_record(spec, spec.folder, runner.input_hash(spec))
    assert not missing.current
    assert "share.png" in missing.reason


def test_unreadable_manifest_means_refit_not_a_crash(tmp_path: Path) -> None:
    spec = load_spec(write_spec(tmp_path, "pair"))
    runner = FakeRunner()
    runner.run_analysis(spec, spec.folder)
    (spec.folder / "manifest.json").write_text(json.dumps({"model_id": "x"}))
    check = check_record(spec, spec.folder, runner.input_hash(spec))
    assert not check.current
    assert "unreadable" in check.reason
