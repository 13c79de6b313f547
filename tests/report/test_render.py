"""The report's HTML is self-contained and states verdicts, intervals and provenance; Markdown is its twin."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from borderflows.report import Report, build_report, write_report
from borderflows.report.render import interval_note
from tests.report.fakes import FakeRunner, write_spec


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Report, Path, Path]:
    root = tmp_path_factory.mktemp("render")
    models = root / "models"
    write_spec(models, "chn_kaz", title="China to Kazakhstan")
    write_spec(models, "migration", kind="forecast", title="Migration forecasts")
    report = build_report(
        root / "out", models=models, runners={"mirror": FakeRunner(), "forecast": FakeRunner(citable=False)}
    )
    html, markdown = write_report(report, root / "out")
    return report, html, markdown


def test_html_is_self_contained(written: tuple[Report, Path, Path]) -> None:
    _, html, _ = written
    page = html.read_text()
    assert not re.search(r'<(img|script|link|iframe)\b[^>]*\b(src|href)="(?!data:)', page), "external asset"
    assert page.count('src="data:image/png;base64,') == 2


def test_html_states_headlines_intervals_verdicts_and_provenance(written: tuple[Report, Path, Path]) -> None:
    report, html, _ = written
    page = html.read_text()
    for entry in report.entries:
        for sentence in entry.output.headlines:
            assert sentence in page
        assert entry.manifest is not None
        assert f"<dd>{entry.manifest.data_hash}</dd>" in page
    assert "Intervals: 90% equal-tailed interval" in page
    assert '<section class="analysis" id="migration" data-citable="no">' in page
    assert "R-hat 1.050 &gt; 1.01 for &#39;u&#39;" in page  # the reason, escaped
    assert '<div class="table" data-table="margin_sensitivity">' in page
    assert '<a href="https://data.imf.org">IMF DOTS</a>' in page
    assert "<dt>random seed</dt><dd>11</dd>" in page


def test_markdown_twin_has_the_same_content_and_figure_files(written: tuple[Report, Path, Path]) -> None:
    report, _, markdown = written
    text = markdown.read_text()
    for entry in report.entries:
        assert f"## {entry.spec.title}" in text
        for sentence in entry.output.headlines:
            assert f"> {sentence}" in text
    links = re.findall(r"!\[share\]\((figures/[^)]+)\)", text)
    assert len(links) == 2
    assert all((markdown.parent / link).is_file() for link in links)
    assert "**NOT citable: this result failed the diagnostics gate.**" in text
    assert "#### margin_sensitivity" in text


def test_interval_note_reads_the_table_not_a_label() -> None:
    frame = pd.DataFrame({"lower": [1.0, 2.0], "upper": [3.0, 4.0], "prob": [0.8, 0.95], "kind": ["eti", "hdi"]})
    assert interval_note(frame) == "Intervals: 80% equal-tailed interval, 95% highest-density interval"
    assert interval_note(frame.drop(columns=["prob", "kind"])).startswith("Warning")
    assert interval_note(pd.DataFrame({"year": [2024]})) == ""


def test_sources_come_from_the_manifest_with_links(tmp_path: Path) -> None:
    from dataclasses import replace

    from borderflows.report.render import sources_of

    models = tmp_path / "models"
    write_spec(models, "pair")
    report = build_report(tmp_path / "out", models=models, runners={"mirror": FakeRunner()})
    entry = report.entries[0]
    assert entry.manifest is not None
    manifest = replace(
        entry.manifest,
        extra={"source": "CIS-Stat table 3.1, https://new.cisstat.org/web/guest/cis-stat-home", "horizon": 5},
    )
    sources = sources_of(replace(entry, manifest=manifest))
    assert [(s.title.split(",")[0], s.url) for s in sources] == [
        ("CIS-Stat table 3.1", "https://new.cisstat.org/web/guest/cis-stat-home")
    ]
