"""``borderflows forecast SERIES``: forecast a bundled or user series with honest intervals."""

from __future__ import annotations

import importlib
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.table import Table

from borderflows.cli.common import console, fail, user_errors
from borderflows.config import DEFAULT_KIND
from borderflows.data.yearly import SeriesKind, YearlySeries, yearly_series


def _data_function(name: str) -> Callable[..., Any] | None:
    """A function of ``borderflows.data`` (built by the data layer), or ``None`` if this build lacks it."""
    function: Callable[..., Any] | None = getattr(importlib.import_module("borderflows.data"), name, None)
    return function


def _bundled_series() -> pd.DataFrame:
    list_series = _data_function("list_series")
    if list_series is None:  # the bundled series are not available in this build
        return pd.DataFrame(columns=["name", "kind", "first_year", "last_year", "unit"])
    frame: pd.DataFrame = list_series()
    return frame


def _load_series(spec: str, kind: SeriesKind) -> YearlySeries:
    path = Path(spec)
    if path.suffix.lower() == ".csv" or path.exists():
        return yearly_series(path, name=path.stem, kind=kind)
    loader = _data_function("series")
    if loader is None or spec not in set(_bundled_series()["name"]):
        fail(f"unknown series {spec!r}: not a CSV file and not a bundled series (see `borderflows forecast --list`)")
    series: YearlySeries = loader(spec)
    return series


def _print_list() -> None:
    from borderflows.forecast.registry import available

    table = Table(title="bundled series")
    for column in ("name", "kind", "years", "unit"):
        table.add_column(column)
    bundled = _bundled_series()
    if len(bundled):
        for row in bundled.itertuples():
            table.add_row(str(row.name), str(row.kind), f"{row.first_year}-{row.last_year}", str(row.unit))
        console.print(table)
    else:
        console.print("no bundled series in this build; pass a CSV with year,value columns")
    console.print("models: " + ", ".join(available()) + "  (default: Default)")


def forecast(
    series: Annotated[
        str | None, typer.Argument(help="Bundled series name or a CSV file with year,value columns.")
    ] = None,
    horizon: Annotated[int, typer.Option("--horizon", min=1, max=30, help="Years to forecast.")] = 5,
    prob: Annotated[list[float] | None, typer.Option("--prob", help="Interval probability (repeatable).")] = None,
    kind: Annotated[str, typer.Option("--kind", help="Interval kind: eti or hdi.")] = DEFAULT_KIND,
    model: Annotated[str, typer.Option("--model", "-m", help="Forecaster name (see --list).")] = "Default",
    series_kind: Annotated[
        str, typer.Option("--series-kind", help="For CSV input: count, positive or signed.")
    ] = "positive",
    backtest: Annotated[bool, typer.Option("--backtest", help="Also run a rolling-origin backtest.")] = False,
    out: Annotated[Path | None, typer.Option("--out", help="Output folder (default: ./forecasts/<series>).")] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed (recorded in the manifest).")] = None,
    list_: Annotated[bool, typer.Option("--list", help="List bundled series and models, then exit.")] = False,
) -> None:
    """Forecast SERIES and write tables (CSV, Markdown, LaTeX), a fan chart and a manifest."""
    if list_:
        _print_list()
        return
    if series is None:
        fail("give a SERIES (bundled name or CSV path), or --list")
    probs = prob or [0.8, 0.95]
    with user_errors():
        from borderflows.forecast import backtest as bt
        from borderflows.forecast.outputs import forecast_table, safe_name, write_forecast
        from borderflows.forecast.registry import get
        from borderflows.results.intervals import INTERVALS

        if kind not in INTERVALS:
            fail(f"unknown interval kind {kind!r}; use one of {', '.join(INTERVALS)}")
        if any(not 0 < p < 1 for p in probs):
            fail("--prob must lie strictly between 0 and 1 (0.8 means 80%)")
        if series_kind not in ("count", "positive", "signed"):
            fail("--series-kind must be count, positive or signed")
        data = _load_series(series, series_kind)  # type: ignore[arg-type]  # checked just above
        forecaster = get(model)
        random_seed = seed if seed is not None else secrets.randbelow(2**31)
        result = forecaster.fit(data, random_seed=random_seed).forecast(horizon)
        scores = bt.backtest(forecaster, data, horizon=horizon, probs=probs, kind=kind) if backtest else None
        folder = out if out is not None else Path("forecasts") / safe_name(data.name)
        written = write_forecast(result, folder, probs=probs, kind=kind, random_seed=random_seed, backtest=scores)

    table = forecast_table(result, probs, kind)
    view = Table(title=f"{data.name}: {result.model} forecast (seed {random_seed})")
    for column in ("year", "estimate", "lower", "upper", "prob", "kind"):
        view.add_column(column, justify="right")
    for row in table.itertuples():
        bounds = (f"{row.estimate:.4g}", f"{row.lower:.4g}", f"{row.upper:.4g}")
        view.add_row(str(row.year), *bounds, f"{row.prob:g}", str(row.kind))
    console.print(view)
    for note in result.notes:
        console.print(f"note: {note}")
    if scores is not None:
        console.print(scores.table.to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    if not result.citable:
        console.print("[bold yellow]warning:[/] the fit failed its diagnostics gate; do not cite these numbers")
    console.print("wrote " + ", ".join(str(p) for p in written.paths))
