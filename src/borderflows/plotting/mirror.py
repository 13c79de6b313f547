"""Figures of a mirror-gap fit; every band is labelled with its interval probability and kind."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from borderflows.config import DEFAULT_KIND, DEFAULT_PROB
from borderflows.data.countries import short_name
from borderflows.plotting.marks import mark_not_citable
from borderflows.results.intervals import describe

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from borderflows.mirror.results import MirrorGapResults

PLOT_KINDS = ("share", "fit", "decomposition", "ppc")


def _axes(ax: Axes | None) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new_ax = plt.subplots(figsize=(8, 4.5))
    return new_ax


def plot_mirror(
    results: MirrorGapResults,
    kind: str = "share",
    ax: Axes | None = None,
    prob: float = DEFAULT_PROB,
    interval_kind: str = DEFAULT_KIND,
) -> Axes:
    """Plot one view of a fit.

    Parameters
    ----------
    results
        A fitted :class:`~borderflows.mirror.results.MirrorGapResults`.
    kind
        ``"share"`` (u_t with 50% and ``prob`` bands), ``"fit"`` (reported X and M against the
        model's expected reports), ``"decomposition"`` (raw gap split into margin, reporter bias,
        underreporting, residual) or ``"ppc"`` (posterior-predictive interval of the importer's
        report with the observed values).
    ax
        Axes to draw on; a new figure when ``None``.
    prob, interval_kind
        Interval probability and kind of the bands.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if kind not in PLOT_KINDS:
        raise ValueError(f"unknown plot kind {kind!r}; choose one of {PLOT_KINDS}")
    ax = _axes(ax)
    exporter, importer = short_name(results.data.exporter), short_name(results.data.importer)
    pair = f"{exporter} -> {importer}"
    if kind == "share":
        for p, alpha in ((prob, 0.25), (0.5, 0.45)):
            band = results.interval(p, interval_kind, ("u",))
            ax.fill_between(
                band["year"], band["lower"], band["upper"], alpha=alpha, color="C0", label=describe(p, interval_kind)
            )
        mid = results.interval(prob, interval_kind, ("u",))
        ax.plot(mid["year"], mid["estimate"], color="C0", label="posterior median")
        ax.set_ylabel("underreporting share u_t")
        ax.set_ylim(0, 1)
        ax.set_title(f"Share of {pair} trade missing from {importer}'s records")
    elif kind in ("fit", "ppc"):
        table = results.predictive(prob, interval_kind)
        flows = ("exports", "imports") if kind == "fit" else ("imports",)
        for j, flow in enumerate(flows):
            part = table[table["flow"] == flow]
            ax.fill_between(
                part["year"],
                part["lower"],
                part["upper"],
                alpha=0.25,
                color=f"C{j}",
                label=f"{flow}: predictive {describe(prob, interval_kind)}",
            )
            ax.plot(part["year"], part["estimate"], color=f"C{j}", label=f"{flow}: predictive median")
            ax.scatter(part["year"], part["observed_usd_m"], color=f"C{j}", s=14, label=f"{flow}: reported")
        ax.set_yscale("log")
        ax.set_ylabel("USD m (log scale)")
        title = "Reported vs fitted" if kind == "fit" else f"Posterior predictive check of {importer}'s report"
        ax.set_title(f"{title}, {pair}")
    else:
        table = results.decomposition(prob, interval_kind)
        years = np.sort(table["year"].unique())
        width = 0.2
        for j, component in enumerate(("margin", "reporter_bias", "underreporting", "residual")):
            part = table[table["component"] == component].set_index("year").loc[years]
            err = np.vstack([part["estimate"] - part["lower"], part["upper"] - part["estimate"]])
            ax.bar(years + (j - 1.5) * width, part["estimate"], width, yerr=err, label=component, capsize=1)
        raw = table.drop_duplicates("year").set_index("year").loc[years, "raw_gap_usd_m"]
        ax.plot(years, raw, color="black", marker="o", ms=3, label="raw gap X - M")
        ax.set_ylabel("USD m")
        ax.set_title(f"Decomposition of the raw gap, {pair} (error bars: {describe(prob, interval_kind)})")
    ax.set_xlabel("year")
    ax.legend(fontsize=7, loc="best")
    return mark_not_citable(ax, results.citable)
