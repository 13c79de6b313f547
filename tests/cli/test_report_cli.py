"""``borderflows report`` and ``borderflows notebooks`` from the command line, on fake analyses."""

from __future__ import annotations

import re
import tempfile
from io import StringIO
from pathlib import Path

import nbformat
import pytest
from rich.console import Console
from typer.testing import CliRunner

from borderflows.cli import app
from borderflows.cli.common import EXIT_NOT_CITABLE, EXIT_USER_ERROR
from borderflows.cli.report_cmd import ReportProgress
from borderflows.notebooks import notebook_tables
from borderflows.report import ReportEvent
from borderflows.report.locate import MODELS_ENV
from borderflows.results.analysis import load_spec
from tests.report.fakes import FakeRunner, write_spec

runner = CliRunner()


@pytest.fixture
def fake_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, FakeRunner]:
    """Two fake analyses in a temporary models folder; the report dispatches to fake runners."""
    models = tmp_path / "models"
    write_spec(models, "chn_kaz", title="China to Kazakhstan")
    write_spec(models, "fdi", kind="forecast", title="FDI forecasts")
    monkeypatch.setenv(MODELS_ENV, str(models))
    fakes = {"mirror": FakeRunner(), "forecast": FakeRunner()}
    monkeypatch.setattr("borderflows.report.build.runner_for", lambda kind: fakes[kind])
    return fakes


def test_report_writes_both_twins_and_prints_headlines(fake_models: dict[str, FakeRunner], tmp_path: Path) -> None:
    out = tmp_path / "report"
    result = runner.invoke(app, ["report", "--out", str(out), "--preset", "fast"])
    assert result.exit_code == 0, result.output
    assert (out / "report.html").is_file()
    assert (out / "report.md").is_file()
    assert "China to Kazakhstan: records miss" in result.output
    assert "refit" in result.output
    assert fake_models["mirror"].calls[0][2] == "fast"

    again = runner.invoke(app, ["report", "--out", str(out), "--only", "fdi"])
    assert again.exit_code == 0, again.output
    assert "reused an earlier refit" in again.output
    assert "chn_kaz" not in again.output

    forced = runner.invoke(app, ["report", "--out", str(out), "--only", "fdi", "--refit"])
    assert forced.exit_code == 0, forced.output
    assert len(fake_models["forecast"].calls) == 2


def test_strict_exits_non_zero_when_a_result_is_not_citable(fake_models: dict[str, FakeRunner], tmp_path: Path) -> None:
    fake_models["forecast"].citable = False
    fake_models["forecast"].warn = True
    lenient = runner.invoke(app, ["report", "--out", str(tmp_path / "a")])
    assert lenient.exit_code == 0
    assert "NOT citable" in lenient.output
    assert "warning (ConvergenceWarning): posterior is NOT citable: R-hat 1.050" in lenient.output
    strict = runner.invoke(app, ["report", "--out", str(tmp_path / "b"), "--strict"])
    assert strict.exit_code == EXIT_NOT_CITABLE


@pytest.mark.parametrize(
    ("arguments", "message"),
    [(["--only", "nope"], "unknown analysis id(s) nope"), (["--preset", "medium"], "unknown preset 'medium'")],
)
def test_bad_options_give_one_line_and_exit_2(
    fake_models: dict[str, FakeRunner], tmp_path: Path, arguments: list[str], message: str
) -> None:
    result = runner.invoke(app, ["report", "--out", str(tmp_path), *arguments])
    assert result.exit_code == EXIT_USER_ERROR
    assert message in result.output
    assert "Traceback" not in result.output


def test_notebooks_rejects_an_unknown_notebook(tmp_path: Path) -> None:
    result = runner.invoke(app, ["notebooks", "--out", str(tmp_path), "--only", "99"])
    assert result.exit_code == EXIT_USER_ERROR
    assert "unknown notebook(s) 99" in result.output


CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
"""Control characters other than newline and tab: colour codes, carriage returns, cursor movement."""


def test_piped_output_is_plain_lines_with_every_step(fake_models: dict[str, FakeRunner], tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", "--out", str(tmp_path / "r"), "--preset", "fast"])
    assert result.exit_code == 0, result.output
    assert not CONTROL.search(result.output), repr(CONTROL.findall(result.output))
    for analysis in ("[1/2] chn_kaz", "[2/2] fdi"):
        assert f"{analysis}: checking inputs" in result.output
        for step in ("fit", "tables", "figures", "headline"):
            assert f"  {analysis}: {step}\n" in result.output
    assert fake_models["mirror"].sampler_bars == [False]  # never the sampler's own bar in logs


def _event(kind: str, index: int, message: str) -> ReportEvent:
    spec = load_spec(write_spec(Path(tempfile.mkdtemp()) / "models", f"analysis{index}"))
    return ReportEvent(kind, index, 2, spec, message)  # type: ignore[arg-type]


def test_terminal_shows_a_bar_that_makes_way_for_the_sampler() -> None:
    screen = StringIO()
    terminal = Console(file=screen, force_terminal=True, width=100)
    with ReportProgress(terminal) as shown:
        assert shown.interactive
        shown.update(_event("check", 1, "checking analysis1"))
        shown.update(_event("reuse", 1, "reused the committed outputs"))
        shown.update(_event("done", 1, "reused"))
        shown.update(_event("refit", 2, "analysis2: refit (preset fast)"))
        assert not shown._bar.live.is_started  # the sampler's bar has the terminal
        shown.update(_event("step", 2, "fit arrivals"))
        shown.update(_event("done", 2, "refit"))
        assert shown._bar.live.is_started
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen.getvalue())
    assert "[1/2] analysis1: reused the committed outputs" in text
    assert "[2/2] analysis2: fit arrivals" in text
    assert "2/2" in text  # the bar's completed count


def test_notebooks_renders_a_folder_in_the_requested_preset(tmp_path: Path) -> None:
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    (scripts / "01_echo.py").write_text(
        '# %% tags=["parameters"]\npreset = "fast"\n\n# %%\nimport pandas as pd\n\n'
        "from borderflows.notebooks import show_table\n\n"
        'show_table(pd.DataFrame({"preset": [preset]}), "echo")\n'
    )
    out = tmp_path / "out"
    result = runner.invoke(app, ["notebooks", "--folder", str(scripts), "--out", str(out), "--timeout", "120"])
    assert result.exit_code == 0, result.output
    assert "running 01_echo.py (preset full)" in result.output
    executed = notebook_tables(nbformat.read(out / "01_echo.ipynb", as_version=4))
    assert executed["echo"]["preset"].tolist() == ["full"]  # the command's default preset reached the notebook
