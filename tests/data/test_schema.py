"""The validation boundary itself: bundled frames pass, defects fail, and the fast panel path agrees with pandera."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

import borderflows.data as bfd
from borderflows.data import schema
from borderflows.exceptions import DataValidationError


def small_panel() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "reporter": ["CHN", "CHN", "KAZ", "KAZ"],
            "partner": ["KAZ", "KAZ", "CHN", "CHN"],
            "flow": ["exports_fob", "imports_cif", "exports_fob", "imports_cif"],
            "year": np.array([2019, 2019, 2019, 2019], dtype=np.int64),
            "value_usd_m": [12807.0, 9258.8, 7823.4, 6566.5],
            "estimated": [False] * 4,
            "derived_from_partner": [False] * 4,
        }
    )


def padding() -> pd.DataFrame:
    """About 1,400 valid rows for years other than 2019 (so the small panel adds no duplicate)."""
    years = np.arange(1948, 2019, dtype=np.int64)
    partners = ["KAZ", "RUS", "USA", "DEU", "JPN", "KOR", "TKM", "UZB", "KGZ", "MNG"]
    grid = pd.MultiIndex.from_product(
        [partners, ["exports_fob", "imports_cif"], years], names=["partner", "flow", "year"]
    ).to_frame(index=False)
    return pd.DataFrame(
        {
            "reporter": "CHN",
            "partner": grid["partner"],
            "flow": grid["flow"],
            "year": grid["year"].astype(np.int64),
            "value_usd_m": 1.0,
            "estimated": False,
            "derived_from_partner": False,
        }
    )


DEFECTS: dict[str, tuple[Callable[[pd.DataFrame], pd.DataFrame], str]] = {
    "aggregate name": (lambda f: f.assign(reporter=["World", "CHN", "KAZ", "KAZ"]), "reporter"),
    "lower-case code": (lambda f: f.assign(partner=["kaz", "KAZ", "CHN", "CHN"]), "partner"),
    "unknown flow": (lambda f: f.assign(flow=["exports", "imports_cif", "exports_fob", "imports_cif"]), "flow"),
    "year out of range": (lambda f: f.assign(year=np.array([1900, 2019, 2019, 2019], dtype=np.int64)), "year"),
    "negative value": (lambda f: f.assign(value_usd_m=[-1.0, 1.0, 1.0, 1.0]), "value_usd_m"),
    "infinite value": (lambda f: f.assign(value_usd_m=[np.inf, 1.0, 1.0, 1.0]), "value_usd_m"),
    "self trade": (lambda f: f.assign(partner=["CHN", "KAZ", "CHN", "CHN"]), "partner"),
    "duplicate key": (lambda f: f.assign(flow=["exports_fob"] * 2 + ["exports_fob", "imports_cif"]), "reporter"),
}


@pytest.mark.parametrize("case", sorted(DEFECTS))
def test_fast_panel_validation_agrees_with_pandera(case: str) -> None:
    edit, column = DEFECTS[case]
    frame = edit(small_panel())
    with pytest.raises(DataValidationError):
        schema.validate(frame, schema.DOTS_PANEL)
    big = pd.concat([padding(), frame], ignore_index=True)  # the defect sits after the first 1,000 rows
    with pytest.raises(DataValidationError) as info:
        schema.validate_large(big, schema.DOTS_PANEL)
    if case != "duplicate key":  # pandera reports the key's first column; the fast path too
        assert info.value.column == column
    assert info.value.rows[0] >= len(big) - 4


def test_valid_frames_pass_both_paths() -> None:
    frame = small_panel()
    pd.testing.assert_frame_equal(schema.validate(frame, schema.DOTS_PANEL), frame)
    big = pd.concat([padding(), frame], ignore_index=True)
    assert len(big) > 1000
    pd.testing.assert_frame_equal(schema.validate_large(big, schema.DOTS_PANEL), big)


def test_error_names_column_rows_and_fix() -> None:
    frame = small_panel().assign(value_usd_m=[1.0, -2.0, 3.0, -4.0])
    with pytest.raises(DataValidationError) as info:
        schema.validate(frame, schema.DOTS_PANEL, what="my panel")
    error = info.value
    assert error.column == "value_usd_m"
    assert error.rows == [1, 3]
    assert error.fix
    assert "my panel" in str(error)


def test_missing_and_extra_columns() -> None:
    with pytest.raises(DataValidationError) as info:
        schema.validate(small_panel().drop(columns="estimated"), schema.DOTS_PANEL)
    assert "estimated" in str(info.value)
    with pytest.raises(DataValidationError, match=r"extra|not in"):
        schema.validate(small_panel().assign(note="x"), schema.DOTS_PANEL)


def test_wrong_dtype_is_reported() -> None:
    with pytest.raises(DataValidationError) as info:
        schema.validate(small_panel().assign(year=["2019"] * 4), schema.DOTS_PANEL)
    assert info.value.column == "year"


@pytest.mark.parametrize("name", ["dots_world_totals", "evidence", "migration_series", "fdi_series", "series_catalog"])
def test_bundled_datasets_load_validated(name: str) -> None:
    frame = bfd.load_dataset(name)
    assert len(frame) > 0
    frame.iloc[0, 0] = None  # a copy: the cache is not modified
    assert bfd.load_dataset(name).iloc[0, 0] is not None


def test_list_datasets_and_series() -> None:
    datasets = bfd.list_datasets()
    assert list(datasets.columns) == ["name", "title", "file", "rows", "coverage", "description"]
    assert datasets.set_index("name").loc["dots_panel", "rows"] == 1_889_561
    series = bfd.list_series()
    assert list(series.columns) == [
        "name", "title", "unit", "kind", "concept", "first_year", "last_year", "n", "source",
    ]  # fmt: skip
    assert series["name"].is_unique
    for name in series["name"]:
        loaded = bfd.series(name)
        row = series.set_index("name").loc[name]
        assert (loaded.years[0], loaded.years[-1], len(loaded)) == (row["first_year"], row["last_year"], row["n"])


def test_dots_panel_filters_and_dtypes() -> None:
    panel = bfd.dots_panel(reporters="Kazakhstan, Rep. of", partners=["CHN", "RUS"], years=(2000, 2004))
    assert set(panel["reporter"]) == {"KAZ"}
    assert set(panel["partner"]) == {"CHN", "RUS"}
    assert panel["year"].between(2000, 2004).all()
    assert len(panel) == 2 * 2 * 5
    assert panel.dtypes.to_dict() == {
        "reporter": np.dtype("O"),
        "partner": np.dtype("O"),
        "flow": np.dtype("O"),
        "year": np.dtype("int64"),
        "value_usd_m": np.dtype("float64"),
        "estimated": np.dtype("bool"),
        "derived_from_partner": np.dtype("bool"),
    }
