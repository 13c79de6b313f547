"""Turn a mirror pair, a DOTS panel and evidence statements into the arrays the model reads.

:class:`MirrorData` is the single input of :func:`borderflows.mirror.model.build_model`. It is a
plain frozen dataclass of numpy arrays so that simulation studies can build one directly
(:mod:`borderflows.mirror.simulate`) and swap observed values into a compiled model
(:meth:`MirrorData.data_values`).

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
    exporters, importers
        Reporter labels for the exporter-bias and importer-bias vectors; the target exporter is
        ``exporters[0]`` and the target importer ``importers[0]``.
    panel_exp, panel_imp
        Per panel pair: the exporter's and importer's positions in ``exporters``/``importers``.
    panel_mean, panel_se, panel_n
        Per panel pair: mean log mirror ratio log(M/X) over its years, the standard error of that mean
        (sd over years / sqrt(years)) and the number of years. Empty in pair mode.
    pairs
        Labels ``"EXP->IMP"`` of the panel pairs.
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
    exporters: tuple[str, ...]
    importers: tuple[str, ...]
    panel_exp: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    panel_imp: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    panel_mean: FloatArray = field(default_factory=lambda: np.zeros(0))
    panel_se: FloatArray = field(default_factory=lambda: np.zeros(0))
    panel_n: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    pairs: tuple[str, ...] = ()
    excluded: tuple[Exclusion, ...] = ()
    evidence: EvidenceTerms | None = None
    x_reported: FloatArray = field(default_factory=lambda: np.zeros(0))
    m_reported: FloatArray = field(default_factory=lambda: np.zeros(0))

    @property
    def n_years(self) -> int:
        """Length of the year grid."""
        return len(self.years)

    @property
    def has_panel(self) -> bool:
        """Whether panel observations are present."""
        return len(self.panel_mean) > 0

    @property
    def n_panel_pair_years(self) -> int:
        """Pair-years behind the panel summaries."""
        return int(self.panel_n.sum())

    @property
    def n_excluded(self) -> int:
        """How many reports were left out as not independent."""
        return len(self.excluded)

    @property
    def x_missing(self) -> IntArray:
        """Year positions without a usable exporter report."""
        return np.setdiff1d(np.arange(self.n_years), self.x_idx).astype(np.int64)

    @property
    def y_idx(self) -> IntArray:
        """Year positions of all reports, exporter's first (the model's stacked observation vector)."""
        return np.concatenate([self.x_idx, self.m_idx]).astype(np.int64)

    @property
    def log_y(self) -> FloatArray:
        """Stacked log reports: exporter's, then importer's."""
        return np.concatenate([self.log_x, self.log_m]).astype(float)

    @property
    def is_m(self) -> FloatArray:
        """1.0 for importer reports in the stacked vector, 0.0 for exporter reports."""
        return np.concatenate([np.zeros(len(self.x_idx)), np.ones(len(self.m_idx))])

    def structure_key(self) -> tuple[Any, ...]:
        """Everything that fixes the shape of the model graph (same key: a compiled model can be reused)."""
        ev: tuple[Any, ...] = ()
        if self.evidence is not None:
            ev = (
                self.evidence.measure,
                self.evidence.relation,
                tuple(self.evidence.statement.tolist()),
                tuple(self.evidence.year_idx.tolist()),
            )
        return (
            self.n_years,
            tuple(self.x_missing.tolist()),
            len(self.x_idx),
            len(self.m_idx),
            len(self.exporters),
            len(self.importers),
            len(self.pairs),
            ev,
        )

    def data_values(self) -> dict[str, np.ndarray]:
        """Values of the observed ``pm.Data`` containers of the model, by name (for ``compiled.with_data``).

        The margin prior's ``margin_centre`` and ``margin_sd`` are data too; the caller adds them.
        """
        values: dict[str, np.ndarray] = {
            "x_idx": self.x_idx,
            "log_x": self.log_x,
            "m_idx": self.m_idx,
            "log_m": self.log_m,
        }
        if self.has_panel:
            values.update(
                panel_exp=self.panel_exp,
                panel_imp=self.panel_imp,
                panel_mean=self.panel_mean,
                panel_se=self.panel_se,
            )
        if self.evidence is not None and self.evidence.n:
            values["evidence_value"] = self.evidence.value
        return values

    def with_observed(
        self,
        log_x: FloatArray,
        log_m: FloatArray,
        panel_mean: FloatArray | None = None,
    ) -> MirrorData:
        """A copy with new observed values at the same positions (for simulation studies)."""
        return replace(
            self,
            log_x=np.asarray(log_x, dtype=np.float64),
            log_m=np.asarray(log_m, dtype=np.float64),
            panel_mean=self.panel_mean if panel_mean is None else np.asarray(panel_mean, dtype=np.float64),
        )


def _year_grid(table: pd.DataFrame, years: tuple[int, int] | None) -> IntArray:
    if years is not None:
        first, last = int(years[0]), int(years[1])
    else:
        have = table.loc[table["exports_reported"].notna() | table["imports_reported"].notna(), "year"]
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
    pair: PairLike, years: tuple[int, int] | None = None
) -> tuple[IntArray, IntArray, FloatArray, IntArray, FloatArray, list[Exclusion], FloatArray, FloatArray]:
    """Usable exporter and importer reports of the target pair on a consecutive year grid.

    Returns
    -------
    tuple
        ``(years, x_idx, log_x, m_idx, log_m, excluded, x_reported, m_reported)``.
    """
    table = pair.table.sort_values("year")
    grid = _year_grid(table, years)
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


PANEL_COLUMNS = ("reporter", "partner", "flow", "year", "value_usd_m")
MIN_PAIR_YEARS = 10
"""A panel pair enters only with at least this many years of both reports (its noise scale is learned)."""
MIN_PAIR_USD_M = 10.0
"""...and a median smaller-side value of at least $10m: tiny flows are dominated by rounding and timing."""


def panel_ratios(
    panel: pd.DataFrame,
    exporter: str,
    importer: str,
    years: tuple[int, int] | None = None,
) -> tuple[pd.DataFrame, list[Exclusion]]:
    """Pair-year log mirror ratios log(M_cif / X_fob) from a DOTS panel, leaving out the target pair.

    Kept: pairs in which the target exporter or importer is one side (their other partners), with
    at least :data:`MIN_PAIR_YEARS` years of both reports and a median flow of :data:`MIN_PAIR_USD_M`.

    Parameters
    ----------
    panel
        Frame with the :func:`borderflows.data.dots_panel` columns.
    exporter, importer
        The target pair; both of its directions are left out (they enter through the pair model).
    years
        Inclusive year range to keep; default all.

    Returns
    -------
    tuple
        Frame with ``exporter``, ``importer``, ``year``, ``log_ratio`` and the exclusions.
    """
    missing = [c for c in PANEL_COLUMNS if c not in panel.columns]
    if missing:
        raise DataValidationError(
            f"the panel lacks column(s) {', '.join(missing)}",
            column=missing[0],
            fix="pass the frame returned by borderflows.data.dots_panel()",
        )
    frame = panel.copy()
    if years is not None:
        frame = frame[(frame["year"] >= years[0]) & (frame["year"] <= years[1])]
    flag_cols = [c for c in ("estimated", "derived_from_partner") if c in frame.columns]
    not_independent = np.zeros(len(frame), dtype=bool)
    for col in flag_cols:
        not_independent |= frame[col].fillna(False).astype(bool).to_numpy()
    if "usable" in frame.columns:
        not_independent |= ~frame["usable"].fillna(False).astype(bool).to_numpy()
    target = {(exporter, importer), (importer, exporter)}
    is_target = np.array([(r, p) in target for r, p in zip(frame["reporter"], frame["partner"], strict=True)])
    excluded = [
        Exclusion(int(r["year"]), str(r["flow"]), str(r["reporter"]), str(r["partner"]), "not an independent report")
        for r in frame[not_independent & ~is_target].to_dict("records")
    ]
    frame = frame[~not_independent & ~is_target]
    exports = frame[frame["flow"] == "exports_fob"].rename(columns={"reporter": "exporter", "partner": "importer"})
    imports = frame[frame["flow"] == "imports_cif"].rename(columns={"reporter": "importer", "partner": "exporter"})
    merged = exports[["exporter", "importer", "year", "value_usd_m"]].merge(
        imports[["exporter", "importer", "year", "value_usd_m"]],
        on=["exporter", "importer", "year"],
        suffixes=("_x", "_m"),
    )
    merged = merged[(merged["value_usd_m_x"] > 0) & (merged["value_usd_m_m"] > 0)]
    touches = {exporter, importer}
    merged = merged[merged["exporter"].isin(touches) | merged["importer"].isin(touches)]
    size = merged[["value_usd_m_x", "value_usd_m_m"]].min(axis=1).groupby([merged["exporter"], merged["importer"]])
    keep = (size.transform("count") >= MIN_PAIR_YEARS) & (size.transform("median") >= MIN_PAIR_USD_M)
    merged = merged[keep].copy()
    merged["log_ratio"] = np.log(merged["value_usd_m_m"]) - np.log(merged["value_usd_m_x"])
    merged = merged.sort_values(["exporter", "importer", "year"]).reset_index(drop=True)
    return merged[["exporter", "importer", "year", "log_ratio"]], excluded


def pair_summaries(ratios: pd.DataFrame) -> pd.DataFrame:
    """Per panel pair: years, mean log mirror ratio and the standard error of that mean.

    The panel enters the model through these summaries (a random-effects meta-analysis of the pairs'
    mean ratios) rather than pair by pair-year: the fit then scales with the number of pairs, not
    pair-years, and each pair's own year-to-year noise weighs its mean (docs/mirror_model.md).

    Parameters
    ----------
    ratios
        Pair-year frame from :func:`panel_ratios`.

    Returns
    -------
    pandas.DataFrame
        ``exporter, importer, n_years, mean, se``, one row per pair, in the order of ``ratios``.
    """
    grouped = ratios.groupby(["exporter", "importer"], sort=False)["log_ratio"]
    out = grouped.agg(n_years="count", mean="mean", sd="std").reset_index()
    out["se"] = out["sd"] / np.sqrt(out["n_years"])
    return out[["exporter", "importer", "n_years", "mean", "se"]]


def evidence_terms(statements: pd.DataFrame, exporter: str, importer: str, years: IntArray) -> EvidenceTerms:
    """Select the statements about the whole flow of this pair and map their candidate years to the grid.

    Statements about one product, another pair, an unknown measure or years outside the grid are
    skipped, each with a reason in ``skipped``.
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


