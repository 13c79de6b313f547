"""Effective samples per second: nutpie (the default) vs pymc's own NUTS, same mirror model, one run.

Both samplers get the same simulated panel (the model engineer's simulator; shape of the analysis of
record: 26 years, CHN plus partners both ways), the same draws, warm-up, target acceptance, 4
chains on 2 cores. We report the minimum bulk ESS over ``u`` (the quantity of interest) and over
every free variable, divided by

* sampling wall time alone (nutpie: ``nutpie.sample``; pymc: the ``sampling_time`` pymc records), and
* wall time including compilation (nutpie: ``compile_pymc_model`` + sampling; pymc: all of
  ``pm.sample``, whose C compilation happens inside it).

The compile caches are whatever this machine has (say so when quoting: a cold CI cache is slower).

Usage::

    uv run python benchmarks/sampler_comparison.py              # full preset (4 x 1000 after 1000 warm-up)
    uv run python benchmarks/sampler_comparison.py --preset fast
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
from borderflows.mirror.model import build_model
from borderflows.mirror.sampling import adaptation
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
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--years", type=int, default=26)
    parser.add_argument("--partners", type=int, default=6)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/_out/sampler_comparison"))
    args = parser.parse_args(argv)
    run_preset = preset(args.preset)
    rng = np.random.default_rng(args.seed)
    years = np.arange(1995, 1995 + args.years)
    data = simulate(draw_truth(rng, years, n_partners=args.partners), rng)
    spec = MirrorGap()

    import nutpie

    model = build_model(data, spec)
    free = [v.name for v in model.free_RVs]
    started = time.perf_counter()
    compiled = nutpie.compile_pymc_model(model)
    nutpie_compile = time.perf_counter() - started
    started = time.perf_counter()
    idata_nutpie = nutpie.sample(
        compiled,
        draws=run_preset.draws,
        tune=run_preset.tune,
        chains=CHAINS,
        cores=CORES,
        seed=args.seed,
        target_accept=run_preset.target_accept,
        adaptation=adaptation(data),
        progress_bar=False,
    )
    nutpie_sampling = time.perf_counter() - started

    model_pymc = build_model(data, spec)
    started = time.perf_counter()
    idata_pymc = pm.sample(
        model=model_pymc,
        draws=run_preset.draws,
        tune=run_preset.tune,
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
        _row("nutpie", idata_nutpie, free, nutpie_compile, nutpie_sampling),
        _row("pymc", idata_pymc, free, pymc_total - pymc_sampling, pymc_sampling),
    ]
    table = pd.DataFrame(rows)
    ratio = {
        "ess_u_per_s_sampling": rows[0]["ess_u_per_s_sampling"] / rows[1]["ess_u_per_s_sampling"],  # type: ignore[operator]
        "ess_u_per_s_with_compile": rows[0]["ess_u_per_s_with_compile"] / rows[1]["ess_u_per_s_with_compile"],  # type: ignore[operator]
        "ess_free_per_s_sampling": rows[0]["ess_free_per_s_sampling"] / rows[1]["ess_free_per_s_sampling"],  # type: ignore[operator]
    }
    args.out.mkdir(parents=True, exist_ok=True)
    result = {
        "command": "uv run python benchmarks/sampler_comparison.py " + " ".join(argv or sys.argv[1:]),
        "preset": vars(run_preset),
        "nutpie_adaptation": adaptation(data),
        "years": [int(years[0]), int(years[-1])],
        "partners": args.partners,
        "panel_pairs": len(data.pairs),
        "load_average": os.getloadavg(),
        "table": rows,
        "ratio_nutpie_over_pymc": ratio,
    }
    (args.out / "result.json").write_text(json.dumps(result, indent=2))
    sys.stdout.write(table.to_markdown(index=False) + "\n")
    sys.stdout.write(json.dumps({"ratio_nutpie_over_pymc": ratio, "load_average": os.getloadavg()}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
