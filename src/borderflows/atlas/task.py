"""One atlas task: fit one pair exactly as ``borderflows mirror`` does and turn the fit into rows.

This module runs on the workers. It holds no state of its own; the compiled graphs live in
:mod:`borderflows.sampling`'s per-process cache, so each worker compiles a graph shape once (one per grid
length and set of known coverage steps) and reuses it for every later pair.
"""

from __future__ import annotations

import hashlib
import time
import traceback
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from borderflows.config import DEFAULT_KIND, DEFAULT_PROB

if TYPE_CHECKING:
    from borderflows.data import MirrorPair
    from borderflows.mirror.results import MirrorGapResults
    from borderflows.mirror.world import WorldPosterior

PROB = DEFAULT_PROB
"""Interval probability of every atlas row (equal-tailed), as in the single-pair headline."""


@dataclass(frozen=True)
class AtlasJob:
    """What one pair's fit depends on besides its data.

    Attributes
    ----------
    exporter, importer
        ISO3 codes.
    seed
        The pair's own seed (:func:`pair_seed`), so a pair's result does not depend on which others run.
    preset
        Sampler preset.
    years
        Year range of the fit (the world panel's, 1995-2020, by default).
    """

    exporter: str
    importer: str
    seed: int
    preset: str
    years: tuple[int, int]

    @property
    def key(self) -> str:
        """File-name key of the pair, e.g. ``"CHN_KAZ"``."""
        return f"{self.exporter}_{self.importer}"


def pair_seed(seed: int, exporter: str, importer: str) -> int:
    """The seed of one pair's fit: the atlas seed and the pair's codes mixed (stable across runs and machines)."""
    mixed = np.random.SeedSequence([int(seed), zlib.crc32(exporter.encode()), zlib.crc32(importer.encode())])
    return int(mixed.generate_state(1)[0])


def input_hash(pair: MirrorPair, job: AtlasJob, world_hash: str) -> str:
    """Hash of everything a pair's rows depend on: its data, the world posterior (its
    :attr:`~borderflows.mirror.world.WorldPosterior.fingerprint`), years and preset."""
    text = "|".join([pair.data_hash, world_hash, f"{job.years[0]}-{job.years[1]}", job.preset])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def model_id(world: WorldPosterior) -> str:
    """Model id of atlas rows: the pair model's and the world model's."""
    from borderflows.mirror.spec import MirrorGap

    return f"{MirrorGap().model_id}+{world.manifest['model_id']}"


@dataclass(frozen=True)
class PairOutcome:
    """One pair's rows: ``years`` (one per pair-year; empty when the fit failed) and its ``summary`` row."""

    years: pd.DataFrame
    summary: dict[str, Any]


def stamp(job: AtlasJob, world: WorldPosterior, hashed: str) -> dict[str, Any]:
    """The columns every row of a pair carries: codes, model id, input hash, seed and preset."""
    return {
        "exporter": job.exporter,
        "importer": job.importer,
        "model_id": model_id(world),
        "input_hash": hashed,
        "seed": job.seed,
        "preset": job.preset,
    }


def failed(
    stamped: dict[str, Any], error: BaseException, *, trace: str = "", seconds: float = float("nan")
) -> PairOutcome:
    """A pair that could not be fitted: no year rows, a summary row with ``status="failed"`` and the error."""
    summary = {**stamped, "status": "failed", "error": f"{type(error).__name__}: {error}", "traceback": trace}
    return PairOutcome(years=pd.DataFrame(), summary={**summary, "seconds": seconds})


def fit_job(pair: MirrorPair, world: WorldPosterior, job: AtlasJob) -> PairOutcome:
    """Fit one pair as ``borderflows mirror E I --years A-B --seed S --preset P`` does; never raises.

    An error of the pair's data or fit becomes a summary row with ``status="failed"`` and the error, so
    a pair that cannot be fitted is recorded, not dropped.
    """
    import warnings

    from borderflows.mirror.spec import MirrorGap

    started = time.perf_counter()
    stamped = stamp(job, world, input_hash(pair, job, world.fingerprint))
    try:
        with warnings.catch_warnings():
            # The verdict is in the rows (citable, reason); one warning per pair would flood the log.
            warnings.simplefilter("ignore")
            results = MirrorGap(years=job.years).fit(pair, random_seed=job.seed, preset=job.preset, world=world)
    except Exception as error:  # a failing pair is recorded with its error, never dropped
        return failed(stamped, error, trace=traceback.format_exc(limit=5), seconds=time.perf_counter() - started)
    years = year_rows(results)
    for column, value in stamped.items():
        years[column] = value
    summary = {**stamped, **summary_fields(results), "seconds": time.perf_counter() - started}
    return PairOutcome(years=years, summary=summary)


def year_rows(results: MirrorGapResults) -> pd.DataFrame:
    """One row per year: the share and unrecorded USD with 90% equal-tailed intervals, citable and why."""
    from borderflows.mirror.identification import year_verdicts

    tidy = results.interval(prob=PROB, kind=DEFAULT_KIND, quantities=("u", "unrecorded_usd_m"))
    wide = tidy.pivot(index="year", columns="quantity", values=["estimate", "lower", "upper"])
    verdicts = year_verdicts(results.idata, results.data).set_index("year")
    converged = results.diagnostics.ok
    frame = pd.DataFrame(
        {
            "year": wide.index.astype(int),
            "exports_reported_usd_m": results.data.x_reported,
            "imports_reported_usd_m": results.data.m_reported,
            "share_median": wide[("estimate", "u")].to_numpy(),
            "share_lower": wide[("lower", "u")].to_numpy(),
            "share_upper": wide[("upper", "u")].to_numpy(),
            "unrecorded_usd_m_median": wide[("estimate", "unrecorded_usd_m")].to_numpy(),
            "unrecorded_usd_m_lower": wide[("lower", "unrecorded_usd_m")].to_numpy(),
            "unrecorded_usd_m_upper": wide[("upper", "unrecorded_usd_m")].to_numpy(),
            "prob": PROB,
            "kind": str(tidy["kind"].iloc[0]),
        }
    )
    identified = verdicts.loc[frame["year"], "identified"].to_numpy()
    frame["citable"] = converged & identified
    frame["reason"] = np.where(
        converged, verdicts.loc[frame["year"], "reason"].to_numpy(), f"not converged: {results.diagnostics.verdict}"
    )
    return frame


def summary_fields(results: MirrorGapResults) -> dict[str, Any]:
    """The pair's headline year, its share with interval, verdicts, world percentile and the gate's figures."""
    ident = results.identification
    position = int(np.flatnonzero(results.years == ident.year)[0])
    u = results.u_draws[:, position]
    lower, median, upper = (float(q) for q in np.quantile(u, [(1 - PROB) / 2, 0.5, (1 + PROB) / 2]))
    gate = results.diagnostics
    return {
        "status": "ok",
        "error": "",
        "traceback": "",
        "headline_year": ident.year,
        "share_median": median,
        "share_lower": lower,
        "share_upper": upper,
        "prob": PROB,
        "kind": DEFAULT_KIND,
        "converged": gate.ok,
        "identified": ident.identified,
        "citable": results.citable,
        "reason": results.verdict,
        "identified_years": ",".join(str(y) for y in ident.identified_years),
        # NaN, not None, for a pair outside the world panel: one dtype in every stored row.
        "world_percentile": float("nan") if results.percentile is None else float(results.percentile),
        "walk": results.spec.walk,
        "max_rhat": gate.max_rhat,
        "min_ess_bulk": gate.min_ess_bulk,
        "divergences": int(gate.divergences),
    }
