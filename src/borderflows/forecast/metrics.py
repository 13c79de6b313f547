"""Forecast accuracy and calibration metrics, as defined for the M3/M4 competitions.

All functions take the actual values and forecasts of one series over the forecast horizon
(1-D arrays of equal length) and return per-horizon arrays; averaging over horizons and series is
left to the caller (:mod:`borderflows.forecast.backtest`) so that tidy frames keep every number.

References
----------
Hyndman & Koehler (2006), "Another look at measures of forecast accuracy", IJF 22:679 (MASE).
Makridakis, Spiliotis & Assimakopoulos (2020), "The M4 Competition", IJF 36:54 (sMAPE, MSIS).
Gneiting & Raftery (2007), JASA 102:359 (CRPS); computed with ``scoringrules.crps_ensemble``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scoringrules

FloatArray = npt.NDArray[np.float64]


def _as_float(values: npt.ArrayLike) -> FloatArray:
    return np.asarray(values, dtype=float)


def smape(actual: npt.ArrayLike, forecast: npt.ArrayLike) -> FloatArray:
    """Symmetric absolute percentage error per horizon, in percent (0-200).

    ``200 |y - f| / (|y| + |f|)``; 0 where both are 0.
    """
    y, f = _as_float(actual), _as_float(forecast)
    denominator = np.abs(y) + np.abs(f)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(denominator > 0, 200.0 * np.abs(y - f) / denominator, 0.0)
    return np.asarray(out)


def mase_scale(insample: npt.ArrayLike, lag: int = 1) -> float:
    """In-sample mean absolute ``lag``-difference: the MASE denominator (``lag=1`` for yearly data).

    Raises
    ------
    ValueError
        If the history is shorter than ``lag + 1``.
    """
    x = _as_float(insample)
    if x.size <= lag:
        raise ValueError(f"MASE needs more than {lag} in-sample values, got {x.size}")
    return float(np.mean(np.abs(x[lag:] - x[:-lag])))


def _safe_scale(scale: float) -> float:
    # A constant history has scale 0; fall back to 1 so the error stays finite (and is reported as is).
    return scale if scale > 0 else 1.0


def scaled_error(actual: npt.ArrayLike, forecast: npt.ArrayLike, insample: npt.ArrayLike) -> FloatArray:
    """Absolute error divided by :func:`mase_scale`; its mean over horizons is the series' MASE."""
    scale = _safe_scale(mase_scale(insample))
    return np.abs(_as_float(actual) - _as_float(forecast)) / scale


def mase(actual: npt.ArrayLike, forecast: npt.ArrayLike, insample: npt.ArrayLike) -> float:
    """Mean absolute scaled error of one series over its horizon."""
    return float(np.mean(scaled_error(actual, forecast, insample)))


def covered(actual: npt.ArrayLike, lower: npt.ArrayLike, upper: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Whether each actual value lies inside its interval (bounds included)."""
    y = _as_float(actual)
    return np.asarray((y >= _as_float(lower)) & (y <= _as_float(upper)))


def interval_score(actual: npt.ArrayLike, lower: npt.ArrayLike, upper: npt.ArrayLike, prob: float) -> FloatArray:
    """Winkler / interval score per horizon for a central ``prob`` interval (Gneiting & Raftery 2007).

    ``(u - l) + 2/a (l - y) 1{y < l} + 2/a (y - u) 1{y > u}`` with ``a = 1 - prob``.
    """
    if not 0.0 < prob < 1.0:
        raise ValueError(f"prob must lie strictly between 0 and 1, got {prob!r}")
    y, lo, hi = _as_float(actual), _as_float(lower), _as_float(upper)
    alpha = 1.0 - prob
    below = np.clip(lo - y, 0.0, None)
    above = np.clip(y - hi, 0.0, None)
    return np.asarray((hi - lo) + (2.0 / alpha) * (below + above))


def scaled_interval_score(
    actual: npt.ArrayLike, lower: npt.ArrayLike, upper: npt.ArrayLike, prob: float, insample: npt.ArrayLike
) -> FloatArray:
    """Interval score divided by :func:`mase_scale`; its mean over horizons is the series' MSIS (M4)."""
    return interval_score(actual, lower, upper, prob) / _safe_scale(mase_scale(insample))


def msis(
    actual: npt.ArrayLike, lower: npt.ArrayLike, upper: npt.ArrayLike, prob: float, insample: npt.ArrayLike
) -> float:
    """Mean scaled interval score of one series (M4 definition; ``prob=0.95`` there)."""
    return float(np.mean(scaled_interval_score(actual, lower, upper, prob, insample)))


def crps(actual: npt.ArrayLike, draws: npt.ArrayLike) -> FloatArray:
    """Continuous ranked probability score per horizon from predictive draws ``(n_draws, horizon)``.

    Uses the quantile-decomposition estimator of ``scoringrules.crps_ensemble`` (its default), which
    equals the CRPS of the empirical distribution of the draws; a single draw gives the absolute error.
    """
    y = _as_float(actual)
    ensemble = np.asarray(draws, dtype=float)
    return np.asarray(scoringrules.crps_ensemble(y, ensemble, m_axis=0, estimator="qd"), dtype=float)
