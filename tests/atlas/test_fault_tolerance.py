"""A small atlas on two local Dask workers, one of them killed mid-run: nothing lost, nothing duplicated.

The issue's CI check: a few pairs, two worker processes, the fault test, all under three minutes. The
undisturbed reference is the same fit run in this process (:func:`borderflows.atlas.task.fit_job`, which is
``MirrorGap(years=...).fit(pair, ...)``, the road of ``borderflows mirror``). Each stored pair must come from
exactly the reference's inputs (same input hash, model id, seed and preset) and give the same verdicts. Its
numbers must agree within Monte Carlo error. With one seed, nutpie's draws can differ between a graph compiled
in the process and one loaded from a warm compile cache (``../shared/docs/ENVIRONMENT.md``). Here two workers
compile concurrently on a fresh machine and one of them dies. In one CI run of many (2026-12-03), JPN->KOR's
stored draws differed from the reference by 5-14% on the shares, and everything else was equal.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from borderflows.atlas import AtlasJob, pair_seed, read_atlas, run_atlas
from borderflows.atlas.engine import AtlasProgress
from borderflows.atlas.task import fit_job

PAIRS = pd.DataFrame({"exporter": ["JPN", "DEU", "FRA", "USA", "AUS"], "importer": ["KOR", "FRA", "DEU", "CAN", "NZL"]})
"""Five pairs on two workers: four progress events at which a busy worker can be killed, so the test does not
depend on one race (with three, a slow client could find both workers idle at both events)."""
SEED = 7
QUANTITIES = ("share", "unrecorded_usd_m")
MC_Z = 4.0
"""Allowed difference, in Monte Carlo standard deviations of the difference between two independent runs."""
TAIL_ESS = 400.0
"""The gate's floor on tail ESS, used as the effective sample size of the interval ends."""


def mc_tolerance(lower: np.ndarray, upper: np.ndarray, ess: float) -> tuple[np.ndarray, np.ndarray]:
    """Allowed differences of a median and of a 90% interval end between two runs with effective sample size ``ess``.

    The posterior sd is read off the 90% interval (its width over 2 x 1.645). The Monte Carlo sd of a sample
    median is sqrt(pi/2) sd / sqrt(ess); that of a 5% or 95% quantile sqrt(0.05 x 0.95) / phi(1.645) = 2.11 sd /
    sqrt(ess). Two independent runs differ by sqrt(2) times that; :data:`MC_Z` of those are allowed.
    """
    sd = (upper - lower) / (2 * 1.645)
    scale = MC_Z * np.sqrt(2.0) * sd / np.sqrt(ess)
    return scale * np.sqrt(np.pi / 2), scale * 2.11


@pytest.fixture(scope="module")
def client() -> Iterator[object]:
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    with Client(cluster) as opened:
        yield opened
    cluster.close()


def test_a_killed_worker_loses_nothing_and_duplicates_nothing(tmp_path: Path, client: object) -> None:
    killed: list[int] = []

    def kill_a_busy_worker(progress: AtlasProgress) -> None:
        if killed or progress.done == progress.total:
            return
        busy = [address for address, keys in client.processing().items() if keys]  # type: ignore[attr-defined]
        if busy:
            pid = client.run(os.getpid, workers=[busy[0]])[busy[0]]  # type: ignore[attr-defined]
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    run = run_atlas(PAIRS, tmp_path / "atlas", preset="fast", seed=SEED, client=client, on_progress=kill_a_busy_worker)
    assert killed, "no worker was busy when the first pair came back, so nothing was killed"
    assert (run.fitted, run.failed) == (len(PAIRS), 0)

    atlas = read_atlas(tmp_path / "atlas")
    assert sorted(zip(atlas.pairs["exporter"], atlas.pairs["importer"], strict=True)) == sorted(
        zip(PAIRS["exporter"], PAIRS["importer"], strict=True)
    )
    assert not atlas.years.duplicated(["exporter", "importer", "year"]).any()
    assert (atlas.years.groupby(["exporter", "importer"]).size() == 26).all()  # 1995-2020 for every pair

    from borderflows.data import dots_pair_loader
    from borderflows.mirror.world import WORLD_YEARS, default_world

    load, world = dots_pair_loader(), default_world()
    for exporter, importer in zip(PAIRS["exporter"], PAIRS["importer"], strict=True):
        job = AtlasJob(exporter, importer, pair_seed(SEED, exporter, importer), "fast", WORLD_YEARS)
        undisturbed = fit_job(load(exporter, importer), world, job)
        reference = undisturbed.years
        stored = atlas.years[(atlas.years["exporter"] == exporter) & (atlas.years["importer"] == importer)]
        stored = stored.sort_values("year").reset_index(drop=True)
        for column in ("year", "input_hash", "model_id", "seed", "preset", "citable"):
            assert stored[column].tolist() == reference[column].tolist(), column
        summary = atlas.pairs[(atlas.pairs["exporter"] == exporter) & (atlas.pairs["importer"] == importer)]
        # The interval ends' Monte Carlo error follows the tail ESS, which the rows do not store: use the gate's
        # floor for it (400) unless a run's bulk ESS is lower still.
        ess = min(TAIL_ESS, float(summary["min_ess_bulk"].iloc[0]), float(undisturbed.summary["min_ess_bulk"]))
        for quantity in QUANTITIES:
            lower, upper = (reference[f"{quantity}_{end}"].to_numpy() for end in ("lower", "upper"))
            for_median, for_end = mc_tolerance(lower, upper, ess)
            for column, allowed in (("median", for_median), ("lower", for_end), ("upper", for_end)):
                name = f"{quantity}_{column}"
                difference = np.abs(stored[name].to_numpy() - reference[name].to_numpy())
                assert (difference <= allowed).all(), (exporter, importer, name, float(np.max(difference / allowed)))

    again = run_atlas(PAIRS, tmp_path / "atlas", preset="fast", seed=SEED, client=client)
    assert (again.fitted, again.skipped) == (0, len(PAIRS))  # resumed: every pair already stored with the same inputs
