"""Learning the default forecaster's calibration from a corpus, and scoring a calibration on one.

Everything expensive (fitting the point forecaster at the end of each training segment and at the
rolling origins inside it) is done once per series into a :class:`Record`; learning a calibration
from any subset of records, and scoring any calibration on any other subset, is then arithmetic.
:func:`score_records` computes exactly what ``Default(calibration=...).fit(train).forecast(h)``
returns (``test_record_scores_equal_the_public_api``), so the leave-one-domain-out tables are the
public API's scores.

Learning (:func:`learn_from_records`), per error scale:

1. ``g_h``: mean absolute own (rolling-origin, training-segment-only) error at each horizon;
2. each series' relative error scale ``r`` and the corpus mean ``m`` of ``log r``;
3. the prior strength ``k`` and the own errors' weight ``w`` in step 4: the pair of
   :data:`STRENGTHS` x :data:`OWN_WEIGHTS` whose intervals score best (mean of the 80% and 95%
   interval scores, in units of the series' volatility) on *held-out* learning domains: each
   domain of the learning records scored with quantiles learned on the others (by series folds
   when the records hold a single domain);
4. the quantiles of end-of-training errors (weight 1 each) and own rolling-origin errors (weight
   ``w`` each), all divided by their series' spread, per horizon and trend group
   (:mod:`borderflows.forecast.calibration`). The own errors carry the variety of shocks in the
   series' histories, the end errors the situation a forecast is in.

The end-of-training errors are the learning series' own futures: only records of *learning*
domains are ever read there, never those a calibration is scored on
(:func:`borderflows.forecast.domains.transfer`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from borderflows.forecast._series import future_years
from borderflows.forecast.adaptive import OWN_MIN_TRAIN, OWN_ORIGINS, OwnErrors, ScalePrior, own_errors
from borderflows.forecast.backtest import DEFAULT_PROBS, score_forecast
from borderflows.forecast.calibration import (
    TREND_EDGES,
    Calibration,
    ErrorQuantiles,
    group_key,
    learn,
    trend_group,
)
from borderflows.forecast.corpora import Case
from borderflows.forecast.default import Default, DefaultResults, Spread, calibrated_draws
from borderflows.forecast.error_scale import ErrorScale, standardised_errors
from borderflows.forecast.results import Forecast

SCALES: tuple[ErrorScale, ...] = ("level", "log")
"""Error scales learned (the Default uses ``"level"``; ``Default(scale="log")`` the other)."""

STRENGTHS: tuple[float, ...] = (0.0, 5.0, 10.0, 20.0, 40.0, 80.0, 1e9)
"""Prior strengths compared (0: own errors alone; 1e9: the corpus prior alone, i.e. no adaptation)."""

OWN_WEIGHTS: tuple[float, ...] = (0.0, 0.1, 0.2)
"""Weights of one own rolling-origin error against one end-of-training error in the quantiles compared."""

MIN_GROUP_ERRORS = 50
"""A trend group with fewer errors than this at some horizon borrows the errors of all groups there."""

INNER_FOLDS = 5
"""Series folds for choosing the prior strength when the learning records hold a single domain."""


@dataclass(frozen=True)
class Record:
    """What the learning and scoring of a calibration need from one corpus series.

    Attributes
    ----------
    case
        The series and its held-out future.
    results
        The default forecaster fitted to the training segment.
    point
        Its point forecast for the held-out years.
    own
        Own rolling-origin errors inside the training segment, by scale (``log`` only where positive).
    end
        Standardised errors of ``point`` on the held-out values, by scale.
    """

    case: Case
    results: DefaultResults
    point: npt.NDArray[np.float64]
    own: dict[str, OwnErrors]
    end: dict[str, npt.NDArray[np.float64]]

    @property
    def domain(self) -> str:
        """The series' domain."""
        return self.case.domain

    @property
    def values(self) -> npt.NDArray[np.float64]:
        """The regular training values the forecaster was fitted on."""
        return self.results.prepared.values


def make_record(
    case: Case,
    forecaster: Default | None = None,
    *,
    own_horizon: int = 6,
    n_origins: int = OWN_ORIGINS,
    min_train: int = OWN_MIN_TRAIN,
) -> Record:
    """Fit ``forecaster`` to one case and measure its own and end-of-training errors."""
    model = forecaster or Default()
    results = model.fit(case.train)
    values = results.prepared.values
    point = results.point(case.test.size)
    own: dict[str, OwnErrors] = {}
    end: dict[str, npt.NDArray[np.float64]] = {}
    points: dict[int, npt.NDArray[np.float64]] = {}

    def point_at(history: npt.NDArray[np.float64], horizon: int) -> npt.NDArray[np.float64]:
        # Both scales score the same origins: fit each origin once.
        if history.size not in points:
            points[history.size] = model.point_from_values(history, horizon)
        return points[history.size]

    for scale in SCALES:
        if scale == "log" and (np.any(values <= 0) or np.any(case.test <= 0)):
            continue
        own[scale] = own_errors(point_at, values, scale, horizon=own_horizon, n_origins=n_origins, min_train=min_train)
        end[scale] = standardised_errors(values, point, case.test, scale)
    return Record(case, results, point, own, end)


