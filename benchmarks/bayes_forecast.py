"""Bayesian forecasters: recovery coverage and accuracy against the statsforecast baselines.

Three parts, each optional:

* ``--recovery N``: N prior-simulated series per likelihood (lognormal, poisson_lognormal, signed;
  negbin on request); 90% intervals of phi, sigma_level and the next three years must cover the
  truth ~90% of the time (binomial MCSE band from :mod:`borderflows.diagnostics.recovery`). Count
  series are simulated from the exact Poisson-lognormal process, not the fit's approximation.
* ``--m3 N``: the first N M3 yearly series (training segment -> 6-year test segment); DampedTrend
  scored next to Naive, AutoETS and DynamicOptimizedTheta run in the same script (sMAPE, MASE,
  80%/95% coverage, MSIS, wall time).
* ``--bundled``: rolling-origin backtest (3 origins, horizon 3) on the bundled migration and FDI
  series, DampedTrend against the same baselines.
* ``--pooled-recovery N``: the same check for ``PooledCounts`` (3 components of 15 years, hyperparameters
  and series drawn from its prior).
* ``--stack``: ``borderflows.forecast.stack`` of the default forecaster and ``damped_trend`` on the bundled
  series (rolling origins, weights scored leave-future-out; the ensemble is kept only if it wins).
* ``--lfo``: leave-future-out ELPD (one year ahead, PSIS between refits, ``arviz_stats.lfo_cv``) of the
  likelihoods that suit each bundled series, on the data scale so that they compare: counts under the
  Poisson-lognormal and the plain log-normal model, the FDI stock under log-normal and signed.

Run: ``uv run python benchmarks/bayes_forecast.py --recovery 100 --m3 60 --bundled --lfo [--preset fast]``.
Record ``uptime`` next to any timing (the machine is shared).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from borderflows import data as bfdata
from borderflows.exceptions import ConvergenceWarning
from borderflows.forecast import registry
from borderflows.forecast.backtest import backtest, summarize
from borderflows.forecast.bayes import DampedTrend
from borderflows.forecast.bayes.lfo import lfo_elpd
from borderflows.forecast.bayes.recovery import coverage_study, pooled_coverage_study
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
        table = result.pooled_coverage.assign(
            likelihood=likelihood,
            seconds=time.perf_counter() - start,
            # how many of the fits had R-hat > 1.01 or a divergence (kept in the coverage)
            fits_rhat_or_divergent=int(((result.max_rhat > 1.01) | (result.divergences > 0)).sum()),
            worst_rhat=float(result.max_rhat.max()),
        )
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


LFO_CANDIDATES: dict[str, tuple[str, ...]] = {
    "count": ("poisson_lognormal", "lognormal"),
    "positive": ("lognormal", "signed"),
    "signed": (),  # only the signed model suits a series that changes sign: nothing to compare
}
"""Likelihoods compared by LFO-ELPD for each series kind (all give data-scale densities)."""
LFO_MIN_TRAIN = 10


def lfo(preset: str) -> pd.DataFrame:
    rows, pointwise = [], {}
    for name in BUNDLED:
        series = bfdata.series(name)
        for likelihood in LFO_CANDIDATES[series.kind]:
            start = time.perf_counter()
            spec = DampedTrend(likelihood=likelihood)  # type: ignore[arg-type]
            result = lfo_elpd(spec, series, min_observations=LFO_MIN_TRAIN, preset=preset, random_seed=1)
            values = np.asarray(result.elpd_i, dtype=float).ravel()
            pointwise[name, likelihood] = values[np.isfinite(values)]  # only the scored years
            rows.append(
                {
                    "series": name,
                    "likelihood": likelihood,
                    "n_scored": int(result.n_data_points),
                    "elpd": float(result.elpd),
                    "se": float(result.se),
                    "n_refits": int(result.n_refits),
                    "seconds": time.perf_counter() - start,
                }
            )
    table = pd.DataFrame(rows)
    best = table.loc[table.groupby("series")["elpd"].idxmax(), ["series", "likelihood"]].set_index("series")
    table["elpd_diff_to_best"] = table["elpd"] - table.groupby("series")["elpd"].transform("max")
    # Standard error of the paired difference to the best model: sqrt(n) * sd of the pointwise differences.
    table["se_diff"] = [
        float(np.sqrt(d.size) * np.std(d, ddof=1))
        if (d := pointwise[s, lik] - pointwise[s, best.loc[s, "likelihood"]]).any()
        else 0.0
        for s, lik in zip(table["series"], table["likelihood"], strict=True)
    ]
    return table


def stacking(preset: str) -> pd.DataFrame:
    from borderflows.forecast.ensemble import stack

    collection = [bfdata.series(name) for name in BUNDLED]
    start = time.perf_counter()
    result = stack([Preset(preset), "Default"], collection, horizon=3, n_origins=4, min_train=8, random_seed=1)
    seconds = time.perf_counter() - start
    table = result.scores.assign(weight=result.scores["model"].map(result.weights).fillna(float("nan")))
    table["chosen"] = result.chosen
    table["seconds"] = seconds
    print(result.reason)
    print(f"windows: {result.n_windows}, dropped: {result.dropped}")
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recovery", type=int, default=0, help="simulations per likelihood")
    parser.add_argument("--m3", type=int, default=0, help="number of M3 yearly series")
    parser.add_argument("--bundled", action="store_true", help="backtest the bundled migration/FDI series")
    parser.add_argument("--preset", default="fast")
    parser.add_argument("--pooled-recovery", type=int, default=0, help="simulations for PooledCounts")
    parser.add_argument("--stack", action="store_true", help="stack Default and damped_trend on the bundled series")
    parser.add_argument("--lfo", action="store_true", help="LFO-ELPD of the suitable likelihoods per bundled series")
    parser.add_argument(
        "--likelihoods", default="lognormal,poisson_lognormal,signed", help="comma-separated, for --recovery"
    )
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
        columns = ["likelihood", "variable", "n_sims", "coverage", "mcse", "band_lower", "passes", "seconds"]
        print(table[[*columns, "fits_rhat_or_divergent", "worst_rhat"]].to_string())
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
    if args.pooled_recovery:
        result = pooled_coverage_study(args.pooled_recovery, random_seed=2024, preset=args.preset)
        table = result.pooled_coverage.assign(
            seconds=result.total_seconds,
            fits_rhat_or_divergent=int(((result.max_rhat > 1.01) | (result.divergences > 0)).sum()),
            worst_rhat=float(result.max_rhat.max()),
        )
        table.to_csv(out / "pooled_recovery.csv", index=False)
        print(table.to_string())
    if args.stack:
        table = stacking(args.preset)
        table.to_csv(out / "stack.csv", index=False)
        print(table.to_string())
    if args.lfo:
        table = lfo(args.preset)
        table.to_csv(out / "lfo.csv", index=False)
        print(table)
    print(f"load after: {load()}")


if __name__ == "__main__":
    main()
