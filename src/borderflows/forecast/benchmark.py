"""Benchmark and calibration machinery for a corpus of yearly series with held-out test segments.

The M3 yearly competition data (645 series, horizon 6) is the reference corpus. This module reads it
from a folder the caller names (the package never ships or downloads it), scores any forecaster on
the test segments with :func:`borderflows.forecast.backtest.score_forecast`, and learns the default
forecaster's error calibration from rolling origins inside the *training* segments only.
``benchmarks/m3_yearly.py`` is the command-line driver.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from borderflows.data.yearly import YearlySeries
from borderflows.forecast.backtest import DEFAULT_PROBS, head, score_forecast
from borderflows.forecast.calibration import Calibration, ErrorScale, learn, standardised_errors
from borderflows.forecast.default import Default
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


def training_errors(
    cases: Sequence[Case],
    *,
    forecaster: Default | None = None,
    horizon: int = 6,
    n_origins: int = 6,
    min_train: int = 8,
) -> dict[ErrorScale, list[npt.NDArray[np.float64]]]:
    """Standardised errors of the default point forecast at rolling origins inside the training segments.

    The test segments are never read. For each series the last ``n_origins`` origins with at least
    ``min_train`` points of history are used; horizon ``h`` is scored wherever the training segment
    still holds the value ``h`` years ahead.

    Returns
    -------
    dict
        For ``"log"`` and ``"level"``: one array of errors per horizon ``1..horizon``.
    """
    model = forecaster or Default()
    errors: dict[ErrorScale, list[list[float]]] = {
        "log": [[] for _ in range(horizon)],
        "level": [[] for _ in range(horizon)],
    }
    for case in cases:
        values = case.train.values
        n = values.size
        for n_train in range(max(min_train, n - n_origins), n):
            history = head(case.train, n_train)
            actual = values[n_train : n_train + horizon]
            point = model.fit(history).point(horizon)
            for scale in ("log", "level"):
                if scale == "log" and np.any(values <= 0):
                    continue
                z = standardised_errors(history.values, point, actual, scale)
                for h, value in enumerate(z):
                    errors[scale][h].append(float(value))
    return {scale: [np.asarray(e) for e in per_h] for scale, per_h in errors.items()}


def learn_calibration(
    cases: Sequence[Case], *, forecaster: Default | None = None, provenance: dict[str, Any] | None = None, **kwargs: Any
) -> Calibration:
    """Learn the default forecaster's calibration from the training segments of ``cases``."""
    model = forecaster or Default()
    errors = training_errors(cases, forecaster=model, **kwargs)
    scales = {scale: learn(per_h, scale) for scale, per_h in errors.items()}
    description = f"{model.combine} of {', '.join(model.members)} (statsforecast), non-seasonal; centred errors"
    info = {"created": datetime.now(UTC).isoformat(timespec="seconds"), "n_series": len(cases), **(provenance or {})}
    return Calibration(description, scales, info)  # type: ignore[arg-type]
