"""Merge fetched data into the structures the models read, flagged as fetched rather than curated.

* Trade totals from UN Comtrade or the IMF (IMTS) become mirror observations (``source``
  ``"un_comtrade_api"`` or ``"imf_imts"``, ``flag`` ``"fetched"``) and join the curated ones in a
  :class:`~borderflows.data.MirrorPair` built by the data package's own assembly step, so
  they pass the same assembly and schema. The default-source rule ranks sources it does not list,
  and flagged rows, after the curated ones: fetched figures fill years and flows the curated data
  lack and never silently replace a curated figure.
* WDI indicators become :class:`~borderflows.data.YearlySeries` (see :func:`borderflows.fetch.wdi.wdi_series`)
  and a catalogue in the layout of :func:`borderflows.data.list_series`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

import pandas as pd

from borderflows.data.mirror import MirrorPair, mirror_pair_from_observations
from borderflows.exceptions import DataValidationError
from borderflows.fetch.base import FETCHED_FLAG, Fetched

SOURCE_NAMES = {"un_comtrade": "un_comtrade_api", "imf_imts": "imf_imts"}
"""The ``source`` that fetched rows carry in mirror observations, by loader."""

OBSERVATION_COLUMNS = ["year", "flow", "reporter", "partner", "source", "value_usd_m", "valuation", "flag", "quote"]


def mirror_observations(fetched: Fetched, exporter: str, importer: str) -> pd.DataFrame:
    """Fetched trade totals as mirror observations of ``exporter -> importer``.

    Keeps the exporter's exports to the importer and the importer's imports from the exporter
    (all goods), in millions of US dollars.

    Parameters
    ----------
    fetched
        The result of :func:`~borderflows.fetch.comtrade.fetch_comtrade` (``level="total"``) or
        :func:`~borderflows.fetch.imf.fetch_imf_imts`.
    exporter, importer
        ISO3 codes.

    Returns
    -------
    pandas.DataFrame
        Columns ``OBSERVATION_COLUMNS``; ``flag`` is ``"fetched"``; ``quote`` says source, value,
        retrieval time and client.
    """
    if fetched.source not in SOURCE_NAMES:
        raise DataValidationError(
            f"{fetched.source} data are not trade flows",
            column="source",
            fix="pass the result of fetch_comtrade or fetch_imf_imts",
        )
    data = fetched.data
    if fetched.source == "un_comtrade":
        data = data[data["cmd_code"] == "TOTAL"].assign(value_usd_m=data["value_usd"] / 1e6)
    exports = data[(data["reporter"] == exporter) & (data["partner"] == importer) & (data["flow"] == "exports")]
    imports = data[(data["reporter"] == importer) & (data["partner"] == exporter) & (data["flow"] == "imports")]
    rows = pd.concat([exports, imports], ignore_index=True)
    retrieved = {e.retrieved_at for e in fetched.entries}
    when = ", ".join(sorted(retrieved))
    client = fetched.entries[0].client if fetched.entries else ""
    source = SOURCE_NAMES[fetched.source]
    label = {"un_comtrade_api": "UN Comtrade API", "imf_imts": "IMF IMTS API"}[source]
    quotes = [
        f"{label}: {r} {f} {'to' if f == 'exports' else 'from'} {p} {y}: {v:,.3f} USD m ({val}); "
        f"retrieved {when} with {client}"
        for r, f, p, y, v, val in zip(
            rows["reporter"],
            rows["flow"],
            rows["partner"],
            rows["year"],
            rows["value_usd_m"],
            rows["valuation"],
            strict=True,
        )
    ]
    out = pd.DataFrame(
        {
            "year": rows["year"].astype("int64"),
            "flow": rows["flow"].astype(str),
            "reporter": rows["reporter"].astype(str),
            "partner": rows["partner"].astype(str),
            "source": source,
            "value_usd_m": rows["value_usd_m"].astype("float64"),
            "valuation": rows["valuation"].astype(str),
            "flag": FETCHED_FLAG,
            "quote": pd.Series(quotes, dtype="object"),
        }
    )
    return out[OBSERVATION_COLUMNS].sort_values(["year", "flow"]).reset_index(drop=True)


SAME_REPORT_AS = {"un_comtrade_api": "un_comtrade", "imf_imts": "imf_dots"}
"""Curated source that holds the same national report as a fetched source (IMTS succeeds DOTS)."""

DUPLICATE_FLAG = "duplicates_curated"


def mirror_pair_with_fetched(
    exporter: str,
    importer: str,
    fetched: Fetched | Iterable[Fetched],
    *,
    include_bundled: bool = True,
) -> MirrorPair:
    """A :class:`~borderflows.data.MirrorPair` of curated and fetched observations.

    Parameters
    ----------
    exporter, importer
        ISO3 codes.
    fetched
        One or more Comtrade (totals) or IMF IMTS results.
    include_bundled
        Start from the bundled pair (``borderflows.data.mirror_pair``) when there is one.

    Returns
    -------
    borderflows.data.MirrorPair
        Fetched rows carry ``flag`` ``"fetched"``. A fetched row that repeats a curated row of the
        same report (same year, flow and reporter, from UN Comtrade or IMF DOTS) is kept for
        comparison but flagged ``"fetched;duplicates_curated"`` and not usable, so no report enters
        a likelihood twice. Curated defaults stay the defaults wherever they exist.
    """
    from borderflows.data import mirror_pair

    items = [fetched] if isinstance(fetched, Fetched) else list(fetched)
    new = pd.concat([mirror_observations(f, exporter, importer) for f in items], ignore_index=True)
    if new.empty and any(len(f.data) for f in items):
        raise DataValidationError(
            f"the fetched data hold no all-goods flows of {exporter} -> {importer}",
            column="reporter",
            fix="fetch totals (level='total') for this pair, or swap exporter and importer",
        )
    curated = pd.DataFrame(columns=[*OBSERVATION_COLUMNS, "usable"])
    if include_bundled:
        with contextlib.suppress(DataValidationError):  # a pair the bundled data do not cover
            curated = mirror_pair(exporter, importer).observations.drop(columns="is_default")
    seen = set(zip(curated["year"], curated["flow"], curated["reporter"], curated["source"], strict=True))
    duplicate = pd.Series(
        [
            (y, f, r, SAME_REPORT_AS[s]) in seen
            for y, f, r, s in zip(new["year"], new["flow"], new["reporter"], new["source"], strict=True)
        ],
        index=new.index,
        dtype=bool,
    )
    new["flag"] = new["flag"].where(~duplicate, f"{FETCHED_FLAG};{DUPLICATE_FLAG}")
    new["usable"] = ~duplicate
    combined = pd.concat([curated, new[curated.columns]], ignore_index=True)
    if combined.empty:
        raise DataValidationError(
            f"nothing to merge for {exporter} -> {importer}",
            column="reporter",
            fix="check that the fetched data cover this pair and direction",
        )
    combined = combined.astype({"year": "int64", "value_usd_m": "float64", "usable": bool})
    # Not `mirror_pair_from_frame`: it would recompute `usable` from flags and lose the curated choices.
    return mirror_pair_from_observations(exporter, importer, combined)


PRODUCT_COLUMNS = [
    "year",
    "cmd_code",
    "cmd_desc",
    "exports_usd",
    "imports_usd",
    "exports_kg",
    "imports_kg",
    "exports_qty",
    "imports_qty",
    "qty_unit",
    "value_ratio",
    "weight_ratio",
    "unit_value_ratio",
]


def product_mirror(fetched: Fetched, exporter: str, importer: str) -> pd.DataFrame:
    """Both sides of ``exporter -> importer`` per HS chapter and year, with weights and unit values.

    Lets a model tell under-invoicing (weights agree, values do not) from unrecorded volume (both
    fall short). Ratios are importer over exporter: ``value_ratio`` = M/X in dollars,
    ``weight_ratio`` = M/X in kg, ``unit_value_ratio`` = (M/kg)/(X/kg). A ratio is missing when a
    side lacks the number (Comtrade often omits weights), never computed from a zero.

    Parameters
    ----------
    fetched
        The result of :func:`~borderflows.fetch.comtrade.fetch_comtrade` with ``level="hs2"``.
    exporter, importer
        ISO3 codes.

    Returns
    -------
    pandas.DataFrame
        Columns ``PRODUCT_COLUMNS``, one row per (year, chapter) reported by either side.
    """
    if fetched.source != "un_comtrade":
        raise DataValidationError(
            f"{fetched.source} data have no product detail", column="source", fix="pass fetch_comtrade(level='hs2')"
        )
    data = fetched.data[fetched.data["cmd_code"] != "TOTAL"]
    if data.empty:
        raise DataValidationError(
            "the fetched Comtrade data hold totals only", column="cmd_code", fix="fetch with level='hs2'"
        )
    keys = ["year", "cmd_code"]
    x = data[(data["reporter"] == exporter) & (data["partner"] == importer) & (data["flow"] == "exports")]
    m = data[(data["reporter"] == importer) & (data["partner"] == exporter) & (data["flow"] == "imports")]
    side = ["value_usd", "net_weight_kg", "qty", "qty_unit", "cmd_desc"]
    table = x[keys + side].merge(m[keys + side], on=keys, how="outer", suffixes=("_x", "_m"))
    units_agree = table["qty_unit_x"].fillna("") == table["qty_unit_m"].fillna("")
    out = pd.DataFrame(
        {
            "year": table["year"].astype("int64"),
            "cmd_code": table["cmd_code"].astype(str),
            "cmd_desc": table["cmd_desc_x"].fillna(table["cmd_desc_m"]).fillna("").astype(str),
            "exports_usd": table["value_usd_x"].astype("float64"),
            "imports_usd": table["value_usd_m"].astype("float64"),
            "exports_kg": table["net_weight_kg_x"].astype("float64"),
            "imports_kg": table["net_weight_kg_m"].astype("float64"),
            # Quantities compare only in the same unit (u, kg, l, ...).
            "exports_qty": table["qty_x"].where(units_agree).astype("float64"),
            "imports_qty": table["qty_m"].where(units_agree).astype("float64"),
            "qty_unit": table["qty_unit_x"].where(units_agree).fillna("").astype(str),
        }
    )
    positive = out[["exports_usd", "imports_usd", "exports_kg", "imports_kg"]].where(lambda f: f > 0)
    out["value_ratio"] = positive["imports_usd"] / positive["exports_usd"]
    out["weight_ratio"] = positive["imports_kg"] / positive["exports_kg"]
    unit_x = positive["exports_usd"] / positive["exports_kg"]
    unit_m = positive["imports_usd"] / positive["imports_kg"]
    out["unit_value_ratio"] = unit_m / unit_x
    return out[PRODUCT_COLUMNS].sort_values(keys).reset_index(drop=True)


def series_catalog(fetched: Fetched) -> pd.DataFrame:
    """Fetched WDI series in the layout of :func:`borderflows.data.list_series`.

    Columns: ``name``, ``title``, ``unit``, ``kind``, ``concept``, ``first_year``, ``last_year``,
    ``n``, ``source``.
    """
    from borderflows.fetch.wdi import wdi_series

    if fetched.source != "wdi":
        raise DataValidationError(
            f"{fetched.source} data are not WDI series", column="source", fix="pass the result of fetch_wdi"
        )
    rows = []
    for (indicator, economy), group in fetched.data.groupby(["indicator", "economy"], sort=True):
        series = wdi_series(fetched, str(indicator), str(economy))
        rows.append(
            {
                "name": series.name,
                "title": f"{group['indicator_name'].iloc[0]}, {group['economy_name'].iloc[0] or economy}",
                "unit": series.unit,
                "kind": series.kind,
                "concept": series.concept,
                "first_year": int(series.years.min()),
                "last_year": int(series.years.max()),
                "n": len(series),
                "source": series.source,
            }
        )
    columns = ["name", "title", "unit", "kind", "concept", "first_year", "last_year", "n", "source"]
    return pd.DataFrame(rows, columns=columns)
