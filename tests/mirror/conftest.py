"""Shared fixtures of the mirror tests: small simulated pairs, each graph compiled once per session."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from borderflows.exceptions import ConvergenceWarning
from borderflows.mirror import MirrorGap
from borderflows.mirror.inputs import MirrorData
from borderflows.mirror.results import MirrorGapResults
from borderflows.mirror.simulate import Truth, simulate

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

    The fast preset (4 x 300 draws) may miss the ESS >= 400 bar; the gate's verdict is recorded on
    the result and the contract tests do not depend on it, so its warning is silenced here only.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return MirrorGap(mode="pair").fit_data(pair_data, random_seed=FIT_SEED, preset="fast")


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
