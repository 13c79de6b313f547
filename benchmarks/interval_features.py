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

A fourth candidate was added after the first three had been scored (``benchmarks/RESULTS.md``, session
8), written down here before it was run: the regressions covered the held-out domains better but
scored worse, their widths varying more from series to series, so

* ``shrinkage + ridge``: the shrinkage's width times ``exp(c . x)``, ``x`` the four features other
  than ``log r`` standardised on the learning records, ``c`` a ridge regression of the learning
  series' log end-error scale left over by the shrinkage, with penalty ``lambda`` times the records'
  total weight (one per domain; 1 halves a unit-variance feature's slope) for ``lambda`` in
  :data:`RIDGE_PENALTIES` (chosen with ``w`` by the inner interval score; ``k`` is the shrinkage's
  own choice). As ``lambda`` grows it becomes the shipped rule.

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
    StrengthChoice,
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
    "shrinkage + ridge": FEATURES[1:],
}
RIDGE_PENALTIES = (0.01, 0.1, 1.0)
"""``lambda`` of the ``shrinkage + ridge`` candidate (fixed before it was run)."""


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
    """``log spread = offset + b . (1, features)``, fitted on the learning records (domains weighted equally).

    Without ``offset`` and ``penalty`` it is least squares on the raw features; with them (the
    ``shrinkage + ridge`` candidate) the features are standardised on the learning records and the
    slopes ridge-penalised by ``penalty`` times the records' total weight (one per domain), so it fits
    what the offset (the shrinkage) leaves over.
    """

    def __init__(
        self, learn_on: Sequence[Record], names: tuple[str, ...], offset: ScalePrior | None = None, penalty: float = 0.0
    ) -> None:
        horizon = own_horizon(learn_on)
        base = base_prior(learn_on, "level", horizon)
        self.ratio_of = base.with_strength("level", 0.0, OWN_ORIGINS, OWN_MIN_TRAIN)
        self.names, self.offset = names, offset
        raw = np.asarray([[features(r, self.ratio_of)[n] for n in names] for r in learn_on], dtype=float)
        self.centre = raw.mean(axis=0) if offset is not None else np.zeros(len(names))
        self.sd = raw.std(axis=0) if offset is not None else np.ones(len(names))
        ends = [r.end["level"] for r in learn_on]
        growth = np.array([np.mean([abs(e[h]) for e in ends if e.size > h]) for h in range(max(e.size for e in ends))])
        response = np.array([np.log(max(float(np.mean(np.abs(e) / growth[: e.size])), 1e-3)) for e in ends])
        response = response - self.offsets(learn_on)
        domains = pd.Series([r.domain for r in learn_on])
        weight = np.sqrt(1.0 / domains.map(domains.value_counts()).to_numpy(dtype=float))
        design = self.design(learn_on) * weight[:, None]
        ridge = penalty * domains.nunique() * np.diag([0.0, *([1.0] * len(names))])
        self.coefficients = np.linalg.solve(design.T @ design + ridge, design.T @ (response * weight))

    def offsets(self, records: Sequence[Record]) -> npt.NDArray[np.float64]:
        if self.offset is None:
            return np.zeros(len(records))
        return np.log(np.asarray(prior_spreads(records, "level", self.offset), dtype=float))

    def design(self, records: Sequence[Record]) -> npt.NDArray[np.float64]:
        raw = np.asarray([[features(r, self.ratio_of)[n] for n in self.names] for r in records], dtype=float)
        return np.column_stack([np.ones(len(records)), (raw - self.centre) / self.sd])

    def spreads(self, records: Sequence[Record]) -> list[float]:
        return [float(v) for v in np.exp(self.offsets(records) + self.design(records) @ self.coefficients)]


def spreads_for(
    candidate: str, learn_on: Sequence[Record], scored: Sequence[Record], strength: float, penalty: float
) -> tuple[list[float], list[float]]:
    """Spreads of the learning and the scored records under a candidate learned on ``learn_on``."""
    names = CANDIDATES[candidate]
    prior = base_prior(learn_on, "level", own_horizon(learn_on)).with_strength(
        "level", strength, OWN_ORIGINS, OWN_MIN_TRAIN
    )
    if names is None:
        return prior_spreads(learn_on, "level", prior), prior_spreads(scored, "level", prior)
    if candidate == "shrinkage + ridge":
        model = RegressionSpread(learn_on, names, offset=prior, penalty=penalty)
    else:
        model = RegressionSpread(learn_on, names)
    return model.spreads(learn_on), model.spreads(scored)


def scores(
    candidate: str, learn_on: Sequence[Record], scored: Sequence[Record], choice: tuple[float, float, float]
) -> npt.NDArray[np.float64]:
    """Coverage and interval score at 80% and 95% of ``scored`` under a candidate learned on ``learn_on``.

    ``choice`` is ``(k, w, lambda)``.
    """
    strength, own_weight, penalty = choice
    spread_learn, spread_scored = spreads_for(candidate, learn_on, scored, strength, penalty)
    quantiles = spread_quantiles(learn_on, "level", spread_learn, TREND_EDGES, own_weight)
    return held_out_scores(scored, quantiles, spread_scored, TREND_EDGES)


def inner_choice(
    candidate: str, learn_on: Sequence[Record], shrinkage: StrengthChoice
) -> tuple[tuple[float, float, float], float]:
    """``((k, w, lambda), inner interval score)`` chosen on the learning records only.

    ``shrinkage`` is the shipped rule's choice on the same records (:func:`choose_strength`), made once per split.
    """
    if CANDIDATES[candidate] is None:
        best = float(shrinkage.scores.loc[(shrinkage.strength, shrinkage.own_weight), "interval_score"])
        return (shrinkage.strength, shrinkage.own_weight, 0.0), best
    if candidate == "shrinkage + ridge":
        grid = [(shrinkage.strength, w, lam) for lam in RIDGE_PENALTIES for w in OWN_WEIGHTS]
    else:
        grid = [(0.0, w, 0.0) for w in OWN_WEIGHTS]
    folds = [f for f in learning_folds(learn_on) if f.any() and not f.all()]
    results = []
    for choice in grid:
        total = 0.0
        for held in folds:
            inner_learn = [r for r, h in zip(learn_on, held, strict=True) if not h]
            inner_scored = [r for r, h in zip(learn_on, held, strict=True) if h]
            total += float(np.mean(scores(candidate, inner_learn, inner_scored, choice)[1])) / len(folds)
        results.append((choice, total))
    return min(results, key=lambda t: t[1])


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
        shrinkage = choose_strength(learn_on)
        for candidate in CANDIDATES:
            choice, inner_score = inner_choice(candidate, learn_on, shrinkage)
            result = scores(candidate, learn_on, scored, choice)
            inner[candidate] = inner_score
            row[candidate] = f"{result[0, 0]:.3f} / {result[0, 1]:.3f} / {result[1, 1]:.2f}"
            if candidate == "shrinkage + ridge":
                row["ridge lambda, w"] = f"{choice[2]:g}, {choice[1]:g}"
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
