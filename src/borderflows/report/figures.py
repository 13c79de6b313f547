"""The report's main figures, drawn from the record's tidy tables (no fitting), and the record's own figures.

A main figure is drawn at the band probability of the headline it illustrates, so the page's sentence
and picture state the same interval; its caption is read back from the bands actually drawn
(:func:`borderflows.plotting.marks.band_labels`).
"""

from __future__ import annotations

import math
import shutil
from dataclasses import dataclass
from pathlib import Path

from matplotlib.figure import Figure

from borderflows.plotting.forecast import fan
from borderflows.plotting.marks import band_labels, mark_not_citable
from borderflows.plotting.mirror import reported_flows, share_bands
from borderflows.report.record import ForecastRecord, MirrorYears, SeriesFacts

FIGURES_DIR = "figures"
"""Sub-folder of the report's output folder holding every figure file."""

WIDTH_IN, DPI = 12.0, 110
"""Main figures are 12 inches wide at 110 dpi (1,320 px): legible when shown at the page's width."""

FAN_COLUMNS = 2
"""Panels per row of a forecast analysis' fan charts."""


@dataclass(frozen=True)
class ReportFigure:
    """A figure file next to the report.

    Attributes
    ----------
    name
        Short name (alt text).
    path
        The PNG.
    ref
        Its path relative to the report's folder (Markdown link).
    caption
        What it shows.
    band
        Label of the widest band drawn (e.g. ``"90% equal-tailed interval"``), empty if none.
    """

    name: str
    path: Path
    ref: str
    caption: str
    band: str = ""


def save_figure(figure: Figure, out_dir: Path, analysis_id: str, name: str) -> tuple[Path, str]:
    """Write ``figure`` as ``figures/<analysis_id>__<name>.png``; return its path and the report-relative one."""
    folder = Path(out_dir) / FIGURES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{analysis_id}__{name}.png"
    figure.savefig(path, dpi=DPI)
    return path, f"{FIGURES_DIR}/{path.name}"


def mirror_figure(
    years: MirrorYears, prob: float, kind: str, *, citable: bool, out_dir: Path, analysis_id: str
) -> ReportFigure:
    """Both reports (left) and the share missing with its ``prob`` and 50% bands (right)."""
    figure = Figure(figsize=(WIDTH_IN, 4.4), layout="constrained")
    left, right = figure.subplots(1, 2, width_ratios=(1, 1.25))
    reported_flows(years.reported, exporter=years.exporter, importer=years.importer, ax=left)
    wanted = {prob, 0.5}
    share = years.share[years.share["prob"].isin(wanted) & (years.share["kind"] == kind)]
    share_bands(share, exporter=years.exporter, importer=years.importer, ax=right)
    mark_not_citable(right, citable)
    path, ref = save_figure(figure, out_dir, analysis_id, "main")
    labels = band_labels(right)
    caption = (
        "Left: what each side reports (USD billion). Right: the share missing, median with shaded bands: "
        + ", ".join(labels)
        + f". Drawn from the record's {years.source} table."
    )
    return ReportFigure("share missing", path, ref, caption, labels[0] if labels else "")


def forecast_figure(
    record: ForecastRecord,
    facts: dict[str, SeriesFacts],
    prob: float,
    *,
    citable: bool,
    out_dir: Path,
    analysis_id: str,
) -> ReportFigure:
    """One fan chart per series (history, median and the ``prob`` band), ``FAN_COLUMNS`` to a row."""
    names = record.series
    rows = math.ceil(len(names) / FAN_COLUMNS)
    columns = min(FAN_COLUMNS, len(names))
    figure = Figure(figsize=(WIDTH_IN, 3.4 * rows), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    labels: list[str] = []
    no_history = []
    for ax, name in zip(axes, names, strict=False):
        fact = facts[name]
        part = record.intervals[(record.intervals["series"] == name) & (record.intervals["prob"] == prob)]
        model = str(part["model"].iloc[0]) if len(part) else ""
        fan(part, history=fact.history, unit=fact.unit, title=_wrap(fact.title), model=model, ax=ax)
        ax.title.set_fontsize(10)
        mark_not_citable(ax, citable)
        labels += [label for label in band_labels(ax) if label not in labels]
        if fact.history is None:
            no_history.append(fact.title)
    for ax in axes[len(names) :]:
        ax.set_visible(False)
    path, ref = save_figure(figure, out_dir, analysis_id, "main")
    caption = "Forecasts: observed history, predictive median and shaded band: " + ", ".join(labels)
    caption += f". Drawn from the record's {record.source} table."
    if no_history:
        caption += f" No bundled history for: {'; '.join(no_history)}."
    return ReportFigure("fan charts", path, ref, caption, labels[0] if labels else "")


def _wrap(title: str, width: int = 62) -> str:
    words, lines, line = title.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join([*lines, line])


def record_figure(out_dir: Path, analysis_id: str, name: str, source: Path) -> ReportFigure:
    """Copy one of the record's own PNGs next to the report."""
    folder = Path(out_dir) / FIGURES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{analysis_id}__{Path(source).name}"
    shutil.copyfile(source, target)
    return ReportFigure(name, target, f"{FIGURES_DIR}/{target.name}", f"{name} (as recorded with the analysis)")
