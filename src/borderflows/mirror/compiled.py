"""The mirror model's way through :mod:`borderflows.sampling`: its compile key, run and adaptation.

nutpie compiles a PyMC model to numba code in seconds; later fits with data of the same shape swap
the ``pm.Data`` values and sample immediately. The compile cache is :mod:`borderflows.sampling`'s,
keyed here on :meth:`MirrorData.structure_key`, the breakpoints, the mode and the walk.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from borderflows.config import SamplerPreset
from borderflows.mirror.inputs import MirrorData
from borderflows.mirror.model import build_model
from borderflows.mirror.options import MirrorOptions
from borderflows.sampling import CompiledModel, compile_model, sample_compiled, sample_posterior

if TYPE_CHECKING:
    import pymc as pm
    import xarray as xr


def adaptation(data: MirrorData) -> str:
    """nutpie mass-matrix adaptation for ``data``: low-rank.

    The pair's offset and the level of logit u lie on a ridge (only their sum is pinned by the pair's
    mirror ratios), which a low-rank mass matrix follows; the one-pair model has few enough parameters
    (about 40) that a low-rank update is cheap. Measured on v2's pair mode (2026-11-22): bulk ESS 730-860
    low-rank against 115-150 (R-hat 1.02) diagonal.
    """
    del data
    return "low_rank"


MIRROR_DRAWS_FACTOR = 2
"""Mirror fits draw twice the preset's draws: with 1,000 per chain CHN->KAZ's tail ESS of u came out at 382 on one
seed and 539 on another (measured 2026-12-01), too close to the gate's 400; sampling is the cheap part of a fit
(compilation dominates). The factor is part of the resolved run and recorded in the manifest."""


def mirror_run(data: MirrorData, run: SamplerPreset) -> SamplerPreset:
    """The run a mirror fit of ``data`` samples with: the preset with :data:`MIRROR_DRAWS_FACTOR`, applied once."""
    del data
    return run if run.draws_factor > 1 else run.scaled(MIRROR_DRAWS_FACTOR)


def all_data_values(data: MirrorData, spec: MirrorOptions) -> dict[str, np.ndarray]:
    """Every ``pm.Data`` value of the model for ``data`` (the spec adds none)."""
    del spec
    return data.data_values()


def _compiled(data: MirrorData, spec: MirrorOptions) -> tuple[CompiledModel, dict[str, np.ndarray] | None]:
    """The cached compilation for ``data``'s shape, and the values to swap in (``None`` when it was just built
    from ``data``); on a cache hit the PyMC model's containers are set to ``data``'s values too."""
    import pymc as pm

    key = ("mirror", data.structure_key(), tuple(spec.breakpoints), spec.walk)
    entry, hit = compile_model(lambda: build_model(data, spec), key)
    if not hit:
        return entry, None
    values = all_data_values(data, spec)
    with entry.model:
        pm.set_data(values)
    return entry, values


def compiled_model(data: MirrorData, spec: MirrorOptions) -> tuple[pm.Model, Any, bool]:
    """The PyMC model and nutpie compiled model for ``data``, from the cache when the shape matches.

    Returns
    -------
    tuple
        ``(model, compiled, cache_hit)``; the model's data containers and the compiled model hold
        ``data``'s values.
    """
    entry, values = _compiled(data, spec)
    if values is None:
        return entry.model, entry.compiled, False
    return entry.model, entry.compiled.with_data(**values), True


def sample_mirror(
    data: MirrorData,
    spec: MirrorOptions,
    run: SamplerPreset,
    random_seed: int,
    *,
    sampler: str = "nutpie",
) -> tuple[pm.Model, xr.DataTree]:
    """Sample the posterior of the mirror model (four chains, two cores).

    Parameters
    ----------
    data, spec
        Inputs and options.
    run
        Draws, warm-up and target acceptance; the mirror draw factor is applied here unless ``run``
        already carries it (:func:`mirror_run`). The trace records the run that sampled
        (:func:`borderflows.sampling.run_of`).
    random_seed
        Seed of the run.
    sampler
        ``"nutpie"`` (compiled once and cached) or ``"pymc"`` (pymc's own NUTS, for comparison;
        always the preset's draws).

    Returns
    -------
    tuple
        The model (its data set to ``data``) and the posterior DataTree.
    """
    if sampler == "pymc":
        model = build_model(data, spec)
        return model, sample_posterior(model, run, random_seed, sampler="pymc")
    entry, values = _compiled(data, spec)
    trace = sample_compiled(entry, mirror_run(data, run), random_seed, data=values, adaptation=adaptation(data))
    return entry.model, trace
