"""Bayesian forecasters on the leave-one-domain-out protocol's held-out futures: interval coverage per domain.

The same held-out segments as ``benchmarks/domains.py`` (each M3 yearly category, DOTS bilateral
exports), forecast from the end of each training segment by ``DampedTrend`` (likelihood by series
kind: log-normal for these positive series) and scored like the default forecaster. The model's
priors were learned by empirical Bayes from the M3 yearly *training* segments
(``scripts/learn_forecast_priors.py``), never from a test segment, so every held-out future here is
out of sample; for DOTS the priors also come from another domain. Sampling is costly on a shared
2-core machine, so this runs on a modest, fixed sample: every ``k``-th series of each domain
(``--per-domain`` of them), stated in the printout.

Usage::

    uv run python benchmarks/bayes_domains.py --per-domain 4 --preset fast
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import pandas as pd

from borderflows.exceptions import ConvergenceWarning
from borderflows.forecast.backtest import score_forecast, summarize
from borderflows.forecast.bayes import DampedTrend
from borderflows.forecast.corpora import Case, DotsSelection, dots_corpus, load_corpus

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "bench" / "m3_yearly"


def sample(cases: list[Case], per_domain: int) -> list[Case]:
    """Every k-th case of each domain, evenly spread over its (sorted) series, ``per_domain`` per domain."""
    chosen = []
    for domain in sorted({c.domain for c in cases}):
        members = [c for c in cases if c.domain == domain]
        step = max(len(members) // per_domain, 1)
        chosen += members[::step][:per_domain]
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--per-domain", type=int, default=4)
    parser.add_argument("--preset", default="fast", choices=("fast", "full"))
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args(argv)
    cases = sample(load_corpus(args.data) + dots_corpus(DotsSelection()), args.per_domain)
    print(f"load average before: {os.getloadavg()}")
    print(f"{len(cases)} series ({args.per_domain} per domain, evenly spaced), preset {args.preset}")
    frames, gate = [], []
    start = time.perf_counter()
    for case in cases:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # the gate's verdict is tallied below
            fit = DampedTrend().fit(case.train, random_seed=args.seed, preset=args.preset)
        forecast = fit.forecast(case.test.size)
        scores = score_forecast(forecast, case.test)
        scores["domain"] = case.domain
        frames.append(scores)
        gate.append((case.domain, forecast.citable))
    seconds = time.perf_counter() - start
    scores = pd.concat(frames, ignore_index=True)
    table = summarize(scores, by=("domain",)).pivot_table(
        index="domain", columns="prob", values=["coverage", "msis", "mase"]
    )
    passed = pd.DataFrame(gate, columns=["domain", "citable"]).groupby("domain")["citable"].mean()
    table[("gate passed", "")] = passed
    print(table.round(3).to_markdown())
    overall = summarize(scores).set_index("prob")
    coverage = f"{overall.loc[0.8, 'coverage']:.3f} at 80%, {overall.loc[0.95, 'coverage']:.3f} at 95%"
    print(
        f"all {len(cases)} series: MASE {overall['mase'].iloc[0]:.3f}, coverage {coverage}, "
        f"MSIS(95) {overall.loc[0.95, 'msis']:.2f}; {seconds:.0f} s; load average after {os.getloadavg()}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
