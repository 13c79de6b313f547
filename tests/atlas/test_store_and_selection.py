"""The atlas's storage and pair selection, without fitting: resume matching, failed pairs, bad files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from borderflows.atlas import AtlasJob, pair_seed, select_pairs
from borderflows.atlas.store import AtlasStore
from borderflows.atlas.task import PairOutcome, failed
from borderflows.exceptions import OptionError


def _stamp(seed: int = 1) -> dict[str, object]:
    return {"exporter": "USA", "importer": "CAN", "model_id": "m", "input_hash": "h", "seed": seed, "preset": "full"}


def test_a_failed_pair_is_recorded_with_its_error_and_is_not_reused(tmp_path: Path) -> None:
    store = AtlasStore(tmp_path)
    store.prepare()
    store.write("USA_CAN", failed(_stamp(), ValueError("no usable report")))
    stored = store.stored()
    assert stored["status"].tolist() == ["failed"]
    assert stored["error"].iloc[0] == "ValueError: no usable report"
    assert store.stored_ok() == {}  # failed pairs are tried again on the next run
    assert not list((tmp_path / "years").glob("*.parquet"))


def test_a_stored_pair_matches_only_with_the_same_inputs_seed_and_preset(tmp_path: Path) -> None:
    store = AtlasStore(tmp_path)
    store.prepare()
    years = pd.DataFrame({"year": [2019, 2020], "share_median": [0.01, 0.02]})
    store.write("USA_CAN", PairOutcome(years=years, summary={**_stamp(seed=5), "status": "ok", "error": ""}))
    assert store.stored_ok() == {"USA_CAN": {"input_hash": "h", "model_id": "m", "seed": "5", "preset": "full"}}
    assert not list(store.tmp.iterdir())  # every write was renamed into place
    store.write("USA_CAN", failed(_stamp(seed=5), RuntimeError("later failure")))
    assert not (tmp_path / "years" / "USA_CAN.parquet").exists()  # no stale rows beside a failed summary


def test_a_pair_outside_the_world_panel_stores_a_missing_percentile_of_the_same_dtype(tmp_path: Path) -> None:
    import warnings

    store = AtlasStore(tmp_path / "atlas")
    store.prepare()
    for key, percentile in (("USA_CAN", 31.5), ("FRA_CUB", float("nan"))):
        summary = {**_stamp(), "status": "ok", "error": "", "world_percentile": percentile}
        store.write(key, PairOutcome(years=pd.DataFrame(), summary=summary))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # pandas warns when it concatenates an all-missing column of another dtype
        summary = store.write_summary()
    assert summary["world_percentile"].dtype == float
    assert summary["world_percentile"].isna().sum() == 1


def test_pair_seeds_are_stable_and_differ_between_pairs() -> None:
    assert pair_seed(7, "CHN", "KAZ") == pair_seed(7, "CHN", "KAZ")
    assert len({pair_seed(7, "CHN", "KAZ"), pair_seed(7, "KAZ", "CHN"), pair_seed(8, "CHN", "KAZ")}) == 3
    assert AtlasJob("CHN", "KAZ", 1, "full", (1995, 2020)).key == "CHN_KAZ"


@pytest.mark.parametrize(
    ("content", "needle"),
    [("exp,importer\nUSA,CAN\n", "lacks column 'exporter'"), ("exporter,importer\nUSA,ZZZ\n", "row 2 (USA,ZZZ)")],
)
def test_a_bad_pairs_file_is_refused_naming_the_column_or_row(tmp_path: Path, content: str, needle: str) -> None:
    path = tmp_path / "pairs.csv"
    path.write_text(content)
    with pytest.raises(OptionError, match=needle.replace("(", r"\(").replace(")", r"\)")):
        select_pairs(pairs_file=path)
