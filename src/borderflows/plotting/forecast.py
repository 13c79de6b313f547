"""Fan charts: history, predictive median and bands; the legend states each band's probability and kind."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import numpy.typing as npt
import pandas as pd
from matplotlib.axes import Axes

from borderflows.plotting.marks import readable_axes
from borderflows.results.intervals import describe

_ALPHAS = (0.2, 0.45)
"""Shading of the widest band and of the innermost one (others in between)."""


def fan(
    intervals: pd.DataFrame,
    *,
    history: tuple[npt.ArrayLike, npt.ArrayLike] | None,
    unit: str,
    title: str,
    model: str = "",
    ax: Axes | None = None,
    color: str = "C0",
) -> Axes:
    """Draw a fan chart from a tidy interval table.

    Parameters
    ----------
    intervals
        ``year, estimate, lower, upper, prob, kind``, one or more ``prob`` values; each becomes a band
        labelled from its own rows, widest and lightest first.
    history
        ``(years, values)`` observed, or ``None`` when no history is at hand (the caption should say so).
    unit
        Axis label (the series' unit).
    title
        Axes title.
    model
        Name for the median's legend entry.
    ax
        Axes to draw on; a new figure when ``None``.
    color
        Colour of the forecast.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    probs = sorted({float(p) for p in intervals["prob"]}, reverse=True)
    alphas = np.linspace(_ALPHAS[0], _ALPHAS[1], len(probs)) if len(probs) > 1 else [_ALPHAS[0] + 0.08]
    anchor: tuple[float, float] | None = None
    years, values = (np.asarray(h, dtype=float) for h in history) if history is not None else (np.empty(0),) * 2
    if years.size:
        ax.plot(years, values, color="black", marker="o", markersize=3, label="observed")
        anchor = (float(years[-1]), float(values[-1]))
    for prob, alpha in zip(probs, alphas, strict=True):
        band = intervals[intervals["prob"] == prob].sort_values("year")
        # Join the fan to the last observation so the chart reads as one line.
        ax.fill_between(
            _joined(band, anchor, "year"),
            _joined(band, anchor, "lower"),
            _joined(band, anchor, "upper"),
            color=color,
            alpha=float(alpha),
            linewidth=0,
            label=describe(prob, str(band["kind"].iloc[0])),
        )
    middle = intervals[intervals["prob"] == probs[0]].sort_values("year")
    label = f"{model} median" if model else "median"
    ax.plot(_joined(middle, anchor, "year"), _joined(middle, anchor, "estimate"), color=color, label=label)
    ax.set_xlabel("year")
    ax.set_ylabel(unit or "value")
    ax.set_title(title)
    ax.legend(loc="best", fontsize="small")
    ax.grid(axis="y", alpha=0.3)
    return readable_axes(ax)


def _joined(band: pd.DataFrame, anchor: tuple[float, float] | None, column: str) -> npt.NDArray[np.float64]:
    values = band[column].to_numpy(dtype=float)
    if anchor is None:
        return values
    return np.concatenate([[anchor[0] if column == "year" else anchor[1]], values])
