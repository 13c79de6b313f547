"""Leave-one-domain-out calibration benchmark: do the default forecaster's intervals hold on domains
they were not learned on?

Protocols (each table states the corpus, horizon and domains on each side):

* ``m3``: M3 yearly's six categories; learn on five, score the sixth.
* ``m3-dots``: learn on all of M3 yearly, score DOTS bilateral exports; ``dots-m3`` the reverse.
* ``all``: the seven domains (six M3 categories + DOTS); learn on six, score the seventh (the
  analogue of the shipped calibration, which is learned on all seven).
* ``past``: can a user calibrate on their own kind of series? For each of the seven domains, learn
  on the domain's own past (the same series one forecast earlier, :func:`~borderflows.forecast.corpora.past_cases`:
  each training segment's last years held out) and score its held-out futures; then learn on the
  other six domains plus that past.

Each row also gives DynamicOptimizedTheta's MASE on the same held-out series, and ``--compare``
adds the non-adaptive calibration (corpus quantiles only) for the same splits.

Usage (from the repository root)::

    uv run python benchmarks/domains.py                         # every protocol, 645 M3 + 600 DOTS series
    uv run python benchmarks/domains.py --protocols m3 --compare
    uv run python benchmarks/domains.py --data <folder> --protocols m3 --limit 60   # any corpus, any horizon

``--data`` takes any folder in the ``series.csv`` + ``meta.csv`` layout (``category`` = domain); the
horizon is each series' held-out length.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import pandas as pd

from borderflows.forecast.backtest import summarize
from borderflows.forecast.benchmark import evaluate
from borderflows.forecast.corpora import DotsSelection, dots_corpus, load_corpus, past_cases
from borderflows.forecast.domains import Transfer, leave_one_domain_out, transfer, transfer_table
from borderflows.forecast.records import Record, make_records
from borderflows.forecast.registry import get

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "bench" / "m3_yearly"
PROTOCOLS = ("m3", "m3-dots", "dots-m3", "all", "past")
COLUMNS = ["scored on", "series", "sMAPE", "MASE", "DOT MASE", "cov80%", "cov95%", "MSIS80%", "MSIS95%", "strength"]


def baseline_mase(cases: list, name: str = "DynamicOptimizedTheta") -> dict[str, float]:  # type: ignore[type-arg]
    """MASE of a baseline per domain on the same held-out series."""
    scores = evaluate(get(name), cases, probs=(0.95,)).scores
    domain = {case.train.name: case.domain for case in cases}
    scores["domain"] = scores["series"].map(domain)
    return {d: float(summarize(s)["mase"].iloc[0]) for d, s in scores.groupby("domain")}


def run(
    protocol: str, corpus_records: dict[str, list[Record]], names: dict[str, str], adaptive: bool
) -> list[Transfer]:
    """The transfers of one protocol."""
    m3, dots = corpus_records.get("m3", []), corpus_records.get("dots", [])
    if protocol == "m3":
        return leave_one_domain_out(m3, corpus=names["m3"], adaptive=adaptive)
    if protocol == "m3-dots":
        return [transfer(m3, dots, corpus=f"{names['m3']} -> DOTS", adaptive=adaptive)]
    if protocol == "dots-m3":
        return [transfer(dots, m3, corpus=f"DOTS -> {names['m3']}", adaptive=adaptive)]
    if protocol == "past":
        return past_transfers(m3 + dots, corpus_records["past"], corpus=f"{names['m3']} + DOTS", adaptive=adaptive)
    return leave_one_domain_out(m3 + dots, corpus=f"{names['m3']} + DOTS", adaptive=adaptive)


def past_transfers(present: list[Record], past: list[Record], *, corpus: str, adaptive: bool) -> list[Transfer]:
    """Per domain: learned on its own past, then on the other domains plus its own past.

    A domain whose series are all too short for a past is left out of both.
    """
    transfers = []
    for domain in sorted({r.domain for r in past}):
        scored = [r for r in present if r.domain == domain]
        own_past = [r for r in past if r.domain == domain]
        others = [r for r in present if r.domain != domain]
        transfers.append(transfer(own_past, scored, corpus=f"{corpus}: own past", adaptive=adaptive))
        transfers.append(transfer(others + own_past, scored, corpus=f"{corpus}: others + own past", adaptive=adaptive))
    return transfers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="M3-layout corpus (category = domain)")
    parser.add_argument("--protocols", nargs="+", choices=PROTOCOLS, default=list(PROTOCOLS))
    parser.add_argument("--limit", type=int, default=None, help="first N series of the --data corpus only")
    parser.add_argument("--dots-series", type=int, default=DotsSelection().n_series, help="DOTS pairs drawn")
    parser.add_argument("--compare", action="store_true", help="also score the non-adaptive calibration")
    args = parser.parse_args(argv)
    if not (args.data / "series.csv").is_file():
        print(f"no corpus at {args.data}", file=sys.stderr)
        return 2
    print(f"load average before: {os.getloadavg()}")
    records: dict[str, list[Record]] = {}
    names = {"m3": args.data.name + (f" (first {args.limit})" if args.limit else "")}
    start = time.perf_counter()
    m3_cases = load_corpus(args.data, limit=args.limit)
    records["m3"] = make_records(m3_cases)
    cases = list(m3_cases)
    print(f"{names['m3']}: {len(m3_cases)} series, {time.perf_counter() - start:.0f} s for records", file=sys.stderr)
    if any(p != "m3" for p in args.protocols):
        selection = DotsSelection(n_series=args.dots_series)
        print(f"DOTS corpus: {selection.describe()}")
        start = time.perf_counter()
        dots_cases = dots_corpus(selection)
        records["dots"] = make_records(dots_cases)
        cases += dots_cases
        print(f"DOTS: {len(dots_cases)} series, {time.perf_counter() - start:.0f} s for records", file=sys.stderr)
    if "past" in args.protocols:
        start = time.perf_counter()
        horizon = max(case.test.size for case in cases)
        records["past"] = make_records(past_cases(cases), own_horizon=horizon)
        print(f"past: {len(records['past'])} series, {time.perf_counter() - start:.0f} s for records", file=sys.stderr)
    baseline = baseline_mase(cases)
    for protocol in args.protocols:
        for adaptive in (True, False) if args.compare else (True,):
            start = time.perf_counter()
            transfers = run(protocol, records, names, adaptive)
            table = transfer_table(transfers)
            table["DOT MASE"] = [
                summarize_baseline(t, baseline, [c for c in cases if c.domain in t.scored_on]) for t in transfers
            ]
            first = transfers[0]
            horizons = sorted({r.case.test.size for rs in records.values() for r in rs})
            print()
            print(
                f"## {protocol}: corpus {first.corpus}; horizon {first.horizon} (held-out lengths {horizons}); "
                f"{'adaptive' if adaptive else 'non-adaptive (corpus quantiles only)'}; "
                f"{time.perf_counter() - start:.0f} s; load average {os.getloadavg()}"
            )
            for t in transfers:
                print(f"- scored on {', '.join(t.scored_on)}: learned on {', '.join(t.learned_on)}")
            columns = ["corpus", *COLUMNS] if protocol == "past" else COLUMNS
            print(table[columns].to_markdown(index=False, floatfmt=".3f"))
    print(f"\nload average after: {os.getloadavg()}")
    return 0


def summarize_baseline(t: Transfer, baseline: dict[str, float], cases: list) -> float:  # type: ignore[type-arg]
    """The baseline's MASE over the transfer's held-out series (a series-weighted mean of its domains)."""
    counts = pd.Series([c.domain for c in cases]).value_counts()
    return float(sum(baseline[d] * counts[d] for d in t.scored_on) / counts[list(t.scored_on)].sum())


if __name__ == "__main__":
    sys.exit(main())
