"""Where the bundled data files live, and the registry of datasets built from them.

The curated files sit in the repository's ``data/`` folder. A wheel carries them inside the package as
``borderflows/_data`` (hatch ``force-include``); an editable install finds them at the repository
root. :func:`data_dir` looks in that order and says what to do when neither exists.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from borderflows.data import schema
from borderflows.exceptions import BorderflowsError

_PACKAGE_DATA = Path(__file__).resolve().parents[1] / "_data"
_REPO_DATA = Path(__file__).resolve().parents[3] / "data"


class DataFilesMissingError(BorderflowsError, FileNotFoundError):
    """The bundled data files are not where the package expects them."""


@functools.cache
def data_dir() -> Path:
    """The folder holding the bundled data files.

    Raises
    ------
    DataFilesMissingError
        If neither the installed copy nor the repository's ``data/`` folder holds the files.
    """
    for candidate in (_PACKAGE_DATA, _REPO_DATA):
        if (candidate / "mirror_chn_kaz.csv").is_file():
            return candidate
    raise DataFilesMissingError(
        f"borderflows' bundled data files are missing (looked in {_PACKAGE_DATA} and {_REPO_DATA}). "
        "Fix: reinstall borderflows from a wheel or a full clone of the repository"
    )


@dataclass(frozen=True)
class Dataset:
    """One bundled data file.

    Attributes
    ----------
    name
        Short name used by :func:`borderflows.data.list_datasets`.
    file
        File name inside :func:`data_dir`.
    title, description
        For people.
    schema
        The pandera schema every load is validated against.
    """

    name: str
    file: str
    title: str
    description: str
    schema: pa.DataFrameSchema

    @property
    def path(self) -> Path:
        """Absolute path of the file."""
        return data_dir() / self.file


DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset(
            "dots_panel",
            "dots_panel.parquet",
            "IMF DOTS bilateral trade panel",
            "Every country reporter x country partner, exports FOB and imports CIF, USD m, 1948-2020; "
            "IMF 'estimated' mark and rows derived from the partner's figure flagged.",
            schema.DOTS_PANEL,
        ),
        Dataset(
            "dots_world_totals",
            "dots_world_totals.parquet",
            "IMF DOTS trade with the world",
            "Each country's total exports FOB and imports CIF with the world, USD m.",
            schema.WORLD_TOTALS,
        ),
        Dataset(
            "mirror_chn_kaz",
            "mirror_chn_kaz.csv",
            "China-Kazakhstan mirror trade, all sources",
            "Both directions, one row per (year, flow, reporter, source): IMF DOTS, UN Comtrade, WITS, "
            "Kazakhstan's statistics bureau, press and seed documents, with flags and quotes.",
            schema.MIRROR_OBSERVATIONS,
        ),
        Dataset(
            "evidence",
            "evidence.csv",
            "Published gap statements",
            "Statements about the China-Kazakhstan gap that are not clean pairs, with quote and encoding.",
            schema.EVIDENCE,
        ),
        Dataset(
            "migration_series",
            "migration_series.csv",
            "Migration yearly series",
            "Seed 001 Tables 3.1-3.3 by purpose (2000-2014) and CIS-Stat arrivals/departures (1991-2025).",
            schema.SERIES_VALUES,
        ),
        Dataset(
            "fdi_series",
            "fdi_series.csv",
            "FDI yearly series",
            "IMF BoP direct-investment liabilities (USD m) and wiiw flows/stocks from China and the world "
            "(EUR m); each concept separate.",
            schema.SERIES_VALUES,
        ),
        Dataset(
            "series_catalog",
            "series_catalog.csv",
            "Catalogue of yearly series",
            "Name, title, unit, kind and concept of each migration and FDI series.",
            schema.SERIES_CATALOG,
        ),
        Dataset(
            "migration_points",
            "migration_points.csv",
            "Sparse migration points",
            "Chinese workers and permits, repatriates (kandas), students and stocks: scattered points.",
            schema.POINTS,
        ),
        Dataset(
            "fdi_points",
            "fdi_points.csv",
            "Sparse FDI points",
            "Gross FDI inflows from China and the world and cumulative totals: scattered points.",
            schema.POINTS,
        ),
        Dataset(
            "country_geography",
            "country_geography.csv",
            "Capitals and coastline of every DOTS country",
            "Primary capital and its GeoNames coordinates, CIA Factbook coastline and landlocked status, from the "
            "pyworldatlas package; codes it does not hold are flagged not_covered.",
            schema.COUNTRY_GEOGRAPHY,
        ),
        Dataset(
            "land_borders",
            "land_borders.csv",
            "Land borders between DOTS countries",
            "The reviewed land-border graph of pyworldatlas (GeoNames neighbours cross-checked with Natural Earth).",
            schema.LAND_BORDERS,
        ),
        Dataset(
            "trade_agreements",
            "trade_agreements.csv",
            "Customs unions and free-trade areas by member and year",
            "EU, EU-Turkey, Eurasian, SACU and Mercosur customs unions; CUSFTA, NAFTA/USMCA, EFTA and EEA; one row "
            "per membership spell with source URL and quote.",
            schema.TRADE_AGREEMENTS,
        ),
        Dataset(
            "reexport_hubs",
            "reexport_hubs.csv",
            "Re-export hubs",
            "Economies named as major re-exporters, each with source URL and quote.",
            schema.REEXPORT_HUBS,
        ),
        Dataset(
            "covariate_sources",
            "covariate_sources.csv",
            "Where each pair covariate comes from",
            "Source package and version or typed list, licence and method of every pair covariate.",
            schema.COVARIATE_SOURCES,
        ),
    )
}


def read_raw(name: str) -> pd.DataFrame:
    """Read one bundled file as stored (no type conversion beyond the file format's own)."""
    dataset = DATASETS[name]
    if dataset.file.endswith(".parquet"):
        return pd.read_parquet(dataset.path)
    return pd.read_csv(dataset.path, keep_default_na=False, na_values=[""])
