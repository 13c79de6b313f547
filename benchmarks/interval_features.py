"""Can features of a series' history predict its interval width better than the shipped shrinkage?

Issue 12's misses are domains whose held-out errors are wider or narrower, relative to their own
history, than the learning domains' were. The shipped width (``forecast/adaptive.py``) shrinks the
series' own error ratio ``log r`` towards the corpus mean with weight ``n / (n + k)``: a regression of
the log width on one feature with a slope fixed by ``k``. This script asks whether a regression on
more features of the history, fitted on the learning domains, transfers better. The candidates were
fixed before this script was run on the protocols below:

* ``shrinkage``: the shipped rule, ``k`` and ``w`` chosen as :func:`~borderflows.forecast.records.choose_strength` does;
* ``regression: log r``: ``log spread = b0 + b1 log r``, least squares on the learning records;
* ``regression: 5 features``: adds log(mean |second difference| / mean |first difference|) (smoothness),
  log(mean |first difference| of the last 5 years / of all years) (recent volatility), the trend
  strength, and log(length).

The regression's response is each learning series' log mean absolute end-of-training error
(relative to the corpus mean at each horizon), domains weighted equally. For every candidate the own
errors' weight ``w`` in the quantiles (and ``k`` for the shrinkage) is chosen by leave-one-domain-out
interval score on the learning domains only; the ``nested`` column then picks the candidate with the
best such inner score, so the scored domain never shapes any choice.

Scores are in volatility units from the records' arithmetic (``records.spread_quantiles`` and
``records.held_out_scores``, what the learner itself uses). Coverage equals the public API's up to
its zero-truncation of positive series; MSIS is the level-scale interval score per unit of the MASE
scale, which the public API's MSIS equals before that truncation (``benchmarks/domains.py`` gives
those figures for the shipped rule).

Usage (from the repository root)::

    uv run python benchmarks/interval_features.py                 # M3 yearly + 600 DOTS series
    uv run python benchmarks/interval_features.py --records /tmp/records.pkl   # cache the records
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from borderflows.forecast.adaptive import OWN_MIN_TRAIN, OWN_ORIGINS, ScalePrior
from borderflows.forecast.calibration import TREND_EDGES, trend_strength
from borderflows.forecast.corpora import DotsSelection, dots_corpus, load_corpus
from borderflows.forecast.records import (
    OWN_WEIGHTS,
    Record,
    base_prior,
    choose_strength,
    held_out_scores,
    learning_folds,
    make_records,
    own_horizon,
    prior_spreads,
    spread_quantiles,
)

ROOT = Path(__file__).resolve().parents[1]
M3 = ROOT.parent / "shared" / "bench" / "m3_yearly"
FEATURES = ("log r", "smoothness", "recent volatility", "trend strength", "log length")
CANDIDATES: dict[str, tuple[str, ...] | None] = {
    "shrinkage": None,
    "regression: log r": FEATURES[:1],
    "regression: 5 features": FEATURES,
}


def features(record: Record, ratio_of: ScalePrior) -> dict[str, float]:
    """The candidate features of a record's training history (nothing after its end is read)."""
    y = record.values
    d = np.diff(y)
    scale = max(float(np.mean(np.abs(d))), 1e-12)
    own = record.own["level"]
    return {
        "log r": float(np.log(ratio_of.ratio(own))) if own.n else ratio_of.centre,
        "smoothness": float(np.log(max(float(np.mean(np.abs(np.diff(d)))), 1e-12) / scale)),
        "recent volatility": float(np.log(max(float(np.mean(np.abs(d[-5:]))), 1e-12) / scale)),
        "trend strength": trend_strength(y),
        "log length": float(np.log(y.size)),
    }


class RegressionSpread:
    """``log spread = b . (1, features)``, least squares on the learning records (domains weighted equally)."""

    def __init__(self, learn_on: Sequence[Record], names: tuple[str, ...]) -> None:
        horizon = own_horizon(learn_on)
        base = base_prior(learn_on, "level", horizon)
        self.ratio_of = base.with_strength("level", 0.0, OWN_ORIGINS, OWN_MIN_TRAIN)
        self.names = names
        ends = [r.end["level"] for r in learn_on]
        growth = np.array([np.mean([abs(e[h]) for e in ends if e.size > h]) for h in range(max(e.size for e in ends))])
        response = np.array([np.log(max(float(np.mean(np.abs(e) / growth[: e.size])), 1e-3)) for e in ends])
        domains = pd.Series([r.domain for r in learn_on])
        weight = np.sqrt(1.0 / domains.map(domains.value_counts()).to_numpy(dtype=float))
        design = self.design(learn_on)
        self.coefficients, *_ = np.linalg.lstsq(design * weight[:, None], response * weight, rcond=None)

    def design(self, records: Sequence[Record]) -> npt.NDArray[np.float64]:
        rows = [[1.0, *(features(r, self.ratio_of)[n] for n in self.names)] for r in records]
        return np.asarray(rows, dtype=float)

    def spreads(self, records: Sequence[Record]) -> list[float]:
        return [float(v) for v in np.exp(self.design(records) @ self.coefficients)]


