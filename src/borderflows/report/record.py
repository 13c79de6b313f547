"""Is a folder of committed outputs still the result of the current data and code?

An analysis's outputs are reused only when its ``manifest.json`` records the same input hash
(``input_hash(spec)`` of the model package), the same borderflows version and the same seed as now,
and every file its ``headline.json`` lists is present. Anything else means refit.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from borderflows.exceptions import BorderflowsError
from borderflows.results.analysis import HEADLINE_FILE, MANIFEST_FILE, AnalysisOutput, AnalysisSpec
from borderflows.results.manifest import load_manifest, package_version

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
