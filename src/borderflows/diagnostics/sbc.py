"""Simulation-based calibration (Talts, Betancourt, Simpson, Vehtari & Gelman 2018).

Draw a parameter set from the prior, simulate data from it, fit the model to those data and record
the rank of the true value among thinned posterior draws. If the sampler and the model agree, each
rank is uniform on ``0..L``. Deviations have shapes that name the fault: a U-shaped histogram means
posteriors that are too narrow, a hump means too wide, a slope means bias.

Speed comes from compiling the PyMC model once with :func:`nutpie.compile_pymc_model` and swapping
the observed data per simulation with ``compiled.with_data(...)`` (ENVIRONMENT.md measured about
40x faster than rebuilding). The model must therefore take its observations through ``pm.Data``.

Two uniformity tests are reported per quantity, because they catch different faults:

* a chi-square test on binned ranks (Talts et al.'s histogram, made formal): sensitive to any
  shape, with equal expected counts per bin because the bin count divides ``L + 1``;
* the ECDF simultaneous-band test of Säilynoja, Bürkner & Vehtari (2022): the smallest two-sided
  binomial tail probability of the rank ECDF over all interior cut points, calibrated against
  its own null distribution by Monte Carlo. It needs no binning and is the more powerful test
  against the slow drifts (bias, over/under-dispersion) that SBC usually reveals.

A quantity fails when either p-value is below ``alpha / (2 k)`` for ``k`` checked quantities
(Bonferroni over quantities and the two tests), so a run with many quantities does not fail by
chance alone more often than ``alpha``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pymc as pm
from scipy import stats

from borderflows.config import CHAINS, CORES, SamplerPreset
from borderflows.diagnostics.gate import check_convergence
from borderflows.sampling import compile_model, flat, resolve_seed, sample_compiled

if TYPE_CHECKING:
    import xarray as xr
    from matplotlib.axes import Axes

FloatArray = npt.NDArray[np.float64]
Progress = Callable[[int, int], None]
"""Progress callback: called with ``(done, total)`` after each simulation."""


@dataclass(frozen=True)
class Simulation:
    """One simulated data set with the parameter values that generated it.

    Attributes
    ----------
    truth
        True values of the checked quantities, keyed by posterior variable name, each with the
        shape that variable has in one posterior draw.
    data
        New values for the model's ``pm.Data`` containers, keyed by container name.
    """

    truth: Mapping[str, npt.ArrayLike]
    data: Mapping[str, npt.ArrayLike]


Simulator = Callable[[np.random.Generator], Simulation]
"""A simulator draws one :class:`Simulation` from the generator it is given."""


@dataclass(frozen=True)
class FitSummary:
    """Posterior draws of the checked variables from one fit, with its convergence numbers."""

    draws: dict[str, FloatArray]
    """Variable name -> array of shape ``(chains * draws, *event_shape)``, chain-major."""
    max_rhat: float
    divergences: int
    min_ess_bulk: float = float("nan")
    """Smallest bulk ESS over the kept variables' elements (nan when not computed)."""
    min_ebfmi: float = float("nan")
    """Smallest E-BFMI over chains (nan when the sampler did not report energies)."""
    gate_ok: bool | None = None
    """Whether the fit passed the project's convergence gate on the kept variables (None: not checked)."""


def observed_data_names(model: pm.Model) -> dict[str, str]:
    """Map each observed variable to the ``pm.Data`` container that holds its observations.

    Returns
    -------
    dict
        Observed variable name -> data container name, for observations given as ``pm.Data``.
    """
    from pytensor.compile.sharedvalue import SharedVariable

    names = {}
    for rv in model.observed_RVs:
        value = model.rvs_to_values[rv]
        if isinstance(value, SharedVariable) and value.name:
            names[rv.name] = value.name
    return names


