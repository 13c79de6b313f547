"""Recovery checks: simulate series from the model's own prior, fit, and count interval coverage.

When the truth is drawn from the prior the fitted model is using, the posterior (and posterior
predictive) intervals cover the truth at their nominal rate on average over simulations, so a
coverage outside the binomial Monte Carlo band points at a bug in the model, the sampler or the
forecast simulation. One exception we accept knowingly: the initial level's prior is centred on the
first observation rather than on a fixed number, so the simulator starts the level at a fixed
value; the first observation carries it to within the observation noise.

The per-simulation records and the coverage bands come from
:mod:`borderflows.diagnostics.recovery` (binomial MCSE, cluster-robust pooling over horizons).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from borderflows.config import DEFAULT_KIND, DEFAULT_PROB
from borderflows.data.yearly import YearlySeries
from borderflows.diagnostics.gate import Diagnostics
from borderflows.diagnostics.recovery import RecoveryResult, interval_records, recovery_result
from borderflows.diagnostics.sbc import FitSummary
from borderflows.forecast.bayes.models import DampedTrend
from borderflows.forecast.bayes.priors import ForecastPriors, default_priors
from borderflows.forecast.bayes.structure import Likelihood

FloatArray = npt.NDArray[np.float64]
START_LEVEL = {
    "lognormal": np.log(1000.0),
    "poisson_lognormal": np.log(5000.0),
    "negbin": np.log(10.0),  # the exact NB is the small-count model ("auto" uses it below 20)
    "signed": 0.0,
}
"""Where simulated latent levels start (model scale)."""


@dataclass
class _Tally:
    """Interval records and sampler health of a recovery study's fits, and the study's result."""

    prob: float
    kind: str
    random_seed: int
    records: list[pd.DataFrame] = field(default_factory=list)
    rhats: list[float] = field(default_factory=list)
    divergences: list[int] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)

    def add(
        self,
        i: int,
        truth: Mapping[str, npt.ArrayLike],
        draws: dict[str, FloatArray],
        names: list[str],
        diagnostics: Diagnostics,
    ) -> None:
        """Record fit ``i``'s intervals of ``names`` against ``truth`` and its R-hat and divergences."""
        summary = FitSummary(draws=draws, max_rhat=diagnostics.max_rhat, divergences=diagnostics.divergences)
        self.records.append(interval_records(i, truth, summary, names, prob=self.prob, kind=self.kind))
        self.rhats.append(diagnostics.max_rhat)
        self.divergences.append(diagnostics.divergences)

    def result(self, scenario: str) -> RecoveryResult:
        """Coverage over every fit added so far."""
        return recovery_result(
            self.records,
            scenario=scenario,
            prob=self.prob,
            kind=self.kind,
            random_seed=self.random_seed,
            max_rhat=self.rhats,
            divergences=self.divergences,
            total_seconds=time.perf_counter() - self.started,
        )


@dataclass(frozen=True)
class SimulatedSeries:
    """One simulated history with its future and the parameters that generated it."""

    series: YearlySeries
    future: FloatArray
    truth: dict[str, float]


def simulate(
    likelihood: Likelihood,
    n: int,
    horizon: int,
    rng: np.random.Generator,
    *,
    priors: ForecastPriors | None = None,
    break_year: int | None = None,
    first_year: int = 2000,
) -> SimulatedSeries:
    """Draw parameters from the prior and a series of ``n + horizon`` years from the model."""
    p = priors or default_priors()
    scales = p.for_likelihood(likelihood)
    phi = rng.beta(p.phi_alpha, p.phi_beta)
    sigma_level = float(np.exp(rng.normal(*scales.log_sigma_level)))
    sigma_slope = float(np.exp(rng.normal(*scales.log_sigma_slope)))
    sigma_obs = float(np.exp(rng.normal(*scales.log_sigma_obs)))
    nu = p.student_df if likelihood == "signed" else np.inf
    total = n + horizon
    level = np.empty(total)
    slope = rng.normal(*scales.slope0)
    level[0] = START_LEVEL[likelihood]
    for t in range(1, total):
        eta = rng.standard_t(nu) if np.isfinite(nu) else rng.standard_normal()
        level[t] = level[t - 1] + phi * slope + sigma_level * eta
        slope = phi * slope + sigma_slope * rng.standard_normal()
    years = first_year + np.arange(total, dtype=np.int64)
    truth = {"phi": float(phi), "sigma_level": sigma_level}
    if break_year is not None:
        effect = float(rng.normal(0.0, p.break_sd))
        level = level + effect * (years >= break_year)
        truth["break_effect"] = effect
    if likelihood == "lognormal":
        values = np.exp(level + sigma_obs * rng.standard_normal(total))
        kind = "positive"
    elif likelihood == "poisson_lognormal":
        # The exact Poisson-lognormal process, not the Gaussian approximation the fit uses: recovery
        # then also checks that approximation.
        values = rng.poisson(np.exp(level + sigma_obs * rng.standard_normal(total))).astype(float)
        kind = "count"
    elif likelihood == "negbin":
        alpha = 1.0 / sigma_obs**2
        values = rng.poisson(rng.gamma(alpha, np.exp(level) / alpha)).astype(float)
        kind = "count"
    else:
        values = 100.0 * (level + sigma_obs * rng.standard_normal(total))
        kind = "signed"
    series = YearlySeries(
        name=f"simulated {likelihood}",
        years=years[:n],
        values=values[:n],
        unit="",
        kind=kind,  # type: ignore[arg-type]
        concept="simulation",
    )
    return SimulatedSeries(series, values[n:], truth)


