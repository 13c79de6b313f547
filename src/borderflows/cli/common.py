"""Helpers shared by the CLI command modules: one-line errors and the version flag."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer
from rich.console import Console

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
    error_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn any :class:`BorderflowsError` raised inside into one line and a non-zero exit."""
    try:
        yield
    except BorderflowsError as error:
        fail(str(error))
