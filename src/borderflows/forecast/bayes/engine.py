"""Compile each model structure once, then sample any series of that shape with ``with_data``.

Compiling a PyMC graph with nutpie's numba backend costs 5-20 s on a cold cache; sampling a short
series afterwards costs well under a second (ENVIRONMENT.md). Compiling and sampling go through
:mod:`borderflows.sampling`, whose cache is keyed here by
:class:`~borderflows.forecast.bayes.structure.Structure` and the priors, so a fit, its
leave-future-out refits and every other series of the same length bucket share one compile.
"""

from __future__ import annotations

import json

import numpy as np
import xarray as xr

from borderflows.config import SamplerPreset
from borderflows.forecast.bayes.priors import ForecastPriors
from borderflows.forecast.bayes.structure import Structure, build_model, graph_key
from borderflows.sampling import CompiledModel, compile_model, sample_compiled

__all__ = ["compiled_model", "placeholder_data", "sample"]


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


def compiled_model(structure: Structure, priors: ForecastPriors) -> CompiledModel:
    """The nutpie-compiled model for ``structure`` under ``priors`` (built once per process)."""
    structure = graph_key(structure)
    key = ("forecast", structure, json.dumps(priors.to_dict(), sort_keys=True))
    compiled, _ = compile_model(
        lambda: build_model(structure, priors, placeholder_data(structure.length)), key, freeze_model=False
    )
    return compiled


def sample(
    structure: Structure,
    priors: ForecastPriors,
    data: dict[str, np.ndarray],
    run: SamplerPreset,
    random_seed: int,
) -> xr.DataTree:
    """Draw four chains on two cores for one series.

    Parameters
    ----------
    structure, priors
        Select (or build) the compiled model.
    data
        Values for the ``pm.Data`` containers (see :func:`~borderflows.forecast.bayes.structure.build_model`);
        a container the graph never reads is pruned.
    run
        The resolved run: draws, warm-up and target acceptance.
    random_seed
        Seed of the sampler.
    """
    values = {k: np.asarray(v, dtype=float) for k, v in data.items()}
    return sample_compiled(compiled_model(structure, priors), run, random_seed, data=values)
