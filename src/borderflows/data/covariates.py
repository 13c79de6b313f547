"""Pair covariates for the world panel: distance, land border, landlocked, agreements, re-export hubs.

Every value comes from a bundled file built from a packaged or quoted source (``covariate_sources()``
says which): capitals, coastline and land borders from the ``pyworldatlas`` package (GeoNames, CIA World
Factbook, Natural Earth), customs unions, free-trade areas and re-export hubs from typed lists that keep
a source URL and quote per row. A code the sources do not cover (historical states, Taiwan, Kosovo,
Belgium-Luxembourg) gives missing values and a ``flag``, never 0 or False.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from borderflows.data import schema
from borderflows.data.countries import to_iso3
from borderflows.data.load import _load
from borderflows.exceptions import DataValidationError

EARTH_RADIUS_KM = 6371.0088
"""Mean Earth radius (IUGG) for the haversine great-circle distance."""

PANEL_YEARS = (1995, 2020)
"""Default window for agreement shares: the world panel's years with both reports (DOTS ends in 2020)."""

EU_TOKEN = "*eu"
"""A ``trade_agreements`` member meaning every member of ``eu_customs_union`` in that year."""

PairsLike = pd.DataFrame | Iterable[tuple[str, str]] | None


def covariate_sources() -> pd.DataFrame:
    """Where each covariate comes from.

    Returns
    -------
    pandas.DataFrame
        ``covariate``, ``source`` (package and version, or the typed list), ``version``, ``licence``,
        ``reference`` (the datasets inside the package), ``notes`` (method).
    """
    return _load("covariate_sources").copy()


def country_geography() -> pd.DataFrame:
    """Per DOTS country: ``iso3``, ``name``, ``covered``, ``capital``, ``capital_lat``, ``capital_lon``,
    ``coastline_km``, ``landlocked`` (nullable boolean), ``flag``."""
    return _load("country_geography").copy()


def _pairs(pairs: PairsLike, codes: list[str]) -> pd.DataFrame:
    if pairs is None:
        grid = pd.MultiIndex.from_product([codes, codes], names=["exporter", "importer"]).to_frame(index=False)
        return grid[grid["exporter"] != grid["importer"]].reset_index(drop=True)
    if isinstance(pairs, pd.DataFrame):
        missing = [c for c in ("exporter", "importer") if c not in pairs.columns]
        if missing:
            raise DataValidationError(
                f"pairs lack column(s) {', '.join(missing)}",
                column=missing[0],
                fix="pass a frame with columns exporter and importer, or a list of (exporter, importer) tuples",
            )
        frame = pairs[["exporter", "importer"]].astype(str)
    else:
        frame = pd.DataFrame(list(pairs), columns=["exporter", "importer"]).astype(str)
    for column in ("exporter", "importer"):
        codes_of = {c: to_iso3(c, column=column) for c in frame[column].unique()}
        frame[column] = frame[column].map(codes_of)
    same = frame["exporter"] == frame["importer"]
    if same.any():
        raise DataValidationError(
            f"exporter equals importer in {int(same.sum())} pair(s), first {frame.loc[same, 'exporter'].iloc[0]}",
            column="importer",
            fix="drop pairs of a country with itself",
        )
    return frame.drop_duplicates().reset_index(drop=True)


def _haversine(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlat, dlon = p2 - p1, np.radians(lon2 - lon1)
    h = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(h)))


