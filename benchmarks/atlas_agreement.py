"""Atlas rows against single-pair fits of the same model, and the pairs file of the atlas of record.

Usage::

    uv run python benchmarks/atlas_agreement.py pairs models/world_atlas/pairs.csv
    uv run borderflows atlas --pairs models/world_atlas/pairs.csv --out models/world_atlas --preset full
    uv run python benchmarks/atlas_agreement.py compare models/world_atlas --sample 50

``pairs`` writes the atlas of record's pairs by a rule fixed before any fit: every available placebo,
regional and transit pair of the mirror study (docs/placebo_rule.md), then ``--sample`` pairs drawn
uniformly without replacement from the world panel's rule with ``numpy.random.default_rng(--seed)``.

``compare`` refits the sampled pairs one by one in this process as ``borderflows mirror E I --years
1995-2020`` does (``MirrorGap(years=WORLD_YEARS).fit``), once with the atlas's own pair seed (the rows must
be identical: same model, same draws) and once with another seed (Monte Carlo agreement: every year's
median within 0.02 and interval ends within 0.03, issue 11). It prints one JSON line per pair and a summary;
``--start`` and ``--sample`` split the sample between processes (``--start 0 --sample 25`` and ``--start 25``).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from borderflows.atlas import pair_seed, read_atlas
from borderflows.atlas.task import AtlasJob, fit_job
from borderflows.data import dots_pair_loader, dots_panel
from borderflows.mirror.placebo import study_pairs
from borderflows.mirror.world import WORLD_YEARS, default_world, world_pairs

MEDIAN_TOLERANCE = 0.02
END_TOLERANCE = 0.03
COLUMNS = ("share_median", "share_lower", "share_upper")


def write_pairs(path: Path, sample: int, seed: int) -> None:
    panel = dots_panel()
    study = study_pairs(panel)
    study = study[study["available"]].drop_duplicates(["exporter", "importer"])
    world = world_pairs(panel)[["exporter", "importer"]]
    known = set(zip(study["exporter"], study["importer"], strict=True))
    pool = world[[pair not in known for pair in zip(world["exporter"], world["importer"], strict=True)]]
    drawn = pool.iloc[np.sort(np.random.default_rng(seed).choice(len(pool), size=sample, replace=False))]
    rows = pd.concat([study[["exporter", "importer", "role"]], drawn.assign(role="random_sample")], ignore_index=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows.to_csv(path, index=False)
    print(
        json.dumps({"wrote": str(path), "study_pairs": len(study), "random_sample": sample, "rule_pairs": len(world)})
    )


def compare(folder: Path, sample: int, other_seed: int, start: int = 0) -> None:
    atlas = read_atlas(folder)
    listed = pd.read_csv(folder / "pairs.csv") if (folder / "pairs.csv").is_file() else atlas.pairs
    drawn = listed[listed.get("role", "random_sample") == "random_sample"].iloc[start : start + sample]
    world = default_world()
    load = dots_pair_loader()
    preset = str(atlas.pairs["preset"].iloc[0])
    atlas_seed = int(atlas.manifest.get("seed", 2024))
    rows = []
    for exporter, importer in zip(drawn["exporter"], drawn["importer"], strict=True):
        stored = atlas.years[(atlas.years["exporter"] == exporter) & (atlas.years["importer"] == importer)]
        if stored.empty:
            continue
        pair = load(exporter, importer)
        seed = pair_seed(atlas_seed, exporter, importer)
        started = time.perf_counter()
        same = fit_job(pair, world, AtlasJob(exporter, importer, seed, preset, WORLD_YEARS)).years
        refit = fit_job(pair, world, AtlasJob(exporter, importer, seed + other_seed, preset, WORLD_YEARS))
        other = refit.years
        seconds = time.perf_counter() - started
        stored = stored.sort_values("year")
        exact = max(
            float(np.max(np.abs(stored[c].to_numpy() - same.sort_values("year")[c].to_numpy()))) for c in COLUMNS
        )
        diff = {c: np.abs(stored[c].to_numpy() - other.sort_values("year")[c].to_numpy()) for c in COLUMNS}
        row = {
            "exporter": exporter,
            "importer": importer,
            "same_seed_max_abs_diff": exact,
            "median_max_abs_diff": float(diff["share_median"].max()),
            "ends_max_abs_diff": float(max(diff["share_lower"].max(), diff["share_upper"].max())),
            "seconds_two_fits": round(seconds, 1),
            "atlas_converged": bool(
                atlas.pairs.set_index(["exporter", "importer"]).loc[(exporter, importer), "converged"]
            ),
            "other_converged": bool(refit.summary.get("converged", False)),
        }
        row["agrees"] = row["median_max_abs_diff"] <= MEDIAN_TOLERANCE and row["ends_max_abs_diff"] <= END_TOLERANCE
        rows.append(row)
        print(json.dumps(row), flush=True)
    table = pd.DataFrame(rows)
    both = table["atlas_converged"] & table["other_converged"]
    print(
        json.dumps(
            {
                "pairs": len(table),
                "same_seed_identical": int((table["same_seed_max_abs_diff"] == 0).sum()),
                "other_seed_agree": int(table["agrees"].sum()),
                "worst_median_diff": round(float(table["median_max_abs_diff"].max()), 4),
                "worst_end_diff": round(float(table["ends_max_abs_diff"].max()), 4),
                "both_converged": int(both.sum()),
                "both_converged_agree": int(table.loc[both, "agrees"].sum()),
                "preset": preset,
                "load_1min": round(os.getloadavg()[0], 2),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("action", choices=["pairs", "compare"])
    parser.add_argument("path", type=Path, help="pairs file to write, or atlas folder to compare")
    parser.add_argument("--sample", type=int, default=50)
    parser.add_argument("--seed", type=int, default=2024, help="seed of the random sample of rule pairs")
    parser.add_argument("--start", type=int, default=0, help="skip this many sampled pairs (to split the work)")
    parser.add_argument("--other-seed", type=int, default=1, help="offset of the second single-pair fit's seed")
    args = parser.parse_args()
    if args.action == "pairs":
        write_pairs(args.path, args.sample, args.seed)
    else:
        compare(args.path, args.sample, args.other_seed, args.start)


if __name__ == "__main__":
    main()
