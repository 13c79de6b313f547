"""``borderflows mirror``: smoke run on the bundled China->Kazakhstan data with the fast preset."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from borderflows.cli import app


def test_mirror_cli_writes_every_output(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = CliRunner().invoke(
        app,
        [
            "mirror",
            "CHN",
            "KAZ",
            "--mode",
            "pair",
            "--no-evidence",
            "--preset",
            "fast",
            "--seed",
            "3",
            "--years",
            "2005-2020",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "90% equal-tailed interval" in result.output
    assert "CHN->KAZ: fit with the non-centred walk (4 chains x " in result.output  # the steps are shown
    for name in ("yearly.csv", "yearly.md", "summary.tex", "share.png", "diagnostics.json", "manifest.json"):
        assert (out / name).is_file(), name
    assert (out / "posterior" / "posterior.nc").is_file()


def test_mirror_cli_bad_years_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["mirror", "CHN", "KAZ", "--years", "soon", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "1995-2024" in result.output


def test_mirror_cli_bad_walk_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["mirror", "CHN", "KAZ", "--walk", "sideways", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "option '--walk': 'sideways'" in result.output
    assert "Traceback" not in result.output
