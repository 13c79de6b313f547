"""Mirror pairs: what the exporter says it shipped and what the importer says it received, per year.

Default-source rule (also in ``data/README.md``): for each year and flow, the default observation is
the first *usable* one in :data:`SOURCE_PRIORITY` order (IMF DOTS, then UN Comtrade as reported by the
reporter, then Kazakhstan's statistics bureau, WITS, press, seed documents, user). DOTS comes first
because it is one consistent vintage for 1992-2020; UN Comtrade covers 2014-2020 and 2024 (it gives
the seed's 27.95bn vs 15.15bn for 2024); the bureau fills 2020 and 2024-2025. When a year has no
usable row, the best unusable one is shown with ``*_usable = False`` (e.g. Kazakhstan's 1992-1993
imports, which the IMF derived from China's figures). Turnover rows never become defaults.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from borderflows.data import schema
from borderflows.data.countries import to_iso3
from borderflows.data.derived import FLAG, repeated_ratio
from borderflows.data.load import _load
from borderflows.data.validate_input import clean_mirror_frame
from borderflows.exceptions import DataValidationError
from borderflows.results.manifest import data_hash as _data_hash

SOURCE_PRIORITY: tuple[str, ...] = ("imf_dots", "un_comtrade", "kz_bns", "wits", "news", "seed", "user")
"""Order in which sources become the default observation of a (year, flow)."""

OBSERVATION_COLUMNS = list(schema.MIRROR_OBSERVATIONS.columns)
TABLE_COLUMNS = list(schema.MIRROR_TABLE.columns)


@dataclass(frozen=True)
class MirrorPair:
    """Both sides of one directed trade flow, per year, with every source and the default choice.

    Attributes
    ----------
    exporter, importer
        ISO3 codes.
    observations
        One row per (year, flow, reporter, source): ``year``, ``flow`` (``exports`` reported by the
        exporter, ``imports`` reported by the importer, or ``turnover`` from text sources),
        ``reporter``, ``partner``, ``source``, ``value_usd_m``, ``valuation``, ``flag``, ``usable``,
        ``is_default``, ``quote``.
    table
        One row per year from the default sources: ``year``, ``exports_reported`` (X, FOB),
        ``imports_reported`` (M, CIF), ``exports_source``, ``imports_source``, ``exports_usable``,
        ``imports_usable``, ``gap_usd_m`` (X - M) and ``ratio`` (M / X).
    """

    exporter: str
    importer: str
    observations: pd.DataFrame
    table: pd.DataFrame

    @property
    def years(self) -> list[int]:
        """Years of :attr:`table`, ascending."""
        return [int(y) for y in self.table["year"]]

    @property
    def gaps(self) -> list[int]:
        """Years missing from :attr:`table` between its first and last year (allowed, but reported)."""
        present = set(self.years)
        return [y for y in range(min(present), max(present) + 1) if y not in present] if present else []

    @functools.cached_property
    def data_hash(self) -> str:
        """SHA-256 of :attr:`table` (what a model reads), via :func:`borderflows.results.manifest.data_hash`."""
        return _data_hash(self.table)

    def flags(self) -> pd.DataFrame:
        """Observations that carry a flag, for footnotes."""
        return self.observations[self.observations["flag"] != ""].reset_index(drop=True)

    def __repr__(self) -> str:
        years = self.years
        span = f"{years[0]}-{years[-1]}" if years else "no years"
        return f"MirrorPair({self.exporter} -> {self.importer}, {span}, {len(self.observations)} observations)"


def _pick_defaults(obs: pd.DataFrame) -> pd.Series:
    rank = obs["source"].map({s: i for i, s in enumerate(SOURCE_PRIORITY)}).fillna(len(SOURCE_PRIORITY))
    order = pd.DataFrame(
        {
            "unusable": ~obs["usable"],
            "rank": rank,
            "flagged": obs["flag"] != "",
            "pos": np.arange(len(obs)),
        },
        index=obs.index,
    )
    candidates = order[obs["flow"].isin(["exports", "imports"]).to_numpy()]
    candidates = candidates.assign(year=obs["year"], flow=obs["flow"]).sort_values(
        ["year", "flow", "unusable", "rank", "flagged", "pos"]
    )
    chosen = candidates.groupby(["year", "flow"], sort=False).head(1).index
    return pd.Series(obs.index.isin(chosen), index=obs.index)


YearsLike = Iterable[int] | tuple[int, int] | int | None
"""``(first, last)`` inclusive, one year, any iterable of years, or ``None`` for all."""


def _build(exporter: str, importer: str, obs: pd.DataFrame, years: YearsLike = None) -> MirrorPair:
    obs = obs.copy()
    if years is not None:
        obs = _filter_years(obs, years)
    if obs[obs["flow"] != "turnover"].empty:
        raise DataValidationError(
            f"no trade observations for {exporter} -> {importer}",
            column="year",
            fix="check the years requested and the country codes (is the pair in the IMF DOTS panel?)",
        )
    obs = obs.sort_values(["year", "flow", "reporter", "source", "value_usd_m"]).reset_index(drop=True)
    obs["is_default"] = _pick_defaults(obs).to_numpy()
    obs = schema.validate(obs[OBSERVATION_COLUMNS], schema.MIRROR_OBSERVATIONS, what="mirror observations")

    defaults = obs[obs["is_default"]]
    exports = defaults[defaults["flow"] == "exports"].set_index("year")
    imports = defaults[defaults["flow"] == "imports"].set_index("year")
    table = pd.DataFrame({"year": sorted(set(exports.index) | set(imports.index))}).astype(np.int64)
    table["exports_reported"] = table["year"].map(exports["value_usd_m"]).astype(np.float64)
    table["imports_reported"] = table["year"].map(imports["value_usd_m"]).astype(np.float64)
    table["exports_source"] = table["year"].map(exports["source"]).fillna("").astype(str)
    table["imports_source"] = table["year"].map(imports["source"]).fillna("").astype(str)
    table["exports_usable"] = table["year"].map(exports["usable"]).astype("boolean").fillna(False).astype(bool)
    table["imports_usable"] = table["year"].map(imports["usable"]).astype("boolean").fillna(False).astype(bool)
    table["gap_usd_m"] = table["exports_reported"] - table["imports_reported"]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = table["imports_reported"] / table["exports_reported"]
    table["ratio"] = ratio.where(np.isfinite(ratio))
    table = schema.validate(table[TABLE_COLUMNS], schema.MIRROR_TABLE, what="mirror table")
    return MirrorPair(exporter=exporter, importer=importer, observations=obs, table=table)


def mirror_pair_from_observations(
    exporter: str, importer: str, observations: pd.DataFrame, *, years: YearsLike = None
) -> MirrorPair:
    """Assemble a :class:`MirrorPair` from observation rows that already say which are usable.

    The step :func:`mirror_pair` and :func:`mirror_pair_from_frame` end with: pick the default source
    per (year, flow) by :data:`SOURCE_PRIORITY`, build the table and validate both frames. Use it when
    combining curated rows with others (e.g. fetched ones, :mod:`borderflows.fetch.merge`) whose
    ``usable`` and ``flag`` were decided upstream; :func:`mirror_pair_from_frame` would recompute them.

    Parameters
    ----------
    exporter, importer
        ISO3 codes.
    observations
        Rows with the columns of ``MirrorPair.observations`` except ``is_default``.
    years
        Optional subset of years.

    Raises
    ------
    DataValidationError
        A missing column, no trade rows, or rows that fail the observation schema.
    """
    needed = [c for c in OBSERVATION_COLUMNS if c != "is_default"]
    missing = [c for c in needed if c not in observations.columns]
    if missing:
        raise DataValidationError(
            f"observations lack column(s) {', '.join(missing)}",
            column=missing[0],
            fix=f"pass the columns of MirrorPair.observations except is_default: {', '.join(needed)}",
        )
    return _build(exporter, importer, observations, years)


def _filter_years(obs: pd.DataFrame, years: YearsLike) -> pd.DataFrame:
    if years is None:
        return obs
    if isinstance(years, tuple) and len(years) == 2:
        return obs[(obs["year"] >= years[0]) & (obs["year"] <= years[1])]
    if isinstance(years, int):
        return obs[obs["year"] == years]
    return obs[obs["year"].isin(list(years))]


def _bundled_chn_kaz(exporter: str, importer: str) -> pd.DataFrame:
    frame = _load("mirror_chn_kaz")
    direction = (frame["exporter"] == exporter) & (frame["importer"] == importer)
    turnover = frame["flow"] == "turnover"
    return frame[direction | turnover].drop(columns=["exporter", "importer", "reference"])


def _from_dots(exporter: str, importer: str) -> pd.DataFrame:
    panel = _load("dots_panel")
    exports = panel[(panel["reporter"] == exporter) & (panel["partner"] == importer) & (panel["flow"] == "exports_fob")]
    imports = panel[(panel["reporter"] == importer) & (panel["partner"] == exporter) & (panel["flow"] == "imports_cif")]
    return _dots_observations(pd.concat([exports, imports]))


def _repeating_years(rows: pd.DataFrame, usable: np.ndarray) -> np.ndarray:
    """Years in which the pair's usable DOTS reports repeat their mirror ratio (:mod:`borderflows.data.derived`)."""
    kept = rows[usable & (rows["value_usd_m"].to_numpy() > 0)]
    values = kept.pivot_table(index="year", columns="flow", values="value_usd_m", aggfunc="first")
    if not {"exports_fob", "imports_cif"} <= set(values.columns):
        return np.zeros(0, dtype=np.int64)
    ratios = (values["imports_cif"] / values["exports_fob"]).dropna()
    frame = pd.DataFrame({"year": ratios.index.to_numpy(dtype=np.int64), "log_ratio": np.log(ratios.to_numpy(float))})
    return frame["year"].to_numpy()[repeated_ratio(frame)]


