"""Stage 1 of the mirror model: reporters' usual behaviour, learned once from every pair of the world.

Every DOTS pair p = (e, i) with at least :data:`MIN_PAIR_YEARS` years of both reports in the panel years
and a median flow of at least :data:`MIN_PAIR_USD_M` enters through the mean of its yearly log mirror
ratios ``rbar_p = mean log(M/X)`` and that mean's standard error ``se_p`` (a random-effects
meta-analysis of the pairs)::

    rbar_p ~ StudentT(nu, mu_p, sqrt(pair_sd^2 + se_p^2))
    mu_p   = log(1 + tau) + gamma . z_p + b_imp[i] - b_exp[e]

with ``z_p`` standardised pair covariates (distance, land border, landlocked sides, the share of years
in a common customs union and in a free-trade area, re-export hubs) from
:func:`borderflows.data.pair_covariates`, reporter biases that sum to zero over the world's reporters,
``pair_sd`` the spread of pairs around what their reporters and covariates predict and ``nu`` their
tails (learned: transit routes and entrepots sit far from their prediction). Why the whole world and
not the target's partners (v2): with only pairs touching the target, 81 of 129 exporters appeared in a
single pair, the biases were pinned by one or two pairs and the average margin moved between 3% and
19% with the pair studied (issue 10). Learned once, the same world quantities hold for every pair.

Stage 2 (:mod:`borderflows.mirror.model`) gives the target pair a persistent offset drawn from what this
posterior predicts for a pair like it (:meth:`WorldPosterior.offset_prior`), so the target's own
heterogeneity is part of its interval.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt
import xarray as xr

from borderflows.data.derived import repeated_ratio
from borderflows.exceptions import BorderflowsError, DataValidationError
from borderflows.mirror import priors
from borderflows.mirror.inputs import FloatArray, OffsetPrior
from borderflows.sampling import flat

logger = logging.getLogger(__name__)

WORLD_MODEL_ID = "mirror-world/v3"
PANEL_COLUMNS = ("reporter", "partner", "flow", "year", "value_usd_m")
MIN_PAIR_YEARS = 10
"""A world pair enters only with at least this many years of both reports (its mean is then stable)."""
MIN_PAIR_USD_M = 10.0
"""...and a median smaller-side value of at least $10m: tiny flows are dominated by rounding and timing."""
WORLD_YEARS = (1995, 2020)
"""Panel years of the bundled DOTS panel used to learn the world's reporting behaviour."""
WORLD_DIR = "world_panel"
"""Folder of the committed world posterior under ``models/``."""
WORLD_DRAWS_FACTOR = 2
"""The world fit draws twice the preset's draws: with 1,000 per chain the worst reporter bias reached bulk
ESS 408 (R-hat 1.009, measured 2026-12-01), too close to the gate's 400; a fit takes about 80 s."""
KEPT_DRAWS = 2000
"""Draws of the world posterior kept on disk (thinned evenly from all chains)."""
COVARIATES = (
    "log_distance",
    "contiguous",
    "landlocked_exporter",
    "landlocked_importer",
    "customs_union_share",
    "fta_share",
    "reexport_hub_exporter",
    "reexport_hub_importer",
)
"""Pair covariates the world model uses when :func:`borderflows.data.pair_covariates` provides them."""