def make_records(
    cases: Sequence[Case],
    forecaster: Default | None = None,
    *,
    own_horizon: int | None = None,
    n_origins: int = OWN_ORIGINS,
    min_train: int = OWN_MIN_TRAIN,
) -> list[Record]:
    """:func:`make_record` for every case; ``own_horizon`` defaults to the longest held-out future."""
    horizon = own_horizon or max(case.test.size for case in cases)
    return [
        make_record(case, forecaster, own_horizon=horizon, n_origins=n_origins, min_train=min_train) for case in cases
    ]


@dataclass(frozen=True)
class BasePrior:
    """A scale's prior before its strength is chosen: the growth curve ``g_h`` and the centre ``m``."""

    growth: npt.NDArray[np.float64]
    centre: float

    def with_strength(self, scale: ErrorScale, strength: float, n_origins: int, min_train: int) -> ScalePrior:
        return ScalePrior(scale, tuple(float(g) for g in self.growth), self.centre, strength, n_origins, min_train)


def _growth(owns: Sequence[OwnErrors], horizon: int) -> npt.NDArray[np.float64]:
    growth = np.full(horizon, np.nan)
    horizons = np.concatenate([o.horizons for o in owns]) if owns else np.zeros(0, dtype=np.int64)
    errors = np.concatenate([o.errors for o in owns]) if owns else np.zeros(0)
    for h in range(1, horizon + 1):
        at = np.abs(errors[horizons == h])
        at = at[np.isfinite(at)]
        if at.size:
            growth[h - 1] = float(np.mean(at))
    if not np.isfinite(growth[0]):
        return np.ones(horizon)  # no own errors anywhere (every series too short): no adaptation
    return np.asarray(pd.Series(growth).ffill().to_numpy(), dtype=float)


def base_prior(records: Sequence[Record], scale: ErrorScale, horizon: int) -> BasePrior:
    """Steps 1-2 of the module docstring on ``records``: the growth curve ``g_h`` and the centre ``m``."""
    owns = [r.own[scale] for r in records if scale in r.own]
    growth = _growth(owns, horizon)
    provisional = ScalePrior(scale, tuple(growth), 0.0, 0.0)
    logs = [np.log(provisional.ratio(o)) for o in owns if o.n > 0]
    return BasePrior(growth, float(np.mean(logs)) if logs else 0.0)


def prior_spreads(records: Sequence[Record], scale: ErrorScale, prior: ScalePrior | None) -> list[float]:
    """Each record's spread under ``prior`` (1 without one; NaN where the record lacks the scale)."""
    if prior is None:
        return [1.0] * len(records)
    return [prior.spread(r.own[scale]) if scale in r.own else float("nan") for r in records]


def spread_quantiles(
    records: Sequence[Record],
    scale: ErrorScale,
    spreads: Sequence[float],
    edges: tuple[float, ...],
    own_weight: float = 0.0,
) -> dict[str, ErrorQuantiles]:
    """Quantiles of errors divided by each series' spread (``spreads``, one per record), per trend group and horizon.

    End-of-training errors weigh 1 each; with ``own_weight > 0`` the own rolling-origin errors join
    the sample with that weight each (module docstring, step 4). The spreads are an argument so that
    any rule for a series' width can be learned and scored with the same arithmetic
    (:func:`prior_spreads` gives the shipped one).
    """
    usable = [(r, s) for r, s in zip(records, spreads, strict=True) if scale in r.end]
    horizon = max(r.end[scale].size for r, _ in usable)
    n_groups = len(edges) + 1
    table: list[list[list[float]]] = [[[] for _ in range(horizon)] for _ in range(n_groups)]
    weights: list[list[list[float]]] = [[[] for _ in range(horizon)] for _ in range(n_groups)]
    for record, spread in usable:
        own = record.own[scale]
        group = trend_group(record.values, edges)
        for h, z in enumerate(record.end[scale]):
            table[group][h].append(float(z) / spread)
            weights[group][h].append(1.0)
        if own_weight > 0:
            for h, z in zip(own.horizons, own.errors, strict=True):
                if h <= horizon:
                    table[group][h - 1].append(float(z) / spread)
                    weights[group][h - 1].append(own_weight)
    every = [np.asarray([e for g in range(n_groups) for e in table[g][h]]) for h in range(horizon)]
    every_w = [np.asarray([e for g in range(n_groups) for e in weights[g][h]]) for h in range(horizon)]
    out = {}
    for g in range(n_groups):
        enough = [sum(1 for w in weights[g][h] if w == 1.0) >= MIN_GROUP_ERRORS for h in range(horizon)]
        per_h = [np.asarray(table[g][h]) if enough[h] else every[h] for h in range(horizon)]
        per_w = [np.asarray(weights[g][h]) if enough[h] else every_w[h] for h in range(horizon)]
        out[group_key(scale, g)] = learn(per_h, scale, weights=per_w)
    return out


