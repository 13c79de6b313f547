"""Post-estimation draws: collapsed noise scales, the shipments level and posterior-predictive reports."""

from __future__ import annotations

import numpy as np
import xarray as xr

from borderflows.mirror import priors
from borderflows.mirror.inputs import FloatArray, MirrorData
from borderflows.sampling import flat


def log_expected_imports(idata: xr.DataTree) -> FloatArray:
    """Log of the importer's expected record with no shortfall beyond comparable pairs: l_t + c + a_t + k_t."""
    return flat(idata, "level") + flat(idata, "offset")[:, None] + flat(idata, "pair_drift") + coverage_path(idata)


def coverage_path(idata: xr.DataTree) -> FloatArray:
    """Draws of the known coverage steps' sum k_t per year (zeros without steps)."""
    posterior = idata["posterior"]
    years = np.asarray(posterior["u"].coords["year"].values)
    if "coverage_step" not in posterior:
        return np.zeros((flat(idata, "u").shape[0], len(years)))
    steps = flat(idata, "coverage_step")
    step_years = np.asarray(posterior["coverage_step"].coords["coverage_year"].values)
    return steps @ (years[None, :] >= step_years[:, None]).astype(float)


def predictive_reports(idata: xr.DataTree, rng: np.random.Generator) -> tuple[FloatArray, FloatArray]:
    """Posterior-predictive exporter and importer reports (USD m) for every year, ``(n_draws, n_years)``.

    The exporter's report is the model's level (observed where reported); the importer's adds the
    mirror-ratio noise.
    """
    level = flat(idata, "level")
    mean_m = np.log1p(-flat(idata, "u")) + log_expected_imports(idata)
    sigma_d = flat(idata, "sigma_d")[:, None]
    return np.exp(level), np.exp(mean_m + sigma_d * rng.standard_normal(level.shape))


COLLAPSED_SCALES = {
    "sigma_u": ("share_step_ss", priors.SHARE_STEP),
    "sigma_s": ("level_step_ss", priors.LEVEL_STEP),
    "sigma_d": ("report_noise_ss", priors.REPORT_NOISE),
}
"""Each integrated-out scale: the deterministic holding its sum of squares, and its prior."""


def with_noise_scales(idata: xr.DataTree, data: MirrorData, random_seed: int) -> xr.DataTree:
    """Add posterior draws of the collapsed scales ``sigma_u``, ``sigma_s``, ``sigma_d`` to ``idata``.

    A scale the sampler already drew (``sigma_u`` of the non-centred walk) is kept as it is.

    Each comes from its exact conditional ``sigma^2 | rest ~ InverseGamma(shape + k/2, rate + SS/2)``
    given the draw's sum of squares SS over its k terms, so the joint draws are draws of the full
    posterior. Seeded from ``random_seed``: the same fit gives the same scales.
    """
    counts = {"sigma_u": data.n_years - 1, "sigma_s": data.n_years - 1, "sigma_d": len(data.m_idx)}
    rng = np.random.default_rng([random_seed, 3])
    posterior = idata["posterior"].to_dataset()
    for name, (ss_name, prior) in COLLAPSED_SCALES.items():
        if name in posterior:  # sampled, not collapsed (the non-centred walk's sigma_u)
            continue
        ss = posterior[ss_name]
        precision = rng.gamma(prior.shape + counts[name] / 2, 1.0, size=ss.shape) / (prior.rate + ss.values / 2)
        posterior[name] = ss.copy(data=1.0 / np.sqrt(precision))
    idata["posterior"] = xr.DataTree(posterior)
    return idata


OFFSET_PARTS = ("log1p_tau", "reporters", "covariate_effect")
"""Parts of the world's prediction mu for the pair, added to the posterior by :func:`with_offset_parts`."""


def with_offset_parts(idata: xr.DataTree, data: MirrorData, random_seed: int) -> xr.DataTree:
    """Add the parts of the pair's offset to ``idata``: margin, reporters, covariates and the pair's own effect.

    The world posterior's draws of mu's parts (:class:`~borderflows.mirror.inputs.OffsetPrior`) are
    resampled, seeded, to the pair posterior's chains and draws: in the two-stage model they are
    independent of the pair's own draws. ``alpha = offset - mu`` is then the pair's persistent effect
    beyond comparable pairs, and ``tau`` the margin.
    """
    offset = data.offset
    posterior = idata["posterior"].to_dataset()
    template = posterior["offset"]
    rng = np.random.default_rng([random_seed, 5])
    pick = rng.integers(0, len(offset.margin), size=template.shape)
    parts = {"log1p_tau": offset.margin, "reporters": offset.reporters, "covariate_effect": offset.covariates}
    mu = np.zeros(template.shape)
    for name, draws in parts.items():
        values = np.asarray(draws, dtype=float)[pick]
        posterior[name] = template.copy(data=values)
        mu = mu + values
    posterior["tau"] = template.copy(data=np.expm1(posterior["log1p_tau"].values))
    posterior["alpha"] = template.copy(data=template.values - mu)
    idata["posterior"] = xr.DataTree(posterior)
    return idata
