"""Years where one side of a mirror pair repeats the other's figure times a fixed factor (unmarked IMF estimates)."""

from __future__ import annotations

import numpy as np
import pandas as pd

import borderflows.data as bfd
from borderflows.data.derived import FLAG, RUN_YEARS, TOLERANCE, repeated_ratio


def _frame(years: list[int], ratios: list[float], pair: str = "A") -> pd.DataFrame:
    return pd.DataFrame({"pair": pair, "year": years, "log_ratio": np.log(ratios)})


def test_a_run_of_five_equal_ratios_is_flagged_and_four_is_not() -> None:
    five = _frame(list(range(2000, 2008)), [0.9, 1.2, 1.1, 1.1, 1.1, 1.1, 1.1, 0.8])
    assert repeated_ratio(five).tolist() == [False, False, True, True, True, True, True, False]
    four = _frame(list(range(2000, 2006)), [0.9, 1.1, 1.1, 1.1, 1.1, 0.8])
    assert not repeated_ratio(four).any()
    assert RUN_YEARS == 5


def test_changes_just_inside_and_outside_the_tolerance() -> None:
    inside = np.exp(np.arange(6) * TOLERANCE * 0.9)
    outside = np.exp(np.arange(6) * TOLERANCE * 1.1)
    assert repeated_ratio(_frame(list(range(2000, 2006)), list(inside))).all()
    assert not repeated_ratio(_frame(list(range(2000, 2006)), list(outside))).any()


def test_a_missing_year_or_a_new_pair_breaks_the_run_and_row_order_does_not_matter() -> None:
    gap = _frame([2000, 2001, 2002, 2004, 2005, 2006], [1.1] * 6)
    assert not repeated_ratio(gap).any()
    missing_ratio = _frame(list(range(2000, 2006)), [1.1, 1.1, np.nan, 1.1, 1.1, 1.1])
    assert not repeated_ratio(missing_ratio).any()
    two = pd.concat([_frame([2000, 2001, 2002], [1.1] * 3, "A"), _frame([2003, 2004, 2005], [1.1] * 3, "B")])
    assert not repeated_ratio(two, ("pair",)).any()
    shuffled = _frame(list(range(2000, 2006)), [1.1] * 6).sample(frac=1.0, random_state=3)
    assert repeated_ratio(shuffled).all()
    assert repeated_ratio(shuffled.iloc[:0]).shape == (0,)


def test_a_dots_pair_whose_ratio_repeats_keeps_its_reports_but_not_as_usable_imports() -> None:
    # Djibouti's imports from the United States are 0.130 times US exports in every year 2000-2020.
    pair = bfd.mirror_pair("USA", "DJI", years=(1995, 2020))
    imports = pair.observations[pair.observations["flow"] == "imports"].set_index("year")
    repeated = imports["flag"].str.contains(FLAG)
    assert repeated.loc[2000:2020].all()
    assert not repeated.loc[1995:1999].any()
    assert not imports.loc[2000:2020, "usable"].any()
    table = pair.table.set_index("year")
    assert table.loc[2000:2020, "imports_reported"].notna().all()  # flagged, never dropped
    assert not table.loc[2000:2020, "imports_usable"].any()
    assert table.loc[2000:2020, "exports_usable"].all()


def test_pairs_of_independent_reports_are_not_flagged() -> None:
    for exporter, importer in [("USA", "CAN"), ("DEU", "FRA"), ("CHN", "KAZ"), ("KAZ", "CHN")]:
        flags = bfd.mirror_pair(exporter, importer, years=(1995, 2020)).observations["flag"]
        assert not flags.str.contains(FLAG).any(), (exporter, importer)
