"""Fit contract on small simulated pairs (fast preset, one compiled graph for every fit in this module)."""

from __future__ import annotations

import warnings
from dataclasses import replace
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

from borderflows import progress
from borderflows.config import SamplerPreset
from borderflows.config import preset as get_preset
from borderflows.diagnostics import Diagnostics
from borderflows.exceptions import ConvergenceWarning, OptionError, ResultsMismatchError
from borderflows.mirror import MirrorGap, load
from borderflows.mirror.compiled import mirror_run
from borderflows.mirror.fitting import RETRY_DRAWS_FACTOR
from borderflows.mirror.inputs import MirrorData
from borderflows.mirror.options import MODEL_VERSION
from borderflows.mirror.results import FIGURES, MirrorGapResults
from borderflows.mirror.world import WorldPosterior
from borderflows.sampling import flat

from .conftest import FIT_SEED, YEARS, TablePair, known_truth, pair_table, world_target

matplotlib.use("Agg")


def test_results_are_a_new_object_with_recorded_seed(pair_fit: MirrorGapResults) -> None:
    assert isinstance(pair_fit, MirrorGapResults)
    assert pair_fit.random_seed == FIT_SEED
    assert pair_fit.preset == "fast"
    assert pair_fit.spec.model_id == f"mirror-gap/pair/{MODEL_VERSION}"
    assert pair_fit.spec.walk == "non-centred"
    assert pair_fit.data.offset.source == "priors"
    assert any(note.startswith("pair mode:") and "leans on them" in note for note in pair_fit.notes)
    assert pair_fit.percentile is None  # pair mode does not place the pair among the world's


def test_interval_table_is_tidy_and_ordered(pair_fit: MirrorGapResults) -> None:
    table = pair_fit.interval(prob=0.9, kind="eti")
    assert {"year", "quantity", "estimate", "lower", "upper", "prob", "kind"} <= set(table.columns)
    assert (table["prob"] == 0.9).all()
    assert (table["kind"] == "eti").all()
    assert (table["lower"] <= table["estimate"]).all()
    assert (table["estimate"] <= table["upper"]).all()
    u = table[table["quantity"] == "u"]
    assert len(u) == pair_fit.data.n_years
    assert ((u["lower"] > 0) & (u["upper"] < 1)).all()
    # 50% intervals nest inside 90% intervals.
    narrow = pair_fit.interval(prob=0.5)
    assert (narrow["upper"] - narrow["lower"] <= table["upper"] - table["lower"] + 1e-12).all()
    with pytest.raises(OptionError, match="quantity"):
        pair_fit.draws("true_exports_usd_m")  # v2's quantity is gone


def test_truth_share_is_recovered_when_the_offset_is_known(identified_fit: MirrorGapResults) -> None:
    # Truth u rises 0.30 -> 0.50 (conftest.known_truth) and the fit is told the pair's usual ratio to within
    # 0.03: the reports then pin u down. A calibrated posterior has the truth within four posterior sd of its
    # mean with probability 0.9999 in each year checked.
    truth = known_truth().u
    u = identified_fit.u_draws
    for position in (0, len(YEARS) - 1):
        assert abs(u[:, position].mean() - truth[position]) < 4 * u[:, position].std()
    assert np.mean(u[:, -1] - u[:, 0] > 0) > 0.9  # the rise is seen


def test_total_and_probabilities(pair_fit: MirrorGapResults) -> None:
    total = pair_fit.total(years=range(2005, 2010))
    assert total.loc[0, "n_years"] == 5
    per_year = pair_fit.unrecorded_draws[:, :5].sum(axis=1)
    assert total.loc[0, "estimate"] == pytest.approx(np.median(per_year))
    low = pair_fit.prob_exceeds(0.1)
    high = pair_fit.prob_exceeds(0.9)
    assert (low["probability"] >= high["probability"]).all()
    with pytest.raises(OptionError, match="outside the fitted years"):
        pair_fit.total(years=[1990])
    with pytest.raises(OptionError, match="threshold"):
        pair_fit.prob_exceeds(30)


