"""Run presets and package-wide defaults.

The interval defaults live here, once: every table and plot states them (STYLE.md rule 2).
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Literal

from borderflows.exceptions import OptionError

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
    """How hard to sample: a named preset, or the run resolved from it that a fit records.

    A preset is resolved once per fit (:func:`resolve_run`); the resolved run is what the sampler
    receives and what the fit's manifest records, so a record never says "full" for a run that drew
    more or less than the full preset.

    Attributes
    ----------
    name
        ``"fast"`` for smoke runs and CI, ``"full"`` for results of record.
    draws, tune
        Draws and warm-up iterations per chain that run (``draws`` already multiplied by ``draws_factor``).
    target_accept
        NUTS target acceptance; random-walk latents need 0.95 or more (ENVIRONMENT.md).
    draws_factor
        How many times the preset's draws this run draws (a model that needs more draws than the
        preset's says so here, e.g. the mirror and world fits' factor 2).
    """

    name: str
    draws: int
    tune: int
    target_accept: float
    draws_factor: int = 1

    def scaled(self, factor: int) -> SamplerPreset:
        """This run with ``factor`` times the draws, the factor recorded."""
        return replace(self, draws=self.draws * factor, draws_factor=self.draws_factor * factor)

    def to_dict(self) -> dict[str, object]:
        """What ran, for manifests: preset name, draws and warm-up per chain, chains, target acceptance, factor."""
        return {
            "preset": self.name,
            "draws": self.draws,
            "tune": self.tune,
            "chains": CHAINS,
            "target_accept": self.target_accept,
            "draws_factor": self.draws_factor,
        }


PRESETS: dict[str, SamplerPreset] = {
    "fast": SamplerPreset("fast", draws=300, tune=300, target_accept=0.95),
    "full": SamplerPreset("full", draws=1000, tune=1000, target_accept=0.95),
}


def preset(name: str, option: str = "preset") -> SamplerPreset:
    """Return the named sampler preset.

    Parameters
    ----------
    name
        A key of :data:`PRESETS`.
    option
        How the caller's user spells the option, for the error (``"--preset"`` on the command line).

    Raises
    ------
    OptionError
        If ``name`` is not one of :data:`PRESETS`.
    """
    check_choice(option, name, PRESETS, what="preset")
    return PRESETS[name]


def resolve_run(
    name: str, *, draws: int | None = None, target_accept: float | None = None, option: str = "preset"
) -> SamplerPreset:
    """The run a fit samples with: the named preset, with the caller's overrides checked and applied.

    Parameters
    ----------
    name
        Preset name (:data:`PRESETS`).
    draws
        Draws per chain instead of the preset's (a positive integer).
    target_accept
        NUTS target acceptance instead of the preset's (strictly between 0 and 1).
    option
        How the caller's user spells the preset option, for errors.

    Raises
    ------
    OptionError
        For an unknown preset or an override out of range.
    """
    run = preset(name, option)
    if draws is not None:
        if isinstance(draws, bool) or not isinstance(draws, int) or draws < 1:
            raise OptionError("draws", f"{draws!r} is not a positive number of draws", "give a whole number >= 1")
        run = replace(run, draws=draws)
    if target_accept is not None:
        check_prob(target_accept, "target_accept")
        run = replace(run, target_accept=float(target_accept))
    return run


def check_choice(option: str, value: object, choices: Iterable[str], *, what: str = "value") -> None:
    """Refuse ``value`` unless it is one of ``choices``, naming the option and the choices.

    Parameters
    ----------
    option
        The option's name as the user wrote it.
    value
        What the user gave.
    choices
        The accepted values.
    what
        The noun in the message: ``"unknown preset 'quick'"``.

    Raises
    ------
    OptionError
        If ``value`` is not among ``choices``.
    """
    allowed = list(choices)
    if value not in allowed:
        raise OptionError(option, f"unknown {what} {value!r}", f"choose one of {', '.join(map(str, allowed))}")


def check_prob(prob: object, option: str = "prob") -> float:
    """Return ``prob`` as a float if it is a probability strictly between 0 and 1.

    Raises
    ------
    OptionError
        If ``prob`` is not a number in (0, 1).
    """
    if isinstance(prob, bool) or not isinstance(prob, numbers.Real) or not 0.0 < float(prob) < 1.0:
        raise OptionError(
            option, f"{prob!r} is not a probability strictly between 0 and 1", "write 0.9 for a 90% interval"
        )
    return float(prob)
