"""Hierarchical pooling of related count series (e.g. the purposes of one table), with a coherent total.

Each component k has its own damped local linear trend on the log scale and a negative-binomial
likelihood with exposure offsets and optional definition breaks, as in the single-series count model;
the components share hyperpriors, in the spirit of bayesMig's hierarchical model across countries:

    log sigma_level[k] = mu_level + tau_level * z_level[k]      (non-centred)
    log sigma_slope[k] = mu_slope + tau_slope * z_slope[k]
    log cv[k]          = mu_cv    + tau_cv    * z_cv[k]

with ``mu`` centred on the corpus-learned priors and ``tau ~ HalfNormal(0.5)``; the damping factor is
shared. A short or noisy component borrows strength from its siblings. The total is forecast as the
draw-by-draw sum of the component forecasts, so component and total forecasts are coherent.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import nutpie
import pandas as pd
import pymc as pm
import pytensor.tensor as pt
import xarray as xr

from borderflows.config import CHAINS, CORES
from borderflows.config import preset as get_preset
from borderflows.data.yearly import YearlySeries
from borderflows.diagnostics.gate import Diagnostics, check_convergence
from borderflows.exceptions import ConvergenceWarning, DataValidationError
from borderflows.forecast.bayes.coherent import coherent_total
from borderflows.forecast.bayes.engine import stacked
from borderflows.forecast.bayes.priors import ForecastPriors, default_priors
from borderflows.forecast.bayes.structure import bucket_length, damping_matrix
from borderflows.forecast.results import Forecast
from borderflows.progress import sampler_progress_bar
from borderflows.results.intervals import interval
from borderflows.sampling import resolve_seed

FloatArray = npt.NDArray[np.float64]
POOLED_MODEL_ID = "bayes-pooled-counts/v1"
TAU_SD = 0.5
"""Half-normal scale of the between-component spread of each log standard deviation."""
GATED = ("phi", "mu_level", "mu_slope", "mu_cv", "tau_level", "tau_slope", "tau_cv", "sigma_level", "cv_obs", "level")

_CACHE: dict[tuple[int, int, str], Any] = {}
_LOCK = threading.Lock()


def _build(k: int, t: int, priors: ForecastPriors, data: dict[str, np.ndarray]) -> pm.Model:
    scales = priors.log
    with pm.Model() as model:
        y = pm.Data("y", data["y"])
        mask = pm.Data("mask", data["mask"])
        offset = pm.Data("offset", data["offset"])
        after_break = pm.Data("after_break", data["after_break"])
        z0 = pm.Data("z0", data["z0"])

        phi = pm.Beta("phi", alpha=priors.phi_alpha, beta=priors.phi_beta)

        def pooled_sd(name: str, prior: tuple[float, float]) -> pt.TensorVariable:
            mu = pm.Normal(f"mu_{name}", mu=prior[0], sigma=prior[1])
            tau = pm.HalfNormal(f"tau_{name}", sigma=TAU_SD)
            z = pm.Normal(f"z_{name}", 0.0, 1.0, shape=k)
            return pt.exp(mu + tau * z)

        sigma_level = pm.Deterministic("sigma_level", pooled_sd("level", scales.log_sigma_level))
        sigma_slope = pm.Deterministic("sigma_slope", pooled_sd("slope", scales.log_sigma_slope))
        cv_obs = pm.Deterministic("cv_obs", pooled_sd("cv", scales.log_sigma_obs))
        level0 = pm.Normal("level0", mu=z0, sigma=scales.level0_sd, shape=k)
        slope0 = pm.Normal("slope0", mu=scales.slope0[0], sigma=scales.slope0[1], shape=k)
        eta = pm.Normal("eta", 0.0, 1.0, shape=(k, t - 1))
        zeta = pm.Normal("zeta", 0.0, 1.0, shape=(k, t - 1))
        shocks = pt.concatenate([slope0[:, None], sigma_slope[:, None] * zeta], axis=1)
        slope = pm.Deterministic("slope", shocks @ damping_matrix(phi, t).T)
        steps = phi * slope[:, :-1] + sigma_level[:, None] * eta
        level = pm.Deterministic(
            "level", level0[:, None] + pt.concatenate([pt.zeros((k, 1)), pt.cumsum(steps, axis=1)], axis=1)
        )
        effect = pm.Normal("break_effect", mu=0.0, sigma=priors.break_sd, shape=k)
        mu = pm.Deterministic("mu", level + offset + effect[:, None] * after_break)
        alpha = 1.0 / cv_obs[:, None] ** 2
        logp = pm.logp(pm.NegativeBinomial.dist(mu=pt.exp(mu), alpha=alpha), y)
        pm.Potential("likelihood", pt.sum(mask * logp))
    return model


def _compiled(k: int, t: int, priors: ForecastPriors) -> Any:
    key = (k, t, repr(priors.to_dict()))
    with _LOCK:
        if key not in _CACHE:
            placeholder = {
                "y": np.zeros((k, t)),
                "mask": np.ones((k, t)),
                "offset": np.zeros((k, t)),
                "after_break": np.zeros((k, t)),
                "z0": np.zeros(k),
            }
            _CACHE[key] = nutpie.compile_pymc_model(_build(k, t, priors, placeholder), freeze_model=False)
        return _CACHE[key]


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
        seed = resolve_seed(random_seed)
        priors = self.priors or default_priors()
        first = int(min(s.years[0] for s in components))
        last = int(max(s.years[-1] for s in components))
        k, t = len(components), bucket_length(last - first + 1)
        data: dict[str, FloatArray] = {name: np.zeros((k, t)) for name in ("y", "mask", "offset", "after_break")}
        data["z0"] = np.zeros(k)
        for i, s in enumerate(components):
            pos = (s.years - first).astype(int)
            data["y"][i, pos] = s.values
            data["mask"][i, pos] = 1.0
            data["offset"][i, pos] = np.log(s.exposure)
            data["z0"][i] = np.log(max(s.values[0], 1.0) / s.exposure[0])
            year = self.break_years.get(s.name)
            if year is not None:
                data["after_break"][i, (first + np.arange(t)) >= year] = 1.0
        compiled = _compiled(k, t, priors).with_data(**data)
        chosen = get_preset(preset)
        trace: xr.DataTree = nutpie.sample(
            compiled,
            draws=chosen.draws,
            tune=chosen.tune,
            chains=CHAINS,
            cores=CORES,
            seed=seed,
            progress_bar=sampler_progress_bar(),  # only when `borderflows report` runs on a terminal
            target_accept=chosen.target_accept,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # re-issued below with the table's name
            diagnostics = check_convergence(trace, var_names=list(GATED), warn=False)
        if not diagnostics.ok:
            warnings.warn(f"pooled fit: posterior is {diagnostics.verdict}", ConvergenceWarning, stacklevel=2)
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
        return stacked(self.trace, name)

    def forecast(self, horizon: int, *, random_seed: int | None = None) -> list[Forecast]:
        """One :class:`Forecast` per component (full-year exposure), in input order."""
        rng = np.random.default_rng(self.random_seed if random_seed is None else random_seed)
        phi = self.draws("phi")
        sigma_level, sigma_slope, cv = self.draws("sigma_level"), self.draws("sigma_slope"), self.draws("cv_obs")
        effect = self.draws("break_effect")
        level_all, slope_all = self.draws("level"), self.draws("slope")
        n = phi.shape[0]
        out = []
        for i, s in enumerate(self.components):
            start = int(s.years[-1] - self.first_year)
            level, slope = level_all[:, i, start], slope_all[:, i, start]
            has_break = s.name in self.spec.break_years
            paths = np.empty((n, horizon))
            for h in range(horizon):
                level = level + phi * slope + sigma_level[:, i] * rng.standard_normal(n)
                slope = phi * slope + sigma_slope[:, i] * rng.standard_normal(n)
                paths[:, h] = level + (effect[:, i] if has_break else 0.0)
            alpha = 1.0 / cv[:, i, None] ** 2
            draws = rng.poisson(rng.gamma(alpha, np.exp(paths) / alpha)).astype(float)
            out.append(
                Forecast(
                    series=s,
                    model=self.spec.name,
                    years=s.years[-1] + np.arange(1, horizon + 1, dtype=np.int64),
                    draws=draws,
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
    shared = ("phi", "mu_level", "tau_level", "mu_cv", "tau_cv")
    per_component = ["sigma_level", "cv_obs", *(["break_effect"] if fit.spec.break_years else [])]
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
