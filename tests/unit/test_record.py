"""One writer of records, one strict reader of spec.toml, and runs that say what they drew."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from matplotlib.figure import Figure

from borderflows.config import resolve_run
from borderflows.exceptions import OptionError
from borderflows.results.analysis import check_keys, load_spec, read_output
from borderflows.results.manifest import Manifest, load_manifest
from borderflows.results.record import Recordable, RecordFigure, RecordTable, write_record
from borderflows.sampling import run_of, stamp_run

SPEC = """[analysis]
id = "x"
kind = "forecast"
title = "X"
random_seed = 5

[model]
series = ["a"]
"""


@dataclass(frozen=True)
class Toy:
    """The smallest results object with a record."""

    table: pd.DataFrame
    citable: bool = True

    def record_tables(self) -> dict[str, RecordTable]:
        return {
            "yearly": RecordTable(self.table, floatfmt=".3g"),
            "summary": RecordTable(self.table, formats=("md", "tex"), caption="Medians and 90% intervals."),
        }

    def record_figures(self) -> dict[str, RecordFigure]:
        figure = Figure(figsize=(2, 2))
        figure.subplots().plot(self.table["year"], self.table["estimate"])
        return {"fan toy.series": RecordFigure(figure, "fan_toy_series")}

    def record_diagnostics(self) -> dict[str, dict[str, object]]:
        return {"toy": {"ok": self.citable, "verdict": "citable" if self.citable else "NOT citable: R-hat"}}

    def record_manifest(self) -> Manifest:
        run = resolve_run("fast").scaled(2)
        return Manifest(
            model_id="toy/v1",
            random_seed=5,
            data_hash="h",
            preset="fast",
            citable=self.citable,
            runs={"toy": run.to_dict()},
        )


@pytest.fixture
def toy() -> Toy:
    return Toy(pd.DataFrame({"year": [2020, 2021], "estimate": [1.23456, 2.5], "prob": 0.9, "kind": "eti"}))


def test_toy_offers_a_record(toy: Toy) -> None:
    assert isinstance(toy, Recordable)


def test_write_record_writes_every_file_the_report_reads(toy: Toy, tmp_path: Path) -> None:
    (tmp_path / "spec.toml").write_text(SPEC)
    spec = load_spec(tmp_path)
    output = write_record(toy, tmp_path, spec=spec, headlines=("One sentence.",), notes={"estimand": "u"})
    assert output is not None
    assert output.tables == {"yearly": tmp_path / "yearly.csv"}  # summary has no CSV: not listed for the report
    assert output.figures == {"fan toy.series": tmp_path / "fan_toy_series.png"}
    assert pd.read_csv(tmp_path / "yearly.csv")["estimate"].tolist() == [1.23456, 2.5]  # CSV keeps full precision
    assert "1.23 " in (tmp_path / "yearly.md").read_text()
    assert (tmp_path / "summary.md").read_text().startswith("Medians and 90% intervals.\n\n|")
    assert "\\caption{Medians and 90% intervals.}" in (tmp_path / "summary.tex").read_text()
    assert json.loads((tmp_path / "diagnostics.json").read_text()) == toy.record_diagnostics()
    manifest = load_manifest(tmp_path / "manifest.json")
    assert manifest.runs == {
        "toy": {"preset": "fast", "draws": 600, "tune": 300, "chains": 4, "target_accept": 0.95, "draws_factor": 2}
    }
    again = read_output(spec, tmp_path)
    assert again.notes == {"estimand": "u"}
    assert again.headlines == ("One sentence.",)
    assert again.citable


def test_a_prefix_lets_records_share_a_folder(toy: Toy, tmp_path: Path) -> None:
    assert write_record(toy, tmp_path, prefix="toy_") is None
    assert (tmp_path / "toy_manifest.json").is_file()
    assert (tmp_path / "toy_diagnostics.json").is_file()
    assert not (tmp_path / "headline.json").exists()


def test_unknown_table_format_is_refused(toy: Toy) -> None:
    with pytest.raises(OptionError, match="unknown table format 'xlsx'"):
        RecordTable(toy.table, formats=("xlsx",))


@pytest.mark.parametrize(
    ("text", "named"),
    [
        (SPEC.replace("random_seed", "randomseed"), "[analysis] randomseed"),
        (SPEC.replace('title = "X"\n', ""), "[analysis] title"),
        (SPEC.replace('kind = "forecast"', 'kind = "survey"'), "[analysis] kind"),
        (SPEC + 'preset = "medium"\n'.replace("preset", "[x]\npreset"), "spec.toml x"),
        (SPEC.replace("random_seed = 5", 'random_seed = "five"'), "[analysis] random_seed"),
        (SPEC.replace("random_seed = 5", 'random_seed = 5\npreset = "quick"'), "[analysis] preset"),
    ],
)
def test_load_spec_refuses_unknown_keys_naming_them(text: str, named: str, tmp_path: Path) -> None:
    (tmp_path / "spec.toml").write_text(text)
    with pytest.raises(OptionError, match=named.replace("[", r"\[").replace("]", r"\]")):
        load_spec(tmp_path)


def test_check_keys_suggests_the_key_meant() -> None:
    with pytest.raises(OptionError, match=r"\[model\] horizn.*did you mean 'horizon'"):
        check_keys({"horizn": 5}, ["series", "horizon"], "[model]")


def test_forecast_options_refuse_a_misspelt_key(tmp_path: Path) -> None:
    from borderflows.forecast.analysis import ForecastOptions

    (tmp_path / "spec.toml").write_text(SPEC + "draw = 2000\n")
    with pytest.raises(OptionError, match=r"\[model\] draw.*did you mean 'draws'"):
        ForecastOptions.from_spec(load_spec(tmp_path))


def test_a_run_is_resolved_once_and_says_what_ran() -> None:
    run = resolve_run("full", draws=2000, target_accept=0.99)
    assert (run.name, run.draws, run.tune, run.target_accept, run.draws_factor) == ("full", 2000, 1000, 0.99, 1)
    doubled = resolve_run("full").scaled(2)
    assert (doubled.draws, doubled.draws_factor) == (2000, 2)
    with pytest.raises(OptionError, match="option 'target_accept'"):
        resolve_run("fast", target_accept=1.2)
    with pytest.raises(OptionError, match="option 'draws'"):
        resolve_run("fast", draws=0)
    with pytest.raises(OptionError, match="unknown preset 'quick'"):
        resolve_run("quick")


def test_a_trace_carries_its_run(tmp_path: Path) -> None:
    posterior = xr.Dataset({"mu": (("chain", "draw"), np.zeros((4, 10)))})
    trace = stamp_run(xr.DataTree.from_dict({"posterior": posterior}), resolve_run("fast").scaled(2))
    assert run_of(trace)["draws_factor"] == 2
    trace["posterior"].to_dataset().to_netcdf(tmp_path / "posterior.nc", engine="scipy")  # as results are saved
    with xr.open_dataset(tmp_path / "posterior.nc", engine="scipy") as saved:
        assert run_of(saved) == resolve_run("fast").scaled(2).to_dict()
    assert run_of(xr.DataTree.from_dict({"posterior": posterior})) == {}


def test_the_report_reads_what_write_record_wrote(toy: Toy, tmp_path: Path) -> None:
    from borderflows.report.record import diagnostics_frame, read_record

    (tmp_path / "spec.toml").write_text(SPEC)
    spec = load_spec(tmp_path)
    write_record(Toy(toy.table, citable=False), tmp_path, spec=spec, headlines=("S.",), reasons=("toy: R-hat",))
    record = read_record(spec, tmp_path)
    assert not record.output.citable
    assert record.output.reasons == ("toy: R-hat",)
    assert record.manifest is not None
    assert record.manifest.runs["toy"]["draws_factor"] == 2
    assert diagnostics_frame(record.diagnostics)["fit"].tolist() == ["toy"]
