"""How often well-recorded pairs' mirror ratios step by themselves (issue 10's power target, measured on the world).

The power study removes 30% (or 15%) of a reference pair's imports from 2010 on and asks the model to call it a
shortfall. That is only possible to the extent such steps are rare in pairs where nothing goes missing. This script
measures that background in the world panel (``borderflows.mirror.world.world_pair_years``: both reports, >= 10
years, median >= USD 10m, 1995-2020), for large flows (median of the smaller report >= USD 1bn by default, the size of
the reference pairs):

- the tail of the year-on-year change of the log mirror ratio log(M/X), against a normal with the same robust sd
  (MAD x 1.4826);
- the share of pairs whose ratio falls somewhere by more than a given step: the mean of three years after a year
  against the three years before it, the smallest over the years with three on each side;
- the robust variogram of the log ratio by lag (linear in the lag for a random walk or occasional steps);
- the power study's reference pairs' own change of mean log ratio, 2010-2020 against 2004-2009, before any injection;
- how many pairs of the rule have a run of years whose ratio repeats itself (``borderflows.data.derived``), the
  years the world panel leaves out.

Usage::

    uv run python benchmarks/mirror_step_background.py                 # large flows, steps of 30% and 15%
    uv run python benchmarks/mirror_step_background.py --min-usd-m 100
"""

from __future__ import annotations

import argparse
import sys
import warnings

import numpy as np
import pandas as pd
from scipy import stats

import borderflows as bf
from borderflows.data.derived import RUN_YEARS, repeated_ratio
from borderflows.mirror import placebo
from borderflows.mirror.world import world_pair_years, world_pairs

STEPS = (0.30, 0.15)
"""Falls of the ratio asked about: the power study's two injected shares."""
WINDOW = 3
"""Years averaged on each side of a candidate step."""


def ratio_matrix(min_usd_m: float) -> pd.DataFrame:
    """Log mirror ratios, one row per world pair whose median size is at least ``min_usd_m``, one column per year."""
    pair_years = world_pair_years(bf.data.dots_panel())
    wide = pair_years.pivot_table(index=["exporter", "importer"], columns="year", values="log_ratio")
    size = pair_years.groupby(["exporter", "importer"])["size"].median().reindex(wide.index)
    return wide[(size >= min_usd_m).to_numpy()]


def change_tails(wide: pd.DataFrame) -> pd.DataFrame:
    """Share of year-on-year changes beyond k robust sds, against a normal's share."""
    values = wide.to_numpy(dtype=float)
    change = (values[:, 1:] - values[:, :-1]).ravel()
    change = change[np.isfinite(change)]
    robust_sd = 1.4826 * float(np.median(np.abs(change - np.median(change))))
    rows = [
        {
            "beyond (robust sds)": k,
            "observed share": float(np.mean(np.abs(change) > k * robust_sd)),
            "normal share": float(2 * stats.norm.sf(k)),
        }
        for k in (2, 3, 4, 6)
    ]
    frame = pd.DataFrame(rows)
    frame.attrs.update(n_changes=int(change.size), robust_sd=robust_sd, sd=float(change.std()))
    return frame


def step_shares(wide: pd.DataFrame, steps: tuple[float, ...] = STEPS, window: int = WINDOW) -> pd.DataFrame:
    """Share of pairs whose ratio falls by more than each step somewhere (``window`` years after vs before)."""
    values = wide.to_numpy(dtype=float)
    n_years = values.shape[1]
    starts = range(window, n_years - window + 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # windows with no reported year give NaN, skipped below
        jumps = np.stack(
            [
                np.nanmean(values[:, t : t + window], axis=1) - np.nanmean(values[:, t - window : t], axis=1)
                for t in starts
            ]
        )
        worst = np.nanmin(jumps, axis=0)
        late = [k for k, t in enumerate(starts) if wide.columns[t] >= 2010]
        worst_late = np.nanmin(jumps[late], axis=0)
    rows = []
    for step in steps:
        rows.append(
            {
                "fall of the ratio": f"{step:.0%}",
                "pairs with such a fall somewhere": float(np.mean(worst < np.log(1 - step))),
                "pairs with such a fall from 2010 on": float(np.mean(worst_late < np.log(1 - step))),
            }
        )
    return pd.DataFrame(rows)


def variogram(wide: pd.DataFrame, lags: tuple[int, ...] = (1, 2, 5, 10, 15)) -> pd.DataFrame:
    """Robust variogram: squared MAD-sd of the change of log(M/X) over each lag, pooled over pairs."""
    values = wide.to_numpy(dtype=float)
    rows = []
    for lag in lags:
        change = (values[:, lag:] - values[:, :-lag]).ravel()
        change = change[np.isfinite(change)]
        robust = 1.4826 * float(np.median(np.abs(change - np.median(change))))
        rows.append({"lag (years)": lag, "robust variance of the change": robust**2})
    return pd.DataFrame(rows)


def reference_changes(wide: pd.DataFrame) -> pd.DataFrame:
    """The power study's reference pairs: change of mean log ratio, 2010-2020 against 2004-2009 (no injection)."""
    reference = placebo.study_pairs(bf.data.dots_panel())
    reference = reference[(reference["role"] == "placebo") & reference["available"]]
    keys = [k for k in zip(reference["exporter"], reference["importer"], strict=True) if k in wide.index]
    rows = wide.loc[keys]
    late = rows.loc[:, rows.columns >= 2010].mean(axis=1)
    early = rows.loc[:, (rows.columns >= 2004) & (rows.columns < 2010)].mean(axis=1)
    change = (late - early).sort_values()
    return pd.DataFrame({"pair": [f"{e}->{i}" for e, i in change.index], "change of mean log(M/X)": change.to_numpy()})


def repeated_runs() -> dict[str, int]:
    """Pairs of the world-panel rule with a run of repeated ratios, and the rule's pairs with and without them."""
    panel = bf.data.dots_panel()
    kept_all = world_pair_years(panel, drop_repeats=False)
    flagged = repeated_ratio(kept_all, ("exporter", "importer"))
    with_run = kept_all.loc[flagged, ["exporter", "importer"]].drop_duplicates()
    return {
        "rule pairs, repeated years kept": int(kept_all.groupby(["exporter", "importer"]).ngroups),
        f"of them with a run of >= {RUN_YEARS} years of the same ratio": len(with_run),
        "rule pairs, repeated years left out (the world panel)": len(world_pairs(panel)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--min-usd-m", type=float, default=1000.0, help="smallest median size of a pair (USD m)")
    args = parser.parse_args(argv)
    wide = ratio_matrix(args.min_usd_m)
    tails = change_tails(wide)
    print(
        f"World pairs with median size >= USD {args.min_usd_m:,.0f}m: {len(wide)} "
        f"({wide.columns[0]}-{wide.columns[-1]}); {tails.attrs['n_changes']:,} year-on-year changes of log(M/X), "
        f"robust sd {tails.attrs['robust_sd']:.3f}, sd {tails.attrs['sd']:.3f}\n"
    )
    print(tails.to_markdown(index=False, floatfmt=".4f"))
    print()
    print(step_shares(wide).to_markdown(index=False, floatfmt=".3f"))
    print()
    print(variogram(wide).to_markdown(index=False, floatfmt=".4f"))
    print()
    print(reference_changes(ratio_matrix(0.0)).to_markdown(index=False, floatfmt=".3f"))
    print()
    for label, count in repeated_runs().items():
        print(f"{label}: {count:,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
