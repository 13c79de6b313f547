"""The default forecaster: a combination of statsforecast point forecasts with calibrated intervals.

Point forecast
    The combination (mean by default) of the point forecasts of several statsforecast models
    (:data:`MEMBERS`). On yearly data a simple combination beats each member (M3/M4 evidence; measured
    again in ``benchmarks/RESULTS.md``). Members that cannot fit a short series are left out and the
    forecast notes say so; if none can, the naive (last value) forecast is used.

Predictive distribution
    Not the members' Gaussian intervals (too narrow on yearly data) but the empirical distribution of
    the combination's own standardised errors, learned per horizon from rolling origins inside the
    training parts of the M3 yearly series (:mod:`borderflows.forecast.calibration`). Positive and
    count series use log-scale errors (multiplicative, right-skewed intervals that stay positive);
    signed series (e.g. net FDI) use level-scale errors scaled by the mean absolute first difference.
    The predictive median, used as the point estimate in tables, includes the learned median error
    (a bias correction).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from borderflows.data.yearly import YearlySeries
from borderflows.exceptions import DataValidationError
from borderflows.forecast._series import Prepared, future_years, prepare, stratified_probabilities
from borderflows.forecast.baselines import fit_statsforecast, predict_mean_sd
from borderflows.forecast.calibration import (
    Calibration,
    ErrorScale,
    default_calibration,
    predictive_quantiles,
)
from borderflows.forecast.registry import register
from borderflows.forecast.results import Forecast

MEMBERS: tuple[str, ...] = ("DynamicOptimizedTheta", "AutoETS", "AutoCES")
"""statsforecast models combined by default."""

DEFAULT_DRAWS = 2000
"""Quantile draws per forecast (stratified probabilities; comonotone across horizons)."""


def combine(points: list[npt.NDArray[np.float64]], how: Literal["mean", "median"]) -> npt.NDArray[np.float64]:
    """Combine member point forecasts horizon by horizon."""
    stacked = np.vstack(points)
    return np.asarray(np.mean(stacked, axis=0) if how == "mean" else np.median(stacked, axis=0))


def error_scale(series: YearlySeries, values: npt.NDArray[np.float64]) -> ErrorScale:
    """``"log"`` for positive and count series whose values are all > 0, ``"level"`` otherwise."""
    return "log" if series.kind in ("positive", "count") and bool(np.all(values > 0)) else "level"


@dataclass(frozen=True)
class DefaultResults:
    """A fitted default forecaster.

    Attributes
    ----------
    spec
        The :class:`Default` spec that produced it.
    series
        The series as given.
    prepared
        Full-year regular values the members were fitted on.
    fitted
        Fitted statsforecast members by name (those that could fit).
    failed
        Members that could not fit this series.
    scale
        Error scale of the predictive distribution (``"log"`` or ``"level"``).
    random_seed
        Recorded for symmetry; the forecast is deterministic (quantile draws).
    """

    spec: Default
    series: YearlySeries
    prepared: Prepared
    fitted: dict[str, Any]
    failed: tuple[str, ...]
    scale: ErrorScale
    random_seed: int | None = None

    def point(self, horizon: int) -> npt.NDArray[np.float64]:
        """The combined point forecast before calibration (what the calibration's errors refer to)."""
        points = [predict_mean_sd(model, horizon)[0] for model in self.fitted.values()]
        if not points:  # too short for every member: the naive forecast
            return np.full(horizon, self.prepared.values[-1])
        return combine(points, self.spec.combine)

    def forecast(self, horizon: int) -> Forecast:
        """Calibrated predictive draws for ``horizon`` years (stratified quantiles, one per draw)."""
        years = future_years(self.series, horizon)
        calibration = self.spec.calibration or default_calibration()
        quantiles = calibration[self.scale]
        probabilities = stratified_probabilities(self.spec.n_draws)
        draws = predictive_quantiles(self.prepared.values, self.point(horizon), quantiles, probabilities)
        if self.series.kind == "count":
            draws = np.round(draws)
        notes = list(self.prepared.notes)
        used = ", ".join(self.fitted) or "naive (no member could fit)"
        notes.append(f"{self.spec.combine} of {used}; {self.scale}-scale errors learned from M3 yearly")
        if self.failed:
            notes.append(f"left out (could not fit): {', '.join(self.failed)}")
        if horizon > quantiles.max_horizon:
            notes.append(f"interval widths beyond {quantiles.max_horizon} years ahead are extrapolated")
        return Forecast(self.series, self.spec.name, years, draws, self.random_seed, None, tuple(notes))


@dataclass(frozen=True)
class Default:
    """The default forecaster (see the module docstring).

    Parameters
    ----------
    members
        statsforecast models whose point forecasts are combined.
    combine
        ``"mean"`` or ``"median"`` of the member forecasts.
    calibration
        Learned error quantiles; ``None`` uses the shipped ``calibration.json``.
    n_draws
        Predictive draws per forecast.
    """

    members: tuple[str, ...] = MEMBERS
    combine: Literal["mean", "median"] = "mean"
    calibration: Calibration | None = None
    n_draws: int = DEFAULT_DRAWS

    @property
    def name(self) -> str:
        """Label in tables."""
        return "Default"

    def fit(self, series: YearlySeries, *, random_seed: int | None = None) -> DefaultResults:
        """Fit every member to ``series`` (partial years annualised, gaps interpolated)."""
        prepared = prepare(series)
        fitted: dict[str, Any] = {}
        failed: list[str] = []
        for name in self.members:
            try:
                model = fit_statsforecast(name, prepared.values)
                mean, _ = predict_mean_sd(model, 1)
            except DataValidationError:
                failed.append(name)
                continue
            if np.all(np.isfinite(mean)):
                fitted[name] = model
            else:
                failed.append(name)
        scale = error_scale(series, prepared.values)
        return DefaultResults(self, series, prepared, fitted, tuple(failed), scale, random_seed)


register("Default", Default)
