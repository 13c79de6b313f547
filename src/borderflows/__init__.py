"""borderflows: Bayesian mirror statistics and short-series forecasts for China-Kazakhstan ties.

Submodules are imported lazily so that ``import borderflows`` stays cheap; ``bf.data``,
``bf.mirror``, ``bf.forecast``, ``bf.atlas``, ``bf.results`` and ``bf.diagnostics`` load on first use.
"""

from __future__ import annotations

import importlib
from importlib import metadata
from types import ModuleType

__version__ = metadata.version("borderflows")

_SUBMODULES = {
    "data",
    "mirror",
    "forecast",
    "results",
    "diagnostics",
    "plotting",
    "report",
    "fetch",
    "config",
    "atlas",
}


def __getattr__(name: str) -> ModuleType:
    if name in _SUBMODULES:
        return importlib.import_module(f"borderflows.{name}")
    raise AttributeError(f"module 'borderflows' has no attribute {name!r}")


__all__ = ["__version__", *sorted(_SUBMODULES)]
