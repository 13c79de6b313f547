"""Shared fixtures of the mirror tests: small simulated pairs, each graph compiled once per session."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import pytest

from borderflows.exceptions import ConvergenceWarning
from borderflows.mirror import MirrorGap
from borderflows.mirror.inputs import MirrorData, OffsetPrior
from borderflows.mirror.results import MirrorGapResults
from borderflows.mirror.simulate import Truth, simulate
from borderflows.mirror.world import (
    WORLD_MODEL_ID,
    WorldPosterior,
    covariate_design,
    drift_scale,
    size_index,
    summarise_pairs,
    world_pair_years,
)

YEARS = np.arange(2005, 2017)
"""Twelve years: short enough for a quick compile and fit, long enough for a random walk."""

FIT_SEED = 20240


def known_truth() -> Truth:
    """A hand-set truth with a large, identifiable share (u from 30% to 50%)."""
    n = len(YEARS)
    return Truth(
        years=YEARS,
        level=np.log(2000.0) + 0.1 * np.arange(n),
        u=np.linspace(0.3, 0.5, n),
        offset=float(np.log1p(0.07)),  # a 7% margin and reporters who behave as the average reporter
        sigma_d=0.05,
        beta=np.zeros(0),
    )


@pytest.fixture(scope="session")
def pair_data() -> MirrorData:
    """Simulated pair-mode data with the exporter's 2010 report and the importer's 2012 report missing."""
    rng = np.random.default_rng(sum(map(ord, "mirror-pair")))
    return simulate(known_truth(), rng, missing_x=(2010,), missing_m=(2012,))


@pytest.fixture(scope="session")
def pair_fit(pair_data: MirrorData) -> MirrorGapResults:
    """One fast-preset fit shared by the contract tests (one compiled graph).

    The walk is the one ``walk="auto"`` samples first (non-centred): on the fast preset the gate usually
    fails, and auto would compile and sample the centred walk as well (about 35 s more on a loaded
    2-core machine); the auto logic is tested on its own (test_fit.py).

    The fast preset (4 x 600 draws with the mirror draws factor) may miss the ESS >= 400 bar; the verdict is on
    the result and the contract tests do not depend on it, so its warning is silenced here only.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return MirrorGap(mode="pair", walk="non-centred").fit_data(pair_data, random_seed=FIT_SEED, preset="fast")


def pair_table(data: MirrorData) -> pd.DataFrame:
    """A MirrorPair-style default table built from simulated data."""
    return pd.DataFrame(
        {
            "year": data.years,
            "exports_reported": data.x_reported,
            "imports_reported": data.m_reported,
            "exports_usable": True,
            "imports_usable": True,
        }
    )


# ----------------------------------------------------------------------------- a tiny synthetic world
WORLD_COUNTRIES = ("CHN", "KAZ", "RUS", "DEU", "USA", "FRA", "JPN", "IND", "BRA", "TUR", "UZB", "KGZ")
"""Twelve reporters of the synthetic DOTS-like panel (132 ordered pairs); real codes only so that sentences
name countries, no data-layer value is read."""

WORLD_PANEL_YEARS = np.arange(1995, 2021)
"""The world panel's years: both drift windows (1995-2002, 2013-2020) are covered."""

WORLD_TRUE_MARGIN = 0.06
WORLD_DRAWS = 2000


