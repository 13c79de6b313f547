"""``borderflows forecast SERIES``: forecast a bundled or user series with honest intervals."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from borderflows.cli import options
from borderflows.cli.common import console
from borderflows.config import DEFAULT_KIND
from borderflows.exceptions import DataValidationError, OptionError

if TYPE_CHECKING:
    from borderflows.data.yearly import YearlySeries

DEFAULT_PROBS = (0.8, 0.95)


def _load_series(name: str, kind: str) -> YearlySeries:
    """A CSV file (validated by :func:`borderflows.data.yearly_series`) or a bundled series."""
    from borderflows.data import series
    from borderflows.data.yearly import yearly_series

    path = Path(name)
    if path.suffix.lower() == ".csv" or path.exists():
        try:
            return yearly_series(path, name=path.stem, kind=kind)  # type: ignore[arg-type]  # checked by the caller
        except DataValidationError as error:  # say which file, whatever the check that failed
            problem = error.problem if str(path) in error.problem else f"{path}: {error.problem}"
            raise DataValidationError(problem, column=error.column, rows=error.rows, fix=error.fix) from None
    try:
        return series(name)
    except DataValidationError as error:
        raise OptionError("SERIES", f"{error.problem}: not a CSV file and not a bundled series", error.fix) from None


def _print_list() -> None:
    from borderflows.data import list_series
    from borderflows.forecast.registry import BUILTIN_NAMES

    table = Table(title="bundled series")
    for column in ("name", "kind", "years", "unit"):
        table.add_column(column)
    for row in list_series().itertuples():
        table.add_row(str(row.name), str(row.kind), f"{row.first_year}-{row.last_year}", str(row.unit))
    console.print(table)
    console.print("models: " + ", ".join(BUILTIN_NAMES) + "  (default: Default)")


def forecast(
    series: Annotated[
        str | None, typer.Argument(help="Bundled series name or a CSV file with year,value columns.")
    ] = None,
    horizon: Annotated[int, typer.Option("--horizon", min=1, max=30, help="Years to forecast.")] = 5,
    prob: Annotated[list[float] | None, typer.Option("--prob", help="Interval probability (repeatable).")] = None,
    kind: Annotated[str, typer.Option("--kind", help="Interval kind: eti or hdi.")] = DEFAULT_KIND,
    model: Annotated[str, typer.Option("--model", "-m", help="Forecaster name (see --list).")] = "Default",
    preset: Annotated[
        str | None,
        typer.Option("--preset", help="Sampler preset of a Bayesian model: fast or full (default full)."),
    ] = None,
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
    from borderflows.config import PRESETS
    from borderflows.data.yearly import SERIES_KINDS
    from borderflows.forecast.registry import BUILTIN_NAMES
    from borderflows.results.intervals import INTERVALS

    if series is None:
        raise OptionError("SERIES", "no series given", "give a bundled series name or a CSV path, or --list")
    probs = options.probabilities(prob, DEFAULT_PROBS)
    options.choice("--kind", kind, INTERVALS, "interval kind")
    options.choice("--model", model, BUILTIN_NAMES, "model")
    if preset is not None:
        options.choice("--preset", preset, PRESETS, "preset")
    options.choice("--series-kind", series_kind, SERIES_KINDS, "series kind")
    options.seed(seed)
    if out is not None:
        options.output_folder(out)
    data = _load_series(series, series_kind)

    import secrets

    from borderflows.forecast import backtest as bt
    from borderflows.forecast.outputs import forecast_table, safe_name, write_forecast
    from borderflows.forecast.registry import get, with_preset

    forecaster = with_preset(get(model), preset, option="--preset")  # Bayesian models: full unless told
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
