"""Benchmark and calibration machinery for a corpus of yearly series with held-out test segments.

The M3 yearly competition data (645 series, horizon 6) is the reference corpus. This module reads it
from a folder the caller names (the package never ships or downloads it), scores any forecaster on
the test segments with :func:`borderflows.forecast.backtest.score_forecast`, and learns the default
forecaster's error calibration from rolling origins inside the *training* segments only.
``benchmarks/m3_yearly.py`` is the command-line driver.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from borderflows.data.yearly import YearlySeries
from borderflows.forecast.backtest import DEFAULT_PROBS, head, score_forecast
from borderflows.forecast.calibration import (
    TREND_EDGES,
    Calibration,
    ErrorScale,
    group_key,
    learn,
    standardised_errors,
    trend_group,
)
from borderflows.forecast.default import Default, anchored
from borderflows.forecast.metrics import smape
from borderflows.forecast.registry import Forecaster


@dataclass(frozen=True)
class Case:
    """One corpus series: the training segment (a :class:`YearlySeries`) and its held-out future."""

    train: YearlySeries
    test: npt.NDArray[np.float64]


def load_corpus(folder: str | Path, *, limit: int | None = None) -> list[Case]:
    """Read a corpus in the ``series.csv`` (series_id, split, t, value) + ``meta.csv`` layout.

    Parameters
    ----------
    folder
        E.g. ``../shared/bench/m3_yearly``.
    limit
        Keep only the first ``limit`` series (sorted by id), for quick runs.
    """
    folder = Path(folder)
    long = pd.read_csv(folder / "series.csv")
    meta = pd.read_csv(folder / "meta.csv").set_index("series_id")
    cases = []
    ids = sorted(long["series_id"].unique())
    for series_id in ids[:limit] if limit else ids:
        rows = long[long["series_id"] == series_id].sort_values("t")
        train = rows[rows["split"] == "train"]
        start = int(meta.loc[series_id, "start_year"]) if series_id in meta.index else 1
        years = (start + train["t"].to_numpy() - 1).astype(np.int64)
        series = YearlySeries(
            name=str(series_id),
            years=years,
            values=train["value"].to_numpy(dtype=float),
            unit="",
            kind="positive",
            concept=str(meta.loc[series_id, "category"]) if series_id in meta.index else "",
            source=f"{folder.name} training segment",
        )
        cases.append(Case(series, rows.loc[rows["split"] == "test", "value"].to_numpy(dtype=float)))
    return cases


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


Windows = Literal["training", "end", "both"]
"""Which forecast origins supply calibration errors: rolling origins inside the training segment
(``"training"``), the end of the training segment scored on the held-out test segment (``"end"``), or both."""

ErrorTable = dict[str, list[list[float]]]
"""Errors per ``"<scale>/<group>"`` key (see :func:`~borderflows.forecast.calibration.group_key`), per horizon."""


def case_errors(
    case: Case,
    *,
    forecaster: Default | None = None,
    windows: Windows = "training",
    horizon: int = 6,
    n_origins: int = 6,
    min_train: int = 8,
    edges: tuple[float, ...] = TREND_EDGES,
) -> ErrorTable:
    """Standardised errors of the default point forecast for one corpus series.

    With ``windows="training"`` only the training segment is read: the last ``n_origins`` origins
    with at least ``min_train`` points of history, horizon ``h`` scored wherever the training segment
    still holds the value ``h`` years ahead. ``"end"`` forecasts from the end of the training segment
    and scores against the test segment (so it must only be used for *other* series than those
    evaluated: see :func:`cross_fitted`).
    """
    model = forecaster or Default()
    values = case.train.values
    n = values.size
    jobs: list[tuple[YearlySeries, npt.NDArray[np.float64]]] = []
    if windows in ("training", "both"):
        for n_train in range(max(min_train, n - n_origins), n):
            jobs.append((head(case.train, n_train), values[n_train : n_train + horizon]))
    if windows in ("end", "both"):
        jobs.append((case.train, case.test[:horizon]))
    errors: ErrorTable = {
        group_key(scale, g): [[] for _ in range(horizon)] for scale in ("log", "level") for g in range(len(edges) + 1)
    }
    for history, actual in jobs:
        point = model.fit(history).point(horizon)
        group = trend_group(history.values, edges)
        for scale in ("log", "level"):
            if scale == "log" and (np.any(history.values <= 0) or np.any(actual <= 0)):
                continue
            z = standardised_errors(history.values, point, actual, scale)
            for h, value in enumerate(z):
                errors[group_key(scale, group)][h].append(float(value))
    return errors


MIN_GROUP_ERRORS = 50
"""A trend group with fewer errors than this at some horizon borrows the errors of all groups there."""


def _pool(tables: Sequence[ErrorTable]) -> dict[str, list[npt.NDArray[np.float64]]]:
    pooled = {
        key: [np.asarray([e for table in tables for e in table[key][h]]) for h in range(len(per_h))]
        for key, per_h in tables[0].items()
    }
    horizon = len(next(iter(pooled.values())))
    everything = {
        scale: [np.concatenate([v[h] for k, v in pooled.items() if k.startswith(f"{scale}/")]) for h in range(horizon)]
        for scale in {key.split("/")[0] for key in pooled}
    }
    return {
        key: [e if e.size >= MIN_GROUP_ERRORS else everything[key.split("/")[0]][h] for h, e in enumerate(per_h)]
        for key, per_h in pooled.items()
    }


def _calibration(
    tables: Sequence[ErrorTable], model: Default, windows: Windows, n_series: int, provenance: dict[str, Any]
) -> Calibration:
    scales = {key: learn(per_h, _scale_of(key)) for key, per_h in _pool(tables).items()}
    description = f"{model.describe()} (statsforecast), non-seasonal; centred errors"
    info = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "n_series": n_series,
        "windows": windows,
        **provenance,
    }
    return Calibration(description, scales, info, TREND_EDGES)


def _scale_of(key: str) -> ErrorScale:
    return "log" if key.startswith("log/") else "level"


def learn_calibration(
    cases: Sequence[Case],
    *,
    forecaster: Default | None = None,
    windows: Windows = "training",
    provenance: dict[str, Any] | None = None,
) -> Calibration:
    """Learn the default forecaster's calibration from ``cases`` (training windows by default)."""
    model = forecaster or Default()
    tables = [case_errors(case, forecaster=model, windows=windows) for case in cases]
    return _calibration(tables, model, windows, len(cases), provenance or {})


