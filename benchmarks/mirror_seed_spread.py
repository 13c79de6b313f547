"""How much do one pair's identification verdicts move with the seed? (issue 10, honesty gate)

Usage::

    uv run python benchmarks/mirror_seed_spread.py CHN KAZ 2014,2017,2020,2024 20240101,1,2,3,4,5

Fits the pair once per seed in one process (default options, full preset) and prints one JSON line per seed: the
gate, how many years are identified (and undecided) and the latest of them, and for each requested year the 90%
lower bound of u with its Monte Carlo se and three widths of logit u's posterior relative to its prior: the sd ratio
the rule uses (:data:`borderflows.mirror.identification.MAX_SD_RATIO`), the 90% interquantile ratio and the
interquartile ratio. A last line counts, for every year, the seeds that call it identified, undecided or not
identified, and the **contradicted** years: identified under one seed and decided the other way under another. The
Monte Carlo margin (:data:`borderflows.mirror.identification.MCSE_MARGIN`) is meant to make those rare; a year
identified under some seeds and undecided under others is the margin working.
"""

from __future__ import annotations

import json
import sys
import warnings

import numpy as np


def _width(draws: np.ndarray, prob: float) -> float:
    low, high = np.quantile(draws, [(1 - prob) / 2, (1 + prob) / 2])
    return float(high - low)


def spread(exporter: str, importer: str, years: list[int], seeds: list[int]) -> None:
    """Print one JSON line per seed (see the module docstring)."""
    from borderflows.data import mirror_pair
    from borderflows.exceptions import ConvergenceWarning
    from borderflows.mirror import MirrorGap
    from borderflows.mirror.identification import prior_logit_draws, year_verdicts
    from borderflows.mirror.posterior import flat

    pair = mirror_pair(exporter, importer)
    reasons: dict[int, list[str]] = {}
    for seed in seeds:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            res = MirrorGap().fit(pair, random_seed=seed)
        verdicts = year_verdicts(res.idata, res.data)
        identified = verdicts.loc[verdicts["identified"], "year"].tolist()
        undecided = verdicts.loc[verdicts["reason"] == "undecided", "year"].tolist()
        for year, reason in zip(verdicts["year"], verdicts["reason"], strict=True):
            reasons.setdefault(int(year), []).append(str(reason))
        u = flat(res.idata, "u")
        logit = np.log(u) - np.log1p(-u)
        by_year = {}
        for year in years:
            k = int(np.flatnonzero(res.data.years == year)[0])
            prior = prior_logit_draws(k + 1)
            by_year[str(year)] = {
                "lower": round(float(verdicts.loc[k, "lower"]), 3),
                "lower_mcse": round(float(verdicts.loc[k, "lower_mcse"]), 4),
                "sd_ratio": round(float(verdicts.loc[k, "sd_ratio"]), 2),
                "w90_ratio": round(_width(logit[:, k], 0.9) / _width(prior, 0.9), 2),
                "iqr_ratio": round(_width(logit[:, k], 0.5) / _width(prior, 0.5), 2),
                "reason": str(verdicts.loc[k, "reason"]),
            }
        line = {
            "pair": f"{exporter}->{importer}",
            "seed": seed,
            "gate_passed": res.diagnostics.ok,
            "n_identified": len(identified),
            "latest_identified": identified[-1] if identified else None,
            "identified_years": [int(y) for y in identified],
            "undecided_years": [int(y) for y in undecided],
            "headline_identified": res.identification.identified,
            "headline_decided": res.identification.decided,
            "draws_factor": res.idata["posterior"].sizes["draw"] // 1000,
            "years": by_year,
        }
        print(json.dumps(line), flush=True)
    counts = {
        year: {kind: found.count(kind) for kind in ("identified", "undecided") if kind in found}
        | {"not": sum(r not in ("identified", "undecided", "not both reports") for r in found)}
        for year, found in reasons.items()
        if "not both reports" not in found
    }
    contradicted = [year for year, c in counts.items() if c.get("identified", 0) and c["not"]]
    print(
        json.dumps(
            {"pair": f"{exporter}->{importer}", "seeds": len(seeds), "by_year": counts, "contradicted": contradicted}
        )
    )


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    spread(sys.argv[1], sys.argv[2], [int(y) for y in sys.argv[3].split(",")], [int(s) for s in sys.argv[4].split(",")])
