"""Helpers shared by the CLI command modules: one-line errors and the version flag."""

from __future__ import annotations

import sys
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from typer._click.exceptions import UsageError  # typer vendors click; the base of its usage errors
from typer.core import TyperGroup

from borderflows.exceptions import BorderflowsError

# Piped or captured output has no terminal width; rich would assume 80 columns and squeeze the mirror
# table into ellipses, so files and logs get a wide fixed width instead.
PIPED_WIDTH = 160
console = Console() if sys.stdout.isatty() else Console(width=PIPED_WIDTH)
error_console = Console(stderr=True) if sys.stderr.isatty() else Console(stderr=True, width=PIPED_WIDTH)

EXIT_USER_ERROR = 2
"""Exit status for bad input or a failed download: the message says what to do."""

EXIT_NOT_CITABLE = 3
"""Exit status under ``--strict`` when a result failed the diagnostics gate."""


def version_callback(value: bool) -> None:
    """Print the package version for ``--version`` and exit."""
    if value:
        from borderflows.results.manifest import package_version

        console.print(f"borderflows {package_version()}")
        raise typer.Exit()


def fail(message: str, code: int = EXIT_USER_ERROR) -> NoReturn:
    """Print one clear red line on stderr and exit non-zero."""
    line = " ".join(message.split())
    error_console.print(f"[bold red]error:[/] {escape(line)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


class OneLineErrors(TyperGroup):
    """The command group of ``borderflows``: every user error ends as one line on stderr and exit 2.

    A :class:`~borderflows.exceptions.BorderflowsError` raised by any command, or a usage error found
    while parsing a command's arguments (a missing argument, ``--seed abc``), is printed by
    :func:`fail` instead of a traceback or a boxed usage message.
    """

    def invoke(self, ctx: Any) -> Any:
        """Run the command, turning user errors into one line."""
        try:
            return super().invoke(ctx)
        except UsageError as error:
            path = error.ctx.command_path if error.ctx is not None else ctx.command_path
            fail(f"{error.format_message()} Fix: see `{path} --help`")
        except BorderflowsError as error:
            fail(str(error))
