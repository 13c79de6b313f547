"""Provenance manifests: what produced a result, so it can be cited and regenerated.

A manifest records the model id, the random seed, the package and dependency versions, and a hash
of the input data. Saved results carry one; loading compares it and refuses a mismatch
(STYLE.md: "save/load refuses mismatches").
"""

from __future__ import annotations

import hashlib
import json
import platform
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from borderflows.exceptions import ResultsMismatchError

TRACKED_DEPENDENCIES = (
    "pymc",
    "pytensor",
    "arviz",
    "arviz-stats",
    "nutpie",
    "numpy",
    "pandas",
    "statsforecast",
    "statsmodels",
)


def package_version() -> str:
    """The installed borderflows version."""
    return metadata.version("borderflows")


def dependency_versions() -> dict[str, str]:
    """Versions of the libraries whose numerics shape our results."""
    versions = {"python": platform.python_version()}
    for name in TRACKED_DEPENDENCIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def data_hash(frame: pd.DataFrame) -> str:
    """A stable SHA-256 of a frame's values, index and column names.

    Row order matters (callers sort first); dtypes that hold the same numbers hash alike.
    """
    digest = hashlib.sha256()
    digest.update(json.dumps([str(c) for c in frame.columns]).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class Manifest:
    """Provenance of one result.

    Attributes
    ----------
    model_id
        Identifies the model structure, e.g. ``"mirror-gap/panel/v1"``.
    random_seed
        The seed the run used (resolved once, never global).
    data_hash
        :func:`data_hash` of the input the model saw.
    preset
        Sampler preset name (``"fast"`` or ``"full"``).
    package_version, dependencies
        Software that ran.
    created
        UTC timestamp (ISO 8601); informational, not compared on load.
    citable
        Whether the result may be cited (it passed its diagnostics gate, and whatever else the model requires).
    runs
        Fit name to what its sampler ran (:meth:`borderflows.config.SamplerPreset.to_dict`: preset,
        draws and warm-up per chain, chains, target acceptance, draw factor), as the traces record it
        (:func:`borderflows.sampling.run_of`); empty for models that do not sample.
    extra
        Model-specific settings worth recording (priors, options).
    """

    model_id: str
    random_seed: int
    data_hash: str
    preset: str
    citable: bool
    package_version: str = field(default_factory=package_version)
    dependencies: dict[str, str] = field(default_factory=dependency_versions)
    created: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    runs: dict[str, dict[str, Any]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return asdict(self)

    def write(self, path: Path) -> Path:
        """Write the manifest as pretty JSON and return the path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n")
        return path

    def check_matches(self, *, model_id: str, package_version: str | None = None) -> None:
        """Raise :class:`ResultsMismatchError` unless this manifest came from ``model_id``.

        Parameters
        ----------
        model_id
            The model the caller wants to load into.
        package_version
            The package version the caller runs; defaults to the installed one.
        """
        wanted_version = package_version or globals()["package_version"]()
        if self.model_id != model_id:
            raise ResultsMismatchError(
                f"saved result is from model {self.model_id!r}, not {model_id!r}; refit with the current model"
            )
        if self.package_version != wanted_version:
            raise ResultsMismatchError(
                f"saved result is from borderflows {self.package_version}, this is {wanted_version}; "
                "refit to regenerate it"
            )


def load_manifest(path: Path) -> Manifest:
    """Read a manifest written by :meth:`Manifest.write` (older ones, without ``runs``, too)."""
    raw = json.loads(Path(path).read_text())
    return Manifest(**raw)
