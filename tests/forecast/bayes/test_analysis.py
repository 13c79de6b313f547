"""Analysis-of-record plumbing that needs no sampling: coherent totals, options, breaks, headlines."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from borderflows.data.yearly import YearlySeries
from borderflows.forecast.analysis import ForecastOptions, break_year_for, headline, input_hash
from borderflows.forecast.bayes.coherent import coherent_total
from borderflows.forecast.results import Forecast
from borderflows.results.analysis import load_spec

MODELS = Path(__file__).resolve().parents[3] / "models"


def component(name: str, draws: np.ndarray, years: np.ndarray) -> Forecast:
    history = YearlySeries(
        name=name, years=years, values=np.full(years.size, 100.0), unit="persons", kind="count", concept=name
    )
    return Forecast(series=history, model="DampedTrend", years=years[-1] + np.arange(1, 4), draws=draws)


def test_total_is_the_draw_by_draw_sum_of_components(rng: np.random.Generator) -> None:
    years = np.arange(2000, 2015, dtype=np.int64)
    parts = [component(f"c{i}", rng.gamma(2.0, 50.0, (500, 3)), years) for i in range(4)]
    total = coherent_total(parts, "total")
    assert np.allclose(total.draws, sum(p.draws for p in parts))
    assert np.allclose(total.series.values, 400.0)
    # Coherence holds for every draw, hence for means; it does not hold for interval bounds.
    assert np.allclose(total.draws.mean(axis=0), sum(p.draws.mean(axis=0) for p in parts))
    with pytest.raises(ValueError, match="share forecast years"):
        coherent_total([parts[0], component("x", parts[1].draws, years + 1)], "bad")


def test_break_year_from_flags() -> None:
    years = np.arange(2010, 2015, dtype=np.int64)
    flags = ("", "", "", "definition_break", "definition_break")
    s = YearlySeries(name="s", years=years, values=np.ones(5), unit="", kind="count", concept="", flags=flags)
    assert break_year_for(s, "auto") == 2013
    assert break_year_for(s, "none") is None
    assert break_year_for(s, 2012) == 2012


def test_headline_states_probability_and_kind(rng: np.random.Generator) -> None:
    years = np.arange(2000, 2015, dtype=np.int64)
    forecast = component("arrivals", rng.normal(18_400, 3_000, (2000, 3)), years)
    sentence = headline(forecast, "Arrivals to Kazakhstan", 0.9, "eti")
    assert sentence.startswith("Arrivals to Kazakhstan in 2017: 18,")
    assert "90% equal-tailed interval" in sentence


@pytest.mark.parametrize("folder", ["kaz_migration_forecast", "kaz_fdi_forecast"])
def test_specs_of_record_parse_and_hash(folder: str) -> None:
    spec = load_spec(MODELS / folder)
    options = ForecastOptions.from_spec(spec)
    assert spec.kind == "forecast"
    assert options.series
    assert len(input_hash(spec)) == 64
