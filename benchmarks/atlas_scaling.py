"""Atlas throughput on this machine: the same pairs with 1 and with 2 Dask workers, pairs per second and memory.

Usage::

    uv run python benchmarks/atlas_scaling.py --pairs 12 --preset full

Takes the first ``--pairs`` pairs of the world-panel rule (largest flows first), or of a pairs file's
random sample (``--sample-from models/world_atlas/pairs.csv``, closer to the panel's mix), fits them into a fresh folder
once per worker count, and prints one JSON line per run (wall seconds including the cluster's start and each
worker's first compilation, pairs per second, memory per worker) plus the 2-worker/1-worker ratio. The
projection to the whole panel is an estimate from these rates and is labelled so.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import time
from pathlib import Path

import pandas as pd

from borderflows.atlas import run_atlas, select_pairs
from borderflows.mirror.world import world_pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=12, help="how many pairs of the rule to fit per run")
    parser.add_argument(
        "--sample-from",
        type=Path,
        help="take the pairs from this pairs file's random_sample rows (e.g. models/world_atlas/pairs.csv) "
        "instead of the rule's largest flows",
    )
    parser.add_argument("--preset", default="full")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/_out/atlas_scaling"))
    args = parser.parse_args()
    logging.getLogger("distributed").setLevel(logging.ERROR)
    from borderflows.data import dots_panel

    n_world = len(world_pairs(dots_panel()))
    if args.sample_from is None:
        pairs = select_pairs(limit=args.pairs)
    else:
        listed = pd.read_csv(args.sample_from)
        pairs = listed[listed["role"] == "random_sample"].head(args.pairs)[["exporter", "importer"]]
    rates = {}
    for workers in args.workers:
        folder = args.out / f"workers_{workers}"
        shutil.rmtree(folder, ignore_errors=True)
        started = time.perf_counter()
        run = run_atlas(pairs, folder, workers=workers, preset=args.preset, seed=args.seed)
        wall = time.perf_counter() - started
        rates[workers] = run.fitted / wall
        fits = run.summary["seconds"]
        print(
            json.dumps(
                {
                    "workers": workers,
                    "pairs": len(pairs),
                    "fitted": run.fitted,
                    "failed": run.failed,
                    "citable": int(run.summary["citable"].fillna(False).sum()),
                    "wall_s": round(wall, 1),
                    "pairs_per_s": round(rates[workers], 4),
                    "pairs_per_s_per_worker": round(rates[workers] / workers, 4),
                    "median_fit_s": round(float(fits.median()), 2),
                    "worker_memory_mb": {k: round(v) for k, v in run.worker_memory_mb.items()},
                    "load_1min": round(os.getloadavg()[0], 2),
                }
            ),
            flush=True,
        )
    if len(rates) >= 2:
        low, high = min(rates), max(rates)
        print(json.dumps({"ratio": f"{high} vs {low} workers", "speedup": round(rates[high] / rates[low], 2)}))
    best = max(rates.values())
    print(
        json.dumps(
            {
                "estimate_not_measured": f"whole world panel ({n_world} pairs) at the best rate",
                "hours": round(n_world / best / 3600, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
