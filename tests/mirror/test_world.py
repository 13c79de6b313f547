"""Stage 1 of the mirror model: the world panel's pair rule, drift, covariates and the world posterior's use.

No test here fits the real world model: the posterior is built directly from known draws on a synthetic
DOTS-like panel (conftest.synthetic_world); the one fit of the world model runs on that tiny panel and is
marked slow.
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from borderflows.exceptions import BorderflowsError, DataValidationError
from borderflows.mirror import priors
from borderflows.mirror.world import (
    COVARIATES,
    DRIFT_SIZE_EDGES,
    MIN_PAIR_USD_M,
    MIN_PAIR_YEARS,
    CovariateDesign,
    WorldPosterior,
    covariate_design,
    drift_scale,
    load_world,
    pair_covariates_for,
    summarise_pairs,
    walk_window_factor,
    world_pair_years,
    world_pairs,
)

from .conftest import WORLD_DRAWS, synthetic_dots_panel


def _rows(exporter: str, importer: str, years: range, x: float, m: float | np.ndarray) -> pd.DataFrame:
    """Both reports of one pair: the exporter's exports FOB and the importer's imports CIF.

    A scalar ``m`` wiggles by 2% from year to year, as two independent reports do; an array is taken as given.
    """
    n = len(years)
    if np.ndim(m) == 0:
        m = m * np.exp(0.01 * (-1.0) ** np.arange(n))
    frame = pd.DataFrame(
        {
            "reporter": [exporter] * n + [importer] * n,
            "partner": [importer] * n + [exporter] * n,
            "flow": ["exports_fob"] * n + ["imports_cif"] * n,
            "year": list(years) * 2,
            "value_usd_m": np.concatenate([np.full(n, x), np.broadcast_to(m, n)]),
        }
    )
    frame["estimated"] = False
    frame["derived_from_partner"] = False
    return frame


def _rule_panel() -> pd.DataFrame:
    wiggle = 21.2 * np.exp(0.01 * (-1.0) ** np.arange(10))
    parts = [
        _rows("AAA", "BBB", range(2000, 2010), 20.0, wiggle),  # kept: 10 years, median $20m
        _rows("BBB", "AAA", range(2000, 2012), 10.0, 10.6),  # kept: median exactly $10m
        _rows("AAA", "CCC", range(2000, 2009), 50.0, 53.0),  # 9 years
        _rows("CCC", "BBB", range(2000, 2012), 9.9, 10.5),  # median $9.9m
        _rows("DDD", "AAA", range(1991, 2001), 50.0, 53.0),  # 10 years, 6 of them in 1995-2020
        _rows("AAA", "AAA", range(2000, 2012), 50.0, 53.0),  # a reporter with itself
    ]
    flagged = _rows("BBB", "CCC", range(2000, 2012), 50.0, 53.0)  # 12 years, 3 imports flagged as estimates
    flagged.loc[(flagged["flow"] == "imports_cif") & (flagged["year"] < 2003), "estimated"] = True
    derived = _rows("CCC", "AAA", range(2000, 2012), 50.0, 53.0)  # 12 years, 3 exports derived from the partner
    derived.loc[(derived["flow"] == "exports_fob") & (derived["year"] > 2008), "derived_from_partner"] = True
    zero = _rows("AAA", "DDD", range(2000, 2010), 50.0, 53.0)  # 10 years, one import of zero
    zero.loc[(zero["flow"] == "imports_cif") & (zero["year"] == 2005), "value_usd_m"] = 0.0
    # 12 years, the last 5 with the same ratio (imports computed from exports, unmarked): 7 independent years.
    repeats = _rows("EEE", "AAA", range(2000, 2012), 50.0, 53.0 * np.exp(0.01 * (-1.0) ** np.minimum(np.arange(12), 7)))
    return pd.concat([*parts, flagged, derived, zero, repeats], ignore_index=True)


def test_world_pairs_keep_ten_years_of_both_reports_and_ten_million() -> None:
    assert (MIN_PAIR_YEARS, MIN_PAIR_USD_M) == (10, 10.0)  # the rule
    pairs = world_pairs(_rule_panel())
    assert list(zip(pairs["exporter"], pairs["importer"], strict=True)) == [("AAA", "BBB"), ("BBB", "AAA")]
    first = pairs.iloc[0]
    ratios = np.log(21.2 * np.exp(0.01 * (-1.0) ** np.arange(10)) / 20.0)
    assert first["n_years"] == 10
    np.testing.assert_allclose(first["mean"], ratios.mean(), rtol=1e-12)
    np.testing.assert_allclose(first["se"], ratios.std(ddof=1) / np.sqrt(10), rtol=1e-12)
    assert first["median_usd_m"] == 20.0
    # EEE->AAA's ratio is the same in 2007-2011 (borderflows.data.derived): 7 years left, too few.
    years = world_pair_years(_rule_panel())
    assert ("EEE", "AAA") not in set(zip(years["exporter"], years["importer"], strict=True))
    # The years filter is what drops DDD->AAA: with every year it has ten.
    everything = world_pairs(_rule_panel(), years=None)
    assert ("DDD", "AAA") in set(zip(everything["exporter"], everything["importer"], strict=True))


def test_world_pair_years_name_a_missing_column() -> None:
    with pytest.raises(DataValidationError, match="value_usd_m"):
        world_pair_years(_rule_panel().drop(columns="value_usd_m"))


def test_summarise_pairs_matches_the_pair_years() -> None:
    pair_years = world_pair_years(synthetic_dots_panel(np.random.default_rng(5)))
    summary = summarise_pairs(pair_years)
    first = (pair_years["exporter"] == summary["exporter"][0]) & (pair_years["importer"] == summary["importer"][0])
    one = pair_years[first]
    np.testing.assert_allclose(summary.loc[0, "mean"], one["log_ratio"].mean(), rtol=1e-12)
    np.testing.assert_allclose(summary.loc[0, "se"], one["log_ratio"].std() / np.sqrt(len(one)), rtol=1e-12)
    assert (summary["n_years"] >= MIN_PAIR_YEARS).all()
    assert (summary["median_usd_m"] >= MIN_PAIR_USD_M).all()


DRIFT_YEARS = np.arange(1995, 2021)
DRIFT_SDS = np.array([0.08, 0.05, 0.03, 0.02])
"""Per-year drift sd of each size class (small flows drift more, as in the world panel)."""
DRIFT_SIZES = np.array([30.0, 300.0, 3000.0, 30000.0])
N_DRIFT_PAIRS = 2000
"""Pairs per size class. The robust (MAD) sd of the window-mean changes has a relative standard error of
about 2.3% with 2,000 pairs (measured: 6% with 300, 40 replications), so the mean ratio over the four
classes has one of about 1.1%."""


def _drift_pair_years(rng: np.random.Generator, random_walk: bool) -> pd.DataFrame:
    """Pair-years whose log ratio drifts with a known per-year sd by size class, plus 0.03 of yearly noise.

    ``random_walk=False``: one step between the windows with variance ``sd^2 x walk_window_factor()`` (what a
    random walk's window-mean change has, net of the within-window spread the estimator subtracts); ``True``: a
    random walk with that sd per year, the form the pair model gives the drift.
    """
    k = len(DRIFT_SDS) * N_DRIFT_PAIRS
    sd = np.repeat(DRIFT_SDS, N_DRIFT_PAIRS)
    if random_walk:
        steps = sd[:, None] * rng.normal(size=(k, len(DRIFT_YEARS) - 1))
        path = np.concatenate([np.zeros((k, 1)), np.cumsum(steps, axis=1)], axis=1)
    else:
        path = (sd * np.sqrt(walk_window_factor()) * rng.normal(size=k))[:, None] * (DRIFT_YEARS >= 2008)
    ratio = 0.05 + path + 0.03 * rng.normal(size=(k, len(DRIFT_YEARS)))
    return pd.DataFrame(
        {
            "exporter": np.repeat([f"P{j}" for j in range(k)], len(DRIFT_YEARS)),
            "importer": "ZZZ",
            "year": np.tile(DRIFT_YEARS, k),
            "log_ratio": ratio.ravel(),
            "size": np.repeat(np.repeat(DRIFT_SIZES, N_DRIFT_PAIRS), len(DRIFT_YEARS)),
        }
    )


def test_drift_scale_recovers_a_known_drift_by_size_class() -> None:
    drift = drift_scale(_drift_pair_years(np.random.default_rng(11), random_walk=False))
    assert drift.edges == DRIFT_SIZE_EDGES
    assert drift.n_pairs == (N_DRIFT_PAIRS,) * 4
    ratio = np.asarray(drift.per_year_sd) / DRIFT_SDS
    # Four standard errors (2.3% each class, 1.1% for their mean; see N_DRIFT_PAIRS).
    np.testing.assert_allclose(ratio, 1.0, atol=4 * 0.023)
    assert abs(ratio.mean() - 1.0) < 4 * 0.011


def test_drift_scale_recovers_a_random_walk_sd() -> None:
    drift = drift_scale(_drift_pair_years(np.random.default_rng(12), random_walk=True))
    ratio = np.asarray(drift.per_year_sd) / DRIFT_SDS
    assert abs(ratio.mean() - 1.0) < 4 * 0.011


def test_walk_window_factor_for_two_eight_year_windows() -> None:
    # 11 steps between 2002 and 2013, 2 x sum((k/8)^2, k<8) = 4.375 for the window means, minus the
    # within-window spread the estimator subtracts, 2 x (8+1)/6/8 = 0.375 (exact algebra).
    assert walk_window_factor(((1995, 2002), (2013, 2020))) == pytest.approx(15.0, abs=1e-12)


def test_drift_scale_lends_the_pooled_value_to_a_sparse_size_class() -> None:
    frame = _drift_pair_years(np.random.default_rng(13), random_walk=True)
    small_only = frame[frame["size"] < 1000.0]  # the $1bn and $10bn classes have no pair
    drift = drift_scale(small_only)
    assert drift.n_pairs[2:] == (0, 0)
    assert np.isfinite(drift.per_year_sd).all()
    assert drift.per_year_sd[2] == drift.per_year_sd[3]
    # The pooled value lies between the two measured classes' values.
    assert drift.per_year_sd[1] <= drift.per_year_sd[2] <= drift.per_year_sd[0]


def test_drift_for_size_picks_the_class_by_lower_edge(world: WorldPosterior) -> None:
    drift = world.drift
    assert all(n > 0 for n in drift.n_pairs)  # the synthetic panel fills every class
    assert drift.for_size(5.0) == drift.per_year_sd[0]  # below the rule's $10m: the smallest class
    assert drift.for_size(99.9) == drift.per_year_sd[0]
    assert drift.for_size(100.0) == drift.per_year_sd[1]
    assert drift.for_size(9_999.0) == drift.per_year_sd[2]
    assert drift.for_size(1e6) == drift.per_year_sd[3]


def test_covariate_design_standardises_and_reads_missing_as_the_average() -> None:
    covariates = pd.DataFrame(
        {
            "log_distance": [7.0, 8.0, 9.0, np.nan],
            "contiguous": pd.array([True, False, pd.NA, True], dtype="boolean"),
            "landlocked_exporter": [0.0, 0.0, 0.0, 0.0],  # no variation: dropped
            "not_a_covariate": [1.0, 2.0, 3.0, 4.0],
        }
    )
    design = covariate_design(covariates)
    assert design.names == ("log_distance", "contiguous")  # in COVARIATES' order, only those that vary
    assert set(design.names) <= set(COVARIATES)
    np.testing.assert_allclose(design.means, [8.0, 2 / 3], rtol=1e-12)
    np.testing.assert_allclose(design.sds, [np.std([7.0, 8.0, 9.0]), np.std([1.0, 0.0, 1.0])], rtol=1e-12)
    z = design.matrix(covariates)
    expected_distance = (np.array([7.0, 8.0, 9.0]) - 8.0) / np.std([7.0, 8.0, 9.0])
    np.testing.assert_allclose(z[:3, 0], expected_distance, rtol=1e-12)
    assert z[3, 0] == 0.0
    assert z[2, 1] == 0.0
    np.testing.assert_allclose(np.mean(z[:3, 0]), 0.0, atol=1e-12)
    none = covariate_design(None)
    assert none.names == ()
    assert none.matrix(covariates).shape == (4, 0)


def _pair_in_world(world: WorldPosterior) -> tuple[str, str, float, float]:
    row = world.pairs.iloc[0]
    return str(row["exporter"]), str(row["importer"]), float(row["median_usd_m"]), float(row["se"])


def test_pair_covariates_for_a_few_pairs_equal_the_full_table_rows() -> None:
    from borderflows import data as bfdata

    asked = pd.DataFrame({"exporter": ["CHN", "USA", "XXX", "CHN"], "importer": ["KAZ", "CAN", "KAZ", "KAZ"]})
    got = pair_covariates_for(asked)
    expected = asked.merge(bfdata.pair_covariates(), on=["exporter", "importer"], how="left")
    pd.testing.assert_frame_equal(got, expected)
    # A code the covariate sources do not list gets missing covariates (read as the average), not an error.
    assert got.loc[2, ["distance_km", "fta_share"]].isna().all()


def test_offset_prior_is_the_world_prediction_plus_the_spread_of_pairs(world: WorldPosterior) -> None:
    exporter, importer, size, se = _pair_in_world(world)
    prior = world.offset_prior(exporter, importer, size)
    draws = world.draws
    mu = draws["log1p_tau"] + draws[f"b_imp[{importer}]"] - draws[f"b_exp[{exporter}]"]
    spread = float(np.median(draws["pair_sd"] * np.exp(draws["size_effect"] * np.log10(size / 1000.0))))
    # Exact algebra on the same draws: rounding only.
    assert prior.source == "world"
    np.testing.assert_allclose(prior.loc, mu.mean(), rtol=1e-12)
    np.testing.assert_allclose(prior.scale, np.sqrt(mu.var(ddof=0) + spread**2), rtol=1e-12)
    np.testing.assert_allclose(prior.pair_sd, spread, rtol=1e-12)
    assert prior.nu == float(np.median(draws["nu"]))
    assert prior.drift_sd == world.drift.for_size(size)
    np.testing.assert_allclose(prior.margin + prior.reporters + prior.covariates, mu, rtol=1e-12, atol=1e-15)
    # The synthetic world has no covariates: their effect is mu - margin - reporters, zero up to rounding.
    np.testing.assert_allclose(prior.covariates, 0.0, atol=1e-15)
    row = world.pairs.iloc[0]
    np.testing.assert_allclose(prior.residual, row["mean"] - mu.mean(), rtol=1e-12)
    assert prior.percentile == world.percentile(prior.residual / np.hypot(spread, se))


def test_offset_prior_of_an_unknown_reporter_falls_back_to_the_prior(world: WorldPosterior) -> None:
    importer = world.importers[0]
    prior = world.offset_prior("ZZZ", importer, 500.0)
    assert "ZZZ" not in world.exporters
    known = world.draws[f"b_imp[{importer}]"]
    # reporters = b_imp - b_exp with b_exp ~ Normal(0, 0.10) drawn independently: its sd is
    # sqrt(sd(b_imp)^2 + 0.10^2). The sample sd of 2,000 draws has a relative standard error of
    # 1/sqrt(2 x 2,000) = 1.6%; 8% is five of them.
    expected_sd = np.sqrt(known.var() + priors.REPORTER_BIAS_SCALE**2)
    np.testing.assert_allclose(np.std(prior.reporters), expected_sd, rtol=5 / np.sqrt(2 * WORLD_DRAWS))
    np.testing.assert_allclose(np.mean(prior.reporters - known), 0.0, atol=5 * priors.REPORTER_BIAS_SCALE / 45)
    assert prior.residual is None
    assert prior.percentile is None
    again = world.offset_prior("ZZZ", importer, 500.0)
    assert again.loc == prior.loc  # the fallback draws are seeded by the pair: the same prior every time
    # The unknown side widens the prior against a known pair of the same size.
    exporter = next(code for code in world.exporters if code != importer)
    assert prior.scale > world.offset_prior(exporter, importer, 500.0).scale


def test_expected_log_ratio_adds_the_covariates_effect(world: WorldPosterior, rng: np.random.Generator) -> None:
    design = CovariateDesign(("log_distance",), np.array([8.0]), np.array([1.0]))
    gamma = rng.normal(-0.1, 0.01, WORLD_DRAWS)
    with_covariate = replace(world, design=design, draws=world.draws.assign(**{"gamma[log_distance]": gamma}))
    exporter, importer, _, _ = _pair_in_world(world)
    base = world.expected_log_ratio(exporter, importer)
    far = with_covariate.expected_log_ratio(exporter, importer, pd.DataFrame({"log_distance": [9.5]}))
    np.testing.assert_allclose(far, base + 1.5 * gamma, rtol=1e-12, atol=1e-15)
    unknown = with_covariate.expected_log_ratio(exporter, importer, pd.DataFrame({"log_distance": [np.nan]}))
    np.testing.assert_allclose(unknown, base, rtol=1e-12, atol=1e-15)


def test_world_fingerprint_changes_with_a_refit_and_not_with_a_reload(world: WorldPosterior, tmp_path: Path) -> None:
    folder = world.save(tmp_path / "world")
    assert load_world(folder).fingerprint == load_world(folder).fingerprint
    assert replace(world).fingerprint == world.fingerprint
    refitted = replace(world, draws=world.draws.assign(pair_sd=world.draws["pair_sd"] * 1.01))
    assert refitted.fingerprint != world.fingerprint
    fewer_pairs = replace(world, pairs=world.pairs.iloc[1:])
    assert fewer_pairs.fingerprint != world.fingerprint


def test_percentile_is_the_share_of_world_pairs_below(world: WorldPosterior) -> None:
    z = np.sort(world.pairs["z_residual"].to_numpy())
    n = len(z)
    assert world.percentile(z[0] - 1.0) == 0.0
    assert world.percentile(z[-1] + 1.0) == 100.0
    k = n // 3
    assert world.percentile(z[k]) == pytest.approx(100.0 * k / n, rel=1e-12)  # distinct values: k pairs below
    grid = np.linspace(z[0] - 1, z[-1] + 1, 200)
    values = np.array([world.percentile(x) for x in grid])
    assert (np.diff(values) >= 0).all()


def test_world_summary_is_tidy(world: WorldPosterior) -> None:
    table = world.summary(prob=0.8)
    assert table["parameter"].tolist()[:5] == ["tau", "log1p_tau", "pair_sd", "size_effect", "nu"]
    assert (table["prob"] == 0.8).all()
    assert (table["kind"] == "eti").all()
    assert (table["lower"] <= table["estimate"]).all()
    assert (table["estimate"] <= table["upper"]).all()
    tau = table.set_index("parameter").loc["tau", "estimate"]
    # expm1 is monotone: the median of tau is expm1 of the median of log(1 + tau) up to the interpolation
    # between the two middle draws (a gap of ~1e-5 here, so ~1e-10).
    np.testing.assert_allclose(tau, np.expm1(np.median(world.draws["log1p_tau"])), rtol=1e-6)


def test_world_save_load_round_trip(world: WorldPosterior, tmp_path: Path) -> None:
    folder = world.save(tmp_path / "world")
    assert (folder / "summary.csv").is_file()
    back = load_world(folder)
    # Draws are stored as float32 (2,000 x ~30 columns in the committed posterior): relative rounding
    # below 2^-24 = 6e-8.
    np.testing.assert_allclose(back.draws.to_numpy(), world.draws.to_numpy(), rtol=1e-7)
    assert list(back.draws.columns) == list(world.draws.columns)
    pd.testing.assert_frame_equal(back.pairs, world.pairs)
    assert back.design.names == world.design.names
    assert back.drift == world.drift
    assert back.manifest == world.manifest
    exporter, importer, size, _ = _pair_in_world(world)
    np.testing.assert_allclose(
        back.offset_prior(exporter, importer, size).loc, world.offset_prior(exporter, importer, size).loc, rtol=1e-6
    )


def test_load_world_refuses_an_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(BorderflowsError, match="mirror-world"):
        load_world(tmp_path)


@pytest.mark.slow
def test_fit_world_on_a_tiny_panel() -> None:
    """One fit of the world model (fast preset) on the synthetic panel: the pipeline runs end to end."""
    from borderflows.exceptions import ConvergenceWarning
    from borderflows.mirror.world import KEPT_DRAWS, WORLD_MODEL_ID, fit_world

    panel = synthetic_dots_panel(np.random.default_rng(sum(map(ord, "tiny-world"))))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fitted = fit_world(panel, random_seed=3, preset="fast", covariates=False)
    pairs = world_pairs(panel)
    assert fitted.manifest["model_id"] == WORLD_MODEL_ID
    assert fitted.manifest["n_pairs"] == len(pairs)
    sampled = fitted.manifest["diagnostics"]
    assert len(fitted.draws) == min(KEPT_DRAWS, sampled["n_draws"] * sampled["n_chains"])  # type: ignore[index]
    assert {"log1p_tau", "pair_sd", "size_effect", "nu"} <= set(fitted.draws.columns)
    assert set(fitted.exporters) == set(pairs["exporter"])
    # Zero-sum biases: log(1 + tau) is the average pair's log ratio; its posterior covers the pairs' mean
    # within four posterior sd plus the standard error of that mean.
    tau = fitted.draws["log1p_tau"]
    bound = 4 * np.hypot(tau.std(), pairs["mean"].std() / np.sqrt(len(pairs)))
    assert abs(tau.mean() - pairs["mean"].mean()) < bound
    np.testing.assert_allclose(fitted.pairs["residual"], fitted.pairs["mean"] - fitted.pairs["mu"], rtol=1e-12)
    assert np.isfinite(fitted.pairs["z_residual"]).all()
