"""The registry: built-in models are listed, names resolve, clashes and unknown names are refused."""

from __future__ import annotations

import numpy as np
import pytest

from borderflows.exceptions import BorderflowsError
from borderflows.forecast import registry
from borderflows.forecast.baselines import StatsForecastBaseline
from borderflows.forecast.registry import get


def test_builtins_available() -> None:
    names = registry.available()
    for name in ("Default", "Naive", "AutoETS", "AutoARIMA", "DynamicOptimizedTheta", "AutoCES"):
        assert name in names


def test_get_returns_fresh_spec() -> None:
    model = registry.get("AutoETS")
    assert isinstance(model, StatsForecastBaseline)
    assert model.name == "AutoETS"
    assert isinstance(model, registry.Forecaster)


def test_unknown_name_is_a_user_error() -> None:
    with pytest.raises(BorderflowsError, match=r"unknown model 'Nope'; available: .*Default"):
        registry.get("Nope")


def test_register_refuses_clash_unless_overwrite() -> None:
    def factory() -> StatsForecastBaseline:
        return StatsForecastBaseline("Naive")

    registry.register("test-naive", factory)
    try:
        with pytest.raises(ValueError, match="already registered"):
            registry.register("test-naive", lambda: StatsForecastBaseline("AutoETS"))
        registry.register("test-naive", lambda: StatsForecastBaseline("AutoETS"), overwrite=True)
        assert registry.get("test-naive").name == "AutoETS"
    finally:
        registry._REGISTRY.pop("test-naive", None)


def test_with_preset_runs_bayesian_models_in_full_unless_told() -> None:
    from borderflows.exceptions import OptionError
    from borderflows.forecast.registry import BAYESIAN_PRESET, WithPreset, takes_preset, with_preset

    bayesian = get("damped_trend")
    assert takes_preset(bayesian)
    wrapped = with_preset(bayesian, None)
    assert isinstance(wrapped, WithPreset)
    assert (wrapped.preset, BAYESIAN_PRESET, wrapped.name) == ("full", "full", bayesian.name)
    assert with_preset(bayesian, "fast").preset == "fast"  # type: ignore[attr-defined]
    with pytest.raises(OptionError, match="unknown preset 'quick'"):
        with_preset(bayesian, "quick", option="--preset")
    classical = get("Default")
    assert with_preset(classical, None) is classical
    with pytest.raises(OptionError, match="not a Bayesian model"):
        with_preset(classical, "full", option="--preset")


def test_manifest_records_the_preset_that_drew_the_forecast() -> None:
    from borderflows.forecast.outputs import ForecastFiles
    from borderflows.forecast.results import Forecast

    from .conftest import make_series

    series = make_series(np.arange(1.0, 11.0))
    years = np.arange(2010, 2012, dtype=np.int64)
    drawn = Forecast(series, "DampedTrend", years, np.ones((4, 2)), 1, None, ("preset: fast",), preset="fast")
    assert ForecastFiles(drawn, (0.8,), "eti", 1).record_manifest().preset == "fast"
    classical = Forecast(series, "Default", years, np.ones((4, 2)), 1)
    assert ForecastFiles(classical, (0.8,), "eti", 1).record_manifest().preset == "n/a"
