"""Ensembles of forecasters with weights chosen by out-of-sample scores, used only when they win.

:func:`stack` backtests candidate forecasters on rolling origins (the same windows for all of them),
chooses weights that minimise the combination's scaled CRPS, and checks *out of sample* whether the
weighted combination beats every candidate: the weights are re-chosen on the earlier origins only and
scored on each later origin (leave-future-out across all series). If the ensemble does not beat the
best single candidate there, the best candidate is returned instead, and the result says why.

The combination is a quantile average (Vincentisation): at each probability level the ensemble's
quantile is the weighted mean of the members' quantiles. Unlike a mixture of the members' draws it keeps
the members' shape and does not widen with disagreement; it is what the weights are fitted for.

Scores: the CRPS of a forecast is approximated by the mean quantile (pinball) loss at
:data:`STACK_LEVELS` times two, divided by the history's mean absolute first difference (the MASE
scale), so series of different size weigh alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import optimize

from borderflows.data.yearly import YearlySeries
from borderflows.exceptions import DataValidationError
from borderflows.forecast import metrics
from borderflows.forecast._series import stratified_probabilities
from borderflows.forecast.backtest import head, origins_for
from borderflows.forecast.registry import FitResults, Forecaster, get
from borderflows.forecast.results import Forecast

STACK_LEVELS: npt.NDArray[np.float64] = stratified_probabilities(50)
"""Probability levels at which member forecasts are compared and combined (0.01, 0.03, ..., 0.99)."""

ENSEMBLE = "ensemble"
"""Value of :attr:`Stack.chosen` when the weighted ensemble won."""


def _quantiles(forecast: Forecast, levels: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Quantiles ``(len(levels), horizon)`` of a forecast's draws, per horizon."""
    return np.asarray(np.quantile(forecast.draws, levels, axis=0))


