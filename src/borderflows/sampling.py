"""One place that calls the NUTS sampler, so chains, cores and seeds are set the same way everywhere.

nutpie is the default sampler: on these machines it is about three times faster than pymc's own
NUTS for a latent random walk, compile included (ENVIRONMENT.md). ``sampler="pymc"`` stays available
for comparison benchmarks.
"""

from __future__ import annotations

import secrets
from typing import Literal

import pymc as pm
import xarray as xr

from borderflows.config import CHAINS, CORES, SamplerPreset

Sampler = Literal["nutpie", "pymc"]


def resolve_seed(random_seed: int | None) -> int:
    """Return ``random_seed``, or draw a fresh one to record when the caller gave none.

    The seed is resolved once per fit and stored in the result's manifest (STYLE.md rule 8).
    """
    if random_seed is None:
        return secrets.randbelow(2**31 - 1)
    if isinstance(random_seed, bool) or not isinstance(random_seed, int) or random_seed < 0:
        raise ValueError(f"random_seed must be a non-negative integer, got {random_seed!r}")
    return random_seed


def sample_posterior(
    model: pm.Model,
    preset: SamplerPreset,
    random_seed: int,
    *,
    sampler: Sampler = "nutpie",
    progressbar: bool = False,
    log_likelihood: bool = False,
) -> xr.DataTree:
    """Draw four chains on two cores with the preset's draws, warm-up and target acceptance.

    Parameters
    ----------
    model
        The PyMC model.
    preset
        Draws, warm-up and target acceptance.
    random_seed
        Seed for every chain.
    sampler
        ``"nutpie"`` (default) or ``"pymc"``.
    progressbar
        Show the sampler's own progress bar.
    log_likelihood
        Also store pointwise log-likelihood (needed by LOO, LFO and psense).

    Returns
    -------
    xarray.DataTree
        Posterior, sample statistics and observed data.
    """
    return pm.sample(
        model=model,
        draws=preset.draws,
        tune=preset.tune,
        chains=CHAINS,
        cores=CORES,
        target_accept=preset.target_accept,
        random_seed=random_seed,
        nuts_sampler=sampler,
        progressbar=progressbar,
        idata_kwargs={"log_likelihood": log_likelihood},
    )
