"""Validation of user-supplied frames: mirror flows and tagged yearly series (FDI, migration).

Each check raises :class:`~borderflows.exceptions.DataValidationError` naming the column, the first
offending rows (index labels of the user's frame) and the fix. Checks run in the order a user would
fix them: shape, columns, years, codes, values, duplicates.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from borderflows.data.countries import to_iso3
from borderflows.data.schema import MAX_YEAR, MIN_YEAR
from borderflows.data.yearly import SeriesKind, YearlySeries, yearly_series
from borderflows.exceptions import DataValidationError

MIRROR_REQUIRED = ("year", "flow", "reporter", "value_usd_m")
MIRROR_OPTIONAL = ("source", "flag", "quote", "exposure", "unit", "currency", "partner", "valuation", "usable")
_FLOW_ALIASES = {
    "exports": "exports",
    "export": "exports",
    "x": "exports",
    "exports_fob": "exports",
    "imports": "imports",
    "import": "imports",
    "m": "imports",
    "imports_cif": "imports",
}
_USD_MILLION = {"usd million", "usd m", "usd_m", "million usd", "us$ million", "usd mn", "musd"}


def _rows(mask: npt.ArrayLike, index: pd.Index) -> list[object]:
    return list(index[np.asarray(mask, dtype=bool)][:5])


def read_frame(data: pd.DataFrame | str | Path, what: str) -> pd.DataFrame:
    """A copy of ``data`` (a DataFrame or the path of a CSV), or a clear error."""
    if isinstance(data, str | Path):
        path = Path(data)
        if not path.is_file():
            raise DataValidationError(f"no such file: {path}", fix=f"check the path of your {what} CSV")
        try:
            data = pd.read_csv(path)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
            raise DataValidationError(
                f"could not read {path} as CSV ({type(error).__name__})",
                fix="save the file as comma-separated UTF-8 text with a header row",
            ) from None
    if not isinstance(data, pd.DataFrame):
        raise DataValidationError(
            f"expected a pandas DataFrame or a CSV path, got {type(data).__name__}",
            fix=f"build a DataFrame with the {what} columns",
        )
    if data.empty:
        raise DataValidationError(f"the {what} frame is empty", fix="pass at least one row")
    return data.copy()


def check_years(frame: pd.DataFrame, column: str = "year") -> pd.Series:
    """Integer years within range, as int64; raise naming the bad rows otherwise."""
    raw = frame[column]
    years = pd.to_numeric(raw, errors="coerce")
    bad = years.isna() | ~np.isfinite(years.astype(float)) | (years != np.floor(years.astype(float)))
    if bad.any():
        raise DataValidationError(
            "years must be whole numbers",
            column=column,
            rows=_rows(bad, frame.index),
            fix="give calendar years such as 2015, not dates, text or fractions",
        )
    out_of_range = (years < MIN_YEAR) | (years > MAX_YEAR)
    if out_of_range.any():
        raise DataValidationError(
            f"years must lie in {MIN_YEAR}-{MAX_YEAR}",
            column=column,
            rows=_rows(out_of_range, frame.index),
            fix="check for swapped columns or two-digit years",
        )
    return years.astype(np.int64)


def check_single_unit(frame: pd.DataFrame, column: str, accepted: set[str], expected: str) -> None:
    """A unit or currency column must hold one value, and it must be the expected one."""
    values = frame[column].astype(str).str.strip().str.lower()
    if values.nunique() > 1:
        first = values.iloc[0]
        raise DataValidationError(
            f"mixed {column}s {sorted(values.unique())}",
            column=column,
            rows=_rows(values != first, frame.index),
            fix=f"convert every row to {expected} before passing the frame",
        )
    if values.iloc[0] not in accepted:
        raise DataValidationError(
            f"{column} is {frame[column].iloc[0]!r}, expected {expected}",
            column=column,
            rows=list(frame.index[:1]),
            fix=f"convert the values to {expected} (and say so in the source column)",
        )


def clean_mirror_frame(data: pd.DataFrame | str | Path, exporter: str, importer: str) -> pd.DataFrame:
    """Validate a user's mirror flows and return them in the observation layout (without ``is_default``)."""
    frame = read_frame(data, "mirror flows")
    missing = [c for c in MIRROR_REQUIRED if c not in frame.columns]
    if missing:
        raise DataValidationError(
            f"missing required column(s) {missing}; found {list(frame.columns)}",
            column=missing[0],
            fix="provide columns year, flow, reporter, value_usd_m (optional: source, flag, quote, exposure)",
        )
    extra = [c for c in frame.columns if c not in MIRROR_REQUIRED + MIRROR_OPTIONAL]
    if extra:
        raise DataValidationError(
            f"unexpected column(s) {extra}",
            column=str(extra[0]),
            fix=f"drop them or rename to one of {', '.join(MIRROR_OPTIONAL)}",
        )
    for column in ("unit", "currency"):
        if column in frame:
            check_single_unit(
                frame, column, _USD_MILLION | {"usd"} if column == "currency" else _USD_MILLION, "USD million"
            )

    years = check_years(frame)

    flow = frame["flow"].astype(str).str.strip().str.lower().map(_FLOW_ALIASES)
    if flow.isna().any():
        raise DataValidationError(
            f"unknown flow value(s) {sorted(frame.loc[flow.isna(), 'flow'].astype(str).unique())[:3]}",
            column="flow",
            rows=_rows(flow.isna(), frame.index),
            fix="use 'exports' (reported by the exporter) or 'imports' (reported by the importer)",
        )

    reporters = []
    for label, value in frame["reporter"].items():
        try:
            reporters.append(to_iso3(str(value), column="reporter"))
        except DataValidationError as error:
            raise DataValidationError(
                f"unknown country code {value!r}", column="reporter", rows=[label], fix=error.fix
            ) from None
    reporter = pd.Series(reporters, index=frame.index)
    expected = np.where(flow == "exports", exporter, importer)
    wrong = reporter.to_numpy() != expected
    if wrong.any():
        raise DataValidationError(
            f"for {exporter} -> {importer}, exports must be reported by {exporter} and imports by {importer}",
            column="reporter",
            rows=_rows(wrong, frame.index),
            fix="swap exporter and importer, or drop rows of the opposite direction",
        )

    raw_values = frame["value_usd_m"]
    values = pd.to_numeric(raw_values, errors="coerce")
    is_bool = raw_values.map(lambda v: isinstance(v, bool | np.bool_))
    not_numeric = (values.isna() & raw_values.notna()) | is_bool
    if not_numeric.any():
        raise DataValidationError(
            "values must be numbers",
            column="value_usd_m",
            rows=_rows(not_numeric, frame.index),
            fix="remove thousands separators, currency signs, footnote marks or text",
        )
    not_finite = ~np.isfinite(values.to_numpy(dtype=float))
    if not_finite.any():
        raise DataValidationError(
            "values must be finite (no NaN, blank or infinity)",
            column="value_usd_m",
            rows=_rows(not_finite, frame.index),
            fix="drop rows of missing years; gaps between years are allowed",
        )
    negative = values < 0
    if negative.any():
        raise DataValidationError(
            "trade values cannot be negative",
            column="value_usd_m",
            rows=_rows(negative, frame.index),
            fix="check the sign convention; imports are positive amounts",
        )

    source = frame["source"].fillna("user").astype(str) if "source" in frame else pd.Series("user", frame.index)
    flag = frame["flag"].fillna("").astype(str) if "flag" in frame else pd.Series("", frame.index)
    if "exposure" in frame:
        exposure = pd.to_numeric(frame["exposure"], errors="coerce")
        bad = exposure.isna() | (exposure <= 0) | (exposure > 1)
        if bad.any():
            raise DataValidationError(
                "exposure must lie in (0, 1]: the fraction of the year a value covers",
                column="exposure",
                rows=_rows(bad, frame.index),
                fix="use 0.75 for January-September, 1 for a full year",
            )
        unflagged = (exposure < 1) & ~flag.str.contains("partial_year")
        if unflagged.any():
            raise DataValidationError(
                "partial-year rows (exposure < 1) need flag 'partial_year'",
                column="flag",
                rows=_rows(unflagged, frame.index),
                fix="set flag='partial_year' on those rows (they are kept but not used as annual reports)",
            )

    out = pd.DataFrame(
        {
            "year": years,
            "flow": flow,
            "reporter": reporter,
            "partner": np.where(flow == "exports", importer, exporter),
            "source": source,
            "value_usd_m": values.astype(np.float64),
            "valuation": np.where(flow == "exports", "fob", "cif"),
            "flag": flag,
            "usable": ~flag.str.contains("partial_year|misattributed|derived_from_partner"),
            "quote": frame["quote"].fillna("").astype(str) if "quote" in frame else "user supplied",
        },
        index=frame.index,
    )
    duplicated = out.duplicated(["year", "flow", "reporter", "source"], keep=False)
    if duplicated.any():
        raise DataValidationError(
            "each (year, flow, reporter, source) may appear once",
            column="year",
            rows=_rows(duplicated, frame.index),
            fix="aggregate the repeated rows, or give them distinct 'source' names",
        )
    return out.reset_index(drop=True)


