"""Read a folder of committed outputs, and tell whether it is still the result of the current data and code.

This is the one module that knows the files an analysis of record writes: ``headline.json`` (and its
optional fields), ``manifest.json``, ``diagnostics.json`` and the columns of the tidy tables the report
draws and tabulates. An analysis's outputs are reused only when its ``manifest.json`` records the same input hash
(``input_hash(spec)`` of the model package), the same borderflows version and the same seed as now,
and every file its ``headline.json`` lists is present. Anything else means refit.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pandas as pd

from borderflows.exceptions import BorderflowsError, OptionError
from borderflows.results.analysis import (
    DIAGNOSTICS_FILE,
    HEADLINE_FILE,
    MANIFEST_FILE,
    AnalysisOutput,
    AnalysisSpec,
    read_output,
)
from borderflows.results.manifest import Manifest, load_manifest, package_version

if TYPE_CHECKING:
    from borderflows.atlas import Atlas

RUNNER_MODULES: dict[str, str] = {
    "mirror": "borderflows.mirror.analysis",
    "forecast": "borderflows.forecast.analysis",
}
"""Which module runs each analysis kind (imported lazily: pymc is slow to import)."""


class AnalysisRunner(Protocol):
    """What a model package provides for its analyses of record."""

    def run_analysis(self, spec: AnalysisSpec, out_dir: Path, preset: str | None = None) -> AnalysisOutput:
        """Fit the analysis and write its outputs into ``out_dir``."""
        ...

    def input_hash(self, spec: AnalysisSpec) -> str:
        """Hash of the data the analysis reads."""
        ...


def runner_for(kind: str) -> AnalysisRunner:
    """Import the module that runs analyses of ``kind``.

    Raises
    ------
    BorderflowsError
        If the kind is unknown or its module is not available.
    """
    if kind not in RUNNER_MODULES:
        raise BorderflowsError(f"no runner for analysis kind {kind!r}; known kinds: {', '.join(RUNNER_MODULES)}")
    name = RUNNER_MODULES[kind]
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name is not None and name.startswith(error.name):
            raise BorderflowsError(f"{name} is not available in this borderflows version") from error
        raise
    for attribute in ("run_analysis", "input_hash"):
        if not hasattr(module, attribute):
            raise BorderflowsError(f"{name} lacks {attribute}(); it cannot run analyses of record")
    return module


@dataclass(frozen=True)
class RecordCheck:
    """Outcome of comparing a folder's outputs with the current inputs.

    Attributes
    ----------
    folder
        The folder checked.
    current
        True when the outputs can be reused as they are.
    reason
        One sentence: why they are current, or what changed.
    """

    folder: Path
    current: bool
    reason: str


def check_record(spec: AnalysisSpec, folder: Path, expected_hash: str, version: str | None = None) -> RecordCheck:
    """Compare the outputs in ``folder`` with the current input hash, package version and seed.

    Parameters
    ----------
    spec
        The analysis spec (its seed is compared with the manifest's).
    folder
        Where the outputs are (the committed folder, or a scratch folder of an earlier refit).
    expected_hash
        ``input_hash(spec)`` for the data as it is now.
    version
        borderflows version to compare with; default the installed one.
    """
    folder = Path(folder)
    wanted_version = version or package_version()
    manifest_path, headline_path = folder / MANIFEST_FILE, folder / HEADLINE_FILE
    if not headline_path.is_file() or not manifest_path.is_file():
        missing = [p.name for p in (headline_path, manifest_path) if not p.is_file()]
        return RecordCheck(folder, False, f"no {' or '.join(missing)} in {folder}")
    try:
        manifest = load_manifest(manifest_path)
        listed = json.loads(headline_path.read_text())
    except (ValueError, TypeError) as error:
        return RecordCheck(folder, False, f"unreadable {MANIFEST_FILE} or {HEADLINE_FILE}: {error}")
    if manifest.data_hash != expected_hash:
        return RecordCheck(
            folder, False, f"input data changed (hash {manifest.data_hash[:12]} on record, {expected_hash[:12]} now)"
        )
    if manifest.package_version != wanted_version:
        return RecordCheck(folder, False, f"made by borderflows {manifest.package_version}, this is {wanted_version}")
    if manifest.random_seed != spec.random_seed:
        return RecordCheck(
            folder, False, f"made with seed {manifest.random_seed}, spec.toml now says {spec.random_seed}"
        )
    files = [*listed.get("tables", {}).values(), *listed.get("figures", {}).values()]
    absent = [name for name in files if not (folder / name).is_file()]
    if absent:
        return RecordCheck(folder, False, f"listed output(s) missing: {', '.join(absent)}")
    return RecordCheck(
        folder, True, f"matches the current data hash, borderflows {wanted_version} and seed {spec.random_seed}"
    )


# --- Reading a record -------------------------------------------------------------------------------------------
# Everything the report knows about the files an analysis writes (names, columns, optional fields) is below, so
# that a change in what the model packages write is met here and nowhere else.

ESTIMAND_KEYS = ("estimand", "estimand_sentence", "measures")
"""Optional ``headline.json`` keys holding the sentence that says what the headline measures."""

PERCENTILE_KEYS = ("percentile", "world_percentile", "pair_percentile")
"""Optional keys: the pair's percentile among world pairs (a number, or a dict with ``value``/``sentence``)."""

VERDICT_KEYS = ("verdict_reason", "verdict")
"""Optional keys: the verdict in words (a string, or a dict with ``reason``/``sentence``)."""

PLACEBO_FILE = Path("mirror_placebo") / "summary.json"
"""Where the mirror placebo check writes its summary, relative to the analyses folder."""

_INTERVAL_WORDS = re.compile(r"(\d+(?:\.\d+)?)% (equal-tailed|highest-density) interval")
_KIND_OF_WORD = {"equal-tailed": "eti", "highest-density": "hdi"}
_TIDY_ORDER = ["year", "estimate", "lower", "upper", "prob", "kind"]
_TIDY = set(_TIDY_ORDER)
_SHARE_NAMES = ("u", "share", "underreporting_share", "underreported_share")
_USD_NAMES = ("unrecorded_usd_m",)
_EXPORTS = ("exports_reported_usd_m", "exports_reported", "X_usd_m")
_IMPORTS = ("imports_reported_usd_m", "imports_reported", "M_usd_m")


@dataclass(frozen=True)
class HeadlineNotes:
    """The optional fields of ``headline.json`` beyond sentences and verdict (absent ones are ``None``).

    Attributes
    ----------
    estimand
        What the headline measures, in one sentence.
    percentile
        The pair's percentile among world pairs, as the record states it (a sentence or a number).
    verdict_reason
        Why the result is or is not citable, in words.
    """

    estimand: str | None = None
    percentile: str | None = None
    verdict_reason: str | None = None


@dataclass(frozen=True)
class Record:
    """One folder of outputs, read once: headline, provenance, diagnostics and optional notes.

    Attributes
    ----------
    output
        Headlines, table and figure paths, citable verdict.
    manifest
        Provenance, when the folder has a ``manifest.json``.
    diagnostics
        Parsed ``diagnostics.json`` (one gate dict, or fit name to gate dict), or ``None``.
    notes
        Optional headline fields.
    """

    output: AnalysisOutput
    manifest: Manifest | None
    diagnostics: dict[str, Any] | None
    notes: HeadlineNotes


def read_record(spec: AnalysisSpec, folder: Path) -> Record:
    """Read the outputs in ``folder`` (headline, manifest and diagnostics files)."""
    folder = Path(folder)
    raw = json.loads((folder / HEADLINE_FILE).read_text())
    manifest = load_manifest(folder / MANIFEST_FILE) if (folder / MANIFEST_FILE).is_file() else None
    diagnostics_path = folder / DIAGNOSTICS_FILE
    diagnostics = json.loads(diagnostics_path.read_text()) if diagnostics_path.is_file() else None
    notes = HeadlineNotes(
        estimand=_text(raw, ESTIMAND_KEYS, ("sentence", "text")),
        percentile=_text(raw, PERCENTILE_KEYS, ("sentence", "value")),
        verdict_reason=_text(raw, VERDICT_KEYS, ("reason", "sentence")) or _gate_verdict(diagnostics),
    )
    return Record(read_output(spec, folder), manifest, diagnostics, notes)


def _gate_verdict(diagnostics: Mapping[str, Any] | None) -> str | None:
    """A verdict in words from a single-fit ``diagnostics.json`` (not the bare word "citable")."""
    if not diagnostics or "fits" in diagnostics:
        return None
    verdict = _text(diagnostics, ("verdict",), ("reason", "sentence"))
    return None if verdict is None or verdict.strip().lower() == "citable" else verdict


def _text(raw: Mapping[str, Any], keys: Sequence[str], inner: Sequence[str]) -> str | None:
    for key in keys:
        value = raw.get(key)
        if isinstance(value, Mapping):
            value = next((value[k] for k in inner if value.get(k) not in (None, "")), None)
        if isinstance(value, float):
            return f"{value:g}"
        if value not in (None, "") and not isinstance(value, (bool, list, dict)):
            return str(value)
    return None


def headline_interval(sentences: Sequence[str]) -> list[tuple[float, str]]:
    """``(prob, kind)`` of every interval the headline sentences state, in order (e.g. ``(0.9, "eti")``)."""
    return [
        (float(number) / 100, _KIND_OF_WORD[word])
        for sentence in sentences
        for number, word in _INTERVAL_WORDS.findall(sentence)
    ]


_GATE_COLUMNS = ("verdict", "max_rhat", "min_ess_bulk", "min_ess_tail", "divergences")


def gate_payloads(diagnostics: Mapping[str, Any] | None) -> dict[str, Mapping[str, Any]]:
    """Fit name to gate dict from a ``diagnostics.json`` payload (one gate, per-fit gates, or ``{"fits": ...}``)."""
    if not diagnostics:
        return {}
    payload: Mapping[str, Any] = diagnostics.get("fits", diagnostics)
    if "verdict" in payload or "ok" in payload:
        return {"posterior": payload}
    return {str(name): value for name, value in payload.items() if isinstance(value, Mapping)}


def diagnostics_frame(diagnostics: Mapping[str, Any] | None) -> pd.DataFrame:
    """Flatten a ``diagnostics.json`` payload to one row per fit.

    Accepts a single gate dict (``Diagnostics.to_dict()``), a mapping of fit name to such dicts, or a
    mapping with a ``"fits"`` entry holding either. Fits with no gate (deterministic baselines) appear
    with their ``verdict`` or note as given.
    """
    fits = gate_payloads(diagnostics)
    if not fits:
        return pd.DataFrame(columns=["fit", *_GATE_COLUMNS])
    rows = []
    for name, gate in fits.items():
        row: dict[str, Any] = {"fit": name}
        if "verdict" not in gate and "ok" in gate:
            row["verdict"] = "citable" if gate["ok"] else "NOT citable: " + "; ".join(gate.get("reasons", []))
        for column in _GATE_COLUMNS:
            if column in gate:
                row[column] = gate[column]
        rows.append(row)
    frame = pd.DataFrame(rows)
    return frame.reindex(columns=["fit", *[c for c in _GATE_COLUMNS if c in frame.columns]])


def read_tables(output: AnalysisOutput) -> dict[str, pd.DataFrame]:
    """Every table the record lists, read from its CSV."""
    return {name: pd.read_csv(path) for name, path in output.tables.items()}


def _find(tables: Mapping[str, pd.DataFrame], needed: set[str]) -> tuple[str, pd.DataFrame] | None:
    return next(((name, frame) for name, frame in tables.items() if needed <= set(frame.columns)), None)


@dataclass(frozen=True)
class MirrorYears:
    """A mirror record's yearly numbers, in the report's own column names.

    Attributes
    ----------
    exporter, importer
        ISO3 codes of the pair.
    reported
        ``year``, ``exports_reported_usd_m``, ``imports_reported_usd_m`` (USD million; NaN where a side
        did not report).
    share, unrecorded
        Tidy intervals (``year, estimate, lower, upper, prob, kind``) of the underreporting share (0-1)
        and of unrecorded trade (USD million), every probability the record holds.
    source
        Name of the record table they came from.
    """

    exporter: str
    importer: str
    reported: pd.DataFrame
    share: pd.DataFrame
    unrecorded: pd.DataFrame
    source: str


def mirror_pair(spec: AnalysisSpec, manifest: Manifest | None) -> tuple[str, str]:
    """``(exporter, importer)`` ISO3 codes from the spec's ``[model]`` table, else from the manifest."""
    extra = manifest.extra if manifest is not None else {}
    exporter = spec.options.get("exporter") or extra.get("exporter") or "exporter"
    importer = spec.options.get("importer") or extra.get("importer") or "importer"
    return str(exporter), str(importer)


def mirror_years(
    spec: AnalysisSpec, manifest: Manifest | None, tables: Mapping[str, pd.DataFrame]
) -> MirrorYears | None:
    """The yearly share, unrecorded USD and both reports of a mirror record; ``None`` if it has no such table."""
    found = _find(tables, _TIDY | {"quantity"})
    if found is None:
        return None
    name, frame = found
    exports = next((c for c in _EXPORTS if c in frame.columns), None)
    imports = next((c for c in _IMPORTS if c in frame.columns), None)
    quantities = set(frame["quantity"])
    share_name = next((q for q in _SHARE_NAMES if q in quantities), None)
    if share_name is None or exports is None or imports is None:
        return None
    usd_name = next((q for q in _USD_NAMES if q in quantities), None)
    columns = _TIDY_ORDER
    reported = (
        frame[["year", exports, imports]]
        .drop_duplicates("year")
        .rename(columns={exports: "exports_reported_usd_m", imports: "imports_reported_usd_m"})
        .sort_values("year")
        .reset_index(drop=True)
    )
    share = frame.loc[frame["quantity"] == share_name, columns].reset_index(drop=True)
    unrecorded = frame.loc[frame["quantity"] == usd_name, columns].reset_index(drop=True)
    exporter, importer = mirror_pair(spec, manifest)
    return MirrorYears(exporter, importer, reported, share, unrecorded, name)


@dataclass(frozen=True)
class ForecastRecord:
    """A forecast record's predictive intervals and what the report shows next to them.

    Attributes
    ----------
    intervals
        Tidy: ``series, model, year, estimate, lower, upper, prob, kind`` (every probability recorded).
    source
        Name of the record table they came from.
    """

    intervals: pd.DataFrame
    source: str

    @property
    def series(self) -> list[str]:
        """Series names in the record's order."""
        return list(dict.fromkeys(self.intervals["series"]))


def forecast_record(tables: Mapping[str, pd.DataFrame]) -> ForecastRecord | None:
    """The predictive intervals of a forecast record; ``None`` if it has no such table."""
    found = _find(tables, _TIDY | {"series"})
    if found is None:
        return None
    name, frame = found
    if "parameter" in frame.columns:
        return None
    frame = frame.assign(model=frame["model"] if "model" in frame.columns else "")
    return ForecastRecord(frame[["series", "model", *_TIDY_ORDER]].reset_index(drop=True), name)


@dataclass(frozen=True)
class SeriesFacts:
    """What the bundled catalogue says about a forecast series.

    Attributes
    ----------
    title, unit
        For titles and axes (the name and ``""`` for a series not in the catalogue, e.g. a sum of components).
    history
        ``(years, values)`` observed, or ``None`` when the series is not bundled.
    """

    title: str
    unit: str
    history: tuple[pd.Series, pd.Series] | None


def series_facts(name: str, components: Sequence[str] = ()) -> SeriesFacts:
    """Title, unit and observed history of a bundled series (no fitting: the data files only).

    A series that is not bundled but is the sum of bundled ``components`` (a coherent total) gets
    their common unit and, as history, their sum in the years all of them report.
    """
    from borderflows import data

    catalog = data.list_series()
    row = catalog[catalog["name"] == name]
    if not row.empty:
        frame = data.series(name).to_frame()
        return SeriesFacts(str(row["title"].iloc[0]), str(row["unit"].iloc[0]), (frame["year"], frame["value"]))
    parts = [series_facts(component) for component in components]
    if not parts or any(part.history is None for part in parts):
        return SeriesFacts(name, "", None)
    units = {part.unit for part in parts}
    frames = [pd.Series(p.history[1].to_numpy(), index=p.history[0].to_numpy()) for p in parts if p.history]
    total = pd.concat(frames, axis=1, join="inner").sum(axis=1)
    heads = {part.title.rpartition(":")[0] for part in parts}  # "Table 3.3 ...: official" -> "Table 3.3 ..."
    shared = heads.pop() if len(heads) == 1 else ""
    title = f"{shared}: sum of {len(parts)} components" if shared else f"Sum of {len(parts)} components"
    history = (pd.Series(total.index), total.reset_index(drop=True))
    return SeriesFacts(title, units.pop() if len(units) == 1 else "", history)


@dataclass(frozen=True)
class ManifestFacts:
    """What the report takes from a manifest's ``extra`` beyond provenance (absent ones empty).

    Attributes
    ----------
    mode
        Mirror mode (``"world"``, ``"panel"``, ``"pair"``), from ``extra["mode"]`` or ``extra["spec"]["mode"]``.
    panel_pairs
        Other pairs a panel-mode mirror fit learned from.
    break_years
        Forecast series to the year its definition changed.
    signed
        Forecast series with a likelihood for values of either sign (net flows).
    total, components
        A forecast record's summed total and the series summed into it.
    """

    mode: str | None = None
    panel_pairs: int | None = None
    break_years: Mapping[str, int] = field(default_factory=dict)
    signed: tuple[str, ...] = ()
    total: str = ""
    components: tuple[str, ...] = ()


def manifest_facts(manifest: Manifest | None) -> ManifestFacts:
    """Read :class:`ManifestFacts` from a manifest (``None`` gives empty facts)."""
    extra: Mapping[str, Any] = manifest.extra if manifest is not None else {}
    spec: Mapping[str, Any] = extra.get("spec") or {}
    options: Mapping[str, Any] = extra.get("options") or {}
    pairs = extra.get("n_panel_pairs")
    return ManifestFacts(
        mode=str(extra.get("mode") or spec.get("mode") or "") or None,
        panel_pairs=int(pairs) if isinstance(pairs, (int, float)) else None,
        break_years={str(k): int(v) for k, v in (extra.get("break_years") or {}).items() if v is not None},
        signed=tuple(str(k) for k, v in (extra.get("likelihoods") or {}).items() if v == "signed"),
        total=str(options.get("total_name") or ""),
        components=tuple(options.get("components") or ()),
    )


@dataclass(frozen=True)
class PlaceboSummary:
    """What the mirror placebo check found, as its ``summary.json`` states it.

    Attributes
    ----------
    sentence
        Its summary sentence, when it has one.
    facts
        Other scalar fields as ``(label, value)`` pairs.
    path
        The file read.
    """

    sentence: str | None
    facts: tuple[tuple[str, str], ...]
    path: Path


PLACEBO_SENTENCE_KEYS = ("sentence", "summary", "headline", "verdict", "result")


def read_placebo(models: Path) -> PlaceboSummary | None:
    """The placebo summary under ``models`` (:data:`PLACEBO_FILE`), or ``None`` when it is not there or unreadable."""
    path = Path(models) / PLACEBO_FILE
    if not path.is_file():
        return None
    try:
        raw = json.loads(path.read_text())
    except ValueError:
        return None
    if not isinstance(raw, Mapping):
        return None
    sentence = _text(raw, PLACEBO_SENTENCE_KEYS, ("sentence", "text", "reason"))
    facts = tuple(
        (str(key).replace("_", " ").replace("pct", "%"), f"{value:.3g}" if isinstance(value, float) else str(value))
        for key, value in raw.items()
        if key not in PLACEBO_SENTENCE_KEYS and isinstance(value, (str, int, float)) and not isinstance(value, bool)
    )
    return PlaceboSummary(sentence, facts, path)


ATLAS_DIR = "world_atlas"
"""Sub-folder of the analyses folder that holds the world atlas the report shows."""


def find_atlas(models: Path) -> Atlas | None:
    """The atlas stored under ``models`` (:data:`ATLAS_DIR`), or ``None`` when there is none."""
    from borderflows.atlas import read_atlas

    try:
        return read_atlas(Path(models) / ATLAS_DIR)
    except OptionError:
        return None
