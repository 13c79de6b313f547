"""The steps the forecasting notebooks share, so that each notebook is a few calls on its own series.

Notebooks 03 (migration) and 04 (FDI) tell the same story on different series: what the series are and
what is odd about them, forecasts from every model with tidy interval tables, fan charts, a
rolling-origin backtest against the baselines, and the Bayesian damped trend with its convergence
verdict. What differs (counts, definition breaks and partial years for migration; sign changes and
EUR vs USD for FDI) is in the series themselves and shows in :meth:`ForecastStory.profile` and
:meth:`ForecastStory.quirks`.

>>> story = ForecastStory.of(["fdi.wiiw.stock.chn_eur"], random_seed=2024)  # doctest: +SKIP
>>> story.forecast_table()                     # series, model, year, estimate, lower, upper, prob, kind
>>> story.fan_charts()                         # one panel per series, the default forecaster
>>> story.backtest_table()                     # sMAPE, MASE, coverage, MSIS by series and model
>>> bayes = story.bayesian(preset="fast")      # DampedTrend per series, gate verdict per fit
>>> bayes.diagnostics_table(), bayes.forecast_table()
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from borderflows.config import DEFAULT_KIND
from borderflows.data.yearly import YearlySeries

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from borderflows.forecast.backtest import Backtest
    from borderflows.forecast.bayes import BayesianFit, DampedTrend
    from borderflows.forecast.results import Forecast

CLASSICAL_MODELS = ("Naive", "AutoETS", "AutoARIMA", "DynamicOptimizedTheta", "Default")
"""The baselines and the default forecaster, by registry name."""

GATE_COLUMNS = ("series", "verdict", "max_rhat", "min_ess_bulk", "divergences")


@dataclass(frozen=True)
class ForecastStory:
    """Forecasts, fan charts and a backtest of a few bundled (or user) series, as the notebooks show them.

    Parameters
    ----------
    series
        Name to validated series (see :meth:`of` for bundled ones).
    models
        Registry names of the classical models to fit and backtest.
    probs, kind
        Intervals shown in every table and chart.
    horizon
        Years ahead.
    random_seed
        Seed passed to every fit (recorded on each forecast).
    """

    series: Mapping[str, YearlySeries]
    models: tuple[str, ...] = CLASSICAL_MODELS
    probs: tuple[float, ...] = (0.8, 0.95)
    kind: str = DEFAULT_KIND
    horizon: int = 5
    random_seed: int = 2024

    @classmethod
    def of(cls, names: Sequence[str], **options: object) -> ForecastStory:
        """The story of bundled series ``names`` (``borderflows.data.series``); options as the class."""
        from borderflows import data

        return cls({name: data.series(name) for name in names}, **options)  # type: ignore[arg-type]

    def catalog(self) -> pd.DataFrame:
        """The catalogue rows (title, unit, kind, concept, coverage, source) of the story's bundled series."""
        from borderflows import data

        catalog = data.list_series()
        return catalog[catalog["name"].isin(list(self.series))].reset_index(drop=True)

    def histories(self) -> pd.DataFrame:
        """Every observation: ``series``, ``year``, ``value``, ``exposure``, ``flag``."""
        frames = [s.to_frame().assign(series=name) for name, s in self.series.items()]
        return pd.concat(frames, ignore_index=True)[["series", "year", "value", "exposure", "flag"]]

    def profile(self) -> pd.DataFrame:
        """One row per series: what a forecaster must respect.

        Columns: ``series``, ``unit``, ``kind``, ``concept``, ``first_year``, ``last_year``, ``n``,
        ``negative_years`` (values below zero: log-scale models do not apply), ``sign_changes``,
        ``partial_years`` (exposure below 1: annualised by the classical models, an exposure offset in
        the count model), ``break_year`` (first year flagged ``definition_break``: a new definition
        from then on), ``gaps``.
        """
        rows = []
        for name, s in self.series.items():
            signs = np.sign(s.values[s.values != 0])
            breaks = [int(y) for y, f in zip(s.years, s.flags, strict=True) if "definition_break" in f]
            rows.append(
                {
                    "series": name,
                    "unit": s.unit,
                    "kind": s.kind,
                    "concept": s.concept,
                    "first_year": int(s.years[0]),
                    "last_year": int(s.years[-1]),
                    "n": len(s),
                    "negative_years": int((s.values < 0).sum()),
                    "sign_changes": int((np.diff(signs) != 0).sum()),
                    "partial_years": ", ".join(str(int(y)) for y in s.years[s.exposure < 1]),
                    "break_year": str(breaks[0]) if breaks else "",
                    "gaps": ", ".join(str(y) for y in s.gaps),
                }
            )
        return pd.DataFrame(rows)

    def quirks(self) -> pd.DataFrame:
        """The observations with a flag, a partial year or a negative value."""
        history = self.histories()
        odd = (history["flag"] != "") | (history["exposure"] < 1) | (history["value"] < 0)
        return history[odd].reset_index(drop=True)

    @cached_property
    def forecasts(self) -> dict[tuple[str, str], Forecast]:
        """``(series, model)`` to the forecast of every classical model on every series."""
        from borderflows.forecast.registry import get

        return {
            (name, model): get(model).fit(s, random_seed=self.random_seed).forecast(self.horizon)
            for name, s in self.series.items()
            for model in self.models
        }

    def forecast_table(self) -> pd.DataFrame:
        """Tidy intervals of every forecast, with the series' ``unit`` (:data:`forecast.outputs.TABLE_COLUMNS`)."""
        return _intervals(self.forecasts.values(), self.probs, self.kind)

    def notes(self) -> pd.DataFrame:
        """What each model did to the data (annualised partial years, interpolated gaps, ...)."""
        rows = [
            {"series": name, "model": model, "note": note}
            for (name, model), forecast in self.forecasts.items()
            for note in forecast.notes
        ]
        return pd.DataFrame(rows, columns=["series", "model", "note"])

    def fan_charts(self, model: str = "Default") -> Figure:
        """One fan chart per series for ``model`` (nested intervals labelled with prob and kind)."""
        from matplotlib.figure import Figure

        figure = Figure(figsize=(6 * len(self.series), 4), layout="constrained")
        axes = figure.subplots(1, len(self.series), squeeze=False)[0]
        for ax, name in zip(axes, self.series, strict=True):
            self.forecasts[(name, model)].plot(probs=self.probs, kind=self.kind, ax=ax)
            ax.legend(fontsize=7)
        return figure

    def backtest(self, *, horizon: int = 3, n_origins: int = 8) -> Backtest:
        """Rolling-origin backtest of every classical model on the same origins of every series."""
        from borderflows.forecast.backtest import compare
        from borderflows.forecast.registry import get

        return compare(
            [get(model) for model in self.models],
            self.series.values(),
            horizon=horizon,
            n_origins=n_origins,
            probs=self.probs,
            kind=self.kind,
            random_seed=self.random_seed,
        )

    def backtest_table(self, *, horizon: int = 3, n_origins: int = 8) -> pd.DataFrame:
        """:meth:`backtest` averaged by series and model (coverage next to its nominal ``prob``)."""
        return self.backtest(horizon=horizon, n_origins=n_origins).summary(("series", "model"))

    def bayesian(
        self,
        model: DampedTrend | Callable[[YearlySeries], DampedTrend] | None = None,
        *,
        preset: str = "fast",
        names: Sequence[str] | None = None,
        target_accept: float | None = None,
    ) -> BayesianStory:
        """Fit the Bayesian damped trend to each series (or to ``names``) with the story's seed.

        Parameters
        ----------
        model
            A spec, or a function choosing one per series; default ``DampedTrend()`` (likelihood from
            the series kind).
        preset
            Sampler preset.
        names
            Series to fit; default all.
        target_accept
            Override the preset's NUTS target acceptance (e.g. 0.99, as the analyses of record do).
        """
        from borderflows.forecast.bayes import DampedTrend

        spec = DampedTrend() if model is None else model

        def choose(series: YearlySeries) -> DampedTrend:
            return spec(series) if callable(spec) else spec

        chosen = list(self.series) if names is None else list(names)
        fits = {
            name: choose(self.series[name]).fit(
                self.series[name], random_seed=self.random_seed, preset=preset, target_accept=target_accept
            )
            for name in chosen
        }
        return BayesianStory(fits, self.probs, self.kind, self.horizon)


