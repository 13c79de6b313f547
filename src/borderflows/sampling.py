"""The one door to the NUTS samplers: every posterior borderflows draws is drawn here.

Chains, cores, seeds and the compile cache are set the same way for every model. nutpie is the
default sampler: on these machines it is about three times faster than pymc's own NUTS for a latent
random walk, compile included (ENVIRONMENT.md). ``sampler="pymc"`` stays available for comparison
benchmarks.

Two routes lead through this module:

- :func:`compile_model` and :func:`sample_compiled`: compile a PyMC model with nutpie once per graph
  shape (a process-wide cache keyed by the caller) and sample it with new ``pm.Data`` values
  without recompiling; the mirror, forecast and SBC fits use this.
- :func:`sample_posterior`: sample a model through ``pymc.sample`` (``nuts_sampler`` nutpie or pymc).

Every trace that leaves this module carries the run it was drawn with in ``trace["posterior"].attrs["run"]``
(:meth:`~borderflows.config.SamplerPreset.to_dict` as JSON; read it with :func:`run_of`), so a
record can state what ran. pymc and nutpie are imported on first use, not with this module, so that
option checks in front of a fit stay fast.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

from borderflows.config import CHAINS, CORES, SamplerPreset, check_choice
from borderflows.exceptions import OptionError
from borderflows.progress import sampler_progress_bar, step

if TYPE_CHECKING:
    import pymc as pm
    import xarray as xr

Sampler = Literal["nutpie", "pymc"]
SAMPLERS: tuple[str, ...] = ("nutpie", "pymc")
RUN_ATTR = "run"
"""Key of the run record in a trace's attributes."""


def resolve_seed(random_seed: int | None) -> int:
    """Return ``random_seed``, or draw a fresh one to record when the caller gave none.

    The seed is resolved once per fit and stored in the result's manifest (STYLE.md rule 8).

    Raises
    ------
    OptionError
        If ``random_seed`` is not a non-negative integer.
    """
    if random_seed is None:
        return secrets.randbelow(2**31 - 1)
    if isinstance(random_seed, bool) or not isinstance(random_seed, int | np.integer) or random_seed < 0:
        raise OptionError("random_seed", f"{random_seed!r} is not a seed", "give a non-negative integer, or None")
    return int(random_seed)


@dataclass(frozen=True)
class CompiledModel:
    """A PyMC model and its nutpie compilation, refitted to new data without recompiling.

    Attributes
    ----------
    model
        The PyMC model the compilation was built from.
    compiled
        nutpie's compiled model.
    compile_seconds
        Wall time the compilation took.
    data_names
        Names of the ``pm.Data`` containers the compiled graph reads (others were pruned).
    """

    model: pm.Model
    compiled: Any = field(repr=False)
    compile_seconds: float
    data_names: frozenset[str]


_CACHE: dict[Hashable, CompiledModel] = {}
_LOCK = threading.Lock()


def compile_model(
    build: Callable[[], pm.Model], key: Hashable | None = None, *, freeze_model: bool | None = None
) -> tuple[CompiledModel, bool]:
    """Compile the model ``build()`` returns with nutpie, once per ``key`` in this process.

    Parameters
    ----------
    build
        Builds the PyMC model (called only on a cache miss).
    key
        Identifies the graph's shape and structure; ``None`` compiles without caching.
    freeze_model
        nutpie's ``freeze_model``: ``False`` keeps every ``pm.Data`` container replaceable, ``None``
        is nutpie's default.

    Returns
    -------
    tuple
        ``(compiled, cache_hit)``.
    """
    import nutpie

    with _LOCK:
        if key is not None and key in _CACHE:
            return _CACHE[key], True
        model = build()
        # pytensor keeps the graph's numba code in its disk cache (~/.pytensor), but nutpie's C wrappers around it
        # (numba cfuncs built from generated functions) are compiled in every new process: 7-11 s of a fresh
        # process's fit, 12-55 s when the graph is new to the machine (benchmarks/RESULTS.md, session 11).
        step("compile the model with nutpie (once per graph shape in this process; most of a first fit's time)")
        started = time.perf_counter()
        compiled = nutpie.compile_pymc_model(model, freeze_model=freeze_model)
        entry = CompiledModel(
            model=model,
            compiled=compiled,
            compile_seconds=time.perf_counter() - started,
            data_names=frozenset(var.name for var in compiled.shared_var_keys),
        )
        if key is not None:
            _CACHE[key] = entry
        return entry, False


