"""Loaders of the bundled datasets: read once (cached), type, validate, hand out copies."""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt
import pandas as pd

from borderflows.data import schema
from borderflows.data.countries import to_iso3
from borderflows.data.registry import DATASETS, read_raw
from borderflows.data.yearly import YearlySeries, yearly_series
from borderflows.exceptions import DataValidationError

LARGE_FRAME = 100_000
"""Frames longer than this get the vectorised equivalent of their pandera schema (seconds, not tens)."""

_TEXT = (
    "valuation",
    "flag",
    "quote",
    "reference",
    "source",
    "period",
    "unit",
    "concept",
    "product",
    "denominator",
    "description",
    "restates",
    "restates_reason",
    "name",
    "capital",
    "review_status",
    "evidence",
    "agreement",
    "kind",
    "source_url",
    "source_url_end",
    "quote_end",
    "note",
    "covariate",
    "version",
    "licence",
    "notes",
)


def _typed(name: str) -> pd.DataFrame:
    frame = read_raw(name)
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.CategoricalDtype):
            continue  # validated as categorical (fast), then turned into plain str in _load
        elif column in _TEXT:
            frame[column] = frame[column].fillna("").astype(str)
    if "year" in frame and name != "evidence":
        frame["year"] = frame["year"].astype(np.int64)
    for column in ("value_usd_m", "value", "exposure"):
        if column in frame:
            if frame[column].dtype == np.float32:
                frame[column] = float32_to_decimal(frame[column].to_numpy())
            frame[column] = frame[column].astype(np.float64)
    return frame


def float32_to_decimal(values: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
    """float64 values rounded to the 7 significant digits a float32 holds.

    The panel is stored as float32; casting straight to float64 would show 5588.77 as 5588.769531.
    Rounding to 7 significant digits gives back the printed IMF figure whenever it had at most 7.
    """
    wide = values.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        magnitude = np.floor(np.log10(np.abs(wide)))
    scale = np.where(np.isfinite(magnitude), 10.0 ** (6 - magnitude), 1.0)
    return np.where(wide == 0, 0.0, np.round(wide * scale) / scale)


@functools.cache
def _load(name: str) -> pd.DataFrame:
    frame = _typed(name)
    if name == "evidence":
        frame["year"] = frame["year"].astype("Int64")
        frame["year_min"] = frame["year_min"].astype(np.int64)
        frame["year_max"] = frame["year_max"].astype(np.int64)
        frame["line"] = frame["line"].astype(np.int64)
    if name == "trade_agreements":
        frame["year_from"] = frame["year_from"].astype(np.int64)
        frame["year_to"] = frame["year_to"].astype("Int64")
    if name == "country_geography":
        frame["covered"] = frame["covered"].astype(bool)
        frame["landlocked"] = frame["landlocked"].astype("boolean")
        for column in ("capital_lat", "capital_lon", "coastline_km"):
            frame[column] = frame[column].astype(np.float64)
    if name == "mirror_chn_kaz":
        frame["usable"] = frame["usable"].astype(bool)
        return frame  # validated per pair in borderflows.data.mirror
    what = f"bundled file {DATASETS[name].file}"
    if len(frame) > LARGE_FRAME:
        return _plain_strings(schema.validate_large(frame, DATASETS[name].schema, what=what))
    return schema.validate(_plain_strings(frame), DATASETS[name].schema, what=what)


def _plain_strings(frame: pd.DataFrame) -> pd.DataFrame:
    """Categorical columns as plain str objects, so consumers' groupby needs no ``observed=``."""
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.CategoricalDtype):
            categorical = frame[column].cat
            labels = np.asarray(categorical.categories.astype(str), dtype=object)
            frame[column] = labels[categorical.codes.to_numpy()]
    return frame


