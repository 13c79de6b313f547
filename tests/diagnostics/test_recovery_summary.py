"""Coverage arithmetic of RecoveryResult on hand-made records (no sampling)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from borderflows.diagnostics.recovery import interval_records, recovery_result
from borderflows.diagnostics.sbc import FitSummary


def _records(covered: np.ndarray) -> pd.DataFrame:
    """covered: (n_sims, n_elements) booleans -> records of variable 'u' with truth 0 and intervals around it."""
    n_sims, n_el = covered.shape
    rows = []
    for i in range(n_sims):
        for j in range(n_el):
            lower, upper = (-1.0, 1.0) if covered[i, j] else (1.0, 2.0)
            rows.append(
                {
                    "simulation": i,
                    "variable": "u",
                    "quantity": f"u[{j}]",
                    "truth": 0.0,
                    "estimate": 0.5,
                    "lower": lower,
                    "upper": upper,
                    "covered": bool(covered[i, j]),
                    "prob": 0.9,
                    "kind": "eti",
                }
            )
    return pd.DataFrame(rows)


def _result(covered: np.ndarray):
    n = covered.shape[0]
    return recovery_result(
        [_records(covered)], scenario="s", prob=0.9, kind="eti", random_seed=1, max_rhat=[1.0] * n, divergences=[0] * n
    )


def test_per_quantity_coverage_uses_binomial_mcse() -> None:
    covered = np.ones((100, 2), dtype=bool)
    covered[:10, 0] = False  # 0.90 on u[0]
    covered[:30, 1] = False  # 0.70 on u[1]
    frame = _result(covered).coverage.set_index("quantity")
    assert frame.loc["u[0]", "coverage"] == pytest.approx(0.9)
    assert frame.loc["u[0]", "mcse"] == pytest.approx(0.03)
    assert frame.loc["u[0]", "passes"]
    assert not frame.loc["u[1]", "passes"]  # 0.70 is 6.7 MCSE below 0.9
    assert frame.loc["u[0]", "mean_width"] == pytest.approx(0.9 * 2 + 0.1 * 1)
    assert frame.loc["u[0]", "bias"] == pytest.approx(0.5)


def test_pooled_coverage_is_cluster_robust_with_a_binomial_floor() -> None:
    # Whole simulations miss together: 10 of 100 simulations miss all 5 elements.
    covered = np.ones((100, 5), dtype=bool)
    covered[:10] = False
    pooled = _result(covered).pooled_coverage.iloc[0]
    assert pooled["coverage"] == pytest.approx(0.9)
    # Per-simulation means are 0/1, so the cluster SE equals the single-quantity binomial SE (0.03),
    # larger than the naive binomial SE over 500 trials (0.0134).
    assert pooled["mcse"] == pytest.approx(np.std([0] * 10 + [1] * 90, ddof=1) / 10)
    assert pooled["n_elements"] == 5
    # Every interval covered: cluster SE is 0, the floor sqrt(0.09 / 500) applies and 1.0 is outside the band.
    all_in = _result(np.ones((100, 5), dtype=bool)).pooled_coverage.iloc[0]
    assert all_in["mcse"] == pytest.approx(np.sqrt(0.09 / 500))
    assert not all_in["passes"]


def test_interval_records_from_a_fit() -> None:
    draws = np.linspace(-1, 1, 1001)
    fit = FitSummary(draws={"tau": draws, "u": np.column_stack([draws, draws + 5])}, max_rhat=1.0, divergences=0)
    records = interval_records(
        3,
        {"tau": 0.0, "u": np.array([0.0, 0.0])},
        fit,
        ["tau", "u"],
        prob=0.5,
        kind="eti",
        coords={"u": [[2019, 2020]]},
    )
    assert records["quantity"].tolist() == ["tau", "u[2019]", "u[2020]"]
    assert records["covered"].tolist() == [True, True, False]
    assert records["lower"].iloc[0] == pytest.approx(-0.5)
    assert (records["simulation"] == 3).all()
    assert set(records["prob"]) == {0.5}