class CompiledFitter:
    """A PyMC model compiled once by nutpie, refitted to new data without recompiling.

    Parameters
    ----------
    model
        PyMC model whose observations (and any other inputs that change) are ``pm.Data``.
    preset
        Draws, warm-up and target acceptance per fit.
    var_names
        Posterior variables to keep (free variables or deterministics); default all.
    chains, cores
        Chains per fit and cores to run them on (project defaults: 4 chains on 2 cores).
    adaptation
        nutpie mass-matrix adaptation (``"diag"``, ``"low_rank"``, ...): validate with the setting
        the model is fitted with in production.
    """

    def __init__(
        self,
        model: pm.Model,
        preset: SamplerPreset,
        var_names: Sequence[str] | None = None,
        *,
        chains: int = CHAINS,
        cores: int = CORES,
        adaptation: str = "diag",
    ) -> None:
        self.model = model
        self.preset = preset
        self.chains = chains
        self.cores = cores
        self.adaptation = adaptation
        self.var_names = (
            list(var_names)
            if var_names is not None
            else [v.name for v in model.free_RVs] + [v.name for v in model.deterministics]
        )
        self._compiled, _ = compile_model(lambda: model)
        self.compile_seconds = self._compiled.compile_seconds

    def fit(self, data: Mapping[str, npt.ArrayLike], random_seed: int) -> FitSummary:
        """Sample the posterior given new values of the ``pm.Data`` containers.

        Parameters
        ----------
        data
            Container name -> new value (same rank as the original).
        random_seed
            Seed for the sampler.
        """
        import arviz_stats as azs

        idata = sample_compiled(
            self._compiled,
            self.preset,
            random_seed,
            data={k: np.asarray(v) for k, v in data.items()},
            adaptation=self.adaptation,
            progress_bar=False,
            chains=self.chains,
            cores=self.cores,
        )
        posterior = idata["posterior"].to_dataset()[self.var_names]
        draws = {name: flat(posterior, name) for name in self.var_names}
        rhat = _to_dataset(azs.rhat(posterior, method="rank"))
        rhat_values = np.concatenate([np.asarray(v, dtype=float).ravel() for v in rhat.data_vars.values()])
        max_rhat = float(np.nanmax(rhat_values)) if np.isfinite(rhat_values).any() else float("inf")
        stats_ds = idata["sample_stats"].to_dataset()
        divergences = int(np.asarray(stats_ds["diverging"]).sum()) if "diverging" in stats_ds else 0
        gate = check_convergence(idata, var_names=self.var_names)  # a failed fit is counted by the study
        return FitSummary(
            draws=draws,
            max_rhat=max_rhat,
            divergences=divergences,
            min_ess_bulk=gate.min_ess_bulk,
            min_ebfmi=min(gate.ebfmi) if gate.ebfmi else float("nan"),
            gate_ok=gate.ok,
        )


def _to_dataset(value: object) -> xr.Dataset:
    import xarray as xr

    if isinstance(value, xr.DataTree):
        return value.to_dataset()
    if isinstance(value, xr.Dataset):
        return value
    raise TypeError(f"unexpected diagnostic container {type(value).__name__}")


def quantity_labels(name: str, shape: tuple[int, ...], coords: Sequence[Sequence[Any]] | None = None) -> list[str]:
    """Labels of the scalar elements of a variable, e.g. ``u[2005]`` or ``bias[KAZ, imports]``.

    Parameters
    ----------
    name
        Variable name.
    shape
        Event shape (one draw).
    coords
        Coordinate values per dimension; default positional indices.
    """
    if not shape:
        return [name]
    axes = [list(coords[i]) if coords is not None else list(range(n)) for i, n in enumerate(shape)]
    labels = []
    for index in np.ndindex(*shape):
        labels.append(f"{name}[{', '.join(str(axes[d][i]) for d, i in enumerate(index))}]")
    return labels