def series_from_frame(
    data: pd.DataFrame | str | Path,
    *,
    name: str,
    concept: str,
    unit: str,
    kind: SeriesKind = "signed",
    source: str = "user supplied",
    min_length: int = 3,
) -> YearlySeries:
    """A user's tagged yearly series (e.g. FDI) with explicit concept and unit checks.

    Besides ``year`` and ``value`` the frame may carry ``concept``, ``unit`` and ``currency`` columns;
    each must hold one value equal to the declared one, so that two FDI concepts (gross inflows, net
    directional flows, BoP net incurrence of liabilities) or two currencies are never mixed silently.

    Raises
    ------
    DataValidationError
        On a concept or unit mismatch, mixed currencies, or any :func:`yearly_series` problem.
    """
    frame = read_frame(data, "series")
    if "concept" in frame:
        concepts = frame["concept"].astype(str)
        mismatch = concepts != concept
        if mismatch.any():
            raise DataValidationError(
                f"concept mismatch: rows say {sorted(concepts[mismatch].unique())[:3]}, the series is {concept!r}",
                column="concept",
                rows=_rows(mismatch, frame.index),
                fix="split the frame by concept; never sum or splice different FDI concepts",
            )
    if "unit" in frame:
        check_single_unit(frame, "unit", {unit.lower()}, unit)
    if "currency" in frame:
        currency = unit.split()[0].lower()
        check_single_unit(frame, "currency", {currency}, currency.upper())
    core = frame[[c for c in ("year", "value", "exposure", "flag") if c in frame]] if "year" in frame else frame
    return yearly_series(core, name=name, unit=unit, kind=kind, concept=concept, source=source, min_length=min_length)