def spreads_for(
    candidate: str, learn_on: Sequence[Record], scored: Sequence[Record], strength: float
) -> tuple[list[float], list[float]]:
    """Spreads of the learning and the scored records under a candidate learned on ``learn_on``."""
    names = CANDIDATES[candidate]
    if names is None:
        base = base_prior(learn_on, "level", own_horizon(learn_on))
        prior = base.with_strength("level", strength, OWN_ORIGINS, OWN_MIN_TRAIN)
        return prior_spreads(learn_on, "level", prior), prior_spreads(scored, "level", prior)
    model = RegressionSpread(learn_on, names)
    return model.spreads(learn_on), model.spreads(scored)


def scores(
    candidate: str, learn_on: Sequence[Record], scored: Sequence[Record], strength: float, own_weight: float
) -> npt.NDArray[np.float64]:
    """Coverage and interval score at 80% and 95% of ``scored`` under a candidate learned on ``learn_on``."""
    spread_learn, spread_scored = spreads_for(candidate, learn_on, scored, strength)
    quantiles = spread_quantiles(learn_on, "level", spread_learn, TREND_EDGES, own_weight)
    return held_out_scores(scored, quantiles, spread_scored, TREND_EDGES)


def inner_choice(candidate: str, learn_on: Sequence[Record]) -> tuple[float, float, float]:
    """``(k, w, inner interval score)`` chosen on the learning records only."""
    if CANDIDATES[candidate] is None:
        choice = choose_strength(learn_on)
        best = float(choice.scores.loc[(choice.strength, choice.own_weight), "interval_score"])
        return choice.strength, choice.own_weight, best
    folds = [f for f in learning_folds(learn_on) if f.any() and not f.all()]
    results = []
    for own_weight in OWN_WEIGHTS:
        total = 0.0
        for held in folds:
            inner_learn = [r for r, h in zip(learn_on, held, strict=True) if not h]
            inner_scored = [r for r, h in zip(learn_on, held, strict=True) if h]
            total += float(np.mean(scores(candidate, inner_learn, inner_scored, 0.0, own_weight)[1])) / len(folds)
        results.append((0.0, own_weight, total))
    return min(results, key=lambda t: t[2])


def protocols(m3: list[Record], dots: list[Record]) -> list[tuple[str, list[Record], list[Record]]]:
    """M3's categories held out one at a time, then M3 -> DOTS and DOTS -> M3."""
    out = [
        (f"M3 LODO: {d}", [r for r in m3 if r.domain != d], [r for r in m3 if r.domain == d])
        for d in sorted({r.domain for r in m3})
    ]
    return [*out, ("M3 -> DOTS", m3, dots), ("DOTS -> M3", dots, m3)]


def load_records(cache: Path | None) -> tuple[list[Record], list[Record]]:
    if cache is not None and cache.is_file():
        with cache.open("rb") as handle:
            stored = pickle.load(handle)  # a cache this script wrote itself
        return stored["m3"], stored["dots"]
    m3 = make_records(load_corpus(M3))
    dots = make_records(dots_corpus(DotsSelection()))
    if cache is not None:
        with cache.open("wb") as handle:
            pickle.dump({"m3": m3, "dots": dots}, handle)
    return m3, dots


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=Path, default=None, help="pickle cache of the records (read if present)")
    args = parser.parse_args(argv)
    print(f"load average before: {os.getloadavg()}")
    start = time.perf_counter()
    m3, dots = load_records(args.records)
    print(f"records: {len(m3)} M3 yearly, {len(dots)} DOTS ({DotsSelection().describe()}); horizon 6")
    rows = []
    for name, learn_on, scored in protocols(m3, dots):
        row: dict[str, object] = {"scored on": f"{name} ({len(scored)})"}
        inner = {}
        for candidate in CANDIDATES:
            strength, own_weight, inner_score = inner_choice(candidate, learn_on)
            result = scores(candidate, learn_on, scored, strength, own_weight)
            inner[candidate] = inner_score
            row[candidate] = f"{result[0, 0]:.3f} / {result[0, 1]:.3f} / {result[1, 1]:.2f}"
        chosen = min(inner, key=lambda c: inner[c])
        row["nested choice (inner interval score)"] = f"{chosen} ({', '.join(f'{v:.2f}' for v in inner.values())})"
        rows.append(row)
        print(f"  {name}: {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    print("\nEach cell: coverage 80% / coverage 95% / MSIS 95%, equal-tailed intervals, horizon 6\n")
    print(pd.DataFrame(rows).to_markdown(index=False))
    print(f"\n{time.perf_counter() - start:.0f} s; load average after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