def prior_simulations(
    model: pm.Model, var_names: Sequence[str], n_sims: int, random_seed: int
) -> tuple[list[Simulation], dict[str, list[list[Any]]]]:
    """Draw simulations from the model's own prior and prior predictive.

    The observed variables' prior-predictive draws become the new values of their ``pm.Data``
    containers (see :func:`observed_data_names`), so the simulator is the model itself.

    Returns
    -------
    simulations
        One :class:`Simulation` per prior draw.
    coords
        Coordinate values of each checked variable's event dimensions (for labels).
    """
    mapping = observed_data_names(model)
    missing = [rv.name for rv in model.observed_RVs if rv.name not in mapping]
    if missing:
        raise ValueError(
            f"observed variables {missing} do not take their observations from pm.Data; "
            "wrap them in pm.Data so that SBC can swap simulated data in"
        )
    prior = pm.sample_prior_predictive(draws=n_sims, model=model, random_seed=random_seed)
    prior_ds = prior["prior"].to_dataset()
    predictive = prior["prior_predictive"].to_dataset()
    coords = {name: [list(prior_ds[name][dim].values) for dim in prior_ds[name].dims[2:]] for name in var_names}
    truths = {name: flat(prior_ds, name) for name in var_names}
    observed = {mapping[name]: flat(predictive, name) for name in mapping}
    simulations = [
        Simulation(
            truth={name: values[i] for name, values in truths.items()},
            data={name: values[i] for name, values in observed.items()},
        )
        for i in range(n_sims)
    ]
    return simulations, coords


def thin_indices(n_total: int, n_keep: int) -> npt.NDArray[np.int64]:
    """Evenly spaced indices into chain-major draws, so thinning spreads over all chains.

    Thinning reduces autocorrelation among the draws the rank is computed from; Talts et al.
    show that autocorrelated draws produce spurious U-shapes.
    """
    if n_keep > n_total:
        raise ValueError(f"cannot keep {n_keep} draws out of {n_total}; sample more draws")
    return np.round(np.linspace(0, n_total - 1, n_keep)).astype(np.int64)


