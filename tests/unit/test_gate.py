"""The convergence gate on hand-built posteriors with known pathologies."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from borderflows.diagnostics import check_convergence
from borderflows.exceptions import ConvergenceWarning


def _tree(posterior: np.ndarray, energy: np.ndarray, diverging: np.ndarray) -> xr.DataTree:
    chains, draws = posterior.shape
    coords = {"chain": np.arange(chains), "draw": np.arange(draws)}
    return xr.DataTree.from_dict(
        {
            "posterior": xr.Dataset({"theta": (("chain", "draw"), posterior)}, coords=coords),
            "sample_stats": xr.Dataset(
                {"energy": (("chain", "draw"), energy), "diverging": (("chain", "draw"), diverging)},
                coords=coords,
            ),
        }
    )


def test_independent_chains_pass(rng: np.random.Generator) -> None:
    tree = _tree(rng.normal(size=(4, 1000)), rng.normal(size=(4, 1000)), np.zeros((4, 1000), bool))
    result = check_convergence(tree)
    assert result.ok, result.reasons
    assert result.verdict == "citable"
    assert result.n_chains == 4
    assert result.n_draws == 1000


def test_shifted_chain_fails_rhat_and_warns(rng: np.random.Generator) -> None:
    posterior = rng.normal(size=(4, 1000))
    posterior[0] += 3.0
    tree = _tree(posterior, rng.normal(size=(4, 1000)), np.zeros((4, 1000), bool))
    with pytest.warns(ConvergenceWarning, match="NOT citable"):
        result = check_convergence(tree)
    assert not result.ok
    assert result.max_rhat > 1.1
    assert any("R-hat" in reason for reason in result.reasons)


def test_divergences_and_low_bfmi_and_low_ess_fail(rng: np.random.Generator) -> None:
    # A random walk per chain has tiny ESS; a random-walk energy has E-BFMI near 0.
    walk = np.cumsum(rng.normal(size=(4, 1000)), axis=1)
    diverging = np.zeros((4, 1000), bool)
    diverging[1, 10] = True
    result = check_convergence(_tree(walk, walk, diverging), warn=False)
    assert not result.ok
    assert result.divergences == 1
    text = " ".join(result.reasons)
    assert "ESS" in text
    assert "divergent" in text
    assert "E-BFMI" in text
