"""The report in a real browser at 1,400 px: figure before table in each analysis, short main tables, the
headline's interval probability on the figure's band, no horizontal scroll; the first screen is saved.

Needs Debian's ``chromium`` (installed by ``.ci/run``); skipped with a reason when it is absent. The
screenshot is written next to the report (``first_screen.png``) and copied to ``build/artifacts/``
(git-ignored); ``docs/report_first_screen.png`` in the README is the record's, copied from there.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from borderflows.report import Report, build_report, check_record, discover_specs, repo_root, runner_for, write_report
from borderflows.report.atlas import ANCHOR as ATLAS_ANCHOR
from borderflows.report.record import headline_interval
from borderflows.report.tables import MAX_MAIN_ROWS
from borderflows.results.intervals import describe
from tests.report.browser import chromium, render
from tests.report.fakes import FakeRunner, write_spec

pytestmark = pytest.mark.skipif(chromium() is None, reason="chromium is not installed (apt-get install chromium)")

ARTIFACTS = repo_root() / "build" / "artifacts"
WIDTH = 1400


def _check(report: Report, html: Path, work: Path, name: str) -> None:
    screenshot = html.parent / "first_screen.png"
    rendered = render(html, work, screenshot, width=WIDTH, height=900)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(screenshot, ARTIFACTS / f"{name}_first_screen.png")
    assert screenshot.stat().st_size > 10_000, "screenshot is (nearly) empty"
    measured = rendered.measured
    assert measured["inner_width"] == WIDTH
    assert measured["scroll_width"] <= WIDTH, "the page scrolls sideways at 1400 px"
    assert all(complete and width > 0 for _, width, complete in measured["images"]), measured["images"]
    assert max(measured["main_table_rows"]) <= MAX_MAIN_ROWS
    sections = {section["id"]: section for section in measured["sections"]}
    atlas_ids = [ATLAS_ANCHOR] if report.atlas is not None else []
    assert list(sections) == [entry.spec.analysis_id for entry in report.entries] + atlas_ids
    if report.atlas is not None:
        atlas = sections[ATLAS_ANCHOR]
        assert atlas["figure_top"] is not None, "atlas: no figure"
        assert atlas["table_top"] is not None, "atlas: no table"
        assert atlas["figure_top"] < atlas["table_top"], "atlas: a table comes first"
        rows = report.atlas.pairs
        assert atlas["interval"] == describe(float(rows["prob"].iloc[0]), str(rows["kind"].iloc[0]))
        assert any("Placebo pairs" in sentence for sentence in atlas["headlines"]), atlas["headlines"]
    for entry in report.entries:
        section = sections[entry.spec.analysis_id]
        assert section["headlines"] == list(entry.output.headlines)
        assert section["figure_top"] is not None, f"{entry.spec.analysis_id}: no figure"
        assert section["table_top"] is not None, f"{entry.spec.analysis_id}: no table"
        assert section["figure_top"] < section["table_top"], f"{entry.spec.analysis_id}: a table comes first"
        stated = {describe(prob, kind) for prob, kind in headline_interval(entry.output.headlines)}
        assert stated == {section["band"]}, f"{entry.spec.analysis_id}: headline {stated}, band {section['band']}"


def test_report_of_fake_analyses_renders(tmp_path: Path) -> None:
    models = tmp_path / "models"
    write_spec(models, "chn_kaz", title="China to Kazakhstan")
    write_spec(models, "fdi", kind="forecast", title="FDI forecasts")
    runners = {"mirror": FakeRunner(headline_prob=0.8), "forecast": FakeRunner(citable=False, n_series=12)}
    report = build_report(tmp_path / "out", models=models, runners=runners)
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
    html, markdown = write_report(report, tmp_path / "out")
    assert markdown.stat().st_size < 60_000
    _check(report, html, tmp_path, "report_of_record")
