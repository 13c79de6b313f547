"""Series-adaptive interval widths: the series' own rolling-origin errors, shrunk towards a corpus prior.

Corpus-calibrated intervals ``f_h + s q_h(p)`` (:mod:`borderflows.forecast.calibration`) carry the
learning corpus' ratio of forecast error to in-sample volatility ``s``. Where a user's series err
more relative to ``s`` than the corpus did (noisier, more breaks), they under-cover: learned on M3
yearly, 80% intervals covered 0.68 on another domain. The series at hand says how it errs, so:

1. **Own errors.** The point forecaster is refitted at the last :data:`OWN_ORIGINS` origins inside
   the history that leave at least :data:`OWN_MIN_TRAIN` values to fit, and each forecast value
   that the history still holds is scored: ``z_{o,h}`` standardised like the corpus errors, by the
   volatility of the history up to origin ``o`` (:func:`own_errors`). Nothing after the end of the
   history is read.
2. **Relative error scale.** Dividing by the corpus' mean absolute own error at that horizon,
   ``g_h``, and averaging gives ``r = mean |z_{o,h}| / g_h`` (1: the series errs like the corpus).
3. **Shrinkage.** With ``n`` own errors, ``log spread = m + n / (n + k) (log r - m)``, where ``m``
   is the corpus' mean ``log r`` and ``k`` the prior strength, both learned from a corpus
   (:func:`borderflows.forecast.records.learn_from_records` picks ``k`` by leave-one-domain-out
   interval score). A series too short for any own error gets ``exp(m)``.
4. **Intervals** are ``f_h + s * spread * q_h(p)``, where ``q_h`` are quantiles of the corpus'
   end-of-history errors (and, with a learned weight, its own rolling-origin errors) each divided
   by its series' spread: a studentised, conformal-style predictive distribution whose width is
   the series' own and whose shape is the corpus'.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from borderflows.forecast.error_scale import ErrorScale, standardised_errors

OWN_ORIGINS = 10
"""Rolling origins inside the history whose errors measure the series' own error scale. Measured
against 6 (learned on M3 yearly, scored on DOTS exports, quantiles of end errors only): 80%/95%
coverage 0.736/0.926 vs 0.701/0.889, MSIS(95) 24.8 vs 25.6; learned on DOTS, scored on M3:
0.817/0.946 vs 0.823/0.955 (``benchmarks/RESULTS.md``). Each origin is one more fit of the members
(a few ms)."""

OWN_MIN_TRAIN = 6
"""Fewest values fitted at an own-error origin (the members need about this many to fit)."""

MIN_RATIO = 0.1
"""Floor on the relative error scale ``r``: a history the forecaster happened to fit perfectly
(e.g. a constant series) still gets a tenth of the corpus' typical width before shrinkage."""


@dataclass(frozen=True)
class OwnErrors:
    """Standardised errors of a series' own rolling-origin forecasts.

    Attributes
    ----------
    scale
        Error scale of the ``errors``.
    horizons
        Horizon (1-based) of each error.
    errors
        The standardised errors, one per (origin, horizon) the history could score.
    """

    scale: ErrorScale
    horizons: npt.NDArray[np.int64]
    errors: npt.NDArray[np.float64]

    @property
    def n(self) -> int:
        """Number of own errors."""
        return int(self.errors.size)


PointFunction = Callable[[npt.NDArray[np.float64], int], npt.NDArray[np.float64]]
"""``(history values, horizon) -> point forecast``: the forecaster whose errors are measured."""


def own_errors(
    point: PointFunction,
    values: npt.ArrayLike,
    scale: ErrorScale,
    *,
    horizon: int,
    n_origins: int = OWN_ORIGINS,
    min_train: int = OWN_MIN_TRAIN,
) -> OwnErrors:
    """Errors of ``point`` at the last ``n_origins`` origins of ``values`` (module docstring, step 1).

    Log-scale errors are skipped at origins whose history or scored values are not all positive.
    """
    y = np.asarray(values, dtype=float)
    horizons: list[int] = []
    errors: list[float] = []
    for n_train in range(max(min_train, y.size - n_origins), y.size):
        history, actual = y[:n_train], y[n_train : n_train + horizon]
        if scale == "log" and (np.any(history <= 0) or np.any(actual <= 0)):
            continue
        z = standardised_errors(history, point(history, horizon), actual, scale)
        horizons.extend(range(1, z.size + 1))
        errors.extend(float(v) for v in z)
    return OwnErrors(scale, np.asarray(horizons, dtype=np.int64), np.asarray(errors, dtype=float))


@dataclass(frozen=True)
class ScalePrior:
    """The corpus-learned prior on a series' relative error scale (module docstring, steps 2-3).

    Attributes
    ----------
    scale
        Error scale it applies to.
    growth
        ``g_h``: the corpus' mean absolute own error at horizons ``1..len(growth)``.
    centre
        ``m``: the corpus' mean log relative error scale.
    strength
        ``k``: how many own errors weigh as much as the prior.
    n_origins, min_train
        The own-error origins the prior was learned with (a forecast must use the same).
    """

    scale: ErrorScale
    growth: tuple[float, ...]
    centre: float
    strength: float
    n_origins: int = OWN_ORIGINS
    min_train: int = OWN_MIN_TRAIN

    @property
    def horizon(self) -> int:
        """Longest own-error horizon."""
        return len(self.growth)

    def ratio(self, own: OwnErrors) -> float:
        """``r``: mean absolute own error relative to the corpus' at the same horizons (NaN without errors).

        Own errors beyond the learned horizons are compared with the last learned ``g_h``, as the
        learner itself carries a growth curve forward past its last horizon with errors.
        """
        if own.n == 0:
            return float("nan")
        g = np.asarray(self.growth, dtype=float)[np.minimum(own.horizons, self.horizon) - 1]
        return max(float(np.mean(np.abs(own.errors) / g)), MIN_RATIO)

    def weight(self, n: int) -> float:
        """``n / (n + k)``: the weight of ``n`` own errors against the prior."""
        return n / (n + self.strength) if n > 0 else 0.0

    def spread(self, own: OwnErrors) -> float:
        """The shrunk relative error scale of a series with these own errors."""
        if own.n == 0:
            return float(np.exp(self.centre))
        w = self.weight(own.n)
        return float(np.exp(self.centre + w * (np.log(self.ratio(own)) - self.centre)))

    def measure(self, point: PointFunction, values: npt.ArrayLike) -> OwnErrors:
        """The own errors of ``point`` on ``values`` at this prior's origins and horizons."""
        return own_errors(
            point, values, self.scale, horizon=self.horizon, n_origins=self.n_origins, min_train=self.min_train
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "scale": self.scale,
            "growth": [round(g, 6) for g in self.growth],
            "centre": round(self.centre, 6),
            "strength": self.strength,
            "n_origins": self.n_origins,
            "min_train": self.min_train,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScalePrior:
        """Inverse of :meth:`to_dict`."""
        return cls(
            scale=data["scale"],
            growth=tuple(float(g) for g in data["growth"]),
            centre=float(data["centre"]),
            strength=float(data["strength"]),
            n_origins=int(data["n_origins"]),
            min_train=int(data["min_train"]),
        )
