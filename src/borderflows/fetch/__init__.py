"""Fresh data from the online sources, cached on disk with provenance and flagged as fetched.

* :func:`fetch_comtrade` -- UN Comtrade (``comtradeapicall``): bilateral totals and HS chapters,
  both directions, values, net weight and quantity. API key from ``COMTRADE_API_KEY``.
* :func:`fetch_wdi` -- World Bank WDI (``wbgapi``), e.g. ``BX.KLT.DINV.CD.WD``; :func:`wdi_series`
  turns one indicator and economy into a :class:`~borderflows.data.YearlySeries`.
* :func:`fetch_imf_imts` -- IMF International Trade in Goods (IMTS, successor of DOTS) via SDMX
  (``sdmx1``).
* :func:`mirror_pair_with_fetched` -- curated and fetched trade flows in one
  :class:`~borderflows.data.MirrorPair`; :func:`product_mirror` -- both sides per HS chapter with
  weights and unit values.

Every loader returns :class:`Fetched` (a tidy table plus the request, retrieval time and source
version of each download) and raises :class:`~borderflows.exceptions.FetchError` with one clear
sentence on network, HTTP or payload problems. See ``docs/fetching.md``.
"""

from __future__ import annotations

from borderflows.fetch.base import FETCHED_FLAG, Fetched
from borderflows.fetch.cache import CacheEntry, FetchCache, default_cache_dir
from borderflows.fetch.comtrade import fetch_comtrade
from borderflows.fetch.imf import fetch_imf_imts
from borderflows.fetch.merge import mirror_observations, mirror_pair_with_fetched, product_mirror, series_catalog
from borderflows.fetch.wdi import fetch_wdi, wdi_series

__all__ = [
    "FETCHED_FLAG",
    "CacheEntry",
    "FetchCache",
    "Fetched",
    "default_cache_dir",
    "fetch_comtrade",
    "fetch_imf_imts",
    "fetch_wdi",
    "mirror_observations",
    "mirror_pair_with_fetched",
    "product_mirror",
    "series_catalog",
    "wdi_series",
]