def world_pair_years(
    panel: pd.DataFrame, years: tuple[int, int] | None = WORLD_YEARS, *, drop_repeats: bool = True
) -> pd.DataFrame:
    """Pair-years of every pair of the world that meets the panel rule, with their log mirror ratio.

    Parameters
    ----------
    panel
        Frame with the :func:`borderflows.data.dots_panel` columns.
    years
        Inclusive panel years.
    drop_repeats
        Leave out years where the ratio repeats itself (the world panel's rule); ``False`` keeps them, to count
        what the rule removes (``benchmarks/mirror_step_background.py``).

    Returns
    -------
    pandas.DataFrame
        ``exporter, importer, year, log_ratio, size`` (log(M_cif / X_fob) and the smaller report, USD m)
        for pairs with at least :data:`MIN_PAIR_YEARS` such years and a median size of
        :data:`MIN_PAIR_USD_M`. Only years where both reports are the reporters' own enter: not the IMF's
        estimates, not values derived from the partner, and not years where the ratio repeats itself
        (:func:`borderflows.data.derived.repeated_ratio`).
    """
    missing = [c for c in PANEL_COLUMNS if c not in panel.columns]
    if missing:
        raise DataValidationError(
            f"the panel lacks column(s) {', '.join(missing)}",
            column=missing[0],
            fix="pass the frame returned by borderflows.data.dots_panel()",
        )
    frame = panel
    if years is not None:
        frame = frame[(frame["year"] >= years[0]) & (frame["year"] <= years[1])]
    independent = np.ones(len(frame), dtype=bool)
    for col in ("estimated", "derived_from_partner"):
        if col in frame.columns:
            independent &= ~frame[col].fillna(False).astype(bool).to_numpy()
    frame = frame[independent & (frame["value_usd_m"] > 0)]
    exports = frame[frame["flow"] == "exports_fob"].rename(columns={"reporter": "exporter", "partner": "importer"})
    imports = frame[frame["flow"] == "imports_cif"].rename(columns={"reporter": "importer", "partner": "exporter"})
    merged = exports[["exporter", "importer", "year", "value_usd_m"]].merge(
        imports[["exporter", "importer", "year", "value_usd_m"]],
        on=["exporter", "importer", "year"],
        suffixes=("_x", "_m"),
    )
    merged = merged[merged["exporter"] != merged["importer"]]
    merged["log_ratio"] = np.log(merged["value_usd_m_m"]) - np.log(merged["value_usd_m_x"])
    merged["size"] = merged[["value_usd_m_x", "value_usd_m_m"]].min(axis=1)
    # Years where the ratio repeats itself: one report computed from the other, unmarked (borderflows.data.derived).
    if drop_repeats:
        merged = merged[~repeated_ratio(merged, ("exporter", "importer"))]
    grouped = merged.groupby(["exporter", "importer"])
    keep = (grouped["log_ratio"].transform("count") >= MIN_PAIR_YEARS) & (
        grouped["size"].transform("median") >= MIN_PAIR_USD_M
    )
    columns = ["exporter", "importer", "year", "log_ratio", "size"]
    return merged.loc[keep, columns].sort_values(["exporter", "importer", "year"]).reset_index(drop=True)


def world_pairs(panel: pd.DataFrame, years: tuple[int, int] | None = WORLD_YEARS) -> pd.DataFrame:
    """Per-pair summaries of every pair of the world that meets the panel rule (:func:`world_pair_years`).

    Returns
    -------
    pandas.DataFrame
        ``exporter, importer, n_years, mean, se, median_usd_m``: ``mean`` is the mean yearly log mirror
        ratio log(M_cif / X_fob), ``se`` its standard error (sd over years / sqrt(years)).
    """
    return summarise_pairs(world_pair_years(panel, years))


def summarise_pairs(pair_years: pd.DataFrame) -> pd.DataFrame:
    """One row per pair of :func:`world_pair_years`: years, mean log ratio, its standard error, median size."""
    out = (
        pair_years.groupby(["exporter", "importer"])
        .agg(
            n_years=("log_ratio", "count"),
            mean=("log_ratio", "mean"),
            sd=("log_ratio", "std"),
            median_usd_m=("size", "median"),
        )
        .reset_index()
    )
    out["se"] = out["sd"] / np.sqrt(out["n_years"])
    return out[["exporter", "importer", "n_years", "mean", "se", "median_usd_m"]]


DRIFT_WINDOWS = ((1995, 2002), (2013, 2020))
"""Early and late windows whose mean log ratios measure how far a pair's ratio drifts in the world panel."""
DRIFT_MIN_YEARS = 4
"""Years a pair needs in each window to measure its drift."""
DRIFT_SIZE_EDGES = (10.0, 100.0, 1000.0, 10000.0)
"""Lower edges (median size, USD m) of the size classes whose drift is measured separately: small flows
drift far more (robust sd of the 18-year change 0.60 for $10-100m against 0.13 above $10bn)."""


