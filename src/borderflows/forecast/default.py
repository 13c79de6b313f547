"""The default forecaster: a combination of statsforecast point forecasts with calibrated intervals.

Point forecast
    ``w * anchor + (1 - w) * median(members)``: the median of the point forecasts of several
    statsforecast models (:data:`MEMBERS`) shrunk towards the one member that forecast best on the
    corpus' training windows (:data:`ANCHOR`, weight :data:`ANCHOR_WEIGHT`). On yearly data a simple
    combination beats each member on MASE (M3/M4 evidence; measured again in ``benchmarks/RESULTS.md``);
    the anchor recovers the better sMAPE of DynamicOptimizedTheta. Both the anchor and its weight were
    chosen on the M3 *training* segments only (:func:`borderflows.forecast.benchmark.select_anchor_weight`).
    Members that cannot fit a short series are left out and the forecast notes say so; if the anchor
    cannot fit, the median of the others is used; if none can, the naive (last value) forecast.

Predictive distribution
    Not the members' Gaussian intervals (too narrow on yearly data) but ``f_h + s * spread * q_h(p)``:
    ``s`` is the series' mean absolute first difference, ``spread`` its own relative error scale
    measured from the combination's errors at rolling origins inside its history and shrunk towards
    a corpus prior (:mod:`borderflows.forecast.adaptive`), and ``q_h`` the empirical quantiles, per
    horizon and trend-strength group, of end-of-history errors on a corpus of yearly series (M3
    yearly and DOTS bilateral exports; :mod:`borderflows.forecast.calibration`, provenance in
    ``calibration.json``). The honest scores are the leave-one-domain-out rows of
    ``benchmarks/domains.py``: no series' own future shapes its interval. Errors are on the level
    scale, so the same constants serve positive, count and signed series (net FDI); positive and
    count forecasts are truncated at zero. Level-scale errors gave a 95% MSIS about half that of
    log-scale errors on held-out M3 data (the exponential right tail of log-scale intervals is very
    wide for volatile series). The predictive median is the combined point forecast (the learned
    errors are centred).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from borderflows.data.yearly import YearlySeries
from borderflows.exceptions import DataValidationError
from borderflows.forecast._series import Prepared, future_years, prepare, stratified_probabilities
from borderflows.forecast.adaptive import OwnErrors
from borderflows.forecast.baselines import fit_statsforecast, predict_mean
from borderflows.forecast.calibration import Calibration, default_calibration, predictive_quantiles
from borderflows.forecast.error_scale import ErrorScale
from borderflows.forecast.registry import register
from borderflows.forecast.results import Forecast

MEMBERS: tuple[str, ...] = ("DynamicOptimizedTheta", "AutoETS", "AutoTheta", "RandomWalkWithDrift")
"""statsforecast models combined by default: all fast on yearly series (a few ms each). AutoCES and
AutoARIMA were left out for speed (0.5 s and 0.08 s CPU a fit here); on the first 150 M3 yearly
series adding AutoARIMA changed the combination's held-out MASE by less than 0.5%."""

ANCHOR = "DynamicOptimizedTheta"
"""The member the median is shrunk towards: of the four members, the best on sMAPE (19.15; the others
19.32-21.34) at each series' last full-horizon window inside the M3 training segments (on MASE there
RandomWalkWithDrift is marginally ahead, 3.261 vs 3.264)."""

ANCHOR_WEIGHT = 0.7
"""Weight of :data:`ANCHOR`: the value on the grid 0, 0.1, ..., 1 with the lowest sMAPE at the last
full-horizon window inside each M3 training segment (origin 6 years before its end, scored on the last 6
training years; never the test segments). The curve is flat there (sMAPE 19.131-19.134 for weights
0.5-0.8), and other training-window sets pick 0.3-0.5 (``benchmarks/RESULTS.md`` gives all three and their
test scores); ``benchmarks/m3_yearly.py --select`` reprints the selection and
``test_anchor_weight_is_what_training_windows_select`` keeps this constant equal to the selection."""

MIN_OBSERVATIONS = 3
"""Fewest observations forecast (the volatility scale needs two differences)."""

DEFAULT_DRAWS = 2000
"""Quantile draws per forecast (stratified probabilities; comonotone across horizons)."""


