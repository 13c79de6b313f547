"""Validate the one-pair mirror model (v3): simulation-based calibration and parameter recovery.

One PyMC model is compiled once (nutpie) and refitted to every simulated pair. The simulator is the
model engineer's independent generative code (``borderflows.mirror.simulate``), not the PyMC graph,
so SBC checks the model code against it as well as the sampler.

The simulated pair has what the real ones have and v2's simulator lacked: a persistent pair effect
(``offset = mu + alpha``, ``alpha ~ StudentT(nu, 0, pair_sd)`` on top of the world's prediction ``mu``),
four missing exporter years (as China's reports to Kazakhstan) and one missing importer year. In world
mode the fit is told the world's prediction for the pair (``offset ~ StudentT(nu, loc, scale)``, loc drawn
per pair around the margin's centre with the spread of two reporters' biases); in pair mode the offset
prior of the margin and bias priors.

* well-specified: truths drawn from the priors (``draw_truth``), reports from ``simulate``. The same
  fits give SBC ranks (the offset and u at every year) and 90% ETI coverage of u_t and the offset.
  Because truths come from the prior, coverage must equal 0.9 up to Monte Carlo error.
* timing shift (misspecified): the importer books a share ``TIMING_SHARE`` of each year's shipments
  in the next year (goods in transit at year end), i.e. log M_t uses (1-f) S_t + f S_{t-1}.
* transit (misspecified): from ``TRANSIT_FROM`` on, a share ``TRANSIT_SHARE`` of the exporter's figure is
  goods declared for the importer that go on to third countries and never enter its records.

Usage::

    uv run python benchmarks/mirror_validation.py --n-sims 200 --n-misspecified 100
    uv run python benchmarks/mirror_validation.py --quick          # 20 + 10 + 10 sims, for a smoke run
    uv run python benchmarks/mirror_validation.py --summarise      # re-summarise the checkpoints of a cut run
    uv run python benchmarks/mirror_validation.py --mode pair       # pair mode (offset from the priors only)
    uv run python benchmarks/mirror_validation.py --preset full --n-sims 20 --n-misspecified 0 \
        --out benchmarks/_out/mirror_validation_full                # how often production-size fits pass the gate

Tests import this file (``tests/recovery``) so that the CI variant runs the same code.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from borderflows.config import SamplerPreset
from borderflows.diagnostics.recovery import RecoveryResult, interval_records, recovery_result, recovery_study
from borderflows.diagnostics.sbc import CompiledFitter, FitSummary, SBCResult, Simulation, run_sbc
from borderflows.mirror import priors
from borderflows.mirror.compiled import adaptation, all_data_values
from borderflows.mirror.inputs import OffsetPrior, prior_offset
from borderflows.mirror.model import build_model
from borderflows.mirror.simulate import (
    WORLD_MU_SD,
    WORLD_PAIR_SD,
    Truth,
    draw_truth,
    simulate,
    transit_path,
    world_offset,
)
from borderflows.mirror.spec import MirrorGap

TIMING_SHARE = 0.25
"""Share of a year's shipments the importer books in the following year (timing-shift scenario)."""

TRANSIT_SHARE = 0.20
"""Share of the exporter's figure that goes on to third countries (transit scenario)..."""

TRANSIT_FROM = 2013
"""...from this year on (the last 8 of the 15 simulated years)."""

CHECKED = ("offset", "u")
"""Variables checked by SBC and recovery."""

VALIDATION_PRESET = SamplerPreset("validation", draws=200, tune=500, target_accept=0.95)
"""4 x 200 draws after 500 warm-up, thinned to 99 per SBC rank; also gives the 90% ETIs."""

WALK = "non-centred"
"""The walk production samples first (``walk="auto"`` falls back to centred only when the gate fails)."""


