"""Name -> forecaster registry, shared by the CLI, the backtests and the Bayesian models.

Every forecaster follows one protocol (STYLE.md rule 1): a frozen spec whose ``fit(series)`` returns a
new results object whose ``forecast(horizon)`` returns a :class:`~borderflows.forecast.results.Forecast`.
Built-in models register themselves when this module is first used; the Bayesian models in
``borderflows.forecast.bayes`` register theirs on import (``register("DampedTrend", DampedTrend)``).
"""

from __future__ import annotations

import importlib
import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from borderflows.config import preset as sampler_preset
from borderflows.data.yearly import YearlySeries
from borderflows.exceptions import BorderflowsError, OptionError
from borderflows.forecast.results import Forecast


@runtime_checkable
class FitResults(Protocol):
    """What ``fit`` returns: a fitted model able to forecast."""

    def forecast(self, horizon: int) -> Forecast:
        """Predictive draws for the next ``horizon`` years."""
        ...


@runtime_checkable
class Forecaster(Protocol):
    """A frozen model specification."""

    @property
    def name(self) -> str:
        """Label written into every table (``Forecast.model``)."""
        ...

    def fit(self, series: YearlySeries, *, random_seed: int | None = None) -> FitResults:
        """Fit to one validated series and return a new results object."""
        ...


ForecasterFactory = Callable[[], Forecaster]

logger = logging.getLogger(__name__)

_REGISTRY: dict[str, ForecasterFactory] = {}

BUILTIN_NAMES: tuple[str, ...] = (
    "AutoARIMA",
    "AutoCES",
    "AutoETS",
    "AutoTheta",
    "DampedTrend",
    "Default",
    "DynamicOptimizedTheta",
    "Naive",
    "RandomWalkWithDrift",
    "damped_trend",
    "damped_trend_counts",
    "damped_trend_lognormal",
    "damped_trend_signed",
)
"""Names the built-in modules register, known without importing them (the CLI checks ``--model``
before it pays for statsforecast and PyMC); a test keeps it equal to what they register."""
_BUILTINS_LOADED = False

# Modules whose import registers models. ``bayes`` is optional: it is built separately and may be absent.
_BUILTIN_MODULES = ("borderflows.forecast.baselines", "borderflows.forecast.default")
_OPTIONAL_MODULES = ("borderflows.forecast.bayes",)


class UnknownModelError(BorderflowsError, KeyError):
    """No forecaster is registered under the requested name."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


def register(name: str, factory: ForecasterFactory, *, overwrite: bool = False) -> None:
    """Register a forecaster under ``name``.

    Parameters
    ----------
    name
        Name users pass to ``--model`` and :func:`get`.
    factory
        Zero-argument callable returning a forecaster with default settings (usually the class).
    overwrite
        Replace an existing entry instead of raising.

    Raises
    ------
    ValueError
        If ``name`` is taken and ``overwrite`` is false.
    """
    if name in _REGISTRY and not overwrite and _REGISTRY[name] is not factory:
        raise ValueError(f"a forecaster named {name!r} is already registered")
    _REGISTRY[name] = factory


def _load_builtins() -> None:
    global _BUILTINS_LOADED
    if _BUILTINS_LOADED:
        return
    _BUILTINS_LOADED = True
    for module in _BUILTIN_MODULES:
        importlib.import_module(module)
    for module in _OPTIONAL_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as error:
            if error.name != module:  # the package exists but one of its imports is missing: surface it
                raise
        except Exception:  # a broken optional package must not take the classical models down with it
            logger.exception("could not load the forecasters in %s; they are not registered", module)


def get(name: str) -> Forecaster:
    """A new forecaster with default settings for the registered ``name``.

    Raises
    ------
    UnknownModelError
        Naming the available models.
    """
    _load_builtins()
    try:
        factory = _REGISTRY[name]
    except KeyError:
        raise UnknownModelError(f"unknown model {name!r}; available: {', '.join(available())}") from None
    return factory()


def available() -> list[str]:
    """Names of all registered forecasters, sorted."""
    _load_builtins()
    return sorted(_REGISTRY)


BAYESIAN_PRESET = "full"
"""Sampler preset a Bayesian forecaster runs in when the caller names none: results of record."""


def takes_preset(forecaster: Forecaster) -> bool:
    """Whether ``forecaster.fit`` samples (accepts a ``preset``): the Bayesian models."""
    return "preset" in inspect.signature(forecaster.fit).parameters


@dataclass(frozen=True)
class WithPreset:
    """A Bayesian forecaster whose every fit (forecasts and backtest refits alike) runs in one preset."""

    forecaster: Any
    preset: str

    @property
    def name(self) -> str:
        """The wrapped forecaster's name."""
        return str(self.forecaster.name)

    def fit(self, series: YearlySeries, *, random_seed: int | None = None) -> FitResults:
        """Fit the wrapped forecaster in :attr:`preset`."""
        results: FitResults = self.forecaster.fit(series, random_seed=random_seed, preset=self.preset)
        return results


def with_preset(forecaster: Forecaster, preset: str | None, *, option: str = "preset") -> Forecaster:
    """``forecaster`` fitted in ``preset`` (default :data:`BAYESIAN_PRESET`) if it samples; as it is otherwise.

    Raises
    ------
    OptionError
        If ``preset`` is not a known preset, or is given for a forecaster that does not sample.
    """
    if not takes_preset(forecaster):
        if preset is not None:
            raise OptionError(
                option,
                f"{forecaster.name} is not a Bayesian model and has no sampler preset",
                "leave it out, or pick a Bayesian model (e.g. damped_trend)",
            )
        return forecaster
    name = preset or BAYESIAN_PRESET
    sampler_preset(name, option)  # refuses an unknown name before anything is fitted
    return WithPreset(forecaster, name)
