"""The contract between an analysis of record (``models/<id>/``) and the report that presents it.

Each analysis folder holds ``spec.toml`` and the committed summary outputs its run writes: tables
(CSV and Markdown), figures (PNG), ``manifest.json``, ``diagnostics.json`` and ``headline.json``.
Model packages provide ``run_analysis(spec, out_dir, preset=None)`` returning an
:class:`AnalysisOutput`, and ``input_hash(spec)`` so that the report can tell a stale result from a
valid one without refitting.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from borderflows.exceptions import BorderflowsError

ANALYSIS_KINDS = ("mirror", "forecast")
HEADLINE_FILE = "headline.json"
MANIFEST_FILE = "manifest.json"
DIAGNOSTICS_FILE = "diagnostics.json"


@dataclass(frozen=True)
class AnalysisSpec:
    """A parsed ``spec.toml``.

    Attributes
    ----------
    analysis_id
        Folder name and identifier, e.g. ``"chn_kaz_mirror"``.
    kind
        ``"mirror"`` or ``"forecast"``: which package runs it.
    title
        Heading used in the report.
    random_seed
        Seed of record.
    preset
        Sampler preset of record (``"full"`` for results of record).
    options
        The ``[model]`` table: kind-specific settings.
    folder
        Where the spec lives; outputs are written next to it.
    """

    analysis_id: str
    kind: str
    title: str
    random_seed: int
    preset: str
    options: dict[str, Any] = field(default_factory=dict)
    folder: Path = Path(".")


def load_spec(path: Path) -> AnalysisSpec:
    """Read ``spec.toml`` (or the folder holding it).

    Raises
    ------
    BorderflowsError
        If the file is missing or lacks a required key.
    """
    path = Path(path)
    if path.is_dir():
        path = path / "spec.toml"
    if not path.is_file():
        raise BorderflowsError(f"no analysis spec at {path}")
    raw = tomllib.loads(path.read_text())
    head = raw.get("analysis", {})
    missing = [key for key in ("id", "kind", "title", "random_seed") if key not in head]
    if missing:
        raise BorderflowsError(f"{path}: [analysis] lacks {', '.join(missing)}")
    if head["kind"] not in ANALYSIS_KINDS:
        raise BorderflowsError(f"{path}: kind must be one of {ANALYSIS_KINDS}, got {head['kind']!r}")
    return AnalysisSpec(
        analysis_id=str(head["id"]),
        kind=str(head["kind"]),
        title=str(head["title"]),
        random_seed=int(head["random_seed"]),
        preset=str(head.get("preset", "full")),
        options=dict(raw.get("model", {})),
        folder=path.parent,
    )


@dataclass(frozen=True)
class AnalysisOutput:
    """What one run of an analysis wrote, for the report to assemble.

    Attributes
    ----------
    spec
        The spec that ran.
    headlines
        Sentences an economist could paste, each stating interval probability and kind.
    tables
        Table name to CSV path (a Markdown twin sits beside each CSV).
    figures
        Figure name to PNG path.
    citable
        Whether every fit in the analysis passed the diagnostics gate.
    reasons
        Why not, when not citable.
    """

    spec: AnalysisSpec
    headlines: tuple[str, ...]
    tables: dict[str, Path]
    figures: dict[str, Path]
    citable: bool
    reasons: tuple[str, ...] = ()

    def write_headline(self, out_dir: Path) -> Path:
        """Write ``headline.json`` (sentences, verdict and file lists) into ``out_dir``."""
        path = Path(out_dir) / HEADLINE_FILE
        payload = {
            "analysis_id": self.spec.analysis_id,
            "title": self.spec.title,
            "headlines": list(self.headlines),
            "citable": self.citable,
            "reasons": list(self.reasons),
            "tables": {name: p.name for name, p in self.tables.items()},
            "figures": {name: p.name for name, p in self.figures.items()},
        }
        path.write_text(json.dumps(payload, indent=2) + "\n")
        return path


def read_output(spec: AnalysisSpec, out_dir: Path | None = None) -> AnalysisOutput:
    """Rebuild an :class:`AnalysisOutput` from the files a previous run wrote."""
    folder = Path(out_dir) if out_dir is not None else spec.folder
    raw = json.loads((folder / HEADLINE_FILE).read_text())
    return AnalysisOutput(
        spec=spec,
        headlines=tuple(raw["headlines"]),
        tables={name: folder / file for name, file in raw["tables"].items()},
        figures={name: folder / file for name, file in raw["figures"].items()},
        citable=bool(raw["citable"]),
        reasons=tuple(raw["reasons"]),
    )
