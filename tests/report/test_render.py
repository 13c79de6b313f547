"""The report reads in order (headline, figure, compact table, how to read, diagnostics), states one interval
probability in sentence and picture, keeps the main body short, and writes CSV/LaTeX files; Markdown is its twin."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from borderflows.report import Report, build_report, repo_root, write_report
from borderflows.report.record import headline_interval
from borderflows.report.render import sources_of
from borderflows.report.tables import MAX_MAIN_ROWS, interval_note
from tests.report.fakes import FakeRunner, RecordedRunner, write_spec

SECTION = re.compile(r'<section class="analysis" id="(?P<id>[^"]+)".*?</section>', re.S)


def _report(root: Path, **forecast: object) -> tuple[Report, Path, Path]:
    models = root / "models"
    write_spec(models, "chn_kaz", title="China to Kazakhstan")
    write_spec(models, "migration", kind="forecast", title="Migration forecasts")
    runners = {"mirror": FakeRunner(), "forecast": FakeRunner(citable=False, **forecast)}  # type: ignore[arg-type]
    report = build_report(root / "out", models=models, runners=runners)
    html, markdown = write_report(report, root / "out")
    return report, html, markdown


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Report, Path, Path]:
    return _report(tmp_path_factory.mktemp("render"))


def _sections(page: str) -> dict[str, str]:
    return {match["id"]: match.group(0) for match in SECTION.finditer(page)}


def test_html_is_self_contained(written: tuple[Report, Path, Path]) -> None:
    _, html, _ = written
    page = html.read_text()
    assert not re.search(r'<(img|script|link|iframe)\b[^>]*\b(src|href)="(?!data:)', page), "external asset"
    assert "<script" not in page
    # The main figures redraw the records' own share and fan pictures, which are therefore left out.
    assert page.count('src="data:image/png;base64,') == 2


def test_each_section_reads_headline_figure_table_guide_diagnostics(written: tuple[Report, Path, Path]) -> None:
    report, html, _ = written
    sections = _sections(html.read_text())
    assert list(sections) == [entry.spec.analysis_id for entry in report.entries]
    for entry in report.entries:
        body = sections[entry.spec.analysis_id]
        marks = ['class="headline"', "<img", "<table class=", 'class="howto"', 'class="diagnostics"']
        positions = [body.index(mark) for mark in marks]
        assert positions == sorted(positions), entry.spec.analysis_id
        assert body.count("<details>") == 1  # the per-fit diagnostics, folded
        assert "<table" not in body.split('class="howto"')[0].split("<table class=", 2)[-1]  # one table


def test_front_page_quotes_headlines_and_verdicts_and_links_down(written: tuple[Report, Path, Path]) -> None:
    report, html, _ = written
    page = html.read_text()
    front = page[page.index('id="front"') : page.index('<section class="analysis"')]
    for entry in report.entries:
        assert entry.output.headlines[0] in front
        assert f'href="#{entry.spec.analysis_id}"' in front
    assert "NOT citable: R-hat 1.050 &gt; 1.01 for &#39;u&#39;" in front  # the reason, escaped
    assert front.count("Citable: every fit passed") == 1


@pytest.mark.parametrize("prob", [0.9, 0.8])
def test_figure_band_states_the_headlines_probability(tmp_path: Path, prob: float) -> None:
    models = tmp_path / "models"
    write_spec(models, "pair", title="Pair")
    write_spec(models, "fc", kind="forecast", title="Forecasts")
    runner = FakeRunner(headline_prob=prob)
    report = build_report(tmp_path / "out", models=models, runners={"mirror": runner, "forecast": runner})
    html, _ = write_report(report, tmp_path / "out")
    for analysis_id, body in _sections(html.read_text()).items():
        band = re.search(r'data-band="([^"]*)"', body)
        headline = re.search(r'<p class="headline">([^<]*)</p>', body)
        assert band is not None, analysis_id
        assert headline is not None, analysis_id
        assert headline_interval([headline.group(1)]) == [(prob, "eti")]
        assert band.group(1) == f"{prob:.0%} equal-tailed interval"


def test_main_tables_stay_short_and_the_full_ones_are_files(tmp_path: Path) -> None:
    _, html, markdown = _report(tmp_path, n_series=10)  # 10 series x 5 years: 50 rows
    page = html.read_text()
    main = page[page.index("<main>") : page.index("</main>")]
    main = re.sub(r"<details>.*?</details>", "", main, flags=re.S)
    rows = [table.count("<tr>") - 1 for table in re.findall(r"<table.*?</table>", main, re.S)]
    assert rows
    assert max(rows) <= MAX_MAIN_ROWS
    assert "first and last forecast years shown" in page
    out = markdown.parent
    full = pd.read_csv(out / "tables" / "migration" / "main_table.csv")
    assert len(full) == 50
    assert set(full["series"]) >= {"fdi.wiiw.stock.chn_eur", "fake.series_9"}
    latex = (out / "tables" / "migration" / "main_table.tex").read_text()
    assert "\\toprule" in latex  # booktabs
    assert "\\bottomrule" in latex
    assert "90\\% interval" in latex
    linked = re.findall(r"\]\(((?:tables|figures)/[^)]+)\)", markdown.read_text())
    assert linked
    assert all((out / link).is_file() for link in linked)
    assert {"tables/chn_kaz/yearly.csv", "tables/chn_kaz/yearly.tex"} <= set(linked)


def test_mirror_table_has_both_reports_share_and_usd_with_the_headlines_interval(
    written: tuple[Report, Path, Path],
) -> None:
    _, html, _ = written
    body = _sections(html.read_text())["chn_kaz"]
    header = re.search(r"<thead>(.*?)</thead>", body, re.S)
    assert header is not None
    cells = re.findall(r"<th>([^<]*)</th>", header.group(1))
    assert cells == [
        "year",
        "China's report (USD m)",
        "Kazakhstan's report (USD m)",
        "share missing, median [90% interval]",
        "unrecorded (USD m), median [90% interval]",
    ]
    table = pd.read_csv(html.parent / "tables" / "chn_kaz" / "yearly.csv")
    last = table[(table["quantity"] == "u") & (table["prob"] == 0.9)].iloc[-1]
    assert f"{last['estimate']:.0%} [{last['lower']:.0%}, {last['upper']:.0%}]" in body


def test_how_to_read_names_the_caveats_and_a_pending_placebo(written: tuple[Report, Path, Path]) -> None:
    _, html, _ = written
    body = _sections(html.read_text())["chn_kaz"]
    for topic in ("Transit.", "Coverage changes.", "Origin rules.", "Placebo check pending"):
        assert topic in body
    assert "Eurasian Economic Union" in body  # Kazakhstan is a member


def test_record_fields_beyond_the_sentences_are_shown_when_present(tmp_path: Path) -> None:
    models = tmp_path / "models"
    write_spec(models, "pair", title="Pair")
    runner = FakeRunner()
    spec_folder = models / "pair"
    from borderflows.results.analysis import load_spec

    runner.run_analysis(load_spec(spec_folder), spec_folder)
    headline = json.loads((spec_folder / "headline.json").read_text())
    headline |= {
        "estimand": "The shortfall beyond what comparable pairs show",
        "percentile": {"value": 0.93, "sentence": "93rd percentile of 8,014 pairs"},
        "verdict_reason": "Citable: converged and identified by the data",
    }
    (spec_folder / "headline.json").write_text(json.dumps(headline))
    (models / "mirror_placebo").mkdir()
    (models / "mirror_placebo" / "summary.json").write_text(
        json.dumps({"sentence": "On 40 placebo pairs the median share was 2%", "pairs": 40, "false_citable": 1})
    )
    report = build_report(tmp_path / "out", models=models, runners={"mirror": runner})
    html, markdown = write_report(report, tmp_path / "out")
    for text in (html.read_text(), markdown.read_text()):
        assert "The shortfall beyond what comparable pairs show" in text
        assert "93rd percentile of 8,014 pairs" in text
        assert "Citable: converged and identified by the data" in text
        assert "On 40 placebo pairs the median share was 2% (pairs: 40; false citable: 1)" in text
        assert "pending" not in text


def test_markdown_twin_has_the_same_order_and_figure_files(written: tuple[Report, Path, Path]) -> None:
    report, _, markdown = written
    text = markdown.read_text()
    for entry in report.entries:
        start = text.index(f"## {entry.spec.title}")
        body = text[start : text.index("[Tables, sensitivity", start)]
        marks = [f"> {entry.output.headlines[0]}", "![", "| year", "> **How to read this**", "**Diagnostics:**"]
        positions = [body.find(mark) for mark in marks]
        assert -1 not in positions, (entry.spec.analysis_id, positions)
        assert positions == sorted(positions), (entry.spec.analysis_id, positions)
    links = re.findall(r"!\[[^\]]*\]\((figures/[^)]+)\)", text)
    assert len(links) == 2
    assert all((markdown.parent / link).is_file() for link in links)
    assert "**NOT citable: R-hat 1.050" in text
    assert "<details><summary>Diagnostics per fit</summary>" in text


def test_interval_note_reads_the_table_not_a_label() -> None:
    frame = pd.DataFrame({"lower": [1.0, 2.0], "upper": [3.0, 4.0], "prob": [0.8, 0.95], "kind": ["eti", "hdi"]})
    assert interval_note(frame) == "Intervals: 80% equal-tailed interval, 95% highest-density interval"
    assert interval_note(frame.drop(columns=["prob", "kind"])).startswith("Warning")
    assert interval_note(pd.DataFrame({"year": [2024]})) == ""


def test_sources_come_from_the_manifest_with_links(tmp_path: Path) -> None:
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


def test_markdown_of_the_records_is_small_and_reuses_them(tmp_path: Path) -> None:
    """The committed records render without a refit, and their report.md stays under 60 KB."""
    models = repo_root() / "models"
    recorded = RecordedRunner()
    specs = [path.parent.name for path in models.glob("*/spec.toml") if (path.parent / "headline.json").is_file()]
    if not specs:
        pytest.skip("no analysis of record has committed outputs yet")
    report = build_report(
        tmp_path, models=models, only=specs, allow_refit=False, runners={"mirror": recorded, "forecast": recorded}
    )
    assert {entry.action for entry in report.entries} == {"reused"}
    _, markdown = write_report(report, tmp_path)
    assert markdown.stat().st_size < 60_000