@dataclass(frozen=True)
class Design:
    """Shape of the simulated pairs (the compiled model is fixed to it) and the simulated world."""

    first_year: int = 2006
    n_years: int = 15
    missing_x: tuple[int, ...] = (2016, 2017, 2018, 2020)  # four exporter years missing, as China's to Kazakhstan
    missing_m: tuple[int, ...] = (2010,)  # one year without an importer report: u_t leans on the latent process
    world: bool = True  # world mode (the default model); False: pair mode, offset from the priors only
    pair_sd: float = WORLD_PAIR_SD  # spread of the pair's own effect alpha (t4 scale)
    mu_sd: float = WORLD_MU_SD  # posterior sd of the world's prediction mu (0: exact SBC)
    nu: float = priors.OFFSET_NU  # tail of pairs around their prediction
    drift_sd: float = priors.PAIR_DRIFT_SD  # yearly drift of the pair's ratio around its offset
    loc_spread: float = float(np.sqrt(2.0) * priors.REPORTER_BIAS_SCALE)  # sd of world predictions across pairs

    @property
    def years(self) -> np.ndarray:
        return np.arange(self.first_year, self.first_year + self.n_years)

    @property
    def mode(self) -> str:
        return "world" if self.world else "pair"

    def offset_prior(self, rng: np.random.Generator) -> OffsetPrior:
        """The offset prior one simulated pair's fit is given (world mode: a world prediction drawn for it)."""
        if not self.world:
            return prior_offset()
        loc = priors.MARGIN_LOG_CENTRE + self.loc_spread * rng.normal()
        return world_offset(loc, pair_sd=self.pair_sd, mu_sd=self.mu_sd, nu=self.nu, drift_sd=self.drift_sd)

    def draw(self, rng: np.random.Generator, transit: np.ndarray | None = None) -> Truth:
        """One truth from the priors."""
        return draw_truth(rng, self.years, offset_prior=self.offset_prior(rng), transit=transit)

    def spec(self) -> MirrorGap:
        """The model specification fitted to this design's pairs."""
        return MirrorGap(mode="world" if self.world else "pair", walk=WALK)


def _truth_dict(truth: Truth) -> dict[str, np.ndarray | float]:
    return {"offset": truth.offset, "u": truth.u}


def make_simulator(design: Design, spec: MirrorGap, scenario: str = "well-specified") -> Callable[..., Simulation]:
    """Simulator of one pair under ``scenario`` ("well-specified", "timing shift" or "transit")."""
    if scenario not in ("well-specified", "timing shift", "transit"):
        raise ValueError(f"unknown scenario {scenario!r}")
    transit = transit_path(design.years, TRANSIT_SHARE, TRANSIT_FROM) if scenario == "transit" else None

    def simulator(rng: np.random.Generator) -> Simulation:
        truth = design.draw(rng, transit)
        data = simulate(truth, rng, missing_x=design.missing_x, missing_m=design.missing_m)
        if scenario == "timing shift":
            # Shipments to the importer are the exporter's figure (truth.level, its log) less transit (none here).
            shipments = np.exp(truth.level) * truth.shipment_share
            booked = (1 - TIMING_SHARE) * shipments + TIMING_SHARE * np.concatenate([shipments[:1], shipments[:-1]])
            mu_m = np.log(booked) + truth.offset + np.log1p(-truth.u)
            log_m = mu_m[data.m_idx] + truth.sigma_d * rng.normal(size=len(data.m_idx))
            data = data.with_observed(data.log_x, log_m)
        return Simulation(truth=_truth_dict(truth), data=all_data_values(data, spec))

    return simulator


def make_fitter(
    design: Design, spec: MirrorGap, preset: SamplerPreset = VALIDATION_PRESET, adaptation_kind: str | None = None
) -> CompiledFitter:
    """Compile the mirror model once for pairs of ``design``'s shape (``adaptation_kind``: override production's)."""
    rng = np.random.default_rng(0)
    template = simulate(design.draw(rng), rng, missing_x=design.missing_x, missing_m=design.missing_m)
    kind = adaptation(template) if adaptation_kind is None else adaptation_kind
    return CompiledFitter(build_model(template, spec), preset, list(CHECKED), adaptation=kind)


