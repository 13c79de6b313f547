"""Validate the mirror-gap model: simulation-based calibration and parameter recovery.

One PyMC model is compiled once (nutpie) and refitted to every simulated panel. The simulator is the
model engineer's independent generative code (``borderflows.mirror.simulate``), not the PyMC graph,
so SBC checks the model code against it as well as the sampler.

* well-specified: truths drawn from the priors (``draw_truth``), reports from ``simulate``. The same
  fits give SBC ranks (tau, every reporter bias, u at every year) and 90% ETI coverage of u_t, tau
  and the biases. Because truths come from the prior, coverage must equal 0.9 up to Monte Carlo error.
* timing shift (misspecified): the importer books a share ``TIMING_SHARE`` of each year's shipments
  in the next year (goods in transit at year end), i.e. log M_t uses (1-f) S_t + f S_{t-1}.
* transit (misspecified): the exporter's figure includes goods bound for third countries that never
  enter the importer's records: X_t carries an extra ``TRANSIT_SHARE`` of shipments.

Usage::

    uv run python benchmarks/mirror_validation.py --n-sims 200 --n-misspecified 100
    uv run python benchmarks/mirror_validation.py --quick          # 20 + 10 + 10 sims, for a smoke run
    uv run python benchmarks/mirror_validation.py --summarise      # re-summarise the checkpoints of a cut run
    uv run python benchmarks/mirror_validation.py --mode pair       # pair mode (biases from their priors only)
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
from borderflows.mirror.model import build_model
from borderflows.mirror.sampling import adaptation, all_data_values, draws_for
from borderflows.mirror.simulate import Truth, draw_truth, simulate
from borderflows.mirror.spec import MirrorGap

TIMING_SHARE = 0.25
"""Share of a year's shipments the importer books in the following year (timing-shift scenario)."""

TRANSIT_SHARE = 0.20
"""Extra shipments in the exporter's figure bound for third countries (transit scenario)."""

CHECKED = ("tau", "b_exp", "b_imp", "u")
"""Variables checked by SBC and recovery."""

VALIDATION_PRESET = SamplerPreset("validation", draws=200, tune=500, target_accept=0.95)
"""4 x 200 draws after 500 warm-up (panel mode: twice the draws, as production fits), thinned to 99 per SBC rank;
also gives the 90% ETIs."""


@dataclass(frozen=True)
class Design:
    """Shape of the simulated panels (the compiled model is fixed to it)."""

    first_year: int = 2006
    n_years: int = 15
    n_partners: int = 4
    missing_m: tuple[int, ...] = (2010,)  # one year without an importer report: u_t leans on the latent process
    panel: bool = True  # panel mode (the analyses of record); False: pair mode, biases from their priors only

    @property
    def years(self) -> np.ndarray:
        return np.arange(self.first_year, self.first_year + self.n_years)


def _truth_dict(truth: Truth) -> dict[str, np.ndarray | float]:
    return {"tau": truth.tau, "b_exp": truth.b_exp, "b_imp": truth.b_imp, "u": truth.u}


def make_simulator(design: Design, spec: MirrorGap, scenario: str = "well-specified") -> Callable[..., Simulation]:
    """Simulator of one panel under ``scenario`` ("well-specified", "timing shift" or "transit")."""
    if scenario not in ("well-specified", "timing shift", "transit"):
        raise ValueError(f"unknown scenario {scenario!r}")

    def simulator(rng: np.random.Generator) -> Simulation:
        truth = draw_truth(rng, design.years, n_partners=design.n_partners, margin=spec.margin, panel=design.panel)
        data = simulate(truth, rng, missing_m=design.missing_m)
        # Exporter's log report is truth.level = log shipments + b_exp[0] (the model's parametrisation).
        if scenario == "timing shift":
            shipments = np.exp(truth.level - truth.b_exp[0])
            booked = (1 - TIMING_SHARE) * shipments + TIMING_SHARE * np.concatenate([shipments[:1], shipments[:-1]])
            mu_m = np.log(booked) + np.log1p(truth.tau) + np.log1p(-truth.u) + truth.b_imp[0]
            log_m = mu_m[data.m_idx] + truth.sigma_d * rng.normal(size=len(data.m_idx))
            data = data.with_observed(data.log_x, log_m)
        elif scenario == "transit":
            data = data.with_observed(data.log_x + np.log1p(TRANSIT_SHARE), data.log_m)
        return Simulation(truth=_truth_dict(truth), data=all_data_values(data, spec))

    return simulator


def make_fitter(
    design: Design, spec: MirrorGap, preset: SamplerPreset = VALIDATION_PRESET, adaptation_kind: str | None = None
) -> CompiledFitter:
    """Compile the mirror model once for panels of ``design``'s shape (``adaptation_kind``: override production's)."""
    rng = np.random.default_rng(0)
    truth = draw_truth(rng, design.years, n_partners=design.n_partners, panel=design.panel)
    template = simulate(truth, rng, missing_m=design.missing_m)
    # The production settings for the template's mode (adaptation, panel draws factor), so the validation runs the
    # sampler the analyses use.
    fit_preset = SamplerPreset(preset.name, draws_for(template, preset), preset.tune, preset.target_accept)
    kind = adaptation(template) if adaptation_kind is None else adaptation_kind
    return CompiledFitter(build_model(template, spec), fit_preset, list(CHECKED), adaptation=kind)


def coords_for(design: Design) -> dict[str, list[list[object]]]:
    """Labels of the checked variables' elements."""
    from borderflows.mirror.simulate import panel_layout

    if not design.panel:
        return {"u": [design.years.tolist()], "b_exp": [["CHN"]], "b_imp": [["KAZ"]]}
    exporters, importers, _ = panel_layout(design.n_partners)
    return {"u": [design.years.tolist()], "b_exp": [list(exporters)], "b_imp": [list(importers)]}


def well_specified(
    fitter: CompiledFitter,
    design: Design,
    spec: MirrorGap,
    n_sims: int,
    random_seed: int,
    progress: Callable[[int, int], None] | None = None,
    prob: float = 0.9,
) -> tuple[SBCResult, RecoveryResult]:
    """SBC and coverage from the same fits of panels drawn from the prior."""
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
        for variable in ("u", "tau", "b_exp", "b_imp"):
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
    parser.add_argument("--mode", choices=("panel", "pair"), default="panel", help="simulated design and model mode")
    parser.add_argument("--out", type=Path, default=None, help="default benchmarks/_out/mirror_validation[_pair]")
    args = parser.parse_args(argv)
    if args.quick:
        args.n_sims, args.n_misspecified = 20, 10
    if args.out is None:
        args.out = Path("benchmarks/_out/mirror_validation" + ("_pair" if args.mode == "pair" else ""))

    from rich.console import Console
    from rich.progress import Progress

    console = Console()
    design, spec = Design(panel=args.mode == "panel"), MirrorGap(mode=args.mode)
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
                        "n_partners": design.n_partners,
                        "missing_m": list(design.missing_m),
                        "mode": args.mode,
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
    """Sampler health over one scenario's fits (gate on tau, the biases and u at the validation preset)."""
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
        for name in ("model.py", "simulate.py", "priors.py", "inputs.py")
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
