"""PyMC graphs of the Bayesian forecasters: one damped local-linear-trend state, three likelihoods.

Every graph has a fixed length ``T`` (the history rounded up to a bucket) and takes the series
through ``pm.Data`` containers, so one compiled model serves every series of that length bucket and
every leave-future-out refit (ENVIRONMENT.md: compile once, then ``with_data``). Observations enter
through a 0/1 ``mask``: padded and held-out years have mask 0 and their latent states are simply
unconditioned by data, which is exactly the predictive distribution of those years.

The latent state on the model scale ``z`` (log for positive and count series, standardised level for
signed series) follows the damped local linear trend

.. math::

    \\text{slope}_t = \\phi\\,\\text{slope}_{t-1} + \\sigma_s \\zeta_t, \\qquad
    \\text{level}_t = \\text{level}_{t-1} + \\phi\\,\\text{slope}_{t-1} + \\sigma_l \\eta_t.

For the Gaussian likelihoods (``lognormal``, ``signed``) the states are integrated out by the Kalman
filter (:mod:`~borderflows.forecast.bayes.kalman`) so NUTS samples only the scalar parameters; the
signed model's Student-t level innovations enter as a scale mixture of normals. The count model keeps
non-centred latent innovations, written without ``scan``: ``slope = D @ innovations`` with the
lower-triangular damping matrix ``D[t, k] = phi^(t-k)`` and ``level`` a cumulative sum.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from borderflows.forecast.bayes.kalman import kalman_loglik_pt
from borderflows.forecast.bayes.priors import ForecastPriors, ScalePriors

Likelihood = Literal["lognormal", "poisson_lognormal", "negbin", "signed"]
LIKELIHOODS: tuple[str, ...] = ("lognormal", "poisson_lognormal", "negbin", "signed")
GAUSSIAN: tuple[str, ...] = ("lognormal", "poisson_lognormal", "signed")
"""Likelihoods whose states the Kalman filter integrates out."""
BUCKET = 4
"""Latent lengths are rounded up to a multiple of this, so similar-length series share a compile."""

SCALAR_PARAMETERS: dict[str, tuple[str, ...]] = {
    "lognormal": ("phi", "sigma_level", "sigma_slope", "sigma_obs"),
    "poisson_lognormal": ("phi", "sigma_level", "sigma_slope", "sigma_obs"),
    "negbin": ("phi", "sigma_level", "sigma_slope", "cv_obs", "level0", "slope0", "level"),
    "signed": ("phi", "sigma_level", "sigma_slope", "sigma_obs"),
}
"""What the convergence gate checks for each likelihood."""


@dataclass(frozen=True)
class Structure:
    """What determines a compiled graph: likelihood, latent length and whether a break is modelled."""

    likelihood: Likelihood
    length: int
    has_break: bool

    @property
    def parameters(self) -> tuple[str, ...]:
        """Scalar parameters, including the break effect when there is one."""
        return SCALAR_PARAMETERS[self.likelihood] + (("break_effect",) if self.has_break else ())


def graph_key(structure: Structure) -> Structure:
    """The structure whose compiled graph serves ``structure``.

    Log-normal and Poisson-lognormal share a graph (the Poisson variance arrives as data), and the
    Gaussian graphs always carry the break effect, so for them the break switch does not matter.
    """
    if structure.likelihood not in GAUSSIAN:
        return structure
    likelihood: Likelihood = "lognormal" if structure.likelihood == "poisson_lognormal" else structure.likelihood
    return Structure(likelihood, structure.length, True)


def bucket_length(n: int) -> int:
    """Latent length for ``n`` observed years: ``n`` rounded up to a multiple of :data:`BUCKET`."""
    return int(-(-n // BUCKET) * BUCKET)


def damping_matrix(phi: pt.TensorVariable, length: int) -> pt.TensorVariable:
    """Lower-triangular ``D[t, k] = phi ** (t - k)`` for ``k <= t`` and zero above the diagonal."""
    lags = np.subtract.outer(np.arange(length), np.arange(length)).astype("float64")
    lower = np.tril(np.ones((length, length)))
    return pt.switch(lower > 0, phi ** pt.as_tensor_variable(np.maximum(lags, 0.0)), 0.0)


def build_model(structure: Structure, priors: ForecastPriors, data: dict[str, np.ndarray]) -> pm.Model:
    """Build the PyMC model for one structure; ``data`` fills the ``pm.Data`` containers.

    Parameters
    ----------
    structure
        Likelihood, latent length and break switch.
    priors
        Learned hyperparameters (:mod:`borderflows.forecast.bayes.priors`).
    data
        Arrays of length ``structure.length``: ``y`` (model-scale values for ``lognormal`` and
        ``signed``, raw counts for ``negbin``; any finite filler where ``mask`` is 0), ``mask``,
        ``offset`` (log exposure, zero for ``signed``), ``after_break`` (0/1), and the scalar ``z0``
        (model-scale first observation, centres the initial level).

    Returns
    -------
    pymc.Model
        Gaussian likelihoods (``lognormal``, ``signed``) integrate the states out with the Kalman
        filter; ``negbin`` keeps them, with deterministics ``level``, ``slope`` and ``mu``.
    """
    t = structure.length
    scales = priors.for_likelihood(structure.likelihood)
    with pm.Model() as model:
        y = pm.Data("y", data["y"])
        mask = pm.Data("mask", data["mask"])
        offset = pm.Data("offset", data["offset"])
        after_break = pm.Data("after_break", data["after_break"])
        z0 = pm.Data("z0", data["z0"])
        obs_var = pm.Data("obs_var", data["obs_var"])

        phi = pm.Beta("phi", alpha=priors.phi_alpha, beta=priors.phi_beta)
        sigma_slope = pm.LogNormal("sigma_slope", mu=scales.log_sigma_slope[0], sigma=scales.log_sigma_slope[1])
        shift = offset
        if structure.has_break or structure.likelihood in GAUSSIAN:
            # The Gaussian graphs always carry the break effect, so one compile serves series with and
            # without a break: with ``after_break`` all zero it is an independent, prior-only scalar that
            # changes no other parameter's posterior (and is neither gated nor used in forecasts).
            shift = shift + pm.Normal("break_effect", mu=0.0, sigma=priors.break_sd) * after_break

        if structure.likelihood == "negbin":
            sigma_level = pm.LogNormal("sigma_level", mu=scales.log_sigma_level[0], sigma=scales.log_sigma_level[1])
            _latent_negbin(structure, scales, y, mask, shift, z0, phi, sigma_level, sigma_slope)
            return model

        sigma_level, sigma_obs = noise_scales(scales)
        if structure.likelihood == "signed":
            # Student-t level innovations as a scale mixture of normals: variance sigma_level^2 * lam_t
            # with lam_t ~ InvGamma(df/2, df/2). The degrees of freedom are fixed (priors.student_df):
            # with df sampled too, df and the lam_t form a funnel (E-BFMI 0.16 on the BoP series).
            df = priors.student_df
            lam = pm.InverseGamma("lam", alpha=df / 2, beta=df / 2, shape=t)
        else:
            lam = pt.ones(t)
        init = (
            z0,
            pt.as_tensor_variable(np.float64(scales.level0_sd)),
            pt.as_tensor_variable(np.float64(scales.slope0[0])),
            pt.as_tensor_variable(np.float64(scales.slope0[1])),
        )
        loglik = kalman_loglik_pt(y, mask, shift, lam, init, phi, sigma_level, sigma_slope, sigma_obs, obs_var)
        pm.Potential("likelihood", loglik)
    return model


def noise_scales(scales: ScalePriors, shape: int | None = None) -> tuple[pt.TensorVariable, pt.TensorVariable]:
    """``sigma_level`` and ``sigma_obs`` sampled as a total noise variance and the level's share of it.

    On short series the data pin down the one-step-ahead variance ``sigma_level^2 + sigma_obs^2``
    much better than its split: in ``(log sigma_level, log sigma_obs)`` the posterior is an L-shaped
    ridge (either the level or the observation absorbs the noise), which cost NUTS its effective sample
    size (bulk ESS 290-320 of 4,000 draws on Table 3.3's official visits at any seed). NUTS therefore
    moves on ``log_noise_var = log(sigma_level^2 + sigma_obs^2)`` and ``logit_level_share`` (the
    logit of ``sigma_level^2`` over that total). The map to ``(log sigma_level, log sigma_obs)`` has a
    constant Jacobian (1/4), so flat base measures plus the lognormal priors' densities on the log
    scales (``Potential``) give exactly the same posterior as ``LogNormal`` priors on the two
    standard deviations: only the sampler's coordinates change.

    Returns
    -------
    (sigma_level, sigma_obs)
        Deterministics of the model (the gate and the forecasts read them by name).
    """
    kwargs = {} if shape is None else {"shape": shape}
    guess = float(np.logaddexp(2 * scales.log_sigma_level[0], 2 * scales.log_sigma_obs[0]))
    log_var = pm.Flat("log_noise_var", initval=np.full(shape, guess) if shape else guess, **kwargs)
    logit_share = pm.Flat("logit_level_share", **kwargs)
    log_level = 0.5 * (log_var - pt.softplus(-logit_share))
    log_obs = 0.5 * (log_var - pt.softplus(logit_share))
    prior = pm.logp(pm.Normal.dist(*scales.log_sigma_level), log_level) + pm.logp(
        pm.Normal.dist(*scales.log_sigma_obs), log_obs
    )
    pm.Potential("noise_prior", pt.sum(prior))
    return pm.Deterministic("sigma_level", pt.exp(log_level)), pm.Deterministic("sigma_obs", pt.exp(log_obs))


def _latent_negbin(
    structure: Structure,
    scales: ScalePriors,
    y: pt.TensorVariable,
    mask: pt.TensorVariable,
    shift: pt.TensorVariable,
    z0: pt.TensorVariable,
    phi: pt.TensorVariable,
    sigma_level: pt.TensorVariable,
    sigma_slope: pt.TensorVariable,
) -> None:
    """Negative-binomial counts around a latent damped trend (non-centred innovations)."""
    t = structure.length
    level0 = pm.Normal("level0", mu=z0, sigma=scales.level0_sd)
    slope0 = pm.Normal("slope0", mu=scales.slope0[0], sigma=scales.slope0[1])
    eta = pm.Normal("eta", 0.0, 1.0, shape=t - 1)
    zeta = pm.Normal("zeta", 0.0, 1.0, shape=t - 1)
    shocks = pt.concatenate([pt.atleast_1d(slope0), sigma_slope * zeta])
    slope = pm.Deterministic("slope", damping_matrix(phi, t) @ shocks)
    steps = phi * slope[:-1] + sigma_level * eta
    level = pm.Deterministic("level", level0 + pt.concatenate([pt.zeros(1), pt.cumsum(steps)]))
    mu = pm.Deterministic("mu", level + shift)
    cv_obs = pm.LogNormal("cv_obs", mu=scales.log_sigma_obs[0], sigma=scales.log_sigma_obs[1])
    logp = pm.logp(pm.NegativeBinomial.dist(mu=pt.exp(mu), alpha=1.0 / cv_obs**2), y)
    pm.Potential("likelihood", pt.sum(mask * logp))
