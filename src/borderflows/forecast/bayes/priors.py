"""Priors learned from a corpus of yearly series, shipped with the package.

``priors.json`` (next to this module) is written by ``scripts/learn_forecast_priors.py``: it fits the
damped local linear trend by maximum likelihood (Kalman filter) to every M3 yearly *training*
segment, once on the log scale and once on a standardised level scale, and moment-matches lognormal
hyperpriors to the per-series estimates (empirical Bayes). The file records its provenance; the
package never reads the corpus at run time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

PRIORS_FILE = "priors.json"


@dataclass(frozen=True)
class ScalePriors:
    """Hyperparameters on one model scale.

    Attributes
    ----------
    log_sigma_level, log_sigma_slope, log_sigma_obs
        ``(mean, sd)`` of the log of each standard deviation (lognormal priors). For the count model
        ``log_sigma_obs`` is the prior of the negative-binomial coefficient of variation.
    slope0
        ``(mean, sd)`` of the normal prior on the initial slope.
    level0_sd
        Standard deviation of the initial level around the first observation.
    """

    log_sigma_level: tuple[float, float]
    log_sigma_slope: tuple[float, float]
    log_sigma_obs: tuple[float, float]
    slope0: tuple[float, float]
    level0_sd: float


@dataclass(frozen=True)
class ForecastPriors:
    """All hyperparameters of the Bayesian forecasters.

    Attributes
    ----------
    log, level
        :class:`ScalePriors` for the log scale (positive and count series) and the standardised
        level scale (signed series).
    phi_alpha, phi_beta
        Beta prior of the damping factor.
    student_df
        Degrees of freedom of the signed model's Student-t level innovations (fixed at 4: heavy
        tails with a finite variance; sampling it as well made a funnel with the mixing weights).
    break_sd
        Standard deviation of a structural break's level shift on the model scale.
    provenance
        Where the numbers came from.
    """

    log: ScalePriors
    level: ScalePriors
    phi_alpha: float
    phi_beta: float
    student_df: float = 4.0
    break_sd: float = 1.0
    provenance: dict[str, Any] = field(default_factory=dict)

    def for_likelihood(self, likelihood: str) -> ScalePriors:
        """The scale block a likelihood uses."""
        return self.level if likelihood == "signed" else self.log

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form (recorded in manifests)."""
        return {
            "log": _scale_dict(self.log),
            "level": _scale_dict(self.level),
            "phi": [self.phi_alpha, self.phi_beta],
            "student_df": self.student_df,
            "break_sd": self.break_sd,
            "provenance": self.provenance,
        }


def _scale_dict(scale: ScalePriors) -> dict[str, Any]:
    return {
        "log_sigma_level": list(scale.log_sigma_level),
        "log_sigma_slope": list(scale.log_sigma_slope),
        "log_sigma_obs": list(scale.log_sigma_obs),
        "slope0": list(scale.slope0),
        "level0_sd": scale.level0_sd,
    }


OBS_FLOOR_RATIO = 4.0
"""The observation-noise prior's median is kept >= sigma_level's prior median / this ratio."""
OBS_MAX_SD = 1.0
"""... and its log-scale sd <= this."""


def regularise_obs(log_sigma_level: tuple[float, float], log_sigma_obs: tuple[float, float]) -> tuple[float, float]:
    """Keep the observation-noise prior away from zero.

    On M3 the empirical-Bayes fit puts the observation noise of most series at zero and its hyperprior
    width at the bound (``priors.json``: ``log_sigma_obs`` about ``(-9.4, 3.0)``): yearly M3 series are
    smooth and the level absorbs everything. A prior with that much mass near zero makes the latent
    states a deterministic function of the data, a funnel for NUTS. We therefore floor the prior's
    median at a quarter of the level innovation's prior median and cap its width at 1 on the log
    scale. This is a computational regularisation applied to every series alike, not per-series tuning.
    """
    mean = max(log_sigma_obs[0], log_sigma_level[0] - float(np.log(OBS_FLOOR_RATIO)))
    return mean, min(log_sigma_obs[1], OBS_MAX_SD)


def _scale(raw: dict[str, Any]) -> ScalePriors:
    level = _pair(raw["log_sigma_level"])
    return ScalePriors(
        log_sigma_level=level,
        log_sigma_slope=_pair(raw["log_sigma_slope"]),
        log_sigma_obs=regularise_obs(level, _pair(raw["log_sigma_obs"])),
        slope0=_pair(raw["slope0"]),
        level0_sd=float(raw["level0_sd"]),
    )


def _pair(values: Any) -> tuple[float, float]:
    first, second = values
    return float(first), float(second)


def priors_from_dict(raw: dict[str, Any]) -> ForecastPriors:
    """Build :class:`ForecastPriors` from the JSON layout of ``priors.json``."""
    return ForecastPriors(
        log=_scale(raw["log"]),
        level=_scale(raw["level"]),
        phi_alpha=float(raw["phi"][0]),
        phi_beta=float(raw["phi"][1]),
        student_df=float(raw.get("student_df", 4.0)),
        break_sd=float(raw.get("break_sd", 1.0)),
        provenance=dict(raw.get("provenance", {})),
    )


@cache
def default_priors() -> ForecastPriors:
    """The learned priors shipped in ``priors.json``."""
    text = resources.files("borderflows.forecast.bayes").joinpath(PRIORS_FILE).read_text()
    return priors_from_dict(json.loads(text))
