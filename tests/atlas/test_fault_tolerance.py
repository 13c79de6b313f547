"""A small atlas on two local Dask workers, one of them killed mid-run: nothing lost, nothing duplicated.

The issue's CI check: a few pairs, two worker processes, the fault test, all under three minutes. The
undisturbed reference is the same fit run in this process (:func:`borderflows.atlas.task.fit_job`, which is
``MirrorGap(years=...).fit(pair, ...)``, the road of ``borderflows mirror``); fits are deterministic given
the pair's seed, so the two must agree exactly.
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
NUMERIC = ["share_median", "share_lower", "share_upper", "unrecorded_usd_m_median", "unrecorded_usd_m_upper"]


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
        stored = atlas.years[(atlas.years["exporter"] == exporter) & (atlas.years["importer"] == importer)]
        np.testing.assert_array_equal(
            stored.sort_values("year")[NUMERIC].to_numpy(), undisturbed.years[NUMERIC].to_numpy()
        )
        assert stored["citable"].tolist() == undisturbed.years["citable"].tolist()

    again = run_atlas(PAIRS, tmp_path / "atlas", preset="fast", seed=SEED, client=client)
    assert (again.fitted, again.skipped) == (0, len(PAIRS))  # resumed: every pair already stored with the same inputs
