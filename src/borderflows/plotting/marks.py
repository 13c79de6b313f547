"""Marks shared by every figure: a result that failed its diagnostics gate says so on the plot itself."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes

NOT_CITABLE_TEXT = "NOT citable: failed the convergence gate"


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
