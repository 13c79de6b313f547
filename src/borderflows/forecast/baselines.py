"""Classical baselines through statsforecast: Naive, drift, AutoETS, AutoARIMA, Theta variants, AutoCES.

These wrappers do not re-implement anything: they fit statsforecast's own models and turn their
prediction intervals into predictive draws (quantiles at stratified probabilities, see
:func:`predict_quantiles`), so that ``Forecast.interval(prob, "eti")`` reproduces statsforecast's
``lo-XX``/``hi-XX`` bounds. The point forecast (the predictive median) is statsforecast's mean.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import stats

from borderflows.data.yearly import YearlySeries
from borderflows.exceptions import DataValidationError
from borderflows.forecast._series import Prepared, future_years, prepare, stratified_probabilities
from borderflows.forecast.registry import register
from borderflows.forecast.results import Forecast

DEFAULT_DRAWS = 2000
"""Quantile draws per forecast; with stratified probabilities the 95% bounds match to ~1e-3 sigma."""

_KNOT_LEVELS = (50, 80, 90, 95, 99)
"""statsforecast interval levels (percent) whose bounds define the predictive quantile function."""


def _statsforecast_models() -> dict[str, Callable[[], Any]]:
    from statsforecast import models

    return {
        "Naive": models.Naive,
        "AutoETS": lambda: models.AutoETS(season_length=1),
        "AutoARIMA": lambda: models.AutoARIMA(season_length=1),
        "DynamicOptimizedTheta": lambda: models.DynamicOptimizedTheta(season_length=1),
        "AutoCES": lambda: models.AutoCES(season_length=1),
        "AutoTheta": lambda: models.AutoTheta(season_length=1),
        "RandomWalkWithDrift": models.RandomWalkWithDrift,
    }


BASELINES: tuple[str, ...] = (
    "Naive",
    "RandomWalkWithDrift",
    "AutoETS",
    "AutoARIMA",
    "DynamicOptimizedTheta",
    "AutoTheta",
    "AutoCES",
)
"""Registered baselines. AutoCES is ~100x slower than the others on yearly series (0.5 s CPU a fit here)."""


def fit_statsforecast(name: str, values: npt.NDArray[np.float64]) -> Any:
    """Fit the statsforecast model ``name`` (non-seasonal) to ``values``.

    Raises
    ------
    DataValidationError
        If statsforecast cannot fit the series (e.g. too short for ETS), naming the fix.
    """
    factory = _statsforecast_models()[name]
    try:
        with _quiet():
            return factory().fit(y=np.asarray(values, dtype=float))
    except Exception as error:  # statsforecast raises bare Exception/ValueError on tiny or constant series
        raise _unfittable(f"{name} could not fit this series of {values.size} values", error) from error


def _unfittable(problem: str, error: Exception) -> DataValidationError:
    return DataValidationError(
        f"{problem} ({error})",
        column="value",
        fix="use the default forecaster ('Default'), which copes with short series",
    )


@contextmanager
def _quiet() -> Iterator[None]:
    # statsforecast computes variances of near-empty residual vectors on tiny series and emits numpy
    # RuntimeWarnings (division by zero, sqrt of NaN); the outcome is checked for finiteness instead.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def _predict(fitted: Any, horizon: int, levels: list[int] | None) -> dict[str, Any]:
    try:
        with _quiet():
            out: dict[str, Any] = fitted.predict(h=horizon, level=levels) if levels else fitted.predict(h=horizon)
    except Exception as error:  # e.g. scipy's "scale must be positive" for a degenerate fit
        raise _unfittable(f"{type(fitted).__name__} could not forecast this series", error) from error
    values = [np.asarray(v, dtype=float) for v in out.values()]
    if not all(np.all(np.isfinite(v)) for v in values):
        raise _unfittable(f"{type(fitted).__name__} could not forecast this series", ValueError("non-finite"))
    return out


def predict_mean(fitted: Any, horizon: int) -> npt.NDArray[np.float64]:
    """statsforecast's point forecast for ``horizon`` years.

    Raises
    ------
    DataValidationError
        If the model cannot produce a finite forecast (statsforecast fails on some tiny series).
    """
    return np.asarray(_predict(fitted, horizon, None)["mean"], dtype=float)


def predict_quantiles(fitted: Any, horizon: int, probabilities: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Predictive quantiles ``(len(probabilities), horizon)`` from statsforecast's own intervals.

    statsforecast reports central intervals at the levels :data:`_KNOT_LEVELS`; their bounds and the
    mean are knots of the quantile function, interpolated linearly on the standard-normal scale (and
    extrapolated beyond 99%). For Gaussian intervals (ETS, ARIMA, naive) this is exact; for the
    simulated Theta intervals it passes through every reported bound.
    """
    out = _predict(fitted, horizon, list(_KNOT_LEVELS))
    knots_p = [0.5]
    knots_q = [np.asarray(out["mean"], dtype=float)]
    for level in _KNOT_LEVELS:
        tail = (1 - level / 100) / 2
        knots_p = [tail, *knots_p, 1 - tail]
        knots_q = [np.asarray(out[f"lo-{level}"], dtype=float), *knots_q, np.asarray(out[f"hi-{level}"], dtype=float)]
    z_knots = stats.norm.ppf(knots_p)
    q_knots = np.sort(np.vstack(knots_q), axis=0)  # guard against crossing bounds
    z = stats.norm.ppf(probabilities)
    columns = []
    for h in range(horizon):
        inside = np.interp(z, z_knots, q_knots[:, h])
        low_slope = (q_knots[1, h] - q_knots[0, h]) / (z_knots[1] - z_knots[0])
        high_slope = (q_knots[-1, h] - q_knots[-2, h]) / (z_knots[-1] - z_knots[-2])
        inside = np.where(z < z_knots[0], q_knots[0, h] + (z - z_knots[0]) * low_slope, inside)
        inside = np.where(z > z_knots[-1], q_knots[-1, h] + (z - z_knots[-1]) * high_slope, inside)
        columns.append(inside)
    return np.column_stack(columns)


