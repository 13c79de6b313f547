"""``borderflows data fetch ...``: download from UN Comtrade, the World Bank (WDI) and the IMF (IMTS).

Thin wrappers over :mod:`borderflows.fetch`: each command downloads (or reads the cache), prints a
short summary and the provenance of every request, and writes the tidy table to ``--out``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer
from rich.table import Table

from borderflows.cli import options
from borderflows.cli.common import console
from borderflows.cli.data_cmd import parse_years

if TYPE_CHECKING:
    from borderflows.fetch.base import Fetched

app = typer.Typer(
    help="Download fresh data (UN Comtrade, World Bank WDI, IMF IMTS) into the local cache.", no_args_is_help=True
)

Years = Annotated[str | None, typer.Option("--years", help="Years, e.g. 2015-2024 or 2019,2021-2023.")]
Out = Annotated[Path | None, typer.Option("--out", help="Write the tidy table to this CSV file.")]
Refresh = Annotated[bool, typer.Option("--refresh", help="Download again even if the request is cached.")]


def _report(fetched: Fetched, out: Path | None) -> None:
    data = fetched.data
    cached = sum(fetched.from_cache)
    years = f"{data['year'].min()}-{data['year'].max()}" if len(data) else "no years"
    console.print(
        f"{fetched.source}: {len(data)} rows, {years}; {len(fetched.entries)} request(s), {cached} from the cache",
        soft_wrap=True,
    )
    table = Table(title="provenance (flag: fetched)", show_lines=False)
    for column in ("retrieved_at", "source_version", "client", "cached"):
        table.add_column(column)
    for entry, from_cache in zip(fetched.entries, fetched.from_cache, strict=True):
        table.add_row(entry.retrieved_at, entry.source_version, entry.client, "yes" if from_cache else "no")
    console.print(table)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        data.to_csv(out, index=False)
        console.print(f"wrote {out}", soft_wrap=True)


@app.command("comtrade")
def comtrade_command(
    reporter: Annotated[str, typer.Argument(help="ISO3 code (or numeric Comtrade code), e.g. CHN.")],
    partner: Annotated[str, typer.Argument(help="ISO3 code (or numeric Comtrade code), e.g. KAZ.")],
    years: Years = None,
    level: Annotated[str, typer.Option("--level", help="total (all goods) or hs2 (HS chapters).")] = "total",
    preview: Annotated[
        bool, typer.Option("--preview", help="Use the keyless public preview endpoint (500 records per call).")
    ] = False,
    refresh: Refresh = False,
    out: Out = None,
) -> None:
    """UN Comtrade: both countries' reports about each other, exports and imports.

    Needs an API key in COMTRADE_API_KEY (free at https://comtradedeveloper.un.org), or --preview.
    """
    options.choice("--level", level, ("total", "hs2"), "level")
    wanted = parse_years(years)
    from borderflows.fetch.comtrade import Level, fetch_comtrade

    fetched = fetch_comtrade(
        reporter,
        partner,
        wanted,
        level=cast("Level", level),  # checked above
        preview=preview,
        refresh=refresh,
    )
    _report(fetched, out)


@app.command("wdi")
def wdi_command(
    indicators: Annotated[list[str], typer.Argument(help="WDI codes, e.g. BX.KLT.DINV.CD.WD SM.POP.NETM.")],
    economies: Annotated[str, typer.Option("--economies", help="Comma-separated ISO3 codes.")] = "KAZ,CHN",
    years: Years = None,
    refresh: Refresh = False,
    out: Out = None,
) -> None:
    """World Bank World Development Indicators (e.g. FDI net inflows, net migration)."""
    from borderflows.fetch.wdi import fetch_wdi

    fetched = fetch_wdi(indicators, economies.split(","), parse_years(years), refresh=refresh)
    _report(fetched, out)


@app.command("imf")
def imf_command(
    reporters: Annotated[list[str], typer.Argument(help="ISO3 codes of the reporting countries, e.g. CHN KAZ.")],
    partners: Annotated[
        str | None, typer.Option("--partners", help="Comma-separated ISO3 codes (default: the reporters).")
    ] = None,
    years: Years = None,
    refresh: Refresh = False,
    out: Out = None,
) -> None:
    """IMF International Trade in Goods (IMTS, successor of DOTS): exports FOB and imports CIF."""
    codes = options.countries(reporters, "REPORTERS")
    others = options.countries(partners.split(","), "--partners") if partners else None
    wanted = parse_years(years)
    from borderflows.fetch.imf import fetch_imf_imts

    fetched = fetch_imf_imts(codes, others, wanted, refresh=refresh)
    _report(fetched, out)


@app.command("cache")
def cache_command(
    clear: Annotated[bool, typer.Option("--clear", help="Delete the cached downloads.")] = False,
) -> None:
    """List (or clear) the cached downloads, with request, retrieval time and source version."""
    from borderflows.fetch.cache import FetchCache

    cache = FetchCache()
    if clear:
        console.print(f"removed {cache.clear()} cached download(s) from {cache.root}", soft_wrap=True)
        return
    frame = cache.to_frame()
    console.print(f"{len(frame)} cached download(s) in {cache.root}", soft_wrap=True)
    if len(frame):
        table = Table()
        for column in ("source", "retrieved_at", "source_version", "records", "request"):
            table.add_column(column)
        for row in frame.astype(str).itertuples():
            table.add_row(
                str(row.source), str(row.retrieved_at), str(row.source_version), str(row.records), str(row.request)
            )
        console.print(table)
