"""Log-density at known parameters, checked before any sampling (STYLE.md: model before optimiser).

The Kalman filter's likelihood of the damped local linear trend must equal the exact multivariate
normal density of the observations, which we build independently: every observation is a linear
function of the initial state and the innovations, so ``y ~ N(A m, A S A' + sigma_obs^2 I)``.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from borderflows.forecast.bayes.kalman import kalman_filter_np
from borderflows.forecast.bayes.priors import default_priors
from borderflows.forecast.bayes.structure import Structure, build_model, graph_key

PHI, SIGMA_LEVEL, SIGMA_SLOPE, SIGMA_OBS = 0.85, 0.07, 0.02, 0.03
QUICK = "FAST_COMPILE"
"""Python-linker mode for one-off log-density evaluations: a cold numba compile of these graphs costs ~1 min."""


def exact_loglik(
    y: np.ndarray, mask: np.ndarray, init: tuple[float, float, float, float], obs_var: np.ndarray | None = None
) -> float:
    """Multivariate normal log-density of the observed entries of ``y`` under the damped trend."""
    t = y.size
    # Latent vector u = (level0, slope0, eta_1..eta_{t-1}, zeta_1..zeta_{t-1}) with independent normals.
    k = 2 + 2 * (t - 1)
    level_map, slope_map = np.zeros((t, k)), np.zeros((t, k))
    level_map[0, 0], slope_map[0, 1] = 1.0, 1.0
    for i in range(1, t):
        level_map[i] = level_map[i - 1] + PHI * slope_map[i - 1]
        level_map[i, 2 + i - 1] += SIGMA_LEVEL
        slope_map[i] = PHI * slope_map[i - 1]
        slope_map[i, 2 + (t - 1) + i - 1] += SIGMA_SLOPE
    mean_u = np.zeros(k)
    sd_u = np.ones(k)
    mean_u[0], sd_u[0], mean_u[1], sd_u[1] = init
    mean = level_map @ mean_u
    extra = np.zeros(t) if obs_var is None else obs_var
    cov = level_map @ np.diag(sd_u**2) @ level_map.T + np.diag(SIGMA_OBS**2 + extra)
    keep = mask > 0
    return float(stats.multivariate_normal(mean[keep], cov[np.ix_(keep, keep)]).logpdf(y[keep]))


def test_numpy_filter_matches_exact_density(rng: np.random.Generator) -> None:
    y = np.cumsum(rng.normal(0.05, 0.1, 12)) + 3.0
    mask = np.ones(12)
    mask[[4, 10, 11]] = 0.0  # a gap and two padded years
    init = (3.0, 0.5, 0.04, 0.05)
    one = np.ones(1)
    out = kalman_filter_np(
        y,
        mask,
        np.zeros((1, 12)),
        np.ones((1, 12)),
        tuple(np.asarray(v) for v in init),  # type: ignore[arg-type]
        PHI * one,
        SIGMA_LEVEL * one,
        SIGMA_SLOPE * one,
        SIGMA_OBS * one,
        stop=11,
    )
    assert out.loglik.sum() == pytest.approx(exact_loglik(y, mask, init), rel=1e-9)


def test_numpy_filter_with_poisson_variance_matches_exact_density(rng: np.random.Generator) -> None:
    """Counts: the known Poisson variance 1 / (y + 0.5) of log(y + 0.5) adds to the diagonal."""
    counts = rng.poisson(np.exp(np.cumsum(rng.normal(0.05, 0.1, 10)) + 4.0)).astype(float)
    y, obs_var = np.log(counts + 0.5), 1.0 / (counts + 0.5)
    mask = np.ones(10)
    mask[6] = 0.0
    init = (float(y[0]), 0.5, 0.04, 0.05)
    one = np.ones(1)
    args = (y, mask, np.zeros((1, 10)), np.ones((1, 10)), tuple(np.asarray(v) for v in init))
    params = (PHI * one, SIGMA_LEVEL * one, SIGMA_SLOPE * one, SIGMA_OBS * one)
    out = kalman_filter_np(*args, *params, stop=9, obs_var=obs_var)  # type: ignore[arg-type]
    assert out.loglik.sum() == pytest.approx(exact_loglik(y, mask, init, obs_var), rel=1e-9)
    without = kalman_filter_np(*args, *params, stop=9)  # type: ignore[arg-type]
    assert abs(without.loglik.sum() - out.loglik.sum()) > 0.1  # the variance is not silently dropped


@pytest.mark.parametrize("likelihood", ["lognormal", "poisson_lognormal"])
def test_pymc_model_logp_is_prior_plus_exact_likelihood(rng: np.random.Generator, likelihood: str) -> None:
    """The model samples (log total noise variance, logit of the level's share): same posterior, new coordinates.

    With ``jacobian=False`` the model's log-density at a point is the prior density of
    ``(log sigma_level, log sigma_obs)`` (normal: the lognormal priors on the log scale), the
    lognormal density of ``sigma_slope``, the Beta density of ``phi`` and the exact likelihood. The
    map from the sampled coordinates to ``(log sigma_level, log sigma_obs)`` has constant Jacobian, so
    no further term is needed for the posterior to be the one with lognormal priors on both sds.
    """
    priors = default_priors()
    scales = priors.log
    y = np.cumsum(rng.normal(0.05, 0.1, 8)) + 3.0
    obs_var = np.full(8, 0.002) if likelihood == "poisson_lognormal" else np.zeros(8)
    mask = np.array([1, 1, 1, 0, 1, 1, 1, 1], dtype=float)
    data = {
        "y": y,
        "mask": mask,
        "offset": np.zeros(8),
        "after_break": np.zeros(8),
        "z0": np.array(y[0]),
        "obs_var": obs_var,
    }
    model = build_model(Structure(likelihood, 8, False), priors, data)  # type: ignore[arg-type]
    log_var = np.log(SIGMA_LEVEL**2 + SIGMA_OBS**2)
    point = {
        "phi_logodds__": np.log(PHI / (1 - PHI)),
        "log_noise_var": log_var,
        "logit_level_share": np.log(SIGMA_LEVEL**2 / SIGMA_OBS**2),
        "sigma_slope_log__": np.log(SIGMA_SLOPE),
        "break_effect": 0.4,  # in every Gaussian graph; prior-only here (no year after a break)
    }
    total = model.compile_logp(jacobian=False, mode=QUICK)(point)
    fn = model.compile_fn(
        model.replace_rvs_by_values([model["sigma_obs"]])[0],
        inputs=model.value_vars,
        on_unused_input="ignore",
        mode=QUICK,
    )
    sigma_obs = fn(point)
    assert sigma_obs == pytest.approx(SIGMA_OBS, rel=1e-12)
    prior = (
        stats.beta(priors.phi_alpha, priors.phi_beta).logpdf(PHI)
        + stats.norm(*scales.log_sigma_level).logpdf(np.log(SIGMA_LEVEL))
        + stats.lognorm(scales.log_sigma_slope[1], scale=np.exp(scales.log_sigma_slope[0])).logpdf(SIGMA_SLOPE)
        + stats.norm(*scales.log_sigma_obs).logpdf(np.log(SIGMA_OBS))
        + stats.norm(0.0, priors.break_sd).logpdf(0.4)
    )
    init = (float(y[0]), scales.level0_sd, scales.slope0[0], scales.slope0[1])
    assert total == pytest.approx(prior + exact_loglik(y, mask, init, obs_var), rel=1e-8)


def test_negbin_model_logp_at_known_state() -> None:
    """The count likelihood is the negative binomial with log-mean level + log(exposure) + break.

    The latent path is recomputed here from the innovations by the plain recursion (no damping
    matrix), and the likelihood is the model's total log-density minus that of its free variables.
    """
    priors = default_priors()
    t = 4
    counts = np.array([1000.0, 1200.0, 1500.0, 900.0])
    offset = np.log(np.array([1.0, 1.0, 1.0, 0.75]))
    after_break = np.array([0.0, 0.0, 1.0, 1.0])
    data = {
        "y": counts,
        "mask": np.ones(t),
        "offset": offset,
        "after_break": after_break,
        "z0": np.array(np.log(1000)),
        "obs_var": np.zeros(t),
    }
    model = build_model(Structure("negbin", t, True), priors, data)
    eta, zeta = np.array([0.5, -0.3, 0.2]), np.array([0.1, 0.0, -0.4])
    level0, slope0, effect, cv = np.log(1000.0), 0.05, 0.3, 0.1
    point = {
        "phi_logodds__": np.log(PHI / (1 - PHI)),
        "sigma_level_log__": np.log(SIGMA_LEVEL),
        "sigma_slope_log__": np.log(SIGMA_SLOPE),
        "break_effect": effect,
        "level0": level0,
        "slope0": slope0,
        "eta": eta,
        "zeta": zeta,
        "cv_obs_log__": np.log(cv),
    }
    total = model.compile_logp(jacobian=False, mode=QUICK)(point)
    free = model.compile_logp(vars=model.free_RVs, jacobian=False, mode=QUICK)(point)

    level, slope = [level0], slope0
    for i in range(t - 1):
        level.append(level[-1] + PHI * slope + SIGMA_LEVEL * eta[i])
        slope = PHI * slope + SIGMA_SLOPE * zeta[i]
    mean = np.exp(np.array(level) + offset + effect * after_break)
    alpha = 1 / cv**2
    expected = stats.nbinom.logpmf(counts, alpha, alpha / (alpha + mean)).sum()
    assert total - free == pytest.approx(expected, rel=1e-9)


def test_gaussian_graphs_are_shared() -> None:
    """One compile serves log-normal and Poisson-lognormal series, with or without a break (CI time)."""
    shared = {graph_key(Structure(lik, 16, brk)) for lik in ("lognormal", "poisson_lognormal") for brk in (False, True)}  # type: ignore[arg-type]
    assert shared == {Structure("lognormal", 16, True)}
    assert graph_key(Structure("signed", 16, False)) == Structure("signed", 16, True)
    assert graph_key(Structure("negbin", 16, False)) == Structure("negbin", 16, False)
