"""Sensitivity analyses refit from a spec and data (fast preset, the shared compiled graph)."""

from __future__ import annotations

import warnings

import numpy as np

from borderflows.mirror.results import MirrorGapResults
from borderflows.mirror.sensitivity import margin_sensitivity, prior_sensitivity


def test_margin_sensitivity_refits_with_each_centre(identified_fit: MirrorGapResults) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # fast-preset gate verdicts are recorded in the 'citable' column
        table = margin_sensitivity(identified_fit, centres=(0.02, 0.15), preset="fast")
    assert set(table["margin_centre"]) == {0.02, 0.15}
    assert {"year", "estimate", "lower", "upper", "prob", "kind", "citable"} <= set(table.columns)
    assert len(table) == 2 * identified_fit.data.n_years
    assert table["citable"].dtype == bool
    # A larger margin raises the pair's usual ratio c, so the same reports mean a larger shortfall. The fit
    # knows c to 0.03, so c follows the prior's shift of log(1.15 / 1.02) = 0.12 almost fully and
    # 1 - u_2016 (about 0.55) falls by the factor 1.02 / 1.15: u rises by about 0.06. Each median's Monte
    # Carlo error is about 0.005 (sd 0.05, a few hundred effective draws); half the algebraic move is the bar.
    latest = table[table["year"] == identified_fit.years[-1]].set_index("margin_centre")["estimate"]
    base = 1 - float(np.median(identified_fit.u_draws[:, -1]))
    expected_rise = base * (1 - 1.02 / 1.15)
    assert latest[0.15] - latest[0.02] > expected_rise / 2


def test_prior_sensitivity_reports_u(pair_fit: MirrorGapResults) -> None:
    table = prior_sensitivity(pair_fit)
    assert {"prior", "likelihood", "diagnosis"} <= set(table.columns)
    assert [str(name) for name in table.index] == [f"u[{year}]" for year in pair_fit.years]
    assert (table[["prior", "likelihood"]].to_numpy() >= 0).all()
