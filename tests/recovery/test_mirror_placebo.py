"""The placebo rule, its counting logic and a small run of ``benchmarks/mirror_placebo.py`` (same code, imported).

The full suite (36 reference pairs, regional and transit pairs, two injected shortfalls, full preset) is the
benchmark; its counts are in ``benchmarks/RESULTS.md``. Here: the rule applied to hand-made and bundled panels, the
counts on a hand-made frame whose answers are known, the injection, and two pairs fitted with the fast preset to
check the harness's output shape (not its numbers, which need the full preset).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

from borderflows.mirror import placebo

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "mirror_placebo.py"


def _load_benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mirror_placebo", BENCHMARK)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["mirror_placebo"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return _load_benchmark()


def _panel(n_years: int, value: float, *, estimated_year: int | None = None) -> pd.DataFrame:
    """DOTS-shaped rows of AAA -> BBB: both reports every year from 1995, the importer's 5% above."""
    rows = []
    for year in range(1995, 1995 + n_years):
        rows.append(("AAA", "BBB", "exports_fob", year, value, year == estimated_year, False))
        rows.append(("BBB", "AAA", "imports_cif", year, 1.05 * value, False, False))
    return pd.DataFrame(
        rows, columns=["reporter", "partner", "flow", "year", "value_usd_m", "estimated", "derived_from_partner"]
    )


def test_availability_counts_years_with_both_usable_reports() -> None:
    pairs = [("AAA", "BBB"), ("BBB", "AAA")]
    enough = placebo.availability(_panel(10, 10.0), pairs)
    assert enough["n_years"].tolist() == [10, 0]
    assert enough["available"].tolist() == [True, False]
    assert enough["median_usd_m"].iloc[0] == pytest.approx(10.0)  # the smaller side, the exporter's
    # An estimated report does not count: 9 usable years fail the 10-year rule.
    flagged = placebo.availability(_panel(10, 10.0, estimated_year=2000), pairs[:1])
    assert flagged["n_years"].iloc[0] == 9
    assert not flagged["available"].iloc[0]
    assert not placebo.availability(_panel(12, 9.9), pairs[:1])["available"].iloc[0]  # median under $10m
    # Years after the rule's window are not counted.
    late = _panel(30, 50.0)
    assert placebo.availability(late, pairs[:1])["n_years"].iloc[0] == 26


def test_rule_on_the_bundled_panel_gives_the_committed_list() -> None:
    import borderflows as bf

    pairs = placebo.study_pairs(bf.data.dots_panel())
    reference = pairs[pairs["role"] == "placebo"]
    # docs/placebo_rule.md, committed before any fit: 36 reference pairs, all available.
    assert len(reference) == 36
    assert reference["available"].all()
    assert placebo.large_eu_members(bf.data.dots_panel()) == ("DEU", "FRA", "GBR", "NLD", "ITA")
    assert reference.groupby("group").size().to_dict() == {
        "anzcerta": 2,
        "efta_eu": 8,
        "eu_single_market": 20,
        "pacific_oecd_with_usa": 4,
        "us_canada_data_exchange": 2,
    }
    keys = set(zip(pairs["exporter"], pairs["importer"], strict=True))
    assert {("CHN", "KGZ"), ("CHN", "TJK"), ("LTU", "KAZ"), ("KAZ", "CHN"), ("USA", "CAN")} <= keys
    assert not reference["exporter"].eq(reference["importer"]).any()


def _fits() -> pd.DataFrame:
    """Hand-made fit rows whose counts are known (see the assertions)."""
    rows = [
        # role, exporter, importer, year, lower, estimate, upper, citable, gate_ok
        ("placebo", "A", "B", 2020, 0.00, 0.02, 0.09, True, True),
        ("placebo", "B", "A", 2020, 0.04, 0.05, 0.08, True, True),
        ("placebo", "A", "C", 2020, 0.05, 0.12, 0.20, True, False),  # lower exactly 5%: counts as <= 5%
        ("placebo", "C", "A", 2020, 0.20, 0.30, 0.40, False, True),  # loud but not citable
        ("regional", "D", "E", 2025, 0.30, 0.40, 0.50, False, False),
        ("transit", "F", "G", 2020, 0.60, 0.70, 0.80, True, True),  # neither placebo nor in the gate count
    ]
    return pd.DataFrame(rows, columns=list(placebo.FIT_COLUMNS))


