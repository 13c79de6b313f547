"""Render a :class:`~borderflows.report.build.Report` as self-contained HTML and as Markdown.

Both twins have the same reading order (:mod:`borderflows.report.sections`): a front page with each
analysis' citable sentences and verdict, then each analysis, then an appendix. The HTML embeds every
figure as a base64 data URI and carries its own CSS, so the one file can be mailed or archived; the
Markdown links the figure and table files written next to it.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from borderflows.report.atlas import AtlasPart, atlas_part
from borderflows.report.build import Report, ReportEntry
from borderflows.report.figures import ReportFigure
from borderflows.report.sections import Section, sections
from borderflows.report.tables import MAX_MAIN_ROWS, format_frame
from borderflows.results.intervals import describe

HTML_FILE = "report.html"
MARKDOWN_FILE = "report.md"


def table_html(frame: pd.DataFrame) -> str:
    """An HTML table (escaped, no index) with readable numbers."""
    return format_frame(frame).to_html(index=False, border=0, classes="data", escape=True, na_rep="")


def table_markdown(frame: pd.DataFrame) -> str:
    """A pipe table with readable numbers and no padding (numbers right-aligned)."""
    shown = format_frame(frame).astype(object).where(frame.notna(), "")
    numeric = [pd.api.types.is_numeric_dtype(frame[column]) for column in frame.columns]
    lines = [
        "| " + " | ".join(_cell(column) for column in frame.columns) + " |",
        "|" + "|".join("---:" if right else ":---" for right in numeric) + "|",
    ]
    lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in shown.itertuples(index=False)]
    return "\n".join(lines)


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


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


def _context(
    report: Report, parts: list[Section], atlas: AtlasPart | None, figure_ref: Callable[[ReportFigure], str]
) -> dict[str, Any]:
    return {
        "report": report,
        "sections": parts,
        "atlas": atlas,
        "provenance": {part.anchor: provenance_of(part.entry) for part in parts},
        "sources": {part.anchor: sources_of(part.entry) for part in parts},
        "default_interval": describe(report.default_prob, report.default_kind),
        "citable_count": sum(part.entry.output.citable for part in parts),
        "figure_ref": figure_ref,
        "table_html": table_html,
        "table_markdown": table_markdown,
        "inline_rows": MAX_MAIN_ROWS,
    }


def atlas_view(report: Report, out_dir: Path) -> AtlasPart | None:
    """The world-atlas section (figures and tables written into ``out_dir``), or ``None`` without an atlas."""
    return atlas_part(report.atlas, Path(out_dir)) if report.atlas is not None else None


def write_html(
    report: Report, out_dir: Path, parts: list[Section] | None = None, atlas: AtlasPart | None = None
) -> Path:
    """Write the self-contained ``report.html`` (figures embedded) into ``out_dir`` and return its path.

    The figure and table files it describes are written next to it (``figures/``, ``tables/``) unless
    ``parts`` (from :func:`~borderflows.report.sections.sections`) and ``atlas`` (:func:`atlas_view`)
    say they already are.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if parts is None:
        parts, atlas = sections(report, out_dir), atlas_view(report, out_dir)
    template = _environment().get_template("report.html.j2")
    page = template.render(**_context(report, parts, atlas, lambda figure: _data_uri(figure.path)))
    path = out_dir / HTML_FILE
    path.write_text(page, encoding="utf-8")
    return path


def write_markdown(
    report: Report, out_dir: Path, parts: list[Section] | None = None, atlas: AtlasPart | None = None
) -> Path:
    """Write ``report.md`` into ``out_dir``, linking the figure and table files next to it; return its path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if parts is None:
        parts, atlas = sections(report, out_dir), atlas_view(report, out_dir)
    text = _environment().get_template("report.md.j2").render(**_context(report, parts, atlas, lambda f: f.ref))
    path = out_dir / MARKDOWN_FILE
    path.write_text(text, encoding="utf-8")
    return path


def write_report(report: Report, out_dir: Path) -> tuple[Path, Path]:
    """Write the figure and table files once, then both twins; return ``(html_path, markdown_path)``."""
    parts, atlas = sections(report, Path(out_dir)), atlas_view(report, Path(out_dir))
    return write_html(report, out_dir, parts, atlas), write_markdown(report, out_dir, parts, atlas)
