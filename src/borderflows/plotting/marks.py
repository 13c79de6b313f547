"""Marks shared by every figure: a failed diagnostics gate says so on the plot; bands say what they hold."""

from __future__ import annotations

from typing import TYPE_CHECKING

from matplotlib.collections import PolyCollection
from matplotlib.ticker import MaxNLocator, StrMethodFormatter

if TYPE_CHECKING:
    from matplotlib.axes import Axes

NOT_CITABLE_TEXT = "NOT citable: see the verdict"
"""Stamped on the figure of a result that failed its convergence gate or is not identified by the data."""


def mark_not_citable(ax: Axes, citable: bool) -> Axes:
    """Stamp a red note across ``ax`` when ``citable`` is false, so a pasted figure cannot hide it."""
    if not citable:
        ax.text(
            0.5,
            0.5,
            NOT_CITABLE_TEXT,
            transform=ax.transAxes,
            color="red",
            alpha=0.45,
            fontsize=14,
            ha="center",
            va="center",
            rotation=15,
            zorder=10,
        )
    return ax


def band_labels(ax: Axes) -> list[str]:
    """Legend labels of the shaded bands drawn on ``ax`` (``fill_between``), in drawing order.

    A caption built from these states what the picture holds, not what a caller meant to draw.
    """
    return [
        str(artist.get_label())
        for artist in ax.collections
        if isinstance(artist, PolyCollection) and not str(artist.get_label()).startswith("_")
    ]


def readable_axes(ax: Axes) -> Axes:
    """Whole years on the x axis; thousands separated on the y axis when its ticks reach 1,000."""
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    low, high = ax.get_ylim()
    if max(abs(low), abs(high)) >= 1000:
        ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    return ax
