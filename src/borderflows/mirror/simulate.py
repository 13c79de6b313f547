"""Generative simulator of the mirror-gap model, for tests, recovery studies and SBC.

:func:`draw_truth` draws every parameter from the model's priors (or takes the ones you fix) and
:func:`simulate` draws reports given a :class:`Truth`. The panel has the shape of the bundled DOTS
panel: the target exporter (``"CHN"``) trades both ways with ``n_partners`` other countries, which
also export to the target importer (``"KAZ"``); each pair enters through its mean log ratio and that
mean's standard error, as the model reads it. Observed arrays come out as a :class:`MirrorData`, ready for
:func:`borderflows.mirror.model.build_model` or :meth:`MirrorGap.fit_data`.

Example (SBC with one compiled model)::

    truth = draw_truth(rng, years)
    data = simulate(truth, rng)
    model, compiled, _ = compiled_model(data, MirrorGap())        # compile once
    next_data = simulate(draw_truth(rng, years), rng)             # same shapes
    compiled.with_data(**all_data_values(next_data, MirrorGap()))
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
from scipy import special

from borderflows.mirror import priors
from borderflows.mirror.inputs import FloatArray, MirrorData
from borderflows.mirror.model import breakpoint_design
from borderflows.mirror.priors import MarginPrior

TARGET_EXPORTER = "CHN"
TARGET_IMPORTER = "KAZ"


@dataclass(frozen=True)
class Truth:
    """Known parameter values of one simulated dataset (natural scales).

    ``level`` is the exporter's log report (log X_t, USD m), a random walk with drift; true
    shipments are ``exp(level - b_exp[0])``. ``sigma_d`` is the noise sd of log(M/X).

    ``b_exp``/``b_imp`` index ``exporters``/``importers`` of the :class:`MirrorData` built by
    :func:`simulate` (position 0 is the target pair's reporter). ``pair_sd`` is the spread of panel
    pairs' mean log ratios around their reporters' prediction and ``panel_se`` the standard error of
    each pair's mean (a design constant, as the data's are); both are empty without a panel.
    """

    years: npt.NDArray[np.int64]
    level: FloatArray
    u: FloatArray
    tau: float
    b_exp: FloatArray
    b_imp: FloatArray
    sigma_d: float
    pair_sd: float
    panel_se: FloatArray
    beta: FloatArray
    breakpoints: tuple[int, ...] = ()

    @property
    def has_panel(self) -> bool:
        """Whether the truth includes a panel."""
        return len(self.panel_se) > 0


def panel_layout(n_partners: int) -> tuple[tuple[str, ...], tuple[str, ...], list[tuple[int, int]]]:
    """Exporters, importers and (exporter, importer) index pairs of a simulated CHN-centred panel.

    Each partner trades with CHN both ways and exports to KAZ, as in the DOTS panel (pairs touching
    either side of the target pair): KAZ's import bias is then pinned by the panel, not by the
    zero-sum constraint alone.
    """
    partners = [f"P{j + 1}" for j in range(n_partners)]
    exporters = (TARGET_EXPORTER, *partners)
    importers = (TARGET_IMPORTER, *partners, TARGET_EXPORTER)
    pairs = (
        [(0, 1 + j) for j in range(n_partners)]
        + [(1 + j, len(importers) - 1) for j in range(n_partners)]
        + [(1 + j, 0) for j in range(n_partners)]
    )
    return exporters, importers, pairs


PANEL_SE_RANGE = (0.02, 0.10)
"""Standard errors of simulated pairs' mean log ratios: DOTS pairs scatter 0.1-0.5 a year over 10-26 years."""


def draw_scale(rng: np.random.Generator, prior: priors.ScalePrior) -> float:
    """One draw of a noise sd from its inverse-gamma prior on the variance."""
    return float(np.sqrt(prior.rate / rng.gamma(prior.shape)))