def coverage_study(
    likelihood: Likelihood,
    n_sims: int,
    *,
    n: int = 20,
    horizon: int = 3,
    prob: float = DEFAULT_PROB,
    kind: str = DEFAULT_KIND,
    random_seed: int = 0,
    preset: str = "fast",
    break_year: int | None = None,
) -> RecoveryResult:
    """Fit ``n_sims`` prior-simulated series; record interval coverage of parameters and future values.

    Parameters
    ----------
    likelihood
        Model to check.
    n_sims
        Number of simulated series (the binomial MCSE of a coverage is ``sqrt(prob (1-prob) / n_sims)``).
    n, horizon
        Length of each history and the number of future years checked.
    prob, kind
        Interval checked.
    random_seed
        Seeds the simulations and each fit.
    preset
        Sampler preset of each fit.
    break_year
        Simulate and fit a level shift from this year.
    """
    rng = np.random.default_rng(random_seed)
    spec = DampedTrend(likelihood=likelihood, break_year=break_year)
    tally = _Tally(prob=prob, kind=kind, random_seed=random_seed)
    # The signed model standardises each series by its own scale, so its sigma_level is not on the
    # simulator's scale; phi and the future values are scale-free checks.
    names = ["phi", "future"] if likelihood == "signed" else ["phi", "sigma_level", "future"]
    names += ["break_effect"] if break_year is not None else []
    for i in range(n_sims):
        sim = simulate(likelihood, n, horizon, rng, break_year=break_year)
        seed = int(rng.integers(2**31 - 1))
        fit = spec.fit(sim.series, random_seed=seed, preset=preset)
        forecast = fit.forecast(horizon)
        draws = {name: fit.draws(name) for name in names if name != "future"}
        draws["future"] = forecast.draws
        tally.add(i, {**sim.truth, "future": sim.future}, draws, names, fit.diagnostics)
    return tally.result(f"prior-simulated {likelihood}")


def simulate_pooled(
    k: int, n: int, horizon: int, rng: np.random.Generator, *, priors: ForecastPriors | None = None
) -> tuple[list[YearlySeries], FloatArray, dict[str, npt.ArrayLike]]:
    """Draw the hyperparameters, then ``k`` Poisson-lognormal count series of ``n + horizon`` years.

    Draws whose history has a count below the pooled model's minimum are rejected and redrawn; the
    selection depends on observed data only, so posterior calibration is kept.

    Returns
    -------
    (components, future, truth)
        Histories, future counts of shape ``(k, horizon)``, and the true ``phi`` and ``sigma_level``.
    """
    from borderflows.forecast.bayes.pooled import TAU_SD, pooled_hyperpriors
    from borderflows.forecast.bayes.prepare import LARGE_COUNT

    p = priors or default_priors()
    hyper = pooled_hyperpriors(p)
    while True:
        phi = rng.beta(p.phi_alpha, p.phi_beta)
        coord = {
            name: rng.normal(*hyper[name]) + abs(rng.normal(0.0, TAU_SD)) * rng.standard_normal(k) for name in hyper
        }
        sigma_level = np.exp(0.5 * (coord["var"] - np.logaddexp(0.0, -coord["share"])))
        sigma_obs = np.exp(0.5 * (coord["var"] - np.logaddexp(0.0, coord["share"])))
        sigma_slope = np.exp(coord["slope"])
        total = n + horizon
        level = np.empty((k, total))
        level[:, 0] = START_LEVEL["poisson_lognormal"]
        slope = rng.normal(*p.log.slope0, size=k)
        for t in range(1, total):
            level[:, t] = level[:, t - 1] + phi * slope + sigma_level * rng.standard_normal(k)
            slope = phi * slope + sigma_slope * rng.standard_normal(k)
        rate = np.exp(np.minimum(level + sigma_obs[:, None] * rng.standard_normal((k, total)), 30.0))
        counts = rng.poisson(rate).astype(float)
        if counts[:, :n].min() >= LARGE_COUNT:
            break
    years = 2000 + np.arange(n, dtype=np.int64)
    parts = [
        YearlySeries(name=f"c{i}", years=years, values=counts[i, :n], unit="", kind="count", concept="simulation")
        for i in range(k)
    ]
    return parts, counts[:, n:], {"phi": float(phi), "sigma_level": sigma_level}


def pooled_coverage_study(
    n_sims: int,
    *,
    k: int = 3,
    n: int = 15,
    horizon: int = 3,
    prob: float = DEFAULT_PROB,
    kind: str = DEFAULT_KIND,
    random_seed: int = 0,
    preset: str = "fast",
) -> RecoveryResult:
    """Recovery of :class:`~borderflows.forecast.bayes.pooled.PooledCounts` on series from its own prior.

    Checks ``phi``, each component's ``sigma_level`` and every component's next ``horizon`` counts
    (pooled over components and horizons with a cluster-robust MCSE).
    """
    from borderflows.forecast.bayes.pooled import PooledCounts

    rng = np.random.default_rng(random_seed)
    tally = _Tally(prob=prob, kind=kind, random_seed=random_seed)
    for i in range(n_sims):
        parts, future, truth = simulate_pooled(k, n, horizon, rng)
        fit = PooledCounts().fit(parts, random_seed=int(rng.integers(2**31 - 1)), preset=preset)
        draws = {
            "phi": fit.draws("phi"),
            "sigma_level": fit.draws("sigma_level"),
            "future": np.stack([f.draws for f in fit.forecast(horizon)], axis=1),
        }
        tally.add(i, {**truth, "future": future}, draws, ["phi", "sigma_level", "future"], fit.diagnostics)
    return tally.result(f"prior-simulated pooled counts (k={k})")
