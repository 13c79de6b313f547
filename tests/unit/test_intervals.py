"""Interval registry: values, labels and argument checks."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from borderflows.exceptions import OptionError
from borderflows.results.intervals import INTERVALS, describe, eti, hdi, interval


def test_eti_matches_normal_quantiles(rng: np.random.Generator) -> None:
    draws = rng.normal(size=200_000)
    lower, upper = eti(draws, 0.9)
    # Monte Carlo s.e. of the 5% quantile of N(0,1) at n=2e5 is about 0.005; 0.02 is four s.e.
    assert lower == pytest.approx(stats.norm.ppf(0.05), abs=0.02)
    assert upper == pytest.approx(stats.norm.ppf(0.95), abs=0.02)


def test_hdi_of_skewed_distribution_is_narrower_than_eti(rng: np.random.Generator) -> None:
    draws = rng.exponential(size=100_000)
    h_low, h_high = hdi(draws, 0.9)
    e_low, e_high = eti(draws, 0.9)
    # Exponential(1): the 90% HDI is [0, -log 0.1] = [0, 2.303].
    assert h_low == pytest.approx(0.0, abs=0.01)
    assert h_high == pytest.approx(-np.log(0.1), abs=0.05)
    assert h_high - h_low < e_high - e_low


def test_intervals_work_elementwise() -> None:
    # 200,000 draws: the 25% and 75% sample quantiles of a standard normal have sd
    # sqrt(0.25 * 0.75 / 200,000) / phi(0.674) = 0.0030 each, so the width and the centre have sd below
    # 0.006 (HDI search adds little at this size); 0.05 is over 8 sd. Own generator: the outcome must not
    # depend on which tests drew from the session stream before this one.
    draws = np.random.default_rng(30).normal(loc=[0.0, 10.0], size=(200_000, 2))
    for kind in INTERVALS:
        lower, upper = interval(draws, 0.5, kind)
        assert lower.shape == (2,)
        assert upper[1] - lower[1] == pytest.approx(2 * stats.norm.ppf(0.75), abs=0.05)
        assert (lower + upper)[1] / 2 == pytest.approx(10.0, abs=0.05)


@pytest.mark.parametrize("prob", [0.0, 1.0, -0.2, 90])
def test_prob_outside_unit_interval_is_rejected(prob: float) -> None:
    with pytest.raises(OptionError, match=r"option 'prob': .* is not a probability strictly between 0 and 1"):
        eti(np.arange(10.0), prob)


def test_unknown_kind_is_rejected() -> None:
    with pytest.raises(OptionError, match=r"option 'kind': unknown interval kind 'wald'\. Fix: choose one of eti, hdi"):
        interval(np.arange(10.0), 0.9, "wald")


def test_describe_names_probability_and_kind() -> None:
    assert describe(0.9, "eti") == "90% equal-tailed interval"
    assert describe(0.5, "hdi") == "50% highest-density interval"


def test_describe_refuses_what_no_function_computes() -> None:
    with pytest.raises(OptionError, match="unknown interval kind 'wald'"):
        describe(0.9, "wald")
    with pytest.raises(OptionError, match="option 'prob'"):
        describe(1.5, "eti")
