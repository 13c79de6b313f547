"""Find the analyses of record (``models/``) and the notebooks next to the package's source.

borderflows runs from a clone of its repository (``uv run borderflows report``): the package lives in
``src/borderflows`` and the analyses of record in ``models/`` at the repository root, the way the data
layer finds ``data/``. ``BORDERFLOWS_MODELS_DIR`` points elsewhere (tests, a user's own analyses).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from borderflows.exceptions import BorderflowsError
from borderflows.results.analysis import AnalysisSpec, load_spec

MODELS_ENV = "BORDERFLOWS_MODELS_DIR"
"""Environment variable that overrides where the analyses of record live."""

_PACKAGE_DIR = Path(__file__).resolve().parent.parent


def repo_root() -> Path:
    """The repository root holding ``src/borderflows`` (``pyproject.toml`` sits there).

    Raises
    ------
    BorderflowsError
        If the package is not running from a clone (e.g. an installed wheel).
    """
    candidate = _PACKAGE_DIR.parent.parent
    if _PACKAGE_DIR.parent.name == "src" and (candidate / "pyproject.toml").is_file():
        return candidate
    raise BorderflowsError(
        f"borderflows runs from {_PACKAGE_DIR}, not from a clone of its repository; the analyses of record "
        f"(models/) and notebooks ship with the repository. Clone it and use `uv run borderflows ...`, "
        f"or set {MODELS_ENV} to a folder of analyses"
    )


def models_dir() -> Path:
    """The folder holding ``<analysis_id>/spec.toml`` files.

    Raises
    ------
    BorderflowsError
        If the folder does not exist.
    """
    override = os.environ.get(MODELS_ENV)
    folder = Path(override) if override else repo_root() / "models"
    if not folder.is_dir():
        source = f"${MODELS_ENV}" if override else "the repository"
        raise BorderflowsError(f"no analyses folder at {folder} (from {source}); check the path or the clone")
    return folder


def notebooks_dir() -> Path:
    """The folder holding the jupytext notebook scripts (``notebooks/NN_name.py``)."""
    folder = repo_root() / "notebooks"
    if not folder.is_dir():
        raise BorderflowsError(f"no notebooks folder at {folder}; the notebooks ship with the repository clone")
    return folder


def discover_specs(folder: Path | None = None, only: Sequence[str] | None = None) -> list[AnalysisSpec]:
    """Parse every ``<folder>/*/spec.toml``, sorted by analysis id.

    Parameters
    ----------
    folder
        Where to look; default :func:`models_dir`.
    only
        Keep these analysis ids (in the order found); each must exist.

    Raises
    ------
    BorderflowsError
        If no analysis is found, an id in ``only`` is unknown, or a spec's id differs from its folder.
    """
    root = Path(folder) if folder is not None else models_dir()
    specs = [load_spec(path) for path in sorted(root.glob("*/spec.toml"))]
    for spec in specs:
        if spec.analysis_id != spec.folder.name:
            raise BorderflowsError(
                f"{spec.folder / 'spec.toml'}: id {spec.analysis_id!r} differs from its folder name "
                f"{spec.folder.name!r}; make them equal"
            )
    if not specs:
        raise BorderflowsError(f"no analyses found in {root} (expected <id>/spec.toml files)")
    if only:
        known = {spec.analysis_id for spec in specs}
        unknown = [name for name in only if name not in known]
        if unknown:
            choices = ", ".join(sorted(known))
            raise BorderflowsError(f"unknown analysis id(s) {', '.join(unknown)}; choose from {choices}")
        specs = [spec for spec in specs if spec.analysis_id in set(only)]
    return specs
