"""Fan chart of a forecast with its history; the legend states each interval's probability and kind."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from borderflows.config import DEFAULT_KIND
from borderflows.forecast.results import Forecast
from borderflows.plotting.marks import mark_not_citable
from borderflows.results.intervals import describe


def fan_chart(
    forecast: Forecast,
    *,
    probs: Sequence[float] = (0.8, 0.95),
    kind: str = DEFAULT_KIND,
    ax: Axes | None = None,
    color: str = "C0",
) -> Axes:
    """Draw the history, the predictive median and nested intervals.

    Parameters
    ----------
    forecast
        The forecast to draw.
    probs
        Interval probabilities, drawn widest first and labelled e.g. "95% equal-tailed interval".
    kind
        ``"eti"`` or ``"hdi"``.
    ax
        Axes to draw on; a new figure is made when ``None``.
    color
        Colour of the forecast.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    series = forecast.series
    ax.plot(series.years, series.values, color="black", marker="o", markersize=3, label="observed")
    ordered = sorted(probs, reverse=True)
    alphas = np.linspace(0.2, 0.45, len(ordered))
    # Join the fan to the last observation so the chart reads as one line.
    years = np.concatenate([[series.years[-1]], forecast.years])
    last = series.values[-1]
    for prob, alpha in zip(ordered, alphas, strict=True):
        frame = forecast.interval(prob, kind)
        lower = np.concatenate([[last], frame["lower"].to_numpy()])
        upper = np.concatenate([[last], frame["upper"].to_numpy()])
        ax.fill_between(years, lower, upper, color=color, alpha=float(alpha), linewidth=0, label=describe(prob, kind))
    ax.plot(years, np.concatenate([[last], forecast.median]), color=color, label=f"{forecast.model} median")
    ax.set_xlabel("year")
    ax.set_ylabel(series.unit or "value")
    ax.set_title(f"{series.name}: {forecast.model} forecast")
    ax.legend(loc="best", fontsize="small")
    return mark_not_citable(ax, forecast.citable)
