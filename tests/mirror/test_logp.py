"""The v3 pair model's log density at known parameter values, against a hand-written scipy version.

Checked before any sampling (STYLE.md: "check the model before the optimiser"). The noise scales are
integrated out of the model; the hand-written side integrates them with the textbook formula, so
these tests also check that PyMC's multivariate Student-t blocks are the collapsed normals they claim
to be. Every term of the graph is written out once here: the logit-u walk (centred or non-centred) with a
breakpoint, the offset's Student-t from the world, the pair's drift walk, a known coverage step, the
exporter's level walk, the importer's reports and the evidence potential.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt
import pytest
import xarray as xr
from scipy import special, stats

from borderflows.mirror import MirrorGap, build_model, priors
from borderflows.mirror import model as model_module
from borderflows.mirror.inputs import MirrorData, OffsetPrior, evidence_terms
from borderflows.mirror.model import breakpoint_design
from borderflows.mirror.posterior import with_noise_scales, with_offset_parts

BREAK = 2013
STEP_YEAR = 2011
"""A breakpoint in logit u and a known coverage step in the log ratio, both inside the 2005-2016 grid."""

OFFSET = OffsetPrior(
    loc=0.12,
    scale=0.25,
    source="world",
    margin=np.array([0.05, 0.07]),
    reporters=np.array([0.04, 0.06]),
    covariates=np.array([-0.01, 0.02]),
    pair_sd=0.2,
    nu=5.0,
    drift_sd=0.04,
)
"""An offset prior whose every number differs from pair mode's, so a value the graph ignores shows."""

POINT = {"offset": 0.21, "drift": 0.08, "beta": np.array([0.7]), "coverage_step": np.array([-0.06])}


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


def _data(pair_data: MirrorData) -> MirrorData:
    return replace(pair_data, offset=OFFSET, steps=(STEP_YEAR,))


def _paths(data: MirrorData, w: np.ndarray, drift_steps: np.ndarray, level_fill: np.ndarray) -> dict[str, np.ndarray]:
    """Level, logit u and the expected log(M/X) by year at ``POINT``, written out from the model's equations."""
    logit_u = w + POINT["beta"][0] * (data.years >= BREAK)
    level = np.zeros(data.n_years)
    level[data.x_idx] = data.log_x
    missing = data.x_mask == 0
    level[missing] = level_fill[missing]
    walk = np.concatenate([[0.0], np.cumsum(data.offset.drift_sd * drift_steps)])
    coverage = POINT["coverage_step"][0] * (data.years >= STEP_YEAR)
    gap = POINT["offset"] + (walk - walk.mean()) + coverage + np.log1p(-special.expit(logit_u))
    return {"level": level, "gap": gap}


def _hand_written_except_walk(
    data: MirrorData, w: np.ndarray, drift_steps: np.ndarray, level_fill: np.ndarray
) -> float:
    """Every term of the log density at ``POINT`` but the logit-u walk's steps."""
    paths = _paths(data, w, drift_steps, level_fill)
    level, gap = paths["level"], paths["gap"]
    mean_m = level[data.m_idx] + gap[data.m_idx]
    return float(
        stats.norm.logpdf(w[0], priors.SHARE_START_LOGIT_MEAN, priors.SHARE_START_LOGIT_SD)
        + stats.norm.logpdf(POINT["beta"], 0.0, priors.BREAK_SCALE).sum()
        + stats.t.logpdf(POINT["offset"], df=OFFSET.nu, loc=OFFSET.loc, scale=OFFSET.scale)
        + stats.norm.logpdf(drift_steps).sum()
        + stats.norm.logpdf(POINT["coverage_step"], 0.0, priors.COVERAGE_STEP_SD).sum()
        + stats.norm.logpdf(POINT["drift"], priors.DRIFT_MEAN, priors.DRIFT_SD)
        + stats.norm.logpdf(level_fill, priors.LEVEL_START_MEAN, priors.LEVEL_FREE_SD).sum()
        + collapsed_normal_logpdf(np.diff(level) - POINT["drift"], priors.LEVEL_STEP)
        + collapsed_normal_logpdf(data.log_m - mean_m, priors.REPORT_NOISE)
    )


