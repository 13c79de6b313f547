"""Small CI variant of ``benchmarks/mirror_validation.py`` (same code, imported from the script).

The full study (200 well-specified pairs for SBC and coverage, 100 per misspecified scenario) is
the benchmark; its results are in ``benchmarks/RESULTS.md``. Here a handful of short simulated pairs (with
the pair's own effect and missing exporter years, as the benchmark's) checks that the pipeline runs end to
end on the mirror model and that gross errors would show.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

from borderflows.config import SamplerPreset

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "mirror_validation.py"
CI_PRESET = SamplerPreset("ci", draws=100, tune=300, target_accept=0.95)  # 400 draws, thinned to 99 for ranks


def _load_benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mirror_validation", BENCHMARK)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["mirror_validation"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    pytest.importorskip("borderflows.mirror.simulate")
    return _load_benchmark()


@pytest.fixture(scope="module")
def setup(bench: ModuleType):
    design = bench.Design(first_year=2011, n_years=8, missing_x=(2015, 2017), missing_m=(2014,))
    spec = design.spec()
    return design, spec, bench.make_fitter(design, spec, CI_PRESET)


def test_well_specified_pipeline_and_coverage(bench: ModuleType, setup) -> None:
    design, spec, fitter = setup
    sbc, recovery = bench.well_specified(fitter, design, spec, 6, random_seed=31)
    # The pair's offset and 8 years of u (2014 without an importer report, 2015 and 2017 without the exporter's).
    assert sbc.ranks.shape == (6, 1 + 8)
    assert {"offset", "u[2014]", "u[2015]"} <= set(sbc.quantities)
    assert sbc.ranks.min() >= 0
    assert sbc.ranks.max() <= 99
    frame = recovery.to_frame()
    assert set(frame["prob"]) == {0.9}
    assert set(frame["kind"]) == {"eti"}
    u_pooled = recovery.pooled_coverage.set_index("variable").loc["u"]
    # Nominal 0.9. With 6 panels x 8 years the cluster SE is about 0.05-0.1, so 0.5 is >= 4 SE below nominal:
    # failing means intervals that miss the truth wholesale (wrong sign, wrong scale, wrong year alignment).
    assert u_pooled["coverage"] >= 0.5, recovery.coverage
    assert abs(u_pooled["bias"]) < 0.15


def test_transit_goods_push_underreporting_up(bench: ModuleType, setup) -> None:
    design, spec, fitter = setup
    result = bench.misspecified(fitter, design, spec, "transit", 6, random_seed=32)
    u = result.records.loc[result.records["variable"] == "u"]
    after = u["quantity"].str.extract(r"\[(\d+)\]", expand=False).astype(int) >= bench.TRANSIT_FROM
    error = u["estimate"] - u["truth"]
    step = error[after].groupby(u["simulation"]).mean() - error[~after].groupby(u["simulation"]).mean()
    # From TRANSIT_FROM on 20% of the exporter's figure never reaches the importer. The pair's offset is constant,
    # so the model can only read the step as a rise in the shortfall: u's error is larger after it than before
    # (the level of the error depends on how the offset's prior splits the shift; the step does not).
    assert step.mean() > 0.0, step
    assert result.scenario == "transit"


def test_checkpointed_run_records_sampler_health(bench: ModuleType, setup, tmp_path: Path) -> None:
    # The long benchmark's own path: interleaved scenarios appended to CSV checkpoints, then re-summarised.
    design, spec, fitter = setup
    bench.run_interleaved(fitter, design, spec, tmp_path, n_well=2, n_misspecified=1, random_seed=34, deadline=None)
    sbcs, recoveries = bench.summarise(tmp_path, random_seed=34)
    assert set(sbcs) == {"well-specified", "timing shift", "transit"}
    assert sbcs["well-specified"].ranks.shape == (2, 1 + 8)  # health columns are not taken for ranks
    fits = pd.read_csv(tmp_path / "ranks.csv")
    assert fits["gate_ok"].isin([True, False]).all()
    assert (fits["min_ess_bulk"] > 0).all()
    assert (fits["min_ebfmi"] > 0).all()
    # A fit passes the gate only if every recorded number meets the project's bar.
    meets_bar = (
        (fits["max_rhat"] <= 1.01)
        & (fits["divergences"] == 0)
        & (fits["min_ess_bulk"] >= 400)
        & (fits["min_ebfmi"] >= 0.3)
    )
    assert not (fits["gate_ok"] & ~meets_bar).any(), fits
    health = bench._fit_health(fits)
    assert health["fits_passing_gate"] == int(fits["gate_ok"].sum())
    assert {r.scenario for r in recoveries} == set(sbcs)


@pytest.mark.slow
def test_full_size_recovery_and_sbc(bench: ModuleType) -> None:
    design = bench.Design()
    spec = design.spec()
    fitter = bench.make_fitter(design, spec)
    sbc, recovery = bench.well_specified(fitter, design, spec, 100, random_seed=33)
    # 100 pairs: MCSE of one quantity's 90% coverage is 0.03; the band is +-2.58 MCSE. SBC at family-wise 0.01.
    pooled = recovery.pooled_coverage.set_index("variable")
    assert pooled.loc["u", "passes"], recovery.pooled_coverage
    assert pooled.loc["offset", "passes"], recovery.pooled_coverage
    assert sbc.passed, sbc.to_frame()
    assert np.isfinite(sbc.to_frame()["p_ecdf"]).all()
