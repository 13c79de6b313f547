"""Bayesian forecasters in PyMC: damped trends on the log, count and level scales, pooling, LFO-CV.

See ``docs/forecast_models.md`` for the models, priors and validation.
"""

from borderflows.forecast.bayes.models import MODEL_ID, BayesianFit, DampedTrend
from borderflows.forecast.bayes.priors import ForecastPriors, default_priors

__all__ = ["MODEL_ID", "BayesianFit", "DampedTrend", "ForecastPriors", "default_priors"]


def _register() -> None:
    from functools import partial

    from borderflows.forecast.registry import register

    register("DampedTrend", DampedTrend)
    register("damped_trend", DampedTrend)
    # Fixed-likelihood variants, so that stacking can weigh them against each other on one series.
    register("damped_trend_lognormal", partial(DampedTrend, likelihood="lognormal"))
    register("damped_trend_signed", partial(DampedTrend, likelihood="signed"))
    register("damped_trend_counts", partial(DampedTrend, likelihood="poisson_lognormal"))


_register()
