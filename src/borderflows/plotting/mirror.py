"""Figures of a mirror-gap fit, drawn from its tidy tables; every band is labelled from its rows' ``prob`` and
``kind``. :meth:`MirrorGapResults.plot <borderflows.mirror.results.MirrorGapResults.plot>` picks the table and the
figure."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.ticker import PercentFormatter

from borderflows.data.countries import short_name
from borderflows.plotting.marks import readable_axes
from borderflows.results.intervals import describe

if TYPE_CHECKING:
    from matplotlib.axes import Axes

_BAND_ALPHAS = (0.22, 0.45)
"""Shading of the widest band and of the narrower ones."""


def _axes(ax: Axes | None) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new_ax = plt.subplots(figsize=(8, 4.5))
    return new_ax


def _band_label(table: pd.DataFrame) -> str:
    """The interval a table's rows hold, from their own ``prob`` and ``kind`` (one of each)."""
    return describe(float(table["prob"].iloc[0]), str(table["kind"].iloc[0]))


def _predictive(table: pd.DataFrame, flows: tuple[str, ...], title: str, ax: Axes | None) -> Axes:
    ax = _axes(ax)
    label = _band_label(table)
    for j, flow in enumerate(flows):
        part = table[table["flow"] == flow]
        ax.fill_between(
            part["year"], part["lower"], part["upper"], alpha=0.25, color=f"C{j}", label=f"{flow}: predictive {label}"
        )
        ax.plot(part["year"], part["estimate"], color=f"C{j}", label=f"{flow}: predictive median")
        ax.scatter(part["year"], part["observed_usd_m"], color=f"C{j}", s=14, label=f"{flow}: reported")
    ax.set_yscale("log")
    ax.set_ylabel("USD m (log scale)")
    ax.set_title(title)
    ax.set_xlabel("year")
    ax.legend(fontsize=7, loc="best")
    return ax


def reported_vs_fitted(table: pd.DataFrame, *, exporter: str, importer: str, ax: Axes | None = None) -> Axes:
    """Both reports against the model's posterior-predictive intervals, per year (log scale).

    Parameters
    ----------
    table
        Tidy predictive intervals (``year, flow, observed_usd_m, estimate, lower, upper, prob, kind``;
        ``flow`` is ``"exports"`` or ``"imports"``), as :meth:`MirrorGapResults.predictive` gives them.
    exporter, importer
        ISO3 codes; the title names the countries.
    ax
        Axes to draw on; a new figure when ``None``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    pair = f"{short_name(exporter)} -> {short_name(importer)}"
    return _predictive(table, ("exports", "imports"), f"Reported vs fitted, {pair}", ax)


def predictive_check(table: pd.DataFrame, *, exporter: str, importer: str, ax: Axes | None = None) -> Axes:
    """The importer's report against its posterior-predictive interval, per year (log scale).

    Parameters
    ----------
    table, exporter, importer, ax
        As for :func:`reported_vs_fitted`; only the ``"imports"`` rows are drawn.

    Returns
    -------
    matplotlib.axes.Axes
    """
    pair = f"{short_name(exporter)} -> {short_name(importer)}"
    title = f"Posterior predictive check of {short_name(importer)}'s report, {pair}"
    return _predictive(table, ("imports",), title, ax)


def decomposition_bars(table: pd.DataFrame, *, exporter: str, importer: str, ax: Axes | None = None) -> Axes:
    """The raw gap X - M of each year split into its parts, bars with error bars, and the raw gap as a line.

    Parameters
    ----------
    table
        Tidy rows ``year, component, raw_gap_usd_m, estimate, lower, upper, prob, kind``
        (:meth:`MirrorGapResults.decomposition`); one bar series per component, in the table's order.
    exporter, importer
        ISO3 codes; the title names the countries.
    ax
        Axes to draw on; a new figure when ``None``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    years = np.sort(table["year"].unique())
    components = list(dict.fromkeys(table["component"]))
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
    pair = f"{short_name(exporter)} -> {short_name(importer)}"
    ax.set_title(f"Decomposition of the raw gap, {pair} (error bars: {_band_label(table)})")
    ax.set_xlabel("year")
    ax.legend(fontsize=7, loc="best")
    return ax


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