def members_by_year(years: tuple[int, int] = PANEL_YEARS) -> pd.DataFrame:
    """Long table ``agreement``, ``kind``, ``iso3``, ``year``: who is in which listed agreement each year.

    ``*eu`` rows expand to the EU customs union's members of that year (``via_eu`` True): such an
    agreement links its explicit members with the EU, not EU members with each other.
    """
    first, last = years
    agreements = _load("trade_agreements")
    ends = agreements["year_to"].fillna(last).astype(np.int64).clip(upper=last).to_numpy()
    starts = agreements["year_from"].clip(lower=first).to_numpy()
    rows: list[tuple[str, str, str, int]] = []
    for name, kind, iso3, y0, y1 in zip(
        agreements["agreement"], agreements["kind"], agreements["iso3"], starts, ends, strict=True
    ):
        rows.extend((str(name), str(kind), str(iso3), y) for y in range(int(y0), int(y1) + 1))
    long = pd.DataFrame(rows, columns=["agreement", "kind", "iso3", "year"])
    eu = long[long["agreement"] == "eu_customs_union"][["iso3", "year"]]
    tokens = long[long["iso3"] == EU_TOKEN].drop(columns="iso3")
    expanded = tokens.merge(eu, on="year")[["agreement", "kind", "iso3", "year"]].assign(via_eu=True)
    out = pd.concat([long[long["iso3"] != EU_TOKEN].assign(via_eu=False), expanded], ignore_index=True)
    out = out.sort_values(["agreement", "iso3", "year", "via_eu"]).drop_duplicates(["agreement", "iso3", "year"])
    return out.reset_index(drop=True)


def _common(wanted: pd.DataFrame, years: tuple[int, int]) -> pd.DataFrame:
    """Rows (exporter, importer, year, agreement, kind) for every listed agreement a wanted pair shares."""
    members = members_by_year(years)
    joined = members.merge(members, on=["agreement", "kind", "year"], suffixes=("_e", "_i"))
    keep = (joined["iso3_e"] != joined["iso3_i"]) & ~(joined["via_eu_e"] & joined["via_eu_i"])
    joined = joined[keep].rename(columns={"iso3_e": "exporter", "iso3_i": "importer"})
    joined = joined.merge(wanted, on=["exporter", "importer"])
    return joined[["exporter", "importer", "year", "agreement", "kind"]].drop_duplicates()


def pair_agreements(pairs: PairsLike = None, years: tuple[int, int] = PANEL_YEARS) -> pd.DataFrame:
    """Per pair and year, the listed agreements both countries belong to.

    Returns
    -------
    pandas.DataFrame
        ``exporter``, ``importer``, ``year``, ``common_customs_union``, ``common_fta`` (a customs union or a
        free-trade area), ``agreements`` (``;``-joined names). Only pairs with at least one common agreement
        in a year have a row; absence means none of the *listed* agreements.
    """
    codes = list(_load("country_geography")["iso3"])
    common = _common(_pairs(pairs, codes), years).sort_values("agreement")
    keys = ["exporter", "importer", "year"]
    grouped = common.assign(cu=common["kind"] == "customs_union").groupby(keys)
    out = pd.DataFrame(
        {"common_customs_union": grouped["cu"].max(), "agreements": grouped["agreement"].agg(";".join)}
    ).reset_index()
    out["common_fta"] = True
    out = out[[*keys, "common_customs_union", "common_fta", "agreements"]]
    return out.astype({"year": np.int64, "common_customs_union": bool, "common_fta": bool})