@dataclass(frozen=True)
class DriftScale:
    """How fast pairs' mirror ratios drift in the world panel, per year, by the size of the flow.

    Attributes
    ----------
    edges
        Lower edges of the size classes (median of the smaller report, USD m).
    per_year_sd
        Random-walk sd per year of a pair's log mirror ratio in each class.
    n_pairs
        Pairs that measured each class (fewer than :data:`DRIFT_MIN_PAIRS`: the pooled value stands in).
    """

    edges: tuple[float, ...]
    per_year_sd: tuple[float, ...]
    n_pairs: tuple[int, ...]

    def for_size(self, size_usd_m: float) -> float:
        """The per-year drift sd for a flow of median size ``size_usd_m``."""
        position = max(0, int(np.searchsorted(np.asarray(self.edges), size_usd_m, side="right")) - 1)
        return self.per_year_sd[position]


DRIFT_MIN_PAIRS = 20
"""A size class measured by fewer pairs takes the drift of all pairs pooled."""


def walk_window_factor(windows: tuple[tuple[int, int], tuple[int, int]] = DRIFT_WINDOWS) -> float:
    """What :func:`drift_scale`'s estimator expects per unit step variance of a random walk.

    The change between the late and the early window means of a random walk has variance ``gap + t_e + t_l`` (the
    steps between the windows, and each window mean's distance from its inner end: ``sum((k/n)^2)`` over
    ``k < n``); the estimator subtracts each window's sample variance over its length, whose expectation for a
    walk is ``(n + 1) / 6 / n``. For two 8-year windows 11 years apart: 11 + 2 x 2.1875 - 2 x 0.1875 = 15.0.
    """
    (e0, e1), (l0, l1) = windows
    n_early, n_late = e1 - e0 + 1, l1 - l0 + 1
    tails = sum((k / n_early) ** 2 for k in range(1, n_early)) + sum((k / n_late) ** 2 for k in range(1, n_late))
    within = (n_early + 1) / 6 / n_early + (n_late + 1) / 6 / n_late
    return float((l0 - e1) + tails - within)


def _robust_drift_var(change: FloatArray, noise: FloatArray) -> float:
    """Robust variance of the window-mean changes net of the means' own noise (never below zero)."""
    robust = 1.4826 * float(np.median(np.abs(change - np.median(change))))
    return max(robust**2 - float(np.median(noise)), 0.0)


def drift_scale(pair_years: pd.DataFrame) -> DriftScale:
    """Measure pairs' drift: the robust spread of (late-window mean - early-window mean) log ratio, net of the
    means' own noise, per unit of what a random walk's steps would give (:func:`walk_window_factor`)."""
    (e0, e1), (l0, l1) = DRIFT_WINDOWS
    keys = ["exporter", "importer"]
    early = pair_years[pair_years["year"].between(e0, e1)].groupby(keys)["log_ratio"].agg(["mean", "std", "count"])
    late = pair_years[pair_years["year"].between(l0, l1)].groupby(keys)["log_ratio"].agg(["mean", "std", "count"])
    both = early.join(late, lsuffix="_early", rsuffix="_late", how="inner")
    both = both[(both["count_early"] >= DRIFT_MIN_YEARS) & (both["count_late"] >= DRIFT_MIN_YEARS)]
    if len(both) < DRIFT_MIN_PAIRS:
        raise DataValidationError(
            f"only {len(both)} pairs have {DRIFT_MIN_YEARS} years in both drift windows {DRIFT_WINDOWS}",
            column="year",
            fix=f"pass a panel that covers {e0}-{l1}",
        )
    change = (both["mean_late"] - both["mean_early"]).to_numpy(dtype=float)
    noise = (both["std_early"] ** 2 / both["count_early"] + both["std_late"] ** 2 / both["count_late"]).to_numpy()
    size = pair_years.groupby(keys)["size"].median().reindex(both.index).to_numpy(dtype=float)
    factor = walk_window_factor()
    pooled = float(np.sqrt(_robust_drift_var(change, noise) / factor))
    per_year, counts = [], []
    bounds = (*DRIFT_SIZE_EDGES, np.inf)
    for low, high in itertools.pairwise(bounds):
        chosen = (size >= low) & (size < high)
        counts.append(int(chosen.sum()))
        if chosen.sum() < DRIFT_MIN_PAIRS:
            per_year.append(pooled)
            continue
        per_year.append(float(np.sqrt(_robust_drift_var(change[chosen], noise[chosen]) / factor)))
    return DriftScale(DRIFT_SIZE_EDGES, tuple(per_year), tuple(counts))


