"""A small run of ``benchmarks/mirror_placebo.py`` (same code, imported): two pairs with the fast preset.

Checks the harness's output shape and its summary, not the numbers (those need the full preset; see
``benchmarks/RESULTS.md``).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

from borderflows.mirror import placebo

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "mirror_placebo.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mirror_placebo", BENCHMARK)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["mirror_placebo"] = module
    spec.loader.exec_module(module)
    return module


# The fast preset is too short for the gate on some pairs; the harness records that instead of failing.
@pytest.mark.filterwarnings("ignore::borderflows.exceptions.ConvergenceWarning")
def test_harness_runs_two_pairs_and_summarises(bench: ModuleType, tmp_path: Path) -> None:
    import borderflows as bf

    pairs = bench._select(placebo.study_pairs(bf.data.dots_panel()), "USA-CAN,AUS-NZL")
    rows = bench.run(
        pairs, tmp_path, spec=bf.mirror.MirrorGap(), preset="fast", seed=5, power=False, deadline=None, progress=None
    )
    written = pd.read_csv(tmp_path / "fits.csv")
    assert list(written.columns) == list(bench.ROW_COLUMNS)
    assert len(written) == len(rows) == 2
    assert set(written["year"]) == {2020}  # DOTS pairs end in 2020
    assert ((written["lower"] <= written["estimate"]) & (written["estimate"] <= written["upper"])).all()
    assert written["lower"].between(0, 1).all()
    assert set(written["prob"]) == {0.9}
    assert set(written["kind"]) == {"eti"}
    summary = bench.summarise(written, pairs)
    assert summary["placebo"]["n_placebo"] == 2
    assert summary["placebo"]["gate_passes"] == int(written["gate_ok"].sum())
    assert summary["power"] == []
    assert summary["reference_pairs"] == 2
    assert summary["preset"] == "fast"
    assert summary["sentence"].startswith("On 2 reference pairs")
    table = bench.markdown_table(written)
    assert table.count("\n") == 2 + 2  # header, rule, one line per fit
    assert "| placebo | USA->CAN | 0% | 2020 |" in table
    assert len(bench.schedule(pairs, power=True)) == 2 + 2 * len(placebo.INJECTIONS)