def test_placebo_counts_on_a_hand_made_frame() -> None:
    counts = placebo.placebo_counts(_fits())
    assert counts.n_placebo == 4
    assert counts.lower_at_most_5pct == 3
    assert counts.lower_share == pytest.approx(0.75)
    # Citable with median >= 10%: only A->C (C->A is loud but not citable).
    assert counts.citable_loud == ("A->C",)
    assert (counts.n_gate_pairs, counts.gate_passes) == (5, 3)
    assert counts.targets == {
        "lower_bound_at_most_5pct_for_90pct": False,
        "none_citable_at_10pct": False,
        "gate_95pct": False,
    }
    clean = placebo.placebo_counts(_fits().iloc[[0, 1]])
    assert set(clean.targets.values()) == {True}
    # A pair fitted in two roles counts once in the gate.
    twice = pd.concat([_fits(), _fits().iloc[[4]].assign(role="transit")], ignore_index=True)
    assert placebo.placebo_counts(twice).n_gate_pairs == 5
    assert placebo.placebo_counts(_fits().iloc[[5]]).targets == dict.fromkeys(clean.targets)
    assert counts.to_dict()["citable_loud"] == ("A->C",)


def test_power_counts_on_a_hand_made_frame() -> None:
    rows = pd.DataFrame(
        [
            ("A", "B", 0.30, 0.05, 0.20, 0.40, True),  # covers 0.30, not detected
            ("B", "A", 0.30, 0.11, 0.20, 0.29, True),  # detected, misses 0.30
            ("A", "C", 0.30, 0.20, 0.35, 0.50, False),  # detected, covers
            ("A", "B", 0.15, 0.10, 0.15, 0.20, True),  # lower exactly 10%: not detected; covers
        ],
        columns=list(placebo.POWER_COLUMNS),
    )
    big, small = placebo.power_counts(rows)
    assert big.injected == pytest.approx(0.30)
    assert (big.n_pairs, big.detected, big.covered, big.gate_passes) == (3, 2, 2, 2)
    assert big.detection_rate == pytest.approx(2 / 3)
    assert big.coverage == pytest.approx(2 / 3)
    assert big.median_width == pytest.approx(0.30)  # widths 0.35, 0.18, 0.30
    assert big.targets == {"detection_80pct": False, "coverage_85_95pct": False}
    assert (small.n_pairs, small.detected, small.covered) == (1, 0, 1)
    assert small.targets == {"detection_80pct": None, "coverage_85_95pct": False}  # detection: 30% case only
    text = placebo.sentence(placebo.placebo_counts(_fits()), [big, small])
    assert "3 (75%) have a latest-year 90% lower bound" in text
    assert "1 is citable" in text
    assert "3 of 5 placebo and regional fits" in text
    assert "above 10% in 2 of 3 pairs (67%)" in text
    assert "covers 15% in 1 of 1" in text


def test_counts_name_a_missing_column() -> None:
    from borderflows.exceptions import DataValidationError

    with pytest.raises(DataValidationError, match="gate_ok"):
        placebo.placebo_counts(_fits().drop(columns="gate_ok"))


def test_injection_removes_the_share_from_the_importer_only(bench: ModuleType) -> None:
    import borderflows as bf

    pair = bf.data.mirror_pair("USA", "CAN", years=bench.YEARS)
    hit = bench.inject(pair, placebo.Injection(0.30))
    before, after = pair.table.set_index("year"), hit.table.set_index("year")
    late = before.index >= 2010
    np.testing.assert_allclose(after.loc[late, "imports_reported"], 0.7 * before.loc[late, "imports_reported"])
    np.testing.assert_allclose(after.loc[~late, "imports_reported"], before.loc[~late, "imports_reported"])
    np.testing.assert_allclose(after["exports_reported"], before["exports_reported"])
