"""Figures of a mirror-gap fit; every band is labelled with its interval probability and kind."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.ticker import PercentFormatter

from borderflows.config import DEFAULT_KIND, DEFAULT_PROB, check_choice
from borderflows.data.countries import short_name
from borderflows.plotting.marks import mark_not_citable, readable_axes
from borderflows.results.intervals import describe

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from borderflows.mirror.results import MirrorGapResults

PLOT_KINDS = ("share", "fit", "decomposition", "ppc")

_BAND_ALPHAS = (0.22, 0.45)
"""Shading of the widest band and of the narrower ones."""


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
    check_choice("kind", kind, PLOT_KINDS, what="plot kind")
    ax = _axes(ax)
    exporter, importer = short_name(results.data.exporter), short_name(results.data.importer)
    pair = f"{exporter} -> {importer}"
    if kind == "share":
        bands = [results.interval(p, interval_kind, ("u",)) for p in (prob, 0.5)]
        codes = {"exporter": results.data.exporter, "importer": results.data.importer}
        share_bands(pd.concat(bands, ignore_index=True), **codes, ax=ax)
        return mark_not_citable(ax, results.citable)
    if kind in ("fit", "ppc"):
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
        components = list(dict.fromkeys(table["component"]))  # in the order the results define them
        width = 0.8 / len(components)
        for j, component in enumerate(components):
            part = table[table["component"] == component].set_index("year").loc[years]
            err = np.vstack([part["estimate"] - part["lower"], part["upper"] - part["estimate"]])
            offset = (j - (len(components) - 1) / 2) * width
            label = component.replace("_", " ")
            ax.bar(years + offset, part["estimate"], width, yerr=err, label=label, capsize=1)
        raw = table.drop_duplicates("year").set_index("year").loc[years, "raw_gap_usd_m"]
        ax.plot(years, raw, color="black", marker="o", ms=3, label="raw gap X - M")
        ax.set_ylabel("USD m")
        ax.set_title(f"Decomposition of the raw gap, {pair} (error bars: {describe(prob, interval_kind)})")
    ax.set_xlabel("year")
    ax.legend(fontsize=7, loc="best")
    return mark_not_citable(ax, results.citable)


def share_bands(frame: pd.DataFrame, *, exporter: str, importer: str, ax: Axes | None = None) -> Axes:
    """The share of the exporter's shipments missing from the importer's records, per year, with bands.

    Parameters
    ----------
    frame
        Tidy intervals of the share (``year, estimate, lower, upper, prob, kind``; shares in [0, 1]),
        one or more ``prob`` values. Each ``prob`` becomes a band labelled from its own rows, widest
        and lightest first; the median line comes from the widest band's rows.
    exporter, importer
        ISO3 codes; the title and axis name the countries.
    ax
        Axes to draw on; a new figure when ``None``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    exporter_name, importer_name = short_name(exporter), short_name(importer)
    probs = sorted({float(p) for p in frame["prob"]}, reverse=True)
    for index, prob in enumerate(probs):
        band = frame[frame["prob"] == prob].sort_values("year")
        ax.fill_between(
            band["year"],
            band["lower"],
            band["upper"],
            color="C0",
            alpha=_BAND_ALPHAS[min(index, 1)],
            linewidth=0,
            label=describe(prob, str(band["kind"].iloc[0])),
        )
    widest = frame[frame["prob"] == probs[0]].sort_values("year")
    ax.plot(widest["year"], widest["estimate"], color="C0", linewidth=2, label="median")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_ylim(0, 1)
    ax.set_ylabel(f"share of {exporter_name}'s exports (%)")
    ax.set_xlabel("year")
    ax.set_title(f"Share of {exporter_name}'s exports missing from {importer_name}'s import records")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper left", fontsize="small")
    return readable_axes(ax)


def reported_flows(table: pd.DataFrame, *, exporter: str, importer: str, ax: Axes | None = None) -> Axes:
    """What each side reports: the exporter's exports and the importer's imports, USD billion per year.

    Parameters
    ----------
    table
        ``year``, ``exports_reported_usd_m``, ``imports_reported_usd_m`` (USD million; missing years
        are gaps in the lines).
    exporter, importer
        ISO3 codes.
    ax
        Axes to draw on; a new figure when ``None``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    exporter_name, importer_name = short_name(exporter), short_name(importer)
    rows = table.sort_values("year")
    ax.plot(
        rows["year"],
        rows["exports_reported_usd_m"] / 1000,
        marker="o",
        ms=3,
        color="C1",
        label=f"{exporter_name}'s reported exports to {importer_name} (FOB)",
    )
    ax.plot(
        rows["year"],
        rows["imports_reported_usd_m"] / 1000,
        marker="o",
        ms=3,
        color="C2",
        label=f"{importer_name}'s reported imports from {exporter_name} (CIF)",
    )
    ax.set_ylabel("USD billion")
    ax.set_xlabel("year")
    ax.set_title(f"What each side reports: {exporter_name} → {importer_name}")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper left", fontsize="small")
    return readable_axes(ax)
