"""Hierarchical pooling of count components: a joint fit, and a total coherent with its components."""

from __future__ import annotations

import numpy as np
import pytest

from borderflows.data.yearly import YearlySeries
from borderflows.exceptions import DataValidationError
from borderflows.forecast.bayes.pooled import PooledCounts, pooled_parameters

# Fast preset: the gate's verdict is carried on the forecasts; its ESS warning is not under test here.
pytestmark = pytest.mark.filterwarnings("ignore::borderflows.exceptions.ConvergenceWarning")


def counts(name: str, level: np.ndarray, rng: np.random.Generator, exposure: np.ndarray) -> YearlySeries:
    return YearlySeries(
        name=name,
        years=np.arange(2000, 2000 + level.size, dtype=np.int64),
        values=rng.poisson(level * exposure).astype(float),
        unit="persons",
        kind="count",
        concept=name,
        exposure=exposure,
        flags=tuple("partial_year" if e < 1 else "" for e in exposure),
    )


# Slow: a new graph (compile ~60 s cold on a loaded machine); the draw-by-draw coherence itself is
# checked without sampling in test_analysis.py.
@pytest.mark.slow
def test_pooled_components_sum_to_a_coherent_total(rng: np.random.Generator) -> None:
    years = np.arange(15)
    exposure = np.r_[np.ones(14), 0.75]
    parts = [
        counts("official", 8000 * np.exp(0.08 * years + rng.normal(0, 0.05, 15)), rng, exposure),
        counts("employment", 3000 * np.exp(0.12 * years + rng.normal(0, 0.1, 15)), rng, exposure),
    ]
    fit = PooledCounts().fit(parts, random_seed=4)
    forecasts = fit.forecast(3)
    total = fit.total(3, "total")
    assert [f.series.name for f in forecasts] == ["official", "employment"]
    assert np.array_equal(total.draws, forecasts[0].draws + forecasts[1].draws)
    assert total.years.tolist() == [2015, 2016, 2017]
    assert np.allclose(total.series.values, parts[0].values + parts[1].values)
    # Full-year forecasts: the 2015 median is above the 9-month 2014 count of each component.
    for part, forecast in zip(parts, forecasts, strict=True):
        assert np.median(forecast.draws[:, 0]) > part.values[-1]
    assert fit.draws("sigma_level").shape == (1200, 2)
    # Geometry: with the states integrated out NUTS needs tens of leapfrog steps per draw (the
    # latent-state negative-binomial version needed ~350) and leaves no divergences.
    assert fit.diagnostics.divergences == 0
    assert float(fit.trace["sample_stats"]["n_steps"].mean()) < 64
    table = pooled_parameters(fit, (0.9,), "eti")
    assert {"prob", "kind", "lower", "upper"} <= set(table.columns)
    assert (table["lower"] <= table["upper"]).all()


def test_pooling_rejects_non_counts() -> None:
    amounts = YearlySeries(
        name="a",
        years=np.arange(2000, 2010, dtype=np.int64),
        values=np.full(10, 1.5),
        unit="",
        kind="positive",
        concept="",
    )
    with pytest.raises(DataValidationError, match="count series"):
        PooledCounts().fit([amounts, amounts])
    with pytest.raises(DataValidationError, match="at least two"):
        PooledCounts().fit([amounts])
    small = YearlySeries(
        name="small",
        years=np.arange(2000, 2010, dtype=np.int64),
        values=np.arange(10.0, 20.0),
        unit="",
        kind="count",
        concept="",
    )
    with pytest.raises(DataValidationError, match="at least 20") as caught:
        PooledCounts().fit([small, small])
    assert caught.value.rows == [2000, 2001, 2002, 2003, 2004]
