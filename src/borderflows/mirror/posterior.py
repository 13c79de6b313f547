"""Post-estimation draws: collapsed noise scales, the shipments level and posterior-predictive reports."""

from __future__ import annotations

import numpy as np
import xarray as xr

from borderflows.mirror import priors
from borderflows.mirror.inputs import FloatArray, MirrorData


def flat(idata: xr.DataTree, name: str) -> FloatArray:
    """Posterior draws of ``name`` with chains and draws stacked on axis 0."""
    values = np.asarray(idata["posterior"][name].values, dtype=float)
    return values.reshape(values.shape[0] * values.shape[1], *values.shape[2:])


def log_true_shipments(idata: xr.DataTree) -> FloatArray:
    """Draws of log true shipments (FOB, USD m): the exporter's log level minus its reporting bias."""
    return flat(idata, "level") - flat(idata, "b_exp")[:, :1]


def log_expected_imports(idata: xr.DataTree) -> FloatArray:
    """Log of the importer's expected record under full reporting: s_t + log(1 + tau) + b_imp."""
    return log_true_shipments(idata) + flat(idata, "log1p_tau")[:, None] + flat(idata, "b_imp")[:, :1]


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
