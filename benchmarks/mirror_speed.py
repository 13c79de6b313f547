"""Mirror model v3 timing: the world panel fit, and one pair given the world (first fit and warm refit).

Usage::

    uv run python benchmarks/mirror_speed.py world          # fit the world panel (full preset), not saved
    uv run python benchmarks/mirror_speed.py pair CHN KAZ   # first fit (fresh process, compile included) + refit
    uv run python benchmarks/mirror_speed.py stages USA CAN 5   # a fresh process's seconds, stage by stage
    uv run borderflows mirror CHN KAZ --out /tmp/m          # end to end, timed from outside (e.g. /usr/bin/time)

Prints one JSON line per measurement with the gate verdict, wall seconds and process CPU seconds (compilation is
single-threaded, sampling runs two chains at a time, so on a busy machine CPU time shows how much of the wall
time was waiting); record results with ``uptime`` load average in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import json
import os
import sys
import time
import warnings

START = time.perf_counter()


def _line(**fields: object) -> None:
    print(json.dumps({**fields, "load_average": os.getloadavg()}), flush=True)


def world() -> None:
    """Time one full-preset fit of the world panel from the bundled data."""
    from borderflows.data import dots_panel
    from borderflows.mirror.world import WORLD_SEED, fit_world, world_data_hash

    t0, cpu0 = time.perf_counter(), time.process_time()
    fitted = fit_world(dots_panel(), random_seed=WORLD_SEED, preset="full", data_hash=world_data_hash())
    diagnostics = fitted.manifest["diagnostics"]
    _line(
        measure="world_fit",
        fit_s=round(time.perf_counter() - t0, 1),
        cpu_s=round(time.process_time() - cpu0, 1),
        n_pairs=fitted.manifest["n_pairs"],
        verdict=diagnostics["verdict"],  # type: ignore[index]
    )


def pair(exporter: str, importer: str) -> None:
    """Time a first fit (compile included) and a refit of one pair given the committed world posterior."""
    from borderflows.data import mirror_pair
    from borderflows.exceptions import ConvergenceWarning
    from borderflows.mirror import MirrorGap

    spec = MirrorGap()
    data = spec.inputs(mirror_pair(exporter, importer), evidence=True)
    for label, seed in (("first_fit", 1), ("refit", 2)):
        t0, cpu0 = time.perf_counter(), time.process_time()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            res = spec.fit_data(data, random_seed=seed, preset="full")
        _line(
            pair=f"{exporter}->{importer}",
            measure=label,
            fit_s=round(time.perf_counter() - t0, 1),
            cpu_s=round(time.process_time() - cpu0, 1),
            since_process_start_s=round(time.perf_counter() - START, 1),
            walk=res.spec.walk,
            converged=res.diagnostics.ok,
            verdict=res.verdict,
        )


def stages(exporter: str, importer: str, seed: int) -> None:
    """Split a fresh process's ``borderflows mirror`` work into imports, data, fit, outputs and a same-seed refit.

    The refit repeats the first fit's sampling with the compiled graph in memory, so ``fit_s - refit_s`` is what
    the first fit spent compiling (the sampling ladder is the same: same data, same seed).
    """
    import tempfile
    from pathlib import Path

    t0 = time.perf_counter()
    from borderflows.data import mirror_pair
    from borderflows.exceptions import ConvergenceWarning
    from borderflows.mirror import MirrorGap
    from borderflows.mirror.analysis import write_outputs

    t_imports = time.perf_counter()
    pair = mirror_pair(exporter, importer)
    t_data = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        res = MirrorGap().fit(pair, random_seed=seed)
        t_fit = time.perf_counter()
        with tempfile.TemporaryDirectory() as out:
            write_outputs(res, Path(out), probs=(0.9,))
        t_out = time.perf_counter()
        again = MirrorGap().fit(pair, random_seed=seed)
        t_refit = time.perf_counter()
    _line(
        pair=f"{exporter}->{importer}",
        measure="stages",
        seed=seed,
        imports_s=round(t_imports - t0, 1),
        data_s=round(t_data - t_imports, 1),
        fit_s=round(t_fit - t_data, 1),
        outputs_s=round(t_out - t_fit, 1),
        refit_same_seed_s=round(t_refit - t_out, 1),
        compile_s=round((t_fit - t_data) - (t_refit - t_out), 1),
        total_without_refit_s=round(t_out - START, 1),
        same_table=bool(res.summary_frame().equals(again.summary_frame())),
        verdict=res.verdict,
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["world"]:
        world()
    elif sys.argv[1:2] == ["pair"] and len(sys.argv) == 4:
        pair(sys.argv[2], sys.argv[3])
    elif sys.argv[1:2] == ["stages"] and len(sys.argv) == 5:
        stages(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        sys.exit(__doc__)
