"""The frozen specification of the mirror-gap model; ``fit()`` returns a new results object."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

import pandas as pd

from borderflows.config import preset as get_preset
from borderflows.exceptions import BorderflowsError
from borderflows.mirror.inputs import MirrorData, PairLike, build_inputs
from borderflows.mirror.priors import MarginPrior
from borderflows.sampling import resolve_seed

if TYPE_CHECKING:
    from borderflows.mirror.results import MirrorGapResults

logger = logging.getLogger(__name__)

Mode = Literal["panel", "pair"]
Walk = Literal["centred", "non-centred"]
MODEL_VERSION = "v2"
PANEL_YEARS = (1995, 2020)
"""Years of the DOTS panel used to learn reporters' usual behaviour (the issue's analysis of record)."""


@dataclass(frozen=True)
class MirrorGap:
    """Bayesian mirror-gap model: the share of exports the importer's records miss, year by year.

    Parameters
    ----------
    mode
        ``"panel"`` (default): reporters' usual biases are learned from the DOTS panel of the two
        countries' other partners; ``"pair"``: only the pair's own reports, reporter biases from
        priors (outputs say so).
    margin
        CIF/FOB margin prior (:class:`~borderflows.mirror.priors.MarginPrior`).
    breakpoints
        Years where logit u may step (e.g. ``(2015, 2020, 2022)``); effects get intervals.
    years
        Inclusive year range to report; default every year with a report.
    panel_years
        Inclusive year range of panel rows.
    sampler
        ``"nutpie"`` (default; compiled once per shape) or ``"pymc"``.
    walk
        Parametrisation of the logit-u random walk; both define the same model. ``"centred"``
        (default) samples the yearly values with sigma_u integrated out and suits mirror ratios that
        pin u down, as for China->Kazakhstan; ``"non-centred"`` samples sigma_u and standardised steps
        and suits data that say little about u, e.g. u near zero as for Kazakhstan->China, where the
        centred walk mixed badly (R-hat 1.07, bulk ESS 70-90; docs/mirror_model.md). The diagnostics
        gate tells which one a fit needs.

    Examples
    --------
    >>> import borderflows as bf  # doctest: +SKIP
    >>> res = bf.mirror.MirrorGap().fit(bf.data.mirror_pair("CHN", "KAZ"), random_seed=2024)  # doctest: +SKIP
    """

    mode: Mode = "panel"
    margin: MarginPrior = field(default_factory=MarginPrior)
    breakpoints: tuple[int, ...] = ()
    years: tuple[int, int] | None = None
    panel_years: tuple[int, int] | None = PANEL_YEARS
    sampler: Literal["nutpie", "pymc"] = "nutpie"
    walk: Walk = "centred"

    def __post_init__(self) -> None:
        if self.walk not in ("centred", "non-centred"):
            raise ValueError(f"walk must be 'centred' or 'non-centred', got {self.walk!r}")
        if self.mode not in ("panel", "pair"):
            raise ValueError(f"mode must be 'panel' or 'pair', got {self.mode!r}")
        if self.sampler not in ("nutpie", "pymc"):
            raise ValueError(f"sampler must be 'nutpie' or 'pymc', got {self.sampler!r}")
        object.__setattr__(self, "breakpoints", tuple(sorted(int(b) for b in self.breakpoints)))

    @property
    def model_id(self) -> str:
        """Identifies the model structure in manifests, e.g. ``"mirror-gap/panel/v1"``."""
        return f"mirror-gap/{self.mode}/{MODEL_VERSION}"

    def with_margin(self, centre: float, sd: float | None = None) -> MirrorGap:
        """A copy with another margin prior centre (and optionally sd)."""
        return replace(self, margin=MarginPrior(centre=centre, sd=self.margin.sd if sd is None else sd))

    def inputs(
        self,
        pair: PairLike,
        panel: pd.DataFrame | None = None,
        evidence: bool | pd.DataFrame = False,
    ) -> MirrorData:
        """Assemble the model inputs (panel and evidence loaded from ``borderflows.data`` when asked).

        Parameters
        ----------
        pair
            The target pair.
        panel
            A DOTS panel frame; in panel mode ``None`` loads :func:`borderflows.data.dots_panel`.
        evidence
            ``True`` loads :func:`borderflows.data.evidence` for the pair; a frame is used as given.
        """
        if self.mode == "panel" and panel is None:
            panel = _load_panel(str(pair.exporter), str(pair.importer), self.panel_years)
        if self.mode == "pair":
            panel = None
        statements: pd.DataFrame | None
        if isinstance(evidence, pd.DataFrame):
            statements = evidence
        elif evidence:
            statements = _load_evidence(str(pair.exporter), str(pair.importer))
        else:
            statements = None
        return build_inputs(pair, panel=panel, statements=statements, years=self.years, panel_years=self.panel_years)

    def fit(
        self,
        pair: PairLike,
        panel: pd.DataFrame | None = None,
        *,
        random_seed: int | None = None,
        preset: str = "full",
        evidence: bool | pd.DataFrame = True,
    ) -> MirrorGapResults:
        """Fit the model and return a new :class:`~borderflows.mirror.results.MirrorGapResults`.

        Parameters
        ----------
        pair
            A :class:`borderflows.data.MirrorPair` (or anything with ``exporter``, ``importer``
            and the contract's ``table``).
        panel
            DOTS panel frame for panel mode; ``None`` loads the bundled panel.
        random_seed
            Seed of the run; drawn and recorded when ``None``.
        preset
            ``"full"`` for results of record, ``"fast"`` for smoke runs.
        evidence
            Include published gap statements as likelihood terms (``True``), leave them out
            (``False``), or pass a statements frame.
        """
        data = self.inputs(pair, panel=panel, evidence=evidence)
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
        from borderflows.diagnostics import check_convergence
        from borderflows.mirror.posterior import with_noise_scales
        from borderflows.mirror.results import MirrorGapResults
        from borderflows.mirror.sampling import sample_mirror
        from borderflows.results.manifest import data_hash as hash_frame

        seed = resolve_seed(random_seed)
        run = get_preset(preset)
        model, idata = sample_mirror(data, self, run, seed, sampler=self.sampler)
        idata = with_noise_scales(idata, data, seed)
        gate_vars = ["drift", "sigma_s", "sigma_u", "log1p_tau", "sigma_d", "u", "b_exp", "b_imp"]
        gate_vars += [name for name in ("beta", "l_missing", "pair_sd") if name in idata["posterior"]]
        diagnostics = check_convergence(idata, var_names=gate_vars)
        if not data_hash:
            data_hash = hash_frame(pd.DataFrame({"year": data.years, "x": data.x_reported, "m": data.m_reported}))
        return MirrorGapResults(
            spec=self,
            data=data,
            idata=idata,
            random_seed=seed,
            preset=run.name,
            diagnostics=diagnostics,
            data_hash=data_hash,
            model=model,
        )


def _pair_hash(pair: PairLike) -> str:
    value = getattr(pair, "data_hash", None)
    if isinstance(value, str):
        return value
    from borderflows.results.manifest import data_hash

    return data_hash(pair.table.sort_values("year").reset_index(drop=True))


def _load_panel(exporter: str, importer: str, years: tuple[int, int] | None) -> pd.DataFrame:
    """DOTS rows reported by or about either country of the pair."""
    from borderflows import data as bfdata

    if not hasattr(bfdata, "dots_panel"):
        raise BorderflowsError("borderflows.data.dots_panel is not available; pass panel= or use mode='pair'")
    both = [exporter, importer]
    by_reporter = bfdata.dots_panel(reporters=both, years=years)
    by_partner = bfdata.dots_panel(partners=both, years=years)
    return pd.concat([by_reporter, by_partner], ignore_index=True).drop_duplicates()


def _load_evidence(exporter: str, importer: str) -> pd.DataFrame | None:
    from borderflows import data as bfdata

    if not hasattr(bfdata, "evidence"):
        logger.warning("borderflows.data.evidence is not available; fitting without evidence statements")
        return None
    statements: pd.DataFrame = bfdata.evidence(exporter=exporter, importer=importer)
    return statements
