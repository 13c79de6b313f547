"""Provenance manifests: hashing and refusal of mismatched results."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from borderflows.exceptions import ResultsMismatchError
from borderflows.results.manifest import Manifest, data_hash, load_manifest, package_version


def test_data_hash_changes_with_any_value() -> None:
    frame = pd.DataFrame({"year": [2000, 2001], "value": [1.0, 2.0]})
    changed = frame.assign(value=[1.0, 2.000001])
    assert data_hash(frame) == data_hash(frame.copy())
    assert data_hash(frame) != data_hash(changed)
    assert data_hash(frame) != data_hash(frame.rename(columns={"value": "v"}))


def test_manifest_round_trip_and_mismatch(tmp_path: Path) -> None:
    manifest = Manifest(model_id="m/v1", random_seed=7, data_hash="abc", preset="fast", citable=True)
    loaded = load_manifest(manifest.write(tmp_path / "manifest.json"))
    assert loaded == manifest
    loaded.check_matches(model_id="m/v1")
    with pytest.raises(ResultsMismatchError, match="from model 'm/v1', not 'm/v2'"):
        loaded.check_matches(model_id="m/v2")
    with pytest.raises(ResultsMismatchError, match="refit"):
        loaded.check_matches(model_id="m/v1", package_version=package_version() + ".dev")