@dataclass(frozen=True)
class BaselineResults:
    """A fitted statsforecast baseline.

    Attributes
    ----------
    model
        Name of the statsforecast model.
    series
        The series as given.
    prepared
        The regular full-year values the model was fitted on.
    fitted
        The fitted statsforecast model object.
    random_seed
        Recorded for symmetry with Bayesian models; the baselines are deterministic.
    """

    model: str
    series: YearlySeries
    prepared: Prepared
    fitted: Any
    random_seed: int | None = None

    def forecast(self, horizon: int, *, n_draws: int = DEFAULT_DRAWS) -> Forecast:
        """Gaussian predictive draws (statsforecast's mean and interval width) for ``horizon`` years."""
        years = future_years(self.series, horizon)
        draws = predict_quantiles(self.fitted, horizon, stratified_probabilities(n_draws))
        notes = (*self.prepared.notes, f"statsforecast {self.model}: its own prediction intervals")
        return Forecast(self.series, self.model, years, draws, self.random_seed, None, notes)


@dataclass(frozen=True)
class StatsForecastBaseline:
    """Frozen spec of one statsforecast model (non-seasonal, as fits yearly data).

    Parameters
    ----------
    model
        One of :data:`BASELINES`.
    """

    model: str = "AutoETS"

    def __post_init__(self) -> None:
        if self.model not in BASELINES:
            raise ValueError(f"unknown baseline {self.model!r}; choose one of {', '.join(BASELINES)}")

    @property
    def name(self) -> str:
        """The statsforecast model name."""
        return self.model

    def fit(self, series: YearlySeries, *, random_seed: int | None = None) -> BaselineResults:
        """Fit to ``series`` (partial years annualised, gaps interpolated; see the notes)."""
        prepared = prepare(series)
        fitted = fit_statsforecast(self.model, prepared.values)
        return BaselineResults(self.model, series, prepared, fitted, random_seed)


def _factory(model: str) -> Callable[[], StatsForecastBaseline]:
    return lambda: StatsForecastBaseline(model)


for _name in BASELINES:
    register(_name, _factory(_name))