def load_dataset(name: str) -> pd.DataFrame:
    """A copy of one bundled dataset, validated against its schema (see :func:`list_datasets`)."""
    if name not in DATASETS:
        raise DataValidationError(f"unknown dataset {name!r}", fix=f"use one of {', '.join(DATASETS)}")
    return _load(name).copy()


def list_datasets() -> pd.DataFrame:
    """The bundled datasets: ``name``, ``title``, ``file``, ``rows``, ``coverage``, ``description``."""
    rows = []
    for dataset in DATASETS.values():
        if dataset.file.endswith(".parquet"):  # row count and years without loading millions of rows
            frame = pd.read_parquet(dataset.path, columns=["year"])
        else:
            frame = _load(dataset.name)
        years = pd.to_numeric(frame["year"], errors="coerce").dropna() if "year" in frame else pd.Series([])
        coverage = f"{int(years.min())}-{int(years.max())}" if len(years) else ""
        rows.append(
            {
                "name": dataset.name,
                "title": dataset.title,
                "file": dataset.file,
                "rows": len(frame),
                "coverage": coverage,
                "description": dataset.description,
            }
        )
    return pd.DataFrame(rows)


def _codes(countries: str | Iterable[str] | None, column: str) -> list[str] | None:
    if countries is None:
        return None
    if isinstance(countries, str):
        countries = [countries]
    return [to_iso3(c, column=column) for c in countries]


def _year_filter(frame: pd.DataFrame, years: Iterable[int] | range | tuple[int, int] | None) -> pd.DataFrame:
    if years is None:
        return frame
    if isinstance(years, tuple) and len(years) == 2:
        return frame[(frame["year"] >= years[0]) & (frame["year"] <= years[1])]
    return frame[frame["year"].isin(list(years))]


def dots_panel(
    reporters: str | Iterable[str] | None = None,
    partners: str | Iterable[str] | None = None,
    years: Iterable[int] | tuple[int, int] | None = None,
) -> pd.DataFrame:
    """The IMF DOTS bilateral panel (countries only), validated.

    Parameters
    ----------
    reporters, partners
        ISO3 codes or IMF names (one or several); ``None`` keeps all.
    years
        A ``(first, last)`` tuple or an iterable of years; ``None`` keeps all.

    Returns
    -------
    pandas.DataFrame
        ``reporter``, ``partner``, ``flow`` (``exports_fob`` / ``imports_cif`` as reported by ``reporter``),
        ``year``, ``value_usd_m``, ``estimated``, ``derived_from_partner``.
    """
    frame = _load("dots_panel")
    codes = _codes(reporters, "reporter")
    if codes is not None:
        frame = frame[frame["reporter"].isin(codes)]
    codes = _codes(partners, "partner")
    if codes is not None:
        frame = frame[frame["partner"].isin(codes)]
    return _year_filter(frame, years).reset_index(drop=True)


def world_totals(reporters: str | Iterable[str] | None = None) -> pd.DataFrame:
    """Each country's DOTS trade with the world (``reporter``, ``flow``, ``year``, ``value_usd_m``, ``estimated``)."""
    frame = _load("dots_world_totals")
    codes = _codes(reporters, "reporter")
    if codes is not None:
        frame = frame[frame["reporter"].isin(codes)]
    return frame.reset_index(drop=True)


def evidence(exporter: str = "CHN", importer: str = "KAZ") -> pd.DataFrame:
    """Published gap statements for a pair that are not clean (year, value) pairs.

    See :data:`borderflows.data.schema.MEASURES` for what each ``measure`` means; ``relation`` says
    whether the statement is an equality, an approximation or a bound. An empty frame means none are
    bundled for that pair.
    """
    frame = _load("evidence")
    exporter, importer = to_iso3(exporter, column="exporter"), to_iso3(importer, column="importer")
    return frame[(frame["exporter"] == exporter) & (frame["importer"] == importer)].reset_index(drop=True)