def _dots_observations(rows: pd.DataFrame) -> pd.DataFrame:
    """Observation rows of a pair from its DOTS panel rows (the exporter's exports, the importer's imports).

    Rows the IMF derived from the partner are not usable; nor is the importer's report in years where the
    pair's mirror ratio repeats itself (flag ``ratio_repeats``: one side computed from the other, unmarked).
    """
    usable = ~rows["derived_from_partner"].to_numpy(dtype=bool)
    repeats = (rows["flow"].to_numpy() == "imports_cif") & rows["year"].isin(_repeating_years(rows, usable)).to_numpy()
    repeats &= usable
    flag = np.where(rows["derived_from_partner"], "derived_from_partner", "")
    flag = np.where(rows["estimated"], np.char.add(flag, np.where(flag == "", "estimated", ";estimated")), flag)
    flag = np.where(repeats, np.char.add(flag, np.where(flag == "", FLAG, ";" + FLAG)), flag)
    return pd.DataFrame(
        {
            "year": rows["year"].to_numpy(),
            "flow": np.where(rows["flow"] == "exports_fob", "exports", "imports"),
            "reporter": rows["reporter"].to_numpy(),
            "partner": rows["partner"].to_numpy(),
            "source": "imf_dots",
            "value_usd_m": rows["value_usd_m"].to_numpy(),
            "valuation": np.where(rows["flow"] == "exports_fob", "fob", "cif"),
            "flag": flag,
            "usable": usable & ~repeats,
            "quote": [
                f"IMF DOTS {r} {f} {p} {y}: {v:.3f}"
                for r, f, p, y, v in zip(
                    rows["reporter"], rows["flow"], rows["partner"], rows["year"], rows["value_usd_m"], strict=True
                )
            ],
        }
    )


