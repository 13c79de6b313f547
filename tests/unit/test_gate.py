"""The convergence gate on hand-built posteriors with known pathologies."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from borderflows.diagnostics import check_convergence
from borderflows.diagnostics.gate import warn_if_not_citable
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


def test_shifted_chain_fails_rhat_and_the_fit_warns_once_naming_it(rng: np.random.Generator) -> None:
    posterior = rng.normal(size=(4, 1000))
    posterior[0] += 3.0
    tree = _tree(posterior, rng.normal(size=(4, 1000)), np.zeros((4, 1000), bool))
    result = check_convergence(tree)  # the gate returns its verdict and never warns (filterwarnings = error)
    with pytest.warns(ConvergenceWarning, match="^arrivals: posterior is NOT citable: R-hat") as caught:
        warn_if_not_citable(result, "arrivals")
    assert len(caught) == 1
    assert not result.ok
    assert result.max_rhat > 1.1
    assert any("R-hat" in reason for reason in result.reasons)


def test_divergences_and_low_bfmi_and_low_ess_fail(rng: np.random.Generator) -> None:
    # A random walk per chain has tiny ESS; a random-walk energy has E-BFMI near 0.
    walk = np.cumsum(rng.normal(size=(4, 1000)), axis=1)
    diverging = np.zeros((4, 1000), bool)
    diverging[1, 10] = True
    result = check_convergence(_tree(walk, walk, diverging))
    assert not result.ok
    assert result.divergences == 1
    text = " ".join(result.reasons)
    assert "ESS" in text
    assert "divergent" in text
    assert "E-BFMI" in text


def test_a_citable_fit_does_not_warn(rng: np.random.Generator) -> None:
    tree = _tree(rng.normal(size=(4, 1000)), rng.normal(size=(4, 1000)), np.zeros((4, 1000), bool))
    warn_if_not_citable(check_convergence(tree), "arrivals")  # any warning would fail (filterwarnings = error)
