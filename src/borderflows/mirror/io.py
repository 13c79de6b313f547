"""A mirror fit's folder: draws, inputs and manifest written, and read back refusing a different model or version.

:meth:`MirrorGapResults.save <borderflows.mirror.results.MirrorGapResults.save>` writes through :func:`write`;
:func:`borderflows.mirror.spec.load` reads through :func:`read` and makes the results again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from borderflows.diagnostics.gate import Diagnostics, GateThresholds
from borderflows.exceptions import ResultsMismatchError
from borderflows.mirror.identification import Identification
from borderflows.mirror.inputs import EvidenceTerms, Exclusion, MirrorData, OffsetPrior
from borderflows.mirror.options import MirrorOptions
from borderflows.results.manifest import Manifest, load_manifest

GROUPS = ("posterior", "sample_stats")
"""Saved groups, one NetCDF file each (``posterior.nc``, ``sample_stats.nc``)."""
INPUTS_FILE = "inputs.json"
MANIFEST_FILE = "manifest.json"


def _inputs_to_json(data: MirrorData) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in MirrorData.__dataclass_fields__:
        value = getattr(data, name)
        if isinstance(value, np.ndarray):
            listed = value.tolist()
            if value.dtype.kind == "f":
                listed = [None if np.isnan(v) else v for v in listed]
            out[name] = {"dtype": str(value.dtype), "values": listed}
        elif name == "excluded":
            out[name] = [vars(e) for e in value]
        elif name in ("evidence", "offset"):
            out[name] = None if value is None else {k: _plain(getattr(value, k)) for k in vars(value)}
        else:
            out[name] = _plain(value)
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, tuple):
        return list(value)
    return value


def _inputs_from_json(raw: dict[str, Any]) -> MirrorData:
    kwargs: dict[str, Any] = {}
    for name, value in raw.items():
        if isinstance(value, dict) and "dtype" in value:
            kwargs[name] = np.asarray([np.nan if v is None else v for v in value["values"]], dtype=value["dtype"])
        elif name == "excluded":
            kwargs[name] = tuple(Exclusion(**e) for e in value)
        elif name == "evidence":
            kwargs[name] = (
                None
                if value is None
                else EvidenceTerms(
                    ids=tuple(value["ids"]),
                    measure=tuple(value["measure"]),
                    relation=tuple(value["relation"]),
                    value=np.asarray(value["value"], dtype=float),
                    statement=np.asarray(value["statement"], dtype=np.int64),
                    year_idx=np.asarray(value["year_idx"], dtype=np.int64),
                    skipped=tuple(value["skipped"]),
                )
            )
        elif name == "offset":
            arrays = {k: np.asarray(value[k], dtype=float) for k in ("margin", "reporters", "covariates")}
            kwargs[name] = OffsetPrior(**{**value, **arrays})
        elif isinstance(value, list):
            kwargs[name] = tuple(value)
        else:
            kwargs[name] = value
    return MirrorData(**kwargs)


@dataclass(frozen=True)
class SavedFit:
    """What a results folder holds, read back: the spec's fields as written by
    :meth:`~borderflows.mirror.options.MirrorOptions.to_dict`, the draws, the inputs, the manifest and the
    gate's and the identification check's verdicts."""

    spec: dict[str, Any]
    idata: xr.DataTree
    data: MirrorData
    manifest: Manifest
    diagnostics: Diagnostics
    identification: Identification


def write(path: Path, *, idata: xr.DataTree, data: MirrorData, manifest: Manifest) -> Path:
    """Write ``posterior.nc``, ``sample_stats.nc``, ``inputs.json`` and ``manifest.json`` into the folder ``path``."""
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    # One NetCDF3 file per group through scipy: the locked environment has neither netCDF4 nor
    # h5netcdf, which DataTree's grouped NetCDF4 files need.
    for group in GROUPS:
        dataset = idata[group].to_dataset().copy()
        dataset.attrs = {}  # sampler attributes hold arrays of strings that NetCDF3 cannot store
        for name in dataset.variables:
            dataset[name].attrs = {}
        dataset.to_netcdf(folder / f"{group}.nc", engine="scipy")
    (folder / INPUTS_FILE).write_text(json.dumps(_inputs_to_json(data)) + "\n")
    manifest.write(folder / MANIFEST_FILE)
    return folder


def read(path: Path, model_id: str | None = None) -> SavedFit:
    """Read a folder written by :func:`write`, refusing another model (``model_id``; default: the current
    version of the saved mode) or package version.

    Raises
    ------
    ResultsMismatchError
        If the folder holds a different model, an older model version or another package version.
    """
    folder = Path(path)
    if not (folder / MANIFEST_FILE).is_file():
        raise ResultsMismatchError(f"{folder} holds no {MANIFEST_FILE}; it was not written by MirrorGapResults.save")
    manifest = load_manifest(folder / MANIFEST_FILE)
    extra = manifest.extra
    if "spec" not in extra:
        raise ResultsMismatchError(f"{folder} was written by an older mirror model (no spec in its manifest); refit it")
    manifest.check_matches(model_id=model_id or MirrorOptions.from_dict(extra["spec"]).model_id)
    tree = xr.DataTree()
    for group in GROUPS:
        with xr.open_dataset(folder / f"{group}.nc", engine="scipy") as dataset:
            tree[group] = xr.DataTree(dataset.load())
    data = _inputs_from_json(json.loads((folder / INPUTS_FILE).read_text()))
    diag = dict(extra["diagnostics"])
    thresholds = GateThresholds(**diag.pop("thresholds"))
    diag.pop("verdict", None)
    diag["ebfmi"] = tuple(diag["ebfmi"])
    diag["reasons"] = tuple(diag["reasons"])
    ident = extra["identification"]
    identification = Identification(
        year=int(ident["year"]),
        identified=bool(ident["identified"]),
        lower=float(ident["lower"]),
        sd_ratio=float(ident["sd_ratio"]),
        reason=str(ident["reason"]),
        identified_years=tuple(int(y) for y in ident.get("identified_years", ())),
        # Records written before the Monte Carlo margin (session 12) decided every year.
        decided=bool(ident.get("decided", True)),
        lower_mcse=float(ident.get("lower_mcse", float("nan"))),
        sd_ratio_mcse=float(ident.get("sd_ratio_mcse", float("nan"))),
        undecided_years=tuple(int(y) for y in ident.get("undecided_years", ())),
    )
    return SavedFit(
        spec=dict(extra["spec"]),
        idata=tree,
        data=data,
        manifest=manifest,
        diagnostics=Diagnostics(**diag, thresholds=thresholds),
        identification=identification,
    )
