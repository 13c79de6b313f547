"""Sensitivity analyses of a mirror fit: they refit its spec to its data, so results never estimate.

- :func:`margin_sensitivity`: u_t when the pair's usual mirror ratio is shifted as if the CIF/FOB margin
  had another centre (same data, same compiled graph).
- :func:`prior_sensitivity`: power-scaling sensitivity of u_t to the offset prior
  (``arviz_stats.psense_summary``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from borderflows.config import DEFAULT_KIND, DEFAULT_PROB
from borderflows.mirror.fitting import fit_mirror
from borderflows.mirror.results import MirrorGapResults
from borderflows.sampling import flat

MARGIN_CENTRES = (0.02, 0.06, 0.10, 0.15)
OFFSET_PRIORS = ("offset",)
"""Priors that set the expected mirror ratio under no shortfall (power-scaled by :func:`prior_sensitivity`)."""


def margin_sensitivity(
    results: MirrorGapResults,
    centres: Sequence[float] = MARGIN_CENTRES,
    prob: float = DEFAULT_PROB,
    kind: str = DEFAULT_KIND,
    preset: str | None = None,
) -> pd.DataFrame:
    """u_t refitted with the pair's offset prior moved as if the margin were ``centre`` instead of its estimate.

    Returns
    -------
    pandas.DataFrame
        ``margin_centre, year, estimate, lower, upper, prob, kind, citable``.
    """
    margin = float(np.median(flat(results.idata, "log1p_tau")))
    frames = []
    for centre in centres:
        offset = replace(results.data.offset, loc=results.data.offset.loc + math.log1p(centre) - margin)
        refit = fit_mirror(
            results.spec,
            replace(results.data, offset=offset),
            random_seed=results.random_seed,
            preset=preset or results.preset,
            data_hash=results.data_hash,
        )
        part = refit.interval(prob, kind, ("u",)).drop(columns="quantity")
        part.insert(0, "margin_centre", centre)
        part["citable"] = refit.citable
        frames.append(part)
    return pd.concat(frames, ignore_index=True)


def prior_sensitivity(results: MirrorGapResults) -> pd.DataFrame:
    """Power-scaling prior/likelihood sensitivity of u_t (``arviz_stats.psense_summary``).

    The prior power-scaled is the offset's (:data:`OFFSET_PRIORS`): it sets the expected mirror ratio with
    no shortfall. The random-walk prior of logit u is left out: it sets how smooth u_t is, so scaling it
    moves u_t by design. Sensitivity above 0.05 flags u_t as driven by the offset prior rather than by the
    reports.
    """
    import arviz_stats as azs
    import pymc as pm

    from borderflows.mirror.model import build_model

    tree = results.idata.copy()
    model = results.model if results.model is not None else build_model(results.data, results.spec)
    log_lik = pm.compute_log_likelihood(tree, model=model, extend_inferencedata=False, progressbar=False)
    log_prior = pm.stats.compute_log_prior(tree, model=model, extend_inferencedata=False, progressbar=False)
    tree["log_likelihood"] = _as_tree(log_lik, "log_likelihood")
    tree["log_prior"] = _as_tree(log_prior, "log_prior")
    summary: pd.DataFrame = azs.psense_summary(tree, var_names=["u"], prior_var_names=list(OFFSET_PRIORS))
    return summary


def _as_tree(value: Any, group: str) -> xr.DataTree:
    if isinstance(value, xr.DataTree):
        child = value[group] if group in value.children else value
        assert isinstance(child, xr.DataTree)
        return child
    return xr.DataTree(value)
