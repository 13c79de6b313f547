"""Where an atlas keeps its rows: a Parquet dataset under the output folder, written atomically per pair.

Layout of ``out/``::

    years/<E>_<I>.parquet   one row per pair-year (the dataset: read the folder as one table)
    pairs/<E>_<I>.parquet   one row per pair: headline share, verdicts, status (``ok``/``failed``) and error
    summary.parquet, summary.csv   every pair's row in one table (rewritten at the end of each run)
    manifest.json           options, seed, world model, counts, timings, versions

A pair's ``years`` file is written first and its ``pairs`` file last, each to a temporary name and then
renamed (atomic on one file system), so a crash or Ctrl-C leaves either a complete pair or none of it.
The ``pairs`` row carries ``input_hash``, ``model_id``, ``seed`` and ``preset``: a re-run skips a pair
whose row matches and has ``status="ok"`` (resume); failed pairs are tried again.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pandas as pd

from borderflows.atlas.task import PairOutcome

YEARS_DIR = "years"
PAIRS_DIR = "pairs"
MATCH_COLUMNS = ("input_hash", "model_id", "seed", "preset")
"""A stored pair is reused when all of these equal the new job's."""


class AtlasStore:
    """The output folder of one atlas."""

    def __init__(self, out: str | Path) -> None:
        self.out = Path(out)

    @property
    def tmp(self) -> Path:
        """Where files are written before their rename (inside ``out``: the same file system, so the rename
        is atomic, and outside the dataset's folders, so no reader ever globs a half-written file)."""
        return self.out / ".tmp"

    def prepare(self) -> None:
        """Create the folders."""
        for folder in (self.out / YEARS_DIR, self.out / PAIRS_DIR, self.tmp):
            folder.mkdir(parents=True, exist_ok=True)

    def write(self, key: str, outcome: PairOutcome) -> None:
        """Write one pair's rows atomically (years first, its summary row last)."""
        years_path = self.out / YEARS_DIR / f"{key}.parquet"
        if len(outcome.years):
            _atomic_parquet(outcome.years, years_path, self.tmp)
        elif years_path.exists():
            years_path.unlink()  # a pair that now fails keeps no stale rows of an earlier run
        _atomic_parquet(pd.DataFrame([outcome.summary]), self.out / PAIRS_DIR / f"{key}.parquet", self.tmp)

    def stored(self) -> pd.DataFrame:
        """Every stored pair's summary row (empty frame when none)."""
        files = sorted((self.out / PAIRS_DIR).glob("*.parquet"))
        if not files:
            return pd.DataFrame(columns=["exporter", "importer", "status", *MATCH_COLUMNS])
        return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)

    def stored_ok(self) -> dict[str, dict[str, str]]:
        """Key -> the match values (:data:`MATCH_COLUMNS`, as strings) of every pair stored with ``status="ok"``."""
        stored = self.stored()
        ok = stored[stored["status"] == "ok"]
        return {
            f"{row['exporter']}_{row['importer']}": {column: str(row[column]) for column in MATCH_COLUMNS}
            for row in ok.to_dict("records")
        }

    def write_summary(self) -> pd.DataFrame:
        """Gather every pair's row into ``summary.parquet`` and ``summary.csv`` (atomically); returns it."""
        summary = self.stored().sort_values(["exporter", "importer"]).reset_index(drop=True)
        _atomic_parquet(summary, self.out / "summary.parquet", self.tmp)
        tmp = self.tmp / f"{uuid.uuid4().hex}.csv"
        summary.drop(columns=["traceback"], errors="ignore").to_csv(tmp, index=False)
        os.replace(tmp, self.out / "summary.csv")
        return summary


def _atomic_parquet(frame: pd.DataFrame, path: Path, tmp_dir: Path) -> None:
    tmp = tmp_dir / f"{uuid.uuid4().hex}.parquet"
    frame.to_parquet(tmp, index=False)
    os.replace(tmp, path)
