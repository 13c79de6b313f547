"""The model's log density at known parameter values, against a hand-written scipy version.

Checked before any sampling (STYLE.md: "check the model before the optimiser"). The noise scales are
integrated out of the model; the hand-written side integrates them with the textbook formula, so
these tests also check that PyMC's multivariate Student-t blocks are the collapsed normals they claim
to be.
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from scipy import special, stats

from borderflows.mirror import MirrorGap, build_model, priors
from borderflows.mirror.inputs import MirrorData
from borderflows.mirror.posterior import with_noise_scales


def collapsed_normal_logpdf(x: np.ndarray, prior: priors.ScalePrior) -> float:
    """log of the integral of prod_j Normal(x_j | 0, s^2) over s^2 ~ InverseGamma(shape, rate)."""
    a, b, k = prior.shape, prior.rate, len(x)
    return float(
        special.gammaln(a + k / 2)
        - special.gammaln(a)
        + a * np.log(b)
        - k / 2 * np.log(2 * np.pi)
        - (a + k / 2) * np.log(b + np.sum(x**2) / 2)
    )


COMMON = {
    "log1p_tau": 0.05,
    "b_exp": np.array([0.03]),
    "b_imp": np.array([-0.02]),
    "drift": 0.08,
}


def _hand_written_except_walk(data: MirrorData, w: np.ndarray, l_missing: np.ndarray) -> float:
    """Every term of the pair model's log density at ``COMMON`` and logit path ``w`` but the walk's steps."""
    u = special.expit(w)
    level = np.zeros(data.n_years)
    level[data.x_idx] = data.log_x
    level[data.x_missing] = l_missing
    gap = COMMON["log1p_tau"] + np.log1p(-u) + COMMON["b_imp"][0] - COMMON["b_exp"][0]
    mean_m = level[data.m_idx] + gap[data.m_idx]
    return float(
        stats.norm.logpdf(w[0], priors.SHARE_START_LOGIT_MEAN, priors.SHARE_START_LOGIT_SD)
        + stats.norm.logpdf(COMMON["log1p_tau"], np.log1p(priors.MARGIN_CENTRE), priors.MARGIN_SD)
        + stats.norm.logpdf(COMMON["b_exp"], 0.0, priors.REPORTER_BIAS_SCALE).sum()
        + stats.norm.logpdf(COMMON["b_imp"], 0.0, priors.REPORTER_BIAS_SCALE).sum()
        + stats.norm.logpdf(COMMON["drift"], priors.DRIFT_MEAN, priors.DRIFT_SD)
        + stats.norm.logpdf(l_missing, priors.LEVEL_START_MEAN, priors.LEVEL_FREE_SD).sum()
        + collapsed_normal_logpdf(np.diff(level) - COMMON["drift"], priors.LEVEL_STEP)
        + collapsed_normal_logpdf(data.log_m - mean_m, priors.REPORT_NOISE)
    )


def test_pair_log_density_matches_hand_written(pair_data: MirrorData, rng: np.random.Generator) -> None:
    model = build_model(pair_data, MirrorGap(mode="pair"))
    w = rng.normal(-0.5, 0.3, size=pair_data.n_years)
    l_missing = np.full(len(pair_data.x_missing), 7.9)
    point = {**COMMON, "logit_u_start": w[0], "logit_u_later": w[1:], "l_missing": l_missing}
    logp = model.compile_logp(jacobian=False)(point)
    expected = _hand_written_except_walk(pair_data, w, l_missing) + collapsed_normal_logpdf(
        np.diff(w), priors.SHARE_STEP
    )
    # Same formula in float64 on both sides; the model computes log(1 - u) as -softplus(logit u),
    # whose approximation differs from log1p(-u) by ~1e-8 relative: 1e-6 still catches any wrong term.
    np.testing.assert_allclose(logp, expected, rtol=1e-6)


def test_non_centred_walk_log_density_matches_hand_written(pair_data: MirrorData, rng: np.random.Generator) -> None:
    model = build_model(pair_data, MirrorGap(mode="pair", walk="non-centred"))
    w = rng.normal(-0.5, 0.3, size=pair_data.n_years)
    variance = 0.09
    l_missing = np.full(len(pair_data.x_missing), 7.9)
    point = {
        **COMMON,
        "logit_u_start": w[0],
        "sigma_u_squared_log__": np.log(variance),
        "logit_u_innovations": np.diff(w) / np.sqrt(variance),
        "l_missing": l_missing,
    }
    logp = model.compile_logp(jacobian=False)(point)
    expected = (
        _hand_written_except_walk(pair_data, w, l_missing)
        + stats.invgamma.logpdf(variance, priors.SHARE_STEP.shape, scale=priors.SHARE_STEP.rate)
        + stats.norm.logpdf(point["logit_u_innovations"]).sum()
    )
    np.testing.assert_allclose(logp, expected, rtol=1e-6)


def test_panel_term_log_density(rng: np.random.Generator) -> None:
    from borderflows.mirror.simulate import draw_truth, simulate

    truth = draw_truth(np.random.default_rng(7), np.arange(2000, 2006), n_partners=2)
    data = simulate(truth, np.random.default_rng(8))
    model = build_model(data, MirrorGap(mode="panel"))
    point = model.initial_point()
    point["log1p_tau"] = np.asarray(0.04)
    point["b_exp_zerosum__"] = rng.normal(0, 0.1, size=len(data.exporters) - 1)
    point["b_imp_zerosum__"] = rng.normal(0, 0.1, size=len(data.importers) - 1)
    point["pair_sd_log__"] = np.log(0.2)
    got = model.compile_logp(vars=[model["obs_panel"]], jacobian=False)(point)
    outputs = model.replace_rvs_by_values([model["b_exp"], model["b_imp"]])
    biases = model.compile_fn(outputs, inputs=model.value_vars, on_unused_input="ignore")
    b_exp, b_imp = biases(point)
    np.testing.assert_allclose([b_exp.sum(), b_imp.sum()], 0.0, atol=1e-12)  # biases relative to the average
    mean = 0.04 + b_imp[data.panel_imp] - b_exp[data.panel_exp]
    scale = np.sqrt(0.2**2 + data.panel_se**2)
    expected = stats.t.logpdf(data.panel_mean, df=priors.PANEL_NU, loc=mean, scale=scale).sum()
    np.testing.assert_allclose(got, expected, rtol=1e-7)


def test_noise_scales_come_from_their_exact_conditional(pair_data: MirrorData) -> None:
    # One fixed sum of squares per draw: 1/sigma^2 | SS ~ Gamma(a + k/2, rate = b + SS/2), whose mean
    # is (a + k/2) / (b + SS/2). With 40,000 draws the sample mean's relative MCSE is
    # 1/sqrt(40,000 (a + k/2)) < 0.2%; 1% is over five MCSE.
    ss = 0.3
    shape = (4, 10_000)
    posterior = xr.Dataset(
        {
            name: (("chain", "draw"), np.full(shape, ss))
            for name in ("share_step_ss", "level_step_ss", "report_noise_ss")
        }
    )
    tree = with_noise_scales(xr.DataTree.from_dict({"posterior": posterior}), pair_data, random_seed=5)
    counts = {"sigma_u": pair_data.n_years - 1, "sigma_d": len(pair_data.m_idx)}
    for name, prior in (("sigma_u", priors.SHARE_STEP), ("sigma_d", priors.REPORT_NOISE)):
        precision = 1.0 / tree["posterior"][name].values ** 2
        expected = (prior.shape + counts[name] / 2) / (prior.rate + ss / 2)
        np.testing.assert_allclose(precision.mean(), expected, rtol=0.01)


def test_scale_prior_median_is_what_it_says() -> None:
    for prior in (priors.SHARE_STEP, priors.REPORT_NOISE, priors.LEVEL_STEP):
        variance = stats.invgamma(prior.shape, scale=prior.rate)
        np.testing.assert_allclose(np.sqrt(variance.median()), prior.median, rtol=1e-9)
        low, high = prior.interval(0.9)
        np.testing.assert_allclose([low**2, high**2], variance.ppf([0.95, 0.05])[::-1], rtol=1e-9)
