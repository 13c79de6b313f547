"""``borderflows data ...``: list and show the bundled datasets."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from borderflows.cli.common import console
from borderflows.exceptions import DataValidationError, OptionError

app = typer.Typer(help="Browse the curated datasets bundled with borderflows.", no_args_is_help=True)

FLAG_NOTES = {
    "derived_from_partner": "the IMF filled this cell from the partner's figure (x1.06 or x1.10): not an own report",
    "estimated": "IMF estimate (the ' e' mark in DOTS)",
    "ratio_repeats": "the mirror ratio repeats for 5+ years: one report computed from the other, not an own report",
    "misattributed": "partner attribution broken in the source (Kazakhstan-reported WITS/Comtrade 2020)",
    "inconsistent": "disagrees with the other sources for the same reporter (WITS 1998 imports)",
    "rounded": "printed rounded in the source",
    "partial_year": "covers part of the year only",
    "preliminary": "latest vintage, may be revised",
    "duplicate": "a rounded restatement of a more precise source's figure (not used twice)",
    "reporter_unstated": "the source does not say whose statistics it quotes",
}


def parse_years(text: str | None) -> list[int] | None:
    """``"1992-2020,2024"`` -> the listed years; ``None`` -> all years."""
    if not text:
        return None
    years: list[int] = []
    for part in text.replace(" ", "").split(","):
        try:
            if "-" in part:
                first, last = (int(p) for p in part.split("-", 1))
                if first > last:
                    raise OptionError("--years", f"{part!r} ends before it starts", f"write {last}-{first}")
                years.extend(range(first, last + 1))
            else:
                years.append(int(part))
        except ValueError:
            raise OptionError("--years", f"cannot read years {text!r}", "write years like 1992-2020,2024") from None
    return years


@app.command("list")
def list_command() -> None:
    """List the bundled datasets and yearly series."""
    from borderflows.data import list_datasets, list_series

    datasets, series = list_datasets(), list_series()
    table = Table(title="Bundled datasets", title_justify="left")
    for column in ("name", "title", "rows", "coverage", "file"):
        table.add_column(column, justify="right" if column == "rows" else "left")
    for row in datasets.to_dict("records"):
        table.add_row(str(row["name"]), str(row["title"]), f"{row['rows']:,}", str(row["coverage"]), str(row["file"]))
    console.print(table)
    table = Table(title="Yearly series (borderflows.data.series(name))", title_justify="left")
    for column in ("name", "unit", "kind", "years", "n"):
        table.add_column(column, justify="right" if column == "n" else "left")
    for row in series.to_dict("records"):
        years = f"{row['first_year']}-{row['last_year']}"
        table.add_row(str(row["name"]), str(row["unit"]), str(row["kind"]), years, str(row["n"]))
    console.print(table)


def _fmt(value: Any, digits: int = 1) -> str:
    import pandas as pd

    return "" if pd.isna(value) else f"{float(value):,.{digits}f}"


@app.command("show")
def show_command(
    exporter: Annotated[str, typer.Argument(help="Exporting country: ISO3 code or IMF name, e.g. CHN.")],
    importer: Annotated[str, typer.Argument(help="Importing country: ISO3 code or IMF name, e.g. KAZ.")],
    years: Annotated[
        str | None, typer.Option("--years", help="Years to show, e.g. 1992-2020,2024 (default: all).")
    ] = None,
    csv: Annotated[Path | None, typer.Option("--csv", help="Also write the table to this CSV file.")] = None,
) -> None:
    """Show both sides of a trade flow per year: exporter's exports vs importer's imports."""
    import pandas as pd

    from borderflows.data import SOURCE_PRIORITY, mirror_pair

    wanted = parse_years(years)
    pair = mirror_pair(exporter, importer, years=wanted)
    frame = pair.table
    obs = pair.observations
    defaults = obs[obs["is_default"]]
    flagged = defaults[defaults["flag"] != ""].set_index(["year", "flow"])["flag"]

    table = Table(
        title=f"Mirror trade {pair.exporter} -> {pair.importer}, USD million (default source per year)",
        title_justify="left",
    )
    table.add_column("year")
    table.add_column(f"exports by {pair.exporter} (FOB)", justify="right")
    table.add_column("source")
    table.add_column(f"imports by {pair.importer} (CIF)", justify="right")
    table.add_column("source")
    table.add_column("gap X-M", justify="right")
    table.add_column("ratio M/X", justify="right")
    table.add_column("flags")
    used_flags: set[str] = set()
    for row in frame.to_dict("records"):
        marks = []
        for flow in ("exports", "imports"):
            flag = str(flagged.get((row["year"], flow), ""))
            if flag:
                marks.append(f"{flow[0].upper()}: {flag}")
                used_flags.update(flag.split(";"))
        x_mark = "" if row["exports_usable"] or pd.isna(row["exports_reported"]) else "*"
        m_mark = "" if row["imports_usable"] or pd.isna(row["imports_reported"]) else "*"
        table.add_row(
            str(row["year"]),
            _fmt(row["exports_reported"]) + x_mark,
            str(row["exports_source"]),
            _fmt(row["imports_reported"]) + m_mark,
            str(row["imports_source"]),
            _fmt(row["gap_usd_m"]),
            _fmt(row["ratio"], 3),
            "; ".join(marks),
        )
    console.print(table)
    console.print(
        f"Default source per year and flow: the first usable of {', '.join(SOURCE_PRIORITY)}. "
        "* = no usable report that year: the value shown may not enter a likelihood."
    )
    for flag in sorted(used_flags):
        console.print(f"  {flag}: {FLAG_NOTES.get(flag, 'see data/README.md')}")
    others = len(obs) - int(obs["is_default"].sum())
    console.print(f"{others} further observations (other sources, turnovers) in borderflows.data.mirror_pair(...).")
    if csv is not None:
        try:
            frame.to_csv(csv, index=False)
        except OSError as error:
            raise DataValidationError(f"cannot write {csv}: {error.strerror}", fix="pick a writable path") from None
        console.print(f"Wrote {len(frame)} rows to {csv}")