@dataclass(frozen=True)
class CovariateDesign:
    """Standardised covariates: the raw columns kept, their means and sds over the world's pairs."""

    names: tuple[str, ...]
    means: FloatArray
    sds: FloatArray

    def matrix(self, covariates: pd.DataFrame) -> FloatArray:
        """Standardised design for rows of ``covariates``; a missing value counts as the world average (0)."""
        if not self.names:
            return np.zeros((len(covariates), 0))
        raw = np.column_stack([_numeric(covariates[name]) for name in self.names])
        z = (raw - self.means) / self.sds
        return np.where(np.isfinite(z), z, 0.0)


def _numeric(column: pd.Series) -> FloatArray:
    """A covariate column as floats, missing values (``pd.NA`` too) as NaN."""
    return np.asarray(pd.to_numeric(column.astype("Float64"), errors="coerce").to_numpy(dtype=float, na_value=np.nan))


def covariate_design(covariates: pd.DataFrame | None) -> CovariateDesign:
    """Choose the covariates that vary over the world's pairs and standardise them."""
    if covariates is None:
        return CovariateDesign((), np.zeros(0), np.zeros(0))
    names, means, sds = [], [], []
    for name in COVARIATES:
        if name not in covariates.columns:
            continue
        values = _numeric(covariates[name])
        sd = float(np.nanstd(values))
        if not np.isfinite(sd) or sd == 0:
            continue
        names.append(name)
        means.append(float(np.nanmean(values)))
        sds.append(sd)
    return CovariateDesign(tuple(names), np.asarray(means), np.asarray(sds))


SIZE_REFERENCE_USD_M = 1000.0
"""Flow size at which ``pair_sd`` is the spread of pairs; the spread changes by ``exp(size_effect)`` per
tenfold size."""


def size_index(size_usd_m: FloatArray | float) -> FloatArray:
    """log10 of a flow's median size relative to :data:`SIZE_REFERENCE_USD_M` (a $10bn flow: 1)."""
    return np.asarray(np.log10(np.maximum(size_usd_m, MIN_PAIR_USD_M) / SIZE_REFERENCE_USD_M), dtype=float)


def build_world_model(pairs: pd.DataFrame, z: FloatArray, names: tuple[str, ...]) -> pm.Model:
    """The world model's PyMC graph for pair summaries ``pairs`` and standardised covariates ``z``."""
    exporters = sorted(pairs["exporter"].unique())
    importers = sorted(pairs["importer"].unique())
    exp_idx = pd.Categorical(pairs["exporter"], categories=exporters).codes
    imp_idx = pd.Categorical(pairs["importer"], categories=importers).codes
    coords = {"exporter": exporters, "importer": importers, "pair": np.arange(len(pairs)), "covariate": list(names)}
    with pm.Model(coords=coords) as model:
        log1p_tau = pm.Normal("log1p_tau", priors.MARGIN_LOG_CENTRE, priors.MARGIN_SD)
        # Zero-sum biases: each reporter relative to the average reporter, tau the average pair's margin.
        b_exp = pm.ZeroSumNormal("b_exp", sigma=priors.REPORTER_BIAS_SCALE, dims="exporter")
        b_imp = pm.ZeroSumNormal("b_imp", sigma=priors.REPORTER_BIAS_SCALE, dims="importer")
        pair_sd = pm.HalfNormal("pair_sd", priors.PAIR_EFFECT_SCALE)
        # Large flows sit closer to their prediction (robust sd of residuals 0.32 for $10-100m pairs, 0.12
        # above $1bn): the spread scales with size, so "pairs like it" means pairs of its size too.
        size_effect = pm.Normal("size_effect", 0.0, priors.SIZE_EFFECT_SCALE)
        spread = pair_sd * pt.exp(size_effect * size_index(pairs["median_usd_m"].to_numpy(dtype=float)))
        # Pairs' tails are learned: transit routes and entrepots sit far from their prediction.
        nu = pm.Gamma("nu", alpha=priors.WORLD_NU_ALPHA, beta=priors.WORLD_NU_BETA)
        mu = log1p_tau + b_imp[imp_idx] - b_exp[exp_idx]
        if names:
            gamma = pm.Normal("gamma", 0.0, priors.COVARIATE_EFFECT_SCALE, dims="covariate")
            mu = mu + pt.dot(pt.as_tensor(z), gamma)
        se = pairs["se"].to_numpy(dtype=float)
        pm.StudentT(
            "obs_world",
            nu=nu,
            mu=mu,
            sigma=pt.sqrt(spread**2 + se**2),
            observed=pairs["mean"].to_numpy(dtype=float),
            dims="pair",
        )
    return model


