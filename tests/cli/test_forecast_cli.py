"""``borderflows forecast``: user CSV end to end, listing, and one-line errors with exit status 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from borderflows.cli import app

runner = CliRunner()


@pytest.fixture
def user_csv(tmp_path: Path) -> Path:
    path = tmp_path / "arrivals.csv"
    rows = "\n".join(f"{2000 + i},{100 + 7 * i + (i % 3) * 4}" for i in range(15))
    path.write_text("year,value\n" + rows + "\n")
    return path


def test_forecast_user_csv_writes_everything(user_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["forecast", str(user_csv), "--horizon", "3", "--prob", "0.8", "--prob", "0.95"]
    result = runner.invoke(app, [*args, "--out", str(out), "--seed", "5"])
    assert result.exit_code == 0, result.output
    assert "2015" in result.output
    assert "0.95" in result.output
    assert "eti" in result.output
    stem = "arrivals_Default"
    for suffix in (".csv", ".md", ".tex", ".png", "_manifest.json"):
        assert (out / f"{stem}{suffix}").is_file(), suffix
    manifest = json.loads((out / f"{stem}_manifest.json").read_text())
    assert manifest["random_seed"] == 5
    assert manifest["model_id"] == "forecast/Default"
    table = (out / f"{stem}.md").read_text()
    assert "80% equal-tailed interval" in table
    assert "95% equal-tailed interval" in table


def test_forecast_with_backtest_and_model(user_csv: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["forecast", str(user_csv), "--model", "Naive", "--backtest", "--horizon", "2", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "arrivals_Naive_backtest.csv").is_file()
    assert "coverage" in result.output


def test_the_cli_knows_every_registered_model_without_importing_it() -> None:
    from borderflows.forecast.registry import BUILTIN_NAMES, available

    assert sorted(BUILTIN_NAMES) == available()


def test_list_shows_models() -> None:
    result = runner.invoke(app, ["forecast", "--list"])
    assert result.exit_code == 0, result.output
    assert "Default" in result.output
    assert "AutoETS" in result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("year,value\n2000,1\n2001,abc\n2002,3\n", "values must be numbers"),
        ("yr,val\n2000,1\n", "missing required column"),
        ("year,value\n2000,1\n2001,-2\n2002,3\n2003,4\n", "positive series must be > 0"),
    ],
)
def test_bad_csv_is_one_line_exit_2(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content)
    result = runner.invoke(app, ["forecast", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_unknown_series_and_model(user_csv: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["forecast", "no.such.series"])
    assert result.exit_code == 2
    assert "unknown series" in result.output
    result = runner.invoke(app, ["forecast", str(user_csv), "--model", "Oracle", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "unknown model 'Oracle'" in result.output


def test_forecast_bundled_series(tmp_path: Path) -> None:
    from borderflows import data

    name = "migration.table3_3.registered_total"  # ends with the partial 2014 row
    assert name in set(data.list_series()["name"])
    result = runner.invoke(app, ["forecast", name, "--horizon", "2", "--out", str(tmp_path), "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert "annualised" in result.output
    assert (tmp_path / f"{name}_Default.png").is_file()
