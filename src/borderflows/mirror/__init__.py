"""Bayesian mirror statistics: the share of trade missing from the importer's records, with intervals.

Main entry points: :class:`MirrorGap` (frozen spec; ``fit()`` returns :class:`MirrorGapResults`),
:func:`build_model` (the PyMC graph for a :class:`MirrorData`), :mod:`borderflows.mirror.simulate`
(generative simulator) and :func:`load` (saved results).

Names load on first use, so that importing the spec (e.g. to check options) does not import PyMC.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from borderflows.mirror.inputs import MirrorData, build_inputs
    from borderflows.mirror.model import build_model
    from borderflows.mirror.priors import MarginPrior
    from borderflows.mirror.results import MirrorGapResults
    from borderflows.mirror.spec import MirrorGap, load

_LAZY = {
    "MarginPrior": "priors",
    "MirrorData": "inputs",
    "MirrorGap": "spec",
    "MirrorGapResults": "results",
    "build_inputs": "inputs",
    "build_model": "model",
    "load": "spec",
}

__all__ = ["MarginPrior", "MirrorData", "MirrorGap", "MirrorGapResults", "build_inputs", "build_model", "load"]


def __getattr__(name: str) -> object:
    if name in _LAZY:
        return getattr(import_module(f"borderflows.mirror.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'borderflows.mirror' has no attribute {name!r}")
