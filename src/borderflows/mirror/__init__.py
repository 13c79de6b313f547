"""Bayesian mirror statistics: the share of trade missing from the importer's records, with intervals.

Main entry points: :class:`MirrorGap` (frozen spec; ``fit()`` returns :class:`MirrorGapResults`),
:func:`build_model` (the PyMC graph for a :class:`MirrorData`), :mod:`borderflows.mirror.simulate`
(generative simulator) and :func:`load` (saved results).
"""

from __future__ import annotations

from borderflows.mirror.inputs import MirrorData, build_inputs
from borderflows.mirror.model import build_model
from borderflows.mirror.priors import MarginPrior
from borderflows.mirror.spec import MirrorGap

__all__ = ["MarginPrior", "MirrorData", "MirrorGap", "build_inputs", "build_model", "load"]


def __getattr__(name: str) -> object:
    if name == "load":
        from borderflows.mirror.io import load

        return load
    if name == "MirrorGapResults":
        from borderflows.mirror.results import MirrorGapResults

        return MirrorGapResults
    raise AttributeError(f"module 'borderflows.mirror' has no attribute {name!r}")
