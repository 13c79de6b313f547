"""The ``borderflows`` command line: thin wrappers over the library (STYLE.md rule 9).

Each command group lives in its own module and is registered here.
"""

from __future__ import annotations

import typer

from borderflows.cli.common import OneLineErrors, version_callback

app = typer.Typer(
    cls=OneLineErrors,
    name="borderflows",
    help="Unrecorded China-Kazakhstan trade, migration and FDI forecasts, with honest intervals.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=version_callback, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Unrecorded China-Kazakhstan trade, migration and FDI forecasts, with honest intervals."""


def _register() -> None:
    # The command modules import only typer, rich and pandas at module level; each command imports the
    # library (and PyMC) after checking its options, so that a wrong option fails in a second or two.
    from borderflows.cli import atlas_cmd, data_cmd, fetch_cmd, forecast_cmd, mirror_cmd, report_cmd

    app.add_typer(data_cmd.app, name="data")
    data_cmd.app.add_typer(fetch_cmd.app, name="fetch")
    app.command(name="forecast")(forecast_cmd.forecast)
    app.command(name="report")(report_cmd.report)
    app.command(name="notebooks")(report_cmd.notebooks)
    app.command(name="mirror")(mirror_cmd.mirror)
    app.command(name="mirror-world")(mirror_cmd.mirror_world)
    app.command(name="atlas")(atlas_cmd.atlas)


_register()

__all__ = ["app"]
