"""``borderflows report`` and ``borderflows notebooks``: thin wrappers over :mod:`borderflows.report`."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Annotated

import typer

from borderflows.cli.common import EXIT_NOT_CITABLE, console, fail, user_errors
from borderflows.exceptions import ConvergenceWarning


def report(
    out: Annotated[Path, typer.Option("--out", help="Folder for report.html, report.md and figures.")] = Path(
        "borderflows-report"
    ),
    refit: Annotated[bool, typer.Option("--refit", help="Refit every analysis, even current ones.")] = False,
    preset: Annotated[
        str | None,
        typer.Option("--preset", help="Sampler preset for refits: fast (quick look) or full. Default: each spec's."),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help=f"Exit {EXIT_NOT_CITABLE} if any result is not citable.")
    ] = False,
    only: Annotated[list[str] | None, typer.Option("--only", help="Analysis id to include (repeatable).")] = None,
    write_record: Annotated[
        bool, typer.Option("--write-record", help="Maintainers: write refits over the committed outputs in models/.")
    ] = False,
) -> None:
    """Run the analyses of record (reusing current committed outputs) and write the report."""
    from borderflows.report import ReportEvent, build_report, write_report

    def show(event: ReportEvent) -> None:
        step = f"[{event.index}/{event.total}]"
        if event.kind == "refit":
            console.print(f"{step} [bold]{event.message}[/]: fitting, this can take minutes", highlight=False)
        elif event.kind == "reuse":
            console.print(f"{step} {event.spec.analysis_id}: {event.message}", highlight=False)
        elif event.kind == "check":
            console.print(f"{step} {event.message}", style="dim", highlight=False)

    with user_errors(), warnings.catch_warnings():
        # A failed convergence gate is news, not an error: one readable line each (the verdict follows).
        warnings.simplefilter("always", ConvergenceWarning)
        warnings.showwarning = lambda message, category, *_args, **_kwargs: console.print(
            f"[yellow]warning ({category.__name__}):[/] {message}", highlight=False, soft_wrap=True
        )
        result = build_report(out, refit=refit, preset=preset, only=only, write_record=write_record, on_event=show)
        html, markdown = write_report(result, out)
    for entry in result.entries:
        verdict = (
            "[green]citable[/]"
            if entry.output.citable
            else "[bold red]NOT citable[/]: " + "; ".join(entry.output.reasons)
        )
        console.print(f"{entry.spec.analysis_id}: {verdict}", highlight=False)
        for sentence in entry.output.headlines:
            console.print(f"  {sentence}", highlight=False, soft_wrap=True)
    console.print(f"wrote {html} and {markdown}", highlight=False)
    if strict and not result.citable:
        fail("some results are not citable (see above)", code=EXIT_NOT_CITABLE)


def notebooks(
    out: Annotated[Path, typer.Option("--out", help="Folder for the executed notebooks.")] = Path(
        "borderflows-notebooks"
    ),
    preset: Annotated[str, typer.Option("--preset", help="Preset injected into each notebook's parameters.")] = "full",
    only: Annotated[
        list[str] | None, typer.Option("--only", help="Notebook name or number, e.g. 02 (repeatable).")
    ] = None,
    timeout: Annotated[int, typer.Option("--timeout", help="Seconds allowed per cell.")] = 3600,
) -> None:
    """Execute the notebooks (jupytext scripts in notebooks/) and save them as .ipynb in --out."""
    from borderflows.notebooks import render_notebooks

    with user_errors():
        for script in render_notebooks(
            out, preset=preset, only=only, timeout=timeout, on_start=lambda path: console.print(f"running {path.name}")
        ):
            console.print(f"wrote {script}", highlight=False)
