"""``borderflows atlas``: the mirror model on every pair of the world panel, on Dask distributed."""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path
from typing import Annotated

import typer

from borderflows.cli import options
from borderflows.cli.common import console, error_console
from borderflows.exceptions import OptionError

SCHEDULER = re.compile(r"^(tcp|tls|inproc|ws|wss)://\S+$|^[\w.-]+:\d+$")


def atlas(
    out: Annotated[Path, typer.Option(help="Output folder of the Parquet dataset (resumable).")] = Path("atlas_out"),
    pairs: Annotated[
        Path | None, typer.Option("--pairs", help="CSV with columns exporter,importer: fit these pairs only.")
    ] = None,
    exporters: Annotated[
        list[str] | None, typer.Option("--exporters", help="Keep pairs with these exporters (repeatable).")
    ] = None,
    importers: Annotated[
        list[str] | None, typer.Option("--importers", help="Keep pairs with these importers (repeatable).")
    ] = None,
    limit: Annotated[int | None, typer.Option(help="Fit only the first N pairs (largest flows first).")] = None,
    workers: Annotated[int, typer.Option(help="Worker processes of the local Dask cluster.")] = 2,
    scheduler: Annotated[
        str | None, typer.Option(help="Address of an existing Dask scheduler, e.g. tcp://10.0.0.5:8786.")
    ] = None,
    preset: Annotated[str, typer.Option(help="fast (smoke runs) or full (results of record).")] = "full",
    seed: Annotated[int, typer.Option(help="Atlas seed; each pair's seed is derived from it and its codes.")] = 2024,
    force: Annotated[bool, typer.Option(help="Refit pairs already stored with the same inputs and seed.")] = False,
) -> None:
    """Fit the mirror model to every world-panel pair (>= 10 years, median >= $10m) or a subset; write Parquet."""
    options.sampler_preset(preset)
    options.seed(seed)
    options.output_folder(out)
    if workers < 1:
        raise OptionError("--workers", f"{workers} is not a number of workers", "give 1 or more, e.g. --workers 2")
    if limit is not None and limit < 1:
        raise OptionError("--limit", f"{limit} is not a number of pairs", "give a positive integer, e.g. --limit 50")
    if scheduler is not None and not SCHEDULER.match(scheduler):
        raise OptionError("--scheduler", f"{scheduler!r} is not a scheduler address", "give e.g. tcp://10.0.0.5:8786")
    if pairs is not None and not pairs.is_file():
        raise OptionError("--pairs", f"{pairs} does not exist", "give a CSV file with columns exporter, importer")
    wanted_exporters = options.countries(_split(exporters), "--exporters")
    wanted_importers = options.countries(_split(importers), "--importers")

    from borderflows.atlas import run_atlas, select_pairs

    chosen = select_pairs(pairs_file=pairs, exporters=wanted_exporters, importers=wanted_importers, limit=limit)
    console.print(f"atlas: {len(chosen)} pairs, preset {preset}, seed {seed}, into {out}")
    logging.getLogger("borderflows.atlas").setLevel(logging.INFO)
    if sys.stderr.isatty():
        run = _with_bar(chosen, out, workers, scheduler, preset, seed, force)
    else:
        logging.basicConfig(stream=sys.stderr, format="%(asctime)s %(message)s", level=logging.WARNING)
        run = run_atlas(chosen, out, workers=workers, scheduler=scheduler, preset=preset, seed=seed, force=force)
    summary = run.summary
    ok = summary[summary["status"] == "ok"]
    console.print(
        f"{run.fitted} fitted, {run.skipped} already stored, {run.failed} failed in {run.seconds:.0f} s "
        f"({run.pairs_per_second:.3f} pairs/s on {run.workers} workers); {int(ok['citable'].sum())} of {len(ok)} "
        f"stored pairs citable; wrote {out}/years, {out}/summary.parquet and {out}/summary.csv"
    )


def _split(values: list[str] | None) -> list[str]:
    """Codes given repeatedly or comma-separated."""
    return [code.strip() for value in values or () for code in value.split(",") if code.strip()]


def _with_bar(chosen, out, workers, scheduler, preset, seed, force):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from borderflows.atlas import run_atlas

    with Progress(
        TextColumn("atlas"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[failed]} failed"),
        TimeRemainingColumn(),
        console=error_console,
    ) as bar:
        task = bar.add_task("fit", total=len(chosen), failed=0)

        def show(progress):
            bar.update(task, completed=progress.done, total=progress.total, failed=progress.failed)

        return run_atlas(
            chosen, out, workers=workers, scheduler=scheduler, preset=preset, seed=seed, force=force, on_progress=show
        )