def coords_for(design: Design) -> dict[str, list[list[object]]]:
    """Labels of the checked variables' elements."""
    return {"u": [design.years.tolist()]}


def well_specified(
    fitter: CompiledFitter,
    design: Design,
    spec: MirrorGap,
    n_sims: int,
    random_seed: int,
    progress: Callable[[int, int], None] | None = None,
    prob: float = 0.9,
) -> tuple[SBCResult, RecoveryResult]:
    """SBC and coverage from the same fits of pairs drawn from the prior."""
    records: list[pd.DataFrame] = []
    rhats: list[float] = []
    divergences: list[int] = []
    coords = coords_for(design)

    def on_fit(i: int, simulation: Simulation, fit: FitSummary) -> None:
        records.append(interval_records(i, simulation.truth, fit, CHECKED, prob=prob, kind="eti", coords=coords))
        rhats.append(fit.max_rhat)
        divergences.append(fit.divergences)

    started = time.perf_counter()
    sbc = run_sbc(
        fitter.model,
        list(CHECKED),
        n_sims,
        fitter.preset,
        simulator=make_simulator(design, spec),
        fitter=fitter,
        random_seed=random_seed,
        progress=progress,
        on_fit=on_fit,
        coords=coords,
    )
    recovery = recovery_result(
        records,
        scenario="well-specified",
        prob=prob,
        kind="eti",
        random_seed=random_seed,
        max_rhat=rhats,
        divergences=divergences,
        total_seconds=time.perf_counter() - started,
    )
    return sbc, recovery


def misspecified(
    fitter: CompiledFitter,
    design: Design,
    spec: MirrorGap,
    scenario: str,
    n_sims: int,
    random_seed: int,
    progress: Callable[[int, int], None] | None = None,
    prob: float = 0.9,
) -> RecoveryResult:
    """Coverage when the data come from a process the model does not describe."""
    return recovery_study(
        fitter.fit,
        make_simulator(design, spec, scenario),
        n_sims,
        list(CHECKED),
        prob=prob,
        kind="eti",
        scenario=scenario,
        coords=coords_for(design),
        random_seed=random_seed,
        progress=progress,
    )


def _summary_rows(recoveries: list[RecoveryResult]) -> pd.DataFrame:
    rows = []
    for result in recoveries:
        pooled = result.pooled_coverage.set_index("variable")
        for variable in CHECKED:
            row = pooled.loc[variable]
            rows.append(
                {
                    "scenario": result.scenario,
                    "quantity": row["quantity"],
                    "n_sims": int(row["n_sims"]),
                    "coverage": round(float(row["coverage"]), 3),
                    "mcse": round(float(row["mcse"]), 3),
                    "band": f"{row['band_lower']:.3f}-{row['band_upper']:.3f}",
                    "passes": bool(row["passes"]),
                    "bias": round(float(row["bias"]), 3),
                    "mean_width": round(float(row["mean_width"]), 3),
                    "prob": result.prob,
                    "kind": result.kind,
                }
            )
    return pd.DataFrame(rows)


FIT_COLUMNS = ("scenario", "simulation", "max_rhat", "divergences", "min_ess_bulk", "min_ebfmi", "gate_ok", "seconds")
"""Per-fit columns of ``ranks.csv`` before the ranks."""

SCHEDULE = ("well-specified", "well-specified", "timing shift", "transit")
"""Order in which the long run interleaves scenarios, so a run cut short still has all three."""


def _checkpoint_append(path: Path, frame: pd.DataFrame) -> None:
    frame.to_csv(path, mode="a", header=not path.exists(), index=False)


