"""Benchmark and calibration machinery for a corpus of yearly series with held-out test segments.

The M3 yearly competition data (645 series, horizon 6) is the reference corpus. It is read from a
folder the caller names (:func:`~borderflows.forecast.corpora.load_corpus`; the package never ships
or downloads it); this module scores any forecaster on the test segments with
:func:`borderflows.forecast.backtest.score_forecast`, learns and cross-fits the default forecaster's
calibration (:mod:`borderflows.forecast.records`) and selects its anchor weight on the training
segments only. ``benchmarks/m3_yearly.py`` is the command-line driver; ``benchmarks/domains.py``
runs the leave-one-domain-out protocol (:mod:`borderflows.forecast.domains`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from borderflows.forecast.backtest import DEFAULT_PROBS, head, score_forecast
from borderflows.forecast.calibration import Calibration
from borderflows.forecast.corpora import Case, load_corpus
from borderflows.forecast.default import Default, anchored
from borderflows.forecast.domains import held_out_coverage, leave_one_domain_out
from borderflows.forecast.metrics import smape
from borderflows.forecast.records import learn_from_records, make_records
from borderflows.forecast.registry import Forecaster

__all__ = [
    "AnchorSelection",
    "Case",
    "Evaluation",
    "cross_fitted",
    "evaluate",
    "learn_calibration",
    "load_corpus",
    "select_anchor_weight",
]


@dataclass(frozen=True)
class Evaluation:
    """Scores of one forecaster on a corpus' test segments, with the wall time it took."""

    model: str
    scores: pd.DataFrame
    seconds: float
    failures: tuple[str, ...]


def evaluate(
    model: Forecaster,
    cases: Sequence[Case],
    *,
    probs: Sequence[float] = DEFAULT_PROBS,
    random_seed: int | None = None,
) -> Evaluation:
    """Fit on each training segment, forecast the test horizon and score it (tidy scores)."""
    frames = []
    failures = []
    start = time.perf_counter()
    for case in cases:
        try:
            forecast = model.fit(case.train, random_seed=random_seed).forecast(case.test.size)
        except Exception as error:  # a benchmark records failures instead of stopping
            failures.append(f"{case.train.name}: {error}")
            continue
        frames.append(score_forecast(forecast, case.test, probs=probs))
    seconds = time.perf_counter() - start
    return Evaluation(model.name, pd.concat(frames, ignore_index=True), seconds, tuple(failures))


def learn_calibration(
    cases: Sequence[Case],
    *,
    forecaster: Default | None = None,
    provenance: dict[str, Any] | None = None,
    held_out: bool = False,
) -> Calibration:
    """Learn the default forecaster's calibration from ``cases`` (:mod:`borderflows.forecast.records`).

    Reads each case's held-out future (its end-of-training errors are what the quantiles describe):
    score the result only on other series (:func:`cross_fitted`,
    :func:`borderflows.forecast.domains.leave_one_domain_out`). With ``held_out`` (and at least two
    domains) the cases' domains are also held out one at a time, each scored with a calibration
    learned on the others, and the coverage per domain is kept in the provenance
    (``held_out_coverage``): what a user's intervals can be expected to cover on a kind of series
    the calibration never saw (:meth:`Calibration.held_out_note`).
    """
    records = make_records(cases, forecaster)
    info = dict(provenance or {})
    if held_out and len({r.domain for r in records}) >= 2:
        corpus = str(info.get("label", "learning corpus"))
        info["held_out_coverage"] = held_out_coverage(leave_one_domain_out(records, corpus=corpus))
    return learn_from_records(records, provenance=info)