@dataclass(frozen=True)
class BayesianStory:
    """Bayesian fits of a :class:`ForecastStory`'s series, with their convergence verdicts.

    Attributes
    ----------
    fits
        Series name to posterior.
    probs, kind, horizon
        As the story's.
    """

    fits: Mapping[str, BayesianFit]
    probs: tuple[float, ...]
    kind: str
    horizon: int

    @cached_property
    def forecasts(self) -> dict[str, Forecast]:
        """Series name to the predictive distribution (drawn with each fit's recorded seed)."""
        return {name: fit.forecast(self.horizon) for name, fit in self.fits.items()}

    def diagnostics_table(self) -> pd.DataFrame:
        """One row per fit: the gate's verdict and worst numbers (a failed gate means not citable)."""
        rows = [{"series": name, **fit.diagnostics.to_dict()} for name, fit in self.fits.items()]
        return pd.DataFrame(rows).reindex(columns=list(GATE_COLUMNS))

    def forecast_table(self) -> pd.DataFrame:
        """Tidy predictive intervals per series, with ``citable`` from the gate."""
        return _intervals(self.forecasts.values(), self.probs, self.kind)


def _intervals(forecasts: Iterable[Forecast], probs: tuple[float, ...], kind: str) -> pd.DataFrame:
    """Tidy interval tables of several forecasts, each with its series' unit before the numbers."""
    from borderflows.forecast.outputs import TABLE_COLUMNS, forecast_table

    frames = []
    for forecast in forecasts:
        frame = forecast_table(forecast, probs, kind)
        frame.insert(int(frame.columns.get_loc("estimate")), "unit", forecast.series.unit)  # type: ignore[arg-type]
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=[*TABLE_COLUMNS[:4], "unit", *TABLE_COLUMNS[4:]])
    return pd.concat(frames, ignore_index=True)