def run_interleaved(
    fitter: CompiledFitter,
    design: Design,
    spec: MirrorGap,
    out: Path,
    *,
    n_well: int,
    n_misspecified: int,
    random_seed: int,
    deadline: float | None,
    progress: Callable[[int, int], None] | None = None,
    prob: float = 0.9,
    n_rank_draws: int = 99,
) -> None:
    """Fit scenarios in :data:`SCHEDULE` order, appending ranks and interval records to CSV checkpoints.

    Each simulation has its own seed (``SeedSequence(random_seed).spawn``), so the results do not
    depend on how far the run got or on the interleaving.
    """
    from borderflows.diagnostics.sbc import sbc_ranks, thin_indices

    targets = {"well-specified": n_well, "timing shift": n_misspecified, "transit": n_misspecified}
    simulators = {name: make_simulator(design, spec, name) for name in targets}
    streams = {
        name: np.random.SeedSequence([random_seed, k]).spawn(max(n, 1)) for k, (name, n) in enumerate(targets.items())
    }
    done = dict.fromkeys(targets, 0)
    keep = thin_indices(fitter.chains * fitter.preset.draws, n_rank_draws)
    coords = coords_for(design)
    total = sum(targets.values())
    step = 0
    while any(done[name] < targets[name] for name in targets):
        if deadline is not None and time.time() > deadline:
            break
        scenario = SCHEDULE[step % len(SCHEDULE)]
        step += 1
        i = done[scenario]
        if i >= targets[scenario]:
            continue
        sim_seed, fit_seed = streams[scenario][i].generate_state(2)
        simulation = simulators[scenario](np.random.default_rng(sim_seed))
        started = time.perf_counter()
        fit = fitter.fit(simulation.data, int(fit_seed))
        seconds = time.perf_counter() - started
        records = interval_records(i, simulation.truth, fit, CHECKED, prob=prob, kind="eti", coords=coords)
        records.insert(0, "scenario", scenario)
        _checkpoint_append(out / "records.csv", records)
        labels = records["quantity"].tolist()
        ranks = sbc_ranks(simulation.truth, {name: fit.draws[name] for name in CHECKED}, keep)
        health = (fit.max_rhat, fit.divergences, fit.min_ess_bulk, fit.min_ebfmi, fit.gate_ok)
        row = pd.DataFrame(
            [[scenario, i, *health, seconds, *ranks]],
            columns=[*FIT_COLUMNS, *labels],
        )
        _checkpoint_append(out / "ranks.csv", row)
        done[scenario] += 1
        if progress is not None:
            progress(sum(done.values()), total)