def synthetic_dots_panel(rng: np.random.Generator) -> pd.DataFrame:
    """A DOTS-like panel: every ordered pair of :data:`WORLD_COUNTRIES` reports exports FOB and imports CIF.

    Pair sizes are spread evenly on the log scale from $5m to $50bn, so some pairs fall below the world
    rule's $10m and every drift size class has pairs. log(M/X) = log(1.06) + b_imp - b_exp + own effect +
    random-walk drift + noise.
    """
    codes = WORLD_COUNTRIES
    pairs = [(e, i) for e in codes for i in codes if e != i]
    n_pairs, n_years = len(pairs), len(WORLD_PANEL_YEARS)
    b_exp = dict(zip(codes, rng.normal(0, 0.08, len(codes)), strict=True))
    b_imp = dict(zip(codes, rng.normal(0, 0.08, len(codes)), strict=True))
    size = rng.permutation(np.geomspace(5.0, 50_000.0, n_pairs))
    growth = 0.03 * np.arange(n_years)
    frames = []
    for k, (e, i) in enumerate(pairs):
        x = size[k] * np.exp(growth + 0.1 * rng.normal(size=n_years))
        walk = np.cumsum(np.r_[0.0, 0.03 * rng.normal(size=n_years - 1)])
        r = np.log1p(WORLD_TRUE_MARGIN) + b_imp[i] - b_exp[e] + rng.normal(0, 0.15) + walk
        m = x * np.exp(r + 0.08 * rng.normal(size=n_years))
        for reporter, partner, flow, value in ((e, i, "exports_fob", x), (i, e, "imports_cif", m)):
            frames.append(
                pd.DataFrame(
                    {
                        "reporter": reporter,
                        "partner": partner,
                        "flow": flow,
                        "year": WORLD_PANEL_YEARS,
                        "value_usd_m": value,
                        "estimated": False,
                        "derived_from_partner": False,
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def synthetic_world(rng: np.random.Generator) -> WorldPosterior:
    """A :class:`WorldPosterior` built directly from known draws and the synthetic panel's pairs (no fit).

    The draws are independent normals around values close to the panel's truth; ``mu`` and the residuals of
    the pairs frame are computed here from those draws, as :func:`fit_world` does after sampling.
    """
    pair_years = world_pair_years(synthetic_dots_panel(rng))
    pairs = summarise_pairs(pair_years)
    n = WORLD_DRAWS
    columns: dict[str, np.ndarray] = {
        "log1p_tau": rng.normal(np.log1p(WORLD_TRUE_MARGIN), 0.01, n),
        "pair_sd": np.abs(rng.normal(0.15, 0.01, n)),
        "size_effect": rng.normal(-0.1, 0.02, n),
        "nu": rng.normal(6.0, 0.5, n),
    }
    for side in ("b_exp", "b_imp"):
        for code in WORLD_COUNTRIES:
            columns[f"{side}[{code}]"] = rng.normal(rng.normal(0, 0.08), 0.03, n)
    draws = pd.DataFrame(columns)
    mean = draws.mean()
    mu = (
        mean["log1p_tau"]
        + mean[[f"b_imp[{c}]" for c in pairs["importer"]]].to_numpy()
        - mean[[f"b_exp[{c}]" for c in pairs["exporter"]]].to_numpy()
    )
    spread = mean["pair_sd"] * np.exp(mean["size_effect"] * size_index(pairs["median_usd_m"].to_numpy()))
    fitted = pairs.assign(mu=mu, residual=pairs["mean"] - mu)
    fitted["z_residual"] = fitted["residual"] / np.sqrt(spread**2 + fitted["se"] ** 2)
    manifest: dict[str, object] = {"model_id": WORLD_MODEL_ID, "data_hash": "synthetic", "random_seed": 0}
    return WorldPosterior(
        draws=draws, pairs=fitted, design=covariate_design(None), drift=drift_scale(pair_years), manifest=manifest
    )


@pytest.fixture(scope="session")
def world() -> WorldPosterior:
    """The synthetic world posterior, built once per session."""
    return synthetic_world(np.random.default_rng(sum(map(ord, "synthetic-world"))))


# ----------------------------------------------------------------------------- fits that share pair_fit's graph
def tight_offset(scale: float = 0.03) -> OffsetPrior:
    """A world-mode offset prior centred on :func:`known_truth`'s offset and ``scale`` wide, drifting little.

    With the pair's usual ratio known this well the reports pin u down, as the world posterior does for a
    pair whose comparable pairs agree. Location, scale, tails and drift are data of the compiled graph, so
    fits with it reuse ``pair_fit``'s compilation.
    """
    return OffsetPrior(
        loc=known_truth().offset,
        scale=scale,
        source="world",
        margin=np.full(1, np.log1p(0.07)),
        reporters=np.zeros(1),
        covariates=np.zeros(1),
        pair_sd=scale,
        nu=4.0,
        drift_sd=0.01,
    )


def _fit_truth(truth: Truth, seed: int) -> MirrorGapResults:
    data = simulate(truth, np.random.default_rng(seed), missing_x=(2010,), missing_m=(2012,))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # the fast preset's gate verdict is not tested here
        return MirrorGap(walk="non-centred").fit_data(data, random_seed=FIT_SEED, preset="fast")


@pytest.fixture(scope="session")
def identified_fit(pair_fit: MirrorGapResults) -> MirrorGapResults:
    """The known truth (u 30% to 50%) with a tight world offset: the share is large and pinned by the reports."""
    del pair_fit  # compiles the shared graph first
    return _fit_truth(replace(known_truth(), offset_prior=tight_offset()), seed=3)


@pytest.fixture(scope="session")
def null_fit(pair_fit: MirrorGapResults) -> MirrorGapResults:
    """No shortfall (u = 0.1% every year) with the same tight offset: the share piles against zero."""
    del pair_fit
    truth = replace(known_truth(), u=np.full(len(YEARS), 0.001), offset_prior=tight_offset())
    return _fit_truth(truth, seed=4)


@dataclass(frozen=True)
class TablePair:
    """A :class:`borderflows.data.MirrorPair` stand-in: codes and the contract's table."""

    exporter: str
    importer: str
    table: pd.DataFrame


def world_target(world: WorldPosterior) -> tuple[str, str]:
    """A pair of the synthetic world without known coverage steps (they would change the graph's shape)."""
    for exporter, importer in zip(world.pairs["exporter"], world.pairs["importer"], strict=True):
        if "CHN" not in (exporter, importer) and "KAZ" not in (exporter, importer):
            return str(exporter), str(importer)
    raise AssertionError("the synthetic world has no pair outside China and Kazakhstan")


@pytest.fixture(scope="session")
def world_fit(world: WorldPosterior, pair_data: MirrorData, pair_fit: MirrorGapResults) -> MirrorGapResults:
    """A default (world-mode) fit through ``MirrorGap().fit``, the synthetic world given, same graph as pair_fit."""
    del pair_fit
    exporter, importer = world_target(world)
    pair = TablePair(exporter, importer, pair_table(pair_data))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return MirrorGap(walk="non-centred").fit(pair, world=world, evidence=False, random_seed=3, preset="fast")