def cross_fitted(
    cases: Sequence[Case],
    *,
    folds: int = 10,
    probs: Sequence[float] = DEFAULT_PROBS,
    wrap: Callable[[Default], Forecaster] | None = None,
    label: str = "Default",
) -> tuple[Evaluation, float]:
    """Evaluate the default forecaster with a calibration cross-fitted across series.

    Series are split into ``folds`` groups by position; each group is forecast through the public
    API with a calibration learned from the *other* groups only, so no series' own test values shape
    its intervals. ``wrap`` turns each fold's calibrated default forecaster into the forecaster
    evaluated (e.g. an :class:`~borderflows.forecast.ensemble.Ensemble` containing it); ``label``
    names it in the table.

    Returns
    -------
    tuple
        The pooled evaluation (its ``seconds`` count forecasting only) and the seconds spent learning.
    """
    start = time.perf_counter()
    records = make_records(cases)
    groups = np.arange(len(cases)) % folds
    calibrations = [
        learn_from_records([r for r, g in zip(records, groups, strict=True) if g != fold], provenance={"fold": fold})
        for fold in range(folds)
    ]
    learning = time.perf_counter() - start
    parts = []
    for fold, calibration in enumerate(calibrations):
        members = [case for case, g in zip(cases, groups, strict=True) if g == fold]
        fold_default = Default(calibration=calibration)
        parts.append(evaluate(wrap(fold_default) if wrap else fold_default, members, probs=probs))
    scores = pd.concat([part.scores for part in parts], ignore_index=True)
    failures = tuple(f for part in parts for f in part.failures)
    name = f"{label} ({folds}-fold cross-fitted)"
    scores["model"] = name
    return Evaluation(name, scores, sum(part.seconds for part in parts), failures), learning


ANCHOR_GRID: tuple[float, ...] = tuple(round(0.1 * i, 1) for i in range(11))
"""Anchor weights compared by :func:`select_anchor_weight`."""


@dataclass(frozen=True)
class AnchorSelection:
    """How the default forecaster's anchor and its weight were chosen (training segments only).

    Attributes
    ----------
    members
        sMAPE and MASE of each member alone: ``member``, ``smape``, ``mase``.
    weights
        sMAPE and MASE of ``w * anchor + (1 - w) * median`` per grid weight: ``weight``, ``smape``, ``mase``.
    anchor
        The member with the lowest sMAPE.
    weight
        The grid weight with the lowest sMAPE (the smallest one on a tie).
    n_series
        Series scored (those with at least ``min_train + horizon`` training values).
    """

    members: pd.DataFrame
    weights: pd.DataFrame
    anchor: str
    weight: float
    n_series: int


def select_anchor_weight(
    cases: Sequence[Case],
    *,
    forecaster: Default | None = None,
    horizon: int = 6,
    min_train: int = 8,
    grid: Sequence[float] = ANCHOR_GRID,
) -> AnchorSelection:
    """Choose the default forecaster's anchor member and weight from the *training* segments only.

    Each series is forecast from its last full-horizon origin inside the training segment (``horizon``
    years before its end, with at least ``min_train`` values of history) and scored on the training
    segment's last ``horizon`` values, the analogue of the held-out test. The anchor is the member with
    the lowest sMAPE alone; its weight the grid value whose blend with the members' median has the
    lowest sMAPE. Test segments are never read (``test_select_anchor_weight_never_reads_test_values``).
    MASE is reported beside sMAPE so that a trade-off between the two is visible.
    """
    model = replace(forecaster or Default(), anchor=None)
    histories, actuals, points = [], [], []
    for case in cases:
        n = case.train.values.size
        if n - horizon < min_train:
            continue
        history = head(case.train, n - horizon)
        fitted = model.fit(history)
        if set(fitted.fitted) != set(model.members):  # keep windows where every member could fit
            continue
        histories.append(history.values)
        actuals.append(case.train.values[n - horizon :])
        points.append(fitted.member_points(horizon))

    def scores(forecasts: list[npt.NDArray[np.float64]]) -> tuple[float, float]:
        s = [float(np.mean(smape(y, f))) for y, f in zip(actuals, forecasts, strict=True)]
        m = [
            float(np.mean(np.abs(y - f)) / max(float(np.mean(np.abs(np.diff(h)))), 1e-12))
            for y, f, h in zip(actuals, forecasts, histories, strict=True)
        ]
        return float(np.mean(s)), float(np.mean(m))

    members = pd.DataFrame(
        [(name, *scores([p[name] for p in points])) for name in model.members], columns=["member", "smape", "mase"]
    )
    anchor = str(members["member"].to_numpy()[int(np.argmin(members["smape"].to_numpy()))])
    weights = pd.DataFrame(
        [(w, *scores([anchored(p, model.combine, anchor, w) for p in points])) for w in grid],
        columns=["weight", "smape", "mase"],
    )
    weight = float(weights["weight"].to_numpy()[int(np.argmin(weights["smape"].to_numpy()))])
    return AnchorSelection(members, weights, anchor, weight, len(points))
