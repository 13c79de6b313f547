"""Turn each analysis of a :class:`~borderflows.report.build.Report` into the section a reader sees.

Reading order per analysis: headline sentences and what they measure, the main figure (at the headline's
interval probability), the compact table, the "how to read this" box, diagnostics in one line. The long
tables, sensitivity tables, parameters, the record's other figures and provenance go to the appendix.
Figures and table files are written next to the report; nothing is fitted.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from borderflows.config import DEFAULT_KIND, DEFAULT_PROB
from borderflows.report.build import Report, ReportEntry
from borderflows.report.figures import ReportFigure, forecast_figure, mirror_figure, record_figure
from borderflows.report.guide import Guide, diagnostics_line, forecast_guide, mirror_guide, verdict_sentence
from borderflows.report.record import (
    forecast_record,
    headline_interval,
    manifest_facts,
    mirror_years,
    series_facts,
)
from borderflows.report.tables import (
    MAX_MAIN_ROWS,
    Table,
    forecast_table,
    mirror_table,
    record_table,
    thin,
    write_files,
)
from borderflows.results.intervals import describe

FRONT_SENTENCES = 3
"""Headline sentences an analysis shows on the front page (the rest in its section)."""


@dataclass(frozen=True)
class Section:
    """One analysis as the page presents it.

    Attributes
    ----------
    entry
        The analysis as built (record, provenance).
    headlines
        Every headline sentence.
    interval
        Label of the interval the headlines state (e.g. ``"90% equal-tailed interval"``), empty if none.
    verdict
        Citable or not, and why, in words.
    figure
        The main figure, or ``None`` when the record has neither a drawable table nor a figure.
    table
        The compact table (at most :data:`~borderflows.report.tables.MAX_MAIN_ROWS` rows shown).
    guide
        The "how to read this" box.
    diagnostics
        One line; ``diagnostics_rows`` (per fit) go in a folded block.
    appendix_tables, appendix_figures
        The record's tables (as files) and its other figures.
    """

    entry: ReportEntry
    headlines: tuple[str, ...]
    interval: str
    verdict: str
    figure: ReportFigure | None
    table: Table | None
    guide: Guide
    diagnostics: str
    appendix_tables: tuple[Table, ...]
    appendix_figures: tuple[ReportFigure, ...]

    @property
    def anchor(self) -> str:
        """The section's id in the page."""
        return self.entry.spec.analysis_id

    @property
    def front(self) -> tuple[str, ...]:
        """The headline sentences the front page quotes: those stating an interval (else the first), at most 3."""
        quoted = tuple(sentence for sentence in self.headlines if headline_interval([sentence]))
        return (quoted or self.headlines[:1])[:FRONT_SENTENCES]

    @property
    def diagnostics_rows(self) -> pd.DataFrame:
        """Per-fit gate numbers."""
        return self.entry.diagnostics_rows


def sections(report: Report, out_dir: Path) -> list[Section]:
    """Every analysis' section, writing its figures and table files into ``out_dir``."""
    return [_section(entry, report, Path(out_dir)) for entry in report.entries]


def _section(entry: ReportEntry, report: Report, out_dir: Path) -> Section:
    spec, output = entry.spec, entry.output
    stated = headline_interval(output.headlines)
    prob, kind = stated[0] if stated else (DEFAULT_PROB, DEFAULT_KIND)
    facts = manifest_facts(entry.manifest)
    tables = entry.tables
    figure: ReportFigure | None = None
    table: Table | None = None
    guide = Guide(entry.notes.estimand or "", (), "")
    if spec.kind == "mirror" and (years := mirror_years(spec, entry.manifest, tables)) is not None:
        figure = mirror_figure(years, prob, kind, citable=output.citable, out_dir=out_dir, analysis_id=spec.analysis_id)
        numbers, shown = mirror_table(years, prob, kind)
        table = _main_table(out_dir, spec.analysis_id, numbers, shown, [describe(prob, kind)], spec.title)
        # The percentile sentence joins "what it measures" unless a headline already states it.
        stated_percentile = any("percentile" in sentence for sentence in output.headlines)
        percentile = None if stated_percentile else entry.notes.percentile
        guide = mirror_guide(years.exporter, years.importer, facts, entry.notes.estimand, percentile, report.placebo)
    elif spec.kind == "forecast" and (record := forecast_record(tables)) is not None:
        series = {name: series_facts(name, facts.components if name == facts.total else ()) for name in record.series}
        figure = forecast_figure(
            record, series, prob, citable=output.citable, out_dir=out_dir, analysis_id=spec.analysis_id
        )
        numbers, shown = forecast_table(record, series)
        pairs = record.intervals[["prob", "kind"]].drop_duplicates().sort_values("prob")
        labels = [describe(float(p), str(k)) for p, k in pairs.itertuples(index=False)]
        table = _main_table(out_dir, spec.analysis_id, numbers, shown, labels, spec.title)
        models = list(dict.fromkeys(record.intervals["model"]))
        titles = {name: fact.title for name, fact in series.items()}
        guide = forecast_guide(prob, models, facts, titles, entry.notes.estimand)
    # The main figure redraws the record's own share or fan charts at the headline's probability: skip those.
    pictures = {name: path for name, path in output.figures.items() if not (figure and _same_picture(name))}
    record_figures = [record_figure(out_dir, spec.analysis_id, name, path) for name, path in pictures.items()]
    if figure is None and record_figures:
        figure, record_figures = record_figures[0], record_figures[1:]
    return Section(
        entry=entry,
        headlines=output.headlines,
        interval=describe(prob, kind) if stated else "",
        verdict=verdict_sentence(output.citable, output.reasons, entry.notes.verdict_reason),
        figure=figure,
        table=table,
        guide=guide,
        diagnostics=diagnostics_line(entry.diagnostics),
        appendix_tables=tuple(record_table(out_dir, spec.analysis_id, name, frame) for name, frame in tables.items()),
        appendix_figures=tuple(record_figures),
    )


def _same_picture(name: str) -> bool:
    return name == "share" or name.startswith("fan ")


def _main_table(
    out_dir: Path,
    analysis_id: str,
    numbers: pd.DataFrame,
    shown: pd.DataFrame,
    intervals: list[str],
    title: str,
) -> Table:
    caption = f"{title}: medians and {', '.join(intervals)}s"
    csv, tex = write_files(out_dir, analysis_id, "main_table", numbers, shown, caption)
    kept, left_out = thin(numbers, shown, MAX_MAIN_ROWS)
    note = " ".join(part for part in ("Intervals: " + ", ".join(intervals) + ".", left_out) if part)
    return Table("main_table", kept, note, csv, tex, len(numbers))
