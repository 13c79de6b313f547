"""Render a :class:`~borderflows.report.build.Report` as self-contained HTML and as Markdown.

The HTML embeds every figure as a base64 data URI and carries its own CSS, so the one file can be
mailed or archived; a small script records each image's decoded width on load, which the browser
test reads back. The Markdown twin links figure files copied next to it.
"""

from __future__ import annotations

import base64
import math
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from borderflows.report.build import Report, ReportEntry
from borderflows.results.intervals import KIND_NAMES, describe

HTML_FILE = "report.html"
MARKDOWN_FILE = "report.md"
FIGURES_DIR = "figures"


def _number(value: float) -> str:
    if not math.isfinite(value):
        return "" if math.isnan(value) else str(value)
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):d}"
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def interval_note(frame: pd.DataFrame) -> str:
    """Which intervals a tidy table holds, e.g. ``"90% equal-tailed interval"``; empty if none.

    Tables with ``lower``/``upper`` columns but no ``prob``/``kind`` get a warning instead: the
    level would be unstated.
    """
    if {"prob", "kind"} <= set(frame.columns):
        pairs = frame[["prob", "kind"]].dropna().drop_duplicates()
        labels = [
            describe(float(prob), str(kind)) if kind in KIND_NAMES else f"{float(prob):.0%} {kind} interval"
            for prob, kind in pairs.itertuples(index=False)
        ]
        return "Intervals: " + ", ".join(labels) if labels else ""
    if {"lower", "upper"} & set(frame.columns):
        return "Warning: this table has interval bounds but no prob/kind columns; its level is unstated."
    return ""


def _format(frame: pd.DataFrame) -> pd.DataFrame:
    shown = frame.copy()
    for column in shown.columns:
        if pd.api.types.is_float_dtype(shown[column]):
            shown[column] = shown[column].map(_number)
    return shown


def table_html(frame: pd.DataFrame) -> str:
    """An HTML table (escaped, no index) with readable numbers."""
    return _format(frame).to_html(index=False, border=0, classes="data", escape=True, na_rep="")


def table_markdown(frame: pd.DataFrame) -> str:
    """A pipe table with readable numbers."""
    return _format(frame).to_markdown(index=False)


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")


@dataclass(frozen=True)
class _Source:
    title: str
    url: str
    quote: str


SOURCE_KEYS = ("sources", "source")
"""Manifest ``extra`` keys whose values are shown as sources rather than settings."""

_URL = re.compile(r"https?://[^\s)\]>\"']+")


def sources_of(entry: ReportEntry) -> list[_Source]:
    """Sources in the manifest's ``extra["sources"]`` or ``extra["source"]``.

    Items may be strings (a URL inside one becomes its link) or dicts with ``title``/``url``/``quote``.
    """
    extra = entry.manifest.extra if entry.manifest is not None else {}
    items: list[Any] = []
    for key in SOURCE_KEYS:
        value = extra.get(key)
        items += value if isinstance(value, list) else [value] if value else []
    sources = []
    for item in items:
        if isinstance(item, dict):
            title = str(item.get("title") or item.get("name") or item.get("source") or "")
            url = str(item.get("url") or item.get("link") or "")
            quote = str(item.get("quote") or "")
            sources.append(_Source(title or url or "source", url if _URL.fullmatch(url) else "", quote))
        else:
            text = str(item)
            found = _URL.search(text)
            sources.append(_Source(text, found.group(0) if found else "", ""))
    return sources


def provenance_of(entry: ReportEntry) -> list[tuple[str, str]]:
    """Label/value pairs of the provenance block: seed, preset, versions, data hash, when made."""
    spec, manifest = entry.spec, entry.manifest
    rows = [("analysis id", spec.analysis_id), ("outputs", entry.why)]
    if manifest is None:
        rows += [("random seed", f"{spec.random_seed} (spec; no manifest.json)")]
        return rows
    rows += [
        ("model", manifest.model_id),
        ("random seed", str(manifest.random_seed)),
        ("preset", manifest.preset),
        ("input data hash (sha256)", manifest.data_hash),
        ("borderflows", manifest.package_version),
        ("made", manifest.created),
        ("software", ", ".join(f"{name} {version}" for name, version in sorted(manifest.dependencies.items()))),
    ]
    options = {**spec.options, **{k: v for k, v in manifest.extra.items() if k not in SOURCE_KEYS}}
    if options:
        rows.append(("settings", "; ".join(f"{key} = {value}" for key, value in sorted(options.items()))))
    return rows


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("borderflows.report", "templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["pct"] = lambda value: f"{float(value):.0%}"
    return env


def _context(report: Report, figure_ref: Any) -> dict[str, Any]:
    analyses = []
    for entry in report.entries:
        sensitivity = entry.sensitivity_tables
        analyses.append(
            {
                "entry": entry,
                "spec": entry.spec,
                "output": entry.output,
                "tables": [(name, frame, interval_note(frame)) for name, frame in entry.main_tables.items()],
                "sensitivity": [(name, frame, interval_note(frame)) for name, frame in sensitivity.items()],
                "figures": [(name, figure_ref(entry, name, path)) for name, path in entry.output.figures.items()],
                "diagnostics": entry.diagnostics_rows,
                "provenance": provenance_of(entry),
                "sources": sources_of(entry),
            }
        )
    return {
        "report": report,
        "analyses": analyses,
        "summary": report.summary_frame(),
        "default_interval": describe(report.default_prob, report.default_kind),
        "table_html": table_html,
        "table_markdown": table_markdown,
    }


def write_html(report: Report, out_dir: Path) -> Path:
    """Write the self-contained ``report.html`` into ``out_dir`` and return its path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    page = (
        _environment()
        .get_template("report.html.j2")
        .render(**_context(report, lambda entry, name, path: _data_uri(path)))
    )
    path = out_dir / HTML_FILE
    path.write_text(page, encoding="utf-8")
    return path


def write_markdown(report: Report, out_dir: Path) -> Path:
    """Write ``report.md`` and copy its figures into ``out_dir/figures/``; return the Markdown path."""
    out_dir = Path(out_dir)
    figures = out_dir / FIGURES_DIR
    figures.mkdir(parents=True, exist_ok=True)

    def copy(entry: ReportEntry, name: str, path: Path) -> str:
        target = figures / f"{entry.spec.analysis_id}__{Path(path).name}"
        shutil.copyfile(path, target)
        return f"{FIGURES_DIR}/{target.name}"

    text = _environment().get_template("report.md.j2").render(**_context(report, copy))
    path = out_dir / MARKDOWN_FILE
    path.write_text(text, encoding="utf-8")
    return path


def write_report(report: Report, out_dir: Path) -> tuple[Path, Path]:
    """Write both twins; return ``(html_path, markdown_path)``."""
    return write_html(report, out_dir), write_markdown(report, out_dir)
