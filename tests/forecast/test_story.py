"""ForecastStory: the shared steps of the forecasting notebooks, on small user series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from borderflows.data.yearly import YearlySeries, yearly_series
from borderflows.forecast.story import GATE_COLUMNS, ForecastStory

YEARS = np.arange(2000, 2016)


@pytest.fixture
def signed() -> YearlySeries:
    # Fixed wiggles rather than the session rng: drawing here would shift the stream other tests see.
    values = np.r_[np.linspace(50, 10, 10), -5.0, -12.0, 8.0, 20.0, -3.0, 15.0] + np.sin(YEARS)
    frame = pd.DataFrame({"year": YEARS, "value": values, "flag": [""] * 13 + ["definition_break"] + [""] * 2})
    return yearly_series(frame, name="flow", unit="USD million", kind="signed", concept="net_flow")


@pytest.fixture
def counts() -> YearlySeries:
    values = np.linspace(1000, 2500, YEARS.size).round()
    exposure = np.r_[np.ones(YEARS.size - 1), 0.75]
    flags = [""] * (YEARS.size - 1) + ["partial_year"]
    frame = pd.DataFrame({"year": YEARS, "value": values * exposure, "exposure": exposure, "flag": flags})
    return yearly_series(frame, name="arrivals", unit="persons", kind="count", concept="arrivals")


def test_profile_names_signs_partial_years_and_breaks(signed: YearlySeries, counts: YearlySeries) -> None:
    profile = ForecastStory({"flow": signed, "arrivals": counts}).profile().set_index("series")
    assert profile.loc["flow", "unit"] == "USD million"
    assert profile.loc["flow", "negative_years"] == int((signed.values < 0).sum()) >= 3
    signs = np.sign(signed.values)
    assert profile.loc["flow", "sign_changes"] == int((signs[1:] != signs[:-1]).sum()) >= 4
    assert profile.loc["flow", "break_year"] == "2013"
    assert profile.loc["arrivals", "partial_years"] == "2015"
    assert profile.loc["arrivals", ["negative_years", "sign_changes"]].tolist() == [0, 0]
    quirks = ForecastStory({"flow": signed, "arrivals": counts}).quirks()
    assert set(quirks.loc[quirks["series"] == "arrivals", "year"]) == {2015}
    assert (quirks.loc[quirks["series"] == "flow", "value"] < 0).sum() == (signed.values < 0).sum()


def test_forecast_table_is_tidy_with_unit_prob_and_kind(signed: YearlySeries, counts: YearlySeries) -> None:
    story = ForecastStory({"flow": signed, "arrivals": counts}, models=("Naive", "Default"), horizon=3)
    table = story.forecast_table()
    assert len(table) == 2 * 2 * 3 * 2  # series x models x years x probs
    assert set(table["prob"]) == {0.8, 0.95}
    assert set(table["kind"]) == {"eti"}
    assert dict(zip(table["series"], table["unit"], strict=True)) == {"flow": "USD million", "arrivals": "persons"}
    assert (table["lower"] <= table["estimate"]).all()
    assert (table["estimate"] <= table["upper"]).all()
    narrow, wide = (table[table["prob"] == p].reset_index() for p in (0.8, 0.95))
    assert (wide["upper"] - wide["lower"] >= narrow["upper"] - narrow["lower"] - 1e-9).all()
    notes = story.notes()
    assert notes.loc[notes["series"] == "arrivals", "note"].str.contains("partial year").any()
    assert isinstance(story.fan_charts("Naive"), Figure)


def test_backtest_scores_every_model_on_every_series(signed: YearlySeries, counts: YearlySeries) -> None:
    story = ForecastStory({"flow": signed, "arrivals": counts}, models=("Naive", "Default"))
    table = story.backtest_table(horizon=2, n_origins=3)
    assert set(zip(table["series"], table["model"], strict=True)) == {
        (s, m) for s in ("flow", "arrivals") for m in ("Naive", "Default")
    }
    assert set(table["prob"]) == {0.8, 0.95}


def test_bayesian_without_series_gives_empty_tidy_tables(counts: YearlySeries) -> None:
    bayes = ForecastStory({"arrivals": counts}).bayesian(names=[])
    assert list(bayes.diagnostics_table().columns) == list(GATE_COLUMNS)
    assert bayes.forecast_table().empty
    assert {"prob", "kind", "unit"} <= set(bayes.forecast_table().columns)
