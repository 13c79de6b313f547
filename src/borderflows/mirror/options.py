"""What a mirror-gap model is made of: its options, checked when made, and their plain-dict form.

:class:`MirrorOptions` is the frozen record that the graph (:mod:`borderflows.mirror.model`), the sampler run
(:mod:`borderflows.mirror.compiled`), the fit (:mod:`borderflows.mirror.fitting`), the results and their saved
files read. :class:`~borderflows.mirror.spec.MirrorGap`, the spec a user makes, is these options with ``fit()``;
its docstring describes every field. Here, below every module that reads them, the options need no import of the
spec that fits, so the mirror package's imports point one way: options -> graph -> fit -> results -> spec.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal, Self

from borderflows.exceptions import OptionError
from borderflows.mirror.priors import MarginPrior
from borderflows.sampling import SAMPLERS, Sampler

Mode = Literal["world", "pair"]
Walk = Literal["auto", "centred", "non-centred"]
MODES: tuple[Mode, ...] = ("world", "pair")
WALKS: tuple[Walk, ...] = ("auto", "centred", "non-centred")
MODEL_VERSION = "v3"


@dataclass(frozen=True)
class MirrorOptions:
    """The fields of a mirror-gap spec (:class:`~borderflows.mirror.spec.MirrorGap` describes each), checked when
    made; an unknown or refused value raises :class:`~borderflows.exceptions.OptionError` naming the field."""

    mode: Mode = "world"
    margin: MarginPrior = field(default_factory=MarginPrior)
    breakpoints: tuple[int, ...] = ()
    years: tuple[int, int] | None = None
    sampler: Sampler = "nutpie"
    walk: Walk = "auto"

    def __post_init__(self) -> None:
        if self.walk not in WALKS:
            raise OptionError("walk", f"{self.walk!r} is not a walk parametrisation", f"use one of {', '.join(WALKS)}")
        if self.mode not in MODES:
            raise OptionError("mode", f"{self.mode!r} is not a mode", f"use one of {', '.join(MODES)}")
        if self.sampler not in SAMPLERS:
            raise OptionError("sampler", f"{self.sampler!r} is not a sampler", "use nutpie or pymc")
        if self.years is not None:
            first, last = (int(y) for y in self.years)
            if last - first < 2:
                raise OptionError("years", f"{first}-{last} is too short", "give at least three years, e.g. 1995-2024")
            object.__setattr__(self, "years", (first, last))
        object.__setattr__(self, "breakpoints", tuple(sorted(int(b) for b in self.breakpoints)))

    @property
    def model_id(self) -> str:
        """Identifies the model structure in manifests, e.g. ``"mirror-gap/world/v3"``."""
        return f"mirror-gap/{self.mode}/{MODEL_VERSION}"

    def with_margin(self, centre: float, sd: float | None = None) -> Self:
        """A copy with another margin prior centre (and optionally sd)."""
        return replace(self, margin=MarginPrior(centre=centre, sd=self.margin.sd if sd is None else sd))

    def to_dict(self) -> dict[str, object]:
        """Every field as plain values (the spec.toml ``[model]`` table and the manifest use this)."""
        return {
            "mode": self.mode,
            "margin_centre": self.margin.centre,
            "margin_sd": self.margin.sd,
            "breakpoints": list(self.breakpoints),
            "years": None if self.years is None else list(self.years),
            "sampler": self.sampler,
            "walk": self.walk,
        }

    @classmethod
    def from_dict(cls, values: Mapping[str, object]) -> Self:
        """The options written by :meth:`to_dict`; an unknown key is refused, naming it.

        Raises
        ------
        OptionError
            For a key that is not a field, or a value a field refuses.
        """
        defaults = cls()
        known = set(defaults.to_dict())
        unknown = sorted(set(values) - known)
        if unknown:
            raise OptionError(unknown[0], "is not a mirror model option", f"use only {', '.join(sorted(known))}")
        years = values.get("years")
        breakpoints = values.get("breakpoints", ())
        return cls(
            mode=str(values.get("mode", defaults.mode)),  # type: ignore[arg-type]
            margin=MarginPrior(
                centre=float(values.get("margin_centre", defaults.margin.centre)),  # type: ignore[arg-type]
                sd=float(values.get("margin_sd", defaults.margin.sd)),  # type: ignore[arg-type]
            ),
            breakpoints=tuple(int(b) for b in breakpoints),  # type: ignore[attr-defined]
            years=None if years is None else (int(years[0]), int(years[1])),  # type: ignore[index]
            sampler=str(values.get("sampler", defaults.sampler)),  # type: ignore[arg-type]
            walk=str(values.get("walk", defaults.walk)),  # type: ignore[arg-type]
        )
