"""Writing a forecast to disk: tidy tables (CSV, Markdown, LaTeX), a fan chart and a manifest.

Used by ``borderflows forecast`` (STYLE.md rule 9: the CLI only calls this); the files are written by
:func:`borderflows.results.record.write_record`, like every record.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from borderflows.config import DEFAULT_KIND
from borderflows.forecast.backtest import Backtest
from borderflows.forecast.results import Forecast
from borderflows.results.intervals import describe
from borderflows.results.manifest import Manifest, data_hash
from borderflows.results.record import RecordFigure, RecordTable, write_record

TABLE_COLUMNS = ("series", "model", "year", "horizon", "estimate", "lower", "upper", "prob", "kind", "citable")


def forecast_table(forecast: Forecast, probs: Sequence[float], kind: str = DEFAULT_KIND) -> pd.DataFrame:
    """Tidy interval table for several probabilities (columns :data:`TABLE_COLUMNS`)."""
    return forecast.intervals(tuple(probs), kind)[list(TABLE_COLUMNS)]


def safe_name(name: str) -> str:
    """A file-system friendly version of a series name."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "series"


@dataclass(frozen=True)
class WrittenForecast:
    """Paths of the files :func:`write_forecast` produced."""

    table_csv: Path
    table_md: Path
    table_tex: Path
    figure: Path
    manifest: Path
    backtest_csv: Path | None = None

    @property
    def paths(self) -> list[Path]:
        """All written files."""
        files = [self.table_csv, self.table_md, self.table_tex, self.figure, self.manifest]
        return files + ([self.backtest_csv] if self.backtest_csv else [])


@dataclass(frozen=True)
class ForecastFiles:
    """One forecast as a record (a :class:`~borderflows.results.record.Recordable`): table, fan chart, manifest."""

    forecast: Forecast
    probs: tuple[float, ...]
    kind: str
    random_seed: int
    backtest: Backtest | None = None

    @property
    def stem(self) -> str:
        """``<series>_<model>``: the files of several forecasts can share a folder."""
        return f"{safe_name(self.forecast.series.name)}_{safe_name(self.forecast.model)}"

    def record_tables(self) -> dict[str, RecordTable]:
        """The interval table (CSV, Markdown, LaTeX) and the backtest's summary (CSV), if any."""
        caption = f"{self.forecast.series.name}: {self.forecast.model} forecast; " + ", ".join(
            describe(p, self.kind) for p in self.probs
        )
        tables = {
            self.stem: RecordTable(
                forecast_table(self.forecast, self.probs, self.kind),
                formats=("csv", "md", "tex"),
                caption=caption,
                floatfmt=".4g",
            )
        }
        if self.backtest is not None:
            tables[f"{self.stem}_backtest"] = RecordTable(self.backtest.table, formats=("csv",))
        return tables

    def record_figures(self) -> dict[str, RecordFigure]:
        """The fan chart."""
        from matplotlib.figure import Figure

        figure = Figure(figsize=(7, 4))
        self.forecast.plot(probs=self.probs, kind=self.kind, ax=figure.subplots())
        return {"fan": RecordFigure(figure, self.stem)}

    def record_diagnostics(self) -> dict[str, dict[str, object]]:
        """None: the forecast's own notes say whether it may be cited."""
        return {}

    def record_manifest(self) -> Manifest:
        """Model, seed, data hash and the options of the table."""
        return Manifest(
            model_id=f"forecast/{self.forecast.model}",
            random_seed=self.random_seed,
            data_hash=data_hash(self.forecast.series.to_frame()),
            preset=self.forecast.preset or "n/a",
            citable=self.forecast.citable,
            extra={
                "series": self.forecast.series.name,
                "source": self.forecast.series.source,
                "horizon": self.forecast.horizon,
                "probs": list(self.probs),
                "kind": self.kind,
                "notes": list(self.forecast.notes),
            },
        )


def write_forecast(
    forecast: Forecast,
    out_dir: Path,
    *,
    probs: Sequence[float],
    kind: str = DEFAULT_KIND,
    random_seed: int,
    backtest: Backtest | None = None,
) -> WrittenForecast:
    """Write the interval table in three formats, the fan chart (PNG) and a manifest into ``out_dir``.

    Parameters
    ----------
    forecast
        The forecast to write.
    out_dir
        Folder, created if needed.
    probs, kind
        Intervals in the tables and the chart.
    random_seed
        Seed recorded in the manifest.
    backtest
        Optional backtest whose summary is written next to the forecast.
    """
    record = ForecastFiles(forecast, tuple(probs), kind, random_seed, backtest)
    write_record(record, out_dir, prefix=f"{record.stem}_")
    stem = out_dir / record.stem
    return WrittenForecast(
        table_csv=Path(f"{stem}.csv"),
        table_md=Path(f"{stem}.md"),
        table_tex=Path(f"{stem}.tex"),
        figure=Path(f"{stem}.png"),
        manifest=Path(f"{stem}_manifest.json"),
        backtest_csv=Path(f"{stem}_backtest.csv") if backtest is not None else None,
    )