def fit_world(
    panel: pd.DataFrame,
    *,
    random_seed: int,
    preset: str = "full",
    years: tuple[int, int] | None = WORLD_YEARS,
    covariates: pd.DataFrame | bool | None = True,
    data_hash: str = "",
) -> WorldPosterior:
    """Fit the world model to every qualifying pair of ``panel``.

    Parameters
    ----------
    panel
        DOTS panel (:func:`borderflows.data.dots_panel`).
    random_seed
        Seed of the run (recorded).
    preset
        Sampler preset name.
    years
        Panel years.
    covariates
        ``True`` looks the pairs' covariates up in the data layer, ``False``/``None`` fits without them,
        a frame (exporter, importer and covariate columns) is used as given.
    data_hash
        Hash of the panel, recorded in the manifest.
    """
    from borderflows.config import preset as get_preset
    from borderflows.diagnostics import check_convergence
    from borderflows.sampling import sample_posterior

    pair_years = world_pair_years(panel, years)
    pairs = summarise_pairs(pair_years)
    if pairs.empty:
        raise DataValidationError(
            "no pair of the panel meets the world rule", column="value_usd_m", fix="pass a wider panel"
        )
    if covariates is True:
        table = pair_covariates_for(pairs)
    elif isinstance(covariates, pd.DataFrame):
        table = pairs[["exporter", "importer"]].merge(covariates, on=["exporter", "importer"], how="left")
    else:
        table = None
    design = covariate_design(table)
    z = design.matrix(table) if table is not None else np.zeros((len(pairs), 0))
    run = get_preset(preset).scaled(WORLD_DRAWS_FACTOR)
    model = build_world_model(pairs, z, design.names)
    logger.info("world panel: %d pairs, %d covariates; sampling", len(pairs), len(design.names))
    idata = sample_posterior(model, run, random_seed)
    checked = ["log1p_tau", "pair_sd", "size_effect", "nu", "b_exp", "b_imp", *(["gamma"] if design.names else [])]
    diagnostics = check_convergence(idata, var_names=checked)
    draws = _draws_frame(idata, design.names)
    mu = _fitted_mu(draws, pairs, z, design.names)
    fitted = pairs.copy()
    if table is not None:
        for name in design.names:
            fitted[name] = table[name].to_numpy()
    fitted["mu"] = mu
    fitted["residual"] = fitted["mean"] - mu
    spread = draws["pair_sd"].median() * np.exp(
        draws["size_effect"].median() * size_index(fitted["median_usd_m"].to_numpy(dtype=float))
    )
    fitted["z_residual"] = fitted["residual"] / np.sqrt(spread**2 + fitted["se"] ** 2)
    manifest: dict[str, object] = {
        "model_id": WORLD_MODEL_ID,
        "data_hash": data_hash,
        "random_seed": random_seed,
        "preset": run.name,
        "run": run.to_dict(),
        "years": list(years) if years is not None else None,
        "n_pairs": len(pairs),
        "diagnostics": diagnostics.to_dict(),
    }
    return WorldPosterior(draws=draws, pairs=fitted, design=design, drift=drift_scale(pair_years), manifest=manifest)


def _draws_frame(idata: xr.DataTree, names: tuple[str, ...]) -> pd.DataFrame:
    """Kept draws (thinned evenly to :data:`KEPT_DRAWS`) as one column per scalar parameter."""
    posterior = idata["posterior"]
    columns: dict[str, FloatArray] = {}
    columns["log1p_tau"] = flat(idata, "log1p_tau")
    columns["pair_sd"] = flat(idata, "pair_sd")
    columns["nu"] = flat(idata, "nu")
    columns["size_effect"] = flat(idata, "size_effect")
    for k, name in enumerate(names):
        columns[f"gamma[{name}]"] = flat(idata, "gamma")[:, k]
    for side, dim in (("b_exp", "exporter"), ("b_imp", "importer")):
        values = flat(idata, side)
        for k, code in enumerate(posterior[side].coords[dim].values):
            columns[f"{side}[{code}]"] = values[:, k]
    frame = pd.DataFrame(columns)
    keep = np.linspace(0, len(frame) - 1, min(KEPT_DRAWS, len(frame))).round().astype(int)
    return frame.iloc[keep].reset_index(drop=True)


