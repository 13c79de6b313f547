"""Post-estimation draws: the shipments level and posterior-predictive reports."""

from __future__ import annotations

import numpy as np
import xarray as xr

from borderflows.mirror.inputs import FloatArray


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