def summarise(out: Path, random_seed: int, n_rank_draws: int = 99) -> tuple[dict[str, SBCResult], list[RecoveryResult]]:
    """SBC and recovery results per scenario from the checkpoint files of :func:`run_interleaved`."""
    from borderflows.diagnostics.sbc import default_bins

    ranks = pd.read_csv(out / "ranks.csv")
    records = pd.read_csv(out / "records.csv")
    sbcs: dict[str, SBCResult] = {}
    recoveries: list[RecoveryResult] = []
    for scenario, group in ranks.groupby("scenario", sort=False):
        quantities = [c for c in group.columns if c not in FIT_COLUMNS]
        values = group[quantities].to_numpy(dtype=np.int64)
        sbcs[str(scenario)] = SBCResult(
            quantities=tuple(quantities),
            ranks=values,
            n_rank_draws=n_rank_draws,
            bins=default_bins(len(group), n_rank_draws),
            random_seed=random_seed,
            max_rhat=group["max_rhat"].to_numpy(dtype=float),
            divergences=group["divergences"].to_numpy(dtype=np.int64),
            total_seconds=float(group["seconds"].sum()),
        )
        scenario_records = records.loc[records["scenario"] == scenario].drop(columns="scenario")
        recoveries.append(
            recovery_result(
                [scenario_records],
                scenario=str(scenario),
                prob=float(scenario_records["prob"].iloc[0]),
                kind=str(scenario_records["kind"].iloc[0]),
                random_seed=random_seed,
                max_rhat=group["max_rhat"].tolist(),
                divergences=group["divergences"].tolist(),
                total_seconds=float(group["seconds"].sum()),
            )
        )
    return sbcs, recoveries


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n-sims", type=int, default=200, help="well-specified simulations (SBC + coverage)")
    parser.add_argument("--n-misspecified", type=int, default=100, help="simulations per misspecified scenario")
    parser.add_argument("--quick", action="store_true", help="20 + 10 + 10 simulations, for a smoke run")
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--minutes", type=float, default=None, help="stop starting new fits after this many minutes")
    parser.add_argument("--summarise", action="store_true", help="only summarise the checkpoints in --out")
    parser.add_argument(
        "--preset", default="validation", help="'validation' (4 x 200 after 500), or a project preset ('fast', 'full')"
    )
    parser.add_argument("--adaptation", default=None, help="nutpie adaptation instead of production's, e.g. low_rank")
    parser.add_argument("--mode", choices=("world", "pair"), default="world", help="offset prior: world's or priors'")
    parser.add_argument("--pair-sd", type=float, default=WORLD_PAIR_SD, help="spread of the pair's own effect")
    parser.add_argument("--mu-sd", type=float, default=WORLD_MU_SD, help="sd of the world's prediction (0: exact)")
    parser.add_argument("--nu", type=float, default=priors.OFFSET_NU, help="tail (df) of the pair's own effect")
    parser.add_argument("--drift-sd", type=float, default=priors.PAIR_DRIFT_SD, help="yearly drift of the ratio")
    parser.add_argument("--out", type=Path, default=None, help="default benchmarks/_out/mirror_validation[_pair]")
    args = parser.parse_args(argv)
    if args.quick:
        args.n_sims, args.n_misspecified = 20, 10
    if args.out is None:
        args.out = Path("benchmarks/_out/mirror_validation" + ("_pair" if args.mode == "pair" else ""))

    from rich.console import Console
    from rich.progress import Progress

    console = Console()
    design = Design(
        world=args.mode == "world", pair_sd=args.pair_sd, mu_sd=args.mu_sd, nu=args.nu, drift_sd=args.drift_sd
    )
    spec = design.spec()
    args.out.mkdir(parents=True, exist_ok=True)
    meta_path = args.out / "meta.json"
    if not args.summarise:
        for name in ("ranks.csv", "records.csv"):
            (args.out / name).unlink(missing_ok=True)
        started = time.perf_counter()
        deadline = None if args.minutes is None else time.time() + 60 * args.minutes
        from borderflows.config import preset as project_preset

        run_preset = VALIDATION_PRESET if args.preset == "validation" else project_preset(args.preset)
        fitter = make_fitter(design, spec, run_preset, args.adaptation)
        console.print(f"compiled the mirror model in {fitter.compile_seconds:.1f} s")
        total = args.n_sims + 2 * args.n_misspecified
        with Progress(console=console) as bar:
            task = bar.add_task("simulations (interleaved scenarios)", total=total)
            run_interleaved(
                fitter,
                design,
                spec,
                args.out,
                n_well=args.n_sims,
                n_misspecified=args.n_misspecified,
                random_seed=args.seed,
                deadline=deadline,
                progress=lambda i, n: bar.update(task, completed=i),
            )
        meta_path.write_text(
            json.dumps(
                {
                    "command": "uv run python benchmarks/mirror_validation.py " + " ".join(argv or sys.argv[1:]),
                    "design": {
                        "years": [int(design.years[0]), int(design.years[-1])],
                        "missing_x": list(design.missing_x),
                        "missing_m": list(design.missing_m),
                        "mode": design.mode,
                        "pair_sd": design.pair_sd,
                        "mu_sd": design.mu_sd,
                        "nu": design.nu,
                        "drift_sd": design.drift_sd,
                        "loc_spread": design.loc_spread,
                        "walk": spec.walk,
                        "transit": {"share": TRANSIT_SHARE, "from": TRANSIT_FROM},
                        "timing_share": TIMING_SHARE,
                    },
                    "preset": vars(fitter.preset),
                    "adaptation": fitter.adaptation,
                    "seed": args.seed,
                    "requested": {"well-specified": args.n_sims, "misspecified_each": args.n_misspecified},
                    "compile_seconds": fitter.compile_seconds,
                    "total_seconds": time.perf_counter() - started,
                    "model_files_sha256": _model_hashes(),
                    "python": platform.python_version(),
                },
                indent=2,
            )
        )
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    sbcs, recoveries = summarise(args.out, args.seed)
    frames = []
    for scenario, sbc in sbcs.items():
        frame = sbc.to_frame()
        frame.insert(0, "scenario", scenario)
        frames.append(frame)
        meta[f"sbc[{scenario}]"] = {
            "n_sims": sbc.n_sims,
            "passed": sbc.passed,
            "min_p_chisq": float(frame["p_chisq"].min()),
            "min_p_ecdf": float(frame["p_ecdf"].min()),
            "failing": frame.loc[~frame["passes"], "quantity"].tolist(),
            "fits_with_divergences": int((sbc.divergences > 0).sum()),
            "fits_with_rhat_over_1.01": int((sbc.max_rhat > 1.01).sum()),
            **_fit_health(pd.read_csv(args.out / "ranks.csv").query("scenario == @scenario")),
        }
        if scenario == "well-specified":
            _plot(sbc, args.out / "sbc_ranks.png")
    sbc_frame = pd.concat(frames, ignore_index=True)
    sbc_frame.to_csv(args.out / "sbc.csv", index=False)
    pd.concat([r.to_frame() for r in recoveries], ignore_index=True).to_csv(args.out / "coverage.csv", index=False)
    summary = _summary_rows(recoveries)
    summary.to_csv(args.out / "coverage_summary.csv", index=False)
    (args.out / "summary.json").write_text(json.dumps(meta, indent=2, default=str))
    console.print(sbc_frame.round(4).to_string(index=False), markup=False)
    console.print(summary.to_string(index=False), markup=False)
    console.print(json.dumps(meta, indent=2, default=str), markup=False)
    return 0


