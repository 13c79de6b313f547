"""The model's log density at known parameter values, against a hand-written scipy version.

Checked before any sampling (STYLE.md: "check the model before the optimiser").
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from borderflows.mirror import MirrorGap, build_model, priors
from borderflows.mirror.inputs import MirrorData


def _gamma_logpdf(x: float, shape: float, mean: float) -> float:
    return float(stats.gamma.logpdf(x, a=shape, scale=mean / shape))


def test_pair_log_density_matches_hand_written(pair_data: MirrorData, rng: np.random.Generator) -> None:
    spec = MirrorGap(mode="pair")
    model = build_model(pair_data, spec)
    n = pair_data.n_years
    miss = pair_data.x_missing
    point = {
        "sigma_u": 0.4,
        "logit_u_walk": rng.normal(-0.5, 0.3, size=n),
        "log1p_tau": 0.05,
        "b_exp": np.array([0.03]),
        "b_imp": np.array([-0.02]),
        "drift": 0.08,
        "sigma_s": 0.2,
        "l_missing": np.full(len(miss), 7.9),
        "sigma_d": 0.07,
    }
    values = {
        "sigma_u_log__": np.log(point["sigma_u"]),
        "sigma_s_log__": np.log(point["sigma_s"]),
        "sigma_d_log__": np.log(point["sigma_d"]),
        **{k: v for k, v in point.items() if k not in ("sigma_u", "sigma_s", "sigma_d")},
    }
    logp = model.compile_logp(jacobian=False)(values)

    w = point["logit_u_walk"]
    u = 1 / (1 + np.exp(-w))
    level = np.zeros(n)
    level[pair_data.x_idx] = pair_data.log_x
    level[miss] = point["l_missing"]
    gap = point["log1p_tau"] + np.log1p(-u) + point["b_imp"][0] - point["b_exp"][0]
    mean_m = level[pair_data.m_idx] + gap[pair_data.m_idx]
    expected = (
        _gamma_logpdf(point["sigma_u"], priors.SHARE_STEP_SHAPE, priors.SHARE_STEP_SCALE)
        + stats.norm.logpdf(w[0], priors.SHARE_START_LOGIT_MEAN, priors.SHARE_START_LOGIT_SD)
        + stats.norm.logpdf(np.diff(w), 0.0, point["sigma_u"]).sum()
        + stats.norm.logpdf(point["log1p_tau"], np.log1p(priors.MARGIN_CENTRE), priors.MARGIN_SD)
        + stats.norm.logpdf(point["b_exp"], 0.0, priors.REPORTER_BIAS_SCALE).sum()
        + stats.norm.logpdf(point["b_imp"], 0.0, priors.REPORTER_BIAS_SCALE).sum()
        + stats.norm.logpdf(point["drift"], priors.DRIFT_MEAN, priors.DRIFT_SD)
        + _gamma_logpdf(point["sigma_s"], priors.LEVEL_STEP_SHAPE, priors.LEVEL_STEP_SCALE)
        + stats.norm.logpdf(point["l_missing"], priors.LEVEL_START_MEAN, priors.LEVEL_FREE_SD).sum()
        + _gamma_logpdf(point["sigma_d"], priors.REPORT_NOISE_SHAPE, priors.REPORT_NOISE_SCALE)
        + stats.norm.logpdf(np.diff(level), point["drift"], point["sigma_s"]).sum()
        + stats.t.logpdf(pair_data.log_m, df=priors.PAIR_NU, loc=mean_m, scale=point["sigma_d"]).sum()
    )
    # Same formula in float64 on both sides; the model computes log(1 - u) as -softplus(logit u),
    # whose approximation differs from log1p(-u) by ~1e-8 relative: 1e-6 still catches any wrong term.
    np.testing.assert_allclose(logp, expected, rtol=1e-6)


def test_panel_term_log_density(rng: np.random.Generator) -> None:
    from borderflows.mirror.simulate import draw_truth, simulate

    truth = draw_truth(np.random.default_rng(7), np.arange(2000, 2006), n_partners=2)
    data = simulate(truth, np.random.default_rng(8))
    model = build_model(data, MirrorGap(mode="panel"))
    point = model.initial_point()
    point["log1p_tau"] = np.asarray(0.04)
    point["b_exp"] = rng.normal(0, 0.1, size=len(data.exporters))
    point["b_imp"] = rng.normal(0, 0.1, size=len(data.importers))
    point["sigma_pair_log__"] = np.log(rng.uniform(0.1, 0.3, size=len(data.pairs)))
    got = model.compile_logp(vars=[model["obs_panel"]], jacobian=False)(point)
    sigma = np.exp(point["sigma_pair_log__"])[data.panel_pair]
    mean = 0.04 + point["b_imp"][data.panel_imp] - point["b_exp"][data.panel_exp]
    expected = stats.t.logpdf(data.panel_log_ratio, df=priors.PANEL_NU, loc=mean, scale=sigma).sum()
    np.testing.assert_allclose(got, expected, rtol=1e-7)
