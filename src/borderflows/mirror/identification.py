"""Is the share driven by the data? The identification half of the honesty gate.

Convergence (:mod:`borderflows.diagnostics.gate`) says the sampler explored the posterior; it does not say
the data, rather than the prior, set the answer. A share is **identified** in a year when

1. its 90% equal-tailed interval's lower bound is at least :data:`MIN_LOWER` (a posterior piled against
   u = 0 is a boundary-truncated prior, not a measured shortfall), and
2. the posterior of logit u is at most :data:`MAX_SD_RATIO` times as wide as its prior (the data have
   contracted it).

The year checked is the headline's (the latest with both reports). The prior of logit u there is
simulated from the walk's priors (start, inverse-gamma step variance), so the comparison is like for like.

Both statistics are estimates from a finite number of draws. A year whose statistic sits within
:data:`MCSE_MARGIN` Monte Carlo standard errors of its threshold is **undecided**, neither identified nor "no
evidence": which side of the line a run puts it on is Monte Carlo noise (session 11 measured CHN->KAZ's 2013-2020
flipping between identified and not across ten seeds). The fit draws more for an undecided headline year
(:func:`borderflows.mirror.fitting.fit_mirror`); a year still undecided after that is reported as such.
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
MCSE_MARGIN = 2.0
"""A statistic decides a condition only when it clears the threshold by more than this many Monte Carlo standard
errors (arviz_stats' quantile and sd MCSE). With normal Monte Carlo error, a year whose exact statistic sits on the
threshold is then called identified by about 2% of runs, not half of them; the price is an undecided band about
two MCSE wide on each side of each threshold."""
PROB = 0.9
PRIOR_DRAWS = 20000
UNDECIDED = "undecided"


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
    decided
        ``False`` when the headline year's statistics sit within :data:`MCSE_MARGIN` Monte Carlo standard errors
        of a threshold that decides the verdict: then ``identified`` is ``False`` and the reason says undecided.
    lower_mcse, sd_ratio_mcse
        Monte Carlo standard errors of ``lower`` and ``sd_ratio`` (NaN in records written before they were kept).
    undecided_years
        Years with both reports that are undecided in the same sense.
    """

    year: int
    identified: bool
    lower: float
    sd_ratio: float
    reason: str
    identified_years: tuple[int, ...] = ()
    decided: bool = True
    lower_mcse: float = float("nan")
    sd_ratio_mcse: float = float("nan")
    undecided_years: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """Plain-JSON form."""
        return {
            "year": self.year,
            "identified": self.identified,
            "lower": self.lower,
            "sd_ratio": self.sd_ratio,
            "reason": self.reason,
            "identified_years": list(self.identified_years),
            "decided": self.decided,
            "lower_mcse": self.lower_mcse,
            "sd_ratio_mcse": self.sd_ratio_mcse,
            "undecided_years": list(self.undecided_years),
            "mcse_margin": MCSE_MARGIN,
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
    """Both conditions for every year of the grid, with Monte Carlo error.

    Returns
    -------
    pandas.DataFrame
        ``year, both_reports, lower, lower_mcse, sd_ratio, sd_ratio_mcse, identified, reason``. ``reason`` is
        ``"identified"`` (both conditions hold by more than :data:`MCSE_MARGIN` standard errors), ``"interval
        reaches zero"`` or ``"driven by the prior"`` (a condition fails by that margin), ``"undecided"`` (a
        statistic the verdict turns on is within the margin of its threshold) or ``"not both reports"`` (a year
        needs both reports to be identified).
    """
    from arviz_stats import mcse

    u = np.asarray(idata["posterior"]["u"].transpose("chain", "draw", ...), dtype=float)
    logit = np.log(u) - np.log1p(-u)
    draws = u.reshape(-1, u.shape[-1])
    tail = (1 - PROB) / 2
    lower = np.quantile(draws, tail, axis=0)
    lower_mcse = np.asarray(mcse(u, method="quantile", prob=tail, chain_axis=0, draw_axis=1), dtype=float)
    prior_sd = np.array([prior_logit_sd(k + 1) for k in range(data.n_years)])
    ratio = np.std(logit.reshape(-1, u.shape[-1]), axis=0) / prior_sd
    ratio_mcse = np.asarray(mcse(logit, method="sd", chain_axis=0, draw_axis=1), dtype=float) / prior_sd
    both = np.isin(np.arange(data.n_years), np.intersect1d(data.x_idx, data.m_idx))
    margin_lower, margin_ratio = MCSE_MARGIN * lower_mcse, MCSE_MARGIN * ratio_mcse
    reason = np.select(
        [
            ~both,
            lower + margin_lower < MIN_LOWER,
            ratio - margin_ratio > MAX_SD_RATIO,
            (lower - margin_lower >= MIN_LOWER) & (ratio + margin_ratio <= MAX_SD_RATIO),
        ],
        ["not both reports", "interval reaches zero", "driven by the prior", "identified"],
        UNDECIDED,
    )
    return pd.DataFrame(
        {
            "year": data.years.astype(int),
            "both_reports": both,
            "lower": lower,
            "lower_mcse": lower_mcse,
            "sd_ratio": ratio,
            "sd_ratio_mcse": ratio_mcse,
            "identified": reason == "identified",
            "reason": reason,
        }
    )


def identified_years(idata: xr.DataTree, data: MirrorData) -> tuple[int, ...]:
    """Years with both reports whose share meets both conditions beyond Monte Carlo error."""
    verdicts = year_verdicts(idata, data)
    return tuple(int(y) for y in verdicts.loc[verdicts["identified"], "year"])


def identification(idata: xr.DataTree, data: MirrorData) -> Identification:
    """Check the headline year's share (:func:`headline_position`) against both conditions, beyond Monte Carlo
    error (:data:`MCSE_MARGIN`)."""
    position = headline_position(data)
    verdicts = year_verdicts(idata, data)
    years = tuple(int(y) for y in verdicts.loc[verdicts["identified"], "year"])
    undecided = tuple(int(y) for y in verdicts.loc[verdicts["reason"] == UNDECIDED, "year"])
    row = verdicts.iloc[position]
    lower, sd_ratio = float(row["lower"]), float(row["sd_ratio"])
    errors = {"lower_mcse": float(row["lower_mcse"]), "sd_ratio_mcse": float(row["sd_ratio_mcse"])}
    upper = float(np.quantile(flat(idata, "u")[:, position], (1 + PROB) / 2))
    year = int(data.years[position])

    def verdict(identified: bool, reason: str, decided: bool = True) -> Identification:
        return Identification(
            year, identified, lower, sd_ratio, reason, years, decided, **errors, undecided_years=undecided
        )

    if row["reason"] == "interval reaches zero":
        return verdict(
            False,
            f"no evidence of underreporting beyond comparable pairs in {year}: the share's 90% interval "
            f"({100 * lower:.1f}%-{100 * upper:.0f}%) reaches down to zero: the data are consistent with no shortfall",
        )
    if row["reason"] == "driven by the prior":
        return verdict(
            False,
            f"the {year} share is driven by the prior, not the reports: its posterior is {sd_ratio:.2f} times as "
            f"wide as the prior (identified needs at most {MAX_SD_RATIO})",
        )
    if row["reason"] == UNDECIDED:
        return verdict(
            False,
            f"undecided in {year}: the share's 90% interval starts at {100 * lower:.1f}% (Monte Carlo se "
            f"{100 * errors['lower_mcse']:.1f} points) and is {sd_ratio:.2f} (se {errors['sd_ratio_mcse']:.2f}) times "
            f"as wide as the prior, within {MCSE_MARGIN:g} Monte Carlo standard errors of the rule (lower bound at "
            f"least {100 * MIN_LOWER:.0f}%, width at most {MAX_SD_RATIO}): whether the data identify it is not "
            "settled at this run's precision",
            decided=False,
        )
    return verdict(
        True,
        f"identified: the {year} share's 90% interval starts at {100 * lower:.1f}% and the reports narrowed the "
        f"prior to {sd_ratio:.2f} of its width",
    )
