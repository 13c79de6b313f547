"""Turning a :class:`YearlySeries` into the regular, full-year array classical models need.

Shared by the baselines and the default forecaster so that gaps and partial years are handled one
documented way, and every adjustment is written into the forecast's notes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from borderflows.data.yearly import YearlySeries


@dataclass(frozen=True)
class Prepared:
    """A regular annual array ready for a classical model.

    Attributes
    ----------
    years
        Every year from the first to the last observation.
    values
        Values with partial years annualised (divided by their exposure) and gaps filled by linear
        interpolation.
    notes
        One sentence per adjustment made.
    """

    years: npt.NDArray[np.int64]
    values: npt.NDArray[np.float64]
    notes: tuple[str, ...]


def prepare(series: YearlySeries) -> Prepared:
    """Annualise partial years and interpolate gaps, recording both in the notes."""
    notes: list[str] = []
    values = np.asarray(series.values, dtype=float).copy()
    partial = series.exposure < 1.0
    if partial.any():
        values[partial] = values[partial] / series.exposure[partial]
        partial_years = ", ".join(str(int(y)) for y in series.years[partial])
        notes.append(f"partial year(s) {partial_years} annualised by dividing by their exposure")
    years = np.arange(int(series.years[0]), int(series.years[-1]) + 1, dtype=np.int64)
    if years.size != series.years.size:
        values = np.interp(years, series.years, values)
        notes.append(f"missing year(s) {', '.join(map(str, series.gaps))} filled by linear interpolation")
    return Prepared(years=years, values=values, notes=tuple(notes))


def stratified_probabilities(n_draws: int) -> npt.NDArray[np.float64]:
    """Probabilities ``(i + 0.5) / n``: quantile draws that reproduce a distribution's intervals closely."""
    return (np.arange(n_draws, dtype=float) + 0.5) / n_draws


def future_years(series: YearlySeries, horizon: int) -> npt.NDArray[np.int64]:
    """The ``horizon`` years after the last observation."""
    if horizon < 1:
        raise ValueError(f"horizon must be at least 1, got {horizon}")
    return np.arange(int(series.years[-1]) + 1, int(series.years[-1]) + 1 + horizon, dtype=np.int64)
