"""Evidence statements move the posterior of u_t the way they should (one compiled graph, two values).

The potential's formula (normal for ``eq``/``approx``, a normal-CDF bound for ``gt``/``lt``, mixed over candidate
years) is checked exactly in test_logp.py; here a fit shows a statement pulling the share its way.
"""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from borderflows.mirror import MirrorGap
from borderflows.mirror.inputs import MirrorData, evidence_terms
from borderflows.mirror.results import MirrorGapResults
from borderflows.sampling import flat

from .conftest import tight_offset


def _with_statement(data: MirrorData, value: float) -> MirrorData:
    statements = pd.DataFrame(
        {
            "id": ["s"],
            "exporter": [data.exporter],
            "importer": [data.importer],
            "year": [2012],
            "year_min": [2012],
            "year_max": [2012],
            "measure": ["gap_share_of_exports"],
            "relation": ["approx"],
            "value": [value],
            "product": ["all"],
        }
    )
    return replace(data, evidence=evidence_terms(statements, data.exporter, data.importer, data.years))


def _fit(data: MirrorData) -> MirrorGapResults:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # gate verdicts are tested elsewhere
        return MirrorGap(mode="pair", walk="non-centred").fit_data(data, random_seed=5, preset="fast")


def test_a_larger_stated_gap_moves_what_it_measures(pair_data: MirrorData) -> None:
    # 2012 has no importer report in the fixture, so the statement is the only direct information about it.
    year = int(np.flatnonzero(pair_data.years == 2012)[0])
    measured, shares = {}, {}
    for value in (0.2, 0.7):
        # Pair mode: the pair's usual ratio c is as uncertain as the priors make it, so the statement may
        # move c or u; what it must move is the quantity it states, 1 - E[M]/X in 2012.
        fit = _fit(_with_statement(pair_data, value))
        gap = flat(fit.idata, "offset") + flat(fit.idata, "pair_drift")[:, year] + np.log1p(-fit.u_draws[:, year])
        measured[value] = np.median(1 - np.exp(gap))
        # The usual ratio known to 0.03 (a world-mode prior): only u can take the stated gap.
        known = _fit(replace(_with_statement(pair_data, value), offset=tight_offset()))
        shares[value] = np.median(known.u_draws[:, year])
    # A stated 70% gap vs 20% must move the medians by much more than Monte Carlo error (fast preset: 2,400
    # draws, a median's MC error well under 0.02; measured moves 0.155 and 0.19).
    assert measured[0.7] - measured[0.2] > 0.1
    assert shares[0.7] - shares[0.2] > 0.1


@pytest.mark.slow  # a second evidence graph (gt) to compile: ~30 s on a loaded 2-core machine
def test_inequality_pushes_past_its_bound(pair_data: MirrorData) -> None:
    spec = MirrorGap(mode="pair", walk="non-centred")
    statements = pd.DataFrame(
        {
            "id": ["g"],
            "exporter": [pair_data.exporter],
            "importer": [pair_data.importer],
            "year": [2012],
            "year_min": [2012],
            "year_max": [2012],
            "measure": ["gap_share_of_exports"],
            "relation": ["gt"],
            "value": [0.75],
            "product": ["all"],
        }
    )
    data = replace(pair_data, evidence=evidence_terms(statements, "CHN", "KAZ", pair_data.years))
    with warnings.catch_warnings():
        # Fast-preset fits may fail the convergence gate (ConvergenceWarning) and pytensor may warn
        # about the swapped data; only the direction in which the statement moves u is asserted here.
        warnings.simplefilter("ignore")
        with_bound = spec.fit_data(data, random_seed=5, preset="fast")
        without = spec.fit_data(_with_statement(pair_data, 0.4), random_seed=5, preset="fast")
    year = int(np.flatnonzero(pair_data.years == 2012)[0])
    assert np.median(with_bound.u_draws[:, year]) > np.median(without.u_draws[:, year])