def pair_covariates(pairs: PairsLike = None, years: tuple[int, int] = PANEL_YEARS) -> pd.DataFrame:
    """One row per (exporter, importer) with the covariates of the world panel.

    Parameters
    ----------
    pairs
        ``None`` for every ordered pair of DOTS codes (219 x 218), a frame with ``exporter`` and ``importer``
        columns, or an iterable of ``(exporter, importer)`` tuples (ISO3 or IMF names).
    years
        ``(first, last)`` inclusive window for the agreement shares.

    Returns
    -------
    pandas.DataFrame
        ``exporter``, ``importer``, ``distance_km`` (great-circle between primary capitals), ``log_distance``,
        ``contiguous`` (a land border in common), ``landlocked_exporter``, ``landlocked_importer``,
        ``customs_union_share`` (share of the window's years in a common listed customs union),
        ``common_customs_union`` (that share >= 0.5), ``fta_share`` and ``common_fta`` (the same for a
        common customs union or free-trade area), ``reexport_hub_exporter``, ``reexport_hub_importer``,
        ``flag`` (``exporter_not_covered``, ``importer_not_covered``, ``no_coastline_figure``). Booleans are
        pandas' nullable type: missing where a source does not cover a code.
    """
    first, last = years
    if not (schema.MIN_YEAR <= first <= last <= schema.MAX_YEAR):
        raise DataValidationError(
            f"years {years!r} is not an increasing (first, last) window", column="years", fix="e.g. years=(1995, 2020)"
        )
    geo = _load("country_geography").set_index("iso3")
    frame = _pairs(pairs, list(geo.index))
    unknown = sorted((set(frame["exporter"]) | set(frame["importer"])) - set(geo.index))
    if unknown:
        raise DataValidationError(
            f"no covariates for {', '.join(unknown[:5])}",
            column="exporter",
            fix="use codes of the DOTS panel (borderflows.data.country_geography()['iso3'])",
        )
    e, i = geo.loc[frame["exporter"]], geo.loc[frame["importer"]]
    distance = _haversine(
        e["capital_lat"].to_numpy(),
        e["capital_lon"].to_numpy(),
        i["capital_lat"].to_numpy(),
        i["capital_lon"].to_numpy(),
    )
    covered = e["covered"].to_numpy() & i["covered"].to_numpy()
    borders = _load("land_borders")
    exporters, importers = frame["exporter"].to_numpy(dtype=str), frame["importer"].to_numpy(dtype=str)
    ordered = exporters < importers
    keys = pd.MultiIndex.from_arrays([np.where(ordered, exporters, importers), np.where(ordered, importers, exporters)])
    contiguous = keys.isin(pd.MultiIndex.from_frame(borders[["iso3_a", "iso3_b"]]))
    hubs = set(_load("reexport_hubs")["iso3"])

    common = _common(frame, years)
    per_year = common.assign(cu=common["kind"] == "customs_union").groupby(["exporter", "importer", "year"])["cu"].max()
    counts = per_year.groupby(["exporter", "importer"]).agg(common_customs_union="sum", common_fta="size")
    n_years = last - first + 1
    keyed = frame.set_index(["exporter", "importer"]).index
    cu_share = counts["common_customs_union"].reindex(keyed, fill_value=0).to_numpy() / n_years
    fta_share = counts["common_fta"].reindex(keyed, fill_value=0).to_numpy() / n_years

    def nullable(values: Iterable[bool], mask: np.ndarray) -> pd.Series:
        return pd.Series(pd.array(list(values), dtype="boolean")).where(mask, pd.NA).astype("boolean")

    e_cov, i_cov = e["covered"].to_numpy(), i["covered"].to_numpy()
    out = pd.DataFrame(
        {
            "exporter": frame["exporter"].to_numpy(),
            "importer": frame["importer"].to_numpy(),
            "distance_km": np.where(covered, distance, np.nan),
            "log_distance": np.where(
                covered, np.log(distance, where=distance > 0, out=np.full_like(distance, np.nan)), np.nan
            ),
            "contiguous": nullable(contiguous, covered),
            "landlocked_exporter": e["landlocked"].reset_index(drop=True),
            "landlocked_importer": i["landlocked"].reset_index(drop=True),
            "customs_union_share": np.where(covered, cu_share, np.nan),
            "common_customs_union": nullable(cu_share >= 0.5, covered),
            "fta_share": np.where(covered, fta_share, np.nan),
            "common_fta": nullable(fta_share >= 0.5, covered),
            "reexport_hub_exporter": nullable(frame["exporter"].isin(hubs), e_cov),
            "reexport_hub_importer": nullable(frame["importer"].isin(hubs), i_cov),
            "flag": _flags(e, i).astype(object),
        }
    )
    return schema.validate(out, schema.PAIR_COVARIATES, what="pair covariates")


def _flags(e: pd.DataFrame, i: pd.DataFrame) -> np.ndarray:
    def side(frame: pd.DataFrame, who: str) -> np.ndarray:
        flag = frame["flag"].to_numpy(dtype=str)
        return np.where(flag == "", "", np.char.add(f"{who}_", flag))

    exporter, importer = side(e, "exporter"), side(i, "importer")
    both = (exporter != "") & (importer != "")
    return np.where(both, np.char.add(np.char.add(exporter, ";"), importer), np.char.add(exporter, importer))


def uncovered_codes() -> list[str]:
    """DOTS codes the geographic sources do not cover (their covariates are missing, flagged)."""
    geo = _load("country_geography")
    return sorted(geo.loc[~geo["covered"], "iso3"])
