"""The frozen specification of the mirror-gap model: ``fit()`` returns a new results object, :func:`load` reads
saved results back.

The options it is made of, and their checks, are :class:`~borderflows.mirror.options.MirrorOptions`; this module
stands above the fit and the results, which read only the options.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from borderflows.config import preset as get_preset
from borderflows.mirror.inputs import MirrorData, PairLike, build_inputs
from borderflows.mirror.options import MirrorOptions
from borderflows.sampling import resolve_seed

if TYPE_CHECKING:
    from borderflows.mirror.results import MirrorGapResults
    from borderflows.mirror.world import WorldPosterior


@dataclass(frozen=True)
class MirrorGap(MirrorOptions):
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


def load(path: Path, model_id: str | None = None) -> MirrorGapResults:
    """Load results written by :meth:`MirrorGapResults.save <borderflows.mirror.results.MirrorGapResults.save>`,
    with the :class:`MirrorGap` that made them.

    Parameters
    ----------
    path
        The folder given to ``save``.
    model_id
        The model the caller expects (e.g. ``MirrorGap(mode="pair").model_id``); default: the
        current version of the saved mode.

    Raises
    ------
    ResultsMismatchError
        If the folder holds a different model, an older model version or another package version.
    """
    from borderflows.mirror.io import read
    from borderflows.mirror.results import MirrorGapResults

    saved = read(Path(path), model_id)
    return MirrorGapResults(
        spec=MirrorGap.from_dict(saved.spec),
        data=saved.data,
        idata=saved.idata,
        random_seed=saved.manifest.random_seed,
        preset=saved.manifest.preset,
        diagnostics=saved.diagnostics,
        identification=saved.identification,
        data_hash=saved.manifest.data_hash,
    )


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
