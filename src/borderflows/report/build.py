"""Run or reuse every analysis of record and collect what the report shows.

:func:`build_report` decides per analysis whether the committed outputs (or those of an earlier
refit in the output folder) are still current (:mod:`borderflows.report.record`); if not, or when
asked to, it refits. Refits go into ``<out>/analyses/<id>/`` so that a quick look never overwrites
the outputs of record; ``write_record=True`` (maintainers, record preset only) writes them in place.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from borderflows import progress
from borderflows.config import DEFAULT_KIND, DEFAULT_PROB
from borderflows.config import preset as resolve_preset
from borderflows.exceptions import BorderflowsError
from borderflows.report.locate import discover_specs
from borderflows.report.record import (
    AnalysisRunner,
    HeadlineNotes,
    PlaceboSummary,
    RecordCheck,
    check_record,
    diagnostics_frame,
    find_atlas,
    read_placebo,
    read_record,
    read_tables,
    runner_for,
)
from borderflows.results.analysis import AnalysisOutput, AnalysisSpec
from borderflows.results.manifest import Manifest, package_version

if TYPE_CHECKING:
    from borderflows.atlas import Atlas

SCRATCH = "analyses"
"""Sub-folder of the report's output folder that receives refits."""

EventKind = Literal["check", "reuse", "refit", "step", "done"]


@dataclass(frozen=True)
class ReportEvent:
    """Progress of :func:`build_report`, for a CLI to display.

    Attributes
    ----------
    kind
        ``"check"`` (hashing inputs), ``"reuse"``, ``"refit"`` (a fit starts: slow), ``"step"`` (a step
        inside a refit, announced by the model package through :func:`borderflows.progress.step`, e.g.
        "fit arrivals", "tables", "figures") or ``"done"``.
    index, total
        Position of the analysis (1-based) and how many there are.
    spec
        The analysis concerned.
    message
        A sentence for people.
    """

    kind: EventKind
    index: int
    total: int
    spec: AnalysisSpec
    message: str


