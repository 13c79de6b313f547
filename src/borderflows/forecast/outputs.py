"""Writing a forecast to disk: tidy tables (CSV, Markdown, LaTeX), a fan chart and a manifest.

Used by ``borderflows forecast`` (STYLE.md rule 9: the CLI only calls this) and by analyses of record.
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
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from borderflows.plotting.forecast import fan_chart

    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{safe_name(forecast.series.name)}_{safe_name(forecast.model)}"
    table = forecast_table(forecast, probs, kind)
    csv, md, tex = (out_dir / f"{stem}.{ext}" for ext in ("csv", "md", "tex"))
    table.to_csv(csv, index=False)
    caption = f"{forecast.series.name}: {forecast.model} forecast; " + ", ".join(describe(p, kind) for p in probs)
    md.write_text(f"{caption}\n\n{table.to_markdown(index=False, floatfmt='.4g')}\n", encoding="utf-8")
    tex.write_text(
        table.to_latex(index=False, float_format="%.4g", caption=caption, label=f"tab:{stem}"), encoding="utf-8"
    )
    fig, ax = plt.subplots(figsize=(7, 4))
    fan_chart(forecast, probs=probs, kind=kind, ax=ax)
    figure = out_dir / f"{stem}.png"
    fig.savefig(figure, dpi=120, bbox_inches="tight")
    plt.close(fig)
    backtest_csv = None
    if backtest is not None:
        backtest_csv = out_dir / f"{stem}_backtest.csv"
        backtest.table.to_csv(backtest_csv, index=False)
    manifest = Manifest(
        model_id=f"forecast/{forecast.model}",
        random_seed=random_seed,
        data_hash=data_hash(forecast.series.to_frame()),
        preset="n/a",
        citable=forecast.citable,
        extra={
            "series": forecast.series.name,
            "source": forecast.series.source,
            "horizon": forecast.horizon,
            "probs": list(probs),
            "kind": kind,
            "notes": list(forecast.notes),
        },
    ).write(out_dir / f"{stem}_manifest.json")
    return WrittenForecast(csv, md, tex, figure, manifest, backtest_csv)
