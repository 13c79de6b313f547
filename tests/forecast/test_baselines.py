"""The statsforecast wrappers reproduce statsforecast's own point forecasts and intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsforecast import StatsForecast
from statsforecast import models as sf_models

from borderflows.exceptions import DataValidationError
from borderflows.forecast.baselines import BASELINES, StatsForecastBaseline

from .conftest import make_series


@pytest.mark.parametrize("name", [b for b in BASELINES if b != "AutoCES"])  # CES: 0.5 s a fit
def test_reproduces_statsforecast_intervals(name: str, growing) -> None:  # type: ignore[no-untyped-def]
    # Reference: statsforecast's public batch API on the same data (its own numbers, not ours).
    frame = pd.DataFrame({"unique_id": "s", "ds": pd.to_datetime(growing.years.astype(str)), "y": growing.values})
    plain = {"Naive": sf_models.Naive, "RandomWalkWithDrift": sf_models.RandomWalkWithDrift}
    model = plain[name]() if name in plain else getattr(sf_models, name)(season_length=1)
    reference = StatsForecast(models=[model], freq="YS", n_jobs=1).forecast(df=frame, h=6, level=[80, 95])
    ours = StatsForecastBaseline(name).fit(growing).forecast(6)
    alias = str(model)
    # The median of the stratified draws sits between the quantiles at 0.5 -/+ 0.00025, so for the
    # slightly skewed simulated Theta intervals it differs from the mean by ~1e-5 relative.
    np.testing.assert_allclose(ours.median, reference[alias].to_numpy(), rtol=1e-4)
    for prob in (0.8, 0.95):
        table = ours.interval(prob)
        lo = reference[f"{alias}-lo-{prob * 100:.0f}"].to_numpy()
        hi = reference[f"{alias}-hi-{prob * 100:.0f}"].to_numpy()
        # 2000 stratified quantile draws: np.quantile's interpolation shifts the 2.5% point by ~0.00024
        # in probability, i.e. 0.004 predictive sd; allow 1% of the interval half-width.
        tolerance = 0.01 * (hi - lo) / 2 + 1e-9
        np.testing.assert_array_less(np.abs(table["lower"].to_numpy() - lo), tolerance)
        np.testing.assert_array_less(np.abs(table["upper"].to_numpy() - hi), tolerance)
        assert set(table["prob"]) == {prob}
        assert set(table["kind"]) == {"eti"}


def test_years_and_notes(growing) -> None:  # type: ignore[no-untyped-def]
    forecast = StatsForecastBaseline("Naive").fit(growing).forecast(3)
    np.testing.assert_array_equal(forecast.years, [2020, 2021, 2022])
    np.testing.assert_allclose(forecast.median, growing.values[-1])
    assert any("its own prediction intervals" in note for note in forecast.notes)


def test_unknown_baseline() -> None:
    with pytest.raises(ValueError, match="unknown baseline"):
        StatsForecastBaseline("Prophet")


def test_unfittable_series_is_a_validation_error() -> None:
    # statsforecast's AutoETS refuses four points ("tiny datasets"); the user gets a fix, not a traceback.
    tiny = make_series(np.array([1.0, 2.0, 3.0, 5.0]))
    with pytest.raises(DataValidationError, match=r"AutoETS could not fit.*Fix: use the default forecaster"):
        StatsForecastBaseline("AutoETS").fit(tiny)
