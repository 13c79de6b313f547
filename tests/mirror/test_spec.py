"""The frozen spec: every field survives to_dict/from_dict and save/load; wrong options are refused by name."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import replace
from pathlib import Path

import pytest

from borderflows.exceptions import OptionError
from borderflows.mirror import MarginPrior, MirrorGap, load
from borderflows.mirror.analysis import spec_from_options
from borderflows.mirror.options import MODEL_VERSION
from borderflows.mirror.results import MirrorGapResults
from borderflows.results.analysis import load_spec

MODELS = Path(__file__).resolve().parents[2] / "models"

EVERY_FIELD = MirrorGap(
    mode="pair",
    margin=MarginPrior(centre=0.1, sd=0.03),
    breakpoints=(2020, 2015),
    years=(2000, 2016),
    sampler="pymc",
    walk="centred",
)
"""A spec whose every field differs from the default (issue 13: ``walk`` was lost on load)."""


def test_the_spec_under_test_sets_every_field() -> None:
    # A field added to MirrorGap without a value here fails this test, so the round trips below cover it.
    default = MirrorGap()
    for field in dataclasses.fields(MirrorGap):
        assert getattr(EVERY_FIELD, field.name) != getattr(default, field.name), field.name
    assert EVERY_FIELD.breakpoints == (2015, 2020)  # sorted on construction


def test_to_dict_from_dict_round_trip_through_json() -> None:
    values = json.loads(json.dumps(EVERY_FIELD.to_dict()))
    assert MirrorGap.from_dict(values) == EVERY_FIELD
    assert MirrorGap.from_dict(MirrorGap().to_dict()) == MirrorGap()
    assert MirrorGap.from_dict({}) == MirrorGap()


def test_save_load_gives_back_the_same_spec(pair_fit: MirrorGapResults, tmp_path: Path) -> None:
    folder = replace(pair_fit, spec=EVERY_FIELD).save(tmp_path / "fit")
    back = load(folder)
    assert back.spec == EVERY_FIELD
    assert back.spec.walk == "centred"


def test_unknown_key_is_refused_by_name() -> None:
    with pytest.raises(OptionError, match="wlak") as info:
        MirrorGap.from_dict({"walk": "centred", "wlak": "centred"})
    assert info.value.option == "wlak"
    assert "walk" in info.value.fix  # the fix lists the keys that are options


@pytest.mark.parametrize(
    ("values", "option"),
    [
        ({"walk": "diagonal"}, "walk"),
        ({"mode": "panel"}, "mode"),  # v2's panel mode is gone
        ({"sampler": "stan"}, "sampler"),
        ({"years": [2000, 2001]}, "years"),
        ({"margin_centre": 2.0}, "margin_centre"),
        ({"margin_sd": 0.0}, "margin_sd"),
    ],
)
def test_a_value_a_field_refuses_names_the_option(values: dict[str, object], option: str) -> None:
    with pytest.raises(OptionError) as info:
        MirrorGap.from_dict(values)
    assert info.value.option == option


def test_model_id_names_the_mode_and_version() -> None:
    assert MirrorGap().model_id == f"mirror-gap/world/{MODEL_VERSION}"
    assert MirrorGap(mode="pair").model_id == f"mirror-gap/pair/{MODEL_VERSION}"
    assert MODEL_VERSION == "v3"
    assert MirrorGap().mode == "world"
    assert MirrorGap().walk == "auto"


def test_with_margin_changes_only_the_margin() -> None:
    moved = EVERY_FIELD.with_margin(0.02)
    assert moved.margin == MarginPrior(centre=0.02, sd=0.03)
    assert replace(moved, margin=EVERY_FIELD.margin) == EVERY_FIELD


def test_analysis_options_name_the_pair_and_the_model() -> None:
    options = {"exporter": "CHN", "importer": "KAZ", "evidence": True, **EVERY_FIELD.to_dict()}
    assert spec_from_options(options) == EVERY_FIELD
    with pytest.raises(OptionError, match="panel_pairs") as info:
        spec_from_options({"exporter": "CHN", "importer": "KAZ", "panel_pairs": 20})
    assert info.value.option == "panel_pairs"


@pytest.mark.parametrize("analysis_id", ["chn_kaz_mirror", "kaz_chn_mirror"])
def test_committed_analysis_specs_are_accepted(analysis_id: str) -> None:
    spec = spec_from_options(load_spec(MODELS / analysis_id).options)
    assert spec.mode == "world"
    assert spec.walk == "auto"