def draw_truth(
    rng: np.random.Generator,
    years: npt.ArrayLike,
    *,
    n_partners: int = 6,
    margin: MarginPrior | None = None,
    breakpoints: tuple[int, ...] = (),
    panel: bool = True,
) -> Truth:
    """Draw all parameters from the model's priors (panel-mode hierarchy when ``panel``)."""
    grid = np.asarray(years, dtype=np.int64)
    n = len(grid)
    margin = margin or MarginPrior()
    exporters, importers, pairs = panel_layout(n_partners if panel else 0)
    s0 = rng.normal(priors.LEVEL_START_MEAN, 1.0)
    drift = rng.normal(priors.DRIFT_MEAN, priors.DRIFT_SD)
    sigma_s = draw_scale(rng, priors.LEVEL_STEP)
    level = s0 + np.concatenate([[0.0], np.cumsum(drift + sigma_s * rng.normal(size=n - 1))])
    design, kept = breakpoint_design(grid, breakpoints)
    beta = rng.normal(0, priors.BREAK_SCALE, size=len(kept))
    first = rng.normal(priors.SHARE_START_LOGIT_MEAN, priors.SHARE_START_LOGIT_SD)
    sigma_u = draw_scale(rng, priors.SHARE_STEP)
    logit_u = first + np.concatenate([[0.0], np.cumsum(sigma_u * rng.normal(size=n - 1))]) + design @ beta
    if panel:
        # Zero-sum biases, as the panel model's ZeroSumNormal (iid normals minus their mean).
        b_exp = rng.normal(0, priors.REPORTER_BIAS_SCALE, size=len(exporters))
        b_imp = rng.normal(0, priors.REPORTER_BIAS_SCALE, size=len(importers))
        b_exp, b_imp = b_exp - b_exp.mean(), b_imp - b_imp.mean()
        pair_sd = float(abs(rng.normal(0, priors.PAIR_EFFECT_SCALE)))
        panel_se = rng.uniform(*PANEL_SE_RANGE, size=len(pairs))
    else:
        b_exp = rng.normal(0, priors.REPORTER_BIAS_SCALE, size=1)
        b_imp = rng.normal(0, priors.REPORTER_BIAS_SCALE, size=1)
        pair_sd = float("nan")
        panel_se = np.zeros(0)
    return Truth(
        years=grid,
        level=level,
        u=special.expit(logit_u),
        tau=float(np.expm1(rng.normal(margin.log_centre, margin.sd))),
        b_exp=b_exp,
        b_imp=b_imp,
        sigma_d=draw_scale(rng, priors.REPORT_NOISE),
        pair_sd=pair_sd,
        panel_se=panel_se,
        beta=beta,
        breakpoints=kept,
    )


def simulate(
    truth: Truth,
    rng: np.random.Generator,
    *,
    missing_x: tuple[int, ...] = (),
    missing_m: tuple[int, ...] = (),
) -> MirrorData:
    """Draw reports given ``truth``.

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
        Panel mode (pairs' mean log ratios with their standard errors) when ``truth.has_panel``,
        pair mode otherwise.
    """
    years = truth.years
    n = len(years)
    x_idx = np.asarray([i for i, y in enumerate(years) if int(y) not in missing_x], dtype=np.int64)
    m_idx = np.asarray([i for i, y in enumerate(years) if int(y) not in missing_m], dtype=np.int64)
    mu_m = truth.level + np.log1p(truth.tau) + np.log1p(-truth.u) + truth.b_imp[0] - truth.b_exp[0]
    log_x = truth.level[x_idx]
    log_m = mu_m[m_idx] + truth.sigma_d * rng.normal(size=len(m_idx))
    x_rep = np.full(n, np.nan)
    m_rep = np.full(n, np.nan)
    x_rep[x_idx] = np.exp(log_x)
    m_rep[m_idx] = np.exp(log_m)
    data = MirrorData(
        exporter=TARGET_EXPORTER,
        importer=TARGET_IMPORTER,
        years=years,
        x_idx=x_idx,
        log_x=log_x,
        m_idx=m_idx,
        log_m=log_m,
        exporters=(TARGET_EXPORTER,),
        importers=(TARGET_IMPORTER,),
        x_reported=x_rep,
        m_reported=m_rep,
    )
    if not truth.has_panel:
        return data
    exporters, importers, pairs = panel_layout(len(truth.b_exp) - 1)
    exp_idx = np.asarray([e for e, _ in pairs], dtype=np.int64)
    imp_idx = np.asarray([i for _, i in pairs], dtype=np.int64)
    mean = np.log1p(truth.tau) + truth.b_imp[imp_idx] - truth.b_exp[exp_idx]
    spread = np.sqrt(truth.pair_sd**2 + truth.panel_se**2)
    return replace(
        data,
        exporters=exporters,
        importers=importers,
        pairs=tuple(f"{exporters[e]}->{importers[i]}" for e, i in pairs),
        panel_exp=exp_idx,
        panel_imp=imp_idx,
        panel_mean=mean + spread * rng.standard_t(priors.PANEL_NU, size=len(pairs)),
        panel_se=truth.panel_se,
        panel_n=np.full(len(pairs), n, dtype=np.int64),
    )
