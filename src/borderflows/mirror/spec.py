"""The frozen specification of the mirror-gap model; ``fit()`` returns a new results object."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

import pandas as pd

from borderflows.config import preset as get_preset
from borderflows.exceptions import OptionError
from borderflows.mirror.inputs import MirrorData, PairLike, build_inputs
from borderflows.mirror.priors import MarginPrior
from borderflows.sampling import resolve_seed

if TYPE_CHECKING:
    from borderflows.mirror.results import MirrorGapResults
    from borderflows.mirror.world import WorldPosterior

logger = logging.getLogger(__name__)

Mode = Literal["world", "pair"]
Walk = Literal["auto", "centred", "non-centred"]
MODES = ("world", "pair")
WALKS = ("auto", "centred", "non-centred")
MODEL_VERSION = "v3"


@dataclass(frozen=True)
class MirrorGap:
    """Bayesian mirror-gap model: the pair's shortfall in the importer's records beyond comparable pairs.

    Parameters
    ----------
    mode
        ``"world"`` (default): the pair's usual mirror ratio (margin, both reporters' usual behaviour,
        pair covariates and the spread of pairs like it) comes from the world panel posterior
        (:mod:`borderflows.mirror.world`), learned once from every DOTS pair; ``"pair"``: from the
        margin and reporter-bias priors alone (outputs say the answer leans on them).
    margin
        CIF/FOB margin prior (:class:`~borderflows.mirror.priors.MarginPrior`) of pair mode; in world
        mode the margin is learned by the world model.
    breakpoints
        Years where logit u may step (e.g. ``(2015, 2020, 2022)``); effects get intervals.
    years
        Inclusive year range to report; default every year with a report, from 1995 on in world mode (the
        world panel's years: the pair's usual mirror ratio is learned for that era, and earlier regimes,
        such as US-Canada trade before their 1990 data exchange, would read as a shortfall).
    sampler
        ``"nutpie"`` (default; compiled once per shape) or ``"pymc"``.
    walk
        Parametrisation of the logit-u random walk; both define the same model. ``"auto"`` (default)
        samples the non-centred walk (steps sampled, suits data that say little about u, as for most
        pairs) and refits with the centred walk (yearly values sampled, sigma_u integrated out; suits
        ratios that pin u down) if the first fails the convergence gate; the results record the one that
        ran.

    Examples
    --------
    >>> import borderflows as bf  # doctest: +SKIP
    >>> res = bf.mirror.MirrorGap().fit(bf.data.mirror_pair("CHN", "KAZ"), random_seed=2024)  # doctest: +SKIP
    """

    mode: Mode = "world"
    margin: MarginPrior = field(default_factory=MarginPrior)
    breakpoints: tuple[int, ...] = ()
    years: tuple[int, int] | None = None
    sampler: Literal["nutpie", "pymc"] = "nutpie"
    walk: Walk = "auto"

    def __post_init__(self) -> None:
        if self.walk not in WALKS:
            raise OptionError("walk", f"{self.walk!r} is not a walk parametrisation", f"use one of {', '.join(WALKS)}")
        if self.mode not in MODES:
            raise OptionError("mode", f"{self.mode!r} is not a mode", f"use one of {', '.join(MODES)}")
        if self.sampler not in ("nutpie", "pymc"):
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

    def with_margin(self, centre: float, sd: float | None = None) -> MirrorGap:
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
    def from_dict(cls, values: Mapping[str, object]) -> MirrorGap:
        """The spec written by :meth:`to_dict`; an unknown key is refused, naming it.

        Raises
        ------
        OptionError
            For a key that is not a field, or a value a field refuses.
        """
        known = {"mode", "margin_centre", "margin_sd", "breakpoints", "years", "sampler", "walk"}
        unknown = sorted(set(values) - known)
        if unknown:
            raise OptionError(unknown[0], "is not a mirror model option", f"use only {', '.join(sorted(known))}")
        defaults = cls()
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

    def inputs(
        self,
        pair: PairLike,
        evidence: bool | pd.DataFrame = False,
        world: WorldPosterior | None = None,
    ) -> MirrorData:
        """Assemble the model inputs (world posterior and evidence loaded from the package when asked).

        Parameters
        ----------
        pair
            The target pair.
        evidence
            ``True`` loads :func:`borderflows.data.evidence` for the pair; a frame is used as given.
        world
            World posterior for world mode; ``None`` loads the committed one
            (:func:`borderflows.mirror.world.default_world`).
        """
        offset = None
        first_year = None
        if self.mode == "world":
            from borderflows.mirror.world import WORLD_YEARS, default_world

            first_year = WORLD_YEARS[0]
            size = _median_size(pair, first_year)
            offset = (world or default_world()).offset_prior(str(pair.exporter), str(pair.importer), size)
        statements: pd.DataFrame | None
        if isinstance(evidence, pd.DataFrame):
            statements = evidence
        elif evidence:
            statements = _load_evidence(str(pair.exporter), str(pair.importer))
        else:
            statements = None
        return build_inputs(pair, offset=offset, statements=statements, years=self.years, first_year=first_year)

    def fit(
        self,
        pair: PairLike,
        *,
        random_seed: int | None = None,
        preset: str = "full",
        evidence: bool | pd.DataFrame = True,
        world: WorldPosterior | None = None,
    ) -> MirrorGapResults:
        """Fit the model and return a new :class:`~borderflows.mirror.results.MirrorGapResults`.

        Parameters
        ----------
        pair
            A :class:`borderflows.data.MirrorPair` (or anything with ``exporter``, ``importer``
            and the contract's ``table``).
        random_seed
            Seed of the run; drawn and recorded when ``None``.
        preset
            ``"full"`` for results of record, ``"fast"`` for smoke runs.
        evidence
            Include published gap statements that add information (``True``), leave them out
            (``False``), or pass a statements frame.
        world
            World posterior (world mode); ``None`` uses the committed one.
        """
        get_preset(preset)  # an unknown preset fails before any data are assembled
        data = self.inputs(pair, evidence=evidence, world=world)
        return self.fit_data(data, random_seed=random_seed, preset=preset, data_hash=_pair_hash(pair))

    def fit_data(
        self,
        data: MirrorData,
        *,
        random_seed: int | None = None,
        preset: str = "full",
        data_hash: str = "",
    ) -> MirrorGapResults:
        """Fit prepared :class:`MirrorData` (used by :meth:`fit` and by simulation studies)."""
        from borderflows.mirror.fitting import fit_mirror

        return fit_mirror(self, data, random_seed=resolve_seed(random_seed), preset=preset, data_hash=data_hash)


def _median_size(pair: PairLike, first_year: int) -> float:
    """Median over years (from ``first_year``) of the smaller of the pair's two reports, USD m."""
    table = pair.table
    recent = table[table["year"] >= first_year]
    smaller = recent[["exports_reported", "imports_reported"]].min(axis=1, skipna=False).dropna()
    if smaller.empty:
        smaller = table[["exports_reported", "imports_reported"]].min(axis=1).dropna()
    return float(smaller.median()) if len(smaller) else 0.0


def _pair_hash(pair: PairLike) -> str:
    value = getattr(pair, "data_hash", None)
    if isinstance(value, str):
        return value
    from borderflows.results.manifest import data_hash

    return data_hash(pair.table.sort_values("year").reset_index(drop=True))


def _load_evidence(exporter: str, importer: str) -> pd.DataFrame:
    from borderflows import data as bfdata

    statements: pd.DataFrame = bfdata.evidence(exporter=exporter, importer=importer)
    return statements
