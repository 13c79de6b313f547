"""Curated, validated data: the China-Kazakhstan mirror pair, the IMF DOTS panel, gap evidence,
migration and FDI series.

Every frame that leaves this package passed a pandera schema (:mod:`borderflows.data.schema`); user
input goes through the same checks and fails with a
:class:`~borderflows.exceptions.DataValidationError` naming the column, rows and fix.

Examples
--------
>>> import borderflows as bf
>>> pair = bf.data.mirror_pair("CHN", "KAZ")
>>> pair.table.loc[pair.table.year == 2024, ["exports_reported", "imports_reported"]]  # doctest: +SKIP
"""

from __future__ import annotations

from borderflows.data.countries import IMF_TO_ISO3, to_iso3
from borderflows.data.covariates import (
    country_geography,
    covariate_sources,
    pair_agreements,
    pair_covariates,
    uncovered_codes,
)
from borderflows.data.load import (
    dots_panel,
    evidence,
    list_datasets,
    list_series,
    load_dataset,
    points,
    series,
    series_frame,
    world_totals,
)
from borderflows.data.mirror import (
    SOURCE_PRIORITY,
    MirrorPair,
    dots_pair_loader,
    mirror_pair,
    mirror_pair_from_frame,
    mirror_pair_from_observations,
)
from borderflows.data.registry import DATASETS, data_dir
from borderflows.data.validate_input import series_from_frame
from borderflows.data.yearly import YearlySeries, yearly_series

__all__ = [
    "DATASETS",
    "IMF_TO_ISO3",
    "SOURCE_PRIORITY",
    "MirrorPair",
    "YearlySeries",
    "country_geography",
    "covariate_sources",
    "data_dir",
    "dots_pair_loader",
    "dots_panel",
    "evidence",
    "list_datasets",
    "list_series",
    "load_dataset",
    "mirror_pair",
    "mirror_pair_from_frame",
    "mirror_pair_from_observations",
    "pair_agreements",
    "pair_covariates",
    "points",
    "series",
    "series_frame",
    "series_from_frame",
    "to_iso3",
    "uncovered_codes",
    "world_totals",
    "yearly_series",
]
