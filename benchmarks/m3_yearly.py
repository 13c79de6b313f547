"""M3 yearly benchmark (645 series, horizon 6): accuracy, calibration and speed of the forecasters.

Prints, for each method, sMAPE, MASE, scaled CRPS, 80%/95% interval coverage, MSIS and wall time,
with the statsforecast baselines run in the same script. ``--data`` takes any corpus in the same
layout; the printout names the corpus and the horizon it ran on.

Usage (from the repository root)::

    uv run python benchmarks/m3_yearly.py                        # Default + all baselines
    uv run python benchmarks/m3_yearly.py --methods Default --limit 30
    uv run python benchmarks/m3_yearly.py --learn                # regenerate forecast/calibration.json (M3 + DOTS)
    uv run python benchmarks/m3_yearly.py --select               # how the Default's anchor weight was chosen
    uv run python benchmarks/m3_yearly.py --stack                # forecast.stack on the training segments, then test

``--learn`` learns the shipped calibration from the corpus and the DOTS bilateral exports
(:func:`borderflows.forecast.corpora.dots_corpus`): own rolling-origin errors inside each training
segment for the series-adaptive width, each training segment's end forecast scored on its test
segment for the quantiles (those errors match how the package is used: forecasting from the last
observation). It also holds each of the seven domains out in turn and stores the coverage the
others' intervals got there (``provenance.held_out_coverage``, quoted in every forecast's notes).
Scored on M3 that calibration is in-sample, so the honest figure for it is the
cross-fitted row (``--cross-fit K``: each series' intervals come from the other series' errors) and
the leave-one-domain-out tables of ``benchmarks/domains.py``. The data folder defaults to
``../shared/bench/m3_yearly``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import pandas as pd

from borderflows.forecast.backtest import summarize
from borderflows.forecast.benchmark import (
    cross_fitted,
    evaluate,
    learn_calibration,
    load_corpus,
    select_anchor_weight,
)
from borderflows.forecast.calibration import default_calibration
from borderflows.forecast.corpora import DotsSelection, dots_corpus
from borderflows.forecast.default import ANCHOR, ANCHOR_WEIGHT, Default
from borderflows.forecast.ensemble import Ensemble, stack
from borderflows.forecast.registry import get

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "bench" / "m3_yearly"
CALIBRATION = ROOT / "src" / "borderflows" / "forecast" / "calibration.json"
METHODS = ("Default", "Naive", "AutoETS", "AutoARIMA", "DynamicOptimizedTheta")
STACK_CANDIDATES = ("Default", "DynamicOptimizedTheta", "AutoETS", "AutoTheta", "RandomWalkWithDrift")


def calibration_note(corpus: str) -> str:
    """How to read the shipped Default's row, given where its calibration was learned."""
    learned = default_calibration().provenance.get("corpus", "")
    if corpus in learned:
        return (
            f"Note: the shipped Default's calibration was learned on {learned}, these test segments included, "
            "so its interval scores are in-sample; the cross-fitted row is the honest figure."
        )
    return f"Note: the shipped Default's calibration was learned on {learned or 'another corpus'}, not on {corpus}."