def _fitted_mu(draws: pd.DataFrame, pairs: pd.DataFrame, z: FloatArray, names: tuple[str, ...]) -> FloatArray:
    """Posterior mean of mu for each world pair."""
    mean = draws.mean()
    mu = mean["log1p_tau"] + mean[[f"b_imp[{c}]" for c in pairs["importer"]]].to_numpy()
    mu = mu - mean[[f"b_exp[{c}]" for c in pairs["exporter"]]].to_numpy()
    if names:
        mu = mu + z @ mean[[f"gamma[{n}]" for n in names]].to_numpy()
    return np.asarray(mu, dtype=float)


def pair_covariates_for(pairs: pd.DataFrame) -> pd.DataFrame | None:
    """Covariates of ``pairs`` (exporter, importer) from the data layer, or ``None`` if none are bundled."""
    from borderflows import data as bfdata

    loader = getattr(bfdata, "pair_covariates", None)
    if loader is None:
        return None
    keys = pairs[["exporter", "importer"]]
    # Only the pairs asked for (the table of every ordered pair takes 0.7 s to build, one pair's 0.1 s); codes
    # the covariate sources do not list get missing covariates, as in the full table.
    known = set(bfdata.country_geography()["iso3"])
    listed = keys[keys["exporter"].isin(known) & keys["importer"].isin(known)].drop_duplicates()
    table: pd.DataFrame = loader(listed) if len(listed) else loader().head(0)
    return keys.merge(table, on=["exporter", "importer"], how="left")


