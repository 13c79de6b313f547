"""Forecasting short annual series with intervals that cover: models, baselines, backtests and scores.

``bf.forecast.Default().fit(series).forecast(horizon=5).interval(prob=0.8)`` is the everyday call;
:func:`get` and :func:`available` reach every registered model by name (the Bayesian models in
:mod:`borderflows.forecast.bayes` included). Names are imported lazily so that importing one
submodule does not pay for statsforecast or pymc.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Default": "borderflows.forecast.default",
    "Ensemble": "borderflows.forecast.ensemble",
    "stack": "borderflows.forecast.ensemble",
    "StatsForecastBaseline": "borderflows.forecast.baselines",
    "Forecast": "borderflows.forecast.results",
    "backtest": "borderflows.forecast.backtest",
    "score_forecast": "borderflows.forecast.backtest",
    "get": "borderflows.forecast.registry",
    "available": "borderflows.forecast.registry",
    "register": "borderflows.forecast.registry",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    try:
        module = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'borderflows.forecast' has no attribute {name!r}") from None
    return getattr(importlib.import_module(module), name)
