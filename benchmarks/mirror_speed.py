"""Mirror model timing: pair-only first fit (fresh process, compile included), refit, panel fit.

Usage::

    uv run python benchmarks/mirror_speed.py pair    # first fit + refit, pair mode, CHN->KAZ, full preset
    uv run python benchmarks/mirror_speed.py panel   # the same in panel mode (the analysis of record's mode)

Prints one JSON line per measurement with the gate verdict, wall seconds and process CPU seconds
(compilation is single-threaded, sampling runs two chains at a time, so on a busy machine CPU time
shows how much of the wall time was waiting); record results with ``uptime`` load average in
benchmarks/RESULTS.md.
"""

from __future__ import annotations

import json
import os
import sys
import time
import warnings

START = time.perf_counter()


def main(which: str) -> None:
    from borderflows.data import mirror_pair
    from borderflows.exceptions import ConvergenceWarning
    from borderflows.mirror import MirrorGap

    pair = mirror_pair("CHN", "KAZ")
    spec = MirrorGap(mode="pair" if which == "pair" else "panel")
    data = spec.inputs(pair, evidence=True)
    for label, seed in (("first_fit", 1), ("refit", 2)):
        t0 = time.perf_counter()
        cpu0 = time.process_time()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            res = spec.fit_data(data, random_seed=seed, preset="full")
        elapsed = time.perf_counter() - t0
        cpu = time.process_time() - cpu0
        print(
            json.dumps(
                {
                    "mode": spec.mode,
                    "measure": label,
                    "fit_s": round(elapsed, 1),
                    "cpu_s": round(cpu, 1),
                    "since_process_start_s": round(time.perf_counter() - START, 1),
                    "citable": res.citable,
                    "verdict": res.diagnostics.verdict,
                    "panel_pairs": len(data.pairs),
                    "panel_pair_years": data.n_panel_pair_years,
                    "load_average": os.getloadavg(),
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "pair")