def mirror_pair(exporter: str, importer: str, *, years: YearsLike = None) -> MirrorPair:
    """The mirror pair ``exporter -> importer`` from the bundled data.

    China-Kazakhstan (either direction) combines every bundled source (DOTS, UN Comtrade, WITS, the
    Kazakh statistics bureau, press and seed figures); other pairs come from the IMF DOTS panel.

    Parameters
    ----------
    exporter, importer
        ISO3 codes or IMF country names, e.g. ``"CHN"`` or ``"China, P.R.: Mainland"``.
    years
        ``(first, last)``, a single year or an iterable of years; ``None`` keeps all.

    Raises
    ------
    DataValidationError
        For unknown countries, ``exporter == importer`` or a pair without observations.
    """
    exporter, importer = to_iso3(exporter, column="exporter"), to_iso3(importer, column="importer")
    if exporter == importer:
        raise DataValidationError(
            f"exporter and importer are both {exporter}", column="importer", fix="pick two different countries"
        )
    if {exporter, importer} == {"CHN", "KAZ"}:
        obs = _bundled_chn_kaz(exporter, importer)
    else:
        obs = _from_dots(exporter, importer)
    return _build(exporter, importer, obs, years)


def dots_pair_loader() -> Callable[[str, str], MirrorPair]:
    """A loader of many pairs, each exactly as :func:`mirror_pair` gives it, that splits the DOTS panel once.

    :func:`mirror_pair` filters the 1.9m-row panel for every call (0.6 s); the atlas asks for thousands of
    pairs, so the panel is indexed by reporter and partner once here.

    Returns
    -------
    callable
        ``load(exporter, importer)`` (ISO3 codes) returning the :class:`MirrorPair`, raising
        :class:`DataValidationError` as :func:`mirror_pair` does.
    """
    panel = _load("dots_panel")
    exports = panel[panel["flow"] == "exports_fob"]
    imports = panel[panel["flow"] == "imports_cif"]
    export_rows = exports.groupby(["reporter", "partner"], observed=True).indices
    import_rows = imports.groupby(["reporter", "partner"], observed=True).indices
    none = np.zeros(0, dtype=np.int64)

    def load(exporter: str, importer: str) -> MirrorPair:
        if {exporter, importer} == {"CHN", "KAZ"}:
            return mirror_pair(exporter, importer)
        rows = pd.concat(
            [
                exports.iloc[export_rows.get((exporter, importer), none)],
                imports.iloc[import_rows.get((importer, exporter), none)],
            ]
        )
        return _build(exporter, importer, _dots_observations(rows))

    return load


def mirror_pair_from_frame(data: pd.DataFrame | str | Path, exporter: str, importer: str) -> MirrorPair:
    """A :class:`MirrorPair` from a user's own mirror flows, through the same validation.

    Parameters
    ----------
    data
        A DataFrame or CSV path with columns ``year``, ``flow`` (``exports`` reported by the exporter,
        ``imports`` reported by the importer), ``reporter`` (ISO3 or IMF name), ``value_usd_m``, and
        optionally ``source``, ``flag``, ``quote``, ``exposure`` (fraction of the year covered),
        ``unit`` or ``currency`` (must say USD million throughout).
    exporter, importer
        ISO3 codes or IMF names.

    Raises
    ------
    DataValidationError
        Naming the column, the first offending rows and the fix.
    """
    exporter, importer = to_iso3(exporter, column="exporter"), to_iso3(importer, column="importer")
    if exporter == importer:
        raise DataValidationError(
            f"exporter and importer are both {exporter}", column="importer", fix="pick two different countries"
        )
    obs = clean_mirror_frame(data, exporter, importer)
    return _build(exporter, importer, obs)
