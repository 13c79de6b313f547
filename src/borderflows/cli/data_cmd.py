"""``borderflows data ...``: list and show the bundled datasets."""

from __future__ import annotations

import typer

app = typer.Typer(help="Browse the curated datasets bundled with borderflows.", no_args_is_help=True)
