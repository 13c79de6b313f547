"""Hierarchical pooling of related count series (e.g. the purposes of one table), with a coherent total.

Each component k has its own damped local linear trend on the log scale and a Poisson-lognormal
observation (the single-series ``poisson_lognormal`` model: Gaussian approximation on ``log(y + 0.5)``
with the known Poisson variance ``1 / (y + 0.5)``, exposure offsets and optional definition breaks), so
the Kalman filter integrates every component's states out and NUTS sees only scalars. The
components share hyperpriors, in the spirit of bayesMig's hierarchical model across countries, on the
coordinates the single-series model samples (:func:`~borderflows.forecast.bayes.structure.noise_scales`):

    log_noise_var[k]     = mu_var   + tau_var   * z_var[k]       (log(sigma_level^2 + sigma_obs^2))
    logit_level_share[k] = mu_share + tau_share * z_share[k]     (logit of sigma_level^2's share)
    log sigma_slope[k]   = mu_slope + tau_slope * z_slope[k]

non-centred, with each ``mu`` centred on the corpus-learned priors re-expressed in these coordinates
(:func:`pooled_hyperpriors`), ``tau ~ HalfNormal(0.5)`` and a shared damping factor. Pooling the noise
split is the point: one component cannot tell level noise from observation noise (the split of
Table 3.3's official visits is bimodal on its own), its siblings can. The total is forecast as the
draw-by-draw sum of the component forecasts, so component and total forecasts are coherent.

The first version kept every latent innovation with a negative-binomial likelihood: with counts in the
thousands that was a funnel (~350 leapfrog steps per draw, ESS below 400 in the fast preset).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import numpy.typing as npt
import pandas as pd
import pymc as pm
import pytensor.tensor as pt
import xarray as xr

from borderflows.config import resolve_run
from borderflows.data.yearly import YearlySeries
from borderflows.diagnostics.gate import Diagnostics, check_convergence, warn_if_not_citable
from borderflows.exceptions import DataValidationError
from borderflows.forecast.bayes import kalman
from borderflows.forecast.bayes.coherent import coherent_total
from borderflows.forecast.bayes.prepare import LARGE_COUNT
from borderflows.forecast.bayes.priors import ForecastPriors, ScalePriors, default_priors
from borderflows.forecast.bayes.structure import bucket_length
from borderflows.forecast.results import Forecast
from borderflows.results.intervals import interval
from borderflows.sampling import CompiledModel, compile_model, flat, resolve_seed, sample_compiled

FloatArray = npt.NDArray[np.float64]
POOLED_MODEL_ID = "bayes-pooled-counts/v2"
TAU_SD = 0.5
"""Half-normal scale of the between-component spread of each pooled coordinate."""
GATED = (
    "phi",
    "mu_var",
    "mu_share",
    "mu_slope",
    "tau_var",
    "tau_share",
    "tau_slope",
    "sigma_level",
    "sigma_slope",
    "sigma_obs",
    "break_effect",
)
HYPER_DRAWS = 200_000
"""Monte Carlo draws used to re-express the corpus priors in the pooled coordinates (seeded, fixed)."""


@cache
def _hyper(scales: ScalePriors) -> dict[str, tuple[float, float]]:
    rng = np.random.default_rng(20261122)
    log_level = rng.normal(*scales.log_sigma_level, HYPER_DRAWS)
    log_obs = rng.normal(*scales.log_sigma_obs, HYPER_DRAWS)
    log_var = np.logaddexp(2 * log_level, 2 * log_obs)
    share = 2 * (log_level - log_obs)
    return {
        "var": (float(log_var.mean()), float(log_var.std())),
        "share": (float(share.mean()), float(share.std())),
        "slope": scales.log_sigma_slope,
    }


def pooled_hyperpriors(priors: ForecastPriors) -> dict[str, tuple[float, float]]:
    """Normal ``(mean, sd)`` of each ``mu``: the corpus priors' moments in the pooled coordinates.

    The single-series priors are independent lognormals on ``sigma_level`` and ``sigma_obs``; their
    images ``log(sigma_level^2 + sigma_obs^2)`` and ``2 (log sigma_level - log sigma_obs)`` are
    summarised by mean and sd over a fixed-seed Monte Carlo sample (:data:`HYPER_DRAWS`).
    """
    return _hyper(priors.log)


def _build(k: int, t: int, priors: ForecastPriors, data: dict[str, np.ndarray]) -> pm.Model:
    scales = priors.log
    hyper = pooled_hyperpriors(priors)
    with pm.Model() as model:
        # Arrays are time-major (T, K): the Kalman scan runs over time with a vector state per component.
        y = pm.Data("y", data["y"])
        mask = pm.Data("mask", data["mask"])
        offset = pm.Data("offset", data["offset"])
        after_break = pm.Data("after_break", data["after_break"])
        obs_var = pm.Data("obs_var", data["obs_var"])
        z0 = pm.Data("z0", data["z0"])

        phi = pm.Beta("phi", alpha=priors.phi_alpha, beta=priors.phi_beta)

        def pooled(name: str) -> pt.TensorVariable:
            mu = pm.Normal(f"mu_{name}", mu=hyper[name][0], sigma=hyper[name][1])
            tau = pm.HalfNormal(f"tau_{name}", sigma=TAU_SD)
            z = pm.Normal(f"z_{name}", 0.0, 1.0, shape=k)
            return mu + tau * z

        log_var, share = pooled("var"), pooled("share")
        sigma_level = pm.Deterministic("sigma_level", pt.exp(0.5 * (log_var - pt.softplus(-share))))
        sigma_obs = pm.Deterministic("sigma_obs", pt.exp(0.5 * (log_var - pt.softplus(share))))
        sigma_slope = pm.Deterministic("sigma_slope", pt.exp(pooled("slope")))
        effect = pm.Normal("break_effect", mu=0.0, sigma=priors.break_sd, shape=k)
        ones = pt.ones(k)
        init = (z0, ones * scales.level0_sd, ones * scales.slope0[0], ones * scales.slope0[1])
        shift = offset + effect[None, :] * after_break
        loglik = kalman.kalman_loglik_pt(
            y, mask, shift, pt.ones_like(y), init, phi, sigma_level, sigma_slope, sigma_obs, obs_var
        )
        pm.Potential("likelihood", loglik)
    return model


def _compiled(k: int, t: int, priors: ForecastPriors) -> CompiledModel:
    names = ("y", "offset", "after_break", "obs_var")
    placeholder: dict[str, np.ndarray] = {n: np.zeros((t, k)) for n in names}
    placeholder["mask"] = np.ones((t, k))
    placeholder["z0"] = np.zeros(k)
    key = ("pooled", k, t, repr(priors.to_dict()))
    compiled, _ = compile_model(lambda: _build(k, t, priors, placeholder), key, freeze_model=False)
    return compiled


def _layout(
    components: Sequence[YearlySeries], first: int, t: int, break_years: dict[str, int]
) -> dict[str, FloatArray]:
    """Time-major (T, K) arrays of the pooled graph: ``log(y + 0.5)``, its Poisson variance, offsets, breaks."""
    k = len(components)
    data: dict[str, FloatArray] = {n: np.zeros((t, k)) for n in ("y", "mask", "offset", "after_break", "obs_var")}
    data["z0"] = np.zeros(k)
    for i, s in enumerate(components):
        pos = (s.years - first).astype(int)
        data["y"][pos, i] = np.log(s.values + 0.5)
        data["obs_var"][pos, i] = 1.0 / (s.values + 0.5)
        data["mask"][pos, i] = 1.0
        data["offset"][pos, i] = np.log(s.exposure)
        data["z0"][i] = data["y"][pos[0], i] - data["offset"][pos[0], i]
        year = break_years.get(s.name)
        if year is not None:
            data["after_break"][(first + np.arange(t)) >= year, i] = 1.0
    return data


@dataclass(frozen=True)
class PooledCounts:
    """Count series that share hyperpriors, e.g. the purposes of one table.

    Parameters
    ----------
    break_years
        Component name -> first year under a new definition (a level shift for that component).
    priors
        Hyperparameters; None uses the learned defaults.
    """

    break_years: dict[str, int] = field(default_factory=dict)
    priors: ForecastPriors | None = None

    @property
    def name(self) -> str:
        """Model name recorded on forecasts."""
        return "PooledCounts"

    def fit(
        self, components: Sequence[YearlySeries], *, random_seed: int | None = None, preset: str = "fast"
    ) -> PooledFit:
        """Sample the joint posterior of all components and run the convergence gate."""
        run = resolve_run(preset)
        if len(components) < 2:
            raise DataValidationError("pooling needs at least two series", fix="pass the components of one table")
        for s in components:
            bad = (s.values < 0) | (s.values != np.floor(s.values))
            if s.kind != "count" or bad.any():
                raise DataValidationError(
                    f"{s.name}: pooled count model needs count series of whole numbers",
                    column="value",
                    rows=[int(y) for y in s.years[bad][:5]],
                    fix="pool only series of kind 'count'",
                )
            small = s.values < LARGE_COUNT
            if small.any():
                raise DataValidationError(
                    f"{s.name}: the pooled model approximates counts on the log scale and needs counts of at least "
                    f"{LARGE_COUNT:.0f}",
                    column="value",
                    rows=[int(y) for y in s.years[small][:5]],
                    fix="fit small counts one by one with DampedTrend(likelihood='negbin')",
                )
        seed = resolve_seed(random_seed)
        priors = self.priors or default_priors()
        first = int(min(s.years[0] for s in components))
        last = int(max(s.years[-1] for s in components))
        k, t = len(components), bucket_length(last - first + 1)
        data = _layout(components, first, t, self.break_years)
        trace = sample_compiled(_compiled(k, t, priors), run, seed, data=data)
        diagnostics = check_convergence(trace, var_names=list(GATED))
        warn_if_not_citable(diagnostics, "pooled fit of " + ", ".join(s.name for s in components))
        return PooledFit(self, tuple(components), trace, diagnostics, seed, preset, first)


@dataclass(frozen=True)
class PooledFit:
    """Joint posterior of pooled count series."""

    spec: PooledCounts
    components: tuple[YearlySeries, ...]
    trace: xr.DataTree = field(repr=False)
    diagnostics: Diagnostics
    random_seed: int
    preset: str
    first_year: int

    @property
    def citable(self) -> bool:
        """True when the convergence gate passed."""
        return self.diagnostics.ok

    def draws(self, name: str) -> FloatArray:
        """Posterior draws, chains and draws flattened into the first axis."""
        return flat(self.trace, name)

    def forecast(self, horizon: int, *, random_seed: int | None = None) -> list[Forecast]:
        """One :class:`Forecast` per component (full-year exposure), in input order.

        For each posterior draw the component's state at its last observed year is drawn from the
        Kalman filter, carried forward with that draw's damping and innovation scales, and observed as
        Poisson-lognormal counts (log-normal overdispersion ``sigma_obs``, then Poisson).
        """
        rng = np.random.default_rng(self.random_seed if random_seed is None else random_seed)
        priors = self.spec.priors or default_priors()
        scales = priors.log
        phi = self.draws("phi")
        sigma_level, sigma_slope, sigma_obs = (self.draws(n) for n in ("sigma_level", "sigma_slope", "sigma_obs"))
        effect = self.draws("break_effect")
        n = phi.shape[0]
        t = bucket_length(int(max(s.years[-1] for s in self.components)) - self.first_year + 1)
        data = _layout(self.components, self.first_year, t, self.spec.break_years)
        out = []
        for i, s in enumerate(self.components):
            start = int(s.years[-1] - self.first_year)
            shift = data["offset"][None, :, i] + effect[:, i, None] * data["after_break"][None, :, i]
            init = tuple(np.asarray(v) for v in (data["z0"][i], scales.level0_sd, *scales.slope0))
            filtered = kalman.kalman_filter_np(
                data["y"][:, i],
                data["mask"][:, i],
                shift,
                np.ones((n, t)),
                init,  # type: ignore[arg-type]
                phi,
                sigma_level[:, i],
                sigma_slope[:, i],
                sigma_obs[:, i],
                start,
                data["obs_var"][:, i],
            )
            level, slope = kalman.draw_state(filtered, rng)
            has_break = s.name in self.spec.break_years
            paths = np.empty((n, horizon))
            for h in range(horizon):
                level = level + phi * slope + sigma_level[:, i] * rng.standard_normal(n)
                slope = phi * slope + sigma_slope[:, i] * rng.standard_normal(n)
                paths[:, h] = level + (effect[:, i] if has_break else 0.0)
            rate = np.exp(paths + sigma_obs[:, i, None] * rng.standard_normal(paths.shape))
            out.append(
                Forecast(
                    series=s,
                    model=self.spec.name,
                    years=s.years[-1] + np.arange(1, horizon + 1, dtype=np.int64),
                    draws=rng.poisson(rate).astype(float),
                    random_seed=self.random_seed if random_seed is None else random_seed,
                    diagnostics=self.diagnostics,
                    notes=(f"pooled with {len(self.components) - 1} related series (shared hyperpriors)",),
                )
            )
        return out

    def total(self, horizon: int, name: str, *, random_seed: int | None = None) -> Forecast:
        """The total as the draw-by-draw sum of the component forecasts (coherent by construction)."""
        return coherent_total(self.forecast(horizon, random_seed=random_seed), name)


def pooled_parameters(fit: PooledFit, probs: Sequence[float], kind: str) -> pd.DataFrame:
    """Tidy intervals of the shared and per-component parameters (``series`` names the component)."""
    rows = []
    shared = ("phi", "mu_var", "tau_var", "mu_share", "tau_share", "mu_slope", "tau_slope")
    per_component = ["sigma_level", "sigma_slope", "sigma_obs", *(["break_effect"] if fit.spec.break_years else [])]
    for prob in probs:
        for name in shared:
            rows.append(_row("pooled: " + ", ".join(s.name for s in fit.components), name, fit.draws(name), prob, kind))
        for i, s in enumerate(fit.components):
            for name in per_component:
                if name == "break_effect" and s.name not in fit.spec.break_years:
                    continue
                rows.append(_row(s.name, name, fit.draws(name)[:, i], prob, kind))
    table = pd.DataFrame(rows)
    table["citable"] = fit.citable
    return table


def _row(series: str, name: str, values: FloatArray, prob: float, kind: str) -> dict[str, object]:
    lower, upper = interval(values[:, None], prob, kind)
    return {
        "series": series,
        "parameter": name,
        "estimate": float(np.median(values)),
        "lower": float(lower[0]),
        "upper": float(upper[0]),
        "prob": prob,
        "kind": kind,
    }
