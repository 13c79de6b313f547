"""The report's world-atlas section, when the analyses folder holds an atlas (``models/world_atlas``).

It reads the stored atlas (:func:`borderflows.atlas.read_atlas`), never fits, and shows: what the atlas
covers, China's exports to Kazakhstan next to its neighbours and the world's distribution, the citable pairs
with the largest shares, and how the placebo pairs came out. Every interval is the atlas rows' own (90%
equal-tailed by default) and says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from matplotlib.figure import Figure

from borderflows.atlas import Atlas
from borderflows.atlas.tables import distribution_summary, neighbour_pairs, top_pairs
from borderflows.plotting.atlas import NEIGHBOURS_TITLE, TOP_TITLE, pair_intervals, world_distribution
from borderflows.report.figures import WIDTH_IN, ReportFigure, save_figure
from borderflows.report.tables import Table, percent, write_files
from borderflows.results.intervals import describe

if TYPE_CHECKING:
    from matplotlib.axes import Axes

ANCHOR = "world_atlas"
"""The section's id in the page and the prefix of its files."""

TOP_ROWS = 15
"""Citable pairs with the largest shares shown in the table and the figure."""


@dataclass(frozen=True)
class AtlasPart:
    """The atlas as the page presents it.

    Attributes
    ----------
    sentences
        What the atlas covers and says, in words (placebo pairs, China->Kazakhstan, citable counts).
    interval
        Label of the intervals (e.g. ``"90% equal-tailed interval"``).
    figures
        World distribution; China and its neighbours; the top citable pairs.
    table
        China's neighbours and the top citable pairs, one row each, with intervals.
    summary
        Counts and quantiles of the pairs' median shares per role.
    folder
        Where the atlas is stored.
    """

    sentences: tuple[str, ...]
    interval: str
    figures: tuple[ReportFigure, ...]
    table: Table
    summary: pd.DataFrame
    folder: Path


def atlas_part(atlas: Atlas, out_dir: Path) -> AtlasPart:
    """Draw the atlas figures and write its tables into ``out_dir``."""
    table = atlas.table()
    interval = describe(float(table["prob"].iloc[0]), str(table["kind"].iloc[0]))
    summary = distribution_summary(table)
    neighbours = neighbour_pairs(table)
    top = top_pairs(table, TOP_ROWS)
    figures = (
        _figure(
            lambda ax: world_distribution(table, ax=ax),
            out_dir,
            "distribution",
            (WIDTH_IN, 4.6),
            "Every fitted pair's median share in its headline year (bars: citable or not); placebo, regional and "
            "transit pairs marked below the axis; dashed: China → Kazakhstan.",
        ),
        _figure(
            lambda ax: pair_intervals(neighbours, title=NEIGHBOURS_TITLE, ax=ax),
            out_dir,
            "neighbours",
            (WIDTH_IN, 0.9 + 0.4 * max(len(neighbours), 1)),
            f"Median and {interval} of the share missing; hollow grey: not citable (no evidence beyond comparable "
            "pairs, undecided at the run's Monte Carlo precision, or not converged).",
        ),
        _figure(
            lambda ax: pair_intervals(top, title=TOP_TITLE, ax=ax),
            out_dir,
            "top",
            (WIDTH_IN, 0.9 + 0.35 * max(len(top), 1)),
            f"The {len(top)} citable pairs with the largest median share, with their {interval}.",
        ),
    )
    shown_rows = pd.concat([neighbours.assign(shown="neighbour"), top.assign(shown="top citable")], ignore_index=True)
    numbers = shown_rows[
        [
            *("shown", "pair", "role", "headline_year", "share_median", "share_lower", "share_upper", "prob", "kind"),
            *("citable", "world_percentile", "reason"),
        ]
    ]
    shown = pd.DataFrame(
        {
            "": numbers["shown"],
            "pair": numbers["pair"],
            "role": numbers["role"],
            "year": numbers["headline_year"].astype(int),
            f"share [{interval}]": [
                f"{percent(m)} [{percent(lo)}, {percent(hi)}]"
                for m, lo, hi in zip(
                    numbers["share_median"], numbers["share_lower"], numbers["share_upper"], strict=True
                )
            ],
            "citable": numbers["citable"].map({True: "yes", False: "no"}),
            "world percentile": numbers["world_percentile"].map(lambda p: f"{p:.0f}" if pd.notna(p) else ""),
        }
    )
    caption = f"World atlas: China's neighbours and the top citable pairs, medians and {interval}s"
    csv, tex = write_files(out_dir, ANCHOR, "main_table", numbers, shown, caption)
    return AtlasPart(
        sentences=_sentences(atlas, table, summary, interval),
        interval=interval,
        figures=figures,
        table=Table("main_table", shown, f"Intervals: {interval}.", csv, tex, len(numbers)),
        summary=summary,
        folder=atlas.folder,
    )


def _sentences(atlas: Atlas, table: pd.DataFrame, summary: pd.DataFrame, interval: str) -> tuple[str, ...]:
    counts = {str(row["role"]): row for row in summary.to_dict("records")}
    total = counts["all"]
    preset = str(atlas.pairs["preset"].iloc[0]) if len(atlas.pairs) else "?"
    years = sorted(table["headline_year"].unique())
    out = [
        f"The atlas stored in {atlas.folder.name}/ holds {len(atlas.pairs)} pairs ({len(atlas.failed)} failed) fitted "
        f"with the v3 mirror model, preset {preset}, {_years(years)} (the world panel's "
        f"1995–2020); {int(total['citable'])} pairs are citable and {int(total['citable_at_least_10pct'])} of them "
        "show a median share of at least 10%",
    ]
    if "placebo" in counts:
        placebo = counts["placebo"]
        out.append(
            f"Placebo pairs (where nothing should be missing): {int(placebo['citable_at_least_10pct'])} of "
            f"{int(placebo['pairs'])} are reported as citable underreporting of 10% or more"
        )
    target = table[(table["exporter"] == "CHN") & (table["importer"] == "KAZ")]
    if len(target):
        row = target.iloc[0]
        share = (
            f"a median share of {percent(row.share_median)} ({interval} {percent(row.share_lower)}–"
            f"{percent(row.share_upper)}), citable"
            if row.citable
            else f"no citable share ({row.reason})"
        )
        out.append(f"China → Kazakhstan in {int(row.headline_year)}: {share}; {_rank(float(row.world_percentile))}")
    return tuple(out)


def _years(years: list[int]) -> str:
    first, last = int(years[0]), int(years[-1])
    return f"headline year {first}" if first == last else f"headline years {first}–{last}"


def _rank(percentile: float) -> str:
    """Where the pair's mean mirror ratio (importer's over exporter's report) sits among the world's pairs."""
    if percentile < 50:
        return f"its mean mirror ratio is lower than that of {100 - percentile:.1f}% of the world's pairs"
    return f"its mean mirror ratio is higher than that of {percentile:.1f}% of the world's pairs"


def _figure(
    draw: Callable[[Axes], object], out_dir: Path, name: str, size: tuple[float, float], caption: str
) -> ReportFigure:
    figure = Figure(figsize=size, layout="constrained")
    draw(figure.subplots())
    path, ref = save_figure(figure, out_dir, ANCHOR, name)
    return ReportFigure(name, path, ref, caption)
