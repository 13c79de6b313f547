"""``borderflows data fetch ...`` commands, offline against the fixtures."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from borderflows.cli import app
from tests.fetch.conftest import FakeWeb

runner = CliRunner()
KEY = "TESTKEY-cli-987654321"


def test_comtrade_command_writes_the_table(fake_web: FakeWeb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMTRADE_API_KEY", KEY)
    fake_web.add_file("/data/v1/get/", "comtrade_total.json")
    out = tmp_path / "ct.csv"
    result = runner.invoke(app, ["data", "fetch", "comtrade", "CHN", "KAZ", "--years", "2022-2023", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "un_comtrade: 8 rows, 2022-2023" in result.output
    assert "comtradeapicall" in result.output
    assert KEY not in result.output
    assert len(pd.read_csv(out)) == 8

    listed = runner.invoke(app, ["data", "fetch", "cache"])
    assert listed.exit_code == 0
    assert "1 cached download(s)" in listed.output
    cleared = runner.invoke(app, ["data", "fetch", "cache", "--clear"])
    assert "removed 1" in cleared.output


def test_comtrade_without_key_is_one_line_and_exit_2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COMTRADE_API_KEY", raising=False)
    result = runner.invoke(app, ["data", "fetch", "comtrade", "CHN", "KAZ", "--years", "2023"])
    assert result.exit_code == 2
    assert "COMTRADE_API_KEY" in result.output
    assert "Traceback" not in result.output


def test_wdi_and_imf_commands(fake_web: FakeWeb) -> None:
    fake_web.add_file("/sources/2?", "wdi_source_2.json")
    fake_web.add_file("/indicator/BX.KLT.DINV.CD.WD", "wdi_fdi.json")
    fake_web.add_file(
        "/data/IMF.STA,IMTS/", "imts_chn_kaz.xml", content_type="application/vnd.sdmx.genericdata+xml; version=2.1"
    )
    wdi = runner.invoke(app, ["data", "fetch", "wdi", "BX.KLT.DINV.CD.WD", "--years", "2019-2022"])
    assert wdi.exit_code == 0, wdi.output
    assert "wdi: 7 rows" in wdi.output
    imf = runner.invoke(app, ["data", "fetch", "imf", "CHN", "KAZ", "--years", "2022-2023"])
    assert imf.exit_code == 0, imf.output
    assert "imf_imts: 4 rows" in imf.output


def test_offline_is_one_line_and_exit_2() -> None:
    result = runner.invoke(app, ["data", "fetch", "imf", "CHN", "KAZ", "--years", "2022"])
    assert result.exit_code == 2
    assert "Could not reach the IMF" in result.output