def _fit_health(fits: pd.DataFrame) -> dict[str, float | int]:
    """Sampler health over one scenario's fits (gate on the offset and u at the validation preset)."""
    health: dict[str, float | int] = {"median_fit_seconds": float(fits["seconds"].median())}
    if "gate_ok" in fits:  # checkpoints written before the gate columns existed lack them
        health["fits_passing_gate"] = int(fits["gate_ok"].astype(bool).sum())
        health["median_min_ess_bulk"] = float(fits["min_ess_bulk"].median())
        health["fits_with_min_ess_bulk_under_100"] = int((fits["min_ess_bulk"] < 100).sum())
        health["fits_with_ebfmi_under_0.3"] = int((fits["min_ebfmi"] < 0.3).sum())
    health["total_divergences"] = int(fits["divergences"].sum())
    return health


def _model_hashes() -> dict[str, str]:
    """Hashes of the model's source files, so a result can be matched to the code that produced it."""
    import hashlib

    import borderflows.mirror as mirror

    root = Path(mirror.__file__).parent
    return {
        name: hashlib.sha256((root / name).read_bytes()).hexdigest()[:12]
        for name in ("model.py", "simulate.py", "priors.py", "inputs.py", "world.py")
        if (root / name).exists()
    }


def _plot(sbc: SBCResult, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    quantities = list(sbc.quantities)
    cols = 4
    rows = int(np.ceil(len(quantities) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 2.6 * rows), squeeze=False)
    for ax, name in zip(axes.ravel(), quantities, strict=False):
        sbc.plot(name, ax)
        ax.legend().remove()
    for ax in axes.ravel()[len(quantities) :]:
        ax.axis("off")
    fig.suptitle(f"SBC rank histograms, {sbc.n_sims} simulations; grey: 99% equal-tailed band under uniformity")
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


if __name__ == "__main__":
    sys.exit(main())
