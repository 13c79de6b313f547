"""Turn a mirror pair, a DOTS panel and evidence statements into the arrays the model reads.

:class:`MirrorData` is the single input of :func:`borderflows.mirror.model.build_model`. It is a
plain frozen dataclass of numpy arrays so that simulation studies can build one directly
(:mod:`borderflows.mirror.simulate`) and swap observed values into a compiled model
(:meth:`MirrorData.data_values`, two ``pm.Data`` containers).

Only independent reports enter the likelihood: rows the source marks as not usable (IMF estimates,
values derived from the partner's figure) are dropped and counted in ``excluded``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd

from borderflows.exceptions import DataValidationError

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

MEASURES = ("gap_usd_m", "gap_share_of_exports", "gap_share_of_imports", "ratio_exports_to_imports")
RELATIONS = ("eq", "approx", "gt", "lt")


class PairLike(Protocol):
    """What the model needs from :class:`borderflows.data.MirrorPair` (contract in the data layer)."""

    @property
    def exporter(self) -> str: ...

    @property
    def importer(self) -> str: ...

    @property
    def table(self) -> pd.DataFrame: ...


@dataclass(frozen=True)
class Exclusion:
    """One report kept out of the likelihood, and why."""

    year: int
    flow: str
    reporter: str
    partner: str
    reason: str


@dataclass(frozen=True)
class EvidenceTerms:
    """Published gap statements as likelihood terms.

    Each statement ``k`` has candidate years ``year_idx[j]`` for the rows ``j`` with
    ``statement[j] == k``, mixed with equal weights.
    """

    ids: tuple[str, ...]
    measure: tuple[str, ...]
    relation: tuple[str, ...]
    value: FloatArray
    statement: IntArray
    year_idx: IntArray
    skipped: tuple[str, ...] = ()

    @property
    def n(self) -> int:
        """Number of statements that enter the likelihood."""
        return len(self.ids)


@dataclass(frozen=True)
class OffsetPrior:
    """Prior of the pair's persistent log mirror ratio ``c`` under no shortfall, and where it came from.

    ``c ~ StudentT(nu, loc, scale)``. From the world panel, ``loc`` is the mean of the world's prediction
    ``mu`` for a pair like this one and ``scale`` adds ``mu``'s uncertainty to the world's ``pair_sd``.

    Attributes
    ----------
    loc, scale
        Location and scale of the Student-t.
    source
        ``"world"`` (learned from the world panel) or ``"priors"`` (pair mode: margin and reporter-bias
        priors plus the prior pair spread; outputs say the answer leans on them).
    margin, reporters, covariates
        Draws of the parts of ``mu``: log(1 + tau), b_imp[i] - b_exp[e], and the covariates' effect.
    pair_sd, nu
        Spread (of pairs of this size) and tail degrees of freedom of pairs around their prediction (world
        posterior medians).
    drift_sd
        Per-year random-walk sd of the pair's own ratio around ``c``: how fast comparable pairs' mirror
        ratios drift in the world panel (:class:`~borderflows.mirror.world.DriftScale`).
    residual, percentile
        The pair's own world-panel mean log ratio minus ``mu``, and the share (%) of the world's pairs
        below it; ``None`` when the pair is not in the world panel.
    """

    loc: float
    scale: float
    source: str
    margin: FloatArray
    reporters: FloatArray
    covariates: FloatArray
    pair_sd: float
    nu: float
    drift_sd: float
    residual: float | None = None
    percentile: float | None = None

    def to_frame(self) -> pd.DataFrame:
        """One row: where the prior comes from, its location, scale, tails, the drift sd and the pair's percentile."""
        return pd.DataFrame(
            [
                {
                    "source": self.source,
                    "loc": self.loc,
                    "scale": self.scale,
                    "nu": self.nu,
                    "pair_sd": self.pair_sd,
                    "drift_sd_per_year": self.drift_sd,
                    "world_percentile": self.percentile,
                }
            ]
        )


