"""Generative simulator of the one-pair mirror model (v3 stage 2), for tests, recovery studies and SBC.

:func:`draw_truth` draws every parameter from the model's priors (or takes the ones you fix) and
:func:`simulate` draws the pair's reports given a :class:`Truth`, as a :class:`MirrorData` ready for
:func:`borderflows.mirror.model.build_model` or :meth:`MirrorGap.fit_data`.

The pair's persistent log mirror ratio is ``offset = mu + alpha``: ``mu`` is what the world panel predicts for a
pair like it and ``alpha ~ StudentT(nu, 0, pair_sd)`` the pair's own effect, the heterogeneity v2's simulator left
out. The fit is told the world's prediction through :attr:`Truth.offset_prior` (``c ~ StudentT(nu, loc, scale)``
with ``scale = sqrt(sd(mu)^2 + pair_sd^2)``); when ``mu`` is known exactly (``mu_sd = 0``, the default) the drawn
offset has exactly the model's prior, so SBC is exact. The pair's ratio also drifts around its offset as
comparable pairs' ratios do (``a_t``, a random walk with the world's ``drift_sd``, less its mean). Optionally a
share of the exporter's figure is goods declared for the importer that go on to a third country
(:attr:`Truth.transit`), so X exceeds shipments to the importer in those years; the model has no term for it.
Exporter years can be missing, as four of China's reports to Kazakhstan are.

Example (SBC with one compiled model)::

    truth = draw_truth(rng, years)
    data = simulate(truth, rng, missing_x=(2016, 2017, 2018, 2020))
    model, compiled, _ = compiled_model(data, MirrorGap())        # compile once
    next_data = simulate(draw_truth(rng, years), rng, missing_x=(2016, 2017, 2018, 2020))   # same shapes
    compiled.with_data(**all_data_values(next_data, MirrorGap()))
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy import special

from borderflows.mirror import priors
from borderflows.mirror.inputs import FloatArray, MirrorData, OffsetPrior, prior_offset
from borderflows.mirror.model import breakpoint_design

TARGET_EXPORTER = "CHN"
TARGET_IMPORTER = "KAZ"

WORLD_PAIR_SD = 0.41
"""Spread (t4 scale) of DOTS pairs' mean log mirror ratios around their reporters' prediction: the v2 panel's
posterior ``pair_sd`` for CHN->KAZ (issue 10). The simulated world's default."""

WORLD_MU_SD = 0.0
"""Posterior sd of the world's prediction ``mu`` for the target pair in the default simulated world: zero, so the
drawn offset has exactly the prior the fit is given (exact SBC). Set it above zero to test the model's Student-t
approximation of a normal ``mu`` plus a t4 ``alpha``."""


def world_offset(
    loc: float = priors.MARGIN_LOG_CENTRE,
    pair_sd: float = WORLD_PAIR_SD,
    mu_sd: float = WORLD_MU_SD,
    nu: float = priors.OFFSET_NU,
    drift_sd: float = priors.PAIR_DRIFT_SD,
) -> OffsetPrior:
    """The offset prior a world-mode fit is given for a pair whose world prediction is ``loc`` (sd ``mu_sd``).

    ``loc`` defaults to the margin prior's centre (a pair whose two reporters behave as the average reporter);
    ``nu`` is the tail of pairs around their prediction and ``drift_sd`` the yearly drift of a pair's ratio.
    """
    margin = np.full(1, priors.MARGIN_LOG_CENTRE)
    return OffsetPrior(
        loc=float(loc),
        scale=float(math.sqrt(mu_sd**2 + pair_sd**2)),
        source="world",
        margin=margin,
        reporters=np.full(1, float(loc) - priors.MARGIN_LOG_CENTRE),
        covariates=np.zeros(1),
        pair_sd=float(pair_sd),
        nu=float(nu),
        drift_sd=float(drift_sd),
    )


@dataclass(frozen=True)
class Truth:
    """Known parameter values of one simulated pair (natural scales).

    Attributes
    ----------
    years
        The year grid.
    level
        The exporter's log report (log X_t, USD m), a random walk with drift.
    u
        Underreporting share of the importer's records by year.
    offset
        The pair's persistent log(M/X) without shortfall, ``mu + alpha``.
    sigma_d
        Noise sd of log(M/X).
    beta
        Breakpoint effects on logit u (at :attr:`breakpoints`).
    breakpoints
        Breakpoint years kept inside the grid.
    alpha
        The pair's own effect inside ``offset`` (``offset - alpha`` is the world's prediction ``mu``).
    pair_drift
        Per year, the drift of the pair's log ratio around ``offset`` (a random walk less its mean; empty: none).
    transit
        Per year, the share of the exporter's figure that goes on to third countries (empty or zeros: none).
    offset_prior
        The prior the fit is given for the offset; ``None``: the pair-mode prior of
        :class:`~borderflows.mirror.inputs.MirrorData`'s default.
    """

    years: npt.NDArray[np.int64]
    level: FloatArray
    u: FloatArray
    offset: float
    sigma_d: float
    beta: FloatArray = field(default_factory=lambda: np.zeros(0))
    breakpoints: tuple[int, ...] = ()
    alpha: float = 0.0
    pair_drift: FloatArray = field(default_factory=lambda: np.zeros(0))
    transit: FloatArray = field(default_factory=lambda: np.zeros(0))
    offset_prior: OffsetPrior | None = None

    @property
    def mu(self) -> float:
        """The world's prediction for the pair (offset without the pair's own effect)."""
        return self.offset - self.alpha

    @property
    def shipment_share(self) -> FloatArray:
        """Per year, the share of the exporter's figure actually shipped to the importer (1 - transit)."""
        transit = np.zeros(len(self.years)) if len(self.transit) == 0 else np.asarray(self.transit, dtype=float)
        return 1.0 - transit


