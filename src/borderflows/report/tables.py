"""The report's tables: the compact wide table a paper can use, and every record table as CSV and LaTeX files.

The compact tables put a median and its interval in one cell ("50% [42%, 57%]"), one row per year, so
that they fit the page; the long tidy tables of record go to files next to the report
(``tables/<analysis>/<name>.csv`` and ``.tex``, booktabs) that the appendix links.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from borderflows.data.countries import short_name
from borderflows.report.record import ForecastRecord, MirrorYears, SeriesFacts
from borderflows.results.intervals import describe

MAX_MAIN_ROWS = 40
"""No table in the report's main body has more rows; longer ones are thinned (and say so) or linked."""

TABLES_DIR = "tables"
"""Sub-folder of the report's output folder holding the table files."""


@dataclass(frozen=True)
class Table:
    """A table as the report shows it, with the files that hold it.

    Attributes
    ----------
    name
        Short name (also the file stem).
    shown
        The formatted cells, as the page shows them.
    note
        What the intervals are and what was left out, for the line under the table.
    csv, tex
        Files written next to the report (paths relative to the report's folder).
    rows
        Rows in the full table (the CSV).
    """

    name: str
    shown: pd.DataFrame
    note: str
    csv: str
    tex: str
    rows: int


def usd_m(value: float) -> str:
    """USD million for a table cell: thousands separated, one decimal below 100, a dash when missing."""
    if not math.isfinite(value):
        return "–"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}"


def percent(value: float) -> str:
    """A share in [0, 1] as a percentage, one decimal below 1%."""
    return f"{value:.0%}" if abs(value) >= 0.01 else f"{value:.1%}"


def rounded(value: float) -> str:
    """A forecast value rounded as the headlines round it: hundreds, thousands from 100,000, decimals below 10."""
    magnitude = abs(value)
    if not math.isfinite(value):
        return "–"
    if magnitude >= 1000:
        return f"{round(value, -2 if magnitude < 100_000 else -3):,.0f}"
    return f"{value:,.0f}" if magnitude >= 10 else f"{value:,.1f}"


def _cell(estimate: float, lower: float, upper: float, fmt: Callable[[float], str]) -> str:
    return f"{fmt(estimate)} [{fmt(lower)}, {fmt(upper)}]"


