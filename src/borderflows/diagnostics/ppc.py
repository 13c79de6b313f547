"""Posterior predictive checks: interval coverage of the observations and LOO-PIT calibration.

Two questions, two helpers:

* :func:`predictive_coverage` - does each observation fall inside the central posterior predictive
  interval (``prob``, ``kind``)? In-sample this is optimistic (the data helped fit the model), so
  read a coverage well *below* ``prob`` as a warning and one near it as no evidence of trouble.
* :func:`loo_pit` - leave-one-out probability integral transforms (PSIS-LOO, via
  ``arviz_stats.loo_pit``), which remove that optimism. For a calibrated model they are close to
  uniform; :func:`pit_uniformity` tests that with a Kolmogorov-Smirnov test. LOO-PIT values are
  slightly dependent, so read its p-value as approximate (Säilynoja et al. 2022).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr
from scipy import stats

from borderflows.config import DEFAULT_KIND, DEFAULT_PROB
from borderflows.results.intervals import interval


def _group(idata: xr.DataTree, name: str) -> xr.Dataset:
    if name not in idata.children:
        raise ValueError(
            f"the posterior has no '{name}' group; draw it first "
            "(pm.sample_posterior_predictive, or log_likelihood=True when sampling)"
        )
    return idata[name].to_dataset()


def predictive_coverage(
    idata: xr.DataTree, var_name: str, prob: float = DEFAULT_PROB, kind: str = DEFAULT_KIND
) -> pd.DataFrame:
    """Whether each observation lies inside its posterior predictive interval.

    Parameters
    ----------
    idata
        Needs ``posterior_predictive`` and ``observed_data`` groups holding ``var_name``.
    var_name
        Observed variable.
    prob, kind
        Interval probability and kind.

    Returns
    -------
    pandas.DataFrame
        One row per observation: its coordinates, ``observed``, ``median``, ``lower``, ``upper``,
        ``inside``, ``prob``, ``kind``.
    """
    predictive = _group(idata, "posterior_predictive")[var_name]
    observed = _group(idata, "observed_data")[var_name]
    draws = np.asarray(predictive.transpose("chain", "draw", ...), dtype=float)
    draws = draws.reshape((-1, *draws.shape[2:]))
    lower, upper = interval(draws, prob, kind)
    values = np.asarray(observed, dtype=float)
    frame = observed.to_dataframe(name="observed").reset_index()
    frame["median"] = np.median(draws, axis=0).ravel()
    frame["lower"] = np.ravel(lower)
    frame["upper"] = np.ravel(upper)
    frame["inside"] = ((values >= lower) & (values <= upper)).ravel()
    frame["prob"] = prob
    frame["kind"] = kind
    return frame


def loo_pit(idata: xr.DataTree, var_name: str, random_seed: int = 0) -> npt.NDArray[np.float64]:
    """LOO-PIT values of one observed variable (``arviz_stats.loo_pit``), flattened.

    Parameters
    ----------
    idata
        Needs ``posterior``, ``posterior_predictive``, ``log_likelihood`` and ``observed_data``.
    var_name
        Observed variable (same name in the log-likelihood group).
    random_seed
        Tie-breaking seed for discrete data.
    """
    import arviz_stats as azs

    for group in ("posterior_predictive", "log_likelihood", "observed_data"):
        _group(idata, group)
    values = azs.loo_pit(idata, var_names=var_name, random_state=random_seed)
    if isinstance(values, xr.Dataset | xr.DataTree):
        values = values[var_name]
    return np.asarray(values, dtype=float).ravel()


@dataclass(frozen=True)
class PitTest:
    """Kolmogorov-Smirnov test of PIT values against the uniform distribution."""

    n: int
    statistic: float
    p_value: float

    @property
    def note(self) -> str:
        """One sentence for reports."""
        verdict = "no evidence against calibration" if self.p_value >= 0.05 else "evidence of miscalibration"
        return f"KS test of {self.n} LOO-PIT values: D={self.statistic:.3f}, p={self.p_value:.3f} ({verdict})"


def pit_uniformity(pit: npt.ArrayLike) -> PitTest:
    """Test PIT values for uniformity on (0, 1) with a two-sided Kolmogorov-Smirnov test."""
    values = np.asarray(pit, dtype=float)
    values = values[np.isfinite(values)]
    if values.size < 2:
        raise ValueError("need at least two finite PIT values")
    result = stats.kstest(values, "uniform")
    return PitTest(n=int(values.size), statistic=float(result.statistic), p_value=float(result.pvalue))
