"""Forecast errors in units of the series' own volatility, on the log or the level scale.

Both the corpus calibration (:mod:`borderflows.forecast.calibration`) and a series' own errors
(:mod:`borderflows.forecast.adaptive`) measure errors this way:

- ``"log"`` scale (positive series): ``z = (log y_h - log f_h) / s``, ``s`` = mean absolute first
  difference of ``log y``;
- ``"level"`` scale (any series, including signed ones): ``z = (y_h - f_h) / s``, ``s`` = mean
  absolute first difference of ``y`` (the MASE scale).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

ErrorScale = Literal["log", "level"]

_MIN_LOG_SCALE = 1e-3
"""Floor on the log-scale volatility (0.1% a year), so a flat history still gets a usable interval."""


def volatility(values: npt.ArrayLike, scale: ErrorScale) -> float:
    """The series' in-sample volatility ``s`` on the given error scale (module docstring)."""
    y = np.asarray(values, dtype=float)
    if y.size < 2:
        return 1.0 if scale == "level" else 0.1
    if scale == "log":
        return max(float(np.mean(np.abs(np.diff(np.log(y))))), _MIN_LOG_SCALE)
    s = float(np.mean(np.abs(np.diff(y))))
    return s if s > 0 else max(float(np.mean(np.abs(y))) * _MIN_LOG_SCALE, 1e-12)


def positive_floor(values: npt.ArrayLike) -> float:
    """Smallest point forecast allowed on the log scale: 1% of the smallest observed value."""
    return 0.01 * float(np.min(np.asarray(values, dtype=float)))


def standardised_errors(
    history: npt.ArrayLike, point: npt.ArrayLike, actual: npt.ArrayLike, scale: ErrorScale
) -> npt.NDArray[np.float64]:
    """Errors ``z`` of a point forecast, per horizon, on the given scale (module docstring)."""
    y_hist = np.asarray(history, dtype=float)
    f = np.asarray(point, dtype=float)[: np.asarray(actual).size]
    y = np.asarray(actual, dtype=float)
    s = volatility(y_hist, scale)
    if scale == "log":
        f = np.maximum(f, positive_floor(y_hist))
        return np.asarray((np.log(y) - np.log(f)) / s)
    return np.asarray((y - f) / s)