def build_inputs(
    pair: PairLike,
    *,
    panel: pd.DataFrame | None = None,
    statements: pd.DataFrame | None = None,
    years: tuple[int, int] | None = None,
    panel_years: tuple[int, int] | None = None,
) -> MirrorData:
    """Assemble :class:`MirrorData` for a pair, optionally with a panel and evidence statements.

    Parameters
    ----------
    pair
        The target pair (a :class:`borderflows.data.MirrorPair`).
    panel
        DOTS panel frame; ``None`` for pair-only mode.
    statements
        Evidence statements (``borderflows.data.evidence()`` columns); ``None`` to leave them out.
    years
        Inclusive year range of the target pair; default the range with any report.
    panel_years
        Inclusive year range of panel rows; default all.
    """
    exporter, importer = str(pair.exporter), str(pair.importer)
    grid, x_idx, log_x, m_idx, log_m, excluded, x_rep, m_rep = pair_arrays(pair, years)
    exporters = [exporter]
    importers = [importer]
    panel_fields: dict[str, Any] = {}
    if panel is not None:
        ratios, panel_excluded = panel_ratios(panel, exporter, importer, panel_years)
        excluded = excluded + panel_excluded
        if ratios.empty:
            raise DataValidationError(
                "the panel holds no pair-year with both reports usable",
                column="value_usd_m",
                fix="pass a wider panel, or use mode='pair'",
            )
        for name in ratios["exporter"].unique():
            if name not in exporters:
                exporters.append(str(name))
        for name in ratios["importer"].unique():
            if name not in importers:
                importers.append(str(name))
        summaries = pair_summaries(ratios)
        panel_fields = {
            "panel_exp": np.asarray([exporters.index(e) for e in summaries["exporter"]], dtype=np.int64),
            "panel_imp": np.asarray([importers.index(i) for i in summaries["importer"]], dtype=np.int64),
            "panel_mean": summaries["mean"].to_numpy(dtype=float),
            "panel_se": summaries["se"].to_numpy(dtype=float),
            "panel_n": summaries["n_years"].to_numpy(dtype=np.int64),
            "pairs": tuple(summaries["exporter"] + "->" + summaries["importer"]),
        }
    evidence = None if statements is None else evidence_terms(statements, exporter, importer, grid)
    return MirrorData(
        exporter=exporter,
        importer=importer,
        years=grid,
        x_idx=x_idx,
        log_x=log_x,
        m_idx=m_idx,
        log_m=log_m,
        exporters=tuple(exporters),
        importers=tuple(importers),
        excluded=tuple(excluded),
        evidence=evidence,
        x_reported=x_rep,
        m_reported=m_rep,
        **panel_fields,
    )
