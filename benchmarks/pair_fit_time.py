"""Seconds of one warm pair fit as the atlas runs it (in-process ``fit_job``), and of its covariate lookup.

For an A/B of two code states, run it from each checkout on the same machine, back to back::

    uv run python benchmarks/pair_fit_time.py                                   # this checkout
    cd /tmp/old && PYTHONPATH=/tmp/old/src /path/to/.venv/bin/python benchmarks/pair_fit_time.py   # another one

The first pair compiles the graph and is not counted; the median is over the other pairs that passed the gate with the
first (non-centred) walk, so it measures the work of one fit, not the fallbacks.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings

import pandas as pd

import borderflows as bf

PAIRS = ("BEL-ZMB", "BGR-KOR", "BRA-COL", "CAN-HKG", "COL-PRT", "CRI-HKG", "CYP-RUS")
"""Random-sample pairs of the atlas of record that share one graph shape (the first compiles it)."""


def covariate_seconds(exporter: str, importer: str, repeats: int = 5) -> float:
    """Median seconds of the covariate lookup one fit makes for its pair."""
    from borderflows.mirror.world import pair_covariates_for

    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        pair_covariates_for(pd.DataFrame({"exporter": [exporter], "importer": [importer]}))
        times.append(time.perf_counter() - started)
    return float(pd.Series(times).median())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", default=",".join(PAIRS), help="comma-separated E-I pairs (the first compiles)")
    parser.add_argument("--preset", default="full")
    args = parser.parse_args(argv)
    from borderflows.atlas.task import AtlasJob, fit_job, pair_seed
    from borderflows.mirror.world import WORLD_YEARS, default_world

    warnings.simplefilter("ignore")
    world = default_world()
    rows = []
    for code in args.pairs.split(","):
        exporter, importer = code.split("-")
        pair = bf.data.mirror_pair(exporter, importer, years=WORLD_YEARS)
        job = AtlasJob(exporter, importer, pair_seed(2024, exporter, importer), args.preset, WORLD_YEARS)
        started = time.perf_counter()
        outcome = fit_job(pair, world, job)
        rows.append({"pair": code, "seconds": time.perf_counter() - started, "walk": outcome.summary.get("walk")})
    frame = pd.DataFrame(rows)
    warm = frame.iloc[1:]
    warm = warm[warm["walk"] == "non-centred"]
    first = args.pairs.split(",")[0].split("-")
    print(frame.round(2).to_string(index=False))
    print(
        json.dumps(
            {
                "code": bf.__file__,
                "warm_non_centred_fits": len(warm),
                "median_fit_s": round(float(warm["seconds"].median()), 2),
                "covariate_lookup_s": round(covariate_seconds(*first), 3),
                "load_1min": os.getloadavg()[0],
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
