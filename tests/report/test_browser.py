"""The report renders in a real browser: headline tables present, every figure decoded, screenshot saved.

Needs Debian's ``chromium`` (installed by ``.ci/run``); skipped with a reason when it is absent.
The screenshots are build artefacts under ``build/artifacts/`` (git-ignored).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from borderflows.report import Report, build_report, check_record, discover_specs, repo_root, runner_for, write_report
from tests.report.browser import chromium, render
from tests.report.fakes import FakeRunner, write_spec

pytestmark = pytest.mark.skipif(chromium() is None, reason="chromium is not installed (apt-get install chromium)")

ARTIFACTS = repo_root() / "build" / "artifacts"


def _check(report: Report, html: Path, work: Path, name: str) -> None:
    rendered = render(html, work, ARTIFACTS / f"{name}.png")
    assert rendered.screenshot.stat().st_size > 10_000, "screenshot is (nearly) empty"
    figures = [(e.spec.analysis_id, figure) for e in report.entries for figure in e.output.figures]
    images = rendered.images()
    assert rendered.body_attribute("data-images-total") == str(len(figures)), "load script did not run"
    assert rendered.body_attribute("data-images-decoded") == str(len(figures))
    assert [figure for _, figure in figures] == [figure for figure, _ in images]
    assert all(width > 0 for _, width in images), f"broken image(s): {images}"
    assert '<table class="data" id="summary">' in rendered.dom
    for entry in report.entries:
        for sentence in entry.output.headlines:
            assert sentence.replace("&", "&amp;") in rendered.dom
        for table in entry.output.tables:
            assert f'data-table="{table}"><table' in rendered.dom.replace("\n", "")


def test_report_of_fake_analyses_renders(tmp_path: Path) -> None:
    models = tmp_path / "models"
    write_spec(models, "chn_kaz", title="China to Kazakhstan")
    write_spec(models, "fdi", kind="forecast", title="FDI forecasts")
    report = build_report(
        tmp_path / "out", models=models, runners={"mirror": FakeRunner(), "forecast": FakeRunner(citable=False)}
    )
    html, _ = write_report(report, tmp_path / "out")
    _check(report, html, tmp_path, "report_fake")


def test_report_of_record_renders_from_committed_outputs(tmp_path: Path) -> None:
    """The analyses of record with committed outputs: those must be current, and they must render.

    A spec with no outputs yet (an analysis being set up) is left out; outputs that exist but no
    longer match the data, package version or seed fail the test, since the report would refit them.
    """
    models = repo_root() / "models"
    if not list(models.glob("*/spec.toml")):
        pytest.skip("no analyses of record committed in models/ yet")
    committed, stale = [], []
    for spec in discover_specs(models):
        if not (spec.folder / "headline.json").is_file():
            continue
        check = check_record(spec, spec.folder, runner_for(spec.kind).input_hash(spec))
        (committed if check.current else stale).append(f"{spec.analysis_id}: {check.reason}")
    assert not stale, "stale committed outputs (regenerate with `borderflows report --write-record --only ID`): " + (
        "; ".join(stale)
    )
    if not committed:
        pytest.skip("no analysis of record has committed outputs yet")
    only = [line.split(":")[0] for line in committed]
    report = build_report(tmp_path / "out", models=models, only=only, allow_refit=False)
    assert [entry.action for entry in report.entries] == ["reused"] * len(only)
    html, _ = write_report(report, tmp_path / "out")
    _check(report, html, tmp_path, "report_of_record")