CHOICE_PROBS: tuple[float, ...] = (0.8, 0.95)
"""Interval probabilities whose held-out interval scores choose the prior strength."""


def held_out_scores(
    records: Sequence[Record],
    quantiles: dict[str, ErrorQuantiles],
    spreads: Sequence[float],
    edges: tuple[float, ...],
) -> npt.NDArray[np.float64]:
    """Per :data:`CHOICE_PROBS`: coverage and interval score (volatility units) of the level-scale end errors.

    Averaged over horizons within a series, then over series (the M3/M4 way). Shape ``(2, len(probs))``.
    """
    per_series = []
    for record, spread in zip(records, spreads, strict=True):
        if "level" not in record.end:
            continue
        q = quantiles[group_key("level", trend_group(record.values, edges))]
        z = record.end["level"]
        rows = np.zeros((2, len(CHOICE_PROBS)))
        for j, prob in enumerate(CHOICE_PROBS):
            alpha = 1.0 - prob
            bounds = np.array([spread * q.ppf([alpha / 2, 1 - alpha / 2], h) for h in range(1, z.size + 1)])
            lo, hi = bounds[:, 0], bounds[:, 1]
            rows[0, j] = float(np.mean((z >= lo) & (z <= hi)))
            rows[1, j] = float(np.mean((hi - lo) + 2 / alpha * (np.clip(lo - z, 0, None) + np.clip(z - hi, 0, None))))
        per_series.append(rows)
    return np.mean(per_series, axis=0) if per_series else np.full((2, len(CHOICE_PROBS)), np.nan)


def learning_folds(records: Sequence[Record]) -> list[npt.NDArray[np.bool_]]:
    """Held-out masks for choices made on ``records``: one per domain, or :data:`INNER_FOLDS` series folds."""
    domains = sorted({r.domain for r in records})
    labels = np.asarray([r.domain for r in records])
    if len(domains) >= 2:
        return [labels == d for d in domains]
    positions = np.arange(len(records)) % INNER_FOLDS
    return [positions == f for f in range(INNER_FOLDS)]


@dataclass(frozen=True)
class StrengthChoice:
    """How the prior strength was chosen.

    Attributes
    ----------
    scores
        Per candidate strength: ``interval_score`` (mean over held-out folds and :data:`CHOICE_PROBS`
        of the interval score in volatility units), the criterion, and ``coverage_error`` (mean
        over folds of the absolute coverage errors at :data:`CHOICE_PROBS`, summed), beside it.
    strength, own_weight
        The pair (of :data:`STRENGTHS` x :data:`OWN_WEIGHTS`) with the smallest interval score.
    folds
        How the learning records were split.
    """

    scores: pd.DataFrame
    strength: float
    own_weight: float
    folds: str


def choose_strength(
    records: Sequence[Record],
    *,
    n_origins: int = OWN_ORIGINS,
    min_train: int = OWN_MIN_TRAIN,
    strengths: Sequence[float] = STRENGTHS,
    own_weights: Sequence[float] = OWN_WEIGHTS,
    edges: tuple[float, ...] = TREND_EDGES,
) -> StrengthChoice:
    """Step 3 of the module docstring: the strength with the best held-out interval score (level scale).

    Each fold (a learning domain, or a series fold when there is one domain) is scored with the
    quantiles and prior learned on the other folds; folds count equally, so that a small domain
    weighs as much as a large one. The interval score is a proper scoring rule; choosing by the
    coverage error instead was measured and transferred worse (``benchmarks/RESULTS.md``).
    """
    horizon = own_horizon(records)
    target = np.asarray(CHOICE_PROBS)
    grid = [(k, w) for k in strengths for w in own_weights]
    coverage_error = dict.fromkeys(grid, 0.0)
    interval_score = dict.fromkeys(grid, 0.0)
    folds = [f for f in learning_folds(records) if f.any() and not f.all()]
    for held in folds:
        learn_on = [r for r, h in zip(records, held, strict=True) if not h]
        scored = [r for r, h in zip(records, held, strict=True) if h]
        base = base_prior(learn_on, "level", horizon)
        for strength, own_weight in grid:
            prior = base.with_strength("level", strength, n_origins, min_train)
            quantiles = spread_quantiles(learn_on, "level", prior_spreads(learn_on, "level", prior), edges, own_weight)
            coverage, score = held_out_scores(scored, quantiles, prior_spreads(scored, "level", prior), edges)
            coverage_error[strength, own_weight] += float(np.sum(np.abs(coverage - target))) / len(folds)
            interval_score[strength, own_weight] += float(np.mean(score)) / len(folds)
    index = pd.MultiIndex.from_tuples(grid, names=["strength", "own_weight"])
    scores = pd.DataFrame(
        {"coverage_error": [coverage_error[g] for g in grid], "interval_score": [interval_score[g] for g in grid]},
        index=index,
    )
    strength, own_weight = grid[int(np.argmin(scores["interval_score"].to_numpy()))]
    how = "leave-one-domain-out" if len({r.domain for r in records}) >= 2 else f"{INNER_FOLDS} series folds"
    return StrengthChoice(scores, float(strength), float(own_weight), how)


