"""Years where one side of a mirror pair is computed from the other: the mirror ratio repeats itself.

IMF DOTS fills a country's missing report from its partner's with a fixed factor (1.10 for CIF/FOB, or the ratio of
a base year carried forward) and marks some of those values (``estimated``, ``derived_from_partner``), not all. In the
bundled panel 329 of the 7,327 world pairs have five or more consecutive years with the same mirror ratio to within
0.5%: USA->DJI sits at 0.130 every year 2000-2020, NLD->NGA at 0.376 in 2003-2020, FRA->CUB at 1.479 in 2008-2020.
Two independent reports do not do that: on large pairs the log ratio changes from one year to the next with a robust
sd of 0.077 (`benchmarks/mirror_step_background.py`), so four changes in a row under 0.005 happen by chance in about
one large pair in 6,000 (0.052 ** 4 per start year, 22 start years), fewer for small, noisier pairs. Such years
carry no information about a shortfall and are flagged and kept out of the likelihood, never dropped from the tables.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

RUN_YEARS = 5
"""Consecutive years with the same mirror ratio that mark one side as derived from the other."""
TOLERANCE = 0.005
"""Largest year-on-year change of log(M/X) that counts as the same ratio (0.5%)."""
FLAG = "ratio_repeats"
"""Observation flag of an importer's report in such a year."""


def repeated_ratio(
    frame: pd.DataFrame,
    keys: tuple[str, ...] = (),
    *,
    year: str = "year",
    log_ratio: str = "log_ratio",
) -> npt.NDArray[np.bool_]:
    """Rows inside a run of at least :data:`RUN_YEARS` consecutive years whose log mirror ratio moves by less
    than :data:`TOLERANCE` from each year to the next.

    Parameters
    ----------
    frame
        One row per pair-year with ``year`` and ``log_ratio`` columns (missing ratios break a run).
    keys
        Columns that identify a pair (e.g. ``("exporter", "importer")``); none for a single pair.

    Returns
    -------
    numpy.ndarray
        Boolean mask aligned with ``frame``'s rows.
    """
    if frame.empty:
        return np.zeros(0, dtype=bool)
    positional = frame.reset_index(drop=True)
    order = positional.sort_values([*keys, year], kind="stable").index.to_numpy()
    ordered = positional.iloc[order]
    pair = ordered.groupby(list(keys), sort=False).ngroup().to_numpy() if keys else np.zeros(len(ordered), int)
    years = ordered[year].to_numpy(dtype=np.int64)
    ratios = ordered[log_ratio].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        same = np.abs(np.diff(ratios)) < TOLERANCE
    same &= (np.diff(years) == 1) & (np.diff(pair) == 0)
    run = np.concatenate([[0], np.cumsum(~same)])  # a new run starts wherever a row is not the same as the last
    mask = np.zeros(len(frame), dtype=bool)
    mask[order] = np.bincount(run)[run] >= RUN_YEARS
    return mask
