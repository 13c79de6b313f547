"""The yearly-series contract every forecaster reads: validated once, here, at the boundary.

A :class:`YearlySeries` is what ``borderflows.data.series(name)`` returns for a bundled series and
what :func:`yearly_series` builds from a user's pandas object or CSV. Forecasting code never sees
raw user input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from borderflows.exceptions import DataValidationError

SeriesKind = Literal["count", "positive", "signed"]
"""``count``: people or events (non-negative integers); ``positive``: strictly positive amounts;
``signed``: amounts that may change sign, such as net FDI flows."""

SERIES_KINDS: tuple[str, ...] = ("count", "positive", "signed")
MIN_YEAR, MAX_YEAR = 1900, 2100


@dataclass(frozen=True)
class YearlySeries:
    """An annual series with its metadata.

    Attributes
    ----------
    name
        Identifier, e.g. ``"migration.cisstat.arrivals"``.
    years
        Strictly increasing integer years; gaps are allowed and listed in :attr:`gaps`.
    values
        Observed values, finite.
    exposure
        Fraction of the year each value covers (1.0 for a full year; 0.75 for January-September).
    unit
        Unit of the values, e.g. ``"persons"`` or ``"USD million"``.
    kind
        ``"count"``, ``"positive"`` or ``"signed"`` (see :data:`SeriesKind`).
    concept
        What is measured, e.g. ``"bop_fdi_net_liabilities"``; forecasts never mix concepts.
    source
        Where the numbers come from.
    flags
        Per-year notes on known quirks (``""`` when none), e.g. ``"partial_year"``, ``"definition_break"``.
    """

    name: str
    years: npt.NDArray[np.int64]
    values: npt.NDArray[np.float64]
    unit: str
    kind: SeriesKind
    concept: str
    source: str = ""
    exposure: npt.NDArray[np.float64] = field(default_factory=lambda: np.empty(0))
    flags: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.exposure.size == 0:
            object.__setattr__(self, "exposure", np.ones_like(self.values))
        if not self.flags:
            object.__setattr__(self, "flags", ("",) * len(self.values))

    def __len__(self) -> int:
        return int(self.values.size)

    @property
    def gaps(self) -> list[int]:
        """Years missing between the first and the last observation."""
        present = set(self.years.tolist())
        return [y for y in range(int(self.years[0]), int(self.years[-1]) + 1) if y not in present]

    def to_frame(self) -> pd.DataFrame:
        """Tidy frame with ``year``, ``value``, ``exposure`` and ``flag`` columns."""
        return pd.DataFrame(
            {"year": self.years, "value": self.values, "exposure": self.exposure, "flag": list(self.flags)}
        )


def _rows(mask: npt.NDArray[np.bool_], labels: pd.Index) -> list[object]:
    return list(labels[np.asarray(mask)][:5])


def yearly_series(
    data: pd.Series | pd.DataFrame | str | Path,
    *,
    name: str = "user series",
    unit: str = "",
    kind: SeriesKind = "positive",
    concept: str = "",
    source: str = "user supplied",
    year_column: str = "year",
    value_column: str = "value",
    min_length: int = 3,
) -> YearlySeries:
    """Validate a user's annual series and return a :class:`YearlySeries`.

    Parameters
    ----------
    data
        A pandas Series indexed by year, a DataFrame with ``year`` and ``value`` columns (and optionally
        ``exposure`` and ``flag``), or the path of a CSV file holding such a frame.
    name, unit, kind, concept, source
        Metadata recorded with the series.
    year_column, value_column
        Column names when ``data`` is a frame or a CSV.
    min_length
        Fewest observations accepted; forecasting needs at least three.

    Raises
    ------
    DataValidationError
        Naming the column, the first offending rows and the fix.
    """
    frame = _as_frame(data, year_column, value_column)
    if kind not in SERIES_KINDS:
        raise DataValidationError(f"unknown kind {kind!r}", fix=f"use one of {', '.join(SERIES_KINDS)}")
    if frame.empty:
        raise DataValidationError("the series is empty", fix="pass at least three yearly observations")

    years = pd.to_numeric(frame[year_column], errors="coerce")
    bad = years.isna() | (years != np.floor(years))
    if bad.any():
        raise DataValidationError(
            "years must be whole numbers",
            column=year_column,
            rows=_rows(bad.to_numpy(), frame.index),
            fix="give calendar years such as 2015, not dates or text",
        )
    out_of_range = (years < MIN_YEAR) | (years > MAX_YEAR)
    if out_of_range.any():
        raise DataValidationError(
            f"years must lie in {MIN_YEAR}-{MAX_YEAR}",
            column=year_column,
            rows=_rows(out_of_range.to_numpy(), frame.index),
            fix="check for swapped columns or two-digit years",
        )
    duplicated = years.duplicated(keep=False)
    if duplicated.any():
        raise DataValidationError(
            "each year may appear once",
            column=year_column,
            rows=_rows(duplicated.to_numpy(), frame.index),
            fix="aggregate or drop the repeated years",
        )

    values = pd.to_numeric(frame[value_column], errors="coerce")
    not_numeric = values.isna() & frame[value_column].notna()
    if not_numeric.any():
        raise DataValidationError(
            "values must be numbers",
            column=value_column,
            rows=_rows(not_numeric.to_numpy(), frame.index),
            fix="remove thousands separators, footnote marks or text",
        )
    not_finite = ~np.isfinite(values.to_numpy(dtype=float))
    if not_finite.any():
        raise DataValidationError(
            "values must be finite (no NaN or infinity)",
            column=value_column,
            rows=_rows(not_finite, frame.index),
            fix="drop the missing years; gaps between years are allowed",
        )
    if kind == "positive" and (values <= 0).any():
        raise DataValidationError(
            "a positive series must be > 0",
            column=value_column,
            rows=_rows((values <= 0).to_numpy(), frame.index),
            fix="use kind='signed' for series that can be zero or negative",
        )
    if kind == "count" and ((values < 0) | (values != np.floor(values))).any():
        bad_counts = ((values < 0) | (values != np.floor(values))).to_numpy()
        raise DataValidationError(
            "a count series must hold non-negative whole numbers",
            column=value_column,
            rows=_rows(bad_counts, frame.index),
            fix="use kind='positive' for amounts, or round the counts",
        )

    exposure = pd.to_numeric(frame.get("exposure", pd.Series(1.0, index=frame.index)), errors="coerce")
    bad_exposure = exposure.isna() | (exposure <= 0) | (exposure > 1)
    if bad_exposure.any():
        raise DataValidationError(
            "exposure must lie in (0, 1]: the fraction of the year a value covers",
            column="exposure",
            rows=_rows(bad_exposure.to_numpy(), frame.index),
            fix="use 0.75 for January-September, 1 for a full year",
        )
    flags = frame.get("flag", pd.Series("", index=frame.index)).fillna("").astype(str)
    unflagged_partial = (exposure < 1) & (flags == "")
    if unflagged_partial.any():
        raise DataValidationError(
            "partial-year rows (exposure < 1) need a flag saying so",
            column="flag",
            rows=_rows(unflagged_partial.to_numpy(), frame.index),
            fix="set flag='partial_year' (or a more precise note) on those rows",
        )

    order = np.argsort(years.to_numpy())
    result = YearlySeries(
        name=name,
        years=years.to_numpy(dtype=np.int64)[order],
        values=values.to_numpy(dtype=float)[order],
        unit=unit,
        kind=kind,
        concept=concept,
        source=source,
        exposure=exposure.to_numpy(dtype=float)[order],
        flags=tuple(flags.to_numpy()[order]),
    )
    if len(result) < min_length:
        raise DataValidationError(
            f"the series has {len(result)} observation(s); at least {min_length} are needed",
            column=value_column,
            fix="add earlier years, or pool it with related series",
        )
    return result


def _as_frame(data: pd.Series | pd.DataFrame | str | Path, year_column: str, value_column: str) -> pd.DataFrame:
    if isinstance(data, str | Path):
        path = Path(data)
        if not path.is_file():
            raise DataValidationError(f"no such file: {path}", fix="check the path of your CSV")
        try:
            data = pd.read_csv(path)
        except pd.errors.EmptyDataError:
            raise DataValidationError(
                f"{path} is empty", fix=f"write a header row '{year_column},{value_column}' and one row per year"
            ) from None
        except (pd.errors.ParserError, UnicodeDecodeError) as error:
            raise DataValidationError(
                f"{path} is not a readable CSV ({type(error).__name__})",
                fix="save it as comma-separated UTF-8 text with one row per year",
            ) from None
    if isinstance(data, pd.Series):
        return pd.DataFrame({year_column: data.index.to_numpy(), value_column: data.to_numpy()})
    if not isinstance(data, pd.DataFrame):
        raise DataValidationError(
            f"expected a pandas Series, DataFrame or CSV path, got {type(data).__name__}",
            fix="wrap your numbers in pandas.Series(values, index=years)",
        )
    missing = [c for c in (year_column, value_column) if c not in data.columns]
    if missing:
        raise DataValidationError(
            f"missing required column(s) {missing}; found {list(data.columns)}",
            column=missing[0],
            fix=f"name the columns '{year_column}' and '{value_column}' or pass year_column=/value_column=",
        )
    return data.reset_index(drop=True)
