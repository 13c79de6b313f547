"""Bayesian forecasters: recovery coverage and accuracy against the statsforecast baselines.

Three parts, each optional:

* ``--recovery N``: N prior-simulated series per likelihood (lognormal, negbin, signed); 90%
  intervals of phi, sigma_level and the next three years must cover the truth ~90% of the time
  (binomial MCSE band from :mod:`borderflows.diagnostics.recovery`).
* ``--m3 N``: the first N M3 yearly series (training segment -> 6-year test segment); DampedTrend
  scored next to Naive, AutoETS and DynamicOptimizedTheta run in the same script (sMAPE, MASE,
  80%/95% coverage, MSIS, wall time).
* ``--bundled``: rolling-origin backtest (3 origins, horizon 3) on the bundled migration and FDI
  series, DampedTrend against the same baselines.

Run: ``uv run python benchmarks/bayes_forecast.py --recovery 100 --m3 60 --bundled [--preset fast]``.
Record ``uptime`` next to any timing (the machine is shared).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import time
import warnings
from pathlib import Path

import pandas as pd

from borderflows import data as bfdata
from borderflows.exceptions import ConvergenceWarning
from borderflows.forecast import registry
from borderflows.forecast.backtest import backtest, summarize
from borderflows.forecast.bayes import DampedTrend
from borderflows.forecast.bayes.recovery import coverage_study
from borderflows.forecast.benchmark import evaluate, load_corpus

M3 = Path(__file__).resolve().parents[1].parent / "shared" / "bench" / "m3_yearly"
BASELINES = ("Naive", "AutoETS", "DynamicOptimizedTheta")
BUNDLED = (
    "migration.cisstat.arrivals",
    "migration.cisstat.departures",
    "migration.table3_3.registered_total",
    "migration.table3_1.tourism",
    "fdi.bop.net_liabilities_usd",
    "fdi.wiiw.inflow.chn_eur",
    "fdi.wiiw.stock.chn_eur",
)


class Preset(DampedTrend):
    """DampedTrend with the benchmark's preset, for code that calls ``fit(series, random_seed=)``."""

    def __init__(self, preset: str) -> None:
        super().__init__()
        object.__setattr__(self, "_preset", preset)

    def fit(self, series, *, random_seed=None, preset=None, keep=None):  # type: ignore[no-untyped-def, override]
        return super().fit(series, random_seed=random_seed, preset=preset or self._preset, keep=keep)


def load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def recovery(n_sims: int, preset: str, likelihoods: list[str]) -> pd.DataFrame:
    frames = []
    for likelihood in likelihoods:
        start = time.perf_counter()
        result = coverage_study(likelihood, n_sims, n=20, horizon=3, random_seed=2024, preset=preset)  # type: ignore[arg-type]
        table = result.pooled_coverage.assign(likelihood=likelihood, seconds=time.perf_counter() - start)
        frames.append(table)
    return pd.concat(frames, ignore_index=True)


def m3(n: int, preset: str) -> pd.DataFrame:
    cases = load_corpus(M3, limit=n)
    rows = []
    for model in [Preset(preset), *(registry.get(name) for name in BASELINES)]:
        evaluation = evaluate(model, cases, random_seed=1)
        summary = summarize(evaluation.scores)
        summary["seconds"] = evaluation.seconds
        summary["failures"] = len(evaluation.failures)
        rows.append(summary)
    return pd.concat(rows, ignore_index=True)


def bundled(preset: str) -> pd.DataFrame:
    collection = [bfdata.series(name) for name in BUNDLED]
    rows = []
    for model in [Preset(preset), *(registry.get(name) for name in BASELINES)]:
        start = time.perf_counter()
        result = backtest(model, collection, horizon=3, n_origins=3, min_train=8, random_seed=1)
        summary = summarize(result.scores)
        summary["seconds"] = time.perf_counter() - start
        rows.append(summary)
    return pd.concat(rows, ignore_index=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recovery", type=int, default=0, help="simulations per likelihood")
    parser.add_argument("--m3", type=int, default=0, help="number of M3 yearly series")
    parser.add_argument("--bundled", action="store_true", help="backtest the bundled migration/FDI series")
    parser.add_argument("--preset", default="fast")
    parser.add_argument("--likelihoods", default="lognormal,negbin,signed", help="comma-separated, for --recovery")
    parser.add_argument("--out", default="benchmarks/_out/bayes_forecast")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    # A benchmark reports gate failures in its tables (rhat, divergences) instead of stopping on them.
    warnings.simplefilter("ignore", ConvergenceWarning)
    pd.set_option("display.width", 200)
    print(f"load before: {load()}  (cpus: {os.cpu_count()})")
    if args.recovery:
        table = recovery(args.recovery, args.preset, args.likelihoods.split(","))
        table.to_csv(out / "recovery.csv", index=False)
        print(table[["likelihood", "variable", "n_sims", "coverage", "mcse", "band_lower", "passes", "seconds"]])
    if args.m3:
        if not (M3 / "series.csv").is_file():
            raise SystemExit(f"M3 data not found at {M3}")
        table = m3(args.m3, args.preset)
        table.to_csv(out / "m3.csv", index=False)
        print(table)
    if args.bundled:
        table = bundled(args.preset)
        table.to_csv(out / "bundled.csv", index=False)
        print(table)
    print(f"load after: {load()}")


if __name__ == "__main__":
    main()
