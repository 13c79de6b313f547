"""Which pairs an atlas fits: the world panel's rule, or a subset a user names."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from borderflows.data.countries import to_iso3
from borderflows.exceptions import DataValidationError, OptionError

PAIR_COLUMNS = ("exporter", "importer")


def select_pairs(
    *,
    pairs_file: str | Path | pd.DataFrame | None = None,
    exporters: Sequence[str] = (),
    importers: Sequence[str] = (),
    limit: int | None = None,
) -> pd.DataFrame:
    """The pairs to fit, one row each: ``exporter, importer, n_years, median_usd_m, in_world_panel``.

    By default every pair of the world panel (:func:`borderflows.mirror.world.world_pairs`: at least
    10 years of both reports from 1995 to 2020 and a median smaller-side flow of at least $10m).

    Parameters
    ----------
    pairs_file
        A CSV path or frame with columns ``exporter`` and ``importer`` (ISO3 or IMF names) instead of the
        rule; pairs outside the world panel are fitted too when the DOTS panel has them.
    exporters, importers
        Keep only pairs with these exporters / importers (ISO3 or IMF names).
    limit
        Keep the first ``limit`` pairs (in the order of the file, or the rule's order: largest flows first).

    Raises
    ------
    OptionError
        For a bad ``limit``, a file without the columns, unknown country codes, or pairs the DOTS panel
        lacks (the rows are named).
    """
    from borderflows.data import dots_panel
    from borderflows.mirror.world import world_pairs

    if limit is not None and int(limit) < 1:
        raise OptionError("--limit", f"{limit} is not a number of pairs", "give a positive integer, e.g. 50")
    wanted_exporters = {_code(c, "--exporters") for c in exporters}
    wanted_importers = {_code(c, "--importers") for c in importers}
    asked = None if pairs_file is None else _read_pairs(pairs_file)  # a bad file fails before the panel loads
    panel = dots_panel()
    world = world_pairs(panel).sort_values("median_usd_m", ascending=False, kind="stable")
    world = world[["exporter", "importer", "n_years", "median_usd_m"]].assign(in_world_panel=True)
    if asked is None:
        chosen = world
    else:
        _check_in_panel(asked, panel)
        chosen = asked.merge(world, on=["exporter", "importer"], how="left")
        chosen["in_world_panel"] = chosen["in_world_panel"].astype("boolean").fillna(False).astype(bool)
    if wanted_exporters:
        chosen = chosen[chosen["exporter"].isin(wanted_exporters)]
    if wanted_importers:
        chosen = chosen[chosen["importer"].isin(wanted_importers)]
    if limit is not None:
        chosen = chosen.head(int(limit))
    if chosen.empty:
        raise OptionError("--exporters/--importers", "no pair is left to fit", "widen the country lists or the file")
    return chosen.reset_index(drop=True)


def _code(value: str, option: str) -> str:
    try:
        return to_iso3(value, column=option)
    except DataValidationError as error:
        raise OptionError(option, f"{value!r} is not a country code", "use ISO3 codes such as CHN, KAZ") from error


def _read_pairs(source: str | Path | pd.DataFrame) -> pd.DataFrame:
    if isinstance(source, pd.DataFrame):
        frame = source
    else:
        path = Path(source)
        if not path.is_file():
            raise OptionError("--pairs", f"{path} does not exist", "give a CSV file with columns exporter, importer")
        try:
            frame = pd.read_csv(path, dtype=str)
        except (pd.errors.EmptyDataError, pd.errors.ParserError) as error:
            raise OptionError("--pairs", f"{path} is not a readable CSV ({error})", "write one pair per row") from error
    missing = [c for c in PAIR_COLUMNS if c not in frame.columns]
    if missing:
        raise OptionError("--pairs", f"the file lacks column {missing[0]!r}", "give columns exporter, importer")
    if frame.empty:
        raise OptionError("--pairs", "the file has no pairs", "add one row per pair: exporter,importer")
    bad: list[str] = []
    codes = []
    for row, (exporter, importer) in enumerate(zip(frame["exporter"], frame["importer"], strict=True), start=2):
        try:
            codes.append((to_iso3(str(exporter), column="exporter"), to_iso3(str(importer), column="importer")))
        except DataValidationError:
            bad.append(f"row {row} ({exporter},{importer})")
    if bad:
        raise OptionError("--pairs", f"unknown country code(s) in {', '.join(bad[:5])}", "use ISO3 codes such as CHN")
    chosen = pd.DataFrame(codes, columns=list(PAIR_COLUMNS)).drop_duplicates().reset_index(drop=True)
    same = chosen[chosen["exporter"] == chosen["importer"]]
    if len(same):
        raise OptionError("--pairs", f"exporter equals importer for {same['exporter'].iloc[0]}", "drop that row")
    return chosen


def _check_in_panel(asked: pd.DataFrame, panel: pd.DataFrame) -> None:
    flows = set(zip(panel["reporter"], panel["partner"], strict=True))
    absent = [
        f"{e}->{i}"
        for e, i in zip(asked["exporter"], asked["importer"], strict=True)
        if (e, i) not in flows and (i, e) not in flows
    ]
    if absent:
        raise OptionError("--pairs", f"the DOTS panel has no reports for {', '.join(absent[:5])}", "drop those pairs")
