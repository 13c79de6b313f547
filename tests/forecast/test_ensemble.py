"""Stacking: weights on the simplex, out-of-sample choice, fallback to a dominating member, determinism."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from borderflows.data.yearly import YearlySeries
from borderflows.exceptions import DataValidationError
from borderflows.forecast._series import future_years, stratified_probabilities
from borderflows.forecast.ensemble import (
    ENSEMBLE,
    STACK_LEVELS,
    Ensemble,
    _Windows,
    fit_weights,
    quantile_average,
    quantile_crps,
    stack,
)
from borderflows.forecast.results import Forecast

from .conftest import make_series


@dataclass(frozen=True)
class _LineFit:
    spec: Shifted
    series: YearlySeries

    def forecast(self, horizon: int) -> Forecast:
        values = self.series.values
        slope = values[-1] - values[-2]
        point = values[-1] + slope * np.arange(1, horizon + 1) + self.spec.shift
        z = stats.norm.ppf(stratified_probabilities(400))[:, None]
        draws = point[None, :] + self.spec.spread * z
        return Forecast(self.series, self.spec.name, future_years(self.series, horizon), draws)


@dataclass(frozen=True)
class Shifted:
    """Test forecaster: continues the last slope exactly, moved by ``shift``, with Gaussian spread."""

    shift: float
    spread: float = 0.5
    label: str = "shifted"

    @property
    def name(self) -> str:
        return self.label

    def fit(self, series: YearlySeries, *, random_seed: int | None = None) -> _LineFit:
        return _LineFit(self, series)


def _lines(rng: np.random.Generator, n_series: int = 3) -> list[YearlySeries]:
    # Straight lines: a forecaster continuing the last slope is exact up to its shift.
    return [make_series(10.0 + rng.uniform(1, 3) * np.arange(16), name=f"line{i}", start=1990) for i in range(n_series)]


def test_quantile_crps_matches_the_normal_closed_form() -> None:
    # CRPS of N(0, 1) at y = 0.3: closed form sigma * (z(2Phi(z)-1) + 2phi(z) - 1/sqrt(pi)) = 0.2581...
    # (Gneiting & Raftery 2007, eq. 5). 50 evenly spread quantiles approximate it within ~1% (measured 0.5%).
    z = 0.3
    exact = z * (2 * stats.norm.cdf(z) - 1) + 2 * stats.norm.pdf(z) - 1 / np.sqrt(np.pi)
    quantiles = stats.norm.ppf(STACK_LEVELS)[:, None]
    assert quantile_crps(np.array([z]), quantiles)[0] == pytest.approx(exact, rel=0.01)


def test_opposite_biases_are_averaged_and_the_ensemble_is_chosen(rng: np.random.Generator) -> None:
    high, low = Shifted(3.0, label="high"), Shifted(-3.0, label="low")
    result = stack([high, low], _lines(rng))
    assert result.weights.sum() == pytest.approx(1.0)
    assert (result.weights >= 0).all()
    np.testing.assert_allclose(result.weights.to_numpy(), [0.5, 0.5], atol=0.02)
    assert result.chosen == ENSEMBLE
    assert isinstance(result.forecaster, Ensemble)
    scores = result.scores.set_index("model")["scaled_crps"]
    assert scores[ENSEMBLE] < min(scores["high"], scores["low"])
    assert "below every candidate" in result.reason
    # The ensemble forecast itself: the shifts cancel, so its median continues the line.
    series = _lines(rng, 1)[0]
    forecast = result.forecaster.fit(series).forecast(3)
    slope = series.values[-1] - series.values[-2]
    np.testing.assert_allclose(forecast.median, series.values[-1] + slope * np.arange(1, 4), atol=0.1)
    assert forecast.model == "Ensemble"
    assert "quantile average of high 0.5" in forecast.notes[0]


def test_falls_back_to_a_member_that_dominates(rng: np.random.Generator) -> None:
    exact, off = Shifted(0.0, spread=0.05, label="exact"), Shifted(5.0, spread=2.0, label="off")
    result = stack([off, exact], _lines(rng))
    assert result.weights.sum() == pytest.approx(1.0)
    assert result.weights["exact"] > 0.95
    assert result.chosen == "exact"
    assert result.forecaster is exact
    assert "did not beat every candidate" in result.reason
    assert result.scores.iloc[0]["model"] in ("exact", ENSEMBLE)  # a tie at best, never strictly better


def test_stack_is_deterministic_on_real_models(rng: np.random.Generator) -> None:
    series = [
        make_series(100 * np.exp(np.cumsum(0.04 + 0.05 * rng.standard_normal(18))), name=f"s{i}") for i in range(2)
    ]
    runs = [stack(["Naive", "RandomWalkWithDrift", "AutoETS"], series, horizon=3, n_origins=4) for _ in range(2)]
    np.testing.assert_array_equal(runs[0].weights.to_numpy(), runs[1].weights.to_numpy())
    assert runs[0].scores.equals(runs[1].scores)
    assert runs[0].chosen == runs[1].chosen
    assert runs[0].n_windows == 8
    assert set(runs[0].scores["model"]) == {"Naive", "RandomWalkWithDrift", "AutoETS", ENSEMBLE}
    assert (runs[0].scores["n_windows"] == 6).all()  # origins after each series' first: 2 x 3


def test_windows_a_candidate_cannot_forecast_are_dropped_for_all(rng: np.random.Generator) -> None:
    # AutoETS cannot fit 5-point histories; those windows are left out for every candidate.
    series = make_series(50 + np.cumsum(rng.uniform(1, 3, 12)))
    result = stack(["Naive", "AutoETS"], series, horizon=2, n_origins=8, min_train=4)
    assert result.dropped >= 1
    assert result.n_windows + result.dropped == 8


def test_bad_inputs() -> None:
    with pytest.raises(ValueError, match="at least two"):
        stack(["Naive"], make_series(np.arange(1.0, 20.0)))
    with pytest.raises(ValueError, match="sum to one"):
        Ensemble(("Naive", "AutoETS"), (0.5, 0.6))
    with pytest.raises(DataValidationError, match="two backtest origins"):
        stack(["Naive", "RandomWalkWithDrift"], make_series(np.arange(1.0, 11.0)), n_origins=1)


def test_ensemble_renormalises_when_a_member_cannot_fit() -> None:
    short = make_series(np.array([120.0, 135.0, 150.0, 149.0, 170.0]))
    forecast = Ensemble(("AutoETS", "RandomWalkWithDrift"), (0.5, 0.5)).fit(short).forecast(2)
    assert any("AutoETS" in note and "renormalised" in note for note in forecast.notes)
    assert np.all(np.isfinite(forecast.draws))
    table = forecast.interval(0.9)
    assert set(table["kind"]) == {"eti"}
    assert (table["prob"] == 0.9).all()


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), n_members=st.integers(2, 4))
def test_fitted_weights_are_no_worse_than_any_single_member(seed: int, n_members: int) -> None:
    rng = np.random.default_rng(seed)
    n_windows, horizon = 25, 3
    centre = rng.normal(size=(n_members, n_windows, 1, horizon)) + rng.normal(0, 2, size=(n_members, 1, 1, 1))
    spread = rng.uniform(0.2, 2.0, size=(n_members, 1, 1, 1))
    quantiles = centre + spread * stats.norm.ppf(STACK_LEVELS)[None, None, :, None]
    actual = rng.normal(size=(n_windows, horizon))
    actual[::4, 1:] = np.nan  # later origins know fewer horizons
    windows = _Windows(
        quantiles,
        actual,
        rng.uniform(0.5, 2.0, n_windows),
        np.zeros(n_windows, dtype=np.int64),
        (),
        np.zeros(n_windows, dtype=np.int64),
        0,
    )
    mask = np.ones(n_windows, dtype=bool)
    weights = fit_weights(windows, mask)
    assert weights.sum() == pytest.approx(1.0)
    assert (weights >= 0).all()
    ensemble = float(np.mean(windows.scores(quantile_average(list(quantiles), weights), mask)))
    # The objective is convex on the simplex, so its minimum is at most every vertex (a member alone);
    # 1e-6 allows for SLSQP's stopping tolerance.
    for member in quantiles:
        assert ensemble <= float(np.mean(windows.scores(member, mask))) + 1e-6