def own_horizon(records: Sequence[Record]) -> int:
    """Longest horizon of any record's own errors (1 when none has any)."""
    return max((int(o.horizons.max()) for r in records for o in r.own.values() if o.n), default=1)


def learn_from_records(
    records: Sequence[Record],
    *,
    adaptive: bool = True,
    strength: float | None = None,
    own_weight: float | None = None,
    n_origins: int = OWN_ORIGINS,
    min_train: int = OWN_MIN_TRAIN,
    provenance: dict[str, Any] | None = None,
) -> Calibration:
    """Learn a calibration from ``records`` (module docstring); ``adaptive=False``: corpus quantiles only.

    ``strength`` and ``own_weight`` fix the prior strength and the own errors' weight in the quantiles
    instead of choosing them (:func:`choose_strength`; a fixed ``strength`` alone keeps ``own_weight`` 0).
    ``n_origins`` and ``min_train`` must be those the records' own errors were measured with.
    """
    model = records[0].results.spec
    info: dict[str, Any] = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "n_series": len(records),
        "domains": sorted({r.domain for r in records}),
        **(provenance or {}),
    }
    priors: dict[str, ScalePrior] = {}
    if adaptive:
        if strength is None:
            choice = choose_strength(records, n_origins=n_origins, min_train=min_train)
            strength, own_weight = choice.strength, choice.own_weight
            info["strength_choice"] = {
                f"k={k:g}, own weight={w:g}": {name: round(float(row[name]), 4) for name in choice.scores.columns}
                for (k, w), (_, row) in zip(choice.scores.index, choice.scores.iterrows(), strict=True)
            }
            info["strength_folds"] = choice.folds
        info["own_weight"] = own_weight = own_weight or 0.0
        horizon = own_horizon(records)
        for scale in SCALES:
            if any(scale in r.own for r in records):
                base = base_prior(records, scale, horizon)
                priors[scale] = base.with_strength(scale, strength, n_origins, min_train)
    scales: dict[str, ErrorQuantiles] = {}
    for scale in SCALES:
        if any(scale in r.end for r in records):
            spreads = prior_spreads(records, scale, priors.get(scale))
            scales.update(spread_quantiles(records, scale, spreads, TREND_EDGES, own_weight or 0.0))
    description = f"{model.describe()} (statsforecast), non-seasonal; centred errors"
    return Calibration(description, scales, info, TREND_EDGES, priors)


def record_forecast(record: Record, calibration: Calibration) -> Forecast:
    """The forecast ``Default(calibration=calibration)`` makes from the record's training segment."""
    results = record.results
    prior = calibration.priors.get(results.scale)
    if prior is None:
        spread = Spread(1.0)
    else:
        own = record.own[results.scale]
        spread = Spread(prior.spread(own), own, prior.weight(own.n))
    draws = calibrated_draws(results, record.point, spread, calibration)
    years = future_years(record.case.train, record.point.size)
    return Forecast(record.case.train, results.spec.name, years, draws)


def score_records(
    records: Sequence[Record],
    calibration: Calibration,
    *,
    probs: Sequence[float] = DEFAULT_PROBS,
    label: str | Callable[[Record], str] = "Default",
) -> pd.DataFrame:
    """Tidy scores (:func:`~borderflows.forecast.backtest.score_forecast`) of ``calibration`` on ``records``."""
    frames = []
    for record in records:
        scores = score_forecast(record_forecast(record, calibration), record.case.test, probs=probs)
        scores["model"] = label(record) if callable(label) else label
        frames.append(scores)
    return pd.concat(frames, ignore_index=True)
