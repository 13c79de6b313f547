"""Bad input never escapes as a pandas/pymc traceback: one DataValidationError naming column, rows and fix.

Each case breaks one thing in an otherwise valid frame; the expected column (and, where meaningful, the
first offending row label) is part of the assertion, so a vague error cannot pass.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings

import borderflows.data as bfd
from borderflows.exceptions import DataValidationError


def good_mirror() -> pd.DataFrame:
    """Six valid rows: China's exports and Kazakhstan's imports, 2018-2020."""
    return pd.DataFrame(
        {
            "year": [2018, 2019, 2020, 2018, 2019, 2020],
            "flow": ["exports"] * 3 + ["imports"] * 3,
            "reporter": ["CHN"] * 3 + ["KAZ"] * 3,
            "value_usd_m": [11414.9, 12807.0, 11707.0, 5380.7, 6566.5, 6346.5],
        }
    )


def good_series() -> pd.DataFrame:
    return pd.DataFrame({"year": [2015, 2016, 2017, 2018], "value": [10.0, -3.5, 4.0, 7.25]})


def _set(column: str, row: int, value: object) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def edit(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.astype({column: object}) if column in frame else frame
        frame.loc[row, column] = value
        return frame

    return edit


MIRROR_CASES: dict[str, tuple[Callable[[pd.DataFrame], pd.DataFrame], str | None, object]] = {
    # name: (edit, expected column, expected first row label or None)
    "negative value": (_set("value_usd_m", 2, -5.0), "value_usd_m", 2),
    "non-numeric value": (_set("value_usd_m", 1, "12,807"), "value_usd_m", 1),
    "NaN value": (_set("value_usd_m", 4, np.nan), "value_usd_m", 4),
    "infinite value": (_set("value_usd_m", 0, np.inf), "value_usd_m", 0),
    "text value": (_set("value_usd_m", 3, "n/a"), "value_usd_m", 3),
    "duplicate (year, flow, reporter)": (lambda f: pd.concat([f, f.iloc[[1]]], ignore_index=True), "year", 1),
    "unknown country code": (_set("reporter", 3, "KZX"), "reporter", 3),
    "aggregate as reporter": (_set("reporter", 0, "World"), "reporter", 0),
    "reporter of the wrong side": (_set("reporter", 0, "KAZ"), "reporter", 0),
    "year too early": (_set("year", 2, 1850), "year", 2),
    "two-digit year": (_set("year", 5, 20), "year", 5),
    "year in the future": (_set("year", 1, 2150), "year", 1),
    "non-integer year": (_set("year", 1, 2019.5), "year", 1),
    "year as a date string": (_set("year", 0, "2018-12-31"), "year", 0),
    "missing year": (_set("year", 4, np.nan), "year", 4),
    "unknown flow": (_set("flow", 2, "re-exports"), "flow", 2),
    "missing required column": (lambda f: f.drop(columns="reporter"), "reporter", None),
    "misspelt column": (lambda f: f.rename(columns={"value_usd_m": "value"}), "value_usd_m", None),
    "unexpected extra column": (lambda f: f.assign(comment="x"), "comment", None),
    "mixed units": (lambda f: f.assign(unit=["USD million"] * 5 + ["USD thousand"]), "unit", 5),
    "wrong unit": (lambda f: f.assign(unit="USD thousand"), "unit", 0),
    "mixed currencies": (lambda f: f.assign(currency=["USD"] * 4 + ["EUR"] * 2), "currency", 4),
    "partial year without flag": (lambda f: f.assign(exposure=[1, 1, 0.75, 1, 1, 1]), "flag", 2),
    "exposure above one": (lambda f: f.assign(exposure=[1, 1, 1.5, 1, 1, 1]), "exposure", 2),
    "empty frame": (lambda f: f.iloc[0:0], None, None),
    "boolean values": (lambda f: f.assign(value_usd_m=[True, False, True, True, False, True]), "value_usd_m", 0),
}


@pytest.mark.parametrize("case", sorted(MIRROR_CASES))
def test_mirror_frame_bad_input(case: str) -> None:
    edit, column, row = MIRROR_CASES[case]
    frame = edit(good_mirror())
    with pytest.raises(DataValidationError) as info:
        bfd.mirror_pair_from_frame(frame, "CHN", "KAZ")
    error = info.value
    assert error.column == column
    if row is not None:
        assert error.rows[0] == row
    assert error.fix, "every error says what to do"
    assert "Traceback" not in str(error)


def test_bool_values_rejected_for_a_clear_reason() -> None:
    # pandas would coerce booleans to 0/1; a trade value of True is a wrong-dtype column, not a number.
    frame = good_mirror().assign(value_usd_m=[True, False, True, True, False, True])
    with pytest.raises(DataValidationError, match="numbers"):
        bfd.mirror_pair_from_frame(frame, "CHN", "KAZ")


def test_mirror_exporter_equals_importer() -> None:
    with pytest.raises(DataValidationError) as info:
        bfd.mirror_pair_from_frame(good_mirror(), "KAZ", "KAZ")
    assert info.value.column == "importer"


def test_mirror_not_a_frame_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataValidationError, match="DataFrame"):
        bfd.mirror_pair_from_frame([1, 2, 3], "CHN", "KAZ")  # type: ignore[arg-type]
    with pytest.raises(DataValidationError, match="no such file"):
        bfd.mirror_pair_from_frame(tmp_path / "absent.csv", "CHN", "KAZ")
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00\x81garbage")
    with pytest.raises(DataValidationError):
        bfd.mirror_pair_from_frame(binary, "CHN", "KAZ")


def test_unsorted_years_are_sorted_and_gaps_reported(tmp_path: Path) -> None:
    frame = good_mirror().iloc[[5, 0, 3, 2]].reset_index(drop=True)  # 2020, 2018, 2018, 2020: 2019 missing
    path = tmp_path / "flows.csv"
    frame.to_csv(path, index=False)
    pair = bfd.mirror_pair_from_frame(path, "CHN", "KAZ")
    assert pair.years == [2018, 2020]
    assert pair.gaps == [2019]
    assert pair.observations["year"].is_monotonic_increasing


def test_single_year_is_accepted() -> None:
    pair = bfd.mirror_pair_from_frame(good_mirror().iloc[[2, 5]], "China", "kaz")
    assert pair.years == [2020]
    assert pair.table["ratio"].iloc[0] == pytest.approx(6346.5 / 11707.0)


def test_flagged_partial_year_is_kept_but_not_usable() -> None:
    frame = good_mirror().assign(exposure=[1, 1, 0.75, 1, 1, 1], flag=["", "", "partial_year", "", "", ""])
    pair = bfd.mirror_pair_from_frame(frame, "CHN", "KAZ")
    row = pair.table.set_index("year").loc[2020]
    assert not row["exports_usable"]
    assert row["imports_usable"]


def test_user_flows_use_source_priority() -> None:
    extra = pd.DataFrame(
        {"year": [2020], "flow": ["imports"], "reporter": ["KAZ"], "value_usd_m": [6378.0], "source": ["kz_bns"]}
    )
    frame = pd.concat([good_mirror().assign(source="imf_dots"), extra], ignore_index=True)
    pair = bfd.mirror_pair_from_frame(frame, "CHN", "KAZ")
    assert pair.table.set_index("year").loc[2020, "imports_source"] == "imf_dots"
    assert len(pair.observations) == 7


SERIES_CASES: dict[str, tuple[Callable[[pd.DataFrame], pd.DataFrame], dict[str, object], str | None]] = {
    "fdi concept mismatch": (lambda f: f.assign(concept="gross_inward_fdi"), {}, "concept"),
    "fdi concepts mixed": (
        lambda f: f.assign(concept=["bop_di_liabilities_net_incurrence"] * 3 + ["gross_inward_fdi"]),
        {},
        "concept",
    ),
    "series mixed currencies": (lambda f: f.assign(currency=["USD", "USD", "EUR", "USD"]), {}, "currency"),
    "series unit mismatch": (lambda f: f.assign(unit="EUR million"), {}, "unit"),
    "series too short": (lambda f: f.iloc[:2], {}, "value"),
    "series single year": (lambda f: f.iloc[:1], {}, "value"),
    "series duplicate years": (lambda f: f.assign(year=[2015, 2016, 2016, 2017]), {}, "year"),
    "series missing value column": (lambda f: f.drop(columns="value"), {}, "value"),
    "series non-integer year": (lambda f: f.assign(year=[2015, 2016.5, 2017, 2018]), {}, "year"),
    "series NaN value": (lambda f: f.assign(value=[1.0, np.nan, 2.0, 3.0]), {}, "value"),
    "series negative for positive kind": (lambda f: f, {"kind": "positive"}, "value"),
    "series fractional counts": (lambda f: f.assign(value=[1.5, 2.0, 3.0, 4.0]), {"kind": "count"}, "value"),
    "series partial year without flag": (lambda f: f.assign(exposure=[1, 1, 1, 0.75]), {}, "flag"),
    "series empty": (lambda f: f.iloc[0:0], {}, None),
}


@pytest.mark.parametrize("case", sorted(SERIES_CASES))
def test_series_bad_input(case: str) -> None:
    edit, kwargs, column = SERIES_CASES[case]
    spec: dict[str, object] = {
        "name": "user.fdi",
        "concept": "bop_di_liabilities_net_incurrence",
        "unit": "USD million",
        "kind": "signed",
    }
    spec.update(kwargs)
    with pytest.raises(DataValidationError) as info:
        bfd.series_from_frame(edit(good_series()), **spec)  # type: ignore[arg-type]
    assert info.value.column == column
    assert info.value.fix


def test_series_gaps_accepted_and_reported() -> None:
    frame = pd.DataFrame({"year": [2018, 2015, 2016], "value": [3.0, 1.0, 2.0]})
    result = bfd.series_from_frame(frame, name="x", concept="c", unit="USD million")
    assert result.years.tolist() == [2015, 2016, 2018]
    assert result.gaps == [2017]


@pytest.mark.parametrize(
    ("kwargs", "column"),
    [
        ({"concept": "gross_inward_fdi"}, "concept"),
        ({"unit": "USD million"}, "unit"),
    ],
)
def test_bundled_series_refuses_concept_or_unit_mismatch(kwargs: dict[str, str], column: str) -> None:
    with pytest.raises(DataValidationError) as info:
        bfd.series("fdi.wiiw.inflow.chn_eur", **kwargs)
    assert info.value.column == column


def test_unknown_series_and_dataset_names() -> None:
    with pytest.raises(DataValidationError, match="did you mean"):
        bfd.series("migration.cisstat.arivals")
    with pytest.raises(DataValidationError, match="unknown dataset"):
        bfd.load_dataset("comtrade")
    with pytest.raises(DataValidationError, match="unknown topic"):
        bfd.points("tourists")


mirror_rows = st.lists(
    st.tuples(
        st.integers(1990, 2030),
        st.sampled_from(["exports", "imports"]),
        st.floats(0, 1e6, allow_nan=False, allow_infinity=False),
    ),
    min_size=1,
    max_size=30,
    unique_by=lambda t: (t[0], t[1]),
)


@settings(max_examples=25, deadline=None)
@given(rows=mirror_rows)
def test_any_valid_frame_round_trips(rows: list[tuple[int, str, float]]) -> None:
    frame = pd.DataFrame(rows, columns=["year", "flow", "value_usd_m"])
    frame["reporter"] = np.where(frame["flow"] == "exports", "CHN", "KAZ")
    pair = bfd.mirror_pair_from_frame(frame, "CHN", "KAZ")
    obs = pair.observations
    assert len(obs) == len(frame)
    assert obs["is_default"].all()
    merged = frame.merge(obs, on=["year", "flow", "reporter"], suffixes=("_in", "_out"))
    assert np.array_equal(merged["value_usd_m_in"].to_numpy(), merged["value_usd_m_out"].to_numpy())
    assert pair.years == sorted(set(frame["year"]))
    table = pair.table.set_index("year")
    both = table.dropna(subset=["exports_reported", "imports_reported"])
    assert np.allclose(both["gap_usd_m"], both["exports_reported"] - both["imports_reported"])


@settings(max_examples=30, deadline=None)
@given(
    years=st.lists(st.integers(1950, 2090), min_size=3, max_size=25, unique=True),
    data=st.data(),
)
def test_any_valid_series_round_trips(years: list[int], data: st.DataObject) -> None:
    values = data.draw(st.lists(st.floats(-1e9, 1e9, allow_nan=False), min_size=len(years), max_size=len(years)))
    result = bfd.series_from_frame(
        pd.DataFrame({"year": years, "value": values}), name="x", concept="c", unit="EUR million"
    )
    order = np.argsort(years)
    assert result.years.tolist() == sorted(years)
    assert np.array_equal(result.values, np.asarray(values)[order])


@pytest.mark.parametrize(
    ("data", "kwargs", "column"),
    [
        (pd.Series([1.0, 2.0, 3.0], index=["a", "b", "c"]), {}, "year"),  # index is not years
        (pd.Series([1.0, 2.0, 3.0], index=[1990, 1991, 3000]), {}, "year"),  # year out of range
        (pd.Series([1.0, -2.0, 3.0], index=[1990, 1991, 1992]), {"kind": "count"}, "value"),
        (pd.Series([1.0, 2.0, 3.0], index=[1990, 1991, 1992]), {"kind": "ratio"}, None),  # unknown kind
        ({"year": [1990], "value": [1.0]}, {}, None),  # not a pandas object
    ],
)
def test_yearly_series_bad_input(data: object, kwargs: dict[str, object], column: str | None) -> None:
    with pytest.raises(DataValidationError) as info:
        bfd.yearly_series(data, **kwargs)  # type: ignore[arg-type]
    assert info.value.column == column
    assert info.value.fix


def test_yearly_series_from_csv(tmp_path: Path) -> None:
    path = tmp_path / "arrivals.csv"
    pd.DataFrame({"year": [2003, 2001, 2002], "value": [3, 1, 2]}).to_csv(path, index=False)
    series = bfd.yearly_series(path, kind="count")
    assert series.years.tolist() == [2001, 2002, 2003]
    with pytest.raises(DataValidationError, match="no such file"):
        bfd.yearly_series(tmp_path / "absent.csv")
