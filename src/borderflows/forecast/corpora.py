"""Corpora of yearly series with held-out futures: M3 yearly (from a folder) and DOTS bilateral exports.

A corpus is a list of :class:`Case` (a training segment and the values that followed it); each
case's ``train.concept`` names its *domain* (the M3 category, or ``"DOTS exports"``), which the
leave-one-domain-out harness (:mod:`borderflows.forecast.domains`) holds out one at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from borderflows.data.yearly import YearlySeries

DOTS_DOMAIN = "DOTS exports"
"""Domain label of the DOTS corpus' cases."""


@dataclass(frozen=True)
class Case:
    """One corpus series: the training segment (a :class:`YearlySeries`) and its held-out future."""

    train: YearlySeries
    test: npt.NDArray[np.float64]

    @property
    def domain(self) -> str:
        """The domain the series belongs to (its ``concept``)."""
        return self.train.concept


def load_corpus(folder: str | Path, *, limit: int | None = None) -> list[Case]:
    """Read a corpus in the ``series.csv`` (series_id, split, t, value) + ``meta.csv`` layout.

    Parameters
    ----------
    folder
        E.g. ``../shared/bench/m3_yearly``; ``meta.csv``'s ``category`` becomes each case's domain.
    limit
        Keep only the first ``limit`` series (sorted by id), for quick runs.
    """
    folder = Path(folder)
    long = pd.read_csv(folder / "series.csv")
    meta = pd.read_csv(folder / "meta.csv").set_index("series_id")
    cases = []
    ids = sorted(long["series_id"].unique())
    for series_id in ids[:limit] if limit else ids:
        rows = long[long["series_id"] == series_id].sort_values("t")
        train = rows[rows["split"] == "train"]
        start = int(meta.loc[series_id, "start_year"]) if series_id in meta.index else 1
        years = (start + train["t"].to_numpy() - 1).astype(np.int64)
        series = YearlySeries(
            name=str(series_id),
            years=years,
            values=train["value"].to_numpy(dtype=float),
            unit="",
            kind="positive",
            concept=str(meta.loc[series_id, "category"]) if series_id in meta.index else "",
            source=f"{folder.name} training segment",
        )
        cases.append(Case(series, rows.loc[rows["split"] == "test", "value"].to_numpy(dtype=float)))
    return cases


@dataclass(frozen=True)
class DotsSelection:
    """How the DOTS corpus is drawn (fixed before any series was scored; see :func:`dots_corpus`).

    Attributes
    ----------
    horizon
        Years held out at the end of each series.
    min_train
        Fewest training years (so every series has at least ``min_train + horizon`` years).
    max_years
        Longest series kept (the most recent years); M3 yearly series have 20-47 years.
    min_median
        Smallest median flow (USD million) over the kept years: tiny flows are mostly rounding.
    n_series
        Series drawn (uniformly, without replacement) from those eligible.
    seed
        Seed of the draw.
    """

    horizon: int = 6
    min_train: int = 20
    max_years: int = 40
    min_median: float = 10.0
    n_series: int = 600
    seed: int = 20261201

    def describe(self) -> str:
        """The rule in one sentence, for tables and provenance."""
        return (
            f"IMF DOTS exports FOB as reported by the exporter (no IMF estimate, not derived from the partner), "
            f"the unbroken run of years ending in the panel's last year, >= {self.min_train + self.horizon} years "
            f"(last {self.max_years} kept), median >= {self.min_median:g} USD m; {self.n_series} pairs drawn with "
            f"seed {self.seed}; last {self.horizon} years held out"
        )


def dots_corpus(selection: DotsSelection | None = None, *, panel: pd.DataFrame | None = None) -> list[Case]:
    """Annual bilateral export series from the bundled DOTS panel, their last years held out.

    The rule (:class:`DotsSelection`) was written down before any forecast was scored: exports as
    the exporter reported them (rows the IMF estimated or derived from the partner's report are not
    data about this flow), strictly positive, in an unbroken run of years that ends in the panel's
    last year (2020), at least 26 years long (20 to learn from, 6 held out, as M3 yearly's
    shortest), truncated to the most recent 40, with a median of at least USD 10m; then 600 of the
    eligible pairs at random with a fixed seed, sorted by name.

    Parameters
    ----------
    selection
        The rule; the default is the one of record.
    panel
        A frame in the layout of :func:`borderflows.data.dots_panel` (default: the bundled panel).
    """
    rule = selection or DotsSelection()
    if panel is None:
        from borderflows.data import dots_panel

        panel = dots_panel()
    rows = panel[
        (panel["flow"] == "exports_fob")
        & ~panel["estimated"]
        & ~panel["derived_from_partner"]
        & (panel["value_usd_m"] > 0)
    ]
    last_year = int(panel["year"].max())
    eligible: list[tuple[str, npt.NDArray[np.int64], npt.NDArray[np.float64]]] = []
    for (reporter, partner), group in rows.groupby(["reporter", "partner"], sort=True):
        group = group.sort_values("year")
        years = group["year"].to_numpy(dtype=np.int64)
        values = group["value_usd_m"].to_numpy(dtype=float)
        if years[-1] != last_year:
            continue
        breaks = np.flatnonzero(np.diff(years) != 1)
        start = int(breaks[-1]) + 1 if breaks.size else 0
        years, values = years[start:][-rule.max_years :], values[start:][-rule.max_years :]
        if years.size < rule.min_train + rule.horizon or float(np.median(values)) < rule.min_median:
            continue
        eligible.append((f"{reporter}->{partner}", years, values))
    rng = np.random.default_rng(rule.seed)
    chosen = sorted(rng.choice(len(eligible), size=min(rule.n_series, len(eligible)), replace=False))
    cases = []
    for index in chosen:
        name, years, values = eligible[index]
        train = YearlySeries(
            name=name,
            years=years[: -rule.horizon],
            values=values[: -rule.horizon],
            unit="USD million",
            kind="positive",
            concept=DOTS_DOMAIN,
            source="IMF DOTS (bundled dots_panel), training segment",
        )
        cases.append(Case(train, values[-rule.horizon :]))
    return cases


PAST_SUFFIX = " (past)"
"""Appended to a series' name in :func:`past_cases`, so that the past and the present of one series
are told apart (and never mistaken for an overlap) by the leave-one-domain-out harness."""


def past_cases(cases: list[Case], *, horizon: int | None = None, min_train: int = 8) -> list[Case]:
    """The same series one forecast earlier: each training segment's last years held out.

    This is what a user can learn from their own kind of series before the future is known (the
    series' past errors). Every value is inside the original training segment, so learning on these
    cases reads nothing the original cases hold out.

    Parameters
    ----------
    cases
        The corpus.
    horizon
        Years held out of each training segment (default: each case's own held-out length).
    min_train
        Series whose earlier training segment would be shorter than this are left out.
    """
    past = []
    for case in cases:
        train = case.train
        held = horizon or case.test.size
        if train.values.size < min_train + held:
            continue
        earlier = YearlySeries(
            name=train.name + PAST_SUFFIX,
            years=train.years[:-held],
            values=train.values[:-held],
            unit=train.unit,
            kind=train.kind,
            concept=train.concept,
            source=train.source + f", last {held} years held out",
        )
        past.append(Case(earlier, train.values[-held:]))
    return past
