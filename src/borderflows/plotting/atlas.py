"""Figures of a world atlas, drawn from :mod:`borderflows.atlas.tables`: the world distribution of the share
with placebo and regional pairs marked, and pairs with their intervals. Every interval is labelled from its
rows' ``prob`` and ``kind``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.ticker import PercentFormatter

from borderflows.results.intervals import describe

if TYPE_CHECKING:
    from matplotlib.axes import Axes

ROLE_STYLE = {
    "placebo": ("C2", "v", "placebo pairs (nothing should be missing)"),
    "regional": ("C3", "o", "China-Kazakhstan region"),
    "transit": ("C1", "s", "transit routes"),
}
"""Colour, marker and legend text of each study role; world pairs are the histogram."""

TOP_TITLE = "Citable pairs with the largest unrecorded share"
NEIGHBOURS_TITLE = "China's exports to Kazakhstan and its neighbours"
"""Titles of the two interval figures, the same in :meth:`Atlas.plot <borderflows.atlas.read.Atlas.plot>` and the
report."""


def _axes(ax: Axes | None, size: tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new_ax = plt.subplots(figsize=size)
    return new_ax


def _interval_label(table: pd.DataFrame) -> str:
    return describe(float(table["prob"].iloc[0]), str(table["kind"].iloc[0]))


def world_distribution(table: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Histogram of every pair's median share in its headline year; study pairs marked under it.

    Parameters
    ----------
    table
        :func:`~borderflows.atlas.tables.headline_table`.
    """
    ax = _axes(ax, (8, 4.5))
    shares = table["share_median"].to_numpy(dtype=float)
    citable = table["citable"].to_numpy(dtype=bool)
    bins = list(np.linspace(0.0, max(0.05, float(np.nanmax(shares)) if len(shares) else 1.0), 31))
    ax.hist(
        [shares[citable], shares[~citable]],
        bins=bins,
        stacked=True,
        color=["0.35", "0.8"],
        label=[f"citable ({citable.sum()})", f"not citable ({(~citable).sum()})"],
    )
    for role, (colour, marker, text) in ROLE_STYLE.items():
        part = table[table["role"] == role]
        if len(part):
            ax.scatter(
                part["share_median"],
                np.full(len(part), -0.04),
                transform=ax.get_xaxis_transform(),
                color=colour,
                marker=marker,
                s=28,
                clip_on=False,
                label=f"{text} ({len(part)})",
            )
    target = table[(table["exporter"] == "CHN") & (table["importer"] == "KAZ")]
    if len(target):
        ax.axvline(float(target["share_median"].iloc[0]), color="C3", linestyle="--", label="China → Kazakhstan")
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("median share of the exporter's shipments missing from the importer's records (headline year)")
    ax.set_ylabel("pairs")
    ax.set_title(f"Unrecorded share across {len(table)} pairs: posterior medians")
    ax.legend(fontsize=7, loc="upper right")
    return ax


def pair_intervals(table: pd.DataFrame, *, title: str, ax: Axes | None = None) -> Axes:
    """Each pair's median share and interval, one line per pair; not citable pairs hollow and grey.

    Parameters
    ----------
    table
        Rows of :func:`~borderflows.atlas.tables.headline_table` (e.g. ``top_pairs`` or ``neighbour_pairs``).
    title
        The figure's title.
    """
    ax = _axes(ax, (8, 0.8 + 0.32 * max(len(table), 1)))
    label = _interval_label(table) if len(table) else ""
    positions = np.arange(len(table))[::-1]
    lower, median, upper = (table[c].to_numpy(dtype=float) for c in ("share_lower", "share_median", "share_upper"))
    for j, y in enumerate(positions):
        citable = bool(table["citable"].iloc[j])
        colour = "C0" if citable else "0.6"
        ax.plot([lower[j], upper[j]], [y, y], color=colour, linewidth=2)
        ax.scatter([median[j]], [y], color=colour, facecolor=colour if citable else "white", zorder=3, s=30)
    ax.set_yticks(positions, [f"{row.pair} ({row.headline_year})" for row in table.itertuples(index=False)])
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(f"share missing from the importer's records: median and {label}; hollow grey = not citable")
    ax.set_title(title)
    ax.set_xlim(left=0.0)
    return ax