def table(evaluations: list) -> pd.DataFrame:  # type: ignore[type-arg]
    """One row per method: point scores, then coverage and MSIS at 80% and 95%, then seconds."""
    rows = []
    for ev in evaluations:
        summary = summarize(ev.scores).set_index("prob")
        row = {
            "method": ev.model,
            "series": int(summary["n_forecasts"].iloc[0]),
            "sMAPE": summary["smape"].iloc[0],
            "MASE": summary["mase"].iloc[0],
            "sCRPS": summary["scaled_crps"].iloc[0],
        }
        for prob in summary.index:
            row[f"cov{prob:.0%}"] = summary.loc[prob, "coverage"]
            row[f"MSIS{prob:.0%}"] = summary.loc[prob, "msis"]
        row["seconds"] = ev.seconds
        row["failures"] = len(ev.failures)
        rows.append(row)
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--methods", nargs="+", default=list(METHODS))
    parser.add_argument("--limit", type=int, default=None, help="first N series only")
    parser.add_argument("--learn", action="store_true", help="learn calibration.json from the corpus and DOTS")
    parser.add_argument("--out", type=Path, default=None, help="write the per-horizon scores here (CSV)")
    parser.add_argument(
        "--cross-fit", type=int, default=10, metavar="K", help="also run Default with a K-fold cross-fitted calibration"
    )
    parser.add_argument(
        "--select",
        action="store_true",
        help="print the training-window selection of the Default's anchor member and weight (test segments unread)",
    )
    parser.add_argument(
        "--stack",
        action="store_true",
        help="stack Default and the fast baselines on the training segments (6 rolling origins each), "
        "then score the choice on the test segments with the cross-fitted calibration",
    )
    args = parser.parse_args(argv)
    if not (args.data / "series.csv").is_file():
        print(f"no benchmark data at {args.data}", file=sys.stderr)
        return 2
    cases = load_corpus(args.data, limit=args.limit)
    horizon = max(case.test.size for case in cases)
    corpus = f"{args.data.name}, {len(cases)} series, horizon {horizon}"
    if args.select:
        selection = select_anchor_weight(cases, horizon=horizon)
        print(f"Last full-horizon window inside each training segment of {corpus}: {selection.n_series} series")
        print(selection.members.to_markdown(index=False, floatfmt=".4f"))
        print(selection.weights.to_markdown(index=False, floatfmt=".4f"))
        print(f"selected: anchor {selection.anchor}, weight {selection.weight:g}")
        print(f"shipped:  anchor {ANCHOR}, weight {ANCHOR_WEIGHT:g}")
        return 0
    if args.learn:
        command = "uv run python benchmarks/m3_yearly.py --learn" + (f" --limit {args.limit}" if args.limit else "")
        dots = DotsSelection()
        provenance = {
            "label": "M3 yearly and DOTS bilateral exports",
            "corpus": f"{corpus} (M3 yearly, Makridakis & Hibon 2000) and {dots.describe()}",
            "windows": "quantiles: end of each training segment scored on its test segment; "
            "width: own rolling origins inside each training segment",
            "command": command,
            "load_average": os.getloadavg()[0],
        }
        learn_calibration([*cases, *dots_corpus(dots)], provenance=provenance, held_out=True).to_json(CALIBRATION)
        print(f"wrote {CALIBRATION}")
        return 0
    if args.stack:
        return run_stack(cases, args.cross_fit or 10, horizon)
    evaluations = []
    for name in args.methods:
        evaluation = evaluate(get(name), cases)
        evaluations.append(evaluation)
        print(f"{name}: {evaluation.seconds:.1f} s, {len(evaluation.failures)} failures", file=sys.stderr, flush=True)
    if args.cross_fit and "Default" in args.methods:
        evaluation, learning = cross_fitted(cases, folds=args.cross_fit)
        evaluations.insert(1, evaluation)
        print(f"{evaluation.model}: {evaluation.seconds:.1f} s (+{learning:.1f} s learning)", file=sys.stderr)
    result = table(evaluations)
    print(f"{corpus}; load average {os.getloadavg()}")
    print(result.to_markdown(index=False, floatfmt=".3f"))
    print(calibration_note(args.data.name))
    if args.out:
        pd.concat([ev.scores for ev in evaluations]).to_csv(args.out, index=False)
    return 0


def run_stack(cases: list, folds: int, horizon: int = 6) -> int:  # type: ignore[type-arg]
    """``--stack``: choose by out-of-sample CRPS on the training segments only, then score on the tests."""
    start = time.perf_counter()
    result = stack(list(STACK_CANDIDATES), [case.train for case in cases], horizon=horizon, n_origins=6, min_train=8)
    seconds = time.perf_counter() - start
    windows = f"{result.n_windows} windows ({result.dropped} dropped)"
    print(f"forecast.stack on the training segments: {windows}, {seconds:.0f} s")
    print(result.scores.to_markdown(index=False, floatfmt=".4f"))
    print(result.weights.to_frame().to_markdown(floatfmt=".3f"))
    print(f"chosen: {result.chosen}: {result.reason}")
    if not isinstance(result.forecaster, Ensemble):
        return 0
    weights = tuple(float(w) for w in result.weights)

    def wrap(default: Default) -> Ensemble:
        members = tuple(default if name == "Default" else name for name in STACK_CANDIDATES)
        return Ensemble(members, weights)

    chosen, _ = cross_fitted(cases, folds=folds, wrap=wrap, label="Stacked ensemble")
    default, _ = cross_fitted(cases, folds=folds)
    print(f"Test segments (each fold's Default calibrated on the other folds); load average {os.getloadavg()}")
    print(table([default, chosen]).to_markdown(index=False, floatfmt=".3f"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
