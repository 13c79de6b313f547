"""Rolling-origin backtests and scoring produce the documented tidy frames with hand-checkable numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from borderflows.forecast.backtest import SCORE_COLUMNS, backtest, compare, score_forecast, summarize
from borderflows.forecast.baselines import StatsForecastBaseline
from borderflows.forecast.default import Default

from .conftest import make_series


def test_score_forecast_naive_by_hand() -> None:
    series = make_series(np.array([10.0, 12.0, 11.0, 15.0]))  # MASE scale = (2 + 1 + 4) / 3 = 7/3
    forecast = StatsForecastBaseline("Naive").fit(series).forecast(2)
    scores = score_forecast(forecast, [16.0, 12.0], probs=(0.8,))
    assert list(scores.columns) == list(SCORE_COLUMNS)
    np.testing.assert_allclose(scores["estimate"], [15.0, 15.0])  # naive: the last value
    np.testing.assert_allclose(scores["scaled_error"], [1 / (7 / 3), 3 / (7 / 3)])
    np.testing.assert_allclose(scores["smape"], [200 / 31, 600 / 27])
    assert scores["origin"].tolist() == [2003, 2003]
    assert scores["year"].tolist() == [2004, 2005]
    assert set(scores["prob"]) == {0.8}
    assert set(scores["kind"]) == {"eti"}


def test_summarize_averages_horizons_then_series() -> None:
    # Series a: errors 1 and 3 over two horizons (mean 2); series b: error 5 over one horizon.
    # Averaging per series first gives (2 + 5) / 2 = 3.5, not the pooled (1 + 3 + 5) / 3 = 3.
    frame = pd.DataFrame(
        {
            "model": "m",
            "series": ["a", "a", "b"],
            "origin": 2000,
            "horizon": [1, 2, 1],
            "smape": [1.0, 3.0, 5.0],
            "scaled_error": [1.0, 3.0, 5.0],
            "scaled_crps": [1.0, 3.0, 5.0],
            "covered": [True, False, True],
            "scaled_interval_score": [1.0, 3.0, 5.0],
            "prob": 0.95,
            "kind": "eti",
        }
    )
    summary = summarize(frame)
    assert summary.loc[0, "mase"] == pytest.approx(3.5)
    assert summary.loc[0, "coverage"] == pytest.approx(0.75)  # (0.5 + 1) / 2
    assert summary.loc[0, "n_forecasts"] == 2


def test_backtest_frames(growing) -> None:  # type: ignore[no-untyped-def]
    result = backtest(StatsForecastBaseline("AutoETS"), [growing], horizon=3, n_origins=4, min_train=10)
    scores = result.scores
    # Origins: the last four training lengths 16..19 of 20 points; horizons past the data are dropped.
    assert sorted(scores["origin"].unique()) == [2015, 2016, 2017, 2018]
    per_origin = scores[scores["prob"] == 0.8].groupby("origin")["horizon"].max().to_dict()
    assert per_origin == {2015: 3, 2016: 3, 2017: 2, 2018: 1}
    assert len(scores) == 2 * (3 + 3 + 2 + 1)
    # The truth scored at each row is the series' own value in that year.
    lookup = dict(zip(growing.years, growing.values, strict=True))
    np.testing.assert_allclose(scores["actual"], [lookup[y] for y in scores["year"]])
    table = result.table
    assert set(table["prob"]) == {0.8, 0.95}
    assert result.failures.empty


def test_backtest_records_failures() -> None:
    series = make_series(np.array([1.0, 2.0, 3.0, 5.0, 4.0, 6.0, 7.0, 9.0]))
    # AutoETS refuses histories of four points ("tiny datasets"): recorded, not raised.
    result = backtest(StatsForecastBaseline("AutoETS"), series, horizon=2, n_origins=5, min_train=4)
    failed = set(result.failures["origin"])
    assert 2003 in failed  # the four-point history 2000-2003
    assert failed.isdisjoint(result.scores["origin"])
    assert failed | set(result.scores["origin"]) == {2003, 2004, 2005, 2006}
    assert result.failures["error"].str.contains("tiny datasets").all()


def test_compare_models_on_the_same_origins(growing) -> None:  # type: ignore[no-untyped-def]
    result = compare([StatsForecastBaseline("Naive"), Default()], growing, horizon=2, n_origins=3)
    table = result.table
    assert sorted(table["model"].unique()) == ["Default", "Naive"]
    assert len(table) == 4  # two models x two probabilities
    origins = result.scores.groupby("model")["origin"].unique().apply(sorted)
    assert origins["Naive"] == origins["Default"]


def test_backtest_with_no_origin_is_empty_not_an_error() -> None:
    result = backtest(StatsForecastBaseline("Naive"), make_series(np.array([1.0, 2.0, 3.0, 4.0])), min_train=8)
    assert result.scores.empty
    assert result.table.empty


def test_summary_by_series_and_model(growing) -> None:  # type: ignore[no-untyped-def]
    runs = compare([StatsForecastBaseline("Naive"), Default()], growing, horizon=2, n_origins=3, probs=(0.8,))
    by_series = runs.summary(("series", "model"))
    by_model = runs.summary(("model",))
    assert list(by_series[["series", "model"]].drop_duplicates().itertuples(index=False, name=None)) == [
        (growing.name, "Naive"),
        (growing.name, "Default"),
    ]
    # One series: grouping by series as well changes nothing in the numbers.
    assert by_series["n_forecasts"].tolist() == by_model["n_forecasts"].tolist() == [3, 3]
    assert by_series["mase"].tolist() == pytest.approx(by_model["mase"].tolist())