def _draw_point(data: MirrorData, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    w = rng.normal(-0.5, 0.3, size=data.n_years)
    drift_steps = rng.normal(size=data.n_years - 1)
    level_fill = np.full(data.n_years, 7.9)  # one fill per year; only the missing years reach the level
    return w, drift_steps, level_fill


# Same formula in float64 on both sides; the model computes log(1 - u) as -softplus(logit u), whose
# approximation differs from log1p(-u) by ~1e-8 relative: 1e-6 still catches any wrong or missing term
# (the smallest term here, the coverage step's, moves the total by ~1, i.e. ~1e-2 relative).
RTOL = 1e-6


def test_centred_walk_log_density_matches_hand_written(pair_data: MirrorData, rng: np.random.Generator) -> None:
    data = _data(pair_data)
    model = build_model(data, MirrorGap(breakpoints=(BREAK,), walk="centred"))
    w, drift_steps, level_fill = _draw_point(data, rng)
    point = {
        **POINT,
        "logit_u_start": w[0],
        "logit_u_later": w[1:],
        "pair_drift_steps": drift_steps,
        "level_fill": level_fill,
    }
    logp = model.compile_logp(jacobian=False)(point)
    expected = _hand_written_except_walk(data, w, drift_steps, level_fill) + collapsed_normal_logpdf(
        np.diff(w), priors.SHARE_STEP
    )
    np.testing.assert_allclose(logp, expected, rtol=RTOL)


def test_non_centred_walk_log_density_matches_hand_written(pair_data: MirrorData, rng: np.random.Generator) -> None:
    data = _data(pair_data)
    model = build_model(data, MirrorGap(breakpoints=(BREAK,), walk="non-centred"))
    w, drift_steps, level_fill = _draw_point(data, rng)
    variance = 0.09
    point = {
        **POINT,
        "logit_u_start": w[0],
        "sigma_u_squared_log__": np.log(variance),
        "logit_u_innovations": np.diff(w) / np.sqrt(variance),
        "pair_drift_steps": drift_steps,
        "level_fill": level_fill,
    }
    logp = model.compile_logp(jacobian=False)(point)
    expected = (
        _hand_written_except_walk(data, w, drift_steps, level_fill)
        + stats.invgamma.logpdf(variance, priors.SHARE_STEP.shape, scale=priors.SHARE_STEP.rate)
        + stats.norm.logpdf(point["logit_u_innovations"]).sum()
    )
    np.testing.assert_allclose(logp, expected, rtol=RTOL)


def test_deterministics_are_the_paths_of_the_equations(pair_data: MirrorData, rng: np.random.Generator) -> None:
    # The pair's drift is a random walk centred on its mean (c stays the pair's average level), u the
    # inverse logit of the walk plus the breakpoint step.
    data = _data(pair_data)
    model = build_model(data, MirrorGap(breakpoints=(BREAK,), walk="centred"))
    w, drift_steps, level_fill = _draw_point(data, rng)
    point = {
        **POINT,
        "logit_u_start": w[0],
        "logit_u_later": w[1:],
        "pair_drift_steps": drift_steps,
        "level_fill": level_fill,
    }
    outputs = model.replace_rvs_by_values([model["pair_drift"], model["u"], model["level"]])
    pair_drift, u, level = model.compile_fn(outputs, inputs=model.value_vars, on_unused_input="ignore")(point)
    walk = np.concatenate([[0.0], np.cumsum(OFFSET.drift_sd * drift_steps)])
    np.testing.assert_allclose(pair_drift, walk - walk.mean(), atol=1e-12)
    assert abs(pair_drift.sum()) < 1e-12
    np.testing.assert_allclose(u, special.expit(w + POINT["beta"][0] * (data.years >= BREAK)), rtol=1e-12)
    np.testing.assert_allclose(level, _paths(data, w, drift_steps, level_fill)["level"], rtol=1e-12)


def _statements(data: MirrorData) -> pd.DataFrame:
    """Two statements: a share ``approx`` about 2012 (no importer report) and a ``gt`` bound about 2009-2010."""
    return pd.DataFrame(
        {
            "id": ["share", "bound"],
            "exporter": [data.exporter] * 2,
            "importer": [data.importer] * 2,
            "year": [2012, 2010],
            "year_min": [2012, 2009],
            "year_max": [2012, 2010],
            "measure": ["gap_share_of_exports", "gap_usd_m"],
            "relation": ["approx", "gt"],
            "value": [0.4, 500.0],
            "product": ["all", "all"],
        }
    )


def test_evidence_potential_matches_hand_written(pair_data: MirrorData, rng: np.random.Generator) -> None:
    data = _data(pair_data)
    terms = evidence_terms(_statements(data), data.exporter, data.importer, data.years)
    assert terms.ids == ("share", "bound")
    with_evidence = replace(data, evidence=terms)
    spec = MirrorGap(breakpoints=(BREAK,), walk="centred")
    w, drift_steps, level_fill = _draw_point(data, rng)
    point = {
        **POINT,
        "logit_u_start": w[0],
        "logit_u_later": w[1:],
        "pair_drift_steps": drift_steps,
        "level_fill": level_fill,
    }
    got = build_model(with_evidence, spec).compile_logp(jacobian=False)(point)
    without = build_model(data, spec).compile_logp(jacobian=False)(point)
    paths = _paths(data, w, drift_steps, level_fill)
    mu_x, mu_m = paths["level"], paths["level"] + paths["gap"]
    year = {int(y): k for k, y in enumerate(data.years)}
    # approx: normal with 15% relative sd, one candidate year.
    share = 1 - np.exp(mu_m[year[2012]] - mu_x[year[2012]])
    approx = stats.norm.logpdf(share, 0.4, priors.EVIDENCE_REL_SD["approx"] * 0.4)
    # gt: a soft bound Phi((q - v) / (10% v)), mixed with equal weights over its two candidate years.
    candidates = [year[2009], year[2010]]
    gap = np.exp(mu_x[candidates]) - np.exp(mu_m[candidates])
    bound = special.logsumexp(stats.norm.logcdf((gap - 500.0) / (priors.EVIDENCE_REL_SD["gt"] * 500.0))) - np.log(2)
    np.testing.assert_allclose(got - without, approx + bound, rtol=RTOL, atol=1e-9)


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


def test_a_sampled_sigma_u_is_kept(pair_data: MirrorData) -> None:
    # The non-centred walk samples sigma_u; the post-processing must not replace it by a collapsed draw.
    shape = (2, 50)
    posterior = xr.Dataset(
        {
            "sigma_u": (("chain", "draw"), np.full(shape, 0.123)),
            "level_step_ss": (("chain", "draw"), np.full(shape, 0.3)),
            "report_noise_ss": (("chain", "draw"), np.full(shape, 0.3)),
        }
    )
    tree = with_noise_scales(xr.DataTree.from_dict({"posterior": posterior}), pair_data, random_seed=5)
    np.testing.assert_array_equal(tree["posterior"]["sigma_u"].values, 0.123)
    assert {"sigma_s", "sigma_d"} <= set(tree["posterior"].data_vars)


def test_offset_parts_split_the_offset_exactly(pair_data: MirrorData) -> None:
    # alpha = c - (log(1+tau) + reporters + covariates), the world's parts resampled from OFFSET's draws.
    offset = np.linspace(-0.2, 0.3, 2 * 40).reshape(2, 40)
    posterior = xr.Dataset({"offset": (("chain", "draw"), offset)})
    tree = with_offset_parts(
        xr.DataTree.from_dict({"posterior": posterior}), replace(pair_data, offset=OFFSET), random_seed=3
    )
    post = tree["posterior"]
    mu = post["log1p_tau"].values + post["reporters"].values + post["covariate_effect"].values
    np.testing.assert_allclose(post["alpha"].values, offset - mu, atol=1e-15)
    np.testing.assert_allclose(post["tau"].values, np.expm1(post["log1p_tau"].values), rtol=1e-15)
    assert set(np.unique(post["log1p_tau"].values)) <= set(OFFSET.margin)


def test_breakpoints_outside_the_grid_are_dropped() -> None:
    years = np.arange(2005, 2017)
    design, kept = breakpoint_design(years, (2005, 2011, 2016, 2017))
    assert kept == (2011, 2016)  # the first year cannot step (nothing before it); 2017 is outside
    np.testing.assert_array_equal(design[:, 0], (years >= 2011).astype(float))


@pytest.mark.parametrize("prior", [priors.SHARE_STEP, priors.REPORT_NOISE, priors.LEVEL_STEP])
def test_scale_prior_median_is_what_it_says(prior: priors.ScalePrior) -> None:
    variance = stats.invgamma(prior.shape, scale=prior.rate)
    np.testing.assert_allclose(np.sqrt(variance.median()), prior.median, rtol=1e-9)
    low, high = prior.interval(0.9)
    np.testing.assert_allclose([low**2, high**2], variance.ppf([0.95, 0.05])[::-1], rtol=1e-9)


def test_report_draws_follow_the_collapsed_prior() -> None:
    # Marginally each residual is sigma * z with sigma^2 ~ InverseGamma(a, b): mean 0, variance b / (a - 1).
    # With a = 3 the relative sd of one squared residual is sqrt(3 (a - 1) / (a - 2) - 1) = 2.24, so over
    # 200,000 draws the variance estimate's relative MCSE is 0.5%; 3% is six MCSE.
    noise = priors.REPORT_NOISE
    mean = np.linspace(5.0, 6.0, 12)
    rv = model_module._masked_collapsed_draws(pt.as_tensor(mean), pt.ones(12), size=pt.as_tensor([200_000]))
    draws = pm.draw(rv, random_seed=3)
    assert draws.shape == (200_000, 12)
    residual = draws[:, 0] - mean[0]
    np.testing.assert_allclose(np.mean(residual**2), noise.rate / (noise.shape - 1), rtol=0.03)
    # Years of one draw share its sigma: their squared residuals correlate, as the collapsed t says.
    assert np.corrcoef(residual**2, (draws[:, 1] - mean[1]) ** 2)[0, 1] > 0.1


@pytest.mark.filterwarnings("ignore:The effect of Potentials:UserWarning")
def test_prior_predictive_draws_the_reports(pair_data: MirrorData) -> None:
    # Notebook 02 and SBC draw from the prior predictive; the masked likelihood must offer a random method.
    # (PyMC warns that the level walk and evidence potentials are ignored there, as the notebook says.)
    prior = pm.sample_prior_predictive(draws=20, model=build_model(_data(pair_data)), random_seed=1)
    obs = prior["prior_predictive"]["obs"].values
    assert obs.shape[-1] == pair_data.n_years
    assert np.isfinite(obs).all()
