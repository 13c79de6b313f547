"""Compile the mirror model once per graph shape and re-use it with new data.

nutpie compiles a PyMC model to numba code in seconds; later fits with data of the same shape swap
the ``pm.Data`` values (``compiled.with_data``) and sample immediately. The cache lives for the
process, keyed on :meth:`MirrorData.structure_key` and the breakpoints.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pymc as pm
import xarray as xr

from borderflows.config import CHAINS, CORES, SamplerPreset
from borderflows.mirror.inputs import MirrorData
from borderflows.mirror.model import build_model
from borderflows.progress import sampler_progress_bar

if TYPE_CHECKING:
    from borderflows.mirror.spec import MirrorGap


LOW_RANK_MAX_BIASES = 100
"""Fits with at most this many reporter biases use nutpie's low-rank mass matrix, larger ones diagonal."""


def adaptation(data: MirrorData) -> str:
    """nutpie mass-matrix adaptation for ``data``: low-rank unless the panel has many reporters.

    The margin, the target pair's biases and the level of logit u lie on a ridge (only their sum is
    pinned by the pair's mirror ratios), which a low-rank mass matrix follows. Measured 2026-11-22:
    CHN->KAZ pair mode, full preset, bulk ESS 730-860 low-rank against 115-150 (R-hat 1.02) diagonal;
    simulated panels with 4 partners (12 biases), full preset, 30 of 30 fits pass the gate low-rank
    against 53 of 100 diagonal. With the ~300 biases of the bundled DOTS panel a low-rank update costs
    ten times more per draw (34 s vs 3.4 s for 600 draws on two chains) while diagonal passes the gate,
    so large panels use diagonal.
    """
    n_biases = len(data.exporters) + len(data.importers)
    return "low_rank" if n_biases <= LOW_RANK_MAX_BIASES else "diag"


PANEL_DRAWS_FACTOR = 2
"""Panel fits draw this many times the preset's draws: the worst of ~300 reporter biases reached
bulk ESS 460-500 with 1000 draws per chain (measured), too close to the gate's 400; sampling is
about 5 s per 1000 draws, so doubling is cheap."""


def draws_for(data: MirrorData, preset: SamplerPreset) -> int:
    """Draws per chain for ``data`` under ``preset`` (more in panel mode, see :data:`PANEL_DRAWS_FACTOR`)."""
    return preset.draws * PANEL_DRAWS_FACTOR if data.has_panel else preset.draws


_CACHE: dict[tuple[Any, ...], tuple[pm.Model, Any]] = {}


def all_data_values(data: MirrorData, spec: MirrorGap) -> dict[str, np.ndarray]:
    """Every ``pm.Data`` value of the model for ``data`` and ``spec``."""
    values = data.data_values()
    values["margin_centre"] = np.asarray(spec.margin.log_centre, dtype=float)
    values["margin_sd"] = np.asarray(spec.margin.sd, dtype=float)
    return values


def compiled_model(data: MirrorData, spec: MirrorGap) -> tuple[pm.Model, Any, bool]:
    """The PyMC model and nutpie compiled model for ``data``, from the cache when the shape matches.

    Returns
    -------
    tuple
        ``(model, compiled, cache_hit)``; the model's data containers hold ``data``'s values.
    """
    import nutpie

    key = (data.structure_key(), tuple(spec.breakpoints), data.has_panel, spec.walk)
    values = all_data_values(data, spec)
    if key in _CACHE:
        model, compiled = _CACHE[key]
        with model:
            pm.set_data(values)
        return model, compiled.with_data(**values), True
    model = build_model(data, spec)
    compiled = nutpie.compile_pymc_model(model)
    _CACHE[key] = (model, compiled)
    return model, compiled, False


def clear_cache() -> None:
    """Forget compiled models (tests of first-fit timing)."""
    _CACHE.clear()


def sample_mirror(
    data: MirrorData,
    spec: MirrorGap,
    preset: SamplerPreset,
    random_seed: int,
    *,
    sampler: str = "nutpie",
) -> tuple[pm.Model, xr.DataTree]:
    """Sample the posterior of the mirror model (four chains, two cores).

    Parameters
    ----------
    data, spec
        Inputs and options.
    preset
        Draws, warm-up and target acceptance.
    random_seed
        Seed of the run.
    sampler
        ``"nutpie"`` (compiled once and cached) or ``"pymc"`` (pymc's own NUTS, for comparison).

    Returns
    -------
    tuple
        The model (its data set to ``data``) and the posterior DataTree.
    """
    if sampler == "pymc":
        from borderflows.sampling import sample_posterior

        model = build_model(data, spec)
        return model, sample_posterior(model, preset, random_seed, sampler="pymc")
    import nutpie

    model, compiled, _ = compiled_model(data, spec)
    idata = nutpie.sample(
        compiled,
        draws=draws_for(data, preset),
        tune=preset.tune,
        chains=CHAINS,
        cores=CORES,
        seed=random_seed,
        target_accept=preset.target_accept,
        progress_bar=sampler_progress_bar(),  # only when a terminal caller asked (borderflows.progress)
        adaptation=adaptation(data),
    )
    return model, idata
