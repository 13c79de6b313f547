"""SBC and recovery on a conjugate normal model, where the exact posterior is known.

One compiled model serves every test: the prior scale is a ``pm.Data`` input too, so the
deliberately wrong model (prior far narrower than the one generating the data) is the same graph.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pymc as pm
import pytest
from scipy import stats

from borderflows.config import SamplerPreset
from borderflows.diagnostics.recovery import recovery_study
from borderflows.diagnostics.sbc import CompiledFitter, Simulation, observed_data_names, run_sbc

N_OBS = 10
PRESET = SamplerPreset("test", draws=100, tune=200, target_accept=0.8)  # 4 x 100 draws, thinned to 99


def normal_model() -> pm.Model:
    with pm.Model() as model:
        prior_sd = pm.Data("prior_sd", 1.0)
        y_obs = pm.Data("y_obs", np.zeros(N_OBS))
        mu = pm.Normal("mu", 0.0, prior_sd)
        pm.Normal("y", mu, 1.0, observed=y_obs)
    return model


@pytest.fixture(scope="module")
def fitter() -> CompiledFitter:
    return CompiledFitter(normal_model(), PRESET, ["mu"])


def simulate_from(prior_sd_truth: float, prior_sd_model: float):
    def simulate(rng: np.random.Generator) -> Simulation:
        mu = rng.normal(0.0, prior_sd_truth)
        return Simulation(truth={"mu": mu}, data={"y_obs": rng.normal(mu, 1.0, N_OBS), "prior_sd": prior_sd_model})

    return simulate


def test_observed_data_names_finds_the_container() -> None:
    assert observed_data_names(normal_model()) == {"y": "y_obs"}


def test_fitter_matches_the_exact_posterior(fitter: CompiledFitter, rng: np.random.Generator) -> None:
    y = rng.normal(0.7, 1.0, N_OBS)
    draws = fitter.fit({"y_obs": y, "prior_sd": 1.0}, random_seed=3).draws["mu"]
    # Exact posterior N(sum(y) / (n + 1), 1 / (n + 1)); sd = 0.30. With ~400 draws of ESS >= 200 (nutpie on a
    # 1-d Gaussian is nearly independent), the MCSE of the mean is <= 0.30 / sqrt(200) = 0.021: allow 4 MCSE.
    assert draws.mean() == pytest.approx(y.sum() / (N_OBS + 1), abs=0.085)
    assert draws.std() == pytest.approx(np.sqrt(1 / (N_OBS + 1)), rel=0.15)


def test_sbc_passes_on_the_correct_model(fitter: CompiledFitter) -> None:
    # Simulations from the model's own prior predictive. Family-wise alpha 0.01: a correct sampler fails
    # this test by chance with probability <= 0.01 (Bonferroni over the two tests), and the seed is fixed.
    result = run_sbc(fitter.model, ["mu"], 100, PRESET, fitter=fitter, random_seed=11)
    frame = result.to_frame()
    assert result.passed, frame
    assert result.ranks.shape == (100, 1)
    assert result.ranks.min() >= 0
    assert result.ranks.max() <= 99
    assert list(frame["quantity"]) == ["mu"]
    assert {"p_chisq", "p_ecdf", "passes", "threshold"} <= set(frame.columns)


def test_sbc_fails_when_the_prior_is_too_narrow(fitter: CompiledFitter) -> None:
    # Data from mu ~ N(0, 3), model prior N(0, 0.3): posteriors shrink far below the truth's spread, ranks pile
    # at 0 and 99. With 60 simulations the U shape gives p < 1e-10 (chi-square) - a certain failure.
    result = run_sbc(fitter.model, ["mu"], 60, PRESET, simulator=simulate_from(3.0, 0.3), fitter=fitter, random_seed=5)
    assert not result.passed
    row = result.to_frame().iloc[0]
    assert row["p_chisq"] < 1e-6
    extreme = np.mean((result.ranks < 10) | (result.ranks > 89))
    assert extreme > 0.5  # 0.2 expected under uniformity


def test_sbc_is_reproducible_with_a_seed(fitter: CompiledFitter) -> None:
    first = run_sbc(fitter.model, ["mu"], 4, PRESET, fitter=fitter, random_seed=21)
    second = run_sbc(fitter.model, ["mu"], 4, PRESET, fitter=fitter, random_seed=21)
    np.testing.assert_array_equal(first.ranks, second.ranks)
    assert first.random_seed == 21


def test_sbc_reports_progress_and_plots(fitter: CompiledFitter) -> None:
    calls: list[tuple[int, int]] = []
    result = run_sbc(
        fitter.model, ["mu"], 20, PRESET, fitter=fitter, random_seed=2, progress=lambda i, n: calls.append((i, n))
    )
    assert calls[-1] == (20, 20)
    assert len(calls) == 20
    ax = result.plot("mu")
    assert "99% equal-tailed band" in ax.get_legend().get_texts()[0].get_text()
    assert sum(p.get_height() for p in ax.patches if p.get_width() == 0.9) == 20
    plt.close(ax.figure)
    with pytest.raises(ValueError, match="unknown quantity"):
        result.plot("sigma")


def test_recovery_covers_at_nominal_rate(fitter: CompiledFitter) -> None:
    # Truth from the prior, so coverage of the 90% interval is exactly 0.9 for a correct posterior.
    # MCSE with 100 simulations = sqrt(0.9 * 0.1 / 100) = 0.03; the band is 0.9 +- 2.58 * 0.03 = [0.82, 0.98].
    result = recovery_study(fitter.fit, simulate_from(1.0, 1.0), 100, ["mu"], prob=0.9, kind="eti", random_seed=8)
    frame = result.to_frame()
    row = frame.iloc[0]
    assert row["mcse"] == pytest.approx(0.03)
    assert row["band_lower"] == pytest.approx(0.9 - 2.58 * 0.03)
    assert result.passed, frame
    assert (frame["prob"] == 0.9).all()
    assert (frame["kind"] == "eti").all()
    # Interval width is the exact posterior's: 2 * 1.645 * sqrt(1 / 11) = 0.992, up to sampling error.
    assert row["mean_width"] == pytest.approx(2 * stats.norm.ppf(0.95) * np.sqrt(1 / 11), rel=0.1)


def test_recovery_flags_undercoverage_of_a_wrong_model(fitter: CompiledFitter) -> None:
    # Data from mu ~ N(0, 3), model prior N(0, 0.3): posterior sd 0.21 around a mean shrunk by a factor
    # 10/(10 + 11.1); the truth lies outside most intervals. Expected coverage ~0.3 << 0.82 (band floor).
    result = recovery_study(
        fitter.fit, simulate_from(3.0, 0.3), 40, ["mu"], prob=0.9, kind="hdi", scenario="too narrow", random_seed=9
    )
    row = result.to_frame().iloc[0]
    assert not result.passed
    assert row["coverage"] < 0.6
    assert row["scenario"] == "too narrow"
    assert row["kind"] == "hdi"
