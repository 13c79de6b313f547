"""Column contracts of every frame that crosses the data boundary (pandera), and the one validator.

Bundled files and user input go through :func:`validate`, which turns pandera's failure report into
a :class:`~borderflows.exceptions.DataValidationError` naming the column, the first offending rows and
the fix, so users never see a pandera or pandas traceback.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaError, SchemaErrors

from borderflows.exceptions import DataValidationError

MIN_YEAR, MAX_YEAR = 1948, 2100
"""Trade and migration years accepted anywhere in borderflows (DOTS starts in 1948)."""

FLOWS_DOTS = ("exports_fob", "imports_cif")
FLOWS_MIRROR = ("exports", "imports", "turnover")
"""``turnover`` rows (exports plus imports, from text sources) are kept for provenance; never usable."""
SOURCES = ("imf_dots", "un_comtrade", "wits", "kz_bns", "news", "seed", "user")
VALUATIONS = ("fob", "cif", "")
MEASURES = (
    "gap_usd_m",
    "gap_share_of_exports",
    "gap_share_of_imports",
    "ratio_exports_to_imports",
    "turnover_gap_usd_m",
    "turnover_gap_share",
)
"""The first four are the contract's single-direction measures; the ``turnover_`` ones are statements
about exports plus imports of both directions, which a single-direction model must not read as gaps."""
RELATIONS = ("eq", "approx", "gt", "lt")
SERIES_KINDS = ("count", "positive", "signed")

_iso3 = pa.Check.str_matches(r"^[A-Z]{3}$", error="an ISO3 code such as CHN or KAZ")
_years = pa.Check.in_range(MIN_YEAR, MAX_YEAR, error=f"a year in {MIN_YEAR}-{MAX_YEAR}")
_finite = pa.Check(
    lambda s: pd.Series(np.isfinite(s.to_numpy(dtype=float)), index=s.index), error="finite (no NaN or inf)"
)
_non_negative = pa.Check.ge(0, error="non-negative")


def _isin(values: tuple[str, ...]) -> pa.Check:
    return pa.Check.isin(list(values), error=f"one of {', '.join(repr(v) for v in values)}")


DOTS_PANEL = pa.DataFrameSchema(
    {
        "reporter": pa.Column(str, _iso3),
        "partner": pa.Column(str, _iso3),
        "flow": pa.Column(str, _isin(FLOWS_DOTS)),
        "year": pa.Column(np.int64, _years),
        "value_usd_m": pa.Column(np.float64, [_finite, _non_negative]),
        "estimated": pa.Column(bool),
        "derived_from_partner": pa.Column(bool),
    },
    checks=pa.Check(lambda df: df["reporter"] != df["partner"], error="reporter differs from partner"),
    unique=["reporter", "partner", "flow", "year"],
    strict=True,
    ordered=True,
    name="dots_panel",
)

WORLD_TOTALS = pa.DataFrameSchema(
    {
        "reporter": pa.Column(str, _iso3),
        "flow": pa.Column(str, _isin(FLOWS_DOTS)),
        "year": pa.Column(np.int64, _years),
        "value_usd_m": pa.Column(np.float64, [_finite, _non_negative]),
        "estimated": pa.Column(bool),
    },
    unique=["reporter", "flow", "year"],
    strict=True,
    name="dots_world_totals",
)

MIRROR_OBSERVATIONS = pa.DataFrameSchema(
    {
        "year": pa.Column(np.int64, _years),
        "flow": pa.Column(str, _isin(FLOWS_MIRROR)),
        "reporter": pa.Column(str, _iso3),
        "partner": pa.Column(str, _iso3),
        "source": pa.Column(str, pa.Check.str_length(min_value=1, error="a non-empty source name")),
        "value_usd_m": pa.Column(np.float64, [_finite, _non_negative]),
        "valuation": pa.Column(str, _isin(VALUATIONS)),
        "flag": pa.Column(str),
        "usable": pa.Column(bool),
        "is_default": pa.Column(bool),
        "quote": pa.Column(str),
    },
    checks=pa.Check(lambda df: df["reporter"] != df["partner"], error="reporter differs from partner"),
    unique=["year", "flow", "reporter", "source"],
    strict=True,
    ordered=True,
    name="mirror_observations",
)

MIRROR_TABLE = pa.DataFrameSchema(
    {
        "year": pa.Column(np.int64, _years, unique=True),
        "exports_reported": pa.Column(np.float64, pa.Check.ge(0), nullable=True),
        "imports_reported": pa.Column(np.float64, pa.Check.ge(0), nullable=True),
        "exports_source": pa.Column(str),
        "imports_source": pa.Column(str),
        "exports_usable": pa.Column(bool),
        "imports_usable": pa.Column(bool),
        "gap_usd_m": pa.Column(np.float64, nullable=True),
        "ratio": pa.Column(np.float64, nullable=True),
    },
    strict=True,
    ordered=True,
    name="mirror_table",
)

EVIDENCE = pa.DataFrameSchema(
    {
        "id": pa.Column(str, unique=True),
        "exporter": pa.Column(str, _iso3),
        "importer": pa.Column(str, _iso3),
        "year": pa.Column("Int64", _years, nullable=True),
        "year_min": pa.Column(np.int64, _years),
        "year_max": pa.Column(np.int64, _years),
        "measure": pa.Column(str, _isin(MEASURES)),
        "relation": pa.Column(str, _isin(RELATIONS)),
        "value": pa.Column(np.float64, [_finite, pa.Check.gt(0)]),
        "product": pa.Column(str),
        "denominator": pa.Column(str),
        "quote": pa.Column(str, pa.Check.str_length(min_value=10)),
        "source_file": pa.Column(str),
        "line": pa.Column(np.int64, pa.Check.gt(0)),
        "restates": pa.Column(str, _isin(("", "X,M", "X,M,Xr,Mr"))),
        "restates_reason": pa.Column(str, pa.Check.str_length(min_value=10)),
    },
    checks=[
        pa.Check(lambda df: df["year_min"] <= df["year_max"], error="year_min <= year_max"),
        pa.Check(
            lambda df: df["year"].isna() | ((df["year"] >= df["year_min"]) & (df["year"] <= df["year_max"])),
            error="year within [year_min, year_max]",
        ),
    ],
    strict=True,
    name="evidence",
)

RESTATES_TOKENS = ("X", "M", "Xr", "Mr")
"""Reports an evidence statement can restate: X the exporter's exports, M the importer's imports, Xr the
importer's exports to the exporter, Mr the exporter's imports from the importer (``evidence.restates``)."""

AGREEMENT_KINDS = ("customs_union", "free_trade_area")
_member = pa.Check.str_matches(r"^([A-Z]{3}|\*eu)$", error="an ISO3 code or '*eu' (every EU member that year)")

COUNTRY_GEOGRAPHY = pa.DataFrameSchema(
    {
        "iso3": pa.Column(str, _iso3, unique=True),
        "name": pa.Column(str),
        "covered": pa.Column(bool),
        "capital": pa.Column(str),
        "capital_lat": pa.Column(np.float64, pa.Check.in_range(-90, 90), nullable=True),
        "capital_lon": pa.Column(np.float64, pa.Check.in_range(-180, 180), nullable=True),
        "coastline_km": pa.Column(np.float64, _non_negative, nullable=True),
        "landlocked": pa.Column("boolean", nullable=True),
        "flag": pa.Column(str),
    },
    checks=[pa.Check(lambda df: df["covered"] == df["capital_lat"].notna(), error="covered iff a capital")],
    strict=True,
    ordered=True,
    name="country_geography",
)

LAND_BORDERS = pa.DataFrameSchema(
    {
        "iso3_a": pa.Column(str, _iso3),
        "iso3_b": pa.Column(str, _iso3),
        "review_status": pa.Column(str),
        "evidence": pa.Column(str),
    },
    checks=[pa.Check(lambda df: df["iso3_a"] < df["iso3_b"], error="iso3_a < iso3_b (one row per border)")],
    unique=["iso3_a", "iso3_b"],
    strict=True,
    ordered=True,
    name="land_borders",
)

TRADE_AGREEMENTS = pa.DataFrameSchema(
    {
        "agreement": pa.Column(str),
        "kind": pa.Column(str, _isin(AGREEMENT_KINDS)),
        "iso3": pa.Column(str, _member),
        "year_from": pa.Column(np.int64, pa.Check.in_range(1900, MAX_YEAR)),
        "year_to": pa.Column("Int64", pa.Check.in_range(1900, MAX_YEAR), nullable=True),
        "source_url": pa.Column(str, pa.Check.str_startswith("http")),
        "quote": pa.Column(str, pa.Check.str_length(min_value=10)),
        "source_url_end": pa.Column(str),
        "quote_end": pa.Column(str),
        "note": pa.Column(str),
    },
    checks=[
        pa.Check(lambda df: df["year_to"].isna() | (df["year_to"] >= df["year_from"]), error="year_to >= year_from"),
        pa.Check(lambda df: df["year_to"].isna() | (df["quote_end"] != ""), error="an end year has its own quote"),
    ],
    unique=["agreement", "iso3", "year_from"],
    strict=True,
    ordered=True,
    name="trade_agreements",
)

REEXPORT_HUBS = pa.DataFrameSchema(
    {
        "iso3": pa.Column(str, _iso3, unique=True),
        "source_url": pa.Column(str, pa.Check.str_startswith("http")),
        "quote": pa.Column(str, pa.Check.str_length(min_value=10)),
    },
    strict=True,
    ordered=True,
    name="reexport_hubs",
)

COVARIATE_SOURCES = pa.DataFrameSchema(
    {
        "covariate": pa.Column(str, unique=True),
        "source": pa.Column(str),
        "version": pa.Column(str),
        "licence": pa.Column(str),
        "reference": pa.Column(str),
        "notes": pa.Column(str),
    },
    strict=True,
    ordered=True,
    name="covariate_sources",
)

PAIR_COVARIATES = pa.DataFrameSchema(
    {
        "exporter": pa.Column(str, _iso3),
        "importer": pa.Column(str, _iso3),
        "distance_km": pa.Column(np.float64, pa.Check.gt(0), nullable=True),
        "log_distance": pa.Column(np.float64, nullable=True),
        "contiguous": pa.Column("boolean", nullable=True),
        "landlocked_exporter": pa.Column("boolean", nullable=True),
        "landlocked_importer": pa.Column("boolean", nullable=True),
        "customs_union_share": pa.Column(np.float64, pa.Check.in_range(0, 1), nullable=True),
        "common_customs_union": pa.Column("boolean", nullable=True),
        "fta_share": pa.Column(np.float64, pa.Check.in_range(0, 1), nullable=True),
        "common_fta": pa.Column("boolean", nullable=True),
        "reexport_hub_exporter": pa.Column("boolean", nullable=True),
        "reexport_hub_importer": pa.Column("boolean", nullable=True),
        "flag": pa.Column(str),
    },
    checks=[pa.Check(lambda df: df["exporter"] != df["importer"], error="exporter != importer")],
    unique=["exporter", "importer"],
    strict=True,
    ordered=True,
    name="pair_covariates",
)

SERIES_VALUES = pa.DataFrameSchema(
    {
        "name": pa.Column(str),
        "year": pa.Column(np.int64, _years),
        "value": pa.Column(np.float64, _finite),
        "exposure": pa.Column(np.float64, pa.Check.in_range(0, 1, include_min=False)),
        "flag": pa.Column(str),
        "source": pa.Column(str),
        "quote": pa.Column(str),
        "reference": pa.Column(str),
    },
    checks=pa.Check(lambda df: (df["exposure"] == 1) | df["flag"].str.contains("partial_year"), error="partial flag"),
    unique=["name", "year"],
    strict=True,
    name="series_values",
)

SERIES_CATALOG = pa.DataFrameSchema(
    {
        "name": pa.Column(str, pa.Check.str_matches(r"^(migration|fdi)\.[a-z0-9_.]+$"), unique=True),
        "title": pa.Column(str),
        "unit": pa.Column(str),
        "kind": pa.Column(str, _isin(SERIES_KINDS)),
        "concept": pa.Column(str),
        "source": pa.Column(str),
        "description": pa.Column(str),
    },
    strict=True,
    name="series_catalog",
)

POINTS = pa.DataFrameSchema(
    {
        "id": pa.Column(str),
        "topic": pa.Column(str),
        "year": pa.Column(np.int64, _years),
        "period": pa.Column(str),
        "value": pa.Column(np.float64, _finite),
        "unit": pa.Column(str),
        "concept": pa.Column(str),
        "source": pa.Column(str),
        "quote": pa.Column(str),
        "reference": pa.Column(str),
    },
    strict=True,
    name="points",
)

_FIXES = {
    "column_in_dataframe": "add the column (see the schema in borderflows.data.schema)",
    "column_not_in_schema": "drop the extra column",
    "column_in_schema": "drop the extra column",
    "dtype": "convert the column to the expected type",
    "field_uniqueness": "drop or aggregate the repeated rows",
    "duplicates": "drop or aggregate the repeated rows",
    "multiple_fields_uniqueness": "drop or aggregate the repeated rows",
    "not_nullable": "drop the rows with missing values or fill them",
}


def validate(frame: pd.DataFrame, schema: pa.DataFrameSchema, *, what: str = "") -> pd.DataFrame:
    """Validate ``frame`` against ``schema``; raise :class:`DataValidationError` on the first problem.

    Parameters
    ----------
    frame
        The data to check.
    schema
        One of the schemas of this module.
    what
        What the frame is, for the message (defaults to the schema's name).

    Returns
    -------
    pandas.DataFrame
        The validated frame (unchanged).
    """
    try:
        return schema.validate(frame, lazy=True)
    except SchemaErrors as errors:
        cases = errors.failure_cases
        first = cases.iloc[0]
        check = str(first.get("check"))
        column = first.get("column")
        column = None if column is None or (isinstance(column, float) and np.isnan(column)) else str(column)
        same = cases[cases["column"].astype(str) == str(column)] if column is not None else cases.iloc[:1]
        if check in ("column_in_dataframe", "column_not_in_schema", "column_in_schema"):
            column = str(first["failure_case"])  # pandera files these under the schema, not the column
            kind = "missing required" if check == "column_in_dataframe" else "extra"
            raise DataValidationError(
                f"{what or schema.name}: {kind} column {column!r}; expected {list(schema.columns)}",
                column=column,
                fix=_fix_for(check),
            ) from None
        elif column == schema.name:  # a frame-wide check: report it without a column
            column = None
        rows = [int(i) for i in same["index"].dropna().tolist()[:5]] if "index" in same else []
        problem = f"{what or schema.name}: failed check {check}"
        if rows:
            bad_values = same["failure_case"].head(3).tolist()
            problem += f" with values {bad_values}"
        raise DataValidationError(problem, column=column, rows=rows, fix=_fix_for(check)) from None
    except SchemaError as error:  # pragma: no cover - lazy=True reports SchemaErrors
        raise DataValidationError(f"{what or schema.name}: {error}") from None


def validate_large(frame: pd.DataFrame, schema: pa.DataFrameSchema, *, what: str = "") -> pd.DataFrame:
    """The checks of a panel schema (:data:`DOTS_PANEL`, :data:`WORLD_TOTALS`), vectorised for millions of rows.

    Pandera checks the dtypes and the column set on the first rows; the value checks (codes, flows,
    year range, finite non-negative values, uniqueness, reporter != partner) run here with numpy, so
    the whole frame is still checked. ``tests/data`` asserts both paths reject the same defects.
    """
    validate(_plain(frame.head(1000)), schema, what=what)
    label = what or schema.name
    columns = schema.columns
    checks: list[tuple[str, Callable[[], pd.Series], str]] = []
    for column in ("reporter", "partner"):
        if column in columns:
            checks.append((column, _not_iso3(frame[column]), "an ISO3 code such as CHN or KAZ"))
    checks.append(("flow", lambda: ~frame["flow"].isin(FLOWS_DOTS), f"one of {FLOWS_DOTS}"))
    checks.append(("year", lambda: ~frame["year"].between(MIN_YEAR, MAX_YEAR), f"a year in {MIN_YEAR}-{MAX_YEAR}"))
    amounts = frame["value_usd_m"].to_numpy(dtype=float)
    checks.append(("value_usd_m", lambda: pd.Series(~np.isfinite(amounts), frame.index), "finite (no NaN or inf)"))
    checks.append(("value_usd_m", lambda: pd.Series(amounts < 0, frame.index), "non-negative"))
    if "partner" in columns:

        def same() -> pd.Series:
            return pd.Series(_codes(frame["reporter"]) == _codes(frame["partner"], like=frame["reporter"]), frame.index)

        checks.append(("partner", same, "reporter differs from partner"))
    keys = [c for c in ("reporter", "partner", "flow", "year") if c in columns]
    checks.append((keys[0], lambda: _duplicated(frame, keys), f"unique {tuple(keys)}"))
    for column, test, check in checks:
        bad = test()
        if bad.any():
            rows = list(frame.index[bad.to_numpy()][:5])
            raise DataValidationError(
                f"{label}: failed check {check} with values {frame.loc[rows[:3], column].tolist()}",
                column=column,
                rows=rows,
                fix=_fix_for(check),
            )
    return frame


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Categorical columns as plain object columns (what pandera's str dtype expects)."""
    out = frame.copy()
    for column in out.columns:
        if isinstance(out[column].dtype, pd.CategoricalDtype):
            out[column] = out[column].astype(str).astype(object)
    return out


def _not_iso3(values: pd.Series) -> Callable[[], pd.Series]:
    def test() -> pd.Series:
        uniques = pd.Series(values.cat.categories if isinstance(values.dtype, pd.CategoricalDtype) else values.unique())
        bad = set(uniques[~uniques.astype(str).str.fullmatch(r"[A-Z]{3}")])
        return values.isin(bad) if bad else pd.Series(False, index=values.index)

    return test


def _codes(values: pd.Series, like: pd.Series | None = None) -> npt.NDArray[np.int64]:
    """Integer codes of a column; with ``like``, codes in ``like``'s categories (-1 where absent)."""
    if like is not None and isinstance(like.dtype, pd.CategoricalDtype):
        return np.asarray(pd.Categorical(values, categories=like.cat.categories).codes, dtype=np.int64)
    if isinstance(values.dtype, pd.CategoricalDtype):
        return np.asarray(values.cat.codes, dtype=np.int64)
    if like is not None:
        uniques = pd.Index(pd.unique(pd.concat([like, values])))
        return np.asarray(uniques.get_indexer(values), dtype=np.int64)
    if pd.api.types.is_integer_dtype(values.dtype):  # order-preserving, so sorted frames give sorted keys
        numbers = values.to_numpy(dtype=np.int64)
        return numbers - (numbers.min() if numbers.size else 0)
    return np.asarray(pd.factorize(values, sort=True)[0], dtype=np.int64)


def _duplicated(frame: pd.DataFrame, keys: list[str]) -> pd.Series:
    key = np.zeros(len(frame), dtype=np.int64)
    for column in keys:
        codes = _codes(frame[column])
        key = key * (int(codes.max(initial=0)) + 2) + codes + 1
    ordered = key if bool(np.all(key[1:] > key[:-1])) else np.sort(key)  # the bundled panel is sorted
    if not bool(np.any(ordered[1:] == ordered[:-1])):
        return pd.Series(False, index=frame.index)
    return pd.Series(key, index=frame.index).duplicated(keep=False)


def _fix_for(check: str) -> str:
    for key, fix in _FIXES.items():
        if key in check:
            return fix
    if "unique" in check:
        return _FIXES["duplicates"]
    if "dtype" in check:
        return _FIXES["dtype"]
    return "correct or drop those rows"
