"""Uniformity tests of SBC ranks, on ranks drawn directly (no sampling): fast and exact."""

from __future__ import annotations

import numpy as np
import pytest

from borderflows.diagnostics.sbc import (
    chisq_uniformity,
    default_bins,
    ecdf_uniformity,
    quantity_labels,
    sbc_ranks,
    thin_indices,
)

L = 99  # ranks take 100 values, as in run_sbc's default


def test_chisq_counts_and_pvalue_on_perfectly_flat_ranks() -> None:
    ranks = np.repeat(np.arange(L + 1), 2)  # every rank twice: counts exactly equal
    statistic, p_value = chisq_uniformity(ranks, L, bins=10)
    assert statistic == 0.0
    assert p_value == pytest.approx(1.0)


def test_chisq_rejects_bins_that_do_not_divide_rank_values() -> None:
    with pytest.raises(ValueError, match="must divide"):
        chisq_uniformity(np.arange(10), L, bins=7)


def test_null_rejection_rates_match_alpha(rng: np.random.Generator) -> None:
    # 400 null replicates of 200 uniform ranks; at alpha = 0.05 the rejection count is Binomial(400, 0.05):
    # mean 20, sd 4.4, so [6, 36] is about +-3.6 sd and fails by chance with probability < 1e-3.
    rejections_chisq = rejections_ecdf = 0
    for _ in range(400):
        ranks = rng.integers(0, L + 1, size=200)
        rejections_chisq += chisq_uniformity(ranks, L, bins=20)[1] < 0.05
        rejections_ecdf += ecdf_uniformity(ranks, L, n_null=400, random_seed=1)[1] < 0.05
    assert 6 <= rejections_chisq <= 36
    assert 6 <= rejections_ecdf <= 36


@pytest.mark.parametrize(
    "make_ranks",
    [
        # too-narrow posteriors: truths fall outside, ranks pile at both ends (U shape)
        lambda rng: np.where(rng.random(200) < 0.5, rng.integers(0, 10, 200), rng.integers(90, 100, 200)),
        # biased posteriors: truths sit above most draws
        lambda rng: np.minimum(rng.integers(20, 130, 200), L),
        # too-wide posteriors: ranks bunch in the middle
        lambda rng: rng.binomial(L, 0.5, 200),
    ],
    ids=["u-shape", "bias", "hump"],
)
def test_both_tests_detect_classic_miscalibration(rng: np.random.Generator, make_ranks) -> None:
    ranks = make_ranks(rng)
    assert chisq_uniformity(ranks, L, bins=20)[1] < 1e-3
    assert ecdf_uniformity(ranks, L, n_null=1000, random_seed=2)[1] < 0.01  # smallest p attainable is ~1e-3


def test_ecdf_pvalue_is_reproducible() -> None:
    ranks = np.arange(100) % (L + 1)
    assert ecdf_uniformity(ranks, L, random_seed=5) == ecdf_uniformity(ranks, L, random_seed=5)


def test_default_bins_keeps_ten_per_bin() -> None:
    assert default_bins(200, L) == 20
    assert default_bins(60, L) == 5
    assert default_bins(15, L) == 1  # too few simulations for a chi-square test


def test_thin_indices_spread_over_all_chains() -> None:
    index = thin_indices(4 * 100, 99)
    assert index[0] == 0
    assert index[-1] == 399
    assert len(np.unique(index)) == 99
    assert np.all(np.bincount(index // 100, minlength=4) >= 24)
    with pytest.raises(ValueError, match="sample more"):
        thin_indices(50, 99)


def test_sbc_ranks_counts_draws_below_truth() -> None:
    draws = {"a": np.arange(10.0)[:, None] * np.ones((1, 2)), "b": np.arange(10.0)}
    ranks = sbc_ranks({"a": np.array([3.5, -1.0]), "b": 100.0}, draws, np.arange(10))
    assert ranks.tolist() == [4, 0, 10]


def test_quantity_labels_use_coords() -> None:
    assert quantity_labels("tau", ()) == ["tau"]
    assert quantity_labels("u", (2,), [[2019, 2020]]) == ["u[2019]", "u[2020]"]
    assert quantity_labels("b", (2, 1)) == ["b[0, 0]", "b[1, 0]"]


def test_result_can_fail_one_of_many_quantities_with_few_simulations(rng: np.random.Generator) -> None:
    # 16 simulations, 30 quantities: the Bonferroni threshold is 0.01 / 60 = 1.7e-4, below the smallest p-value
    # a 2000-replicate ECDF null could give (5e-4); the result must size its null so a gross bias still fails.
    from borderflows.diagnostics.sbc import SBCResult

    ranks = rng.integers(0, L + 1, size=(16, 30))
    ranks[:, 0] = rng.integers(0, 5, size=16)  # truth below almost every draw in every simulation
    result = SBCResult(
        quantities=tuple(f"q{j}" for j in range(30)),
        ranks=ranks,
        n_rank_draws=L,
        bins=1,
        random_seed=3,
        max_rhat=np.ones(16),
        divergences=np.zeros(16, dtype=np.int64),
    )
    frame = result.to_frame().set_index("quantity")
    assert not frame.loc["q0", "passes"]
    assert frame.loc["q0", "p_ecdf"] < frame.loc["q0", "threshold"]
    assert np.isnan(frame.loc["q0", "p_chisq"])  # too few simulations for a chi-square test
    assert frame.drop(index="q0")["passes"].mean() > 0.9
