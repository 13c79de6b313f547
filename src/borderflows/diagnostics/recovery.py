"""Parameter-recovery studies: simulate data with known truth, fit, and count interval coverage.

For each of ``n_sims`` simulated data sets the model is fitted and, for every checked scalar
quantity, we record whether the central interval (``prob``, ``kind``) covers the true value.
Coverage over simulations is a binomial proportion, so its Monte Carlo standard error at the
nominal rate is ``sqrt(prob (1 - prob) / n_sims)``; a quantity passes when its coverage lies within
``prob ± z · MCSE`` (``z = 2.58`` by default, a two-sided 99% band).

When the truths are drawn from the model's prior, coverage averaged over simulations equals
``prob`` exactly for a calibrated Bayesian model (the same identity SBC tests). For truths fixed by
hand, posterior intervals need not have frequentist coverage at that point, so a miss there is a
property of the prior as much as of the code: say which was done.

Pooled coverage of a vector quantity (e.g. every year of ``u``) averages correlated indicators
within a simulation, so its standard error is computed from the per-simulation means (a
cluster-robust estimate), not from the binomial formula with ``n_sims * n_years`` trials; that
binomial figure only serves as a floor.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from borderflows.config import DEFAULT_KIND, DEFAULT_PROB
from borderflows.diagnostics.sbc import FitSummary, Progress, Simulator, quantity_labels
from borderflows.results.intervals import describe, interval
from borderflows.sampling import resolve_seed

FitFunction = Callable[[Mapping[str, npt.ArrayLike], int], FitSummary]
"""Fits the model to new data with a seed; :meth:`CompiledFitter.fit` is one."""

Z_99 = 2.58
"""Two-sided 99% normal quantile: the default half-width of the pass band in MCSE units."""


@dataclass(frozen=True)
class RecoveryResult:
    """Per-simulation interval records of a recovery study, with coverage summaries.

    Attributes
    ----------
    scenario
        Label of the simulator (e.g. ``"well-specified"``, ``"timing shift"``).
    prob, kind
        The interval that was checked.
    records
        One row per (simulation, quantity): ``simulation``, ``variable``, ``quantity``, ``truth``,
        ``estimate`` (posterior median), ``lower``, ``upper``, ``covered``, ``prob``, ``kind``.
    random_seed
        Seed that reproduces the study.
    max_rhat, divergences
        Convergence numbers of each fit.
    z
        Half-width of the pass band in Monte Carlo standard errors.
    total_seconds
        Wall time of the study.
    """

    scenario: str
    prob: float
    kind: str
    records: pd.DataFrame
    random_seed: int
    max_rhat: npt.NDArray[np.float64]
    divergences: npt.NDArray[np.int64]
    z: float = Z_99
    total_seconds: float = float("nan")
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def n_sims(self) -> int:
        """Number of simulated data sets."""
        return int(self.records["simulation"].nunique())

    @property
    def label(self) -> str:
        """Interval label, e.g. ``"90% equal-tailed interval"``."""
        return describe(self.prob, self.kind)

    def _summarise(self, group: pd.DataFrame, pooled: bool) -> dict[str, Any]:
        per_sim = group.groupby("simulation")["covered"].mean()
        n = int(per_sim.size)
        n_elements = int(group["quantity"].nunique())
        coverage = float(per_sim.mean())
        # One quantity: binomial MCSE at the nominal rate. Pooled over elements: cluster-robust SE of the
        # per-simulation means (elements of one simulation are correlated), floored at the binomial SE of
        # n * n_elements independent trials so that a run where every interval covered does not get SE 0.
        mcse = float(np.sqrt(self.prob * (1.0 - self.prob) / n))
        if pooled and n_elements > 1:
            floor = float(np.sqrt(self.prob * (1.0 - self.prob) / (n * n_elements)))
            cluster = float(per_sim.std(ddof=1) / np.sqrt(n)) if n > 1 else mcse
            mcse = max(cluster, floor)
        error = group["estimate"] - group["truth"]
        return {
            "n_sims": n,
            "coverage": coverage,
            "mcse": mcse,
            "band_lower": self.prob - self.z * mcse,
            "band_upper": self.prob + self.z * mcse,
            "passes": bool(abs(coverage - self.prob) <= self.z * mcse),
            "mean_width": float((group["upper"] - group["lower"]).mean()),
            "bias": float(error.mean()),
            "rmse": float(np.sqrt((error**2).mean())),
            "prob": self.prob,
            "kind": self.kind,
            "scenario": self.scenario,
        }

    @cached_property
    def coverage(self) -> pd.DataFrame:
        """Coverage per scalar quantity: tidy frame with ``prob``/``kind`` columns and the band."""
        rows = []
        for (variable, quantity), group in self.records.groupby(["variable", "quantity"], sort=False):
            rows.append({"variable": variable, "quantity": quantity, **self._summarise(group, pooled=False)})
        return pd.DataFrame(rows)

    @cached_property
    def pooled_coverage(self) -> pd.DataFrame:
        """Coverage per variable, pooled over its elements, with a cluster-robust MCSE."""
        rows = []
        for variable, group in self.records.groupby("variable", sort=False):
            rows.append(
                {
                    "variable": variable,
                    "quantity": f"{variable}[all]",
                    "n_elements": int(group["quantity"].nunique()),
                    **self._summarise(group, pooled=True),
                }
            )
        return pd.DataFrame(rows)

    def to_frame(self) -> pd.DataFrame:
        """Per-quantity coverage rows followed by pooled per-variable rows."""
        return pd.concat([self.coverage, self.pooled_coverage], ignore_index=True)

    @property
    def passed(self) -> bool:
        """True when every per-quantity and pooled coverage lies inside its band."""
        return bool(self.to_frame()["passes"].all())


def interval_records(
    simulation_index: int,
    truth: Mapping[str, npt.ArrayLike],
    fit: FitSummary,
    var_names: Sequence[str],
    *,
    prob: float = DEFAULT_PROB,
    kind: str = DEFAULT_KIND,
    coords: Mapping[str, Sequence[Sequence[Any]]] | None = None,
) -> pd.DataFrame:
    """Interval records of one fit: one row per scalar quantity (the rows of :attr:`RecoveryResult.records`)."""
    frames = []
    for name in var_names:
        draws = fit.draws[name]
        true = np.broadcast_to(np.asarray(truth[name], dtype=float), draws.shape[1:])
        lower, upper = interval(draws, prob, kind)
        frames.append(
            pd.DataFrame(
                {
                    "simulation": simulation_index,
                    "variable": name,
                    "quantity": quantity_labels(name, draws.shape[1:], None if coords is None else coords.get(name)),
                    "truth": true.ravel(),
                    "estimate": np.median(draws, axis=0).ravel(),
                    "lower": np.ravel(lower),
                    "upper": np.ravel(upper),
                }
            )
        )
    records = pd.concat(frames, ignore_index=True)
    records["covered"] = (records["lower"] <= records["truth"]) & (records["truth"] <= records["upper"])
    records["prob"] = prob
    records["kind"] = kind
    return records


def _notes(rhats: Sequence[float], divergences: Sequence[int]) -> tuple[str, ...]:
    n_bad = int(sum(1 for r, d in zip(rhats, divergences, strict=True) if r > 1.01 or d > 0))
    if not n_bad:
        return ()
    return (f"{n_bad} of {len(rhats)} fits had R-hat > 1.01 or divergences; they are kept in the coverage",)


def recovery_result(
    records: Sequence[pd.DataFrame],
    *,
    scenario: str,
    prob: float,
    kind: str,
    random_seed: int,
    max_rhat: Sequence[float],
    divergences: Sequence[int],
    z: float = Z_99,
    total_seconds: float = float("nan"),
) -> RecoveryResult:
    """Assemble a :class:`RecoveryResult` from :func:`interval_records` frames collected elsewhere (e.g. SBC fits)."""
    return RecoveryResult(
        scenario=scenario,
        prob=prob,
        kind=kind,
        records=pd.concat(records, ignore_index=True),
        random_seed=random_seed,
        max_rhat=np.asarray(max_rhat, dtype=float),
        divergences=np.asarray(divergences, dtype=np.int64),
        z=z,
        total_seconds=total_seconds,
        notes=_notes(max_rhat, divergences),
    )


def recovery_study(
    fit: FitFunction,
    simulator: Simulator,
    n_sims: int,
    var_names: Sequence[str],
    *,
    prob: float = DEFAULT_PROB,
    kind: str = DEFAULT_KIND,
    scenario: str = "well-specified",
    coords: Mapping[str, Sequence[Sequence[Any]]] | None = None,
    z: float = Z_99,
    random_seed: int | None = None,
    progress: Progress | None = None,
) -> RecoveryResult:
    """Simulate ``n_sims`` data sets with known truth, fit each, and record interval coverage.

    Parameters
    ----------
    fit
        Fits the model to one simulation's data, e.g. :meth:`CompiledFitter.fit`.
    simulator
        Draws one :class:`~borderflows.diagnostics.sbc.Simulation` from a generator. A
        misspecified simulator (data generated differently from the model) measures robustness.
    n_sims
        Number of simulated data sets.
    var_names
        Variables whose elements are checked; each must be in the simulation's ``truth``.
    prob, kind
        Interval probability and kind (``"eti"`` or ``"hdi"``).
    scenario
        Label carried into every output row.
    coords
        Coordinate values per variable dimension for labels (e.g. years); default indices.
    z
        Half-width of the pass band in MCSE units.
    random_seed
        Seed for the simulations and fits; drawn and recorded when None.
    progress
        Called with ``(done, n_sims)`` after each simulation.

    Returns
    -------
    RecoveryResult
    """
    seed = resolve_seed(random_seed)
    started = time.perf_counter()
    sim_seq, fit_seq = np.random.SeedSequence(seed).spawn(2)
    fit_seeds = fit_seq.generate_state(n_sims, dtype=np.uint32)
    sim_rngs = [np.random.default_rng(s) for s in sim_seq.spawn(n_sims)]
    frames, rhats, divergences = [], [], []
    for i in range(n_sims):
        simulation = simulator(sim_rngs[i])
        summary = fit(simulation.data, int(fit_seeds[i]))
        frames.append(interval_records(i, simulation.truth, summary, var_names, prob=prob, kind=kind, coords=coords))
        rhats.append(summary.max_rhat)
        divergences.append(summary.divergences)
        if progress is not None:
            progress(i + 1, n_sims)
    return recovery_result(
        frames,
        scenario=scenario,
        prob=prob,
        kind=kind,
        random_seed=seed,
        max_rhat=rhats,
        divergences=divergences,
        z=z,
        total_seconds=time.perf_counter() - started,
    )