def quantile_average(quantiles: Sequence[npt.NDArray[np.float64]], weights: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Weighted mean of members' quantile arrays (same levels and shape): the ensemble's quantiles."""
    w = np.asarray(weights, dtype=float)
    return np.asarray(np.tensordot(w, np.stack(quantiles), axes=1))


def quantile_crps(
    actual: npt.ArrayLike, quantiles: npt.ArrayLike, levels: npt.NDArray[np.float64] = STACK_LEVELS
) -> npt.NDArray[np.float64]:
    """CRPS approximated by twice the mean pinball loss over ``levels``; quantiles ``(..., levels, horizon)``.

    Returns one value per horizon (and per leading index). For a distribution given by many evenly
    spread quantiles this converges to the CRPS (Gneiting & Raftery 2007, eq. 17 integrated over levels).
    """
    y = np.asarray(actual, dtype=float)
    q = np.asarray(quantiles, dtype=float)
    tau = levels.reshape((-1, 1))
    error = y - q
    loss = np.maximum(tau * error, (tau - 1.0) * error)
    return np.asarray(2.0 * loss.mean(axis=-2))


@dataclass(frozen=True)
class _Windows:
    """Member quantiles on the backtest windows every candidate could forecast."""

    quantiles: npt.NDArray[np.float64]  # (n_members, n_windows, n_levels, horizon), NaN past known values
    actual: npt.NDArray[np.float64]  # (n_windows, horizon), NaN where unknown
    scale: npt.NDArray[np.float64]  # (n_windows,)
    rank: npt.NDArray[np.int64]  # (n_windows,) order among its series' kept windows, 0 = earliest
    series: tuple[str, ...]
    origin: npt.NDArray[np.int64]
    dropped: int

    def scores(
        self, quantiles: npt.NDArray[np.float64], mask: npt.NDArray[np.bool_] | None = None
    ) -> npt.NDArray[np.float64]:
        """Scaled CRPS per window (mean over known horizons); quantiles ``(n_windows[mask], n_levels, horizon)``."""
        actual = self.actual if mask is None else self.actual[mask]
        scale = self.scale if mask is None else self.scale[mask]
        crps = quantile_crps(actual[:, None, :], quantiles)  # (n_windows, horizon)
        crps = np.where(np.isfinite(actual), crps, np.nan)
        return np.asarray(np.nanmean(crps, axis=1) / scale)


def _collect(
    members: Sequence[Forecaster],
    collection: Sequence[YearlySeries],
    *,
    horizon: int,
    n_origins: int,
    min_train: int,
    random_seed: int | None,
) -> _Windows:
    quantiles, actuals, scales, ranks, names, origins = [], [], [], [], [], []
    dropped = 0
    for series in collection:
        rank = 0  # order among this series' kept windows
        for n_train in origins_for(series, n_origins=n_origins, min_train=min_train, horizon=horizon):
            history = head(series, n_train)
            known = series.values[n_train : n_train + horizon]
            try:
                forecasts = [m.fit(history, random_seed=random_seed).forecast(horizon) for m in members]
            except DataValidationError:
                dropped += 1  # compare candidates on the same windows only
                continue
            actual = np.full(horizon, np.nan)
            actual[: known.size] = known
            quantiles.append(np.stack([_quantiles(f, STACK_LEVELS) for f in forecasts]))
            actuals.append(actual)
            scale = metrics.mase_scale(history.values) if history.values.size > 1 else 0.0
            scales.append(scale if scale > 0 else 1.0)
            ranks.append(rank)
            rank += 1
            names.append(series.name)
            origins.append(int(history.years[-1]))
    if not quantiles:
        raise DataValidationError(
            "no backtest window could be forecast by every candidate",
            column="value",
            fix="use longer series, lower min_train, or leave out candidates that cannot fit short histories",
        )
    return _Windows(
        np.moveaxis(np.stack(quantiles), 1, 0),
        np.stack(actuals),
        np.asarray(scales),
        np.asarray(ranks, dtype=np.int64),
        tuple(names),
        np.asarray(origins, dtype=np.int64),
        dropped,
    )


def fit_weights(windows: _Windows, mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.float64]:
    """Weights on the simplex minimising the ensemble's mean scaled CRPS over the masked windows.

    The objective is convex in the weights (a quantile average is linear in them and the pinball loss
    is convex); SLSQP from equal weights, so the result is deterministic.
    """
    q = windows.quantiles[:, mask]  # (members, windows, levels, horizon)
    n = q.shape[0]
    if n == 1:
        return np.ones(1)
    known = np.isfinite(windows.actual[mask])
    y = np.where(known, windows.actual[mask], 0.0)[:, None, :]
    # Each (window, horizon) cell's weight in the objective: mean over known horizons, divided by the
    # window's scale, mean over windows; times 2 / n_levels for the CRPS approximation.
    cell = known / (known.sum(axis=1, keepdims=True) * windows.scale[mask][:, None] * known.shape[0])
    cell = (2.0 / STACK_LEVELS.size) * cell[:, None, :]
    tau = STACK_LEVELS.reshape((-1, 1))

    def objective(w: npt.NDArray[np.float64]) -> tuple[float, npt.NDArray[np.float64]]:
        combined = np.tensordot(w, q, axes=1)
        error = y - combined
        value = float(np.sum(cell * np.maximum(tau * error, (tau - 1.0) * error)))
        slope = cell * np.where(error > 0, -tau, 1.0 - tau)  # d loss / d combined quantile
        return value, np.asarray(np.tensordot(q, slope, axes=([1, 2, 3], [0, 1, 2])))

    result = optimize.minimize(
        objective,
        np.full(n, 1.0 / n),
        jac=True,
        method="SLSQP",
        bounds=[(0.0, 1.0)] * n,
        constraints=[{"type": "eq", "fun": lambda w: float(np.sum(w) - 1.0)}],
        options={"ftol": 1e-10, "maxiter": 500},
    )
    weights = np.clip(result.x, 0.0, None)
    return np.asarray(weights / weights.sum())


@dataclass(frozen=True)
class EnsembleResults:
    """A fitted :class:`Ensemble`: the fitted members that could fit, with their renormalised weights."""

    spec: Ensemble
    series: YearlySeries
    fits: tuple[tuple[str, FitResults, float], ...]
    failed: tuple[str, ...]
    random_seed: int | None = None

    def forecast(self, horizon: int) -> Forecast:
        """Quantile-averaged predictive draws (``spec.n_draws`` stratified quantiles per horizon)."""
        levels = stratified_probabilities(self.spec.n_draws)
        forecasts = [fit.forecast(horizon) for _, fit, _ in self.fits]
        weights = np.asarray([w for _, _, w in self.fits])
        draws = quantile_average([_quantiles(f, levels) for f in forecasts], weights / weights.sum())
        used = ", ".join(f"{name} {w / weights.sum():.2f}" for name, _, w in self.fits)
        notes = [f"quantile average of {used}"]
        if self.failed:
            notes.append(f"left out (could not fit; weights renormalised): {', '.join(self.failed)}")
        return Forecast(self.series, self.spec.name, forecasts[0].years, draws, self.random_seed, None, tuple(notes))


@dataclass(frozen=True)
class Ensemble:
    """Quantile average of several forecasters with fixed weights (usually chosen by :func:`stack`).

    Parameters
    ----------
    members
        Forecasters (or registry names) to combine.
    weights
        Non-negative weights, one per member, summing to one.
    n_draws
        Predictive draws (stratified quantiles) per forecast.
    """

    members: tuple[Forecaster | str, ...]
    weights: tuple[float, ...]
    n_draws: int = 2000

    def __post_init__(self) -> None:
        if len(self.members) != len(self.weights) or not self.members:
            raise ValueError("an ensemble needs one weight per member and at least one member")
        w = np.asarray(self.weights, dtype=float)
        if np.any(w < 0) or not np.isclose(w.sum(), 1.0, atol=1e-6):
            raise ValueError(f"weights must be non-negative and sum to one, got {self.weights}")

    @property
    def name(self) -> str:
        """Label in tables."""
        return "Ensemble"

    def forecasters(self) -> list[Forecaster]:
        """The members as forecaster objects (names resolved through the registry)."""
        return [get(m) if isinstance(m, str) else m for m in self.members]

    def fit(self, series: YearlySeries, *, random_seed: int | None = None) -> EnsembleResults:
        """Fit every member with positive weight; members that cannot fit are left out and noted.

        Raises
        ------
        DataValidationError
            If no member with positive weight can fit the series.
        """
        fits: list[tuple[str, FitResults, float]] = []
        failed: list[str] = []
        for model, weight in zip(self.forecasters(), self.weights, strict=True):
            if weight <= 0:
                continue
            try:
                fits.append((model.name, model.fit(series, random_seed=random_seed), float(weight)))
            except DataValidationError:
                failed.append(model.name)
        if not fits:
            raise DataValidationError(
                f"no ensemble member could fit {series.name} ({', '.join(failed)})",
                column="value",
                fix="use the default forecaster ('Default'), which copes with short series",
            )
        return EnsembleResults(self, series, tuple(fits), tuple(failed), random_seed)


@dataclass(frozen=True)
class Stack:
    """The outcome of :func:`stack`.

    Attributes
    ----------
    candidates
        Candidate names, in the order given.
    weights
        Ensemble weights fitted on every backtest window (sum to one), by candidate.
    scores
        Out-of-sample scores, one row per candidate plus ``"ensemble"``: ``model``, ``n_windows``,
        ``scaled_crps`` (mean over the windows at origins after each series' first), ``rank``.
    chosen
        ``"ensemble"`` or the name of the best single candidate.
    reason
        One sentence saying why.
    forecaster
        What to use: the :class:`Ensemble` or the best candidate.
    n_windows, dropped
        Backtest windows used, and windows left out because some candidate could not forecast them.
    """

    candidates: tuple[str, ...]
    weights: pd.Series
    scores: pd.DataFrame
    chosen: str
    reason: str
    forecaster: Forecaster
    n_windows: int
    dropped: int


def stack(
    candidates: Sequence[Forecaster | str],
    series: YearlySeries | Iterable[YearlySeries],
    *,
    horizon: int = 5,
    n_origins: int = 5,
    min_train: int = 8,
    random_seed: int | None = None,
) -> Stack:
    """Choose ensemble weights by rolling-origin backtest and keep the ensemble only if it wins out of sample.

    Parameters
    ----------
    candidates
        Forecasters or registry names (at least two).
    series
        One series or several; every candidate is scored on the same windows.
    horizon, n_origins, min_train
        Backtest design, as in :func:`borderflows.forecast.backtest.backtest`.
    random_seed
        Passed to every fit.

    Returns
    -------
    Stack
        Weights, out-of-sample scores, the choice and the reason.

    Notes
    -----
    Out of sample means leave-future-out: for each rank ``r >= 1`` (every series' ``r``-th window, in
    origin order, among the windows all candidates could forecast), weights are fitted on the windows
    of ranks ``< r`` only and the resulting ensemble is scored on rank ``r``; single candidates are
    scored on the same windows. The ensemble is chosen only if its
    mean scaled CRPS there is strictly below every candidate's. With one short series there are only a
    handful of such windows (``scores["n_windows"]``) and the choice is correspondingly noisy; stacking
    several related series gives it more to go on.
    """
    members = [get(c) if isinstance(c, str) else c for c in candidates]
    if len(members) < 2:
        raise ValueError("stacking needs at least two candidates")
    names = tuple(m.name for m in members)
    if len(set(names)) != len(names):
        raise ValueError(f"candidate names must differ, got {names}")
    collection = [series] if isinstance(series, YearlySeries) else list(series)
    windows = _collect(
        members, collection, horizon=horizon, n_origins=n_origins, min_train=min_train, random_seed=random_seed
    )
    later = windows.rank >= 1
    if not later.any():
        raise DataValidationError(
            "stacking needs at least two backtest origins per series to score weights out of sample",
            column="value",
            fix="use longer series or a larger n_origins",
        )
    member_scores = np.stack([windows.scores(q) for q in windows.quantiles])  # (members, windows)
    ensemble_scores = np.full(windows.actual.shape[0], np.nan)
    for r in np.unique(windows.rank[later]):
        weights_r = fit_weights(windows, windows.rank < r)
        at_r = windows.rank == r
        ensemble_scores[at_r] = windows.scores(quantile_average(list(windows.quantiles[:, at_r]), weights_r), at_r)
    oos = {name: float(np.mean(s[later])) for name, s in zip(names, member_scores, strict=True)}
    oos[ENSEMBLE] = float(np.mean(ensemble_scores[later]))
    scores = pd.DataFrame(
        {"model": list(oos), "n_windows": int(later.sum()), "scaled_crps": list(oos.values())}
    ).sort_values("scaled_crps", kind="stable", ignore_index=True)
    scores["rank"] = np.arange(1, len(scores) + 1)
    weights = pd.Series(fit_weights(windows, np.ones(windows.rank.size, dtype=bool)), index=list(names), name="weight")
    best = min(names, key=lambda name: oos[name])
    if oos[ENSEMBLE] < oos[best]:
        chosen = ENSEMBLE
        reason = (
            f"the ensemble's out-of-sample scaled CRPS {oos[ENSEMBLE]:.4f} is below every candidate's "
            f"(best: {best}, {oos[best]:.4f})"
        )
        forecaster: Forecaster = Ensemble(tuple(members), tuple(float(w) for w in weights))
    else:
        chosen = best
        reason = (
            f"the ensemble did not beat every candidate out of sample (ensemble {oos[ENSEMBLE]:.4f}, "
            f"{best} {oos[best]:.4f} scaled CRPS), so {best} is used alone"
        )
        forecaster = members[names.index(best)]
    return Stack(names, weights, scores, chosen, reason, forecaster, int(windows.actual.shape[0]), windows.dropped)