def draw_scale(rng: np.random.Generator, prior: priors.ScalePrior) -> float:
    """One draw of a noise sd from its inverse-gamma prior on the variance."""
    return float(np.sqrt(prior.rate / rng.gamma(prior.shape)))


def transit_path(years: npt.ArrayLike, share: float, first_year: int | None = None) -> FloatArray:
    """Per-year transit shares: ``share`` from ``first_year`` on (every year when ``None``), zero before."""
    grid = np.asarray(years, dtype=np.int64)
    start = int(grid[0]) if first_year is None else int(first_year)
    return np.where(grid >= start, float(share), 0.0)


def draw_truth(
    rng: np.random.Generator,
    years: npt.ArrayLike,
    *,
    offset_prior: OffsetPrior | None = None,
    breakpoints: tuple[int, ...] = (),
    transit: FloatArray | None = None,
) -> Truth:
    """Draw all parameters from the model's priors.

    Parameters
    ----------
    rng
        Random generator.
    years
        Year grid.
    offset_prior
        The world's prediction for the pair (:func:`world_offset` by default). The offset is drawn as
        ``mu ~ Normal(loc, mu_sd)`` plus ``alpha ~ StudentT(nu, 0, pair_sd)``, ``mu_sd^2 = scale^2 - pair_sd^2``.
    breakpoints
        Years where logit u steps (effects drawn from their prior).
    transit
        Per-year transit shares (:func:`transit_path`); default none.
    """
    grid = np.asarray(years, dtype=np.int64)
    n = len(grid)
    prior = offset_prior or world_offset()
    s0 = rng.normal(priors.LEVEL_START_MEAN, 1.0)
    drift = rng.normal(priors.DRIFT_MEAN, priors.DRIFT_SD)
    sigma_s = draw_scale(rng, priors.LEVEL_STEP)
    level = s0 + np.concatenate([[0.0], np.cumsum(drift + sigma_s * rng.normal(size=n - 1))])
    design, kept = breakpoint_design(grid, breakpoints)
    beta = rng.normal(0, priors.BREAK_SCALE, size=len(kept))
    first = rng.normal(priors.SHARE_START_LOGIT_MEAN, priors.SHARE_START_LOGIT_SD)
    sigma_u = draw_scale(rng, priors.SHARE_STEP)
    logit_u = first + np.concatenate([[0.0], np.cumsum(sigma_u * rng.normal(size=n - 1))]) + design @ beta
    walk = np.concatenate([[0.0], np.cumsum(prior.drift_sd * rng.normal(size=n - 1))])
    mu_sd = math.sqrt(max(prior.scale**2 - prior.pair_sd**2, 0.0))
    mu = prior.loc + mu_sd * rng.normal()
    alpha = prior.pair_sd * rng.standard_t(prior.nu)
    return Truth(
        years=grid,
        level=level,
        u=special.expit(logit_u),
        offset=float(mu + alpha),
        sigma_d=draw_scale(rng, priors.REPORT_NOISE),
        beta=beta,
        breakpoints=kept,
        alpha=float(alpha),
        pair_drift=walk - walk.mean(),
        transit=np.zeros(n) if transit is None else np.asarray(transit, dtype=float),
        offset_prior=prior,
    )


def simulate(
    truth: Truth,
    rng: np.random.Generator,
    *,
    missing_x: tuple[int, ...] = (),
    missing_m: tuple[int, ...] = (),
) -> MirrorData:
    """Draw the pair's reports given ``truth``.

    ``log M_t = level_t + log(1 - transit_t) + offset + a_t + log(1 - u_t) + sigma_d * e_t``: the importer
    records what was shipped to it (the exporter's figure less transit), marked up by the pair's offset and its
    drift ``a_t`` and short by ``u_t``.

    Parameters
    ----------
    truth
        Parameters (from :func:`draw_truth` or set by hand).
    rng
        Random generator.
    missing_x, missing_m
        Years whose exporter / importer report is missing.

    Returns
    -------
    MirrorData
        With ``offset`` = :attr:`Truth.offset_prior` (the pair-mode prior when ``None``).
    """
    years = truth.years
    n = len(years)
    x_idx = np.asarray([i for i, y in enumerate(years) if int(y) not in missing_x], dtype=np.int64)
    m_idx = np.asarray([i for i, y in enumerate(years) if int(y) not in missing_m], dtype=np.int64)
    drift = np.zeros(n) if len(truth.pair_drift) == 0 else truth.pair_drift
    mu_m = truth.level + np.log(truth.shipment_share) + truth.offset + drift + np.log1p(-truth.u)
    log_x = truth.level[x_idx]
    log_m = mu_m[m_idx] + truth.sigma_d * rng.normal(size=len(m_idx))
    x_rep = np.full(n, np.nan)
    m_rep = np.full(n, np.nan)
    x_rep[x_idx] = np.exp(log_x)
    m_rep[m_idx] = np.exp(log_m)
    return MirrorData(
        exporter=TARGET_EXPORTER,
        importer=TARGET_IMPORTER,
        years=years,
        x_idx=x_idx,
        log_x=log_x,
        m_idx=m_idx,
        log_m=log_m,
        x_reported=x_rep,
        m_reported=m_rep,
        offset=prior_offset() if truth.offset_prior is None else truth.offset_prior,
    )