@pytest.mark.parametrize("fit_name", ["pair_fit", "world_fit"])
def test_decomposition_adds_up_to_raw_gap(fit_name: str, request: pytest.FixtureRequest) -> None:
    fit: MirrorGapResults = request.getfixturevalue(fit_name)
    parts = fit.decomposition()
    assert set(parts["component"]) == {"margin", "reporter_behaviour", "pair_effect", "underreporting", "residual"}
    data = fit.data
    both = np.isfinite(data.x_reported) & np.isfinite(data.m_reported)
    assert (parts.groupby("component").size() == both.sum()).all()
    # The four named parts add up to X - E[M], so what is left must be the model's reporting noise in USD:
    # the expected importer record exp(l + c + a + log(1 - u)) minus the reported M, rebuilt here from the
    # draws. Same draws, same values: the medians agree to rounding.
    expected_m = np.exp(flat(fit.idata, "level") + flat(fit.idata, "offset")[:, None] + flat(fit.idata, "pair_drift"))
    noise = expected_m[:, both] * (1 - fit.u_draws[:, both]) - data.m_reported[both]
    residual = parts[parts["component"] == "residual"]
    np.testing.assert_allclose(residual["estimate"], np.median(noise, axis=0), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(residual["raw_gap_usd_m"], data.x_reported[both] - data.m_reported[both])
    margin = parts[parts["component"] == "margin"]
    assert (margin["estimate"] < 0).all()  # CIF adds value: the margin narrows X - M


def test_summary_and_formats_state_prob_and_kind(pair_fit: MirrorGapResults) -> None:
    text = pair_fit.summary(prob=0.8)
    assert "80% equal-tailed interval" in text
    assert f"random_seed={FIT_SEED}" in text
    assert "identification: " in text
    assert "80% equal-tailed" in pair_fit.to_markdown(prob=0.8)
    assert "tabular" in pair_fit.to_latex()
    frame = pair_fit.to_frame()
    assert set(frame["prob"]) == {0.5, 0.9}


@pytest.mark.parametrize("what", FIGURES)
def test_plots_label_intervals(pair_fit: MirrorGapResults, what: str) -> None:
    import matplotlib.pyplot as plt

    ax = pair_fit.plot(what)
    labels = " ".join(ax.get_legend_handles_labels()[1]) + ax.get_title()
    assert "90% equal-tailed interval" in labels
    if what == "decomposition":  # one bar series per component of the results' decomposition
        legend = {label.replace(" ", "_") for label in ax.get_legend_handles_labels()[1]}
        assert set(pair_fit.decomposition()["component"]) <= legend
    plt.close(ax.figure)


def test_an_unknown_figure_is_refused_by_name(pair_fit: MirrorGapResults) -> None:
    with pytest.raises(OptionError, match="pie") as info:
        pair_fit.plot("pie")
    assert info.value.option == "what"


def test_save_load_round_trip_and_refusal(pair_fit: MirrorGapResults, tmp_path: Path) -> None:
    folder = pair_fit.save(tmp_path / "fit")
    back = load(folder)
    np.testing.assert_allclose(back.u_draws, pair_fit.u_draws)
    assert back.random_seed == pair_fit.random_seed
    assert back.spec == pair_fit.spec
    assert back.diagnostics.ok == pair_fit.diagnostics.ok
    assert back.identification == pair_fit.identification
    assert back.verdict == pair_fit.verdict
    assert back.data.offset.loc == pair_fit.data.offset.loc
    np.testing.assert_array_equal(back.data.offset.margin, pair_fit.data.offset.margin)
    with pytest.raises(ResultsMismatchError, match=f"not 'mirror-gap/world/{MODEL_VERSION}'"):
        load(folder, model_id=MirrorGap(mode="world").model_id)
    manifest = folder / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"package_version": "', '"package_version": "0.0.0-old'))
    with pytest.raises(ResultsMismatchError, match="refit"):
        load(folder)


def test_refit_reuses_compiled_model(pair_data: MirrorData, pair_fit: MirrorGapResults) -> None:
    from borderflows.mirror.compiled import compiled_model

    _, _, hit = compiled_model(pair_data, pair_fit.spec)
    assert hit
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a different seed on the fast preset may fail the gate; not tested here
        again = pair_fit.spec.fit_data(pair_data, random_seed=1, preset="fast")
    assert again.random_seed == 1
    assert not np.allclose(again.u_draws[:10], pair_fit.u_draws[:10])


def test_unknown_preset_fails_before_any_data(pair_data: MirrorData) -> None:
    pair = TablePair("CHN", "KAZ", pair_table(pair_data))
    with pytest.raises(OptionError, match="preset"):
        MirrorGap(mode="pair").fit(pair, preset="fastest", evidence=False)


def test_world_mode_takes_the_offset_from_the_world(world_fit: MirrorGapResults, world: WorldPosterior) -> None:
    exporter, importer = world_target(world)
    data = world_fit.data
    assert (data.exporter, data.importer) == (exporter, importer)
    assert world_fit.spec.mode == "world"
    assert world_fit.spec.model_id == f"mirror-gap/world/{MODEL_VERSION}"
    # The prior is the world's for this pair at the median of its smaller report (1995 on).
    smaller = np.fmin(data.x_reported, data.m_reported)
    size = float(np.median(smaller[np.isfinite(data.x_reported) & np.isfinite(data.m_reported)]))
    expected = world.offset_prior(exporter, importer, size)
    assert data.offset.source == "world"
    assert (data.offset.loc, data.offset.scale, data.offset.nu) == (expected.loc, expected.scale, expected.nu)
    assert data.offset.drift_sd == world.drift.for_size(size)
    assert world_fit.percentile == expected.percentile
    assert world_fit.percentile is not None
    assert any("beyond what comparable pairs show" in note for note in world_fit.notes)
    assert any("percentile of the world's pairs" in note for note in world_fit.notes)
    # The offset's parts are the world's draws; alpha is what is left of c.
    post = world_fit.idata["posterior"]
    parts = post["log1p_tau"].values + post["reporters"].values + post["covariate_effect"].values
    np.testing.assert_allclose(post["alpha"].values, post["offset"].values - parts, atol=1e-12)
    effects = world_fit.effects().set_index("parameter")
    assert {"tau", f"reporters_{importer}_minus_{exporter}", "pair_effect_alpha", "offset_c"} <= set(effects.index)
    manifest = world_fit.manifest_extra()
    assert manifest["spec"] == world_fit.spec.to_dict()
    assert manifest["offset"]["source"] == "world"  # type: ignore[index]


BOTH_WALKS = [("non-centred", 1), ("centred", 1)]
"""Each walk with the preset's run (draws factor 1 of the retry)."""


def _gate(pair_fit: MirrorGapResults, ok: bool, rhat: float = 1.0) -> Diagnostics:
    reasons = () if ok else (f"R-hat {rhat:.3f} > 1.01 for 'u' (run longer or reparameterise)",)
    return replace(pair_fit.diagnostics, ok=ok, max_rhat=rhat, reasons=reasons)


@pytest.mark.parametrize(
    ("walk", "verdicts", "expected_calls"),
    [
        ("auto", [(True, 1.0)], [("non-centred", 1)]),
        ("auto", [(False, 1.05), (True, 1.0)], BOTH_WALKS),
        # both fail: the one closer to passing (lower R-hat) runs again with RETRY_DRAWS_FACTOR times the draws
        ("auto", [(False, 1.02), (False, 1.05), (True, 1.0)], [*BOTH_WALKS, ("non-centred", RETRY_DRAWS_FACTOR)]),
        ("auto", [(False, 1.05), (False, 1.02), (False, 1.03)], [*BOTH_WALKS, ("centred", RETRY_DRAWS_FACTOR)]),
        ("centred", [(False, 1.05)], [("centred", 1)]),
    ],
)
def test_walk_choice_records_the_walk_that_ran(
    walk: str,
    verdicts: list[tuple[bool, float]],
    expected_calls: list[tuple[str, int]],
    pair_fit: MirrorGapResults,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``walk="auto"``'s control flow, with the sampler and the gate replaced by scripted stand-ins."""
    import borderflows.diagnostics.gate as gate
    import borderflows.mirror.fitting as fitting

    base = mirror_run(pair_fit.data, get_preset("fast")).draws
    calls: list[tuple[str, int]] = []
    scripted = iter([_gate(pair_fit, ok, rhat) for ok, rhat in verdicts])

    def sample(data: MirrorData, spec: MirrorGap, run: SamplerPreset, seed: int, *, sampler: str) -> object:
        calls.append((spec.walk, run.draws // base))
        return pair_fit.model, pair_fit.idata.copy(deep=True)

    monkeypatch.setattr(fitting, "sample_mirror", sample)
    monkeypatch.setattr(gate, "check_convergence", lambda idata, var_names: next(scripted))
    decided = replace(pair_fit.identification, decided=True)
    monkeypatch.setattr(fitting, "identification", lambda idata, data: decided)  # no extra draws here
    spec = MirrorGap(mode="pair", walk=walk)  # type: ignore[arg-type]
    passed = verdicts[-1][0]
    steps: list[str] = []
    with warnings.catch_warnings(record=True) as caught, progress.reporting(steps.append):
        warnings.simplefilter("always")
        results = spec.fit_data(pair_fit.data, random_seed=1, preset="fast")
    assert calls == expected_calls
    # Each attempt is announced, after the first with the reason the one before it failed.
    samplings = [step for step in steps if "fit with the " in step]
    assert [step.split("fit with the ")[1].split(" walk")[0] for step in samplings] == [w for w, _ in calls]
    assert f"x {base * calls[0][1]:,} draws" in samplings[0]
    assert not samplings[0].startswith("the ")
    for (before, _), (ok, rhat), step in zip(calls, verdicts, samplings[1:], strict=False):
        assert not ok
        assert step.startswith(f"the {before} walk failed the gate (R-hat {rhat:.3f} > 1.01 for 'u'")
    assert results.spec.walk == expected_calls[-1][0]
    assert results.diagnostics.ok == passed
    assert any(issubclass(w.category, ConvergenceWarning) for w in caught) == (not passed)


@pytest.mark.parametrize(
    ("gates", "decided", "kept"),
    [
        ([True, True], [False, True], 1),  # the longer run decides: it is the result
        ([True, True], [False, False], 1),  # still undecided after one longer run: no third
        ([True, False], [False, True], 0),  # the longer run fails the gate: the converged one is kept
    ],
)
def test_an_undecided_headline_year_is_sampled_again_with_more_draws(
    gates: list[bool],
    decided: list[bool],
    kept: int,
    pair_fit: MirrorGapResults,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import borderflows.diagnostics.gate as gate
    import borderflows.mirror.fitting as fitting

    base = mirror_run(pair_fit.data, get_preset("fast")).draws
    calls: list[tuple[str, int]] = []
    verdicts = iter([_gate(pair_fit, ok, 1.0 if ok else 1.05) for ok in gates])
    checks = [replace(pair_fit.identification, decided=d, identified=d) for d in decided]
    scripted = iter(checks)

    def sample(data: MirrorData, spec: MirrorGap, run: SamplerPreset, seed: int, *, sampler: str) -> object:
        calls.append((spec.walk, run.draws // base))
        return pair_fit.model, pair_fit.idata.copy(deep=True)

    monkeypatch.setattr(fitting, "sample_mirror", sample)
    monkeypatch.setattr(gate, "check_convergence", lambda idata, var_names: next(verdicts))
    monkeypatch.setattr(fitting, "identification", lambda idata, data: next(scripted))
    steps: list[str] = []
    with warnings.catch_warnings(), progress.reporting(steps.append):
        warnings.simplefilter("ignore")
        results = MirrorGap(mode="pair", walk="centred").fit_data(pair_fit.data, random_seed=1, preset="fast")
    assert calls == [("centred", 1), ("centred", RETRY_DRAWS_FACTOR)]
    year = pair_fit.identification.year
    assert [s for s in steps if "fit with the " in s][1].startswith(
        f"the {year} share is within Monte Carlo error of the identification rule: fit with the centred walk"
    )
    assert results.identification is checks[kept]
    assert results.diagnostics.ok


def test_small_shares_keep_a_decimal_in_sentences() -> None:
    from borderflows.mirror.analysis import _percent

    assert [_percent(x) for x in (0.004, 0.09, 0.5)] == ["0.4%", "9%", "50%"]


def test_pair_table_size_ignores_years_with_one_report() -> None:
    # The world prior's size is the median of the smaller report over years with both (from 1995).
    from borderflows.mirror.spec import _median_size

    table = pd.DataFrame(
        {
            "year": [1990, 1996, 1997, 1998, 1999],
            "exports_reported": [1.0, 100.0, 200.0, np.nan, 400.0],
            "imports_reported": [1.0, 90.0, 250.0, 300.0, 380.0],
        }
    )
    assert _median_size(TablePair("AAA", "BBB", table), 1995) == 200.0
