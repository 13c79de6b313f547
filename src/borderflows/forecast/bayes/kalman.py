"""Kalman filter of the damped local linear trend, in PyTensor (for the model) and NumPy (afterwards).

For Gaussian observations the latent level and slope can be integrated out exactly, so NUTS only
sees the handful of scalar parameters: no funnel between the observation noise and thousands of
latent innovations (a smooth series drives the noise towards zero, which made the latent-state
form of this model diverge). Both implementations run the same recursion:

* update with the observation at ``t`` when ``mask[t] == 1`` (padded and held-out years skip it);
* predict ``level += phi * slope``, ``slope *= phi``, adding the innovation variances
  ``sigma_level**2 * lam[t]`` and ``sigma_slope**2`` (``lam`` = 1 for Gaussian innovations, inverse-gamma
  mixing weights for Student-t level innovations).

The NumPy filter is vectorised over posterior draws; it returns the one-step-ahead log predictive
densities (the pointwise log-likelihood leave-future-out CV needs) and the filtered state at the end.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pytensor
import pytensor.tensor as pt

FloatArray = npt.NDArray[np.float64]
LOG_2PI = float(np.log(2 * np.pi))


def kalman_loglik_pt(
    y: pt.TensorVariable,
    mask: pt.TensorVariable,
    shift: pt.TensorVariable,
    lam: pt.TensorVariable,
    init: tuple[pt.TensorVariable, pt.TensorVariable, pt.TensorVariable, pt.TensorVariable],
    phi: pt.TensorVariable,
    sigma_level: pt.TensorVariable,
    sigma_slope: pt.TensorVariable,
    sigma_obs: pt.TensorVariable,
    obs_var: pt.TensorVariable,
) -> pt.TensorVariable:
    """Total log-likelihood of the masked observations (a PyTensor scalar).

    Parameters
    ----------
    y, mask, shift
        Model-scale observations, 0/1 mask and a known additive shift of the observation mean
        (exposure offset plus break effect), all of length T.
    lam
        Multiplier of the level innovation variance per step, length T.
    init
        ``(level mean, level sd, slope mean, slope sd)`` of the initial state.
    phi, sigma_level, sigma_slope, sigma_obs
        Damping and standard deviations.
    obs_var
        Known extra observation variance per step, length T (zero except for counts, where it is the
        Poisson part ``1 / (y + 0.5)`` of the variance of ``log(y + 0.5)``).
    """
    so2, sl2, ss2 = sigma_obs**2, sigma_level**2, sigma_slope**2

    def step(y_t, m_t, s_t, lam_t, r_t, a0, a1, p00, p01, p11, phi, so2, sl2, ss2):
        f = p00 + so2 + r_t
        v = y_t - a0 - s_t
        ll = m_t * (-0.5 * (LOG_2PI + pt.log(f) + v * v / f))
        k0, k1 = m_t * p00 / f, m_t * p01 / f
        a0, a1 = a0 + k0 * v, a1 + k1 * v
        p00, p01, p11 = p00 - k0 * p00, p01 - k0 * p01, p11 - k1 * p01
        a0n = a0 + phi * a1
        a1n = phi * a1
        p00n = p00 + 2 * phi * p01 + phi**2 * p11 + sl2 * lam_t
        p01n = phi * p01 + phi**2 * p11
        p11n = phi**2 * p11 + ss2
        return a0n, a1n, p00n, p01n, p11n, ll

    level_mean, level_sd, slope_mean, slope_sd = init
    zero = pt.zeros_like(level_mean)
    outputs = pytensor.scan(
        step,
        sequences=[y, mask, shift, lam, obs_var],
        outputs_info=[level_mean, slope_mean, level_sd**2, zero, slope_sd**2, None],
        non_sequences=[phi, so2, sl2, ss2],  # explicit, so PyMC can swap random variables for values
        return_updates=False,
    )
    return pt.sum(outputs[-1])


@dataclass(frozen=True)
class FilterOutput:
    """Result of the NumPy filter for S parameter draws.

    Attributes
    ----------
    loglik
        One-step-ahead log predictive density of each observed position, shape (S, T) (0 where masked).
    level_mean, slope_mean, p00, p01, p11
        Filtered state after the update at ``stop`` (mean and covariance), each of shape (S,).
    """

    loglik: FloatArray
    level_mean: FloatArray
    slope_mean: FloatArray
    p00: FloatArray
    p01: FloatArray
    p11: FloatArray


def kalman_filter_np(
    y: FloatArray,
    mask: FloatArray,
    shift: FloatArray,
    lam: FloatArray,
    init: tuple[FloatArray, FloatArray, FloatArray, FloatArray],
    phi: FloatArray,
    sigma_level: FloatArray,
    sigma_slope: FloatArray,
    sigma_obs: FloatArray,
    stop: int,
    obs_var: FloatArray | None = None,
) -> FilterOutput:
    """Run the filter over positions ``0..stop`` for S draws at once.

    ``y``, ``mask`` and ``obs_var`` (known extra observation variance, default zero) have shape (T,);
    ``shift`` and ``lam`` shape (S, T); parameters shape (S,). The returned state is the filtered
    state at ``stop`` (after its update, before predicting).
    """
    so2, sl2, ss2 = sigma_obs**2, sigma_level**2, sigma_slope**2
    a0, level_sd, a1, slope_sd = (np.asarray(v, dtype=float) for v in init)
    n = phi.shape[0]
    a0, a1 = np.broadcast_to(a0, (n,)).copy(), np.broadcast_to(a1, (n,)).copy()
    p00 = np.broadcast_to(level_sd**2, (n,)).copy()
    p11 = np.broadcast_to(slope_sd**2, (n,)).copy()
    p01 = np.zeros(n)
    loglik = np.zeros((n, y.size))
    extra = np.zeros(y.size) if obs_var is None else np.asarray(obs_var, dtype=float)
    for t in range(stop + 1):
        f = p00 + so2 + extra[t]
        v = y[t] - a0 - shift[:, t]
        if mask[t] > 0:
            loglik[:, t] = -0.5 * (LOG_2PI + np.log(f) + v * v / f)
            k0, k1 = p00 / f, p01 / f
            a0, a1 = a0 + k0 * v, a1 + k1 * v
            p00, p01, p11 = p00 - k0 * p00, p01 - k0 * p01, p11 - k1 * p01
        if t == stop:
            break
        a0, a1 = a0 + phi * a1, phi * a1
        p00, p01, p11 = (
            p00 + 2 * phi * p01 + phi**2 * p11 + sl2 * lam[:, t],
            phi * p01 + phi**2 * p11,
            phi**2 * p11 + ss2,
        )
    return FilterOutput(loglik, a0, a1, p00, p01, p11)


def draw_state(output: FilterOutput, rng: np.random.Generator) -> tuple[FloatArray, FloatArray]:
    """One draw of (level, slope) per parameter draw from the filtered Gaussian state."""
    n = output.level_mean.shape[0]
    p00 = np.maximum(output.p00, 0.0)
    sd0 = np.sqrt(p00)
    safe = np.where(sd0 > 0, sd0, 1.0)
    beta = np.where(sd0 > 0, output.p01 / safe**2, 0.0)
    cond_var = np.maximum(output.p11 - beta * output.p01, 0.0)
    level = output.level_mean + sd0 * rng.standard_normal(n)
    slope = output.slope_mean + beta * (level - output.level_mean) + np.sqrt(cond_var) * rng.standard_normal(n)
    return level, slope
