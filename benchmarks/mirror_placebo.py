"""Placebo suite and power study of the mirror model on real pairs (issue 10).

The pairs and the rule that chose them are in ``docs/placebo_rule.md`` (committed before any fit) and
``borderflows.mirror.placebo``. For each pair the model is fitted with default options to
``bf.data.mirror_pair(e, i, years=(1995, 2025))``; the latest year's 90% equal-tailed interval of u, the citable flag,
the verdict and the convergence gate are recorded. Power: on the reference (placebo) pairs a known share is removed from
the importer's reports from 2010 on (30% and 15%) and the pair is refitted.

Fits are appended to ``fits.csv`` in ``--out`` as they finish (a run cut by ``--minutes`` keeps what it did);
``summary.json`` holds the counts against the targets. Run on every pair with ``--preset full`` (and no ``--mode``
override) it also writes ``models/mirror_placebo/summary.json``, which the report reads.

Usage::

    uv run python benchmarks/mirror_placebo.py --list                      # the pairs the rule gives, no fit
    uv run python benchmarks/mirror_placebo.py                             # everything, full preset
    uv run python benchmarks/mirror_placebo.py --pairs USA-CAN,DEU-FRA --preset fast --no-power
    uv run python benchmarks/mirror_placebo.py --summarise --out benchmarks/_out/mirror_placebo
    uv run python benchmarks/mirror_placebo.py --drift-scale 0.5 --out benchmarks/_out/drift_0.5   # sensitivity

``--drift-scale F`` multiplies the world panel's per-year drift sd of every pair's mirror ratio by F, and
``--breakpoints 2010`` gives every fit a known break in u there (sensitivity studies of the power/false-alarm
trade-off, never a record).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pandas as pd

import borderflows as bf
from borderflows.data.mirror import MirrorPair, mirror_pair_from_observations
from borderflows.mirror import placebo
from borderflows.mirror.placebo import INJECTIONS, Injection
from borderflows.mirror.world import WorldPosterior, default_world, load_world

YEARS = (1995, 2025)
"""Years asked of ``mirror_pair`` (DOTS pairs end in 2020, China-Kazakhstan's bundled sources in 2025)."""

SEED = 20261201
"""Seed fixed in docs/placebo_rule.md."""

PROB = 0.9
RECORD = Path("models/mirror_placebo/summary.json")

ROW_COLUMNS = (
    "role",
    "group",
    "exporter",
    "importer",
    "injected",
    "year",
    "lower",
    "estimate",
    "upper",
    "prob",
    "kind",
    "citable",
    "gate_ok",
    "identified",
    "percentile",
    "verdict",
    "max_rhat",
    "min_ess_bulk",
    "divergences",
    "mode",
    "preset",
    "seconds",
)
"""Columns of ``fits.csv``: one row per fit, u's interval in its latest year."""


def inject(pair: MirrorPair, injection: Injection) -> MirrorPair:
    """The pair with ``injection.share`` removed from every importer report from ``injection.start`` on."""
    obs = pair.observations.drop(columns="is_default").copy()
    hit = (obs["flow"] == "imports") & (obs["year"] >= injection.start)
    obs.loc[hit, "value_usd_m"] = obs.loc[hit, "value_usd_m"] * (1.0 - injection.share)
    return mirror_pair_from_observations(pair.exporter, pair.importer, obs)


def latest_u(res: object, prob: float = PROB) -> pd.Series:
    """The last year's row of the fit's tidy interval table of u."""
    table = res.interval(prob=prob, kind="eti")  # type: ignore[attr-defined]
    u = table[table["quantity"] == "u"].sort_values("year")
    return u.iloc[-1]


def fit_row(
    spec: bf.mirror.MirrorGap,
    pair: MirrorPair,
    *,
    role: str,
    group: str,
    injected: float,
    seed: int,
    preset: str,
    world: WorldPosterior | None = None,
) -> dict[str, object]:
    """Fit one pair and return its :data:`ROW_COLUMNS` record (``world``: the committed one when ``None``)."""
    started = time.perf_counter()
    res = spec.fit(pair, random_seed=seed, preset=preset, world=world)
    seconds = time.perf_counter() - started
    last = latest_u(res)
    diagnostics = res.diagnostics
    return {
        "role": role,
        "group": group,
        "exporter": pair.exporter,
        "importer": pair.importer,
        "injected": injected,
        "year": int(last["year"]),
        "lower": float(last["lower"]),
        "estimate": float(last["estimate"]),
        "upper": float(last["upper"]),
        "prob": float(last["prob"]),
        "kind": str(last["kind"]),
        "citable": bool(res.citable),
        "gate_ok": bool(diagnostics.ok),
        "identified": bool(res.identification.identified),
        "percentile": res.percentile,
        "verdict": str(res.verdict).replace("\n", " "),
        "max_rhat": float(diagnostics.max_rhat),
        "min_ess_bulk": float(diagnostics.min_ess_bulk),
        "divergences": int(diagnostics.divergences),
        "mode": str(res.spec.mode),
        "preset": preset,
        "seconds": seconds,
    }


def schedule(pairs: pd.DataFrame, power: bool) -> list[tuple[str, str, str, str, Injection | None]]:
    """Fits in the order they run: placebo pairs, then regional and transit, then each injection on the placebos.

    A pair in both the regional and the transit group is fitted once (as regional) and reported in both.
    """
    jobs: list[tuple[str, str, str, str, Injection | None]] = []
    seen: set[tuple[str, str]] = set()
    for role in ("placebo", "regional", "transit"):
        for row in pairs[pairs["role"] == role].itertuples():
            key = (str(row.exporter), str(row.importer))
            if key in seen:
                continue
            seen.add(key)
            jobs.append((role, str(row.group), *key, None))
    if power:
        for injection in INJECTIONS:
            for row in pairs[pairs["role"] == "placebo"].itertuples():
                jobs.append(("power", str(row.group), str(row.exporter), str(row.importer), injection))
    return jobs


def run(
    pairs: pd.DataFrame,
    out: Path,
    *,
    spec: bf.mirror.MirrorGap,
    preset: str,
    seed: int,
    power: bool,
    deadline: float | None,
    progress: Callable[[str], None] | None = None,
    world: WorldPosterior | None = None,
) -> pd.DataFrame:
    """Fit every scheduled job, appending each row to ``out/fits.csv``; returns the rows of this run."""
    path = out / "fits.csv"
    rows = []
    for role, group, exporter, importer, injection in schedule(pairs, power):
        if deadline is not None and time.time() > deadline:
            break
        pair = bf.data.mirror_pair(exporter, importer, years=YEARS)
        if injection is not None:
            pair = inject(pair, injection)
        share = 0.0 if injection is None else injection.share
        row = fit_row(spec, pair, role=role, group=group, injected=share, seed=seed, preset=preset, world=world)
        pd.DataFrame([row], columns=list(ROW_COLUMNS)).to_csv(path, mode="a", header=not path.exists(), index=False)
        rows.append(row)
        if progress is not None:
            progress(
                f"{role:8s} {exporter}->{importer} injected {share:.2f}: u[{row['year']}] {row['estimate']:.3f} "
                f"({row['lower']:.3f}-{row['upper']:.3f}) citable {row['citable']} gate {row['gate_ok']} "
                f"{row['seconds']:.1f} s"
            )
    return pd.DataFrame(rows, columns=list(ROW_COLUMNS))


def summarise(fits: pd.DataFrame, pairs: pd.DataFrame) -> dict[str, object]:
    """Counts against the targets, plus the transit pairs' rows (what the model says there)."""
    unaltered = fits[fits["injected"] == 0.0]
    # A pair fitted once as regional is also a transit pair: report it in both groups.
    transit_pairs = pairs[pairs["role"] == "transit"]
    transit_keys = set(zip(transit_pairs["exporter"], transit_pairs["importer"], strict=True))
    keys = zip(unaltered["exporter"], unaltered["importer"], strict=True)
    transit = unaltered[[k in transit_keys for k in keys]]
    columns = [
        "exporter",
        "importer",
        "year",
        "lower",
        "estimate",
        "upper",
        "citable",
        "gate_ok",
        "percentile",
        "verdict",
    ]
    counts = placebo.placebo_counts(unaltered)
    power = placebo.power_counts(fits[fits["injected"] > 0])
    # Top-level scalars are what the report shows next to the sentence; the details follow.
    return {
        "sentence": placebo.sentence(counts, power),
        "preset": str(fits["preset"].iloc[0]) if "preset" in fits and len(fits) else "",
        "reference_pairs": counts.n_placebo,
        "lower_bound_at_most_5pct": counts.lower_at_most_5pct,
        "citable_at_10pct_or_more": len(counts.citable_loud),
        "gate_passes": f"{counts.gate_passes} of {counts.n_gate_pairs}",
        "placebo": counts.to_dict(),
        "power": [entry.to_dict() for entry in power],
        "transit": transit[columns].to_dict("records"),
        "regional": unaltered.loc[unaltered["role"] == "regional", columns].to_dict("records"),
        "fits": {"n": len(fits), "median_seconds": float(fits["seconds"].median()) if len(fits) else float("nan")},
    }


def _select(pairs: pd.DataFrame, spec: str | None) -> pd.DataFrame:
    if spec is None:
        return pairs
    wanted = {tuple(item.strip().upper().split("-")) for item in spec.split(",") if item.strip()}
    keys = list(zip(pairs["exporter"], pairs["importer"], strict=True))
    chosen = pairs[[k in wanted for k in keys]]
    unknown = wanted - set(keys)
    if unknown:
        raise SystemExit(f"--pairs: {sorted('-'.join(k) for k in unknown)} not in the study's pairs (see --list)")
    return chosen


def _model_hashes() -> dict[str, str]:
    """sha256 prefixes of the model's source files and of the world posterior's draws, to match results to code."""
    import hashlib

    import borderflows.mirror as mirror
    from borderflows.mirror.world import default_world_dir

    root = Path(mirror.__file__).parent
    files = {name: root / name for name in ("model.py", "inputs.py", "priors.py", "fitting.py", "world.py")}
    files["world_panel/draws.parquet"] = default_world_dir() / "draws.parquet"
    return {name: hashlib.sha256(path.read_bytes()).hexdigest()[:12] for name, path in files.items() if path.exists()}


def _load() -> list[float]:
    """1, 5 and 15 minute load averages (the machine is shared; timings depend on them)."""
    return [round(x, 2) for x in os.getloadavg()]


def markdown_table(fits: pd.DataFrame) -> str:
    """One line per fit: pair, injected share, latest year's u (90% interval), citable, gate, verdict."""
    lines = ["| role | pair | injected | year | u median (90% interval) | citable | gate | percentile | verdict |"]
    lines.append("|---|---|---|---|---|---|---|---|---|")
    for r in fits.itertuples():
        pct = "" if pd.isna(r.percentile) else f"{float(r.percentile):.0f}"
        lines.append(
            f"| {r.role} | {r.exporter}->{r.importer} | {100 * float(r.injected):.0f}% | {r.year} | "
            f"{100 * float(r.estimate):.1f}% ({100 * float(r.lower):.1f}-{100 * float(r.upper):.1f}) | "
            f"{'yes' if r.citable else 'no'} | {'pass' if r.gate_ok else 'fail'} | {pct} | {r.verdict} |"
        )
    return "\n".join(lines) + "\n"


def scaled_drift(world: WorldPosterior, factor: float) -> WorldPosterior:
    """``world`` with every size class's per-year drift sd multiplied by ``factor`` (sensitivity only)."""
    drift = replace(world.drift, per_year_sd=tuple(factor * sd for sd in world.drift.per_year_sd))
    return replace(world, drift=drift)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--list", action="store_true", help="print the pairs the rule gives and exit")
    parser.add_argument("--pairs", default=None, help="comma-separated subset, e.g. USA-CAN,DEU-FRA")
    parser.add_argument("--preset", default="full", help="sampler preset ('full' for the figures of record)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--no-power", action="store_true", help="skip the injected-shortfall refits")
    parser.add_argument("--mode", default=None, help="override the model's default mode (development only)")
    parser.add_argument(
        "--world", type=Path, default=None, help="a world posterior folder instead of the committed one"
    )
    parser.add_argument(
        "--drift-scale", type=float, default=1.0, help="multiply the world's pair drift sd (sensitivity, not a record)"
    )
    parser.add_argument(
        "--breakpoints", default="", help="comma-separated years of known breaks in u, e.g. 2010 (sensitivity)"
    )
    parser.add_argument("--minutes", type=float, default=None, help="stop starting new fits after this many minutes")
    parser.add_argument("--summarise", action="store_true", help="only re-summarise --out/fits.csv")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/_out/mirror_placebo"))
    args = parser.parse_args(argv)

    all_pairs = placebo.study_pairs(bf.data.dots_panel())
    if args.list:
        print(all_pairs.to_string(index=False))
        return 0
    pairs = _select(all_pairs[all_pairs["available"]], args.pairs)
    args.out.mkdir(parents=True, exist_ok=True)
    meta_path = args.out / "meta.json"
    if not args.summarise:
        (args.out / "fits.csv").unlink(missing_ok=True)
        options = {} if args.mode is None else {"mode": args.mode}
        if args.breakpoints:
            options["breakpoints"] = tuple(int(b) for b in args.breakpoints.split(","))
        spec = bf.mirror.MirrorGap(**options)
        started, started_wall = time.perf_counter(), time.gmtime()
        load_before, hashes = _load(), _model_hashes()
        deadline = None if args.minutes is None else time.time() + 60 * args.minutes
        world = None if args.world is None else load_world(args.world)
        if args.drift_scale != 1.0:
            world = scaled_drift(world or default_world(), args.drift_scale)
        run(
            pairs,
            args.out,
            spec=spec,
            preset=args.preset,
            seed=args.seed,
            power=not args.no_power,
            deadline=deadline,
            progress=lambda line: print(line, flush=True),
            world=world,
        )
        meta = {
            "command": "uv run python benchmarks/mirror_placebo.py " + " ".join(sys.argv[1:] if argv is None else argv),
            "preset": args.preset,
            "seed": args.seed,
            "mode_override": args.mode,
            "world": "committed" if args.world is None else str(args.world),
            "drift_scale": args.drift_scale,
            "breakpoints": args.breakpoints,
            "spec": repr(spec),
            "started_utc": time.strftime("%Y-%m-%d %H:%M:%S", started_wall),
            "total_seconds": time.perf_counter() - started,
            "loadavg_before": load_before,
            "loadavg_after": _load(),
            "requested_pairs": len(pairs),
            "model_files_sha256": hashes,
            "power": not args.no_power,
            "python": platform.python_version(),
        }
        meta_path.write_text(json.dumps(meta, indent=2))
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    fits = pd.read_csv(args.out / "fits.csv")
    summary = {"meta": meta, **summarise(fits, pairs)}
    text = json.dumps(summary, indent=2, default=str)
    (args.out / "summary.json").write_text(text)
    (args.out / "fits.md").write_text(markdown_table(fits))
    complete = len(fits) == len(schedule(all_pairs[all_pairs["available"]], power=True))
    of_record = meta.get("preset") == "full" and meta.get("mode_override") is None and meta.get("world") == "committed"
    of_record = of_record and meta.get("drift_scale", 1.0) == 1.0 and not meta.get("breakpoints")
    if complete and args.pairs is None and of_record:
        RECORD.parent.mkdir(parents=True, exist_ok=True)
        RECORD.write_text(text)
        fits.to_csv(RECORD.parent / "fits.csv", index=False)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
