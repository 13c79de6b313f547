"""The pieces a section is made of: thinning long tables, the diagnostics line, verdicts, records of another shape."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from borderflows.report import build_report
from borderflows.report.guide import diagnostics_line, verdict_sentence
from borderflows.report.record import headline_interval
from borderflows.report.sections import sections
from borderflows.report.tables import MAX_MAIN_ROWS, percent, rounded, thin, usd_m
from tests.report.fakes import FakeRunner, write_spec


def test_thin_keeps_the_latest_years_or_each_series_ends() -> None:
    years = pd.DataFrame({"year": range(1970, 2025)})
    kept, note = thin(years, years.astype(str))
    assert list(kept["year"]) == [str(y) for y in range(1985, 2025)]
    assert "Latest 40 years" in note
    numbers = pd.DataFrame({"series": [f"s{i}" for i in range(12) for _ in range(5)], "year": list(range(5)) * 12})
    shown = numbers.astype(str).assign(
        series=[n if y == "0" else "" for n, y in zip(numbers["series"], numbers["year"].astype(str), strict=True)]
    )
    kept, note = thin(numbers, shown)
    assert len(kept) == 24 <= MAX_MAIN_ROWS
    assert list(kept["year"]) == ["0", "4"] * 12
    assert list(kept["series"])[:4] == ["s0", "", "s1", ""]  # each series named once
    many = pd.DataFrame({"series": [f"s{i}" for i in range(30) for _ in range(5)], "year": list(range(5)) * 30})
    kept, note = thin(many, many.astype(str))
    assert len(kept) == 30
    assert "last forecast year" in note


def test_cell_formats_follow_the_headlines() -> None:
    assert (percent(0.4963), percent(0.005), usd_m(14878.2), usd_m(58.61), usd_m(float("nan"))) == (
        "50%",
        "0.5%",
        "14,878",
        "58.6",
        "–",
    )
    assert (rounded(23592.0), rounded(145012.0), rounded(-1178.7), rounded(3.14)) == (
        "23,600",
        "145,000",
        "-1,200",
        "3.1",
    )


def test_headline_interval_reads_every_stated_interval() -> None:
    sentences = [
        "x miss 50% (90% equal-tailed interval 42%–57%)",
        "no interval here",
        "y (80% highest-density interval 1 to 2)",
    ]
    assert headline_interval(sentences) == [(0.9, "eti"), (0.8, "hdi")]


def test_diagnostics_line_takes_the_worst_fit_and_states_thresholds() -> None:
    gate = {"ok": True, "max_rhat": 1.004, "min_ess_bulk": 1144.8, "min_ess_tail": 1984.8, "divergences": 0}
    limits = {"thresholds": {"rhat_max": 1.01, "ess_min": 400.0, "ebfmi_min": 0.3}}
    payload = {
        "arrivals": gate | limits | {"ebfmi": [0.9, 0.95]},
        "departures": gate | {"ok": False, "max_rhat": 1.03, "divergences": 2, "ebfmi": [0.4]},
    }
    line = diagnostics_line(payload)
    assert line.startswith("1 of 2 fits passed the sampler checks")
    assert "worst R-hat 1.030 (≤ 1.01)" in line
    assert "smallest bulk ESS 1,145 (≥ 400)" in line
    assert "2 divergent transitions" in line
    assert "lowest E-BFMI 0.40 (≥ 0.3)" in line
    assert diagnostics_line(None).startswith("No posterior to check")


def test_verdicts_in_words() -> None:
    assert verdict_sentence(True, (), None).startswith("Citable: every fit passed")
    assert verdict_sentence(False, ("R-hat 1.05 > 1.01",), None) == "NOT citable: R-hat 1.05 > 1.01."
    assert verdict_sentence(False, (), "the share is driven by its prior") == (
        "NOT citable: The share is driven by its prior."
    )
    assert verdict_sentence(True, (), "citable: converged and identified.") == "Citable: converged and identified."


def test_a_record_of_another_shape_falls_back_to_its_own_figure(tmp_path: Path) -> None:
    models = tmp_path / "models"
    write_spec(models, "pair", title="Pair")
    runner = FakeRunner()
    report = build_report(tmp_path / "out", models=models, runners={"mirror": runner})
    yearly = models.parent / "out" / "analyses" / "pair" / "yearly.csv"
    pd.read_csv(yearly).rename(columns={"quantity": "what"}).to_csv(yearly, index=False)
    report = build_report(tmp_path / "out", models=models, runners={"mirror": runner})
    (section,) = sections(report, tmp_path / "out")
    assert section.table is None
    assert section.figure is not None
    assert section.figure.name == "share"  # the record's own picture
    assert section.figure.band == ""  # its bands are not known: the browser test would say so
    assert [t.name for t in section.appendix_tables] == ["yearly", "margin_sensitivity"]
