"""Run presets and package-wide defaults.

The interval defaults live here, once: every table and plot states them (STYLE.md rule 2).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

IntervalKind = Literal["eti", "hdi"]

DEFAULT_PROB: float = 0.9
"""Default interval probability (0.9 means 90%)."""

DEFAULT_KIND: IntervalKind = "eti"
"""Default interval kind: equal-tailed. HDI is available through ``kind="hdi"``."""

CHAINS: int = 4
"""Always four chains, so that R-hat compares like with like."""

CORES: int = 2
"""The reference machines have two cores (ENVIRONMENT.md)."""


@dataclass(frozen=True)
class SamplerPreset:
    """How hard to sample.

    Attributes
    ----------
    name
        ``"fast"`` for smoke runs and CI, ``"full"`` for results of record.
    draws, tune
        Draws and warm-up iterations per chain.
    target_accept
        NUTS target acceptance; random-walk latents need 0.95 or more (ENVIRONMENT.md).
    """

    name: str
    draws: int
    tune: int
    target_accept: float


PRESETS: dict[str, SamplerPreset] = {
    "fast": SamplerPreset("fast", draws=300, tune=300, target_accept=0.95),
    "full": SamplerPreset("full", draws=1000, tune=1000, target_accept=0.95),
}


def preset(name: str) -> SamplerPreset:
    """Return the named sampler preset.

    Raises
    ------
    ValueError
        If ``name`` is not one of :data:`PRESETS`.
    """
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown preset {name!r}; choose one of {sorted(PRESETS)}") from None