def points(topic: str | None = None, *, domain: str = "migration") -> pd.DataFrame:
    """Sparse observations that are not yearly series.

    Parameters
    ----------
    topic
        ``domain="migration"``: ``"workers"``, ``"permits"``, ``"students"``, ``"repatriates"`` or ``"stocks"``;
        ``domain="fdi"``: ``"china"`` or ``"world"``. ``None`` keeps all.
    domain
        ``"migration"`` or ``"fdi"``.

    Returns
    -------
    pandas.DataFrame
        ``id``, ``topic``, ``year``, ``period`` (what the point covers), ``value``, ``unit``, ``concept``,
        ``source``, ``quote``, ``reference``. Check ``period`` and ``concept`` before comparing points.
    """
    if domain not in ("migration", "fdi"):
        raise DataValidationError(f"unknown domain {domain!r}", fix="use domain='migration' or domain='fdi'")
    frame = _load(f"{domain}_points")
    if topic is not None:
        if topic not in set(frame["topic"]):
            raise DataValidationError(
                f"unknown topic {topic!r}", column="topic", fix=f"use one of {sorted(set(frame['topic']))}"
            )
        frame = frame[frame["topic"] == topic]
    return frame.reset_index(drop=True)


def list_series() -> pd.DataFrame:
    """The bundled yearly series: ``name``, ``title``, ``unit``, ``kind``, ``concept``, ``first_year``,
    ``last_year``, ``n``, ``source``."""
    catalog = _load("series_catalog")
    values = pd.concat([_load("migration_series"), _load("fdi_series")])
    stats = values.groupby("name")["year"].agg(first_year="min", last_year="max", n="count")
    out = catalog.join(stats, on="name")
    return out[["name", "title", "unit", "kind", "concept", "first_year", "last_year", "n", "source"]]


def series_frame(name: str) -> pd.DataFrame:
    """The rows of one bundled series with provenance (``year``, ``value``, ``exposure``, ``flag``, ``quote`` ...)."""
    _catalog_row(name)
    table = "fdi_series" if name.startswith("fdi.") else "migration_series"
    frame = _load(table)
    return frame[frame["name"] == name].sort_values("year").reset_index(drop=True)


def _catalog_row(name: str) -> pd.Series:
    catalog = _load("series_catalog")
    match = catalog[catalog["name"] == name]
    if match.empty:
        close = difflib.get_close_matches(name, list(catalog["name"]), n=3, cutoff=0.6)
        hint = f"did you mean {', '.join(close[:3])}?" if close else "run borderflows.data.list_series()"
        raise DataValidationError(f"unknown series {name!r}", fix=hint)
    return match.iloc[0]


def series(name: str, *, concept: str | None = None, unit: str | None = None) -> YearlySeries:
    """One bundled yearly series as a validated :class:`~borderflows.data.yearly.YearlySeries`.

    Parameters
    ----------
    name
        A name from :func:`list_series`, e.g. ``"migration.cisstat.arrivals"``.
    concept, unit
        What the caller expects; a mismatch raises instead of silently mixing concepts or units.

    Raises
    ------
    DataValidationError
        If the name is unknown or the series' concept or unit differs from the one expected.
    """
    meta = _catalog_row(name)
    if concept is not None and concept != meta["concept"]:
        raise DataValidationError(
            f"series {name!r} measures {meta['concept']!r}, not {concept!r}",
            column="concept",
            fix="pick a series of the concept you need from list_series(); never splice different FDI concepts",
        )
    if unit is not None and unit != meta["unit"]:
        raise DataValidationError(
            f"series {name!r} is in {meta['unit']!r}, not {unit!r}",
            column="unit",
            fix="convert explicitly (and say so) or pick a series in the unit you need",
        )
    frame = series_frame(name)
    return yearly_series(
        frame[["year", "value", "exposure", "flag"]],
        name=name,
        unit=str(meta["unit"]),
        kind=meta["kind"],
        concept=str(meta["concept"]),
        source=str(meta["source"]),
        min_length=1,
    )
