"""Which sequence of sampling attempts gets a pair through the gate at the least cost (issues 10 and 11).

``walk="auto"`` (:func:`borderflows.mirror.fitting.fit_mirror`) samples the non-centred walk with twice the preset's
draws, then the centred walk, then the closer of the two with four times the draws. In the atlas of record the
pairs that need those fallbacks take 71% of the random sample's fit seconds. This script measures, for every pair, the
gate's verdict after 1, 2 and 4 thousand draws per chain of each walk, and what each costs, so that any ladder of
attempts can be scored offline.

How it measures. A nutpie run's first ``k`` draws after warm-up equal a shorter run's with the same seed (checked
ad hoc on BGR->KOR before this script was written: 2 x 1,000 draws on their own and the first half of a 4 x 1,000
run differ by 0.0), so one run of 4 x 1,000 draws per walk gives all three draw counts. The seconds of an attempt
with ``k`` thousand draws are the run's sampling seconds apportioned by leapfrog steps (warm-up plus the first ``k``
thousand draws), plus that attempt's own gate and post-processing seconds, measured.

Pairs, fixed before any fit: 40 pairs drawn with ``numpy.random.default_rng(2026)`` from the world-panel rule
(``world_pairs``), leaving out the atlas of record's pairs (``models/world_atlas/pairs.csv``, on which the current
ladder was seen), all on the world years 1995-2020 (one graph shape per walk). The ladders scored, also fixed
before any fit (``NC``/``C`` = non-centred/centred, the digit = thousands of draws per chain, ``best`` = the walk
of the earlier attempts closer to passing, as ``fit_mirror`` picks it):

- ``current``: NC2 -> C2 -> best4
- ``NC2-NC4-C4``, ``NC4-C4``, ``NC4``, ``NC1-C1-best4``, ``NC2-C2`` (no retry)

Usage::

    uv run python benchmarks/mirror_attempts.py --out benchmarks/_out/mirror_attempts      # 40 pairs, ~14 min
    uv run python benchmarks/mirror_attempts.py --score benchmarks/_out/mirror_attempts    # the ladders' table
    uv run python benchmarks/mirror_attempts.py --only CHE-ISL,SVN-GEO --out benchmarks/_out/hard   # a few pairs
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

import borderflows as bf
from borderflows.config import SamplerPreset
from borderflows.mirror.compiled import compiled_model, sample_mirror
from borderflows.mirror.fitting import finish_and_check
from borderflows.mirror.spec import MirrorGap
from borderflows.mirror.world import WORLD_YEARS, default_world, world_pairs

WALKS = {"NC": "non-centred", "C": "centred"}
THOUSANDS = (1, 2, 4)
"""Draws per chain (thousands) at which each walk's gate is read."""
LADDERS = ("current", "NC2-NC4-C4", "NC4-C4", "NC4", "NC1-C1-best4", "NC2-C2")
SEED_RNG = 2026
N_PAIRS = 40


def sample_pairs(n: int = N_PAIRS) -> list[tuple[str, str]]:
    """The declared sample: ``n`` rule pairs outside the atlas of record, drawn with ``default_rng(2026)``."""
    rule = world_pairs(bf.data.dots_panel())[["exporter", "importer"]]
    seen = pd.read_csv(Path(__file__).resolve().parents[1] / "models" / "world_atlas" / "pairs.csv")
    keys = set(zip(seen["exporter"], seen["importer"], strict=True))
    pool = [(e, i) for e, i in zip(rule["exporter"], rule["importer"], strict=True) if (e, i) not in keys]
    picks = np.random.default_rng(SEED_RNG).choice(len(pool), size=n, replace=False)
    return [pool[k] for k in sorted(picks)]


def gate_at(trace, data, thousands: int, seed: int) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """The gate on the first ``thousands`` x 1,000 draws of a trace, as ``fit_mirror`` computes it, and its seconds."""
    started = time.perf_counter()
    _, verdict = finish_and_check(trace.isel(draw=slice(0, 1000 * thousands)), data, seed)
    return {
        "ok": bool(verdict.ok),
        "max_rhat": float(verdict.max_rhat),
        "min_ess_bulk": float(verdict.min_ess_bulk),
        "reasons": "; ".join(verdict.reasons),
        "gate_s": time.perf_counter() - started,
    }


