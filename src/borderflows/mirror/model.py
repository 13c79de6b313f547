"""The mirror-gap model for one pair as a PyMC graph (stage 2; stage 1 is :mod:`borderflows.mirror.world`).

For the target pair (exporter e, importer i), year t, on the log scale (``l_t = log X_t``, the
exporter's report, observed where reported)::

    l_t - l_{t-1}  ~ Normal(drift, sigma_s)                              exporter's level: random walk
    logit u_t      = w_t + sum_b beta_b 1[t >= b],  w: Gaussian RW(sigma_u)  underreporting share
    c              ~ StudentT(offset_nu, offset_loc, offset_scale)       the pair's usual log(M/X)
    a_t            = RW(drift_sd) - its mean                             the ratio's drift around c
    k_t            = sum_k kappa_k 1[t >= k]                             known coverage steps
    log M_t        ~ Normal(l_t + c + a_t + k_t + log(1 - u_t), sigma_d)  importer's record

``c`` is the log mirror ratio the pair would show with no shortfall: what the world panel predicts for a
pair like it (margin, the two reporters' usual behaviour, pair covariates) plus the pair's own
persistent effect, whose spread is the world's ``pair_sd`` (:meth:`WorldPosterior.offset_prior`). So
``u_t`` is the pair's shortfall beyond what comparable pairs show, and the pair's own heterogeneity is
part of its interval. Comparable pairs' ratios also drift over the years (``drift_sd``, measured in the
world panel by size of flow), so only a fall beyond that drift reads as a shortfall. The three noise
scales have inverse-gamma priors on their variances and are integrated out
(:class:`~borderflows.mirror.priors.ScalePrior`): the walk's steps, the level's steps and
the importer's residuals each get a multivariate Student-t, and the scales are drawn after sampling
from their exact conditionals (:func:`borderflows.mirror.posterior.with_noise_scales`).

Evidence statements that add information (not restating reports already in the likelihood; see
:func:`borderflows.mirror.inputs.evidence_terms`) add a potential: each statement's measured quantity
(gap in USD m, a share, or a ratio of the expected *reported* values) has a normal likelihood
(``eq``/``approx``) or a soft normal-CDF bound (``gt``/``lt``), mixed over its candidate years.

All observed values live in two ``pm.Data`` containers (:meth:`MirrorData.data_values`: the importer's reports
and one packed vector of everything else), so a compiled model can be re-used for another pair with the same
shape.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pymc as pm
import pytensor.tensor as pt
from pymc.distributions.shape_utils import rv_size_is_none

from borderflows.mirror import priors
from borderflows.mirror.inputs import PACKED_INPUTS, MirrorData, input_layout

if TYPE_CHECKING:
    from borderflows.mirror.options import MirrorOptions


def breakpoint_design(years: np.ndarray, breakpoints: tuple[int, ...]) -> tuple[np.ndarray, tuple[int, ...]]:
    """Step indicators ``1[year >= b]`` for breakpoints strictly inside the year grid.

    Returns
    -------
    tuple
        The ``(n_years, n_breaks)`` design and the breakpoints kept.
    """
    kept = tuple(int(b) for b in breakpoints if years[0] < b <= years[-1])
    design = np.column_stack([(years >= b).astype(float) for b in kept]) if kept else np.zeros((len(years), 0))
    return design, kept


def build_model(data: MirrorData, spec: MirrorOptions | None = None) -> pm.Model:
    """Build the PyMC model for one :class:`MirrorData`.

    Parameters
    ----------
    data
        Arrays from :func:`borderflows.mirror.inputs.build_inputs` or
        :func:`borderflows.mirror.simulate.simulate`.
    spec
        The options it reads (breakpoints, walk), e.g. a :class:`MirrorGap`; default :class:`MirrorOptions()`.

    Returns
    -------
    pymc.Model
        Free variables: ``logit_u_start``, ``logit_u_later`` (``sigma_u_squared`` and
        ``logit_u_innovations`` when non-centred), ``beta`` (with breakpoints), ``offset``, ``pair_drift_steps``,
        ``coverage_step`` (with known coverage changes),
        ``drift`` and ``level_fill`` (the exporter's log level where X is missing; a prior draw in reported
        years). Deterministics: ``u``, ``pair_drift``, ``level``
        and the sums of squares of the collapsed scales, ``share_step_ss`` (centred walk only),
        ``level_step_ss`` and ``report_noise_ss``. Observed: ``obs`` (importer's log reports on the year grid, masked
        where missing);
        potentials ``level_walk`` (the exporter's level random walk) and ``evidence``.
    """
    if spec is None:
        from borderflows.mirror.options import MirrorOptions

        spec = MirrorOptions()
    n_years = data.n_years
    design, kept = breakpoint_design(data.years, spec.breakpoints)
    coords: dict[str, object] = {
        "year": data.years.tolist(),
        "step": data.years[1:].tolist(),
    }
    if kept:
        coords["breakpoint"] = list(kept)
    if data.steps:
        coords["coverage_year"] = list(data.steps)
    with pm.Model(coords=coords) as model:
        values = data.data_values()
        log_m = pm.Data("log_m", values["log_m"])
        inputs = _unpack(pm.Data(PACKED_INPUTS, values[PACKED_INPUTS]), data)
        x_mask, log_x, m_mask = inputs["x_mask"], inputs["log_x"], inputs["m_mask"]

        # Underreporting share: random walk on the logit scale, plus breakpoints. Centred: given the
        # first year, the later years are one multivariate Student-t with a Brownian-motion scale matrix
        # (sigma_u collapsed). Non-centred: sigma_u is sampled and the steps are sigma_u times standard
        # normals, the textbook form for data that say little about the path.
        start = pm.Normal("logit_u_start", priors.SHARE_START_LOGIT_MEAN, priors.SHARE_START_LOGIT_SD)
        if spec.walk == "centred":
            later = pm.MvStudentT(
                "logit_u_later",
                nu=2 * priors.SHARE_STEP.shape,
                mu=start * np.ones(n_years - 1),
                scale=priors.SHARE_STEP.t_scale * _brownian(n_years - 1),
                dims="step",
            )
            pm.Deterministic("share_step_ss", pt.sum(pt.diff(pt.concatenate([pt.atleast_1d(start), later])) ** 2))
        else:
            variance = pm.InverseGamma("sigma_u_squared", alpha=priors.SHARE_STEP.shape, beta=priors.SHARE_STEP.rate)
            sigma_u = pm.Deterministic("sigma_u", pt.sqrt(variance))
            innovations = pm.Normal("logit_u_innovations", 0.0, 1.0, dims="step")
            later = start + pt.cumsum(sigma_u * innovations)
        logit_u = pt.concatenate([pt.atleast_1d(start), later])
        if kept:
            beta = pm.Normal("beta", 0.0, priors.BREAK_SCALE, dims="breakpoint")
            logit_u = logit_u + pt.dot(pt.as_tensor(design), beta)
        pm.Deterministic("u", pm.math.invlogit(logit_u), dims="year")
        log1m_u = -pt.softplus(logit_u)  # log(1 - u), stable for any logit

        offset = pm.StudentT("offset", nu=inputs["offset_nu"], mu=inputs["offset_loc"], sigma=inputs["offset_scale"])
        # The pair's own ratio drifts around c as comparable pairs' ratios do (a random walk with the
        # world's per-year sd, centred on its mean so that c stays the pair's average level); only a
        # fall beyond that drift reads as a shortfall.
        drift_steps = pm.Normal("pair_drift_steps", 0.0, 1.0, dims="step")
        walk = pt.concatenate([pt.zeros(1), pt.cumsum(inputs["drift_sd"] * drift_steps)])
        pair_drift = pm.Deterministic("pair_drift", walk - pt.mean(walk), dims="year")

        # The exporter's reported log level l_t = log X_t where reported; a random walk with drift
        # (collapsed sigma_s) links the years and fills those without X. Reporting noise of both sides
        # enters the log mirror ratio log(M/X) through one scale sigma_d (the split between the two
        # reporters' noise is not identified by one pair).
        drift = pm.Normal("drift", priors.DRIFT_MEAN, priors.DRIFT_SD)
        # One fill value per year, used only where X is missing: elsewhere it is a draw from its prior that
        # touches nothing. Which years are reported is then data (a mask), not the graph's shape, so one
        # compiled graph serves every pair with this grid length.
        level_fill = pm.Normal("level_fill", priors.LEVEL_START_MEAN, priors.LEVEL_FREE_SD, dims="year")
        level = pt.switch(pt.gt(x_mask, 0.5), log_x, level_fill)
        pm.Deterministic("level", level, dims="year")
        level_steps = level[1:] - level[:-1] - drift
        pm.Deterministic("level_step_ss", pt.sum(level_steps**2))
        level_prior = pm.MvStudentT.dist(
            nu=2 * priors.LEVEL_STEP.shape, mu=np.zeros(n_years - 1), scale=_scale(priors.LEVEL_STEP, n_years - 1)
        )
        pm.Potential("level_walk", pm.logp(level_prior, level_steps))

        gap_m = offset + pair_drift + log1m_u  # expected log(M / X) by year
        if data.steps:
            # Known coverage changes of either report: the ratio may step there, so a coverage change is
            # not read as a change of the shortfall.
            coverage = pm.Normal("coverage_step", 0.0, priors.COVERAGE_STEP_SD, dims="coverage_year")
            gap_m = gap_m + pt.dot(pt.as_tensor(breakpoint_design(data.years, data.steps)[0]), coverage)
        mean_m = level + gap_m
        pm.Deterministic("report_noise_ss", pt.sum(m_mask * (log_m - mean_m) ** 2))
        pm.CustomDist(
            "obs",
            mean_m,
            m_mask,
            logp=_masked_collapsed_logp,
            dist=_masked_collapsed_draws,
            signature="(n),(n)->(n)",
            observed=log_m,
        )

        if data.evidence is not None and data.evidence.n:
            _evidence_potential(data, inputs["evidence_value"], level, level + gap_m)
    return model


def _unpack(packed: pt.TensorVariable, data: MirrorData) -> dict[str, pt.TensorVariable]:
    """The named inputs of :meth:`MirrorData.named_inputs` as slices of the packed container."""
    n_evidence = data.evidence.n if data.evidence is not None else 0
    layout, _ = input_layout(data.n_years, n_evidence)
    return {name: packed[where] for name, where in layout.items()}


def _masked_collapsed_logp(
    value: pt.TensorVariable, mean: pt.TensorVariable, mask: pt.TensorVariable
) -> pt.TensorVariable:
    """The importer's reports' collapsed likelihood, over the years where ``mask`` is 1.

    With the noise variance integrated out of its inverse-gamma prior, the ``k`` reported residuals are one
    multivariate Student-t with ``2 * shape`` degrees of freedom and scale matrix ``t_scale * I``
    (:class:`~borderflows.mirror.priors.ScalePrior`); unreported years add nothing.
    """
    nu = 2 * priors.REPORT_NOISE.shape
    scale = priors.REPORT_NOISE.t_scale
    k = pt.sum(mask)
    ss = pt.sum(mask * (value - mean) ** 2)
    return (
        pt.gammaln((nu + k) / 2)
        - pt.gammaln(nu / 2)
        - k / 2 * np.log(nu * np.pi * scale)
        - (nu + k) / 2 * pt.log1p(ss / (nu * scale))
    )


def _masked_collapsed_draws(
    mean: pt.TensorVariable, mask: pt.TensorVariable, size: pt.TensorVariable | None
) -> pt.TensorVariable:
    """A symbolic draw of the importer's log reports from the same prior (prior and posterior predictive).

    sigma^2 ~ InverseGamma(shape, rate) once per draw, then Normal residuals with that variance. Written with
    PyMC distributions rather than a numpy ``random`` so that the compiled (numba) predictive sampler needs
    no object mode.
    """
    noise = priors.REPORT_NOISE
    n = mean.shape[-1]
    batch = pt.as_tensor(mean.shape[:-1] if size is None or rv_size_is_none(size) else size, dtype="int64")
    sigma2 = pm.InverseGamma.dist(noise.shape, noise.rate, size=batch)
    z = pm.Normal.dist(0.0, 1.0, size=pt.concatenate([batch, [n]]))
    del mask  # every year gets a draw; the likelihood reads only the masked ones
    return mean + pt.sqrt(sigma2)[..., None] * z


def _brownian(k: int) -> np.ndarray:
    """Covariance of k steps of a unit random walk: ``min(i, j)`` for positions 1..k."""
    steps = np.arange(1, k + 1)
    return np.minimum.outer(steps, steps).astype(float)


def _scale(prior: priors.ScalePrior, k: int) -> np.ndarray:
    """Scale matrix of the multivariate Student-t left by integrating ``prior``'s variance out of k terms."""
    return prior.t_scale * np.eye(k)


def measure_values(measure: str, mu_x: pt.TensorVariable, mu_m: pt.TensorVariable) -> pt.TensorVariable:
    """The quantity an evidence statement measures, from expected log reports ``mu_x`` and ``mu_m``."""
    if measure == "gap_usd_m":
        return pt.exp(mu_x) - pt.exp(mu_m)
    if measure == "gap_share_of_exports":
        return 1.0 - pt.exp(mu_m - mu_x)
    if measure == "gap_share_of_imports":
        return pt.exp(mu_x - mu_m) - 1.0
    if measure == "ratio_exports_to_imports":
        return pt.exp(mu_x - mu_m)
    raise ValueError(f"unknown evidence measure {measure!r}")


def _evidence_potential(
    data: MirrorData, values: pt.TensorVariable, mu_x: pt.TensorVariable, mu_m: pt.TensorVariable
) -> None:
    """Evidence statements (measured ``values``) on expected reported values; ``mu_x`` is the exporter's reported
    log level."""
    evidence = data.evidence
    assert evidence is not None
    terms = []
    for k in range(evidence.n):
        years = evidence.year_idx[evidence.statement == k]
        quantity = measure_values(evidence.measure[k], mu_x[years], mu_m[years])
        target = values[k]
        scale = priors.EVIDENCE_REL_SD[evidence.relation[k]] * pt.abs(target)
        z = (quantity - target) / scale
        if evidence.relation[k] in ("eq", "approx"):
            loglik = -0.5 * z**2 - pt.log(scale) - 0.5 * np.log(2 * np.pi)
        elif evidence.relation[k] == "gt":
            loglik = _log_normal_cdf(z)
        else:
            loglik = _log_normal_cdf(-z)
        terms.append(pm.math.logsumexp(loglik) - np.log(len(years)))
    pm.Potential("evidence", pt.sum(pt.stack(terms)))


def _log_normal_cdf(z: pt.TensorVariable) -> pt.TensorVariable:
    """log Phi(z), numerically stable in both tails (PyMC's normal log-CDF)."""
    return pm.logcdf(pm.Normal.dist(0.0, 1.0), z)
