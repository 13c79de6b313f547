"""Empirically calibrated predictive distributions: per-horizon error quantiles learned from a corpus.

Classical models' Gaussian intervals are too narrow on yearly data (ENVIRONMENT.md: nominal 95%
covers 74-84% on M3 yearly). The default forecaster instead takes its predictive distribution from
the errors its own point forecasts made on a corpus of yearly series, an empirical-Bayes prior on
forecast error learned once and shipped with the package:

* For each corpus series and each rolling origin inside its *training* part, the point forecast
  ``f_h`` is compared with the value that followed, ``y_h``, and the error is standardised by the
  series' own in-sample volatility ``s`` (:mod:`borderflows.forecast.error_scale`):

  - ``"log"`` scale (positive series): ``z = (log y_h - log f_h) / s``, ``s`` = mean absolute first
    difference of ``log y``;
  - ``"level"`` scale (any series, including signed ones): ``z = (y_h - f_h) / s``, ``s`` = mean
    absolute first difference of ``y`` (the MASE scale).

* Series are grouped by trend strength (:func:`trend_strength`, groups :data:`TREND_EDGES`): a steady
  trend and a trendless, noisy series err differently relative to ``s``.
* The quantiles of ``z`` per horizon and group form the calibration; a new series gets
  ``y_h = f_h * exp(s q_h(p))`` (log) or ``f_h + s q_h(p)`` (level) at probabilities ``p``.

The quantiles are heavy-tailed and asymmetric as the data make them; nothing is assumed Gaussian.
Horizons past the learned ones are extrapolated linearly from the last two (noted in the forecast).
With a :class:`~borderflows.forecast.adaptive.ScalePrior` per scale (:attr:`Calibration.priors`) the
quantiles are of errors divided by their series' own relative error scale, and a new series' width
is multiplied by its own (``spread``, :mod:`borderflows.forecast.adaptive`). The shipped constants
live in ``calibration.json`` with their provenance; ``benchmarks/m3_yearly.py --learn`` regenerates
them (:func:`borderflows.forecast.records.learn_from_records`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from borderflows.forecast.adaptive import ScalePrior
from borderflows.forecast.error_scale import ErrorScale, positive_floor, volatility

LEVELS: npt.NDArray[np.float64] = np.round(
    np.concatenate([[0.001, 0.0025, 0.005], np.arange(0.01, 0.995, 0.01), [0.995, 0.9975, 0.999]]), 4
)
"""Probability levels at which error quantiles are stored."""


@dataclass(frozen=True)
class ErrorQuantiles:
    """Quantiles of standardised forecast errors per horizon, for one error scale.

    Attributes
    ----------
    scale
        ``"log"`` or ``"level"`` (see the module docstring).
    levels
        Probability levels, increasing.
    quantiles
        Shape ``(max_horizon, len(levels))``; row ``h-1`` holds horizon ``h``.
    n_errors
        Number of corpus errors behind each horizon's quantiles.
    """

    scale: ErrorScale
    levels: npt.NDArray[np.float64]
    quantiles: npt.NDArray[np.float64]
    n_errors: tuple[int, ...]

    @property
    def max_horizon(self) -> int:
        """Longest horizon learned from the corpus."""
        return int(self.quantiles.shape[0])

    @cached_property
    def widening(self) -> npt.NDArray[np.float64]:
        """The stored quantiles with each tail made monotone in the horizon.

        Upper quantiles never shrink and lower quantiles never rise as the horizon grows: with a
        hundred-odd corpus errors per horizon the outer quantiles are noisy, and an interval that is
        narrower five years ahead than four is an artefact, not information. Order across
        probability levels is preserved (a running max/min of ordered columns stays ordered).
        """
        upper = self.levels >= 0.5
        envelope = self.quantiles.copy()
        envelope[:, upper] = np.maximum.accumulate(self.quantiles[:, upper], axis=0)
        envelope[:, ~upper] = np.minimum.accumulate(self.quantiles[:, ~upper], axis=0)
        return envelope

    def ppf(self, probabilities: npt.ArrayLike, horizon: int) -> npt.NDArray[np.float64]:
        """Standardised-error quantiles for ``horizon`` years ahead at the given probabilities.

        Inside the learned horizons the quantiles (:attr:`widening`) are interpolated linearly in
        probability (clamped at the outermost levels); beyond them each grows linearly from the last two.
        """
        p = np.asarray(probabilities, dtype=float)
        h_max = self.max_horizon
        if horizon <= h_max:
            return np.interp(p, self.levels, self.widening[horizon - 1])
        last = np.interp(p, self.levels, self.widening[h_max - 1])
        previous = np.interp(p, self.levels, self.widening[h_max - 2]) if h_max > 1 else 0.0 * last
        return np.asarray(last + (horizon - h_max) * (last - previous))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "scale": self.scale,
            "levels": self.levels.tolist(),
            "quantiles": np.round(self.quantiles, 6).tolist(),
            "n_errors": list(self.n_errors),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ErrorQuantiles:
        """Inverse of :meth:`to_dict`."""
        return cls(
            scale=data["scale"],
            levels=np.asarray(data["levels"], dtype=float),
            quantiles=np.asarray(data["quantiles"], dtype=float),
            n_errors=tuple(int(n) for n in data["n_errors"]),
        )


@dataclass(frozen=True)
class Calibration:
    """The learned error distributions of one point forecaster, with provenance.

    Attributes
    ----------
    forecaster
        Description of the point forecaster whose errors were learned (must match the one used).
    scales
        Error quantiles by scale (``"log"`` and ``"level"``).
    provenance
        Where the constants came from: corpus, windows, command, date.
    trend_edges
        Trend-strength group boundaries (:func:`trend_group`).
    priors
        Series-adaptive width by scale (:mod:`borderflows.forecast.adaptive`); a scale without one
        uses the corpus quantiles as they are (spread 1).
    """

    forecaster: str
    scales: dict[str, ErrorQuantiles]
    provenance: dict[str, Any] = field(default_factory=dict)
    trend_edges: tuple[float, ...] = ()
    priors: dict[str, ScalePrior] = field(default_factory=dict)

    def __getitem__(self, key: str) -> ErrorQuantiles:
        return self.scales[key]

    def held_out_note(self) -> str | None:
        """What the intervals covered on domains held out of their learning, from the provenance (None without).

        E.g. "each of its 7 learning domains held out in turn and scored with intervals learned on the
        others: 80% intervals covered 0.76-0.92 of that domain's outcomes, 95% intervals 0.93-1.00;
        on another kind of series coverage can be as far from nominal".
        """
        held = self.provenance.get("held_out_coverage")
        if not held:
            return None
        parts = []
        for prob in sorted({p for row in held.values() for p in row if p != "series"}, key=float):
            values = [float(row[prob]) for row in held.values() if prob in row]
            parts.append(f"{float(prob):.0%} intervals covered {min(values):.2f}-{max(values):.2f}")
        return (
            f"each of its {len(held)} learning domains held out in turn and scored with intervals learned on the "
            f"others: {parts[0]} of that domain's outcomes{''.join(', ' + part for part in parts[1:])}; "
            "on another kind of series coverage can be as far from nominal"
        )

    def for_history(self, scale: ErrorScale, history: npt.ArrayLike) -> ErrorQuantiles:
        """The error quantiles for a series with this history: its scale and trend-strength group."""
        return self.scales[group_key(scale, trend_group(history, self.trend_edges))]

    def to_json(self, path: str | Path) -> None:
        """Write the calibration (with provenance) as JSON."""
        payload = {
            "forecaster": self.forecaster,
            "provenance": self.provenance,
            "trend_edges": list(self.trend_edges),
            "priors": {name: prior.to_dict() for name, prior in self.priors.items()},
            "scales": {name: q.to_dict() for name, q in self.scales.items()},
        }
        Path(path).write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")

    @classmethod
    def from_json(cls, path: str | Path) -> Calibration:
        """Read a calibration written by :meth:`to_json`."""
        payload = json.loads(Path(path).read_text(encoding="utf-8"))
        scales = {name: ErrorQuantiles.from_dict(q) for name, q in payload["scales"].items()}
        edges = tuple(float(e) for e in payload.get("trend_edges", ()))
        priors = {name: ScalePrior.from_dict(p) for name, p in payload.get("priors", {}).items()}
        return cls(payload["forecaster"], scales, payload.get("provenance", {}), edges, priors)


@cache
def default_calibration() -> Calibration:
    """The calibration shipped with the package (``borderflows/forecast/calibration.json``)."""
    source = resources.files("borderflows.forecast").joinpath("calibration.json")
    with resources.as_file(source) as path:
        return Calibration.from_json(path)


TREND_EDGES: tuple[float, ...] = (0.3, 0.6, 0.9)
"""Trend-strength group boundaries. Chosen by 2-fold cross-validation over series on the M3 training
windows among no groups, (0.5,), (0.4, 0.8) and (0.3, 0.6, 0.9): 95% MSIS 21.95, 21.43, 21.56, 21.25."""


def trend_strength(history: npt.ArrayLike) -> float:
    """``|mean(diff y)| / mean(|diff y|)``: 1 for a monotone trend, near 0 for trendless noise."""
    differences = np.diff(np.asarray(history, dtype=float))
    if differences.size == 0:
        return 0.0
    total = float(np.mean(np.abs(differences)))
    return abs(float(np.mean(differences))) / total if total > 0 else 0.0


def trend_group(history: npt.ArrayLike, edges: tuple[float, ...]) -> int:
    """Index of the trend-strength group of a history (0 when there are no edges)."""
    return int(np.searchsorted(np.asarray(edges, dtype=float), trend_strength(history))) if edges else 0


def group_key(scale: str, group: int) -> str:
    """Key of one scale and group in :attr:`Calibration.scales`, e.g. ``"level/2"``."""
    return f"{scale}/{group}"


def weighted_quantile(
    values: npt.NDArray[np.float64], weights: npt.NDArray[np.float64], levels: npt.ArrayLike
) -> npt.NDArray[np.float64]:
    """Quantiles of a weighted sample (equal weights give ``np.quantile``'s default, linear interpolation).

    Each value sits at the midpoint of its weight's share of the cumulative weight, rescaled so that
    the smallest is at probability 0 and the largest at 1, as with ``np.quantile``: weights move the
    interior values, the extremes stay the sample's minimum and maximum.
    """
    order = np.argsort(values, kind="stable")
    v, w = values[order], weights[order]
    cumulative = np.cumsum(w) - 0.5 * w
    positions = (cumulative - cumulative[0]) / (cumulative[-1] - cumulative[0]) if v.size > 1 else np.zeros(1)
    return np.asarray(np.interp(np.asarray(levels, dtype=float), positions, v))


def learn(
    errors_by_horizon: list[npt.NDArray[np.float64]],
    scale: ErrorScale,
    *,
    centre: bool = True,
    weights: list[npt.NDArray[np.float64]] | None = None,
) -> ErrorQuantiles:
    """Empirical quantiles of standardised errors, one array of errors per horizon.

    With ``centre`` the median error of each horizon is subtracted, so the predictive median is the
    point forecast itself. On the M3 training windows the combination's median error was positive
    (it under-forecast growth), but adding it back made held-out accuracy worse (first 150 M3
    series: MASE 3.40 with the shift, 3.19 without), so only the spread and shape are learned.

    Learning stops at the first horizon without a finite error (a corpus with a shorter horizon
    learns fewer horizons; later ones are extrapolated by :meth:`ErrorQuantiles.ppf`). ``weights``
    (one array per horizon, like the errors) weigh the errors (:func:`weighted_quantile`).

    Raises
    ------
    ValueError
        If horizon 1 has no finite error (nothing to learn from).
    """
    rows, counts = [], []
    for h, errors in enumerate(errors_by_horizon):
        values = np.asarray(errors, dtype=float)
        w = np.ones(values.size) if weights is None else np.asarray(weights[h], dtype=float)
        finite = np.isfinite(values) & (w > 0)
        values, w = values[finite], w[finite]
        if values.size == 0:
            break
        shift = float(weighted_quantile(values, w, [0.5])[0]) if centre else 0.0
        rows.append(weighted_quantile(values - shift, w, LEVELS))
        counts.append(int(values.size))
    if not rows:
        raise ValueError(f"no finite {scale}-scale errors at horizon 1: the corpus has nothing to learn from")
    return ErrorQuantiles(scale, LEVELS.copy(), np.vstack(rows), tuple(counts))


def predictive_quantiles(
    history: npt.ArrayLike,
    point: npt.ArrayLike,
    quantiles: ErrorQuantiles,
    probabilities: npt.ArrayLike,
    spread: float = 1.0,
) -> npt.NDArray[np.float64]:
    """Predictive values at ``probabilities`` for each horizon: shape ``(len(probabilities), horizon)``.

    ``spread`` multiplies the volatility scale: the series' relative error scale when the quantiles
    are of spread-standardised errors (:mod:`borderflows.forecast.adaptive`), 1 otherwise.
    """
    y_hist = np.asarray(history, dtype=float)
    f = np.asarray(point, dtype=float)
    s = volatility(y_hist, quantiles.scale) * spread
    columns = []
    for h, f_h in enumerate(f, start=1):
        z = quantiles.ppf(probabilities, h)
        if quantiles.scale == "log":
            columns.append(max(f_h, positive_floor(y_hist)) * np.exp(s * z))
        else:
            columns.append(f_h + s * z)
    return np.column_stack(columns)
