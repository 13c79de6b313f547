"""Effective samples per second: nutpie (the default) vs pymc's own NUTS, same mirror model, one run.

Default data: the bundled CHN->KAZ mirror pair in world mode (the model of the recorded analyses, v3, with the
non-centred walk ``walk="auto"`` tries first): ``MirrorGap().inputs(mirror_pair("CHN", "KAZ"), evidence=True)``.
``--data pair`` uses pair mode (the offset's prior from the priors) and ``--data simulated`` a simulated pair (the
validation engineer's simulator). All samplers get the same model graph, draws, warm-up, target acceptance, 4
chains on 2 cores:

* nutpie with the model's production adaptation (:func:`borderflows.mirror.compiled.adaptation`);
* nutpie with diagonal adaptation (pymc's kind), so the sampler and the mass matrix can be told apart
  (skipped when production is already diagonal);
* ``pm.sample(nuts_sampler="pymc")``.

We report the minimum bulk ESS over ``u`` (the quantity of interest) and over every free variable,
divided by

* sampling wall time alone (nutpie: ``nutpie.sample``; pymc: the ``sampling_time`` pymc records), and
* wall time including compilation (nutpie: ``compile_pymc_model`` + sampling; pymc: all of
  ``pm.sample``, whose C compilation happens inside it).

The compile caches are whatever this machine has (say so when quoting: a cold CI cache is slower).

Usage::

    uv run python benchmarks/sampler_comparison.py              # CHN->KAZ, world mode, full preset
    uv run python benchmarks/sampler_comparison.py --pymc-factor 3   # pymc with 3x draws and warm-up
    uv run python benchmarks/sampler_comparison.py --data pair
    uv run python benchmarks/sampler_comparison.py --data simulated --preset fast
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import arviz_stats as azs
import numpy as np
import pandas as pd
import pymc as pm

from borderflows.config import CHAINS, CORES, preset
from borderflows.diagnostics.gate import check_convergence
from borderflows.mirror.compiled import adaptation, mirror_run
from borderflows.mirror.inputs import MirrorData
from borderflows.mirror.model import build_model
from borderflows.mirror.simulate import draw_truth, simulate
from borderflows.mirror.spec import MirrorGap


def _min_ess(idata: object, names: list[str]) -> float:
    posterior = idata["posterior"].to_dataset()[names]  # type: ignore[index]
    ess = azs.ess(posterior, method="bulk")
    return float(min(np.nanmin(np.asarray(v, dtype=float)) for v in ess.data_vars.values()))


def _row(name: str, idata: object, free: list[str], compile_s: float, sampling_s: float) -> dict[str, object]:
    import warnings

    from borderflows.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # the verdict is reported in the table instead
        gate = check_convergence(idata, var_names=[*free, "u"])  # type: ignore[arg-type]
    ess_u = _min_ess(idata, ["u"])
    ess_all = _min_ess(idata, free)
    return {
        "sampler": name,
        "compile_s": round(compile_s, 2),
        "sampling_s": round(sampling_s, 2),
        "min_bulk_ess_u": round(ess_u),
        "min_bulk_ess_free": round(ess_all),
        "ess_u_per_s_sampling": round(ess_u / sampling_s, 2),
        "ess_u_per_s_with_compile": round(ess_u / (compile_s + sampling_s), 2),
        "ess_free_per_s_sampling": round(ess_all / sampling_s, 2),
        "divergences": gate.divergences,
        "max_rhat": round(gate.max_rhat, 4),
        "gate": gate.verdict,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--preset", default="full")
    parser.add_argument("--data", choices=("world", "pair", "simulated"), default="world")
    parser.add_argument(
        "--pymc-factor", type=int, default=1, help="pymc runs this many times the draws and warm-up (so it converges)"
    )
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--years", type=int, default=26)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/_out/sampler_comparison"))
    args = parser.parse_args(argv)
    run_preset = preset(args.preset)
    data, spec = _data(args.data, args.seed, args.years)
    draws = mirror_run(data, run_preset).draws  # the production number of draws

    import nutpie

    model = build_model(data, spec)
    free = [v.name for v in model.free_RVs]
    started = time.perf_counter()
    compiled = nutpie.compile_pymc_model(model)
    nutpie_compile = time.perf_counter() - started
    nutpie_runs = {}
    for kind in dict.fromkeys([adaptation(data), "diag"]):
        started = time.perf_counter()
        idata = nutpie.sample(
            compiled,
            draws=draws,
            tune=run_preset.tune,
            chains=CHAINS,
            cores=CORES,
            seed=args.seed,
            target_accept=run_preset.target_accept,
            adaptation=kind,
            progress_bar=False,
        )
        nutpie_runs[kind] = (idata, time.perf_counter() - started)

    model_pymc = build_model(data, spec)
    started = time.perf_counter()
    idata_pymc = pm.sample(
        model=model_pymc,
        draws=draws * args.pymc_factor,
        tune=run_preset.tune * args.pymc_factor,
        chains=CHAINS,
        cores=CORES,
        target_accept=run_preset.target_accept,
        random_seed=args.seed,
        nuts_sampler="pymc",
        progressbar=False,
    )
    pymc_total = time.perf_counter() - started
    pymc_sampling = float(idata_pymc["posterior"].attrs.get("sampling_time", pymc_total))

    rows = [
        _row(f"nutpie ({kind})", idata, free, nutpie_compile, seconds) for kind, (idata, seconds) in nutpie_runs.items()
    ]
    pymc_name = "pymc NUTS (diag)" + (f", {args.pymc_factor}x draws and warm-up" if args.pymc_factor > 1 else "")
    rows.append(_row(pymc_name, idata_pymc, free, pymc_total - pymc_sampling, pymc_sampling))
    table = pd.DataFrame(rows)
    metrics = ("ess_u_per_s_sampling", "ess_u_per_s_with_compile", "ess_free_per_s_sampling")
    ratio = {  # every nutpie row over pymc's
        f"{row['sampler']} / pymc": {m: round(float(row[m]) / max(float(rows[-1][m]), 1e-12), 2) for m in metrics}  # type: ignore[arg-type]
        for row in rows[:-1]
    }
    args.out.mkdir(parents=True, exist_ok=True)
    result = {
        "command": "uv run python benchmarks/sampler_comparison.py " + " ".join(argv or sys.argv[1:]),
        "preset": vars(run_preset),
        "data": args.data,
        "draws_per_chain": draws,
        "pymc_factor": args.pymc_factor,
        "production_adaptation": adaptation(data),
        "years": [int(data.years[0]), int(data.years[-1])],
        "offset_prior": data.offset.source,
        "free_variables": free,
        "load_average": os.getloadavg(),
        "table": rows,
        "ratio_nutpie_over_pymc": ratio,
    }
    suffix = f"_pymc{args.pymc_factor}x" if args.pymc_factor > 1 else ""
    (args.out / f"result_{args.data}{suffix}.json").write_text(json.dumps(result, indent=2))
    sys.stdout.write(table.to_markdown(index=False) + "\n")
    sys.stdout.write(json.dumps({"ratio_nutpie_over_pymc": ratio, "load_average": os.getloadavg()}, indent=2) + "\n")
    return 0


def _data(which: str, seed: int, n_years: int) -> tuple[MirrorData, MirrorGap]:
    """The mirror inputs and spec of ``which``: bundled CHN->KAZ in world or pair mode, or a simulated pair."""
    if which == "simulated":
        rng = np.random.default_rng(seed)
        years = np.arange(1995, 1995 + n_years)
        return simulate(draw_truth(rng, years), rng), MirrorGap(walk="non-centred")
    from borderflows.data import mirror_pair

    spec = MirrorGap(mode=which, walk="non-centred")  # type: ignore[arg-type]
    return spec.inputs(mirror_pair("CHN", "KAZ"), evidence=True), spec


if __name__ == "__main__":
    sys.exit(main())