def prior_offset(n_draws: int = 4000, seed: int = 0) -> OffsetPrior:
    """The offset prior from the margin and reporter-bias priors alone (pair mode)."""
    from borderflows.mirror import priors

    rng = np.random.default_rng(seed)
    margin = rng.normal(priors.MARGIN_LOG_CENTRE, priors.MARGIN_SD, n_draws)
    reporters = rng.normal(0.0, priors.REPORTER_BIAS_SCALE * math.sqrt(2.0), n_draws)
    spread = priors.PAIR_EFFECT_SCALE
    scale = math.sqrt(priors.MARGIN_SD**2 + 2 * priors.REPORTER_BIAS_SCALE**2 + spread**2)
    return OffsetPrior(
        loc=priors.MARGIN_LOG_CENTRE,
        scale=scale,
        source="priors",
        margin=margin,
        reporters=reporters,
        covariates=np.zeros(n_draws),
        pair_sd=spread,
        nu=priors.OFFSET_NU,
        drift_sd=priors.PAIR_DRIFT_SD,
    )


@dataclass(frozen=True)
class MirrorData:
    """Arrays for one fit of the mirror-gap model.

    Attributes
    ----------
    exporter, importer
        ISO3 codes of the target pair (goods flow from exporter to importer).
    years
        Every year the model reports, consecutive.
    x_idx, log_x
        Positions in ``years`` and log values (USD m) of the exporter's usable reports X (FOB).
    m_idx, log_m
        Same for the importer's usable reports M (CIF).
    offset
        The prior of the pair's persistent log mirror ratio (from the world panel, or from priors).
    steps
        Years where a reporter's coverage changed (:data:`~borderflows.mirror.priors.KNOWN_STEPS`): the log
        mirror ratio may step there.
    excluded
        Reports left out of the likelihood because they are not independent.
    evidence
        Statement terms, or ``None`` when evidence is off.
    x_reported, m_reported
        Reported values on the ``years`` grid (NaN where missing or excluded), for tables.
    """

    exporter: str
    importer: str
    years: IntArray
    x_idx: IntArray
    log_x: FloatArray
    m_idx: IntArray
    log_m: FloatArray
    offset: OffsetPrior = field(default_factory=lambda: prior_offset())
    steps: tuple[int, ...] = ()
    excluded: tuple[Exclusion, ...] = ()
    evidence: EvidenceTerms | None = None
    x_reported: FloatArray = field(default_factory=lambda: np.zeros(0))
    m_reported: FloatArray = field(default_factory=lambda: np.zeros(0))

    @property
    def n_years(self) -> int:
        """Length of the year grid."""
        return len(self.years)

    @property
    def n_excluded(self) -> int:
        """How many reports were left out as not independent."""
        return len(self.excluded)

    @property
    def x_mask(self) -> FloatArray:
        """1.0 in the years with a usable exporter report, 0.0 elsewhere (length ``n_years``)."""
        return _mask(self.n_years, self.x_idx)

    @property
    def m_mask(self) -> FloatArray:
        """1.0 in the years with a usable importer report, 0.0 elsewhere (length ``n_years``)."""
        return _mask(self.n_years, self.m_idx)

    def structure_key(self) -> tuple[Any, ...]:
        """Everything that fixes the shape of the model graph (same key: a compiled model can be reused).

        Which years carry a report is data (masks), not structure, so every pair with the same grid
        length, coverage steps and evidence shares one compiled graph (the atlas relies on this).
        """
        ev: tuple[Any, ...] = ()
        if self.evidence is not None:
            ev = (
                self.evidence.measure,
                self.evidence.relation,
                tuple(self.evidence.statement.tolist()),
                tuple(self.evidence.year_idx.tolist()),
            )
        return (self.n_years, self.steps, ev)

    def named_inputs(self) -> dict[str, FloatArray]:
        """Every model input but the importer's reports, by name (the pieces of :data:`PACKED_INPUTS`).

        Reports are full-length vectors on the year grid with a mask (0.0 where a report is missing), and the
        offset prior's location and scale are data too, so one compiled graph serves every pair of the same
        shape.
        """
        values: dict[str, FloatArray] = {
            "x_mask": self.x_mask,
            "log_x": _on_grid(self.n_years, self.x_idx, self.log_x),
            "m_mask": self.m_mask,
            "offset_loc": np.asarray(self.offset.loc, dtype=float),
            "offset_scale": np.asarray(self.offset.scale, dtype=float),
            "offset_nu": np.asarray(self.offset.nu, dtype=float),
            "drift_sd": np.asarray(self.offset.drift_sd, dtype=float),
        }
        if self.evidence is not None and self.evidence.n:
            values["evidence_value"] = np.asarray(self.evidence.value, dtype=float)
        return values

    def data_values(self) -> dict[str, FloatArray]:
        """Values of the model's two ``pm.Data`` containers (for ``compiled.with_data``).

        ``log_m`` holds the importer's log reports on the year grid (0.0 where missing; it is the observed
        variable's data, which SBC swaps), and :data:`PACKED_INPUTS` every other input in the order of
        :func:`input_layout`.
        """
        named = self.named_inputs()
        layout, size = input_layout(self.n_years, len(named.get("evidence_value", ())))
        packed = np.empty(size)
        for name, where in layout.items():
            packed[where] = named[name]
        return {"log_m": _on_grid(self.n_years, self.m_idx, self.log_m), PACKED_INPUTS: packed}

    def with_observed(self, log_x: FloatArray, log_m: FloatArray) -> MirrorData:
        """A copy with new observed values at the same positions (for simulation studies)."""
        return replace(self, log_x=np.asarray(log_x, dtype=np.float64), log_m=np.asarray(log_m, dtype=np.float64))


