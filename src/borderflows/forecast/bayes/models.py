"""The Bayesian forecaster: a frozen spec whose ``fit`` returns a new :class:`BayesianFit`.

``DampedTrend`` is one family with three likelihoods chosen by the series' kind:

* ``"lognormal"`` (positive amounts): damped local linear trend on the log scale;
* ``"poisson_lognormal"`` (people counts in the tens and more): Poisson counts whose log-mean is the
  latent state plus learned log-normal overdispersion; fitted through a Gaussian approximation on
  ``log(y + 0.5)`` so the Kalman filter integrates the states out, forecast as exact Poisson-lognormal
  draws;
* ``"negbin"`` (small counts): negative binomial whose log-mean is the latent state (sampled);

both count likelihoods take the partial-year exposure as offset ``log(exposure)``;
* ``"signed"`` (flows that change sign, e.g. net FDI): the trend on a standardised level scale with
  Student-t innovations.

A known structural break (``break_year``) adds a level shift with its own prior; its posterior is
reported with an interval by :meth:`BayesianFit.parameter_interval`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr
from scipy import stats

from borderflows.config import DEFAULT_KIND, DEFAULT_PROB, resolve_run
from borderflows.data.yearly import YearlySeries
from borderflows.diagnostics.gate import Diagnostics, check_convergence, warn_if_not_citable
from borderflows.forecast.bayes import engine, kalman
from borderflows.forecast.bayes.prepare import Prepared, default_likelihood, prepare
from borderflows.forecast.bayes.priors import ForecastPriors, default_priors
from borderflows.forecast.bayes.structure import LIKELIHOODS, Likelihood
from borderflows.forecast.results import Forecast
from borderflows.results.intervals import interval
from borderflows.sampling import flat, resolve_seed

FloatArray = npt.NDArray[np.float64]
MODEL_ID = "bayes-damped-trend/v1"


@dataclass(frozen=True)
class DampedTrend:
    """Damped local linear trend with a likelihood that suits the series.

    Parameters
    ----------
    likelihood
        ``"auto"`` (from the series kind: count -> ``"poisson_lognormal"`` when every count is at least
        20, else ``"negbin"``; positive -> ``"lognormal"``; signed -> ``"signed"``) or one of those four.
    break_year
        First year under a new definition (a level shift with prior ``Normal(0, priors.break_sd)`` on
        the model scale), or None.
    priors
        Hyperparameters; None uses the learned :func:`~borderflows.forecast.bayes.priors.default_priors`.
    """

    likelihood: Literal["auto", "lognormal", "poisson_lognormal", "negbin", "signed"] = "auto"
    break_year: int | None = None
    priors: ForecastPriors | None = None

    def __post_init__(self) -> None:
        if self.likelihood != "auto" and self.likelihood not in LIKELIHOODS:
            raise ValueError(f"likelihood must be 'auto' or one of {LIKELIHOODS}, got {self.likelihood!r}")

    @property
    def name(self) -> str:
        """Model name recorded on forecasts: ``DampedTrend``, with the likelihood when it is fixed.

        Distinct names let variants be candidates side by side (e.g. in ``forecast.stack``).
        """
        return "DampedTrend" if self.likelihood == "auto" else f"DampedTrend[{self.likelihood}]"

    def resolved_likelihood(self, series: YearlySeries) -> Likelihood:
        """The likelihood this spec uses for ``series``."""
        return default_likelihood(series) if self.likelihood == "auto" else self.likelihood

    def fit(
        self,
        series: YearlySeries,
        *,
        random_seed: int | None = None,
        preset: str = "fast",
        keep: npt.NDArray[np.bool_] | None = None,
        target_accept: float | None = None,
        draws: int | None = None,
    ) -> BayesianFit:
        """Sample the posterior and run the convergence gate.

        Parameters
        ----------
        series
            Validated yearly series.
        random_seed
            Seed; drawn and recorded when None.
        preset
            ``"fast"`` or ``"full"`` (:mod:`borderflows.config`).
        keep
            Optional mask of observations to condition on (False = held out); used by
            leave-future-out refits.
        target_accept
            Override the preset's NUTS target acceptance (e.g. 0.99 after divergences).
        draws
            Override the preset's draws per chain (e.g. when the gate reports R-hat or ESS just short
            of its bar on a posterior that mixes slowly but without divergences).

        Returns
        -------
        BayesianFit
            Posterior, diagnostics and the data layout; call :meth:`BayesianFit.forecast`.
        """
        run = resolve_run(preset, draws=None if draws is None else int(draws), target_accept=target_accept)
        seed = resolve_seed(random_seed)
        priors = self.priors or default_priors()
        layout = prepare(series, self.resolved_likelihood(series), self.break_year, keep=keep)
        trace = engine.sample(layout.structure, priors, layout.data, run, seed)
        diagnostics = check_convergence(trace, var_names=list(layout.structure.parameters))
        warn_if_not_citable(diagnostics, series.name)
        return BayesianFit(self, series, layout, trace, diagnostics, seed, preset, priors)


@dataclass(frozen=True)
class BayesianFit:
    """Posterior of a :class:`DampedTrend` fitted to one series.

    Attributes
    ----------
    spec, series
        What was fitted to what.
    layout
        The data as the model saw it (timeline, mask, standardisation).
    trace
        Sampler output (``posterior`` and ``sample_stats``).
    diagnostics
        The convergence gate's verdict.
    random_seed, preset, priors
        Recorded for the manifest.
    """

    spec: DampedTrend
    series: YearlySeries
    layout: Prepared
    trace: xr.DataTree = field(repr=False)
    diagnostics: Diagnostics
    random_seed: int
    preset: str
    priors: ForecastPriors = field(repr=False)

    @property
    def likelihood(self) -> Likelihood:
        """The likelihood that was fitted."""
        return self.layout.structure.likelihood

    @property
    def citable(self) -> bool:
        """True when the convergence gate passed."""
        return self.diagnostics.ok

    def draws(self, name: str) -> FloatArray:
        """Posterior draws of one variable, chains and draws flattened into the first axis."""
        return flat(self.trace, name)

    @cached_property
    def _break(self) -> FloatArray:
        if self.layout.structure.has_break:
            return self.draws("break_effect")
        return np.zeros(self.draws("phi").shape[0])

    @property
    def _gaussian(self) -> bool:
        return self.likelihood != "negbin"

    def _filter(self, stop: int, *, every_year: bool = False) -> kalman.FilterOutput:
        """NumPy Kalman filter for every posterior draw, up to position ``stop``.

        With ``every_year`` the filter also conditions on held-out years (leave-future-out scoring:
        each year's density is then conditional on all the years before it).
        """
        data = self.layout.data
        mask = data["mask"]
        if every_year:
            mask = np.zeros_like(mask)
            mask[self.layout.observed] = 1.0
        shift = data["offset"][None, :] + self._break[:, None] * data["after_break"][None, :]
        n = self._break.shape[0]
        lam = self.draws("lam") if self.likelihood == "signed" else np.ones((n, self.layout.structure.length))
        scales = self.priors.for_likelihood(self.likelihood)
        init = (
            np.asarray(data["z0"], dtype=float),
            np.asarray(scales.level0_sd),
            np.asarray(scales.slope0[0]),
            np.asarray(scales.slope0[1]),
        )
        return kalman.kalman_filter_np(
            data["y"],
            mask,
            shift,
            lam,
            init,
            self.draws("phi"),
            self.draws("sigma_level"),
            self.draws("sigma_slope"),
            self.draws("sigma_obs"),
            stop,
            data["obs_var"],
        )

    def forecast(self, horizon: int, *, random_seed: int | None = None) -> Forecast:
        """Predictive draws for the ``horizon`` years after the last observation (full-year exposure).

        For each posterior draw the state at the last observed year is drawn (from the Kalman
        filter for the Gaussian likelihoods, from the latent path for counts) and carried forward
        with that draw's damping and innovation scales; observation noise is added on top, so the
        draws are predictive, not just the latent mean.
        """
        if horizon < 1:
            raise ValueError(f"horizon must be >= 1, got {horizon}")
        rng = np.random.default_rng(self.random_seed if random_seed is None else random_seed)
        start = self.layout.last_index
        if self._gaussian:
            level, slope = kalman.draw_state(self._filter(start), rng)
        else:
            level, slope = self.draws("level")[:, start], self.draws("slope")[:, start]
        phi = self.draws("phi")
        sigma_level, sigma_slope = self.draws("sigma_level"), self.draws("sigma_slope")
        n = phi.shape[0]
        paths = np.empty((n, horizon))
        for h in range(horizon):
            level = level + phi * slope + sigma_level * self._level_innovation(rng, n)
            slope = phi * slope + sigma_slope * rng.standard_normal(n)
            paths[:, h] = level
        draws = self._observe(rng, paths + self._break[:, None])
        years = self.series.years[-1] + np.arange(1, horizon + 1, dtype=np.int64)
        return Forecast(
            series=self.series,
            model=self.spec.name,
            years=years,
            draws=draws,
            random_seed=self.random_seed if random_seed is None else random_seed,
            diagnostics=self.diagnostics,
            notes=self._notes(),
            preset=self.preset,
        )

    def _level_innovation(self, rng: np.random.Generator, n: int) -> FloatArray:
        if self.likelihood == "signed":
            return np.asarray(rng.standard_t(self.priors.student_df, n), dtype=float)
        return rng.standard_normal(n)

    def _observe(self, rng: np.random.Generator, mu: FloatArray) -> FloatArray:
        """Data-scale draws given model-scale means ``mu`` of shape (n_draws, horizon)."""
        if self.likelihood == "lognormal":
            return np.exp(mu + self.draws("sigma_obs")[:, None] * rng.standard_normal(mu.shape))
        if self.likelihood == "poisson_lognormal":
            rate = np.exp(mu + self.draws("sigma_obs")[:, None] * rng.standard_normal(mu.shape))
            return rng.poisson(rate).astype(float)
        if self.likelihood == "negbin":
            alpha = 1.0 / self.draws("cv_obs")[:, None] ** 2
            rate = rng.gamma(alpha, np.exp(mu) / alpha)
            return rng.poisson(rate).astype(float)
        z = mu + self.draws("sigma_obs")[:, None] * rng.standard_normal(mu.shape)
        return self.layout.center + self.layout.scale * z

    def _notes(self) -> tuple[str, ...]:
        notes = [f"likelihood: {self.likelihood}", f"preset: {self.preset}"]
        if self.layout.structure.has_break:
            notes.append(f"level shift from {self.spec.break_year} (definition break)")
        if np.any(self.series.exposure < 1):
            partial = self.series.years[self.series.exposure < 1].tolist()
            notes.append(f"partial-year exposure offset for {partial}")
        return tuple(notes)

    def log_likelihood(self, positions: npt.NDArray[np.int64] | None = None) -> FloatArray:
        """Pointwise log-likelihood on the data scale, shape (n_draws, n_positions).

        ``positions`` index the observed years (default: all), held-out ones included. For the
        Gaussian likelihoods these are the Kalman filter's one-step-ahead densities
        ``log p(y_t | y_<t, theta)`` given every earlier year (their sum is the likelihood: the
        chain-rule factorisation leave-future-out CV uses); for counts the latent state makes the
        years conditionally independent. Lognormal densities include the Jacobian ``-log y`` and
        signed ones ``-log scale`` so that models on different scales compare; Poisson-lognormal ones
        are the Gaussian approximation's density of ``y + 0.5`` (close to the probability of the count
        for counts in the tens and more).
        """
        idx = np.arange(self.series.values.size) if positions is None else np.asarray(positions)
        where = self.layout.observed[idx]
        values = self.series.values[idx]
        if self.likelihood == "negbin":
            alpha = 1.0 / self.draws("cv_obs")[:, None] ** 2
            mean = np.exp(self.draws("mu")[:, where])
            return np.asarray(stats.nbinom.logpmf(values, alpha, alpha / (alpha + mean)))
        loglik = self._filter(int(self.layout.structure.length - 1), every_year=True).loglik[:, where]
        if self.likelihood == "lognormal":
            return np.asarray(loglik - np.log(values))
        if self.likelihood == "poisson_lognormal":
            return np.asarray(loglik - np.log(values + 0.5))
        return np.asarray(loglik - np.log(self.layout.scale))

    def parameter_interval(
        self, name: str, prob: float = DEFAULT_PROB, kind: str = DEFAULT_KIND, *, exponentiate: bool = False
    ) -> pd.DataFrame:
        """Tidy interval of a scalar parameter, e.g. ``"break_effect"`` or ``"phi"``.

        Parameters
        ----------
        name
            Scalar posterior variable.
        prob, kind
            Interval probability and kind.
        exponentiate
            Report ``exp(parameter)`` (a log-scale break effect as a multiplicative factor).
        """
        values = self.draws(name)
        if exponentiate:
            values = np.exp(values)
        lower, upper = interval(values[:, None], prob, kind)
        return pd.DataFrame(
            {
                "series": [self.series.name],
                "parameter": [f"exp({name})" if exponentiate else name],
                "estimate": [float(np.median(values))],
                "lower": [float(lower[0])],
                "upper": [float(upper[0])],
                "prob": [prob],
                "kind": [kind],
                "citable": [self.citable],
            }
        )