def combine(points: list[npt.NDArray[np.float64]], how: Literal["mean", "median"]) -> npt.NDArray[np.float64]:
    """Combine member point forecasts horizon by horizon."""
    stacked = np.vstack(points)
    return np.asarray(np.mean(stacked, axis=0) if how == "mean" else np.median(stacked, axis=0))


def anchored(
    points: dict[str, npt.NDArray[np.float64]],
    how: Literal["mean", "median"],
    anchor: str | None,
    weight: float,
) -> npt.NDArray[np.float64]:
    """``weight * points[anchor] + (1 - weight) * combine(points)``; the plain combination without the anchor."""
    combined = combine(list(points.values()), how)
    if anchor is None or anchor not in points or weight == 0.0:
        return combined
    return np.asarray(weight * points[anchor] + (1.0 - weight) * combined)


def error_scale(preferred: ErrorScale, values: npt.NDArray[np.float64]) -> ErrorScale:
    """The preferred scale, except that log-scale errors need a strictly positive history."""
    return "log" if preferred == "log" and bool(np.all(values > 0)) else "level"


def fit_members(members: tuple[str, ...], values: npt.NDArray[np.float64]) -> tuple[dict[str, Any], tuple[str, ...]]:
    """Fit each statsforecast member to ``values``: the fitted ones by name, and those that could not fit."""
    fitted: dict[str, Any] = {}
    failed: list[str] = []
    for name in members:
        try:
            model = fit_statsforecast(name, values)
            mean = predict_mean(model, 1)
        except DataValidationError:
            failed.append(name)
            continue
        if np.all(np.isfinite(mean)):
            fitted[name] = model
        else:
            failed.append(name)
    return fitted, tuple(failed)


@dataclass(frozen=True)
class Spread:
    """How wide a forecast's intervals are relative to the corpus', and why.

    Attributes
    ----------
    value
        The factor on the volatility scale (1 without an adaptive prior).
    own
        The series' own rolling-origin errors (``None`` without an adaptive prior).
    weight
        Weight of the own errors against the corpus prior.
    """

    value: float
    own: OwnErrors | None = None
    weight: float = 0.0

    def note(self) -> str:
        """One sentence for the forecast's notes."""
        if self.own is None:
            return "interval widths as learned from the corpus (no adaptive prior in this calibration)"
        return (
            f"interval width {self.value:.2f} x the corpus-typical, from {self.own.n} own rolling-origin "
            f"errors weighted {self.weight:.2f} against the corpus prior"
        )


