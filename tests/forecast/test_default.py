"""The default forecaster: contract, short/signed/count series, partial years, calibration mechanics."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from borderflows.data.yearly import yearly_series
from borderflows.forecast.adaptive import OWN_MIN_TRAIN, OWN_ORIGINS
from borderflows.forecast.calibration import (
    TREND_EDGES,
    Calibration,
    ErrorQuantiles,
    default_calibration,
    group_key,
    learn,
    predictive_quantiles,
    trend_group,
    trend_strength,
)
from borderflows.forecast.default import ANCHOR, ANCHOR_WEIGHT, Default
from borderflows.forecast.error_scale import standardised_errors
from borderflows.forecast.records import OWN_WEIGHTS, STRENGTHS

from .conftest import make_series


def test_contract(growing) -> None:  # type: ignore[no-untyped-def]
    forecast = Default().fit(growing, random_seed=7).forecast(5)
    assert forecast.model == "Default"
    assert forecast.random_seed == 7
    np.testing.assert_array_equal(forecast.years, np.arange(2020, 2025))
    assert forecast.draws.shape == (Default().n_draws, 5)
    table = forecast.intervals((0.8, 0.95))
    assert set(table["prob"]) == {0.8, 0.95}
    assert set(table["kind"]) == {"eti"}
    inner, outer = table[table["prob"] == 0.8], table[table["prob"] == 0.95]
    assert (outer["lower"].to_numpy() <= inner["lower"].to_numpy()).all()
    assert (outer["upper"].to_numpy() >= inner["upper"].to_numpy()).all()
    # Intervals widen with the horizon (learned error quantiles grow with h).
    width = outer["upper"].to_numpy() - outer["lower"].to_numpy()
    assert (np.diff(width) > 0).all()


def test_median_is_the_combined_point_forecast(growing) -> None:  # type: ignore[no-untyped-def]
    results = Default().fit(growing)
    # Centred errors: the predictive median equals the median of the member forecasts, up to the
    # spacing of 2000 stratified draws around p = 0.5 (a few thousandths of the volatility scale).
    scale = np.mean(np.abs(np.diff(growing.values)))
    np.testing.assert_allclose(results.forecast(4).median, results.point(4), atol=0.01 * scale)


def test_short_series_works_and_says_what_was_left_out() -> None:
    short = make_series(np.array([120.0, 135.0, 150.0, 149.0, 170.0]))
    forecast = Default().fit(short).forecast(3)
    assert np.all(np.isfinite(forecast.draws))
    assert any("left out" in note and "AutoETS" in note for note in forecast.notes)


def test_three_points() -> None:
    forecast = Default().fit(make_series(np.array([5.0, 6.0, 8.0]))).forecast(2)
    assert np.all(np.isfinite(forecast.draws))
    assert (forecast.draws >= 0).all()


def test_two_points_is_a_validation_error() -> None:
    from borderflows.exceptions import DataValidationError

    with pytest.raises(DataValidationError, match="at least 3"):
        Default().fit(make_series(np.array([5.0, 6.0])))


def test_package_level_api(growing) -> None:  # type: ignore[no-untyped-def]
    import borderflows as bf

    table = bf.forecast.Default().fit(growing).forecast(horizon=2).interval(prob=0.8)
    assert table["prob"].tolist() == [0.8, 0.8]
    assert "Default" in bf.forecast.available()


def test_signed_series_can_forecast_negative_values(rng: np.random.Generator) -> None:
    values = 50 * rng.standard_normal(18) + np.linspace(20, -20, 18)  # net flows changing sign
    forecast = Default().fit(make_series(values, kind="signed")).forecast(4)
    lower = forecast.interval(0.95)["lower"].to_numpy()
    upper = forecast.interval(0.95)["upper"].to_numpy()
    assert (lower < 0).all()
    assert (upper > 0).all()


def test_count_series_gives_whole_non_negative_draws() -> None:
    counts = make_series(np.array([3, 5, 2, 8, 4, 1, 0, 2, 6, 3, 1, 2], dtype=float), kind="count")
    draws = Default().fit(counts).forecast(3).draws
    assert (draws >= 0).all()
    np.testing.assert_array_equal(draws, np.round(draws))


def test_partial_year_and_gap_are_noted() -> None:
    frame_values = [100.0, 110.0, 118.0, 130.0, 141.0, 150.0, 95.0]
    import pandas as pd

    frame = pd.DataFrame(
        {
            "year": [2000, 2001, 2002, 2004, 2005, 2006, 2007],
            "value": frame_values,
            "exposure": [1, 1, 1, 1, 1, 1, 0.6],
            "flag": ["", "", "", "", "", "", "partial_year"],
        }
    )
    series = yearly_series(frame, name="partial")
    forecast = Default().fit(series).forecast(2)
    notes = " ".join(forecast.notes)
    assert "2007 annualised" in notes
    assert "2003" in notes
    assert "interpolation" in notes
    # The annualised 2007 value (95 / 0.6 = 158) carries the level, not the raw partial 95.
    assert forecast.median[0] > 140


def test_long_horizon_extrapolates_and_says_so(growing) -> None:  # type: ignore[no-untyped-def]
    forecast = Default().fit(growing).forecast(9)
    assert any("extrapolated" in note for note in forecast.notes)
    width = np.diff(forecast.interval(0.95)[["lower", "upper"]].to_numpy(), axis=1).ravel()
    assert (np.diff(width) > 0).all()


def test_shipped_calibration_has_provenance() -> None:
    calibration = default_calibration()
    assert "M3 yearly" in calibration.provenance["corpus"]
    assert "DOTS" in calibration.provenance["corpus"]
    domains = {"DEMOGRAPHIC", "FINANCE", "INDUSTRY", "MACRO", "MICRO", "OTHER", "DOTS exports"}
    assert set(calibration.provenance["domains"]) == domains
    assert calibration.provenance["command"].startswith("uv run python benchmarks/m3_yearly.py --learn")
    for scale in ("level", "log"):  # the series-adaptive width: learned, with its strength chosen among STRENGTHS
        prior = calibration.priors[scale]
        assert (prior.horizon, prior.n_origins, prior.min_train) == (6, OWN_ORIGINS, OWN_MIN_TRAIN)
        assert prior.strength in STRENGTHS
        assert (np.diff(prior.growth) > 0).all()  # own errors grow with the horizon
    assert calibration.provenance["own_weight"] in OWN_WEIGHTS
    assert "median" in calibration.forecaster
    assert calibration.trend_edges == TREND_EDGES
    for scale in ("level", "log"):
        for group in range(len(TREND_EDGES) + 1):
            q = calibration[group_key(scale, group)]
            assert q.max_horizon == 6
            assert (np.diff(q.quantiles, axis=1) >= 0).all()  # quantiles increase with probability
            assert min(q.n_errors) > 100  # h = 6 has one window per series: 1,245 series in 4 groups


def test_learn_round_trip(tmp_path, rng: np.random.Generator) -> None:  # type: ignore[no-untyped-def]
    errors = [rng.standard_t(4, size=4000) * h for h in (1, 2, 3)]
    quantiles = learn(errors, "level")
    # Centred: the median of each horizon is 0; the Student-t(4) 97.5% point is 2.776 (x h), matched
    # within the Monte Carlo error of a 4000-draw quantile (~0.1 at that tail).
    np.testing.assert_allclose(quantiles.ppf([0.5], 2), [0.0], atol=1e-9)
    assert quantiles.ppf([0.975], 3)[0] == pytest.approx(3 * 2.776, abs=0.5)
    calibration = Calibration("test", {"level/0": quantiles}, {"corpus": "synthetic"})
    path = tmp_path / "c.json"
    calibration.to_json(path)
    again = Calibration.from_json(path)
    np.testing.assert_allclose(again.for_history("level", [1.0, 2.0]).quantiles, quantiles.quantiles, atol=1e-6)
    assert again.provenance == {"corpus": "synthetic"}


def test_trend_strength_and_groups() -> None:
    assert trend_strength([1.0, 2.0, 4.0, 7.0]) == pytest.approx(1.0)  # monotone
    assert trend_strength([1.0, 3.0, 1.0, 3.0, 1.0]) == pytest.approx(0.0)  # diffs +2 -2 +2 -2
    assert trend_strength([1.0, 3.0, 2.0]) == pytest.approx(1 / 3)  # |mean(2, -1)| / mean(2, 1) = 0.5 / 1.5
    assert trend_group([1.0, 3.0, 2.0], (0.3, 0.6, 0.9)) == 1
    assert trend_group([1.0, 2.0, 4.0], (0.3, 0.6, 0.9)) == 3
    assert trend_group([1.0, 2.0, 4.0], ()) == 0


def test_standardised_errors_invert_predictive_quantiles() -> None:
    history = np.array([10.0, 12.0, 11.0, 15.0, 14.0])
    point = np.array([15.0, 16.0])
    q = ErrorQuantiles("level", np.array([0.1, 0.5, 0.9]), np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0]]), (1, 1))
    values = predictive_quantiles(history, point, q, np.array([0.9]))
    # level scale: s = mean |diff| = (2 + 1 + 4 + 1) / 4 = 2; 0.9 quantiles are f + s * (1, 2)
    np.testing.assert_allclose(values, [[17.0, 20.0]])
    np.testing.assert_allclose(standardised_errors(history, point, values[0], "level"), [1.0, 2.0])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    growth=st.floats(-0.1, 0.2),
    noise=st.floats(0.0, 0.3),
    n=st.integers(6, 30),
    seed=st.integers(0, 10_000),
)
def test_interval_properties(growth: float, noise: float, n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    values = 100 * np.exp(np.cumsum(growth + noise * rng.standard_normal(n)))
    forecast = Default(n_draws=500).fit(make_series(values)).forecast(4)
    for prob in (0.5, 0.8, 0.95):
        table = forecast.interval(prob)
        assert (table["lower"] <= table["estimate"] + 1e-9).all()
        assert (table["estimate"] <= table["upper"] + 1e-9).all()
        assert (table["lower"] >= 0).all()  # positive series: truncated at zero


def test_interval_width_never_shrinks_with_horizon() -> None:
    # The shipped quantiles are noisy in the tails (about 120-210 errors per horizon and group);
    # the widening envelope must make every tail monotone in the horizon for every group.
    calibration = default_calibration()
    for name, quantiles in calibration.scales.items():
        for h in range(1, quantiles.max_horizon + 8):
            lower_now, upper_now = quantiles.ppf([0.025, 0.975], h)
            lower_next, upper_next = quantiles.ppf([0.025, 0.975], h + 1)
            assert upper_next >= upper_now - 1e-12, (name, h)
            assert lower_next <= lower_now + 1e-12, (name, h)


def test_point_is_the_anchor_shrunk_median(growing) -> None:  # type: ignore[no-untyped-def]
    results = Default().fit(growing)
    points = results.member_points(4)
    assert set(points) == set(Default().members)
    median = np.median(np.vstack(list(points.values())), axis=0)
    expected = ANCHOR_WEIGHT * points[ANCHOR] + (1 - ANCHOR_WEIGHT) * median
    np.testing.assert_allclose(results.point(4), expected)
    plain = Default(anchor=None).fit(growing)
    np.testing.assert_allclose(plain.point(4), median)
    assert "0.7 x DynamicOptimizedTheta + 0.3 x median of" in " ".join(results.forecast(2).notes)


def test_anchor_that_cannot_fit_falls_back_to_the_median() -> None:
    # Five points: AutoETS cannot fit; with it as the anchor the blend is the median of the others.
    short = make_series(np.array([120.0, 135.0, 150.0, 149.0, 170.0]))
    members = ("DynamicOptimizedTheta", "AutoETS", "RandomWalkWithDrift")
    results = Default(members=members, anchor="AutoETS").fit(short)
    assert "AutoETS" in results.failed
    points = results.member_points(3)
    np.testing.assert_allclose(results.point(3), np.median(np.vstack(list(points.values())), axis=0))


@pytest.mark.parametrize(
    ("options", "message"),
    [({"anchor": "AutoARIMA"}, "must be one of the members"), ({"anchor_weight": 1.5}, "between 0 and 1")],
)
def test_anchor_options_are_checked(options: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Default(**options)  # type: ignore[arg-type]
