"""mirror_pair_from_observations: the public assembly step (used by the fetch merge)."""

from __future__ import annotations

import pandas as pd
import pytest

from borderflows.data import mirror_pair, mirror_pair_from_observations
from borderflows.exceptions import DataValidationError


def test_rebuilding_a_pair_from_its_observations_gives_the_same_pair() -> None:
    pair = mirror_pair("CHN", "KAZ")
    rows = pair.observations.drop(columns="is_default")
    rebuilt = mirror_pair_from_observations("CHN", "KAZ", rows)
    pd.testing.assert_frame_equal(rebuilt.table, pair.table)
    pd.testing.assert_frame_equal(rebuilt.observations, pair.observations)
    assert rebuilt.data_hash == pair.data_hash


def test_usable_decided_upstream_is_kept() -> None:
    rows = mirror_pair("CHN", "KAZ").observations.drop(columns="is_default")
    rows["usable"] = False  # e.g. every row a duplicate of another report
    rebuilt = mirror_pair_from_observations("CHN", "KAZ", rows, years=(2020, 2024))
    assert not rebuilt.table["exports_usable"].any()
    assert set(rebuilt.observations["year"]) == {y for y in rows["year"] if 2020 <= y <= 2024}


def test_a_missing_column_names_it_and_the_fix() -> None:
    rows = mirror_pair("CHN", "KAZ").observations.drop(columns=["is_default", "valuation"])
    with pytest.raises(DataValidationError, match="valuation") as error:
        mirror_pair_from_observations("CHN", "KAZ", rows)
    assert "except is_default" in str(error.value)
