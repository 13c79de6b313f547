"""Atlas tables, figures and the report's atlas section, from a small stored atlas written by hand (no fit)."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pandas as pd
import pytest

from borderflows.atlas import read_atlas
from borderflows.atlas.store import AtlasStore
from borderflows.atlas.tables import distribution_summary, headline_table, neighbour_pairs, top_pairs
from borderflows.atlas.task import PairOutcome, failed
from borderflows.report.atlas import atlas_part
from borderflows.report.record import find_atlas

matplotlib.use("Agg")

PAIRS = [
    # exporter, importer, median, lower, upper, citable
    ("CHN", "KAZ", 0.30, 0.10, 0.50, True),
    ("CHN", "KGZ", 0.60, 0.45, 0.72, True),
    ("CHN", "MNG", 0.05, 0.00, 0.20, False),
    ("USA", "CAN", 0.02, 0.00, 0.06, False),
    ("DEU", "FRA", 0.12, 0.11, 0.13, True),
    ("BRA", "ARG", 0.20, 0.15, 0.25, True),
]
ROLES = pd.DataFrame(
    [("CHN", "KAZ", "regional"), ("CHN", "KGZ", "regional"), ("USA", "CAN", "placebo"), ("DEU", "FRA", "placebo")],
    columns=["exporter", "importer", "role"],
)


def _summary(exporter: str, importer: str, median: float, lower: float, upper: float, citable: bool) -> dict:
    return {
        "exporter": exporter,
        "importer": importer,
        "model_id": "m",
        "input_hash": "h",
        "seed": 1,
        "preset": "fast",
        "status": "ok",
        "error": "",
        "headline_year": 2020,
        "share_median": median,
        "share_lower": lower,
        "share_upper": upper,
        "prob": 0.9,
        "kind": "eti",
        "citable": citable,
        "reason": "identified" if citable else "no evidence of underreporting beyond comparable pairs",
        "world_percentile": 50.0,
    }


@pytest.fixture
def atlas_dir(tmp_path: Path) -> Path:
    store = AtlasStore(tmp_path / "world_atlas")
    store.prepare()
    for row in PAIRS:
        summary = _summary(*row)
        years = pd.DataFrame([{k: v for k, v in summary.items() if k != "status"} | {"year": 2020}])
        store.write(f"{row[0]}_{row[1]}", PairOutcome(years=years, summary=summary))
    stamp = {"exporter": "FRA", "importer": "DEU", "model_id": "m", "input_hash": "h", "seed": 1, "preset": "fast"}
    store.write("FRA_DEU", failed(stamp, RuntimeError("boom")))
    store.write_summary()
    return tmp_path / "world_atlas"


def test_headline_table_orders_by_share_and_labels_roles(atlas_dir: Path) -> None:
    table = headline_table(read_atlas(atlas_dir).pairs, ROLES)
    assert list(table["share_median"]) == sorted((p[2] for p in PAIRS), reverse=True)  # failed pair left out
    assert dict(zip(table["importer"], table["role"], strict=True))["ARG"] == "world"
    assert dict(zip(table["importer"], table["role"], strict=True))["CAN"] == "placebo"


def test_top_pairs_are_citable_only_and_neighbours_keep_their_order(atlas_dir: Path) -> None:
    table = headline_table(read_atlas(atlas_dir).pairs, ROLES)
    assert list(top_pairs(table, 2)["importer"]) == ["KGZ", "KAZ"]
    assert top_pairs(table)["citable"].all()
    assert list(neighbour_pairs(table)["importer"]) == ["KAZ", "KGZ", "MNG"]  # UZB, TJK, RUS absent: left out


def test_distribution_summary_counts_citable_shares_per_role(atlas_dir: Path) -> None:
    summary = distribution_summary(headline_table(read_atlas(atlas_dir).pairs, ROLES)).set_index("role")
    assert summary.loc["all", "pairs"] == len(PAIRS)
    assert summary.loc["all", "citable"] == 4
    assert summary.loc["placebo", "citable_at_least_10pct"] == 1  # DEU->FRA at 12%, citable
    assert summary.loc["regional", "pairs"] == 2


@pytest.mark.parametrize("what", ["top", "neighbours"])
def test_interval_figures_state_their_interval(atlas_dir: Path, what: str) -> None:
    assert "90% equal-tailed interval" in read_atlas(atlas_dir).plot(what, roles=ROLES).get_xlabel()


def test_the_distribution_counts_citable_pairs_and_marks_study_pairs(atlas_dir: Path) -> None:
    legend = [t.get_text() for t in read_atlas(atlas_dir).plot("world", roles=ROLES).get_legend().get_texts()]
    assert "citable (4)" in legend
    assert "not citable (2)" in legend
    assert "placebo pairs (nothing should be missing) (2)" in legend


def test_the_report_section_reads_the_stored_atlas(atlas_dir: Path, tmp_path: Path, monkeypatch) -> None:
    import borderflows.atlas.read as read

    monkeypatch.setattr(read.Atlas, "table", lambda self, roles=None: headline_table(self.pairs, ROLES))
    atlas = find_atlas(atlas_dir.parent)
    assert atlas is not None
    assert find_atlas(tmp_path / "nowhere") is None
    part = atlas_part(atlas, tmp_path / "report")
    assert part.interval == "90% equal-tailed interval"
    assert "1 of 2 are reported as citable underreporting of 10% or more" in part.sentences[1]
    assert "China → Kazakhstan in 2020: a median share of 30% (90% equal-tailed interval 10%–50%)" in part.sentences[2]
    assert all(figure.path.is_file() for figure in part.figures)
    assert (tmp_path / "report" / part.table.csv).is_file()
