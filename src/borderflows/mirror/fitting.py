"""One fit of the mirror model: sample, finish the draws, check convergence and identification.

:meth:`MirrorGap.fit_data <borderflows.mirror.spec.MirrorGap.fit_data>` calls :func:`fit_mirror`; the
results object it returns only holds draws and derives tables from them.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

import pandas as pd

from borderflows import progress
from borderflows.config import CHAINS, SamplerPreset
from borderflows.config import preset as get_preset
from borderflows.mirror.compiled import mirror_run, sample_mirror
from borderflows.mirror.identification import identification
from borderflows.mirror.inputs import MirrorData
from borderflows.mirror.posterior import with_noise_scales, with_offset_parts

if TYPE_CHECKING:
    import xarray as xr

    from borderflows.diagnostics import Diagnostics
    from borderflows.mirror.options import MirrorOptions, Walk
    from borderflows.mirror.results import MirrorGapResults

logger = logging.getLogger(__name__)

RETRY_DRAWS_FACTOR = 2
"""With ``walk="auto"``, when both walks fail the gate the closer one is sampled again with this many times the
draws (KAZ->CHN reached bulk ESS 380 and CHN->KGZ R-hat 1.015 with the full preset's 1,000 per chain)."""

GATE_VARIABLES = (
    "drift",
    "sigma_s",
    "sigma_u",
    "sigma_d",
    "offset",
    "pair_drift",
    "coverage_step",
    "u",
    "beta",
    "level_fill",
)
"""Variables the convergence gate checks (those a fit has)."""


def finish_and_check(trace: xr.DataTree, data: MirrorData, random_seed: int) -> tuple[xr.DataTree, Diagnostics]:
    """Add the noise scales and the offset's parts to a sampled ``trace``, then run the convergence gate on it.

    Returns
    -------
    tuple
        The finished draws and the gate's verdict on the :data:`GATE_VARIABLES` they hold.
    """
    from borderflows.diagnostics.gate import check_convergence

    idata = with_offset_parts(with_noise_scales(trace, data, random_seed), data, random_seed)
    names = [name for name in GATE_VARIABLES if name in idata["posterior"]]
    return idata, check_convergence(idata, var_names=names)


def fit_mirror(
    spec: MirrorOptions, data: MirrorData, *, random_seed: int, preset: str, data_hash: str
) -> MirrorGapResults:
    """Fit ``spec`` to ``data`` and return results with their diagnostics and identification verdict.

    With ``walk="auto"`` the non-centred walk is sampled first, the centred one if the first fails the
    convergence gate, and the closer of the two again with :data:`RETRY_DRAWS_FACTOR` times the draws if both
    fail; the results' spec records the walk that ran and their manifest the draws. A converged fit whose headline
    year is undecided (within Monte Carlo error of the identification rule,
    :data:`borderflows.mirror.identification.MCSE_MARGIN`) is sampled once more with :data:`RETRY_DRAWS_FACTOR`
    times the draws, whatever ``walk``; if that run fails the gate, the converged one is kept. Each attempt is
    announced through :func:`borderflows.progress.step`, with the reason the one before it ended.
    """
    from borderflows.diagnostics.gate import warn_if_not_citable
    from borderflows.mirror.results import MirrorGapResults
    from borderflows.results.manifest import data_hash as hash_frame

    run = mirror_run(data, get_preset(preset))
    if spec.walk == "auto":
        attempts: list[tuple[Walk, SamplerPreset]] = [("non-centred", run), ("centred", run)]
    else:
        attempts = [(spec.walk, run)]
    if not data_hash:
        data_hash = hash_frame(pd.DataFrame({"year": data.years, "x": data.x_reported, "m": data.m_reported}))
    tried: list[MirrorGapResults] = []
    why = ""
    extended = False
    while attempts:
        walk, attempt = attempts.pop(0)
        progress.step(f"{why}fit with the {walk} walk ({CHAINS} chains x {attempt.draws:,} draws)")
        ran = replace(spec, walk=walk)
        model, trace = sample_mirror(data, ran, attempt, random_seed, sampler=spec.sampler)
        idata, diagnostics = finish_and_check(trace, data, random_seed)
        results = MirrorGapResults(
            spec=ran,
            data=data,
            idata=idata,
            random_seed=random_seed,
            preset=run.name,
            diagnostics=diagnostics,
            identification=identification(idata, data),
            data_hash=data_hash,
            model=model,
        )
        tried.append(results)
        if diagnostics.ok:
            if results.identification.decided or extended:
                break
            # The headline year sits within Monte Carlo error of the identification rule: draw more, once.
            extended = True
            attempts = [(walk, attempt.scaled(RETRY_DRAWS_FACTOR))]
            why = f"the {results.identification.year} share is within Monte Carlo error of the identification rule: "
            continue
        if extended:
            break  # the longer run failed the gate; the converged one is kept below
        logger.info("%s->%s: the %s walk failed the gate (%s)", data.exporter, data.importer, walk, diagnostics.verdict)
        why = f"the {walk} walk failed the gate ({'; '.join(diagnostics.reasons)}): "
        if spec.walk == "auto" and not attempts and len(tried) == 2:
            # Both walks fell short: the one closer to passing runs again with twice the draws.
            best = min(tried, key=lambda r: (r.diagnostics.max_rhat, -r.diagnostics.min_ess_bulk))
            attempts.append((best.spec.walk, run.scaled(RETRY_DRAWS_FACTOR)))
    if extended and not results.diagnostics.ok:
        results = next(r for r in reversed(tried) if r.diagnostics.ok)  # keep the run that converged
    warn_if_not_citable(results.diagnostics, f"mirror gap {data.exporter}->{data.importer}", stacklevel=4)
    return results
