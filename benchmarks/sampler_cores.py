"""Whether atlas workers should sample on one core each (issue 11): nutpie ``cores=1`` against the default 2.

Two atlas workers on the 2-core machine each sample four chains on two cores, four threads on two cores. This
script times warm non-centred mirror pair fits (full preset, the mirror draw factor, world years 1995-2020) with
``cores=2`` and ``cores=1``: alone, and as two processes at once (what two workers do). It also checks that the
draws do not depend on ``cores`` (each pair's sum of ``u`` draws is printed).

Pairs: the first eight of ``benchmarks/mirror_attempts.py``'s declared sample whose non-centred walk passed there.

Usage::

    uv run python benchmarks/sampler_cores.py                 # both settings, alone and two at once (~6 min)
    uv run python benchmarks/sampler_cores.py --one 2         # one process, cores=2 (what the pairs run does)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import warnings
from dataclasses import replace

PAIRS = ("AUS-MDV", "BGR-MKD", "BRA-TTO", "CHL-DEU", "PER-MEX", "POL-ZAF", "SGP-TUN", "SLV-GTM")


def one(cores: int) -> dict[str, object]:
    """Sample every pair once with ``cores`` (after one untimed warm-up fit); seconds and each pair's sum of u."""
    import numpy as np

    import borderflows as bf
    from borderflows.atlas.task import pair_seed
    from borderflows.config import preset
    from borderflows.mirror.compiled import _compiled, adaptation, mirror_run
    from borderflows.mirror.spec import MirrorGap
    from borderflows.mirror.world import WORLD_YEARS, default_world
    from borderflows.sampling import sample_compiled

    warnings.simplefilter("ignore")
    # ``_compiled`` is private: sample_mirror does not take ``cores``, and one core per fit was not adopted.
    world = default_world()
    spec = replace(MirrorGap(years=WORLD_YEARS), walk="non-centred")
    pairs = [tuple(p.split("-")) for p in PAIRS]
    seconds, sums = {}, {}
    for k, (exporter, importer) in enumerate([pairs[0], *pairs]):
        data = spec.inputs(bf.data.mirror_pair(exporter, importer, years=WORLD_YEARS), world=world)
        entry, values = _compiled(data, spec)
        run = mirror_run(data, preset("full"))
        started = time.perf_counter()
        trace = sample_compiled(
            entry,
            run,
            pair_seed(2024, exporter, importer),
            data=values,
            adaptation=adaptation(data),
            progress_bar=False,
            cores=cores,
        )
        if k:
            seconds[f"{exporter}->{importer}"] = round(time.perf_counter() - started, 2)
            sums[f"{exporter}->{importer}"] = float(np.asarray(trace["posterior"]["u"]).sum())
    return {"cores": cores, "sampling_s": round(sum(seconds.values()), 2), "seconds": seconds, "u_sums": sums}


def launch(cores: int) -> subprocess.Popen[str]:
    """This script in a new process with ``--one cores``."""
    return subprocess.Popen([sys.executable, __file__, "--one", str(cores)], stdout=subprocess.PIPE, text=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--one", type=int, help="run one process with this many cores and print its JSON line")
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(one(args.one)), flush=True)
        return 0
    for cores in (2, 1):
        alone = json.loads(launch(cores).communicate()[0])
        pair = [launch(cores), launch(cores)]
        together = [json.loads(process.communicate()[0]) for process in pair]
        same = all(run["u_sums"] == alone["u_sums"] for run in together)
        print(
            json.dumps(
                {
                    "cores": cores,
                    "alone_sampling_s": alone["sampling_s"],
                    "two_at_once_sampling_s": [run["sampling_s"] for run in together],
                    "u_sums_equal_alone": same,
                    "u_sums": alone["u_sums"],
                    "load_average": os.getloadavg(),
                }
            ),
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