@dataclass(frozen=True)
class ReportEntry:
    """One analysis as the report presents it.

    Attributes
    ----------
    output
        Headlines, table and figure paths, citable verdict.
    folder
        Where the outputs were read from.
    action
        ``"reused"`` or ``"refit"``.
    preset
        Preset the outputs were made with (from the manifest when there is one).
    why
        Why the outputs were reused or refitted.
    manifest
        Provenance, when the folder has a ``manifest.json``.
    diagnostics
        Parsed ``diagnostics.json`` (one gate dict, or fit name to gate dict), or ``None``.
    seconds
        Time spent on this analysis.
    notes
        Optional headline fields (what the headline measures, percentile among world pairs, verdict in words).
    """

    output: AnalysisOutput
    folder: Path
    action: Literal["reused", "refit"]
    preset: str
    why: str
    manifest: Manifest | None
    diagnostics: dict[str, Any] | None
    seconds: float
    notes: HeadlineNotes = field(default_factory=HeadlineNotes)

    @property
    def spec(self) -> AnalysisSpec:
        """The analysis spec."""
        return self.output.spec

    @cached_property
    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table the analysis lists, read from its CSV."""
        return read_tables(self.output)

    @cached_property
    def diagnostics_rows(self) -> pd.DataFrame:
        """One row per fit checked by the gate: fit, verdict and the worst numbers."""
        return diagnostics_frame(self.diagnostics)


@dataclass(frozen=True)
class Report:
    """Everything the HTML and Markdown renderers need.

    Attributes
    ----------
    entries
        One per analysis, in id order.
    created
        UTC time the report was assembled.
    version
        borderflows version that assembled it.
    default_prob, default_kind
        The package's interval defaults, stated in the report header.
    placebo
        The mirror placebo check's summary, when the analyses folder holds one.
    atlas
        The world atlas stored in the analyses folder (``world_atlas/``), when there is one.
    """

    entries: tuple[ReportEntry, ...]
    created: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    version: str = field(default_factory=package_version)
    default_prob: float = DEFAULT_PROB
    default_kind: str = DEFAULT_KIND
    placebo: PlaceboSummary | None = None
    atlas: Atlas | None = field(default=None, repr=False)

    @property
    def citable(self) -> bool:
        """True when every analysis passed its diagnostics gate."""
        return all(entry.output.citable for entry in self.entries)


def _read_entry(
    spec: AnalysisSpec,
    folder: Path,
    action: Literal["reused", "refit"],
    why: str,
    seconds: float,
    fallback_preset: str,
) -> ReportEntry:
    record = read_record(spec, folder)
    return ReportEntry(
        output=record.output,
        folder=folder,
        action=action,
        preset=record.manifest.preset if record.manifest is not None else fallback_preset,
        why=why,
        manifest=record.manifest,
        diagnostics=record.diagnostics,
        seconds=seconds,
        notes=record.notes,
    )


def build_report(
    out_dir: Path,
    *,
    refit: bool = False,
    preset: str | None = None,
    only: Sequence[str] | None = None,
    models: Path | None = None,
    write_record: bool = False,
    allow_refit: bool = True,
    runners: Mapping[str, AnalysisRunner] | None = None,
    on_event: Callable[[ReportEvent], None] | None = None,
    sampler_progress: bool = False,
) -> Report:
    """Reuse or refit every analysis of record and collect the results.

    Parameters
    ----------
    out_dir
        The report's output folder; refits go into ``out_dir/analyses/<id>/``.
    refit
        Refit every analysis even when its outputs are current.
    preset
        Preset for refits; default each spec's preset of record. Current outputs are reused whatever
        their preset unless ``refit`` is set.
    only
        Analysis ids to include; default all.
    models
        Folder of analyses; default :func:`borderflows.report.locate.models_dir`.
    write_record
        Write refits over the committed outputs (only in each spec's preset of record).
    allow_refit
        When False, raise instead of refitting outputs that are not current (tests, quick checks).
    runners
        Kind to runner; default the model packages (:func:`borderflows.report.record.runner_for`).
    on_event
        Called with a :class:`ReportEvent` before and after each analysis and for each step of a refit.
    sampler_progress
        Let samplers draw their own progress bar during refits (a CLI sets this only when its console
        is a terminal).

    Raises
    ------
    BorderflowsError
        On an unknown preset or analysis id, ``write_record`` with a preset other than the record's, or
        outputs that are not current when ``allow_refit`` is False.
    """
    if preset is not None:
        try:
            resolve_preset(preset)
        except ValueError as error:
            raise BorderflowsError(str(error)) from None
    out_dir = Path(out_dir)
    specs = discover_specs(models, only)
    notify = on_event or (lambda event: None)
    version = package_version()
    entries = []
    for index, spec in enumerate(specs, start=1):
        started = time.perf_counter()
        runner = runners[spec.kind] if runners is not None and spec.kind in runners else runner_for(spec.kind)
        wanted = preset or spec.preset
        scratch = out_dir / SCRATCH / spec.analysis_id
        notify(ReportEvent("check", index, len(specs), spec, f"checking {spec.analysis_id}"))
        expected = runner.input_hash(spec)
        checks: list[RecordCheck] = []
        if not refit:
            checks = [check_record(spec, folder, expected, version) for folder in (spec.folder, scratch)]
            reusable = next((check for check in checks if check.current), None)
            if reusable is not None:
                why = f"reused {_where(reusable.folder, spec)}: {reusable.reason}"
                notify(ReportEvent("reuse", index, len(specs), spec, why))
                entry = _read_entry(spec, reusable.folder, "reused", why, time.perf_counter() - started, wanted)
                entries.append(entry)
                notify(ReportEvent("done", index, len(specs), spec, why))
                continue
        if not allow_refit:
            reason = "refit requested" if refit else checks[0].reason
            raise BorderflowsError(
                f"{spec.analysis_id}: outputs are not current ({reason}); regenerate them with "
                f"`borderflows report --only {spec.analysis_id} --write-record`"
            )
        if write_record and wanted != spec.preset:
            raise BorderflowsError(
                f"{spec.analysis_id}: the record is made in preset {spec.preset!r}, not {wanted!r}; "
                "drop --preset or write to the report folder instead"
            )
        target = spec.folder if write_record else scratch
        target.mkdir(parents=True, exist_ok=True)
        why = "refit on request (--refit)" if refit else f"refit: {checks[0].reason}"
        notify(ReportEvent("refit", index, len(specs), spec, f"{why} (preset {wanted})"))

        def relay(message: str, index: int = index, spec: AnalysisSpec = spec) -> None:
            notify(ReportEvent("step", index, len(specs), spec, message))

        with progress.reporting(relay, sampler_progress=sampler_progress):
            output = runner.run_analysis(spec, target, preset=wanted)
        relay("headline")
        output.write_headline(target)
        entry = _read_entry(spec, target, "refit", why, time.perf_counter() - started, wanted)
        entries.append(entry)
        notify(ReportEvent("done", index, len(specs), spec, why))
    placebo = read_placebo(specs[0].folder.parent) if specs else None
    atlas = find_atlas(specs[0].folder.parent) if specs else None
    return Report(entries=tuple(entries), placebo=placebo, atlas=atlas)


def _where(folder: Path, spec: AnalysisSpec) -> str:
    return "the committed outputs" if folder == spec.folder else f"an earlier refit in {folder}"