def cross_fitted(
    cases: Sequence[Case],
    *,
    folds: int = 10,
    windows: Windows = "end",
    probs: Sequence[float] = DEFAULT_PROBS,
    wrap: Callable[[Default], Forecaster] | None = None,
    label: str = "Default",
) -> tuple[Evaluation, float]:
    """Evaluate the default forecaster with a calibration cross-fitted across series.

    Series are split into ``folds`` groups by position; each group is forecast with error quantiles
    learned from the *other* groups only (their end-of-training forecasts scored on their test
    segments, with ``windows="end"``), so no series' own test values shape its intervals.
    ``wrap`` turns each fold's calibrated default forecaster into the forecaster evaluated (e.g. an
    :class:`~borderflows.forecast.ensemble.Ensemble` containing it); ``label`` names it in the table.

    Returns
    -------
    tuple
        The pooled evaluation (its ``seconds`` count forecasting only) and the seconds spent learning.
    """
    model = Default()
    start = time.perf_counter()
    tables = [case_errors(case, forecaster=model, windows=windows) for case in cases]
    learning = time.perf_counter() - start
    groups = np.arange(len(cases)) % folds
    parts = []
    for fold in range(folds):
        others = [t for t, g in zip(tables, groups, strict=True) if g != fold]
        calibration = _calibration(others, model, windows, len(others), {"cross_fit_fold": fold})
        members = [case for case, g in zip(cases, groups, strict=True) if g == fold]
        fold_default = Default(calibration=calibration)
        parts.append(evaluate(wrap(fold_default) if wrap else fold_default, members, probs=probs))
    scores = pd.concat([part.scores for part in parts], ignore_index=True)
    failures = tuple(f for part in parts for f in part.failures)
    name = f"{label} ({folds}-fold cross-fitted, {windows} windows)"
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
