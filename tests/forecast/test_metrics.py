"""Metric functions against hand-computed cases (each expected number is worked out in a comment)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from borderflows.forecast import metrics


def test_smape_hand_computed() -> None:
    # 200*|100-110|/(100+110) = 9.5238...; 200*|50-40|/(50+40) = 22.222...; both zero -> 0 by convention
    out = metrics.smape([100.0, 50.0, 0.0], [110.0, 40.0, 0.0])
    np.testing.assert_allclose(out, [2000 / 210, 2000 / 90, 0.0])


def test_mase_hand_computed() -> None:
    insample = [10.0, 12.0, 11.0, 15.0]  # |diffs| = 2, 1, 4 -> scale 7/3
    actual, forecast = [16.0, 18.0], [15.0, 15.0]  # |errors| = 1, 3 -> mean 2
    assert metrics.mase_scale(insample) == pytest.approx(7 / 3)
    assert metrics.mase(actual, forecast, insample) == pytest.approx(2 / (7 / 3))


def test_mase_needs_two_points() -> None:
    with pytest.raises(ValueError, match="more than 1"):
        metrics.mase_scale([1.0])


def test_interval_score_and_msis_hand_computed() -> None:
    # prob 0.95 -> alpha 0.05, penalty 2/alpha = 40.
    # y=5 inside [4, 6]: width 2. y=7 above [4, 6]: 2 + 40*1 = 42. y=1 below [2, 3]: 1 + 40*1 = 41.
    score = metrics.interval_score([5.0, 7.0, 1.0], [4.0, 4.0, 2.0], [6.0, 6.0, 3.0], 0.95)
    np.testing.assert_allclose(score, [2.0, 42.0, 41.0])
    # scale of [0, 2, 4] is 2 -> MSIS = mean(2, 42, 41) / 2 = 85/6
    assert metrics.msis([5.0, 7.0, 1.0], [4.0, 4.0, 2.0], [6.0, 6.0, 3.0], 0.95, [0.0, 2.0, 4.0]) == pytest.approx(
        85 / 6
    )


def test_coverage_includes_bounds() -> None:
    np.testing.assert_array_equal(metrics.covered([1.0, 2.0, 3.5], [1.0, 1.0, 1.0], [3.0, 2.0, 3.0]), [1, 1, 0])


def test_crps_single_draw_is_absolute_error() -> None:
    np.testing.assert_allclose(metrics.crps([3.0, -1.0], np.array([[1.0, 1.0]])), [2.0, 2.0])


def test_crps_two_point_ensemble_hand_computed() -> None:
    # E|X-y| - 0.5 E|X-X'| for X uniform on {0, 2}, y = 0: 1 - 0.5 * 1 = 0.5
    assert metrics.crps([0.0], np.array([[0.0], [2.0]]))[0] == pytest.approx(0.5)


def test_crps_gaussian_matches_closed_form(rng: np.random.Generator) -> None:
    from scipy import stats

    # Closed form for N(0,1) at y: y(2Phi(y)-1) + 2phi(y) - 1/sqrt(pi).
    y = 0.7
    exact = y * (2 * stats.norm.cdf(y) - 1) + 2 * stats.norm.pdf(y) - 1 / np.sqrt(np.pi)
    draws = stats.norm.ppf((np.arange(4000) + 0.5) / 4000)[:, None]
    # Quantile draws: the discretisation error of 4000 stratified points is below 1e-3.
    assert metrics.crps([y], draws)[0] == pytest.approx(exact, abs=1e-3)


@given(
    y=st.floats(-1e6, 1e6),
    centre=st.floats(-1e6, 1e6),
    half=st.floats(0.0, 1e6),
    prob=st.floats(0.01, 0.99),
)
def test_interval_score_at_least_width(y: float, centre: float, half: float, prob: float) -> None:
    lower, upper = centre - half, centre + half
    score = metrics.interval_score([y], [lower], [upper], prob)[0]
    assert score >= (upper - lower) - 1e-6 * max(1.0, abs(score))
    if lower <= y <= upper:
        assert score == pytest.approx(upper - lower)
