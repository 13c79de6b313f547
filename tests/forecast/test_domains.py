"""Series-adaptive intervals and the leave-one-domain-out harness, on a tiny two-domain corpus (horizon 3)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from borderflows.forecast.adaptive import OwnErrors, ScalePrior, own_errors
from borderflows.forecast.backtest import summarize
from borderflows.forecast.benchmark import learn_calibration
from borderflows.forecast.calibration import default_calibration, learn, weighted_quantile
from borderflows.forecast.corpora import PAST_SUFFIX, Case, load_corpus, past_cases
from borderflows.forecast.default import Default
from borderflows.forecast.domains import held_out_coverage, leave_one_domain_out, transfer, transfer_table
from borderflows.forecast.records import (
    OWN_WEIGHTS,
    STRENGTHS,
    learn_from_records,
    make_record,
    make_records,
    record_forecast,
    score_records,
)

from .conftest import make_series

SCRIPTS = Path(__file__).resolve().parents[2] / "benchmarks"
HORIZON = 3


def tiny_corpus(rng: np.random.Generator, n_per_domain: int = 16, length: int = 15) -> list[Case]:
    """Two domains that err differently relative to their volatility: smooth trends with iid noise
    (errors about one mean absolute difference) and random walks (errors growing like sqrt(h))."""
    cases = []
    for i in range(n_per_domain):
        t = np.arange(length + HORIZON, dtype=float)
        smooth = 100 + 2.0 * t + rng.normal(0, 1.0, t.size)
        walk = 100 + np.cumsum(rng.normal(0.5, 3.0, t.size))
        for domain, values in (("smooth", smooth), ("walk", np.maximum(walk, 1.0))):
            series = make_series(values[:length], name=f"{domain}{i:02d}")
            cases.append(Case(series.__class__(**{**series.__dict__, "concept": domain}), values[length:]))
    return cases


@pytest.fixture(scope="module")
def corpus() -> list[Case]:
    return tiny_corpus(np.random.default_rng(sum(map(ord, "domains"))))


@pytest.fixture(scope="module")
def records(corpus: list[Case]):  # type: ignore[no-untyped-def]
    return make_records(corpus)


def test_spread_shrinks_own_ratio_towards_the_corpus() -> None:
    own = OwnErrors("level", np.array([1, 1, 2, 2]), np.array([2.0, -2.0, 4.0, 4.0]))
    prior = ScalePrior("level", (1.0, 2.0), centre=np.log(0.5), strength=4.0)
    # r = mean(|z| / g_h) = mean(2, 2, 2, 2) = 2; weight n / (n + k) = 4 / 8
    assert prior.ratio(own) == pytest.approx(2.0)
    assert prior.weight(own.n) == pytest.approx(0.5)
    assert prior.spread(own) == pytest.approx(np.exp(np.log(0.5) + 0.5 * (np.log(2.0) - np.log(0.5))))
    assert ScalePrior("level", (1.0, 2.0), 0.0, strength=0.0).spread(own) == pytest.approx(2.0)  # own alone
    assert ScalePrior("level", (1.0, 2.0), 0.3, strength=1e12).spread(own) == pytest.approx(np.exp(0.3))
    empty = OwnErrors("level", np.zeros(0, dtype=np.int64), np.zeros(0))
    assert prior.spread(empty) == pytest.approx(0.5)  # too short for an own error: the prior's centre


def test_own_errors_beyond_the_learned_horizons_use_the_last_growth() -> None:
    # A prior learned where own errors reached horizon 2 meets a series whose own errors reach 3:
    # the third horizon is compared with g_2, as the learner carries g forward (it used to raise IndexError).
    own = OwnErrors("level", np.array([1, 2, 3]), np.array([1.0, -4.0, 8.0]))
    prior = ScalePrior("level", (1.0, 2.0), centre=0.0, strength=0.0)
    assert prior.ratio(own) == pytest.approx(np.mean([1.0, 2.0, 4.0]))


def test_weighted_quantiles() -> None:
    values = np.array([3.0, 1.0, 2.0, 5.0])
    levels = np.array([0.0, 0.1, 0.5, 0.9, 1.0])
    np.testing.assert_allclose(weighted_quantile(values, np.ones(4), levels), np.quantile(values, levels))
    # Weight moves interior positions: [1, 2, 3] with weights [1, 1, 4] puts 2 at (1.5 - 0.5) / 3.5 = 0.286,
    # so the median lies 0.214 / 0.714 of the way from 2 to 3 (unweighted: 2).
    heavy = weighted_quantile(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 4.0]), [0.5])
    assert heavy[0] == pytest.approx(2.0 + (0.5 - 1 / 3.5) / (1 - 1 / 3.5))
    assert learn([values], "level", weights=[np.array([1.0, 1.0, 1.0, 0.0])]).n_errors == (3,)  # weight 0 drops


def test_own_errors_only_read_the_history() -> None:
    values = np.arange(1.0, 13.0) ** 1.5
    calls: list[int] = []

    def last_value(history: np.ndarray, horizon: int) -> np.ndarray:
        calls.append(history.size)
        return np.full(horizon, history[-1])

    own = own_errors(last_value, values, "level", horizon=3, n_origins=4, min_train=6)
    assert calls == [8, 9, 10, 11]  # the last four origins inside the 12 values
    # Each origin scores what the history still holds: 3 + 3 + 2 + 1 errors.
    np.testing.assert_array_equal(own.horizons, [1, 2, 3, 1, 2, 3, 1, 2, 1])
    first = (values[8] - values[7]) / np.mean(np.abs(np.diff(values[:8])))
    assert own.errors[0] == pytest.approx(first)


def test_record_scores_equal_the_public_api(records) -> None:  # type: ignore[no-untyped-def]
    calibration = learn_from_records(records[:20])
    for record in records[20:23]:
        api = Default(calibration=calibration).fit(record.case.train).forecast(HORIZON)
        np.testing.assert_array_equal(record_forecast(record, calibration).draws, api.draws)
        assert any("own rolling-origin errors" in note for note in api.notes)


def test_harness_states_corpus_and_horizon(records) -> None:  # type: ignore[no-untyped-def]
    transfers = leave_one_domain_out(records, corpus="tiny")
    table = transfer_table(transfers).set_index("scored on")
    assert list(table.index) == ["smooth", "walk"]
    assert (table["corpus"] == "tiny").all()
    assert (table["horizon"] == HORIZON).all()
    assert table.loc["walk", "learned on"] == "smooth"
    assert (table["series"] == 16).all()


def test_scored_domain_test_values_never_shape_its_intervals(corpus, records) -> None:  # type: ignore[no-untyped-def]
    before = transfer(
        [r for r in records if r.domain == "smooth"], [r for r in records if r.domain == "walk"], corpus="t"
    )
    altered = [Case(c.train, c.test * 5.0) if c.domain == "walk" else c for c in corpus]
    again_records = make_records(altered)
    for old, new in zip(records, again_records, strict=True):  # own errors come from the training segment only
        np.testing.assert_array_equal(old.own["level"].errors, new.own["level"].errors)
    again = transfer(
        [r for r in again_records if r.domain == "smooth"],
        [r for r in again_records if r.domain == "walk"],
        corpus="t",
    )
    np.testing.assert_array_equal(before.scores[["lower", "upper"]], again.scores[["lower", "upper"]])
    assert not np.array_equal(before.scores["actual"], again.scores["actual"])


def test_transfer_refuses_overlapping_series(records) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="both learned on and scored on"):
        transfer(records[:10], records[5:15], corpus="t")


def test_own_errors_widen_intervals_where_the_corpus_erred_less(records) -> None:  # type: ignore[no-untyped-def]
    # Learned on smooth trends, scored on random walks, which err several times more per unit of
    # volatility at h = 3: the corpus quantiles alone cover 0.31 at 80% (measured); with the width
    # taken from each series' own errors (strength 0) coverage comes back to 0.75. 16 series x 3
    # horizons: the Monte Carlo sd of an 80% coverage is ~0.06, so a 0.3 margin cannot be luck.
    smooth = [r for r in records if r.domain == "smooth"]
    walk = [r for r in records if r.domain == "walk"]
    coverage = {}
    for name, calibration in (
        ("corpus", learn_from_records(smooth, adaptive=False)),
        ("own", learn_from_records(smooth, strength=0.0)),
    ):
        coverage[name] = summarize(score_records(walk, calibration)).set_index("prob").loc[0.8, "coverage"]
    assert coverage["own"] > coverage["corpus"] + 0.3, coverage
    # Trained on one domain, the strength is chosen by series folds inside it: no heterogeneity there,
    # so the choice may be the corpus prior alone; the choice is recorded either way.
    chosen = learn_from_records(smooth)
    assert chosen.provenance["strength_folds"] == "5 series folds"
    grid = {f"k={k:g}, own weight={w:g}" for k in STRENGTHS for w in OWN_WEIGHTS}
    assert set(chosen.provenance["strength_choice"]) == grid
    assert chosen.provenance["own_weight"] in OWN_WEIGHTS


def test_short_horizon_corpus_learns_its_horizons(corpus) -> None:  # type: ignore[no-untyped-def]
    short = [Case(c.train, c.test[:2]) for c in corpus[:12]]
    calibration = learn_from_records([make_record(c, own_horizon=2) for c in short])
    assert calibration.priors["level"].horizon == 2
    assert calibration.for_history("level", short[0].train.values).max_horizon == 2
    forecast = Default(calibration=calibration).fit(short[0].train).forecast(4)
    assert any("extrapolated" in note for note in forecast.notes)


def write_corpus(cases: list[Case], folder: Path) -> Path:
    """The cases in the series.csv + meta.csv layout of ``../shared/bench/m3_yearly``."""
    folder.mkdir()
    rows, meta = [], []
    for i, case in enumerate(cases):
        sid = f"S{i:03d}"
        values = [*case.train.values, *case.test]
        split = ["train"] * case.train.values.size + ["test"] * case.test.size
        rows += [(sid, s, t + 1, v) for t, (s, v) in enumerate(zip(split, values, strict=True))]
        meta.append((sid, case.domain, int(case.train.years[0])))
    pd.DataFrame(rows, columns=["series_id", "split", "t", "value"]).to_csv(folder / "series.csv", index=False)
    pd.DataFrame(meta, columns=["series_id", "category", "start_year"]).to_csv(folder / "meta.csv", index=False)
    return folder


def load_script(name: str):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_m3_script_runs_on_a_corpus_with_a_shorter_horizon(corpus, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    # Session 2's script crashed here (IndexError in calibration.learn) and printed "horizon 6" regardless.
    folder = write_corpus(corpus, tmp_path / "tiny")
    assert len(load_corpus(folder)) == len(corpus)
    arguments = ["--data", str(folder), "--methods", "Default", "Naive", "--cross-fit", "3"]
    assert load_script("m3_yearly").main(arguments) == 0
    out = capsys.readouterr().out
    assert f"tiny, {len(corpus)} series, horizon {HORIZON}" in out
    assert not any(line.startswith("M3 yearly") for line in out.splitlines())  # the old hard-coded header
    assert "Default (3-fold cross-fitted)" in out


def test_domains_script_on_the_tiny_corpus(corpus, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    folder = write_corpus(corpus, tmp_path / "tiny")
    assert load_script("domains").main(["--data", str(folder), "--protocols", "m3", "--compare"]) == 0
    out = capsys.readouterr().out
    assert f"## m3: corpus tiny; horizon {HORIZON}" in out
    assert "non-adaptive" in out
    assert "learned on smooth" in out


def test_past_cases_read_only_the_training_segments(corpus) -> None:  # type: ignore[no-untyped-def]
    past = past_cases(corpus)
    assert len(past) == len(corpus)
    for earlier, case in zip(past, corpus, strict=True):
        assert earlier.train.name == case.train.name + PAST_SUFFIX  # never taken for the same series
        assert earlier.domain == case.domain
        np.testing.assert_array_equal(np.concatenate([earlier.train.values, earlier.test]), case.train.values)
        assert earlier.test.size == case.test.size
    assert past_cases(corpus, min_train=case.train.values.size) == []  # too short for a past: left out


def test_domains_script_past_protocol(corpus, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    folder = write_corpus(corpus, tmp_path / "tiny")
    assert load_script("domains").main(["--data", str(folder), "--protocols", "past", "--dots-series", "4"]) == 0
    out = capsys.readouterr().out
    assert "## past: corpus tiny + DOTS: own past" in out
    assert "others + own past" in out


def test_held_out_coverage_is_measured_and_quoted_in_the_forecast_notes(corpus, records) -> None:  # type: ignore[no-untyped-def]
    transfers = leave_one_domain_out(records, corpus="tiny")
    coverage = held_out_coverage(transfers)
    assert set(coverage) == {"smooth", "walk"}
    for t in transfers:
        summary = t.summary.set_index("prob")
        assert coverage[t.scored_on[0]]["0.8"] == pytest.approx(summary.loc[0.8, "coverage"], abs=5e-4)
        assert coverage[t.scored_on[0]]["series"] == 16
    calibration = learn_calibration(corpus, provenance={"label": "tiny"}, held_out=True)
    assert calibration.provenance["held_out_coverage"] == coverage  # the same transfers, learned in one call
    low, high = sorted(row["0.8"] for row in coverage.values())
    note = calibration.held_out_note()
    assert note is not None
    assert f"80% intervals covered {low:.2f}-{high:.2f} of that domain's outcomes" in note
    forecast = Default(calibration=calibration).fit(corpus[0].train).forecast(HORIZON)
    assert note in forecast.notes
    assert learn_calibration(corpus[:8]).held_out_note() is None  # not asked for: nothing claimed


def test_shipped_calibration_states_its_held_out_coverage() -> None:
    calibration = default_calibration()
    held = calibration.provenance["held_out_coverage"]
    assert set(held) == set(calibration.provenance["domains"])
    assert all(0.0 < row["0.8"] < row["0.95"] <= 1.0 for row in held.values())
