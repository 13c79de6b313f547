"""Posterior predictive helpers on a posterior built by hand (exact conjugate draws, no sampler)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from scipy import stats

from borderflows.diagnostics.ppc import loo_pit, pit_uniformity, predictive_coverage


def _datatree(rng: np.random.Generator, y: np.ndarray, predictive_scale: float) -> xr.DataTree:
    """Exact posterior of mu ~ N(0, 1), y_i ~ N(mu, 1); the predictive uses ``predictive_scale`` as its sd."""
    n = y.size
    mu = rng.normal(y.sum() / (n + 1), np.sqrt(1 / (n + 1)), size=(4, 250))
    y_rep = rng.normal(mu[..., None], predictive_scale, size=(4, 250, n))
    loglik = stats.norm.logpdf(y[None, None, :], mu[..., None], predictive_scale)
    dims = ("chain", "draw", "obs")
    return xr.DataTree.from_dict(
        {
            "posterior": xr.Dataset({"mu": (("chain", "draw"), mu)}),
            "posterior_predictive": xr.Dataset({"y": (dims, y_rep)}),
            "log_likelihood": xr.Dataset({"y": (dims, loglik)}),
            "observed_data": xr.Dataset({"y": (("obs",), y)}),
        }
    )


def test_predictive_coverage_is_tidy_and_near_nominal(rng: np.random.Generator) -> None:
    y = rng.normal(0.3, 1.0, 200)
    frame = predictive_coverage(_datatree(rng, y, 1.0), "y", prob=0.9, kind="eti")
    assert list(frame.columns) == ["obs", "observed", "median", "lower", "upper", "inside", "prob", "kind"]
    assert (frame["prob"] == 0.9).all()
    assert (frame["kind"] == "eti").all()
    # 200 observations, nominal 0.9: binomial SE 0.021; +-4 SE.
    assert frame["inside"].mean() == pytest.approx(0.9, abs=0.085)


def test_loo_pit_uniform_for_a_correct_model_and_not_for_an_overdispersed_one(rng: np.random.Generator) -> None:
    y = rng.normal(0.3, 1.0, 200)
    good = pit_uniformity(loo_pit(_datatree(rng, y, 1.0), "y"))
    # A predictive three times too wide puts every PIT value near 0.5: KS rejects with p far below 1e-6.
    bad = pit_uniformity(loo_pit(_datatree(rng, y, 3.0), "y"))
    assert good.n == 200
    assert good.p_value > 0.001  # false-alarm probability 0.001 for a correct model (fixed seed)
    assert bad.p_value < 1e-6
    assert "miscalibration" in bad.note


def test_missing_groups_are_named() -> None:
    tree = xr.DataTree.from_dict({"posterior": xr.Dataset({"mu": (("chain", "draw"), np.zeros((1, 5)))})})
    with pytest.raises(ValueError, match="posterior_predictive"):
        predictive_coverage(tree, "y")
