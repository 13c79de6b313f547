"""``borderflows report`` and ``borderflows notebooks``: thin wrappers over :mod:`borderflows.report`."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from borderflows.cli import options
from borderflows.cli.common import EXIT_NOT_CITABLE, console, fail
from borderflows.exceptions import ConvergenceWarning, OptionError

if TYPE_CHECKING:
    from borderflows.report import ReportEvent


class ReportProgress:
    """Show :func:`borderflows.report.build_report`'s events on ``console``.

    On a terminal: a rich progress bar over the analyses whose label follows the steps of a refit
    (fit, tables, figures); while a refit samples, the bar makes way for the sampler's own bar. Piped
    or captured (CI logs, tests): one plain line per event, no cursor movement or colour codes.
    """

    def __init__(self, console: Console) -> None:
        self.console = console
        self.interactive = console.is_terminal
        self._bar = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            disable=not self.interactive,
        )
        self._task: TaskID | None = None
        self._paused = False

    def __enter__(self) -> ReportProgress:
        self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.stop()

    def print(self, text: str, style: str | None = None) -> None:
        """Print a line above the bar (or plainly when there is none)."""
        self._bar.console.print(text, style=style, highlight=False, soft_wrap=True)

    def update(self, event: ReportEvent) -> None:
        """Show one event (the ``on_event`` callback of ``build_report``)."""
        if self._task is None:
            self._task = self._bar.add_task("analyses", total=event.total)
        label = f"[{event.index}/{event.total}] {event.spec.analysis_id}"
        state = {"check": "checking", "reuse": "reused", "refit": "fitting", "done": "done"}.get(event.kind)
        self._bar.update(self._task, description=escape(f"{label}: {state or event.message}"))
        if event.kind == "check":
            self._log(f"{escape(label)}: checking inputs", style="dim")
        elif event.kind == "reuse":
            self.print(f"{escape(label)}: {escape(event.message)}")
        elif event.kind == "refit":
            self.print(f"{escape(label)}: [bold]{escape(event.message)}[/]: fitting, this can take minutes")
            if self.interactive:  # the sampler draws its own bar on the terminal: don't redraw over it
                self._bar.stop()
                self._paused = True
        elif event.kind == "step":
            self.print(f"  {escape(label)}: {escape(event.message)}", style="dim")
        elif event.kind == "done":
            self._bar.advance(self._task)
            if self._paused:
                self._bar.start()
                self._paused = False

    def _log(self, text: str, style: str | None = None) -> None:
        if not self.interactive:  # the bar's label shows it on a terminal
            self.print(text, style=style)


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
    if preset is not None:
        options.sampler_preset(preset)
    options.output_folder(out)
    if only:
        from borderflows.report.locate import discover_specs

        known = sorted(spec.analysis_id for spec in discover_specs())
        options.choices("--only", only, known, "analysis id")
    from borderflows.report import build_report, write_report

    with warnings.catch_warnings(), ReportProgress(console) as shown:
        # A failed convergence gate is news, not an error: one readable line each (the verdict follows).
        warnings.simplefilter("always", ConvergenceWarning)
        warnings.showwarning = lambda message, category, *_args, **_kwargs: shown.print(
            f"[yellow]warning ({category.__name__}):[/] {escape(str(message))}"
        )
        result = build_report(
            out,
            refit=refit,
            preset=preset,
            only=only,
            write_record=write_record,
            on_event=shown.update,
            sampler_progress=shown.interactive,
        )
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
    folder: Annotated[
        Path | None,
        typer.Option("--folder", help="Folder of NN_name.py notebook scripts. Default: the repository's notebooks/."),
    ] = None,
) -> None:
    """Execute the notebooks (jupytext scripts in notebooks/) and save them as .ipynb in --out."""
    options.sampler_preset(preset)
    options.output_folder(out)
    if timeout < 1:
        raise OptionError("--timeout", f"{timeout} is not a number of seconds", "give a whole number >= 1")
    from borderflows.notebooks import render_notebooks

    def started(script: Path) -> None:
        console.print(f"running {script.name} (preset {preset})", highlight=False)

    try:
        written = render_notebooks(out, preset=preset, only=only, folder=folder, timeout=timeout, on_start=started)
    except OptionError as error:
        raise error.renamed(f"--{error.option}") from None
    for notebook in written:
        console.print(f"wrote {notebook}", highlight=False)
