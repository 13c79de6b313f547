"""``borderflows data list`` and ``borderflows data show`` through typer's CliRunner."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from borderflows.cli import app

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.output


def test_data_list_shows_datasets_and_series() -> None:
    code, out = run("data", "list")
    assert code == 0, out
    for name in (
        "dots_panel",
        "mirror_chn_kaz",
        "evidence",
        "migration.cisstat.arrivals",
        "fdi.bop.net_liabilities_usd",
    ):
        assert name in out
    assert "1,889,561" in out


def test_show_chn_kaz_has_every_year_sources_and_footnote() -> None:
    code, out = run("data", "show", "CHN", "KAZ")
    assert code == 0, out
    for year in [*range(1992, 2021), 2024]:
        assert f"│ {year} │" in out
    assert "27,954.3" in out  # China-reported exports 2024 (UN Comtrade)
    assert "15,153.5" in out  # Kazakhstan-reported imports 2024
    assert "12,800.9" in out  # raw gap X - M
    assert "0.542" in out  # ratio M / X
    assert "un_comtrade" in out
    assert "imf_dots" in out
    assert "derived_from_partner:" in out  # footnote explains the 1992-1993 flag
    assert "Default source" in out


def test_show_reverse_and_years_and_csv(tmp_path: Path) -> None:
    path = tmp_path / "kaz_chn.csv"
    code, out = run("data", "show", "KAZ", "CHN", "--years", "2018-2020,2024", "--csv", str(path))
    assert code == 0, out
    assert "exports by KAZ" in out
    frame = pd.read_csv(path)
    assert frame["year"].tolist() == [2018, 2019, 2020, 2024]
    assert list(frame.columns)[:3] == ["year", "exports_reported", "imports_reported"]


@pytest.mark.parametrize(
    "args",
    [
        ("data", "show", "CHN", "XXX"),
        ("data", "show", "CHN", "CHN"),
        ("data", "show", "CHN", "KAZ", "--years", "soon"),
        ("data", "show", "CHN", "KAZ", "--years", "1900-1901"),
    ],
)
def test_show_errors_are_one_line_and_exit_2(args: tuple[str, ...]) -> None:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "error:" in lines[0]
    assert "Traceback" not in result.output