PACKED_INPUTS = "mirror_inputs"
"""Name of the ``pm.Data`` vector that holds every model input but the importer's reports.

One container instead of eight: nutpie compiles a data-extraction function per container into each compiled model,
and those wrappers are the part of a compile that no disk cache keeps (measured 2026-12-05: the fresh-process
compile of USA->CAN falls from about 11 s to about 8 s; benchmarks/RESULTS.md, session 11)."""

VECTOR_INPUTS = ("x_mask", "log_x", "m_mask")
SCALAR_INPUTS = ("offset_loc", "offset_scale", "offset_nu", "drift_sd")


def input_layout(n_years: int, n_evidence: int) -> tuple[dict[str, slice | int], int]:
    """Where each named input sits in the :data:`PACKED_INPUTS` vector, and the vector's length.

    Vectors on the year grid (:data:`VECTOR_INPUTS`) come first, then the scalars (:data:`SCALAR_INPUTS`, as
    integer positions), then ``evidence_value`` when there are evidence statements.
    """
    layout: dict[str, slice | int] = {}
    for k, name in enumerate(VECTOR_INPUTS):
        layout[name] = slice(k * n_years, (k + 1) * n_years)
    start = len(VECTOR_INPUTS) * n_years
    for k, name in enumerate(SCALAR_INPUTS):
        layout[name] = start + k
    start += len(SCALAR_INPUTS)
    if n_evidence:
        layout["evidence_value"] = slice(start, start + n_evidence)
    return layout, start + n_evidence


def _mask(n_years: int, idx: IntArray) -> FloatArray:
    mask = np.zeros(n_years)
    mask[idx] = 1.0
    return mask


def _on_grid(n_years: int, idx: IntArray, values: FloatArray) -> FloatArray:
    """``values`` at positions ``idx`` of a zero vector of length ``n_years``."""
    full = np.zeros(n_years)
    full[idx] = values
    return full