def sample_compiled(
    compiled: CompiledModel,
    run: SamplerPreset,
    random_seed: int,
    *,
    data: Mapping[str, npt.ArrayLike] | None = None,
    adaptation: str | None = None,
    progress_bar: bool | None = None,
    chains: int = CHAINS,
    cores: int = CORES,
) -> xr.DataTree:
    """Draw chains (four on two cores unless told) from a compiled model.

    Parameters
    ----------
    compiled
        From :func:`compile_model`.
    run
        The resolved run: draws, warm-up and target acceptance.
    random_seed
        Seed of every chain.
    data
        New values of ``pm.Data`` containers; containers the compiled graph does not read are skipped.
    adaptation
        nutpie mass-matrix adaptation (``"diag"``, ``"low_rank"``, ...); ``None`` keeps nutpie's default.
    progress_bar
        Whether nutpie may draw its bar; ``None`` asks :func:`borderflows.progress.sampler_progress_bar`.
    chains, cores
        Chains and the cores to run them on (project defaults: four chains on two cores).

    Returns
    -------
    xarray.DataTree
        Posterior and sample statistics, the run in the posterior's ``attrs["run"]``.
    """
    import nutpie

    model = compiled.compiled
    if data:
        values = {k: np.asarray(v) for k, v in data.items() if k in compiled.data_names}
        model = model.with_data(**values)
    options: dict[str, Any] = {} if adaptation is None else {"adaptation": adaptation}
    trace: xr.DataTree = nutpie.sample(
        model,
        draws=run.draws,
        tune=run.tune,
        chains=chains,
        cores=cores,
        seed=random_seed,
        target_accept=run.target_accept,
        progress_bar=sampler_progress_bar() if progress_bar is None else progress_bar,
        **options,
    )
    return stamp_run(trace, run)


def sample_posterior(
    model: pm.Model, run: SamplerPreset, random_seed: int, *, sampler: Sampler = "nutpie"
) -> xr.DataTree:
    """Draw four chains on two cores through ``pymc.sample`` with the run's draws, warm-up and target acceptance.

    Parameters
    ----------
    model
        The PyMC model.
    run
        The resolved run.
    random_seed
        Seed for every chain.
    sampler
        ``"nutpie"`` (default) or ``"pymc"``.

    Returns
    -------
    xarray.DataTree
        Posterior, sample statistics and observed data, the run in the posterior's ``attrs["run"]``.

    Raises
    ------
    OptionError
        For an unknown sampler.
    """
    import pymc as pm

    check_choice("sampler", sampler, SAMPLERS, what="sampler")
    trace: xr.DataTree = pm.sample(
        model=model,
        draws=run.draws,
        tune=run.tune,
        chains=CHAINS,
        cores=CORES,
        target_accept=run.target_accept,
        random_seed=random_seed,
        nuts_sampler=sampler,
        progressbar=sampler_progress_bar(),
    )
    return stamp_run(trace, run)


def stamp_run(trace: xr.DataTree, run: SamplerPreset) -> xr.DataTree:
    """Record ``run`` in the posterior group's attributes (JSON text, so that it is saved with the posterior)."""
    trace["posterior"].attrs[RUN_ATTR] = json.dumps(run.to_dict(), sort_keys=True)
    return trace


def run_of(trace: xr.DataTree | xr.Dataset) -> dict[str, Any]:
    """The run a trace (or its posterior dataset) was drawn with (see :func:`stamp_run`); empty when unknown."""
    attrs = trace["posterior"].attrs if hasattr(trace, "children") else trace.attrs  # a DataTree has children
    raw = attrs.get(RUN_ATTR)
    value: dict[str, Any] = json.loads(raw) if isinstance(raw, str) else {}
    return value


def flat(draws: xr.DataTree | xr.Dataset, name: str) -> npt.NDArray[np.float64]:
    """Draws of ``name`` with chains and draws stacked on the first axis, chain-major: ``(chain * draw, ...)``.

    ``draws`` is a trace (its ``posterior`` group is read) or a dataset with ``chain`` and ``draw`` dimensions
    (a prior or predictive group, say).
    """
    group = draws["posterior"] if hasattr(draws, "children") else draws  # a DataTree has children
    values = np.asarray(group[name].transpose("chain", "draw", ...), dtype=float)
    return values.reshape((-1, *values.shape[2:]))
