"""Leave-future-out ELPD of a Bayesian forecaster with ``arviz_stats.lfo_cv`` (Bürkner et al. 2020).

Refits reuse the compiled model: a refit at origin ``i`` is the same graph with the years from ``i``
on masked out, so only sampling is repeated. Between refits ``lfo_cv`` carries the posterior forward
with Pareto-smoothed importance sampling (``method="approx"``) and refits when Pareto k > 0.7.
Pointwise log-likelihoods are on the data scale (:meth:`BayesianFit.log_likelihood`), so ELPDs of
the log-scale and count models of the same series compare.
"""

from __future__ import annotations

from typing import Any

import arviz_stats as azs
import numpy as np
import numpy.typing as npt
import xarray as xr

from borderflows.config import CHAINS
from borderflows.data.yearly import YearlySeries
from borderflows.forecast.bayes.models import BayesianFit, DampedTrend
from borderflows.sampling import resolve_seed

TIME = "time"


def _loglik_tree(fit: BayesianFit, positions: npt.NDArray[np.int64] | None = None) -> xr.DataArray:
    values = fit.log_likelihood(positions)
    n_draws = values.shape[0] // CHAINS
    years = fit.series.years if positions is None else fit.series.years[positions]
    return xr.DataArray(
        values.reshape(CHAINS, n_draws, -1),
        dims=("chain", "draw", TIME),
        coords={"chain": np.arange(CHAINS), "draw": np.arange(n_draws), TIME: years},
        name="y",
    )


def with_log_likelihood(fit: BayesianFit) -> xr.DataTree:
    """The fit's posterior with a ``log_likelihood`` group (variable ``y``, dimension ``time``)."""
    posterior = fit.trace["posterior"].to_dataset()
    return xr.DataTree.from_dict({"posterior": posterior, "log_likelihood": _loglik_tree(fit).to_dataset()})


class RefitWrapper(azs.SamplingWrapper):
    """Refits a :class:`DampedTrend` on the years before each forecast origin."""

    def __init__(self, spec: DampedTrend, series: YearlySeries, preset: str, random_seed: int) -> None:
        super().__init__(model=spec)
        self.spec, self.series, self.preset, self.random_seed = spec, series, preset, random_seed
        self.last_fit: BayesianFit | None = None

    def sel_observations(self, idx: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.int64]]:
        keep = np.ones(len(self.series), dtype=bool)
        keep[np.asarray(idx)] = False
        return keep, np.asarray(idx)

    def sample(self, modified_observed_data: npt.NDArray[np.bool_]) -> BayesianFit:
        self.last_fit = self.spec.fit(
            self.series, random_seed=self.random_seed, preset=self.preset, keep=modified_observed_data
        )
        return self.last_fit

    def get_inference_data(self, fitted_model: BayesianFit) -> xr.DataTree:
        return xr.DataTree.from_dict({"posterior": fitted_model.trace["posterior"].to_dataset()})

    def log_likelihood__i(self, excluded_obs: npt.NDArray[np.int64], idata__i: Any) -> xr.DataArray:
        assert self.last_fit is not None  # sample() always runs first
        return _loglik_tree(self.last_fit, excluded_obs)


def lfo_elpd(
    spec: DampedTrend,
    series: YearlySeries,
    *,
    min_observations: int,
    forecast_horizon: int = 1,
    preset: str = "fast",
    random_seed: int | None = None,
    method: str = "approx",
) -> Any:
    """Leave-future-out ELPD of ``spec`` on ``series``.

    Parameters
    ----------
    spec, series
        Model and data.
    min_observations
        Years in the first training window.
    forecast_horizon
        Years scored jointly at each origin.
    preset, random_seed
        Sampler settings of the full fit and every refit.
    method
        ``"approx"`` (PSIS between refits) or ``"exact"`` (refit at every origin).

    Returns
    -------
    arviz_stats ELPDDataLFO
        ``elpd``, ``se``, ``n_refits``, per-origin ``elpd_i`` and Pareto k.
    """
    seed = resolve_seed(random_seed)
    full = spec.fit(series, random_seed=seed, preset=preset)
    wrapper = RefitWrapper(spec, series, preset, seed)
    return azs.lfo_cv(
        with_log_likelihood(full),
        wrapper,
        min_observations=min_observations,
        forecast_horizon=forecast_horizon,
        time_dim=TIME,
        pointwise=True,
        var_name="y",
        method=method,
    )