def _year_grid(table: pd.DataFrame, years: tuple[int, int] | None, first_year: int | None = None) -> IntArray:
    if years is not None:
        first, last = int(years[0]), int(years[1])
    else:
        have = table.loc[table["exports_reported"].notna() | table["imports_reported"].notna(), "year"]
        if first_year is not None:
            have = have[have >= first_year]
        if have.empty:
            raise DataValidationError(
                "the mirror pair has no reported value in any year",
                column="exports_reported",
                fix="check the pair's codes, or pass a frame with values",
            )
        first, last = int(have.min()), int(have.max())
    if last - first < 2:
        raise DataValidationError(
            f"the year range {first}-{last} is too short for a model of change over time",
            column="year",
            fix="use at least three consecutive years",
        )
    return np.arange(first, last + 1, dtype=np.int64)


def pair_arrays(
    pair: PairLike, years: tuple[int, int] | None = None, first_year: int | None = None
) -> tuple[IntArray, IntArray, FloatArray, IntArray, FloatArray, list[Exclusion], FloatArray, FloatArray]:
    """Usable exporter and importer reports of the target pair on a consecutive year grid.

    The grid is ``years``, or every year with a report (from ``first_year`` on, when given).

    Returns
    -------
    tuple
        ``(years, x_idx, log_x, m_idx, log_m, excluded, x_reported, m_reported)``.
    """
    table = pair.table.sort_values("year")
    grid = _year_grid(table, years, first_year)
    position = {int(y): i for i, y in enumerate(grid)}
    x_idx: list[int] = []
    log_x: list[float] = []
    m_idx: list[int] = []
    log_m: list[float] = []
    x_rep = np.full(len(grid), np.nan)
    m_rep = np.full(len(grid), np.nan)
    excluded: list[Exclusion] = []
    row: Any
    for row in table.itertuples(index=False):
        year = int(row.year)
        if year not in position:
            continue
        for flow, value, usable, reporter, partner, idx, logs, rep in (
            ("exports", row.exports_reported, row.exports_usable, pair.exporter, pair.importer, x_idx, log_x, x_rep),
            ("imports", row.imports_reported, row.imports_usable, pair.importer, pair.exporter, m_idx, log_m, m_rep),
        ):
            if value is None or not np.isfinite(value):
                continue
            if not bool(usable):
                excluded.append(Exclusion(year, flow, reporter, partner, "not an independent report"))
                continue
            if value <= 0:
                raise DataValidationError(
                    f"{flow} reported by {reporter} must be positive to enter a log-scale model",
                    column=f"{flow}_reported",
                    rows=[year],
                    fix="drop the year or mark the value as not usable",
                )
            idx.append(position[year])
            logs.append(math.log(float(value)))
            rep[position[year]] = float(value)
    if not x_idx and not m_idx:
        raise DataValidationError(
            "no usable report of either side in the requested years",
            column="exports_usable",
            fix="widen the years or check which rows are flagged as not usable",
        )
    return (
        grid,
        np.asarray(x_idx, dtype=np.int64),
        np.asarray(log_x, dtype=np.float64),
        np.asarray(m_idx, dtype=np.int64),
        np.asarray(log_m, dtype=np.float64),
        excluded,
        x_rep,
        m_rep,
    )


