"""Compile each model structure once, then sample any series of that shape with ``with_data``.

Compiling a PyMC graph with nutpie's numba backend costs 5-20 s on a cold cache; sampling a short
series afterwards costs well under a second (ENVIRONMENT.md). The cache below is keyed by
:class:`~borderflows.forecast.bayes.structure.Structure` and the priors, so a fit, its
leave-future-out refits and every other series of the same length bucket share one compile.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import numpy as np
import nutpie
import xarray as xr

from borderflows.config import CHAINS, CORES, SamplerPreset
from borderflows.forecast.bayes.priors import ForecastPriors
from borderflows.forecast.bayes.structure import Structure, build_model, graph_key
from borderflows.progress import sampler_progress_bar

_CACHE: dict[tuple[Structure, str], Any] = {}
_LOCK = threading.Lock()


def placeholder_data(length: int) -> dict[str, np.ndarray]:
    """Arrays of the right shapes and dtypes to build a graph before any series is seen."""
    return {
        "y": np.zeros(length),
        "mask": np.ones(length),
        "offset": np.zeros(length),
        "after_break": np.zeros(length),
        "z0": np.array(0.0),
        "obs_var": np.zeros(length),
    }


def compiled_model(structure: Structure, priors: ForecastPriors) -> Any:
    """The nutpie-compiled model for ``structure`` under ``priors`` (built once per process)."""
    structure = graph_key(structure)
    key = (structure, json.dumps(priors.to_dict(), sort_keys=True))
    with _LOCK:
        if key not in _CACHE:
            model = build_model(structure, priors, placeholder_data(structure.length))
            _CACHE[key] = nutpie.compile_pymc_model(model, freeze_model=False)
        return _CACHE[key]


def sample(
    structure: Structure,
    priors: ForecastPriors,
    data: dict[str, np.ndarray],
    preset: SamplerPreset,
    random_seed: int,
) -> xr.DataTree:
    """Draw four chains on two cores for one series.

    Parameters
    ----------
    structure, priors
        Select (or build) the compiled model.
    data
        Values for the ``pm.Data`` containers (see :func:`~borderflows.forecast.bayes.structure.build_model`).
    preset
        Draws, warm-up and target acceptance.
    random_seed
        Seed of the sampler.
    """
    base = compiled_model(structure, priors)
    used = {var.name for var in base.shared_var_keys}  # a container the graph never reads is pruned
    compiled = base.with_data(**{k: np.asarray(v, dtype=float) for k, v in data.items() if k in used})
    trace: xr.DataTree = nutpie.sample(
        compiled,
        draws=preset.draws,
        tune=preset.tune,
        chains=CHAINS,
        cores=CORES,
        seed=random_seed,
        progress_bar=sampler_progress_bar(),  # only when `borderflows report` runs on a terminal
        target_accept=preset.target_accept,
    )
    return trace


def stacked(trace: xr.DataTree, name: str) -> np.ndarray:
    """Posterior draws of ``name`` with chains and draws flattened into the first axis."""
    values = np.asarray(trace["posterior"][name].values)
    return values.reshape((-1, *values.shape[2:]))
