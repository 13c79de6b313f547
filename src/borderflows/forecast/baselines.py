"""Classical baselines through statsforecast: Naive, AutoETS, AutoARIMA, DynamicOptimizedTheta, AutoCES.

These wrappers do not re-implement anything: they fit statsforecast's own models and turn their
Gaussian prediction intervals into predictive draws (quantiles at stratified probabilities), so that
``Forecast.interval(prob, "eti")`` reproduces statsforecast's ``lo-XX``/``hi-XX`` bounds at every
probability. The point forecast (the predictive median) is statsforecast's mean.
"""

from __future__ import annotations

from collections.abc import Callable
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

_REFERENCE_LEVEL = 80
"""statsforecast interval level (percent) from which the predictive standard deviation is recovered."""


def _statsforecast_models() -> dict[str, Callable[[], Any]]:
    from statsforecast import models

    return {
        "Naive": models.Naive,
        "AutoETS": lambda: models.AutoETS(season_length=1),
        "AutoARIMA": lambda: models.AutoARIMA(season_length=1),
        "DynamicOptimizedTheta": lambda: models.DynamicOptimizedTheta(season_length=1),
        "AutoCES": lambda: models.AutoCES(season_length=1),
    }


BASELINES: tuple[str, ...] = ("Naive", "AutoETS", "AutoARIMA", "DynamicOptimizedTheta", "AutoCES")


def fit_statsforecast(name: str, values: npt.NDArray[np.float64]) -> Any:
    """Fit the statsforecast model ``name`` (non-seasonal) to ``values``.

    Raises
    ------
    DataValidationError
        If statsforecast cannot fit the series (e.g. too short for ETS), naming the fix.
    """
    factory = _statsforecast_models()[name]
    try:
        return factory().fit(y=np.asarray(values, dtype=float))
    except Exception as error:  # statsforecast raises bare Exception/ValueError on tiny or constant series
        raise DataValidationError(
            f"{name} could not fit this series of {values.size} values ({error})",
            column="value",
            fix="use the default forecaster ('Default'), which copes with short series",
        ) from error


def predict_mean_sd(fitted: Any, horizon: int) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Point forecast and Gaussian predictive standard deviation per horizon from a fitted model."""
    out = fitted.predict(h=horizon, level=[_REFERENCE_LEVEL])
    mean = np.asarray(out["mean"], dtype=float)
    lo = np.asarray(out[f"lo-{_REFERENCE_LEVEL}"], dtype=float)
    hi = np.asarray(out[f"hi-{_REFERENCE_LEVEL}"], dtype=float)
    z = stats.norm.ppf(0.5 + _REFERENCE_LEVEL / 200.0)
    return mean, np.clip((hi - lo) / (2.0 * z), 0.0, None)


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
        mean, sd = predict_mean_sd(self.fitted, horizon)
        z = stats.norm.ppf(stratified_probabilities(n_draws))
        draws = mean[None, :] + z[:, None] * sd[None, :]
        notes = (*self.prepared.notes, f"statsforecast {self.model}: Gaussian intervals")
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
