"""The identification half of the honesty gate, the citable flag, the verdict and the headline sentence."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import xarray as xr
from scipy import special

from borderflows.mirror import priors
from borderflows.mirror.analysis import earlier_identified, headline
from borderflows.mirror.identification import (
    MAX_SD_RATIO,
    MCSE_MARGIN,
    MIN_LOWER,
    headline_position,
    identification,
    prior_logit_sd,
    year_verdicts,
)
from borderflows.mirror.inputs import MirrorData
from borderflows.mirror.results import MirrorGapResults

NO_EVIDENCE = "no evidence of underreporting beyond comparable pairs"


def _idata(logit_u: np.ndarray) -> xr.DataTree:
    """A posterior holding only u, from draws of logit u shaped (chains, draws, years)."""
    posterior = xr.Dataset({"u": (("chain", "draw", "year"), special.expit(logit_u))})
    return xr.DataTree.from_dict({"posterior": posterior})


def _logit_draws(pair_data: MirrorData, mean: float, sd: float, rng: np.random.Generator) -> np.ndarray:
    return rng.normal(mean, sd, size=(4, 1000, pair_data.n_years))


def test_headline_year_is_the_latest_with_both_reports(pair_data: MirrorData) -> None:
    assert pair_data.years[headline_position(pair_data)] == 2016
    last_m_missing = replace(pair_data, m_idx=pair_data.m_idx[:-1], log_m=pair_data.log_m[:-1])
    assert last_m_missing.years[headline_position(last_m_missing)] == 2015


def test_prior_logit_sd_is_the_walks_prior_spread() -> None:
    # logit u_T = start + sum of T-1 steps with variance sigma_u^2 ~ InverseGamma(a, b): its variance is
    # sd_start^2 + (T-1) b / (a - 1). 20,000 Monte Carlo draws: the sd's relative error is a few percent at
    # most (the step variance's inverse-gamma tail); 5% is the tolerance.
    n = 12
    step = priors.SHARE_STEP
    expected = np.sqrt(priors.SHARE_START_LOGIT_SD**2 + (n - 1) * step.rate / (step.shape - 1))
    np.testing.assert_allclose(prior_logit_sd(n), expected, rtol=0.05)


def test_a_share_piled_near_zero_is_not_identified(pair_data: MirrorData, rng: np.random.Generator) -> None:
    # u around 0.7% (logit -5 +- 0.5): its 90% interval starts near 0.3%, below the 2% bar.
    check = identification(_idata(_logit_draws(pair_data, -5.0, 0.5, rng)), pair_data)
    assert not check.identified
    assert check.year == 2016
    assert check.lower < MIN_LOWER
    assert check.reason.startswith(f"{NO_EVIDENCE} in 2016")


def test_a_clearly_large_share_is_identified(pair_data: MirrorData, rng: np.random.Generator) -> None:
    # u around 50% (logit 0 +- 0.1): lower bound ~46%, posterior ~20 times narrower than the prior.
    check = identification(_idata(_logit_draws(pair_data, 0.0, 0.1, rng)), pair_data)
    assert check.identified
    assert check.lower > 0.4
    assert check.sd_ratio < MAX_SD_RATIO
    assert check.reason.startswith("identified")
    assert check.to_dict()["kind"] == "eti"


def test_a_share_as_wide_as_its_prior_is_not_identified(pair_data: MirrorData, rng: np.random.Generator) -> None:
    # Clear of zero (logit 2, lower ~50%) but 90% as wide as the prior: the prior, not the reports, sets it.
    # With 4,000 draws the sample sd is within 1.1% of 0.9 prior sd, far from the 0.5 bar.
    sd = 0.9 * prior_logit_sd(pair_data.n_years)
    check = identification(_idata(_logit_draws(pair_data, 2.0, sd, rng)), pair_data)
    assert not check.identified
    assert check.lower > MIN_LOWER
    assert check.sd_ratio == pytest.approx(0.9, rel=0.05)
    assert "driven by the prior" in check.reason


def test_a_lower_bound_on_the_threshold_is_undecided(pair_data: MirrorData, rng: np.random.Generator) -> None:
    # logit u ~ Normal(logit(0.02) + 1.645 * 0.5, 0.5): the exact 5% quantile of u is the 2% bar itself, and the
    # width (0.5 on the logit scale) is far under half the prior's. A run's estimate lands within 2 Monte Carlo
    # standard errors of its true value in about 95% of seeds; this test's seed is one of them (fixed).
    mean = special.logit(MIN_LOWER) + 1.6449 * 0.5
    check = identification(_idata(_logit_draws(pair_data, mean, 0.5, rng)), pair_data)
    assert abs(check.lower - MIN_LOWER) < MCSE_MARGIN * check.lower_mcse
    assert not check.decided
    assert not check.identified
    assert check.reason.startswith("undecided in 2016")
    assert 2016 in check.undecided_years
    assert 2016 not in check.identified_years


def test_monte_carlo_errors_match_independent_draws(pair_data: MirrorData, rng: np.random.Generator) -> None:
    # For N independent draws of logit u ~ Normal(mu, s): the 5% quantile of u has se sqrt(p (1-p) / N) / f(q),
    # f the density of u there, and the sd of logit u has se about s / sqrt(2 N). A single year's estimate is itself
    # noisy (a quantile MCSE from 4,000 draws scatters by about 12%, measured); the mean over the 12 years scatters
    # by about 4%, so 10% is the tolerance. Wrong chain/draw axes would be off by far more (an MCSE over years).
    mu, s, n = -2.0, 0.4, 4000
    verdicts = year_verdicts(_idata(_logit_draws(pair_data, mu, s, rng)), pair_data)
    q = special.expit(mu - 1.6449 * s)
    density = np.exp(-0.5 * 1.6449**2) / np.sqrt(2 * np.pi) / (s * q * (1 - q))
    np.testing.assert_allclose(verdicts["lower_mcse"].mean(), np.sqrt(0.05 * 0.95 / n) / density, rtol=0.1)
    prior_sd = np.array([prior_logit_sd(k + 1) for k in range(pair_data.n_years)])
    np.testing.assert_allclose((verdicts["sd_ratio_mcse"] * prior_sd).mean(), s / np.sqrt(2 * n), rtol=0.1)


def test_a_clear_share_is_decided_despite_monte_carlo_error(pair_data: MirrorData, rng: np.random.Generator) -> None:
    verdicts = year_verdicts(_idata(_logit_draws(pair_data, 0.0, 0.1, rng)), pair_data)
    both = verdicts["both_reports"]
    assert (verdicts.loc[both, "reason"] == "identified").all()
    assert (verdicts.loc[~both, "reason"] == "not both reports").all()


def test_fits_tell_a_large_share_from_none(identified_fit: MirrorGapResults, null_fit: MirrorGapResults) -> None:
    # Both fits know the pair's usual ratio to 0.03; one pair's importer misses 50% in 2016, the other's 0.1%.
    assert identified_fit.identification.identified
    assert identified_fit.identification.lower > 0.2
    assert not null_fit.identification.identified
    assert null_fit.identification.reason.startswith(f"{NO_EVIDENCE} in 2016")


def _with(results: MirrorGapResults, *, converged: bool, identified: bool) -> MirrorGapResults:
    reasons = () if converged else ("bulk ESS 120 < 400 for 'u' (use the full preset or more draws)",)
    diagnostics = replace(results.diagnostics, ok=converged, reasons=reasons)
    check = replace(results.identification, identified=identified)
    return replace(results, diagnostics=diagnostics, identification=check)


@pytest.mark.parametrize(("converged", "identified"), [(True, True), (True, False), (False, True), (False, False)])
def test_citable_needs_convergence_and_identification(
    identified_fit: MirrorGapResults, converged: bool, identified: bool
) -> None:
    results = _with(identified_fit, converged=converged, identified=identified)
    assert results.citable == (converged and identified)
    if results.citable:
        assert results.verdict == "citable"
    elif not converged:
        assert results.verdict.startswith("NOT citable: bulk ESS")
    else:
        assert results.verdict == "NOT citable: " + results.identification.reason


def test_headline_of_an_unidentified_converged_share_says_no_evidence(null_fit: MirrorGapResults) -> None:
    sentence = headline(_with(null_fit, converged=True, identified=False))
    assert sentence.startswith(
        "No evidence of underreporting beyond comparable pairs in Kazakhstan's records of imports from China in 2016"
    )
    assert "records miss" not in sentence
    assert "90% equal-tailed interval" in sentence


def test_headline_of_an_undecided_share_says_undecided(null_fit: MirrorGapResults) -> None:
    undecided = replace(null_fit.identification, identified=False, decided=False)
    sentence = headline(replace(_with(null_fit, converged=True, identified=False), identification=undecided))
    assert sentence.startswith(
        "Undecided whether Kazakhstan's records of imports from China in 2016 show underreporting beyond comparable"
    )
    assert "Monte Carlo error" in sentence
    assert "90% equal-tailed interval" in sentence
    assert "records miss" not in sentence


def test_earlier_years_sentence_names_the_identified_and_counts_the_undecided(null_fit: MirrorGapResults) -> None:
    check = replace(null_fit.identification, identified_years=(2008, 2010), undecided_years=(2011, 2013, 2014))
    results = replace(_with(null_fit, converged=True, identified=False), identification=check)
    (sentence,) = earlier_identified(results)
    assert sentence.startswith("The share is identified in 2 earlier years, the latest 2010: Kazakhstan's records")
    assert sentence.endswith("; 3 years are undecided (within Monte Carlo error of the rule), the latest 2014")
    assert earlier_identified(replace(results, identification=replace(check, identified_years=()))) == ()


def test_headline_of_an_identified_share_gives_the_percentage(identified_fit: MirrorGapResults) -> None:
    results = _with(identified_fit, converged=True, identified=True)
    u = results.u_draws[:, -1]
    low, high = np.quantile(u, [0.05, 0.95])
    expected = (
        f"Kazakhstan's records miss {np.median(u):.0%} (90% equal-tailed interval {low:.0%}–{high:.0%}) of imports "
        "from China in 2016, beyond what comparable pairs show"
    )
    assert headline(results) == expected


def test_headline_of_an_unconverged_fit_is_marked(identified_fit: MirrorGapResults) -> None:
    for identified in (True, False):
        sentence = headline(_with(identified_fit, converged=False, identified=identified))
        assert sentence.startswith("Kazakhstan's records miss ")
        assert sentence.endswith(" [NOT citable: failed the convergence gate]")


def test_headline_places_a_world_pair_among_the_world(world_fit: MirrorGapResults) -> None:
    percentile = world_fit.percentile
    assert percentile is not None
    for identified in (True, False):
        sentence = headline(_with(world_fit, converged=True, identified=identified))
        assert "percentile of the world's pairs" in sentence
    # A pair far below its prediction (under the 5th percentile) is flagged as a persistent gap.
    low = replace(world_fit.data, offset=replace(world_fit.data.offset, percentile=2.0))
    sentence = headline(_with(replace(world_fit, data=low), converged=True, identified=False))
    assert "at the 2nd percentile" in sentence
    assert "a persistent gap that transit, coverage or origin rules explain as well as unrecorded trade" in sentence
