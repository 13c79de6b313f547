"""The registry: built-in models are listed, names resolve, clashes and unknown names are refused."""

from __future__ import annotations

import pytest

from borderflows.exceptions import BorderflowsError
from borderflows.forecast import registry
from borderflows.forecast.baselines import StatsForecastBaseline


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
