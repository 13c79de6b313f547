"""Committed analyses of record must match the bundled data they were computed from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from borderflows.results.analysis import load_spec

MODELS = Path(__file__).resolve().parents[2] / "models"


@pytest.mark.parametrize("analysis_id", ["chn_kaz_mirror", "kaz_chn_mirror"])
def test_committed_manifest_matches_bundled_data(analysis_id: str) -> None:
    from borderflows.mirror.analysis import input_hash

    spec = load_spec(MODELS / analysis_id)
    assert spec.kind == "mirror"
    manifest = MODELS / analysis_id / "manifest.json"
    if not manifest.is_file():
        pytest.skip(f"{analysis_id} has no committed outputs yet (run borderflows.mirror.analysis.run_analysis)")
    raw = json.loads(manifest.read_text())
    assert raw["data_hash"] == input_hash(spec), (
        f"models/{analysis_id} is stale: the bundled data changed since it was run; rerun run_analysis"
    )
