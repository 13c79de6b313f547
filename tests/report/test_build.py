"""build_report: reuse current outputs, refit stale ones into the report folder, never over the record."""

from __future__ import annotations

from pathlib import Path

import pytest

from borderflows import progress
from borderflows.exceptions import BorderflowsError
from borderflows.report import ReportEvent, build_report
from borderflows.report.record import diagnostics_frame
from borderflows.results.analysis import load_spec
from tests.report.fakes import FakeRunner, write_spec


@pytest.fixture
def models(tmp_path: Path) -> Path:
    folder = tmp_path / "models"
    write_spec(folder, "chn_kaz", title="China to Kazakhstan")
    write_spec(folder, "migration", kind="forecast", title="Migration")
    return folder


def test_missing_outputs_are_refit_into_the_report_folder_then_reused(models: Path, tmp_path: Path) -> None:
    runner = FakeRunner()
    out = tmp_path / "out"
    events: list[ReportEvent] = []
    report = build_report(out, models=models, runners={"mirror": runner, "forecast": runner}, on_event=events.append)
    assert [e.action for e in report.entries] == ["refit", "refit"]
    assert [call[1] for call in runner.calls] == [out / "analyses" / "chn_kaz", out / "analyses" / "migration"]
    assert [call[2] for call in runner.calls] == ["full", "full"]  # the specs' preset of record
    assert not (models / "chn_kaz" / "manifest.json").exists()  # the record is untouched
    assert [e.kind for e in events].count("refit") == 2

    events.clear()
    again = build_report(out, models=models, runners={"mirror": runner, "forecast": runner}, on_event=events.append)
    assert len(runner.calls) == 2  # nothing refitted
    assert [e.action for e in again.entries] == ["reused", "reused"]
    assert "earlier refit" in again.entries[0].why
    assert [(e.kind, e.spec.analysis_id) for e in events if e.kind != "check"] == [
        ("reuse", "chn_kaz"),
        ("done", "chn_kaz"),
        ("reuse", "migration"),
        ("done", "migration"),
    ]


def test_the_callback_sees_every_analysis_and_every_step_of_a_refit(models: Path, tmp_path: Path) -> None:
    runner = FakeRunner()
    events: list[ReportEvent] = []
    runners = {"mirror": runner, "forecast": runner}
    build_report(tmp_path / "out", models=models, runners=runners, on_event=events.append)
    steps = ["check", "refit", "step:fit", "step:tables", "step:figures", "step:headline", "done"]
    assert [(e.index, e.total, e.spec.analysis_id) for e in events] == [(1, 2, "chn_kaz")] * len(steps) + [
        (2, 2, "migration")
    ] * len(steps)
    assert [e.kind if e.kind != "step" else f"step:{e.message}" for e in events] == steps * 2
    assert runner.sampler_bars == [False, False]  # the sampler draws no bar unless the caller allows it


def test_sampler_progress_reaches_the_runner_only_when_asked(models: Path, tmp_path: Path) -> None:
    runner = FakeRunner()
    build_report(tmp_path / "a", models=models, runners={"mirror": runner, "forecast": runner}, sampler_progress=True)
    assert runner.sampler_bars == [True, True]
    assert progress.sampler_progress_bar() is False  # restored after the report


def test_current_committed_outputs_are_reused_without_fitting(models: Path, tmp_path: Path) -> None:
    runner = FakeRunner()
    for folder in ("chn_kaz", "migration"):
        spec = load_spec(models / folder)
        runner.run_analysis(spec, spec.folder)
    runner.calls.clear()
    report = build_report(tmp_path / "out", models=models, runners={"mirror": runner, "forecast": runner})
    assert runner.calls == []
    entry = report.entries[0]
    assert entry.action == "reused"
    assert entry.folder == models / "chn_kaz"
    assert "committed outputs" in entry.why
    assert entry.manifest is not None
    assert entry.manifest.random_seed == 11
    assert set(entry.tables) == {"yearly", "margin_sensitivity"}
    assert entry.output.headlines[0].startswith("China to Kazakhstan: records miss")


def test_changed_data_triggers_a_refit_and_refit_flag_forces_one(models: Path, tmp_path: Path) -> None:
    runner = FakeRunner()
    spec = load_spec(models / "chn_kaz")
    runner.run_analysis(spec, spec.folder)
    runner.calls.clear()
    newer = FakeRunner(data_version="v2")
    report = build_report(tmp_path / "out", models=models, only=["chn_kaz"], runners={"mirror": newer})
    assert report.entries[0].action == "refit"
    assert "input data changed" in report.entries[0].why

    forced = FakeRunner(data_version="v2")
    report = build_report(tmp_path / "out", models=models, only=["chn_kaz"], refit=True, runners={"mirror": forced})
    assert len(forced.calls) == 1
    assert report.entries[0].why == "refit on request (--refit)"


def test_fast_preset_refits_never_touch_the_record(models: Path, tmp_path: Path) -> None:
    runner = FakeRunner()
    report = build_report(
        tmp_path / "out", models=models, preset="fast", refit=True, runners={"mirror": runner, "forecast": runner}
    )
    assert {call[2] for call in runner.calls} == {"fast"}
    assert all(entry.preset == "fast" for entry in report.entries)
    assert not any((models / name / "headline.json").exists() for name in ("chn_kaz", "migration"))
    with pytest.raises(BorderflowsError, match="record is made in preset 'full'"):
        build_report(
            tmp_path / "out",
            models=models,
            preset="fast",
            refit=True,
            write_record=True,
            runners={"mirror": runner, "forecast": runner},
        )


def test_write_record_refits_in_place(models: Path, tmp_path: Path) -> None:
    runner = FakeRunner()
    build_report(tmp_path / "out", models=models, only=["chn_kaz"], write_record=True, runners={"mirror": runner})
    assert (models / "chn_kaz" / "headline.json").is_file()


def test_unknown_preset_is_a_user_error(models: Path, tmp_path: Path) -> None:
    with pytest.raises(BorderflowsError, match="unknown preset 'medium'"):
        build_report(tmp_path, models=models, preset="medium", runners={"mirror": FakeRunner()})


def test_not_citable_verdict_and_reasons_flow_through(models: Path, tmp_path: Path) -> None:
    runner = FakeRunner(citable=False)
    report = build_report(tmp_path / "out", models=models, runners={"mirror": runner, "forecast": runner})
    assert not report.citable
    assert "R-hat 1.050" in report.entries[0].output.reasons[0]
    assert report.entries[0].diagnostics_rows["verdict"].iloc[0].startswith("NOT citable")


def test_diagnostics_frame_reads_single_and_per_fit_payloads() -> None:
    single = diagnostics_frame({"ok": True, "verdict": "citable", "max_rhat": 1.001})
    assert single.to_dict("records") == [{"fit": "posterior", "verdict": "citable", "max_rhat": 1.001}]
    per_fit = diagnostics_frame(
        {"fits": {"arrivals": {"ok": False, "reasons": ["2 divergent transitions"]}, "fdi": {"verdict": "n/a"}}}
    )
    assert list(per_fit["fit"]) == ["arrivals", "fdi"]
    assert per_fit["verdict"].iloc[0] == "NOT citable: 2 divergent transitions"
    assert diagnostics_frame(None).empty


def test_reuse_only_mode_refuses_to_refit(models: Path, tmp_path: Path) -> None:
    with pytest.raises(BorderflowsError, match=r"chn_kaz: outputs are not current.*--write-record"):
        build_report(tmp_path, models=models, allow_refit=False, runners={"mirror": FakeRunner()})
