"""The contract between an analysis of record (``models/<id>/``) and the report that presents it.

Each analysis folder holds ``spec.toml`` and the committed summary outputs its run writes: tables
(CSV and Markdown), figures (PNG), ``manifest.json``, ``diagnostics.json`` and ``headline.json``.
Model packages provide ``run_analysis(spec, out_dir, preset=None)`` returning an
:class:`AnalysisOutput`, and ``input_hash(spec)`` so that the report can tell a stale result from a
valid one without refitting.
"""

from __future__ import annotations

import difflib
import json
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from borderflows.config import PRESETS, check_choice
from borderflows.exceptions import BorderflowsError, OptionError

ANALYSIS_KINDS = ("mirror", "forecast")
HEADLINE_FILE = "headline.json"
MANIFEST_FILE = "manifest.json"
DIAGNOSTICS_FILE = "diagnostics.json"
HEADLINE_KEYS = ("analysis_id", "title", "headlines", "citable", "reasons", "tables", "figures")
"""The fields every ``headline.json`` has; any other field is a note."""


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


ANALYSIS_KEYS = ("id", "kind", "title", "random_seed", "preset")
"""Keys of the ``[analysis]`` table; the first four are required."""
TABLES = ("analysis", "model")
"""Tables of a ``spec.toml``."""


def check_keys(table: Mapping[str, Any], allowed: Iterable[str], where: str) -> None:
    """Refuse a key of a ``spec.toml`` table that nothing reads, naming it (a misspelt key is never ignored).

    Parameters
    ----------
    table
        The parsed table.
    allowed
        The keys its reader knows.
    where
        The table as the user sees it, e.g. ``"models/x/spec.toml [model]"``.

    Raises
    ------
    OptionError
        Naming the first unknown key and the known ones.
    """
    known = list(allowed)
    unknown = [key for key in table if key not in known]
    if unknown:
        close = difflib.get_close_matches(unknown[0], known, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise OptionError(
            f"{where} {unknown[0]}", "is not a key this table has", f"{hint}the keys are {', '.join(known)}"
        )


def load_spec(path: Path) -> AnalysisSpec:
    """Read ``spec.toml`` (or the folder holding it): the one reader of analysis specs.

    The ``[analysis]`` table is checked here; the ``[model]`` table is returned as ``options`` for the
    model package to check with :func:`check_keys` against the options it reads.

    Raises
    ------
    BorderflowsError
        If the file is missing or not TOML.
    OptionError
        For an unknown table or key, a missing required key or a value of the wrong type.
    """
    path = Path(path)
    if path.is_dir():
        path = path / "spec.toml"
    if not path.is_file():
        raise BorderflowsError(f"no analysis spec at {path}")
    try:
        raw = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as error:
        raise BorderflowsError(f"{path} is not valid TOML ({error})") from None
    check_keys(raw, TABLES, str(path))
    head = raw.get("analysis", {})
    check_keys(head, ANALYSIS_KEYS, f"{path} [analysis]")
    missing = [key for key in ANALYSIS_KEYS[:4] if key not in head]
    if missing:
        raise OptionError(f"{path} [analysis] {missing[0]}", "is missing", f"add {', '.join(missing)}")
    check_choice(f"{path} [analysis] kind", head["kind"], ANALYSIS_KINDS, what="analysis kind")
    if isinstance(head["random_seed"], bool) or not isinstance(head["random_seed"], int):
        raise OptionError(f"{path} [analysis] random_seed", f"{head['random_seed']!r} is not a seed", "give an integer")
    preset = str(head.get("preset", "full"))
    check_choice(f"{path} [analysis] preset", preset, PRESETS, what="preset")
    return AnalysisSpec(
        analysis_id=str(head["id"]),
        kind=str(head["kind"]),
        title=str(head["title"]),
        random_seed=int(head["random_seed"]),
        preset=preset,
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
        Whether the analysis's numbers may be cited (every fit passed its gate, and whatever else
        the model requires).
    reasons
        Why not, when not citable.
    notes
        Further ``headline.json`` fields a model writes for the report (e.g. ``"estimand"``).
    """

    spec: AnalysisSpec
    headlines: tuple[str, ...]
    tables: dict[str, Path]
    figures: dict[str, Path]
    citable: bool
    reasons: tuple[str, ...] = ()
    notes: dict[str, Any] = field(default_factory=dict)

    def write_headline(self, out_dir: Path) -> Path:
        """Write ``headline.json`` (sentences, verdict and file lists) into ``out_dir``."""
        path = Path(out_dir) / HEADLINE_FILE
        payload: dict[str, Any] = {
            "analysis_id": self.spec.analysis_id,
            "title": self.spec.title,
            "headlines": list(self.headlines),
            "citable": self.citable,
            "reasons": list(self.reasons),
            "tables": {name: p.name for name, p in self.tables.items()},
            "figures": {name: p.name for name, p in self.figures.items()},
        }
        clash = sorted(set(self.notes) & set(payload))
        if clash:
            raise OptionError(f"notes {clash[0]}", "would overwrite a headline.json field", "rename the note")
        payload.update(self.notes)
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
        notes={key: value for key, value in raw.items() if key not in HEADLINE_KEYS},
    )
