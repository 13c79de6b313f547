"""What every forecaster returns: predictive draws per future year, with intervals on demand.

Classical baselines and Bayesian models alike hand back a :class:`Forecast` holding draws from
their predictive distribution on the data scale, so that intervals, CRPS and fan charts are computed
one way for all of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd

from borderflows.config import DEFAULT_KIND, DEFAULT_PROB
from borderflows.data.yearly import YearlySeries
from borderflows.diagnostics.gate import Diagnostics
from borderflows.results.intervals import interval

if TYPE_CHECKING:
    from matplotlib.axes import Axes


@dataclass(frozen=True)
class Forecast:
    """Predictive distribution of one series over the next ``horizon`` years.

    Attributes
    ----------
    series
        The history the model was fitted on.
    model
        Name of the model that produced the forecast, e.g. ``"AutoETS"`` or ``"DampedTrend"``.
    years
        The forecast years, ``series.years[-1] + 1`` onwards.
    draws
        Predictive draws, shape ``(n_draws, horizon)``, on the data scale.
    random_seed
        Seed used to draw, recorded for reproducibility (``None`` for deterministic baselines).
    diagnostics
        Convergence gate for Bayesian models; ``None`` where it does not apply.
    notes
        Anything a reader should know (e.g. "pooled with 5 related series").
    preset
        Sampler preset of the fit that drew it (``"fast"``, ``"full"``); ``None`` where no sampler ran.
    """

    series: YearlySeries
    model: str
    years: npt.NDArray[np.int64]
    draws: npt.NDArray[np.float64]
    random_seed: int | None = None
    diagnostics: Diagnostics | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    preset: str | None = None

    @property
    def horizon(self) -> int:
        """Number of forecast years."""
        return int(self.years.size)

    @property
    def citable(self) -> bool:
        """False when a Bayesian fit failed its diagnostics gate."""
        return self.diagnostics is None or self.diagnostics.ok

    @cached_property
    def median(self) -> npt.NDArray[np.float64]:
        """Point forecast: the predictive median per year."""
        return np.asarray(np.median(self.draws, axis=0))

    def interval(self, prob: float = DEFAULT_PROB, kind: str = DEFAULT_KIND) -> pd.DataFrame:
        """Tidy interval table.

        Parameters
        ----------
        prob
            Interval probability (0.8 means 80%).
        kind
            ``"eti"`` or ``"hdi"``.

        Returns
        -------
        pandas.DataFrame
            Columns ``series``, ``model``, ``year``, ``horizon``, ``estimate`` (median), ``lower``,
            ``upper``, ``prob``, ``kind``, ``citable``.
        """
        lower, upper = interval(self.draws, prob, kind)
        return pd.DataFrame(
            {
                "series": self.series.name,
                "model": self.model,
                "year": self.years,
                "horizon": np.arange(1, self.horizon + 1),
                "estimate": self.median,
                "lower": lower,
                "upper": upper,
                "prob": prob,
                "kind": kind,
                "citable": self.citable,
            }
        )

    def intervals(self, probs: tuple[float, ...] = (0.8, 0.95), kind: str = DEFAULT_KIND) -> pd.DataFrame:
        """Several interval probabilities stacked into one tidy frame."""
        return pd.concat([self.interval(p, kind) for p in probs], ignore_index=True)

    def plot(
        self,
        probs: Sequence[float] = (DEFAULT_PROB,),
        kind: str = DEFAULT_KIND,
        ax: Axes | None = None,
        color: str = "C0",
    ) -> Axes:
        """Fan chart of the history, predictive median and nested intervals (:func:`borderflows.plotting.forecast.fan`).

        Parameters
        ----------
        probs
            Interval probabilities, drawn widest first and labelled e.g. "90% equal-tailed interval".
        kind
            ``"eti"`` or ``"hdi"``.
        ax
            Axes to draw on; a new figure is made when ``None``.
        color
            Colour of the forecast.

        Returns
        -------
        matplotlib.axes.Axes
            Stamped "NOT citable" when the forecast is not (:attr:`citable`).
        """
        from borderflows.plotting.forecast import fan
        from borderflows.plotting.marks import mark_not_citable

        drawn = fan(
            pd.concat([self.interval(prob, kind) for prob in probs], ignore_index=True),
            history=(self.series.years, self.series.values),
            unit=self.series.unit,
            title=f"{self.series.name}: {self.model} forecast",
            model=self.model,
            ax=ax,
            color=color,
        )
        return mark_not_citable(drawn, self.citable)