@dataclass(frozen=True)
class WorldPosterior:
    """Draws of the world model's parameters, the pairs it learned from, and how it was run.

    Attributes
    ----------
    draws
        One row per kept draw: ``log1p_tau``, ``pair_sd``, ``gamma[<name>]``, ``b_exp[<ISO3>]``,
        ``b_imp[<ISO3>]``.
    pairs
        The world's pairs (:func:`world_pairs`) with their covariates, fitted ``mu`` (posterior mean)
        and ``residual`` = mean - mu.
    design
        How covariates were standardised.
    drift
        How fast pairs' ratios drift, by size of flow.
    manifest
        Model id, data hash, seed, preset, years and the diagnostics verdict.
    """

    draws: pd.DataFrame
    pairs: pd.DataFrame
    design: CovariateDesign
    drift: DriftScale
    manifest: dict[str, object]

    @property
    def exporters(self) -> tuple[str, ...]:
        """Reporters with an export bias."""
        return tuple(c[6:-1] for c in self.draws.columns if c.startswith("b_exp["))

    @property
    def importers(self) -> tuple[str, ...]:
        """Reporters with an import bias."""
        return tuple(c[6:-1] for c in self.draws.columns if c.startswith("b_imp["))

    @cached_property
    def fingerprint(self) -> str:
        """SHA-256 of the draws, the drift scale and the pairs learned from: changes with any refit of the world
        (the manifest's data hash covers only the bundled input files, which a changed pair rule leaves alone)."""
        digest = hashlib.sha256(pd.util.hash_pandas_object(self.draws, index=False).to_numpy().tobytes())
        learned_from = self.pairs[["exporter", "importer"]]
        digest.update(pd.util.hash_pandas_object(learned_from, index=False).to_numpy().tobytes())
        digest.update(json.dumps([self.drift.edges, self.drift.per_year_sd]).encode())
        return digest.hexdigest()

    @cached_property
    def residual_sorted(self) -> FloatArray:
        """The world pairs' standardised residuals, sorted (for percentiles)."""
        return np.sort(self.pairs["z_residual"].to_numpy(dtype=float))

    def spread(self, size_usd_m: float) -> FloatArray:
        """Draws of the spread of pairs of this size around their prediction."""
        return np.asarray(self.draws["pair_sd"] * np.exp(self.draws["size_effect"] * size_index(size_usd_m)))

    def _bias(self, side: str, code: str, rng: np.random.Generator) -> FloatArray:
        column = f"{side}[{code}]"
        if column in self.draws.columns:
            return self.draws[column].to_numpy(dtype=float)
        # A reporter with no qualifying world pair: its usual behaviour is the prior's.
        return rng.normal(0.0, priors.REPORTER_BIAS_SCALE, len(self.draws))

    def expected_log_ratio(self, exporter: str, importer: str, covariates: pd.DataFrame | None = None) -> FloatArray:
        """Draws of mu for a pair: the log mirror ratio the world predicts for a pair like it.

        Parameters
        ----------
        exporter, importer
            ISO3 codes.
        covariates
            One-row frame with the pair's covariates; ``None`` looks them up in the data layer.
        """
        rng = np.random.default_rng(sum(map(ord, exporter + importer)))
        mu = self.draws["log1p_tau"].to_numpy(dtype=float).copy()
        mu += self._bias("b_imp", importer, rng) - self._bias("b_exp", exporter, rng)
        if self.design.names:
            if covariates is None:
                covariates = pair_covariates_for(pd.DataFrame({"exporter": [exporter], "importer": [importer]}))
            if covariates is not None:
                z = self.design.matrix(covariates)[0]
                gamma = self.draws[[f"gamma[{n}]" for n in self.design.names]].to_numpy(dtype=float)
                mu += gamma @ z
        return mu

    def offset_prior(self, exporter: str, importer: str, size_usd_m: float) -> OffsetPrior:
        """Prior of the target pair's persistent offset c = mu + alpha (Student-t with the world's tails).

        The scale adds the uncertainty of mu to the spread of pairs of its size around their prediction, so
        a pair's own heterogeneity is part of its interval. The pair's percentile among the world's pairs is
        that of its own standardised world-panel residual, when it is a world pair. ``size_usd_m`` (the
        median of the pair's smaller report) picks the spread and how fast comparable pairs' ratios drift.
        """
        rng = np.random.default_rng(sum(map(ord, exporter + importer)))
        margin = self.draws["log1p_tau"].to_numpy(dtype=float)
        reporters = self._bias("b_imp", importer, rng) - self._bias("b_exp", exporter, rng)
        mu = self.expected_log_ratio(exporter, importer)
        covariates = mu - margin - reporters
        pair_sd = float(np.median(self.spread(size_usd_m)))
        nu = float(np.median(self.draws["nu"]))
        residual = percentile = None
        row = self.pairs[(self.pairs["exporter"] == exporter) & (self.pairs["importer"] == importer)]
        if len(row):
            residual = float(row["mean"].iloc[0] - mu.mean())
            percentile = self.percentile(residual / float(np.hypot(pair_sd, row["se"].iloc[0])))
        return OffsetPrior(
            loc=float(mu.mean()),
            scale=float(np.sqrt(mu.var() + pair_sd**2)),
            source="world",
            margin=margin,
            reporters=reporters,
            covariates=covariates,
            pair_sd=pair_sd,
            nu=nu,
            drift_sd=self.drift.for_size(size_usd_m),
            residual=residual,
            percentile=percentile,
        )

    def percentile(self, z_residual: float) -> float:
        """Share of the world's pairs (in %) whose standardised residual (residual over the spread of pairs of
        its size) is below ``z_residual``."""
        ranks = np.searchsorted(self.residual_sorted, z_residual)
        return float(100.0 * ranks / len(self.residual_sorted))

    def summary(self, prob: float = 0.9) -> pd.DataFrame:
        """Posterior median and equal-tailed interval of the world quantities (margin, pair_sd, gamma)."""
        columns = ["log1p_tau", "pair_sd", "size_effect", "nu", *[f"gamma[{n}]" for n in self.design.names]]
        tail = (1 - prob) / 2
        values = self.draws[columns]
        frame = pd.DataFrame(
            {
                "parameter": columns,
                "estimate": values.median().to_numpy(),
                "lower": values.quantile(tail).to_numpy(),
                "upper": values.quantile(1 - tail).to_numpy(),
            }
        )
        tau = np.expm1(self.draws["log1p_tau"])
        tau_row = pd.DataFrame(
            {
                "parameter": ["tau"],
                "estimate": [float(tau.median())],
                "lower": [float(tau.quantile(tail))],
                "upper": [float(tau.quantile(1 - tail))],
            }
        )
        out = pd.concat([tau_row, frame], ignore_index=True)
        out["prob"] = prob
        out["kind"] = "eti"
        return out

    def save(self, folder: Path) -> Path:
        """Write ``draws.parquet``, ``pairs.parquet`` and ``manifest.json`` (with the design) to ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        self.draws.astype("float32").to_parquet(folder / "draws.parquet", index=False)
        self.pairs.to_parquet(folder / "pairs.parquet", index=False)
        manifest = dict(self.manifest)
        manifest["design"] = {
            "names": list(self.design.names),
            "means": self.design.means.tolist(),
            "sds": self.design.sds.tolist(),
        }
        manifest["drift"] = {
            "edges": list(self.drift.edges),
            "per_year_sd": list(self.drift.per_year_sd),
            "n_pairs": list(self.drift.n_pairs),
        }
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        self.summary().to_csv(folder / "summary.csv", index=False)
        return folder


def load_world(folder: Path) -> WorldPosterior:
    """Read a world posterior written by :meth:`WorldPosterior.save`."""
    manifest_path = folder / "manifest.json"
    if not manifest_path.exists():
        raise BorderflowsError(f"no world posterior in {folder}. Fix: run `borderflows mirror-world` to fit one")
    manifest = json.loads(manifest_path.read_text())
    design = manifest.pop("design")
    drift = manifest.pop("drift")
    return WorldPosterior(
        draws=pd.read_parquet(folder / "draws.parquet").astype(float),
        pairs=pd.read_parquet(folder / "pairs.parquet"),
        design=CovariateDesign(
            tuple(design["names"]), np.asarray(design["means"], dtype=float), np.asarray(design["sds"], dtype=float)
        ),
        drift=DriftScale(tuple(drift["edges"]), tuple(drift["per_year_sd"]), tuple(drift["n_pairs"])),
        manifest=manifest,
    )


WORLD_INPUT_FILES = (
    "dots_panel.parquet",
    "country_geography.csv",
    "land_borders.csv",
    "trade_agreements.csv",
    "reexport_hubs.csv",
)
"""Bundled files the world posterior is learned from; their hash is in its manifest."""
WORLD_SEED = 20241995
"""Seed of the committed world posterior."""


def world_data_hash() -> str:
    """SHA-256 over the bundled files the world model reads (:data:`WORLD_INPUT_FILES`)."""
    from borderflows.data import data_dir

    digest = hashlib.sha256()
    for name in WORLD_INPUT_FILES:
        digest.update(name.encode())
        digest.update((data_dir() / name).read_bytes())
    return digest.hexdigest()


def refit_world(folder: Path | None = None, *, random_seed: int = WORLD_SEED, preset: str = "full") -> WorldPosterior:
    """Fit the world model to the bundled DOTS panel and write it to ``folder`` (default: the committed one)."""
    from borderflows.data import dots_panel

    world = fit_world(dots_panel(), random_seed=random_seed, preset=preset, data_hash=world_data_hash())
    world.save(folder or default_world_dir())
    _LOADED.clear()
    return world


def default_world_dir() -> Path:
    """Folder of the committed world posterior: inside the installed package, else the repository's ``models/``."""
    installed = Path(__file__).resolve().parents[1] / "_world"
    if (installed / "manifest.json").is_file():
        return installed
    return Path(__file__).resolve().parents[3] / "models" / WORLD_DIR


_LOADED: dict[Path, WorldPosterior] = {}


def default_world() -> WorldPosterior:
    """The committed world posterior (read once per process), checked against the bundled data.

    Raises
    ------
    BorderflowsError
        If it is missing or was learned from other data; ``borderflows mirror-world`` fits and writes one.
    """
    folder = default_world_dir()
    if folder not in _LOADED:
        world = load_world(folder)
        if world.manifest.get("data_hash") != world_data_hash():
            raise BorderflowsError(
                f"the world posterior in {folder} was learned from other data than the bundled DOTS panel and "
                "covariates. Fix: run `borderflows mirror-world` to refit it (about 5 minutes)"
            )
        _LOADED[folder] = world
    return _LOADED[folder]