def chisq_uniformity(ranks: npt.ArrayLike, n_rank_draws: int, bins: int) -> tuple[float, float]:
    """Chi-square test that ranks on ``0..n_rank_draws`` are uniform, on ``bins`` equal bins.

    Returns
    -------
    tuple
        Statistic and p-value (``bins - 1`` degrees of freedom).
    """
    values = np.asarray(ranks, dtype=np.int64)
    n_values = n_rank_draws + 1
    if n_values % bins:
        raise ValueError(f"bins ({bins}) must divide the number of rank values ({n_values})")
    counts = np.bincount(values * bins // n_values, minlength=bins)
    expected = values.size / bins
    statistic = float(((counts - expected) ** 2 / expected).sum())
    return statistic, float(stats.chi2.sf(statistic, bins - 1))


def _ecdf_gamma(ranks: npt.NDArray[np.int64], n_rank_draws: int) -> npt.NDArray[np.float64]:
    """Säilynoja et al.'s statistic per row of ``ranks`` (shape ``(m, n)``)."""
    m, n = ranks.shape
    n_values = n_rank_draws + 1
    counts = np.bincount((np.arange(m)[:, None] * n_values + ranks).ravel(), minlength=m * n_values)
    below = np.cumsum(counts.reshape(m, n_values), axis=1)[:, :-1]  # ranks < c for c = 1..L
    z = np.arange(1, n_values) / n_values  # P(rank < c) = c / (L + 1) exactly under uniformity
    lower_tail = stats.binom.cdf(below, n, z)
    upper_tail = stats.binom.sf(below - 1, n, z)
    return np.asarray(2.0 * np.minimum(lower_tail, upper_tail).min(axis=1), dtype=float)


@lru_cache(maxsize=32)
def _ecdf_null(n: int, n_rank_draws: int, n_null: int, random_seed: int) -> npt.NDArray[np.float64]:
    """Sorted null distribution of the ECDF statistic for ``n`` uniform ranks (depends only on n and L)."""
    rng = np.random.default_rng(random_seed)
    chunks = []
    for size in np.diff(np.linspace(0, n_null, n_null // 5000 + 2).astype(int)):  # bounded memory
        chunks.append(_ecdf_gamma(rng.integers(0, n_rank_draws + 1, size=(int(size), n)), n_rank_draws))
    return np.sort(np.concatenate(chunks))


def ecdf_uniformity(
    ranks: npt.ArrayLike, n_rank_draws: int, *, n_null: int = 2000, random_seed: int = 0
) -> tuple[float, float]:
    """ECDF simultaneous-band test of uniform ranks (Säilynoja, Bürkner & Vehtari 2022).

    The statistic is the smallest two-sided binomial tail probability of the rank ECDF over the
    cut points ``1..L``; small values mean the ECDF leaves the band somewhere. Its null
    distribution is simulated from ``n_null`` sets of uniform ranks of the same size (cached per
    size and seed), so the p-value has Monte Carlo error about ``sqrt(p (1 - p) / n_null)``
    (0.005 at p = 0.05).

    Returns
    -------
    tuple
        Statistic (gamma) and p-value.
    """
    values = np.asarray(ranks, dtype=np.int64)
    gamma = float(_ecdf_gamma(values[None, :], n_rank_draws)[0])
    null = _ecdf_null(int(values.size), n_rank_draws, n_null, random_seed)
    p_value = (1.0 + float(np.searchsorted(null, gamma, side="right"))) / (n_null + 1.0)
    return gamma, p_value


def default_bins(n_sims: int, n_rank_draws: int, *, min_expected: int = 10, max_bins: int = 20) -> int:
    """Largest bin count that divides ``L + 1`` with at least ``min_expected`` ranks per bin."""
    n_values = n_rank_draws + 1
    candidates = [b for b in range(2, max_bins + 1) if n_values % b == 0 and n_sims / b >= min_expected]
    return max(candidates) if candidates else 1


@dataclass(frozen=True)
class SBCResult:
    """Ranks of the true values among posterior draws, over many simulations.

    Attributes
    ----------
    quantities
        Labels of the checked scalar quantities.
    ranks
        Integer ranks, shape ``(n_sims, n_quantities)``, each in ``0..n_rank_draws``.
    n_rank_draws
        Thinned posterior draws each rank is taken among (L).
    bins
        Bins of the chi-square test and the histogram.
    random_seed
        Seed that reproduces the run.
    max_rhat, divergences
        Convergence numbers of each simulation's fit (kept, not dropped: dropping fits that
        struggle would bias the ranks).
    alpha
        Family-wise error rate of the pass/fail verdict.
    compile_seconds, total_seconds
        Wall time of the one compilation and of the whole run.
    """

    quantities: tuple[str, ...]
    ranks: npt.NDArray[np.int64]
    n_rank_draws: int
    bins: int
    random_seed: int
    max_rhat: FloatArray
    divergences: npt.NDArray[np.int64]
    alpha: float = 0.01
    compile_seconds: float = float("nan")
    total_seconds: float = float("nan")
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def n_sims(self) -> int:
        """Number of simulations."""
        return int(self.ranks.shape[0])

    @staticmethod
    def _n_null(threshold: float) -> int:
        """Null replicates of the ECDF test: enough that its smallest p-value is 10x below the threshold."""
        return max(2000, int(np.ceil(10.0 / threshold)))

    @cached_property
    def tests(self) -> pd.DataFrame:
        """Per-quantity uniformity statistics and p-values (see :meth:`to_frame`)."""
        rows = []
        k = len(self.quantities)
        threshold = self.alpha / (2 * k)
        for j, name in enumerate(self.quantities):
            column = self.ranks[:, j]
            # With too few simulations for two bins of >= 10 ranks, only the ECDF test applies.
            chisq, p_chisq = (
                chisq_uniformity(column, self.n_rank_draws, self.bins) if self.bins >= 2 else (np.nan, np.nan)
            )
            gamma, p_ecdf = ecdf_uniformity(
                column, self.n_rank_draws, n_null=self._n_null(threshold), random_seed=self.random_seed
            )
            rows.append(
                {
                    "quantity": name,
                    "n_sims": self.n_sims,
                    "mean_rank_fraction": float((column + 0.5).mean() / (self.n_rank_draws + 1)),
                    "chisq": chisq,
                    "bins": self.bins,
                    "p_chisq": p_chisq,
                    "ecdf_gamma": gamma,
                    "p_ecdf": p_ecdf,
                    "threshold": threshold,
                    "passes": bool(np.nanmin([p_chisq, p_ecdf]) >= threshold),
                }
            )
        return pd.DataFrame(rows)

    def to_frame(self) -> pd.DataFrame:
        """Tidy table, one row per quantity.

        Columns: ``quantity``, ``n_sims``, ``mean_rank_fraction`` (0.5 when unbiased; above 0.5
        means the posterior sits below the truth), ``chisq``, ``bins``, ``p_chisq``,
        ``ecdf_gamma``, ``p_ecdf``, ``threshold`` (Bonferroni level ``alpha / (2 k)``) and
        ``passes``.
        """
        return self.tests.copy()

    @property
    def passed(self) -> bool:
        """True when every quantity passes both uniformity tests at the Bonferroni level."""
        return bool(self.tests["passes"].all())

    def ranks_frame(self) -> pd.DataFrame:
        """Long frame of ranks: ``simulation``, ``quantity``, ``rank``, ``n_rank_draws``."""
        frame = pd.DataFrame(self.ranks, columns=list(self.quantities))
        frame.index.name = "simulation"
        long = frame.reset_index().melt(id_vars="simulation", var_name="quantity", value_name="rank")
        long["n_rank_draws"] = self.n_rank_draws
        return long

    def plot(self, quantity: str, ax: Axes | None = None, *, band_prob: float = 0.99) -> Axes:
        """Rank histogram of one quantity with the band expected under uniformity.

        Parameters
        ----------
        quantity
            A label from :attr:`quantities`.
        ax
            Axes to draw on; default a new figure.
        band_prob
            Probability of the per-bin binomial band (equal-tailed).
        """
        import matplotlib.pyplot as plt

        if quantity not in self.quantities:
            raise ValueError(f"unknown quantity {quantity!r}; choose one of {list(self.quantities)}")
        if ax is None:
            _, ax = plt.subplots(figsize=(5, 3))
        column = self.ranks[:, self.quantities.index(quantity)]
        counts = np.bincount(column * self.bins // (self.n_rank_draws + 1), minlength=self.bins)
        p = 1.0 / self.bins
        tail = (1.0 - band_prob) / 2.0
        low, high = stats.binom.ppf([tail, 1.0 - tail], self.n_sims, p)
        ax.axhspan(low, high, color="0.85", label=f"{band_prob:.0%} equal-tailed band under uniformity")
        ax.axhline(self.n_sims * p, color="0.5", lw=1)
        ax.bar(np.arange(self.bins), counts, width=0.9, color="C0")
        ax.set_xlabel(f"rank bin ({self.n_rank_draws + 1} ranks in {self.bins} bins)")
        ax.set_ylabel("simulations")
        row = self.tests.set_index("quantity").loc[quantity]
        ax.set_title(f"SBC {quantity}: p_chisq={row['p_chisq']:.3f}, p_ecdf={row['p_ecdf']:.3f}", fontsize=9)
        ax.legend(fontsize=7, loc="upper right")
        return ax


def sbc_ranks(truth: Mapping[str, npt.ArrayLike], draws: Mapping[str, FloatArray], keep: npt.ArrayLike) -> FloatArray:
    """Rank of each true element among the kept posterior draws, flattened in variable order."""
    index = np.asarray(keep)
    ranks = []
    for name, values in draws.items():
        true = np.asarray(truth[name], dtype=float)
        kept = values[index]
        ranks.append((kept < true[None, ...]).sum(axis=0).ravel())
    return np.concatenate(ranks).astype(np.int64)


def run_sbc(
    model: pm.Model,
    var_names: Sequence[str],
    n_sims: int,
    preset: SamplerPreset,
    *,
    simulator: Simulator | None = None,
    n_rank_draws: int = 99,
    bins: int | None = None,
    alpha: float = 0.01,
    random_seed: int | None = None,
    progress: Progress | None = None,
    fitter: CompiledFitter | None = None,
    chains: int = CHAINS,
    on_fit: Callable[[int, Simulation, FitSummary], None] | None = None,
    coords: Mapping[str, Sequence[Sequence[Any]]] | None = None,
) -> SBCResult:
    """Run simulation-based calibration on a PyMC model.

    Parameters
    ----------
    model
        The model; observations must come from ``pm.Data``.
    var_names
        Posterior variables to check; every scalar element becomes one quantity.
    n_sims
        Number of simulations (Talts et al. use 1000; 200 already shows gross miscalibration).
    preset
        Draws, warm-up and target acceptance of each fit; ``chains * draws`` must be at least
        ``n_rank_draws``.
    simulator
        Draws ``(truth, data)``; default the model's own prior and prior predictive.
    n_rank_draws
        Thinned draws the rank is taken among (L); ranks take ``L + 1`` values.
    bins
        Bins for the chi-square test and histogram; must divide ``L + 1``; default
        :func:`default_bins`.
    alpha
        Family-wise error rate of :attr:`SBCResult.passed`.
    random_seed
        Seed for the simulations and every fit; drawn and recorded when None.
    progress
        Called with ``(done, n_sims)`` after each simulation.
    fitter
        An already compiled fitter for ``model`` (to share one compilation with other studies).
    chains
        Chains per fit.
    on_fit
        Called with ``(index, simulation, fit)`` after each fit, e.g. to record interval coverage
        from the same fits (:func:`borderflows.diagnostics.recovery.interval_records`).
    coords
        Coordinate values per variable dimension for quantity labels (e.g. years); with the prior
        simulator they are read from the prior draws.

    Returns
    -------
    SBCResult
    """
    seed = resolve_seed(random_seed)
    started = time.perf_counter()
    if fitter is None:
        fitter = CompiledFitter(model, preset, var_names, chains=chains)
    sequence = np.random.SeedSequence(seed)
    sim_seq, fit_seq = sequence.spawn(2)
    fit_seeds = fit_seq.generate_state(n_sims, dtype=np.uint32)
    labels_coords: Mapping[str, Sequence[Sequence[Any]]] = dict(coords or {})
    if simulator is None:
        simulations, labels_coords = prior_simulations(model, var_names, n_sims, int(sim_seq.generate_state(1)[0]))
    else:
        sim_rngs = [np.random.default_rng(s) for s in sim_seq.spawn(n_sims)]
        simulations = [simulator(r) for r in sim_rngs]
    keep = thin_indices(fitter.chains * fitter.preset.draws, n_rank_draws)
    all_ranks, rhats, divergences = [], [], []
    labels: list[str] = []
    for i, simulation in enumerate(simulations):
        summary = fitter.fit(simulation.data, int(fit_seeds[i]))
        draws = {name: summary.draws[name] for name in var_names}
        if not labels:
            for name in var_names:
                labels += quantity_labels(name, draws[name].shape[1:], labels_coords.get(name))
        all_ranks.append(sbc_ranks(simulation.truth, draws, keep))
        rhats.append(summary.max_rhat)
        divergences.append(summary.divergences)
        if on_fit is not None:
            on_fit(i, simulation, summary)
        if progress is not None:
            progress(i + 1, n_sims)
    n_bins = bins if bins is not None else default_bins(n_sims, n_rank_draws)
    notes = []
    n_bad = int(sum(1 for r, d in zip(rhats, divergences, strict=True) if r > 1.01 or d > 0))
    if n_bad:
        notes.append(f"{n_bad} of {n_sims} fits had R-hat > 1.01 or divergences; their ranks are kept")
    return SBCResult(
        quantities=tuple(labels),
        ranks=np.vstack(all_ranks),
        n_rank_draws=n_rank_draws,
        bins=n_bins,
        random_seed=seed,
        max_rhat=np.asarray(rhats, dtype=float),
        divergences=np.asarray(divergences, dtype=np.int64),
        alpha=alpha,
        compile_seconds=fitter.compile_seconds,
        total_seconds=time.perf_counter() - started,
        notes=tuple(notes),
    )
