"""Is the share driven by the data? The identification half of the honesty gate.

Convergence (:mod:`borderflows.diagnostics.gate`) says the sampler explored the posterior; it does not say
the data, rather than the prior, set the answer. A share is **identified** in a year when

1. its 90% equal-tailed interval's lower bound is at least :data:`MIN_LOWER` (a posterior piled against
   u = 0 is a boundary-truncated prior, not a measured shortfall), and
2. the posterior of logit u is at most :data:`MAX_SD_RATIO` times as wide as its prior (the data have
   contracted it).

The year checked is the headline's (the latest with both reports). The prior of logit u there is
simulated from the walk's priors (start, inverse-gamma step variance), so the comparison is like for like.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from borderflows.mirror import priors
from borderflows.mirror.inputs import MirrorData
from borderflows.mirror.posterior import flat

MIN_LOWER = 0.02
"""Lower bound (90% equal-tailed) the share must clear to count as evidence of underreporting."""
MAX_SD_RATIO = 0.5
"""Posterior sd of logit u over its prior sd at most this: the data halved the prior's spread."""
PROB = 0.9
PRIOR_DRAWS = 20000


@dataclass(frozen=True)
class Identification:
    """Whether the latest year's share is driven by the data.

    Attributes
    ----------
    year
        The year checked: the headline's, the latest with both reports.
    identified
        Both conditions hold.
    lower
        The share's 90% equal-tailed lower bound that year.
    sd_ratio
        Posterior sd of logit u over its prior sd that year.
    reason
        In words an economist uses, why the share is or is not evidence of underreporting.
    identified_years
        Every year with both reports in which the same two conditions hold (the headline year may not be one).
    """

    year: int
    identified: bool
    lower: float
    sd_ratio: float
    reason: str
    identified_years: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """Plain-JSON form."""
        return {
            "year": self.year,
            "identified": self.identified,
            "lower": self.lower,
            "sd_ratio": self.sd_ratio,
            "reason": self.reason,
            "identified_years": list(self.identified_years),
            "min_lower": MIN_LOWER,
            "max_sd_ratio": MAX_SD_RATIO,
            "prob": PROB,
            "kind": "eti",
        }


def prior_logit_draws(n_years: int, seed: int = 0) -> np.ndarray:
    """:data:`PRIOR_DRAWS` draws of logit u in year ``n_years`` under the walk's priors (fixed seed)."""
    rng = np.random.default_rng(seed)
    start = rng.normal(priors.SHARE_START_LOGIT_MEAN, priors.SHARE_START_LOGIT_SD, PRIOR_DRAWS)
    variance = priors.SHARE_STEP.rate / rng.gamma(priors.SHARE_STEP.shape, 1.0, PRIOR_DRAWS)
    walk = rng.standard_normal(PRIOR_DRAWS) * np.sqrt(variance * (n_years - 1))
    return start + walk


@functools.lru_cache(maxsize=256)
def prior_logit_sd(n_years: int, seed: int = 0) -> float:
    """Sd of logit u in year ``n_years`` under the walk's priors (Monte Carlo, :func:`prior_logit_draws`)."""
    return float(np.std(prior_logit_draws(n_years, seed)))


def headline_position(data: MirrorData) -> int:
    """Position of the headline year: the latest with both reports (else the latest modelled year)."""
    both = np.intersect1d(data.x_idx, data.m_idx)
    return int(both[-1]) if len(both) else data.n_years - 1


def year_verdicts(idata: xr.DataTree, data: MirrorData) -> pd.DataFrame:
    """Both conditions for every year of the grid: ``year, both_reports, lower, sd_ratio, identified, reason``.

    ``reason`` is ``"identified"``, ``"interval reaches zero"``, ``"driven by the prior"`` or ``"not both
    reports"`` (a year needs both reports to be identified).
    """
    u = flat(idata, "u")
    lower = np.quantile(u, (1 - PROB) / 2, axis=0)
    sd = np.std(np.log(u) - np.log1p(-u), axis=0)
    ratio = sd / np.array([prior_logit_sd(k + 1) for k in range(data.n_years)])
    both = np.isin(np.arange(data.n_years), np.intersect1d(data.x_idx, data.m_idx))
    reason = np.select(
        [~both, lower < MIN_LOWER, ratio > MAX_SD_RATIO],
        ["not both reports", "interval reaches zero", "driven by the prior"],
        "identified",
    )
    return pd.DataFrame(
        {
            "year": data.years.astype(int),
            "both_reports": both,
            "lower": lower,
            "sd_ratio": ratio,
            "identified": reason == "identified",
            "reason": reason,
        }
    )


def identified_years(idata: xr.DataTree, data: MirrorData) -> tuple[int, ...]:
    """Years with both reports whose share meets both conditions."""
    verdicts = year_verdicts(idata, data)
    return tuple(int(y) for y in verdicts.loc[verdicts["identified"], "year"])


def identification(idata: xr.DataTree, data: MirrorData) -> Identification:
    """Check the headline year's share (:func:`headline_position`) against both conditions."""
    position = headline_position(data)
    years = identified_years(idata, data)
    u = flat(idata, "u")[:, position]
    lower, upper = (float(q) for q in np.quantile(u, [(1 - PROB) / 2, (1 + PROB) / 2]))
    logit = np.log(u) - np.log1p(-u)
    sd_ratio = float(np.std(logit) / prior_logit_sd(position + 1))
    year = int(data.years[position])
    if lower < MIN_LOWER:
        reason = (
            f"no evidence of underreporting beyond comparable pairs in {year}: the share's 90% interval "
            f"({100 * lower:.1f}%-{100 * upper:.0f}%) reaches down to zero: the data are consistent with no shortfall"
        )
        return Identification(year, False, lower, sd_ratio, reason, years)
    if sd_ratio > MAX_SD_RATIO:
        reason = (
            f"the {year} share is driven by the prior, not the reports: its posterior is {sd_ratio:.2f} times as "
            f"wide as the prior (identified needs at most {MAX_SD_RATIO})"
        )
        return Identification(year, False, lower, sd_ratio, reason, years)
    reason = (
        f"identified: the {year} share's 90% interval starts at {100 * lower:.1f}% and the reports narrowed the "
        f"prior to {sd_ratio:.2f} of its width"
    )
    return Identification(year, True, lower, sd_ratio, reason, years)
