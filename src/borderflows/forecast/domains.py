"""Leave-one-domain-out: learn a calibration on some domains, score it on another it never saw.

A domain is a set of series with a common origin (an M3 category, DOTS bilateral exports). The
question an economist's series poses is whether intervals learned elsewhere hold on *their* kind of
data; scoring a calibration on the domains it was learned from cannot answer it. :func:`transfer`
learns on one set of :class:`~borderflows.forecast.records.Record` and scores on a disjoint one
(it refuses overlapping sets); :func:`leave_one_domain_out` does that for each domain in turn. Every
result states the corpus, the horizon and the domains on each side, so that a table can never be
read as being about another corpus than the one it ran on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from borderflows.forecast.backtest import DEFAULT_PROBS, summarize
from borderflows.forecast.calibration import Calibration
from borderflows.forecast.records import Record, learn_from_records, score_records


@dataclass(frozen=True)
class Transfer:
    """One calibration learned on some domains and scored on others.

    Attributes
    ----------
    corpus
        Name of the corpus the records came from (e.g. ``"M3 yearly"``).
    horizon
        Longest held-out horizon scored.
    learned_on, scored_on
        Domains on each side (disjoint).
    calibration
        The calibration learned on ``learned_on``.
    scores
        Tidy scores on ``scored_on`` (:func:`~borderflows.forecast.backtest.score_forecast`).
    """

    corpus: str
    horizon: int
    learned_on: tuple[str, ...]
    scored_on: tuple[str, ...]
    calibration: Calibration
    scores: pd.DataFrame

    @cached_property
    def summary(self) -> pd.DataFrame:
        """sMAPE, MASE, sCRPS, coverage and MSIS per interval probability (M3/M4 averaging)."""
        return summarize(self.scores)

    def row(self) -> dict[str, object]:
        """One table row: what was learned where, and the scores."""
        summary = self.summary.set_index("prob")
        row: dict[str, object] = {
            "corpus": self.corpus,
            "horizon": self.horizon,
            "scored on": ", ".join(self.scored_on),
            "learned on": ", ".join(self.learned_on),
            "series": int(summary["n_forecasts"].iloc[0]),
            "sMAPE": float(summary["smape"].iloc[0]),
            "MASE": float(summary["mase"].iloc[0]),
            "sCRPS": float(summary["scaled_crps"].iloc[0]),
        }
        for prob in summary.index:
            row[f"cov{prob:.0%}"] = float(summary.loc[prob, "coverage"])
            row[f"MSIS{prob:.0%}"] = float(summary.loc[prob, "msis"])
        prior = self.calibration.priors.get("level")
        row["strength"] = prior.strength if prior is not None else float("nan")
        return row


def transfer(
    learn_on: Sequence[Record],
    score_on: Sequence[Record],
    *,
    corpus: str,
    adaptive: bool = True,
    probs: Sequence[float] = DEFAULT_PROBS,
) -> Transfer:
    """Learn on ``learn_on`` and score on ``score_on``; nothing of ``score_on`` is read while learning.

    Raises
    ------
    ValueError
        If a series is on both sides, or either side is empty.
    """
    if not learn_on or not score_on:
        raise ValueError("transfer needs records to learn on and records to score on")
    learned = {(r.domain, r.case.train.name) for r in learn_on}
    scored = {(r.domain, r.case.train.name) for r in score_on}
    overlap = sorted(name for domain, name in scored if (domain, name) in learned)
    if overlap:
        raise ValueError(
            f"{len(overlap)} series are both learned on and scored on (e.g. {overlap[0]}); split them by domain"
        )
    calibration = learn_from_records(learn_on, adaptive=adaptive, provenance={"corpus": corpus})
    scores = score_records(score_on, calibration, probs=probs)
    return Transfer(
        corpus=corpus,
        horizon=max(r.case.test.size for r in score_on),
        learned_on=tuple(sorted({r.domain for r in learn_on})),
        scored_on=tuple(sorted({r.domain for r in score_on})),
        calibration=calibration,
        scores=scores,
    )


def leave_one_domain_out(
    records: Sequence[Record],
    *,
    corpus: str,
    hold_out: Sequence[str] | None = None,
    adaptive: bool = True,
    probs: Sequence[float] = DEFAULT_PROBS,
) -> list[Transfer]:
    """For each domain in ``hold_out`` (default: every domain), learn on all others and score it."""
    domains = sorted({r.domain for r in records}) if hold_out is None else list(hold_out)
    if len({r.domain for r in records}) < 2:
        raise ValueError("leave-one-domain-out needs records from at least two domains")
    return [
        transfer(
            [r for r in records if r.domain != domain],
            [r for r in records if r.domain == domain],
            corpus=corpus,
            adaptive=adaptive,
            probs=probs,
        )
        for domain in domains
    ]


def transfer_table(transfers: Sequence[Transfer]) -> pd.DataFrame:
    """One row per transfer (:meth:`Transfer.row`)."""
    return pd.DataFrame([t.row() for t in transfers])


def held_out_coverage(transfers: Sequence[Transfer]) -> dict[str, dict[str, float]]:
    """Coverage per held-out domain and interval probability, for a calibration's provenance.

    Keys are the scored domains; values map ``"0.8"``-style probabilities to coverage, plus
    ``"series"``, the number of series scored.
    """
    out: dict[str, dict[str, float]] = {}
    for t in transfers:
        summary = t.summary.set_index("prob")
        row = {f"{prob:g}": round(float(summary.loc[prob, "coverage"]), 3) for prob in summary.index}
        row["series"] = int(summary["n_forecasts"].iloc[0])
        out[", ".join(t.scored_on)] = row
    return out