def calibrated_draws(
    results: DefaultResults, point: npt.NDArray[np.float64], spread: Spread, calibration: Calibration
) -> npt.NDArray[np.float64]:
    """Predictive quantile draws for ``point`` (zero-truncated and rounded as the series' kind needs)."""
    values = results.prepared.values
    quantiles = calibration.for_history(results.scale, values)
    probabilities = stratified_probabilities(results.spec.n_draws)
    draws = predictive_quantiles(values, point, quantiles, probabilities, spread.value)
    if results.series.kind in ("count", "positive"):
        draws = np.clip(draws, 0.0, None)  # a positive or count quantity cannot fall below zero
    if results.series.kind == "count":
        draws = np.round(draws)
    return draws


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

    def member_points(self, horizon: int) -> dict[str, npt.NDArray[np.float64]]:
        """Each fitted member's point forecast for ``horizon`` years, by name."""
        return {name: predict_mean(model, horizon) for name, model in self.fitted.items()}

    def point(self, horizon: int) -> npt.NDArray[np.float64]:
        """The combined point forecast before calibration (what the calibration's errors refer to)."""
        points = self.member_points(horizon)
        if not points:  # too short for every member: the naive forecast
            return np.full(horizon, self.prepared.values[-1])
        return anchored(points, self.spec.combine, self.spec.anchor, self.spec.anchor_weight)

    @property
    def calibration(self) -> Calibration:
        """The calibration in use (the spec's, or the shipped one)."""
        return self.spec.calibration or default_calibration()

    def spread(self) -> Spread:
        """The series' own relative error scale, shrunk towards the calibration's prior (if it has one).

        Refits the members at the prior's rolling origins inside the history (a few ms each).
        """
        prior = self.calibration.priors.get(self.scale)
        if prior is None:
            return Spread(1.0)
        own = prior.measure(self.spec.point_from_values, self.prepared.values)
        return Spread(prior.spread(own), own, prior.weight(own.n))

    def forecast(self, horizon: int) -> Forecast:
        """Calibrated predictive draws for ``horizon`` years (stratified quantiles, one per draw)."""
        years = future_years(self.series, horizon)
        calibration = self.calibration
        spread = self.spread()
        draws = calibrated_draws(self, self.point(horizon), spread, calibration)
        notes = list(self.prepared.notes)
        used = ", ".join(self.fitted) or "naive (no member could fit)"
        learned_from = calibration.provenance.get("label", "a corpus of yearly series")
        notes.append(f"{self.spec.describe(used)}; {self.scale}-scale errors learned from {learned_from}")
        notes.append(spread.note())
        held_out = calibration.held_out_note()
        if held_out is not None:
            notes.append(held_out)
        if self.failed:
            notes.append(f"left out (could not fit): {', '.join(self.failed)}")
        max_horizon = calibration.for_history(self.scale, self.prepared.values).max_horizon
        if horizon > max_horizon:
            notes.append(f"interval widths beyond {max_horizon} years ahead are extrapolated")
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
    anchor
        Member the combination is shrunk towards (``None``: the plain combination); must be in ``members``.
    anchor_weight
        Weight of the anchor's forecast, between 0 and 1.
    scale
        Error scale of the predictive distribution: ``"level"`` (default; errors scaled by the mean
        absolute first difference) or ``"log"`` (multiplicative; positive series only, otherwise level).
    calibration
        Learned error quantiles; ``None`` uses the shipped ``calibration.json``.
    n_draws
        Predictive draws per forecast.
    """

    members: tuple[str, ...] = MEMBERS
    combine: Literal["mean", "median"] = "median"
    anchor: str | None = ANCHOR
    anchor_weight: float = ANCHOR_WEIGHT
    scale: ErrorScale = "level"
    calibration: Calibration | None = None
    n_draws: int = DEFAULT_DRAWS

    def __post_init__(self) -> None:
        if self.anchor is not None and self.anchor not in self.members:
            raise ValueError(f"anchor {self.anchor!r} must be one of the members ({', '.join(self.members)})")
        if not 0.0 <= self.anchor_weight <= 1.0:
            raise ValueError(f"anchor_weight must lie between 0 and 1, got {self.anchor_weight!r}")

    @property
    def name(self) -> str:
        """Label in tables."""
        return "Default"

    def describe(self, members: str | None = None) -> str:
        """The point forecast in words, e.g. for notes and the calibration's provenance."""
        listed = members if members is not None else ", ".join(self.members)
        plain = f"{self.combine} of {listed}"
        if self.anchor is None or self.anchor_weight == 0.0:
            return plain
        return f"{self.anchor_weight:g} x {self.anchor} + {1 - self.anchor_weight:g} x {plain}"

    def fit(self, series: YearlySeries, *, random_seed: int | None = None) -> DefaultResults:
        """Fit every member to ``series`` (partial years annualised, gaps interpolated).

        Raises
        ------
        DataValidationError
            If the series has fewer than three observations.
        """
        if len(series) < MIN_OBSERVATIONS:
            raise DataValidationError(
                f"{series.name} has {len(series)} observation(s); forecasting needs at least {MIN_OBSERVATIONS}",
                column="value",
                fix="add earlier years, or forecast the series it continues (e.g. across a definition break)",
            )
        prepared = prepare(series)
        fitted, failed = fit_members(self.members, prepared.values)
        scale = error_scale(self.scale, prepared.values)
        return DefaultResults(self, series, prepared, fitted, failed, scale, random_seed)

    def point_from_values(self, values: npt.NDArray[np.float64], horizon: int) -> npt.NDArray[np.float64]:
        """The point forecast of :meth:`DefaultResults.point` for a plain array of regular yearly values."""
        fitted, _ = fit_members(self.members, values)
        if not fitted:
            return np.full(horizon, float(values[-1]))
        points = {name: predict_mean(model, horizon) for name, model in fitted.items()}
        return anchored(points, self.combine, self.anchor, self.anchor_weight)


register("Default", Default)