def evidence_terms(
    statements: pd.DataFrame,
    exporter: str,
    importer: str,
    years: IntArray,
    reported_years: frozenset[int] = frozenset(),
) -> EvidenceTerms:
    """Select the statements that add information about the whole flow and map their years to the grid.

    Every supported measure (a gap in USD, a gap share, a ratio) is a function of the two reports of its
    year. A statement whose candidate years all have both reports in the likelihood restates them ("nearly
    $13bn" in 2024 is 27.95 - 15.15) and would count the same data twice, so it never enters; only
    statements about years where a report is missing add information. Statements about one product,
    another pair, an unknown measure or years outside the grid are skipped too, each with a reason in
    ``skipped``.

    Parameters
    ----------
    statements
        Evidence frame (:func:`borderflows.data.evidence` columns).
    exporter, importer
        The pair.
    years
        The model's year grid.
    reported_years
        Years in which both the exporter's and the importer's usable reports enter the likelihood.
    """
    ids: list[str] = []
    measure: list[str] = []
    relation: list[str] = []
    value: list[float] = []
    statement: list[int] = []
    year_idx: list[int] = []
    skipped: list[str] = []
    first, last = int(years[0]), int(years[-1])
    row: Any
    for row in statements.itertuples(index=False):
        sid = str(row.id)
        if str(row.exporter) != exporter or str(row.importer) != importer:
            continue
        if str(getattr(row, "product", "all")) != "all":
            skipped.append(f"{sid}: about {row.product}, not the whole flow")
            continue
        if row.measure not in MEASURES or row.relation not in RELATIONS:
            skipped.append(f"{sid}: unsupported measure/relation {row.measure}/{row.relation}")
            continue
        y_min = int(row.year_min) if pd.notna(row.year_min) else int(row.year)
        y_max = int(row.year_max) if pd.notna(row.year_max) else int(row.year)
        candidates = [y for y in range(y_min, y_max + 1) if first <= y <= last]
        if not candidates:
            skipped.append(f"{sid}: year {y_min}-{y_max} outside the modelled years {first}-{last}")
            continue
        if all(y in reported_years for y in candidates):
            skipped.append(f"{sid}: restates both reports of {y_min}-{y_max}, already in the likelihood")
            continue
        if not np.isfinite(float(row.value)) or (row.measure == "gap_usd_m" and float(row.value) == 0):
            skipped.append(f"{sid}: value {row.value!r} cannot carry a relative uncertainty")
            continue
        k = len(ids)
        ids.append(sid)
        measure.append(str(row.measure))
        relation.append(str(row.relation))
        value.append(float(row.value))
        for y in candidates:
            statement.append(k)
            year_idx.append(y - first)
    return EvidenceTerms(
        ids=tuple(ids),
        measure=tuple(measure),
        relation=tuple(relation),
        value=np.asarray(value, dtype=float),
        statement=np.asarray(statement, dtype=np.int64),
        year_idx=np.asarray(year_idx, dtype=np.int64),
        skipped=tuple(skipped),
    )


def known_steps(exporter: str, importer: str, years: IntArray) -> tuple[int, ...]:
    """Known coverage steps of the pair's two reporters strictly inside the year grid."""
    from borderflows.mirror.priors import KNOWN_STEPS

    wanted = set(KNOWN_STEPS.get(("exports", exporter), ())) | set(KNOWN_STEPS.get(("imports", importer), ()))
    return tuple(sorted(y for y in wanted if years[0] < y <= years[-1]))


def build_inputs(
    pair: PairLike,
    *,
    offset: OffsetPrior | None = None,
    statements: pd.DataFrame | None = None,
    years: tuple[int, int] | None = None,
    first_year: int | None = None,
) -> MirrorData:
    """Assemble :class:`MirrorData` for a pair, with its offset prior and optionally evidence statements.

    Parameters
    ----------
    pair
        The target pair (a :class:`borderflows.data.MirrorPair`).
    offset
        Prior of the pair's persistent log mirror ratio; ``None`` uses :func:`prior_offset` (pair mode).
    statements
        Evidence statements (``borderflows.data.evidence()`` columns); ``None`` to leave them out.
    years
        Inclusive year range of the target pair; default the range with any report.
    first_year
        With ``years=None``, the earliest year to keep.
    """
    exporter, importer = str(pair.exporter), str(pair.importer)
    grid, x_idx, log_x, m_idx, log_m, excluded, x_rep, m_rep = pair_arrays(pair, years, first_year)
    evidence = None
    if statements is not None:
        both = frozenset(int(grid[k]) for k in np.intersect1d(x_idx, m_idx))
        evidence = evidence_terms(statements, exporter, importer, grid, reported_years=both)
    return MirrorData(
        exporter=exporter,
        importer=importer,
        years=grid,
        x_idx=x_idx,
        log_x=log_x,
        m_idx=m_idx,
        log_m=log_m,
        offset=prior_offset() if offset is None else offset,
        steps=known_steps(exporter, importer, grid),
        excluded=tuple(excluded),
        evidence=evidence,
        x_reported=x_rep,
        m_reported=m_rep,
    )