def measure_pair(spec: MirrorGap, world, exporter: str, importer: str, seed: int) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    """Both walks' 4x run for one pair, read at 1, 2 and 4 thousand draws (one row per walk and draw count)."""
    data = spec.inputs(bf.data.mirror_pair(exporter, importer, years=WORLD_YEARS), world=world)
    rows = []
    for short, walk in WALKS.items():
        ran = replace(spec, walk=walk)
        run = SamplerPreset("full", draws=4000, tune=1000, target_accept=0.95, draws_factor=4)
        compiled_model(data, ran)  # a new graph shape compiles here, outside the timed sampling
        started = time.perf_counter()
        _, trace = sample_mirror(data, ran, run, seed)
        sample_s = time.perf_counter() - started
        warm = float(trace["warmup_sample_stats"]["n_steps"].sum())
        steps = np.asarray(trace["sample_stats"]["n_steps"].sum("chain"), dtype=float).cumsum()
        for k in THOUSANDS:
            share = (warm + steps[1000 * k - 1]) / (warm + steps[-1])
            rows.append(
                {
                    "exporter": exporter,
                    "importer": importer,
                    "attempt": f"{short}{k}",
                    "walk": walk,
                    "thousands": k,
                    "sample_s": sample_s * share,
                    **gate_at(trace, data, k, seed),
                }
            )
    return rows


def run_ladder(attempts: pd.DataFrame, ladder: str) -> dict[str, object]:
    """Walk one pair's attempts through ``ladder``: whether it ends passing, its seconds and the attempt it ends on."""
    by = attempts.set_index("attempt")
    spent, tried = 0.0, []
    for step in ladder.replace("current", "NC2-C2-best4").split("-"):
        if step.startswith("best"):
            best = min(tried, key=lambda a: (by.loc[a, "max_rhat"], -by.loc[a, "min_ess_bulk"]))
            step = f"{best.rstrip('0123456789')}{step[4:]}"
        spent += float(by.loc[step, "sample_s"] + by.loc[step, "gate_s"])
        tried.append(step)
        if by.loc[step, "ok"]:
            return {"ok": True, "seconds": spent, "ended": step}
    return {"ok": False, "seconds": spent, "ended": tried[-1]}


def score(folder: Path) -> pd.DataFrame:
    """The ladders' pass rate and seconds over the measured pairs."""
    rows = pd.read_json(folder / "attempts.jsonl", lines=True)
    table = []
    for ladder in LADDERS:
        outcomes = pd.DataFrame(
            [run_ladder(group, ladder) for _, group in rows.groupby(["exporter", "importer"], sort=False)]
        )
        table.append(
            {
                "ladder": ladder,
                "pairs": len(outcomes),
                "pass": int(outcomes["ok"].sum()),
                "mean_s": round(float(outcomes["seconds"].mean()), 2),
                "median_s": round(float(outcomes["seconds"].median()), 2),
                "total_s": round(float(outcomes["seconds"].sum()), 1),
            }
        )
    return pd.DataFrame(table)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, help="folder for attempts.jsonl (appended; pairs already there skipped)")
    parser.add_argument("--score", type=Path, help="score the ladders on a measured folder and exit")
    parser.add_argument("--pairs", type=int, default=N_PAIRS)
    parser.add_argument("--only", help="measure only these pairs of the sample, e.g. CHE-ISL,SVN-GEO")
    args = parser.parse_args(argv)
    if args.score:
        print(score(args.score).to_string(index=False))
        return 0
    if args.out is None:
        parser.error("give --out or --score")
    from borderflows.atlas.task import pair_seed

    warnings.simplefilter("ignore")
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "attempts.jsonl"
    done = (
        set()
        if not path.exists()
        else set(pd.read_json(path, lines=True)[["exporter", "importer"]].itertuples(index=False, name=None))
    )
    world = default_world()
    spec = MirrorGap(years=WORLD_YEARS)
    started = time.perf_counter()
    only = {tuple(pair.split("-")) for pair in args.only.split(",")} if args.only else None
    for n, (exporter, importer) in enumerate(sample_pairs(args.pairs), 1):
        if (exporter, importer) in done or (only is not None and (exporter, importer) not in only):
            continue
        rows = measure_pair(spec, world, exporter, importer, pair_seed(2024, exporter, importer))
        with path.open("a") as handle:
            for row in rows:
                handle.write(json.dumps(row) + "\n")
        ok = {row["attempt"]: row["ok"] for row in rows}
        print(
            f"{n:3d} {exporter}->{importer} {ok} {time.perf_counter() - started:.0f}s load {os.getloadavg()[0]:.1f}",
            flush=True,
        )
    print(score(args.out).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