def mirror_table(years: MirrorYears, prob: float, kind: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Year | exporter's report | importer's report | share [interval] | unrecorded USD m [interval].

    Returns
    -------
    numbers, shown
        The numeric wide table (for the CSV) and its formatted twin (for the page and LaTeX).
    """
    exporter, importer = short_name(years.exporter), short_name(years.importer)
    share = years.share[(years.share["prob"] == prob) & (years.share["kind"] == kind)].set_index("year")
    usd = years.unrecorded[(years.unrecorded["prob"] == prob) & (years.unrecorded["kind"] == kind)]
    usd = usd.set_index("year")
    numbers = years.reported.set_index("year").join(
        share[["estimate", "lower", "upper"]].add_prefix("share_"), how="inner"
    )
    if not usd.empty:
        numbers = numbers.join(usd[["estimate", "lower", "upper"]].add_prefix("unrecorded_usd_m_"))
    numbers = numbers.reset_index().assign(prob=prob, kind=kind)
    label = f"{prob:.0%} interval"
    shown = pd.DataFrame(
        {
            "year": numbers["year"].astype(int).astype(str),
            f"{exporter}'s report (USD m)": numbers["exports_reported_usd_m"].map(usd_m),
            f"{importer}'s report (USD m)": numbers["imports_reported_usd_m"].map(usd_m),
            f"share missing, median [{label}]": [
                _cell(e, lo, hi, percent)
                for e, lo, hi in numbers[["share_estimate", "share_lower", "share_upper"]].itertuples(index=False)
            ],
        }
    )
    if "unrecorded_usd_m_estimate" in numbers:
        columns = ["unrecorded_usd_m_estimate", "unrecorded_usd_m_lower", "unrecorded_usd_m_upper"]
        shown[f"unrecorded (USD m), median [{label}]"] = [
            _cell(e, lo, hi, usd_m) for e, lo, hi in numbers[columns].itertuples(index=False)
        ]
    return numbers, shown


def forecast_table(record: ForecastRecord, facts: dict[str, SeriesFacts]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Series | year | median | one column per recorded interval probability ("[lower, upper]").

    Returns
    -------
    numbers, shown
        The numeric wide table (for the CSV) and its formatted twin, the series named once per group.
    """
    frame = record.intervals
    probs = sorted({float(p) for p in frame["prob"]})
    keys = ["series", "model", "year"]
    numbers = frame[frame["prob"] == probs[0]][[*keys, "estimate"]].rename(columns={"estimate": "median"})
    for prob in probs:
        part = frame[frame["prob"] == prob][[*keys, "lower", "upper"]]
        numbers = numbers.merge(part.rename(columns={c: f"{c}_{prob:g}" for c in ("lower", "upper")}), on=keys)
    numbers = numbers.assign(kind=str(frame["kind"].iloc[0]) if len(frame) else "")
    labels = []
    for index, name in enumerate(numbers["series"]):
        fact = facts.get(name)
        unit = f" ({fact.unit})" if fact is not None and fact.unit else ""
        first = index == 0 or numbers["series"].iloc[index - 1] != name
        labels.append(f"{fact.title if fact else name}{unit}" if first else "")
    shown = pd.DataFrame({"series": labels, "year": numbers["year"].astype(int).astype(str)})
    shown["median"] = numbers["median"].map(rounded)
    for prob in probs:
        bounds = numbers[[f"lower_{prob:g}", f"upper_{prob:g}"]].itertuples(index=False)
        shown[f"{prob:.0%} interval"] = [f"[{rounded(lo)}, {rounded(hi)}]" for lo, hi in bounds]
    return numbers, shown


def thin(numbers: pd.DataFrame, shown: pd.DataFrame, limit: int = MAX_MAIN_ROWS) -> tuple[pd.DataFrame, str]:
    """At most ``limit`` rows of ``shown`` for the main body, and a note saying what was left out.

    Tables with a ``series`` column keep each series' first and last year (then the last year only);
    yearly tables keep the latest ``limit`` years.
    """
    if len(shown) <= limit:
        return shown, ""
    if "series" in numbers.columns:
        for keep in ("ends", "last"):
            groups = numbers.groupby("series", sort=False)["year"]
            mask = numbers["year"].eq(groups.transform("max"))
            if keep == "ends":
                mask |= numbers["year"].eq(groups.transform("min"))
            if mask.sum() <= limit:
                kept = shown[mask.to_numpy()].copy()
                kept["series"] = _relabel(shown["series"], mask)
                what = "first and last forecast years" if keep == "ends" else "last forecast year"
                return kept, f"Each series' {what} shown; every year is in the linked file."
        return shown.head(limit), f"First {limit} rows shown; the rest are in the linked file."
    return shown.tail(limit), f"Latest {limit} years shown; earlier years are in the linked file."


def _relabel(labels: pd.Series, mask: pd.Series) -> list[str]:
    filled = labels.replace("", pd.NA).ffill()
    kept = filled[mask.to_numpy()]
    return [name if index == 0 or kept.iloc[index - 1] != name else "" for index, name in enumerate(kept)]


def interval_note(frame: pd.DataFrame) -> str:
    """Which intervals a tidy table holds, e.g. ``"Intervals: 90% equal-tailed interval"``; empty if none.

    Tables with ``lower``/``upper`` columns but no ``prob``/``kind`` get a warning instead: the
    level would be unstated.
    """
    if {"prob", "kind"} <= set(frame.columns):
        pairs = frame[["prob", "kind"]].dropna().drop_duplicates()
        labels = [_describe(float(prob), str(kind)) for prob, kind in pairs.itertuples(index=False)]
        return "Intervals: " + ", ".join(labels) if labels else ""
    if {"lower", "upper"} & set(frame.columns):
        return "Warning: this table has interval bounds but no prob/kind columns; its level is unstated."
    return ""


def _describe(prob: float, kind: str) -> str:
    try:
        return describe(prob, kind)
    except ValueError:
        return f"{prob:.0%} {kind} interval"


def write_files(
    out_dir: Path, analysis_id: str, name: str, numbers: pd.DataFrame, shown: pd.DataFrame, caption: str
) -> tuple[str, str]:
    """Write ``numbers`` as CSV and ``shown`` as a booktabs LaTeX table; return both paths relative to ``out_dir``."""
    folder = Path(out_dir) / TABLES_DIR / analysis_id
    folder.mkdir(parents=True, exist_ok=True)
    numbers.to_csv(folder / f"{name}.csv", index=False)
    latex = shown.to_latex(index=False, escape=True, caption=caption, label=f"tab:{analysis_id}:{name}")
    (folder / f"{name}.tex").write_text(latex, encoding="utf-8")
    relative = f"{TABLES_DIR}/{analysis_id}/{name}"
    return f"{relative}.csv", f"{relative}.tex"


def record_table(out_dir: Path, analysis_id: str, name: str, frame: pd.DataFrame) -> Table:
    """A record table as files next to the report (CSV as recorded, LaTeX with readable numbers)."""
    shown = format_frame(frame)
    caption = f"{analysis_id}: {name}" + (f" ({interval_note(frame)})" if interval_note(frame) else "")
    csv, tex = write_files(out_dir, analysis_id, name, frame, shown, caption)
    return Table(name, shown, interval_note(frame), csv, tex, len(frame))


def format_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with float columns as readable strings (4 significant digits, thousands separated)."""
    shown = frame.copy()
    for column in shown.columns:
        if pd.api.types.is_float_dtype(shown[column]):
            shown[column] = shown[column].map(_number)
    return shown


def _number(value: float) -> str:
    if not math.isfinite(value):
        return "" if math.isnan(value) else str(value)
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):d}"
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"
