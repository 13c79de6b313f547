"""A known step in the underreporting share is recovered by a breakpoint term, with an interval."""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np
from scipy import special

from borderflows.exceptions import ConvergenceWarning
from borderflows.mirror import MirrorGap
from borderflows.mirror.simulate import simulate

from .conftest import YEARS, known_truth

BREAK_YEAR = 2011
STEP = float(special.logit(0.5) - special.logit(0.2))
"""u moves from 20% to 50% in 2011: a step of 1.39 on the logit scale."""


def test_a_known_step_is_recovered_with_an_interval_that_excludes_zero() -> None:
    n = len(YEARS)
    # The pair fixtures' hand-set truth, with a step in u instead of a steady rise.
    truth = replace(
        known_truth(),
        level=np.log(3000.0) + 0.08 * np.arange(n),
        u=special.expit(special.logit(0.2) + STEP * (YEARS >= BREAK_YEAR)),
        sigma_d=0.03,
        beta=np.array([STEP]),
        breakpoints=(BREAK_YEAR,),
    )
    data = simulate(truth, np.random.default_rng(sum(map(ord, "breakpoint"))))
    with warnings.catch_warnings():
        # The fast preset may miss ESS 400; the check below is on the posterior, not on citability.
        warnings.simplefilter("ignore", ConvergenceWarning)
        spec = MirrorGap(mode="pair", breakpoints=(BREAK_YEAR,), walk="non-centred")  # auto could sample thrice
        fit = spec.fit_data(data, random_seed=11, preset="fast")
    effect = fit.effects(prob=0.9, kind="eti").set_index("parameter").loc[f"break_{BREAK_YEAR}_logit_u"]
    assert effect["lower"] > 0  # the step is ~4 posterior sd from zero with 3% reporting noise
    beta = fit.idata["posterior"]["beta"].values.ravel()
    # A calibrated posterior puts the truth within 3 posterior sd of its mean with probability 0.997.
    assert abs(beta.mean() - STEP) < 3 * beta.std()
