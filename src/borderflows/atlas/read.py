"""Read an atlas back: the pair-year dataset, the per-pair summary, and SQL over both with DuckDB."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from borderflows.atlas.store import PAIRS_DIR, YEARS_DIR
from borderflows.config import check_choice
from borderflows.exceptions import OptionError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

FIGURES = ("world", "top", "neighbours")
"""What :meth:`Atlas.plot` draws."""


@dataclass(frozen=True)
class Atlas:
    """A stored atlas.

    Attributes
    ----------
    years
        One row per pair-year: ``exporter, importer, year``, reported values, ``share_median/lower/upper``,
        ``unrecorded_usd_m_median/lower/upper``, ``prob``, ``kind``, ``citable``, ``reason``, ``model_id``,
        ``input_hash``, ``seed``, ``preset``.
    pairs
        One row per pair: status (``ok``/``failed``) and error, the headline year's share with interval,
        ``converged``, ``identified``, ``citable``, ``reason``, ``world_percentile`` and the gate's figures.
    manifest
        The last run's options, counts, timings and versions.
    """

    folder: Path
    years: pd.DataFrame = field(repr=False)
    pairs: pd.DataFrame = field(repr=False)
    manifest: dict[str, Any] = field(repr=False)

    @property
    def ok(self) -> pd.DataFrame:
        """The pairs whose fit ran (``status == "ok"``)."""
        return self.pairs[self.pairs["status"] == "ok"]

    @property
    def failed(self) -> pd.DataFrame:
        """The pairs whose fit failed, with their errors."""
        return self.pairs[self.pairs["status"] != "ok"][["exporter", "importer", "error"]]

    def table(self, roles: pd.DataFrame | None = None) -> pd.DataFrame:
        """Every fitted pair's headline with its role (:func:`~borderflows.atlas.tables.headline_table`).

        ``roles`` defaults to the mirror study's placebo, regional and transit pairs
        (:func:`~borderflows.atlas.tables.study_roles`, which reads the DOTS panel).
        """
        from borderflows.atlas.tables import headline_table, study_roles

        return headline_table(self.pairs, study_roles() if roles is None else roles)

    def plot(self, what: str = "world", ax: Axes | None = None, roles: pd.DataFrame | None = None) -> Axes:
        """Draw one figure of the atlas (:data:`FIGURES`).

        Parameters
        ----------
        what
            ``"world"`` (the distribution of every pair's median share, study pairs marked), ``"top"`` (the
            citable pairs with the largest shares, with intervals) or ``"neighbours"`` (China's exports to
            Kazakhstan and its neighbours, with intervals).
        ax
            Axes to draw on; a new figure when ``None``.
        roles
            As in :meth:`table`.
        """
        check_choice("what", what, FIGURES, what="figure")
        from borderflows.atlas.tables import neighbour_pairs, top_pairs
        from borderflows.plotting import atlas as plots

        table = self.table(roles)
        if what == "world":
            return plots.world_distribution(table, ax=ax)
        if what == "top":
            return plots.pair_intervals(top_pairs(table), title=plots.TOP_TITLE, ax=ax)
        return plots.pair_intervals(neighbour_pairs(table), title=plots.NEIGHBOURS_TITLE, ax=ax)


def read_atlas(folder: str | Path) -> Atlas:
    """Load the atlas stored under ``folder`` (by :func:`~borderflows.atlas.engine.run_atlas`).

    Raises
    ------
    OptionError
        When ``folder`` holds no atlas.
    """
    root = Path(folder)
    pair_files = sorted((root / PAIRS_DIR).glob("*.parquet"))
    if not pair_files:
        raise OptionError("--atlas", f"{root} holds no atlas", "run `borderflows atlas --out DIR` first")
    pairs = pd.concat([pd.read_parquet(f) for f in pair_files], ignore_index=True)
    year_files = sorted((root / YEARS_DIR).glob("*.parquet"))
    years = pd.concat([pd.read_parquet(f) for f in year_files], ignore_index=True) if year_files else pd.DataFrame()
    manifest_path = root / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    return Atlas(
        folder=root,
        years=years,
        pairs=pairs.sort_values(["exporter", "importer"], ignore_index=True),
        manifest=manifest,
    )


def query(folder: str | Path, sql: str) -> pd.DataFrame:
    """Run DuckDB SQL over an atlas, with its pair-year rows as the view ``years`` and its pairs as ``pairs``.

    DuckDB reads the Parquet files in place, so this works on an atlas of any size without loading it.

    Examples
    --------
    >>> import borderflows as bf  # doctest: +SKIP
    >>> bf.atlas.query("atlas_out", "SELECT exporter, importer, share_median FROM years "
    ...                "WHERE year = 2020 AND citable ORDER BY share_median DESC LIMIT 10")  # doctest: +SKIP
    """
    import duckdb

    root = Path(folder)
    if not any((root / PAIRS_DIR).glob("*.parquet")):
        raise OptionError("--atlas", f"{root} holds no atlas", "run `borderflows atlas --out DIR` first")
    with duckdb.connect() as connection:
        for view, folder in (("pairs", PAIRS_DIR), ("years", YEARS_DIR)):
            if any((root / folder).glob("*.parquet")):
                files = f"{(root / folder).as_posix()}/*.parquet"
                connection.execute(f"CREATE VIEW {view} AS SELECT * FROM read_parquet('{files}', union_by_name=true)")
        frame: pd.DataFrame = connection.execute(sql).df()
    return frame
