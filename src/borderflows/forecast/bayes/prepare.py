"""Turn a validated :class:`~borderflows.data.yearly.YearlySeries` into the model's data arrays.

One job: map the data scale to the model scale (log, counts, or standardised level), lay the years
on a gap-free timeline padded to the structure's bucket length, and build the mask, exposure offset
and break indicator. The inverse maps (model scale back to data scale) live here too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from borderflows.data.yearly import YearlySeries
from borderflows.exceptions import DataValidationError
from borderflows.forecast.bayes.structure import Likelihood, Structure, bucket_length

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Prepared:
    """A series laid out for one structure.

    Attributes
    ----------
    structure
        The graph this data fits.
    data
        Arrays for the ``pm.Data`` containers (length ``structure.length``); ``obs_var`` is the known
        Poisson variance of ``log(y + 0.5)`` for ``poisson_lognormal`` and zero otherwise.
    timeline
        Calendar year of every latent position (padding continues past the last year).
    observed
        Index of each observed year on the timeline.
    center, scale
        Standardisation of the signed model (``y = center + scale * z``); 0 and 1 otherwise.
    """

    structure: Structure
    data: dict[str, FloatArray]
    timeline: npt.NDArray[np.int64]
    observed: npt.NDArray[np.int64]
    center: float = 0.0
    scale: float = 1.0

    @property
    def last_index(self) -> int:
        """Timeline position of the last observed year (forecasts start after it)."""
        return int(self.observed[-1])


LARGE_COUNT = 20.0
"""Smallest count for which ``auto`` uses the Kalman-integrated Poisson-lognormal model.

At 20 the Poisson part of the noise has a coefficient of variation of 22%, and the delta-method
variance ``1 / (y + 0.5)`` of ``log(y + 0.5)`` is within a few percent of the exact one; below it the
Gaussian approximation on log counts degrades and the exact negative binomial (latent states) is used.
"""


def default_likelihood(series: YearlySeries) -> Likelihood:
    """The likelihood ``"auto"`` picks from the series kind.

    Counts: ``poisson_lognormal`` when every count is at least :data:`LARGE_COUNT`, else ``negbin``;
    positive amounts: ``lognormal``; anything else: ``signed``.
    """
    if series.kind == "count":
        return "poisson_lognormal" if float(np.min(series.values)) >= LARGE_COUNT else "negbin"
    return "lognormal" if series.kind == "positive" else "signed"


def prepare(
    series: YearlySeries,
    likelihood: Likelihood,
    break_year: int | None,
    *,
    keep: npt.NDArray[np.bool_] | None = None,
) -> Prepared:
    """Lay ``series`` out for the model.

    Parameters
    ----------
    series
        Validated series.
    likelihood
        ``"lognormal"``, ``"poisson_lognormal"``, ``"negbin"`` or ``"signed"``.
    break_year
        First year measured under a new definition (level shift from then on), or None.
    keep
        Optional boolean mask over the observations: False years are held out (mask 0) but keep
        their latent position, as leave-future-out refits need. Standardisation uses kept years only.

    Raises
    ------
    DataValidationError
        When the series does not suit the likelihood, naming the rows and the fix.
    """
    years = series.years.astype(np.int64)
    values = series.values.astype(float)
    keep = np.ones(values.size, dtype=bool) if keep is None else np.asarray(keep, dtype=bool)
    if keep.sum() < 3:
        raise DataValidationError(
            f"{series.name}: at least three observed years are needed, got {int(keep.sum())}",
            fix="add earlier years or pool the series with related ones",
        )
    _check_suits(series, likelihood)
    if break_year is not None and not (years[0] < break_year <= years[-1]):
        raise DataValidationError(
            f"{series.name}: break year {break_year} must lie after the first and no later than the last year "
            f"({years[0]}-{years[-1]})",
            fix="give the first year measured under the new definition",
        )

    span = int(years[-1] - years[0] + 1)
    structure = Structure(likelihood, bucket_length(span), break_year is not None)
    timeline = years[0] + np.arange(structure.length, dtype=np.int64)
    observed = (years - years[0]).astype(np.int64)
    mask = np.zeros(structure.length)
    mask[observed[keep]] = 1.0
    offset = np.zeros(structure.length)
    obs_var = np.zeros(structure.length)
    center, scale = 0.0, 1.0

    if likelihood == "signed":
        kept = values[keep]
        center = float(kept[0])
        diffs = np.abs(np.diff(kept))
        scale = float(diffs.mean()) if diffs.size and diffs.mean() > 0 else float(np.abs(kept).mean() or 1.0)
        model_values = (values - center) / scale
        z0 = 0.0
    elif likelihood == "negbin":
        offset[observed] = np.log(series.exposure)
        model_values = values
        first = int(np.flatnonzero(keep)[0])
        z0 = float(np.log(max(values[first], 1.0) / series.exposure[first]))
    elif likelihood == "poisson_lognormal":
        # log(y + 0.5) is unbiased for log(mean) to first order, with Poisson variance 1 / (y + 0.5).
        offset[observed] = np.log(series.exposure)
        model_values = np.log(values + 0.5)
        obs_var[observed] = 1.0 / (values + 0.5)
        first = int(np.flatnonzero(keep)[0])
        z0 = float(model_values[first] - offset[observed[first]])
    else:
        offset[observed] = np.log(series.exposure)
        model_values = np.log(values)
        first = int(np.flatnonzero(keep)[0])
        z0 = float(model_values[first] - offset[observed[first]])

    # Held-out years keep their true values (mask 0 hides them from the fit) so that their
    # predictive densities can be scored later; padded years hold zeros.
    y = np.zeros(structure.length)
    y[observed] = model_values
    after_break = np.zeros(structure.length)
    if break_year is not None:
        after_break[timeline >= break_year] = 1.0
    data = {
        "y": y,
        "mask": mask,
        "offset": offset,
        "after_break": after_break,
        "z0": np.array(z0),
        "obs_var": obs_var,
    }
    return Prepared(structure, data, timeline, observed, center, scale)


def _check_suits(series: YearlySeries, likelihood: Likelihood) -> None:
    values = series.values
    if likelihood == "lognormal" and np.any(values <= 0):
        rows = [int(y) for y in series.years[values <= 0][:5]]
        raise DataValidationError(
            f"{series.name}: the log-scale model needs values > 0",
            column="value",
            rows=rows,
            fix="use likelihood='signed' for series that can be zero or negative",
        )
    if likelihood in ("negbin", "poisson_lognormal") and np.any((values < 0) | (values != np.floor(values))):
        bad = (values < 0) | (values != np.floor(values))
        raise DataValidationError(
            f"{series.name}: the count model needs non-negative whole numbers",
            column="value",
            rows=[int(y) for y in series.years[bad][:5]],
            fix="use likelihood='lognormal' for amounts",
        )
    if likelihood == "signed" and np.any(series.exposure < 1):
        raise DataValidationError(
            f"{series.name}: partial-year values are not supported by the signed (level-scale) model",
            column="exposure",
            rows=[int(y) for y in series.years[series.exposure < 1][:5]],
            fix="drop the partial year or annualise it before fitting",
        )
