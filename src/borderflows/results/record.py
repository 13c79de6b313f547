"""The one writer of records: every table, figure, diagnostics file and manifest a fit leaves on disk.

A *record* is what a results object offers to be kept: named tidy tables, named figures, the
convergence gate of each fit, and its provenance. :func:`write_record` takes any object that offers
them (the :class:`Recordable` protocol) and writes them the same way for every model, so the report
reads one shape back (``borderflows.report.record``). Analyses of record (``models/<id>/``) also
pass the sentences of their headline; :func:`write_record` then writes ``headline.json`` too and
returns the :class:`~borderflows.results.analysis.AnalysisOutput` the report assembles.

Files written into ``folder`` (``prefix`` is empty for analyses of record):

============================  =====================================================================
``<table>.csv``               every table (``RecordTable.formats`` chooses among ``.csv``, ``.md``, ``.tex``)
``<stem>.png``                every figure, at :data:`FIGURE_DPI` with a tight bounding box
``<prefix>diagnostics.json``  fit name -> gate dict (``Diagnostics.to_dict()``); omitted when empty
``<prefix>manifest.json``     the :class:`~borderflows.results.manifest.Manifest`
``headline.json``             with ``spec`` and ``headlines`` only (:meth:`AnalysisOutput.write_headline`)
============================  =====================================================================
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from borderflows.exceptions import OptionError
from borderflows.results.analysis import DIAGNOSTICS_FILE, MANIFEST_FILE, AnalysisOutput, AnalysisSpec
from borderflows.results.manifest import Manifest

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

FIGURE_DPI = 110
"""Resolution of every figure of record."""

TABLE_FORMATS = ("csv", "md", "tex")


@dataclass(frozen=True)
class RecordTable:
    """A tidy table and how to write it.

    Attributes
    ----------
    frame
        The table (interval tables have ``lower``, ``upper``, ``prob`` and ``kind`` columns).
    formats
        Any of ``"csv"`` (always readable by the report), ``"md"``, ``"tex"``.
    caption
        A sentence written above the Markdown table and as the LaTeX caption (state ``prob`` and ``kind``).
    floatfmt
        Number format of the Markdown and LaTeX forms, e.g. ``".4g"``; ``None`` keeps the defaults of
        ``DataFrame.to_markdown`` and ``DataFrame.to_latex``. The CSV always holds full precision.
    """

    frame: pd.DataFrame
    formats: tuple[str, ...] = ("csv", "md")
    caption: str = ""
    floatfmt: str | None = None

    def __post_init__(self) -> None:
        for fmt in self.formats:
            if fmt not in TABLE_FORMATS:
                raise OptionError("formats", f"unknown table format {fmt!r}", f"use {', '.join(TABLE_FORMATS)}")


@dataclass(frozen=True)
class RecordFigure:
    """A figure and the stem of its PNG file.

    Attributes
    ----------
    figure
        A matplotlib Figure, built without pyplot (no global state in headless runs).
    stem
        File name without ``.png``; the figure's name (the mapping key) is what the report shows.
    """

    figure: Figure
    stem: str


@runtime_checkable
class Recordable(Protocol):
    """What :func:`write_record` needs from a results object.

    A results class offers its record by defining these four methods; none of them fits or samples
    (a record is written from draws that exist).
    """

    def record_tables(self) -> Mapping[str, RecordTable]:
        """Table name (the file stem, e.g. ``"yearly"``) to table."""
        ...

    def record_figures(self) -> Mapping[str, RecordFigure]:
        """Figure name (e.g. ``"share"``, ``"fan migration.cisstat.arrivals"``) to figure and file stem."""
        ...

    def record_diagnostics(self) -> Mapping[str, Mapping[str, Any]]:
        """Fit name (a series, ``"CHN->KAZ"``) to its gate's plain-JSON verdict; empty when nothing was sampled."""
        ...

    def record_manifest(self) -> Manifest:
        """Provenance: model id, seed, data hash, preset, what the sampler ran, citable."""
        ...


def write_record(
    results: Recordable,
    folder: Path,
    *,
    prefix: str = "",
    spec: AnalysisSpec | None = None,
    headlines: Sequence[str] = (),
    reasons: Sequence[str] = (),
    notes: Mapping[str, Any] | None = None,
) -> AnalysisOutput | None:
    """Write the record of ``results`` into ``folder`` (created if needed).

    Parameters
    ----------
    results
        Any object offering its record (:class:`Recordable`).
    folder
        Where to write.
    prefix
        Prepended to the diagnostics and manifest file names (several records sharing a folder).
    spec
        The analysis of record this is; with it, ``headline.json`` is written as well.
    headlines
        Sentences an economist could paste, each stating its interval's probability and kind.
    reasons
        Why the record is not citable (empty when it is).
    notes
        Further ``headline.json`` fields (e.g. ``"estimand"``), read by the report when present.

    Returns
    -------
    AnalysisOutput or None
        The analysis output, when ``spec`` was given.
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    written = {name: _write_table(table, out / name) for name, table in results.record_tables().items()}
    tables = {name: path for name, path in written.items() if path is not None}
    figures = {name: _write_figure(f.figure, out / f"{f.stem}.png") for name, f in results.record_figures().items()}
    diagnostics = {name: dict(gate) for name, gate in results.record_diagnostics().items()}
    if diagnostics:
        (out / f"{prefix}{DIAGNOSTICS_FILE}").write_text(json.dumps(diagnostics, indent=2) + "\n")
    manifest = results.record_manifest()
    manifest.write(out / f"{prefix}{MANIFEST_FILE}")
    if spec is None:
        return None
    output = AnalysisOutput(
        spec=spec,
        headlines=tuple(headlines),
        tables=tables,
        figures=figures,
        citable=manifest.citable,
        reasons=tuple(reasons),
        notes=dict(notes or {}),
    )
    output.write_headline(out)
    return output


def _write_table(table: RecordTable, stem: Path) -> Path | None:
    """Write ``table`` in its formats as ``stem`` plus suffix; return the CSV's path (``None`` without a CSV:
    the report lists and reads only tables it can parse)."""
    frame = table.frame
    csv = _named(stem, "csv") if "csv" in table.formats else None
    if csv is not None:
        frame.to_csv(csv, index=False)
    if "md" in table.formats:
        markdown = (
            frame.to_markdown(index=False)
            if table.floatfmt is None
            else frame.to_markdown(index=False, floatfmt=table.floatfmt)
        )
        text = f"{table.caption}\n\n{markdown}\n" if table.caption else f"{markdown}\n"
        _named(stem, "md").write_text(text, encoding="utf-8")
    if "tex" in table.formats:
        latex = frame.to_latex(
            index=False,
            float_format=None if table.floatfmt is None else f"%{table.floatfmt}",
            caption=table.caption or None,
            label=f"tab:{stem.name}",
        )
        _named(stem, "tex").write_text(latex, encoding="utf-8")
    return csv


def _named(stem: Path, ext: str) -> Path:
    return stem.parent / f"{stem.name}.{ext}"  # not with_suffix: a dot inside a name is not a suffix


def _write_figure(figure: Figure, path: Path) -> Path:
    figure.savefig(path, dpi=FIGURE_DPI, bbox_inches="tight")
    return path
