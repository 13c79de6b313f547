"""Rolling-origin backtesting of any forecaster on one series or a set of series, into tidy frames.

For each series and each forecast origin the model is fitted on the history up to the origin only,
forecasts ``horizon`` years, and every future value that is known is scored. One row per
(series, origin, horizon, interval probability) keeps all the numbers; :meth:`Backtest.summary`
averages them the M3/M4 way (sMAPE and MASE averaged over horizons, then over series).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
import numpy.typing as npt
import pandas as pd

from borderflows.config import DEFAULT_KIND
from borderflows.data.yearly import YearlySeries
from borderflows.exceptions import DataValidationError
from borderflows.forecast import metrics
from borderflows.forecast.registry import Forecaster
from borderflows.forecast.results import Forecast

DEFAULT_PROBS: tuple[float, ...] = (0.8, 0.95)
"""Interval probabilities scored by default: those of the M4 competition (95%) and of fan charts (80%)."""

SCORE_COLUMNS = (
    "series",
    "model",
    "origin",
    "year",
    "horizon",
    "actual",
    "estimate",
    "lower",
    "upper",
    "prob",
    "kind",
    "covered",
    "smape",
    "scaled_error",
    "scaled_crps",
    "scaled_interval_score",
)


def score_forecast(
    forecast: Forecast,
    actual: npt.ArrayLike,
    *,
    insample: npt.ArrayLike | None = None,
    probs: Sequence[float] = DEFAULT_PROBS,
    kind: str = DEFAULT_KIND,
) -> pd.DataFrame:
    """Score a forecast against the values that came true.

    Parameters
    ----------
    forecast
        The forecast to score.
    actual
        Observed values for the first ``len(actual)`` forecast years (may be shorter than the horizon).
    insample
        History used for the MASE/MSIS scale; defaults to the values the forecast was fitted on.
    probs, kind
        Intervals to score.

    Returns
    -------
    pandas.DataFrame
        One row per horizon and probability with the columns of :data:`SCORE_COLUMNS` (``origin`` is
        the last year of the history). ``scaled_*`` columns are divided by the in-sample mean absolute
        first difference, so their means are MASE, scaled CRPS and MSIS.
    """
    y = np.asarray(actual, dtype=float)
    h = y.size
    if h == 0 or h > forecast.horizon:
        raise ValueError(f"need between 1 and {forecast.horizon} actual values, got {h}")
    history = forecast.series.values if insample is None else np.asarray(insample, dtype=float)
    scale = metrics.mase_scale(history)
    scale = scale if scale > 0 else 1.0
    estimate = forecast.median[:h]
    draws = forecast.draws[:, :h]
    base = {
        "series": forecast.series.name,
        "model": forecast.model,
        "origin": int(forecast.series.years[-1]),
        "year": forecast.years[:h],
        "horizon": np.arange(1, h + 1),
        "actual": y,
        "estimate": estimate,
        "smape": metrics.smape(y, estimate),
        "scaled_error": np.abs(y - estimate) / scale,
        "scaled_crps": metrics.crps(y, draws) / scale,
    }
    frames = []
    for prob in probs:
        interval = forecast.interval(prob, kind).iloc[:h]
        lower, upper = interval["lower"].to_numpy(), interval["upper"].to_numpy()
        frames.append(
            pd.DataFrame(
                {
                    **base,
                    "lower": lower,
                    "upper": upper,
                    "prob": prob,
                    "kind": kind,
                    "covered": metrics.covered(y, lower, upper),
                    "scaled_interval_score": metrics.interval_score(y, lower, upper, prob) / scale,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)[list(SCORE_COLUMNS)]


def summarize(scores: pd.DataFrame, by: Sequence[str] = ("model",)) -> pd.DataFrame:
    """Average a score frame the M3/M4 way.

    sMAPE, MASE and scaled CRPS are averaged over horizons within each (series, origin), then over
    those; coverage and MSIS likewise, per interval probability.

    Returns
    -------
    pandas.DataFrame
        One row per group and probability: ``n_forecasts`` (series x origins), ``smape``, ``mase``,
        ``scaled_crps``, ``prob``, ``kind``, ``coverage``, ``msis``.
    """
    keys = [*by, *(key for key in ("series", "origin") if key not in by)]  # by may already name "series"
    per_forecast = (
        scores.groupby([*keys, "prob", "kind"], sort=False)
        .agg(
            smape=("smape", "mean"),
            mase=("scaled_error", "mean"),
            scaled_crps=("scaled_crps", "mean"),
            coverage=("covered", "mean"),
            msis=("scaled_interval_score", "mean"),
        )
        .reset_index()
    )
    summary = (
        per_forecast.groupby([*by, "prob", "kind"], sort=False)
        .agg(
            n_forecasts=("smape", "size"),
            smape=("smape", "mean"),
            mase=("mase", "mean"),
            scaled_crps=("scaled_crps", "mean"),
            coverage=("coverage", "mean"),
            msis=("msis", "mean"),
        )
        .reset_index()
    )
    columns = [*by, "n_forecasts", "smape", "mase", "scaled_crps", "prob", "kind", "coverage", "msis"]
    return summary[columns]


@dataclass(frozen=True)
class Backtest:
    """Results of a rolling-origin backtest.

    Attributes
    ----------
    scores
        Tidy frame, one row per (series, origin, horizon, prob); see :data:`SCORE_COLUMNS`.
    failures
        One row per (series, origin) the model could not fit: ``series``, ``model``, ``origin``, ``error``.
    horizon
        Longest horizon forecast.
    """

    scores: pd.DataFrame
    failures: pd.DataFrame
    horizon: int

    @cached_property
    def table(self) -> pd.DataFrame:
        """:func:`summarize` by model."""
        return summarize(self.scores)

    def summary(self, by: Sequence[str] = ("model",)) -> pd.DataFrame:
        """Averages by the given columns (e.g. ``("model", "horizon")``)."""
        return summarize(self.scores, by)


def head(series: YearlySeries, n: int) -> YearlySeries:
    """The first ``n`` observations of ``series`` (its history up to an origin)."""
    return replace(
        series,
        years=series.years[:n],
        values=series.values[:n],
        exposure=series.exposure[:n],
        flags=series.flags[:n],
    )


def origins_for(series: YearlySeries, *, n_origins: int, min_train: int, horizon: int) -> list[int]:
    """Training lengths for the last ``n_origins`` origins with at least one future value to score."""
    last = len(series) - 1
    first = max(min_train, last - n_origins + 1)
    return list(range(first, last + 1)) if horizon >= 1 else []


def backtest(
    model: Forecaster,
    series: YearlySeries | Iterable[YearlySeries],
    *,
    horizon: int = 5,
    n_origins: int = 5,
    min_train: int = 8,
    probs: Sequence[float] = DEFAULT_PROBS,
    kind: str = DEFAULT_KIND,
    random_seed: int | None = None,
) -> Backtest:
    """Rolling-origin evaluation of ``model``.

    Parameters
    ----------
    model
        Any registered forecaster (see :mod:`borderflows.forecast.registry`).
    series
        One series or several.
    horizon
        Years forecast from each origin; horizons past the end of the data are not scored.
    n_origins
        Number of origins per series (the last ones, one year apart).
    min_train
        Shortest history fitted.
    probs, kind
        Intervals to score.
    random_seed
        Passed to every fit.

    Returns
    -------
    Backtest
        Tidy scores and the list of windows the model failed on.
    """
    collection = [series] if isinstance(series, YearlySeries) else list(series)
    frames: list[pd.DataFrame] = []
    failures: list[dict[str, object]] = []
    for one in collection:
        for n_train in origins_for(one, n_origins=n_origins, min_train=min_train, horizon=horizon):
            history = head(one, n_train)
            actual = one.values[n_train : n_train + horizon]
            try:
                forecast = model.fit(history, random_seed=random_seed).forecast(horizon)
            except DataValidationError as error:
                failures.append(
                    {"series": one.name, "model": model.name, "origin": int(history.years[-1]), "error": str(error)}
                )
                continue
            frames.append(score_forecast(forecast, actual, probs=probs, kind=kind))
    scores = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(SCORE_COLUMNS))
    return Backtest(scores, pd.DataFrame(failures, columns=["series", "model", "origin", "error"]), horizon)


def compare(
    models: Sequence[Forecaster],
    series: YearlySeries | Iterable[YearlySeries],
    **options: object,
) -> Backtest:
    """Backtest several models on the same series and origins; ``table`` then has one row per model and prob.

    Parameters
    ----------
    models
        Forecasters to compare (e.g. ``[get("Default"), get("DampedTrend")]``).
    series
        One series or several.
    **options
        Passed to :func:`backtest` (``horizon``, ``n_origins``, ``min_train``, ``probs``, ``kind``, ``random_seed``).
    """
    collection = [series] if isinstance(series, YearlySeries) else list(series)
    runs = [backtest(model, collection, **options) for model in models]  # type: ignore[arg-type]
    return Backtest(
        pd.concat([run.scores for run in runs], ignore_index=True),
        pd.concat([run.failures for run in runs], ignore_index=True),
        max(run.horizon for run in runs),
    )
