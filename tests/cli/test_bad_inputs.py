"""Bad inputs through every command: exit 2, one line naming the option or column and the fix, before any fit.

Each case runs in-process with typer's CliRunner while the samplers and model compilers are replaced
by functions that fail the test if called, so "before any fit" is checked, not assumed. A few cases
also run as real processes to check that a refused option never imports PyMC (what makes it fast).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from borderflows.cli import app

SECONDS = 5.0
"""Wall-time limit of one refused command (issue 13)."""

FILES = {
    "empty.csv": b"",
    "header_only.csv": b"year,value\n",
    "wrong_columns.csv": b"date,amount\n2000,1\n2001,2\n2002,3\n",
    "text.csv": b"year,value\n2000,12\n2001,1 200\n2002,14\n",
    "short.csv": b"year,value\n2000,1\n2001,2\n",
    "repeated.csv": b"year,value\n2000,1\n2000,2\n2001,3\n2002,4\n",
    "negative.csv": b"year,value\n2000,1\n2001,-2\n2002,3\n",
    "fractional.csv": b"year,value\n2000,1.5\n2001,2\n2002,3\n",
    "old.csv": b"year,value\n1800,1\n1801,2\n1802,3\n",
    "dates.csv": b"year,value\n2000-01-01,1\n2001-01-01,2\n2002-01-01,3\n",
    "binary.csv": bytes(range(128, 256)) * 4,
    "a_file": b"not a folder\n",
    "pairs_unknown.csv": b"exporter,importer\nCHN,KAZ\nCHN,XXX\n",
    "pairs_same.csv": b"exporter,importer\nKAZ,KAZ\n",
}

MIRROR = ["mirror", "CHN", "KAZ", "--mode", "pair", "--preset", "fast"]

CASES: list[tuple[str, list[str], str]] = [
    # (id, arguments; {tmp} is the test's folder, text the one line must contain)
    ("mirror-unknown-preset", ["mirror", "CHN", "KAZ", "--preset", "quick"], "'--preset'"),
    ("mirror-negative-margin", ["mirror", "CHN", "KAZ", "--margin-prior", "-2"], "'--margin-prior'"),
    ("mirror-margin-in-percent", ["mirror", "CHN", "KAZ", "--margin-prior", "7"], "'--margin-prior'"),
    ("mirror-prob-above-one", [*MIRROR, "--prob", "1.5"], "'--prob'"),
    ("mirror-prob-zero", [*MIRROR, "--prob", "0"], "'--prob'"),
    ("mirror-prob-negative", [*MIRROR, "--prob", "-0.5"], "'--prob'"),
    ("mirror-prob-text", [*MIRROR, "--prob", "ninety"], "'--prob'"),
    ("mirror-unknown-exporter", ["mirror", "XXX", "KAZ"], "'EXPORTER'"),
    ("mirror-unknown-importer", ["mirror", "CHN", "Atlantis"], "'IMPORTER'"),
    ("mirror-aggregate", ["mirror", "World", "KAZ"], "'EXPORTER'"),
    ("mirror-same-country", ["mirror", "KAZ", "Kazakhstan"], "'IMPORTER'"),
    ("mirror-missing-importer", ["mirror", "CHN"], "importer"),
    ("mirror-unknown-mode", ["mirror", "CHN", "KAZ", "--mode", "panels"], "'--mode'"),
    ("mirror-unknown-walk", ["mirror", "CHN", "KAZ", "--walk", "sideways"], "'--walk'"),
    ("mirror-years-text", ["mirror", "CHN", "KAZ", "--years", "soon"], "'--years'"),
    ("mirror-years-reversed", ["mirror", "CHN", "KAZ", "--years", "2020-1995"], "'--years'"),
    ("mirror-years-out-of-range", ["mirror", "CHN", "KAZ", "--years", "1700-1800"], "'--years'"),
    ("mirror-years-one-year", ["mirror", "CHN", "KAZ", "--years", "2015"], "'--years'"),
    ("mirror-breakpoint-year", ["mirror", "CHN", "KAZ", "--breakpoint", "3000"], "'--breakpoint'"),
    ("mirror-negative-seed", ["mirror", "CHN", "KAZ", "--seed", "-1"], "'--seed'"),
    ("mirror-seed-text", ["mirror", "CHN", "KAZ", "--seed", "abc"], "'--seed'"),
    ("mirror-out-is-a-file", ["mirror", "CHN", "KAZ", "--out", "{tmp}/a_file"], "'--out'"),
    ("mirror-unknown-flag", ["mirror", "CHN", "KAZ", "--draws", "10"], "--draws"),
    ("forecast-empty-file", ["forecast", "{tmp}/empty.csv"], "empty.csv is empty"),
    ("forecast-header-only", ["forecast", "{tmp}/header_only.csv"], "header_only.csv"),
    ("forecast-wrong-columns", ["forecast", "{tmp}/wrong_columns.csv"], "column 'year'"),
    ("forecast-non-numeric", ["forecast", "{tmp}/text.csv"], "column 'value'"),
    ("forecast-too-short", ["forecast", "{tmp}/short.csv"], "column 'value'"),
    ("forecast-repeated-year", ["forecast", "{tmp}/repeated.csv"], "column 'year'"),
    ("forecast-negative-positive", ["forecast", "{tmp}/negative.csv"], "column 'value'"),
    ("forecast-fractional-count", ["forecast", "{tmp}/fractional.csv", "--series-kind", "count"], "column 'value'"),
    ("forecast-years-out-of-range", ["forecast", "{tmp}/old.csv"], "column 'year'"),
    ("forecast-dates-not-years", ["forecast", "{tmp}/dates.csv"], "column 'year'"),
    ("forecast-not-text", ["forecast", "{tmp}/binary.csv"], "binary.csv"),
    ("forecast-missing-file", ["forecast", "{tmp}/nowhere.csv"], "nowhere.csv"),
    ("forecast-unknown-series", ["forecast", "migration.nowhere"], "'SERIES'"),
    ("forecast-no-series", ["forecast"], "'SERIES'"),
    ("forecast-prob-above-one", ["forecast", "{tmp}/short.csv", "--prob", "1.5"], "'--prob'"),
    ("forecast-prob-one", ["forecast", "{tmp}/short.csv", "--prob", "1"], "'--prob'"),
    ("forecast-unknown-kind", ["forecast", "{tmp}/short.csv", "--kind", "wald"], "'--kind'"),
    (
        "forecast-unknown-preset",
        ["forecast", "{tmp}/short.csv", "--model", "DampedTrend", "--preset", "quick"],
        "'--preset'",
    ),
    ("forecast-unknown-model", ["forecast", "{tmp}/short.csv", "--model", "Prophet"], "'--model'"),
    ("forecast-unknown-series-kind", ["forecast", "{tmp}/short.csv", "--series-kind", "money"], "'--series-kind'"),
    ("forecast-horizon-zero", ["forecast", "{tmp}/short.csv", "--horizon", "0"], "'--horizon'"),
    ("forecast-horizon-too-long", ["forecast", "{tmp}/short.csv", "--horizon", "99"], "'--horizon'"),
    ("forecast-negative-seed", ["forecast", "{tmp}/short.csv", "--seed", "-3"], "'--seed'"),
    ("forecast-out-is-a-file", ["forecast", "{tmp}/short.csv", "--out", "{tmp}/a_file"], "'--out'"),
    ("report-unknown-preset", ["report", "--preset", "medium", "--out", "{tmp}/r"], "'--preset'"),
    ("report-out-is-a-file", ["report", "--out", "{tmp}/a_file/report"], "'--out'"),
    ("notebooks-unknown-preset", ["notebooks", "--preset", "medium", "--out", "{tmp}/n"], "'--preset'"),
    ("notebooks-no-time", ["notebooks", "--timeout", "0", "--out", "{tmp}/n"], "'--timeout'"),
    ("report-unknown-analysis", ["report", "--only", "nope", "--out", "{tmp}/r"], "'--only'"),
    ("notebooks-unknown-notebook", ["notebooks", "--only", "99", "--out", "{tmp}/n"], "'--only'"),
    ("data-show-unknown-country", ["data", "show", "XXX", "KAZ"], "'exporter'"),
    ("data-show-years-reversed", ["data", "show", "CHN", "KAZ", "--years", "2020-2010"], "'--years'"),
    ("fetch-imf-unknown-country", ["data", "fetch", "imf", "CHN", "XXX"], "'REPORTERS'"),
    ("fetch-imf-unknown-partner", ["data", "fetch", "imf", "CHN", "--partners", "KAZ,XXX"], "'--partners'"),
    ("fetch-comtrade-unknown-level", ["data", "fetch", "comtrade", "CHN", "KAZ", "--level", "hs4"], "'--level'"),
    ("data-show-years-text", ["data", "show", "CHN", "KAZ", "--years", "soon"], "'--years'"),
    ("fetch-years-text", ["data", "fetch", "wdi", "SM.POP.NETM", "--years", "later"], "'--years'"),
    ("atlas-unknown-preset", ["atlas", "--preset", "quick", "--out", "{tmp}/a"], "'--preset'"),
    ("atlas-negative-seed", ["atlas", "--seed", "-2", "--out", "{tmp}/a"], "'--seed'"),
    ("atlas-no-workers", ["atlas", "--workers", "0", "--out", "{tmp}/a"], "'--workers'"),
    ("atlas-limit-zero", ["atlas", "--limit", "0", "--out", "{tmp}/a"], "'--limit'"),
    ("atlas-bad-scheduler", ["atlas", "--scheduler", "my cluster", "--out", "{tmp}/a"], "'--scheduler'"),
    ("atlas-out-is-a-file", ["atlas", "--out", "{tmp}/a_file"], "'--out'"),
    ("atlas-missing-pairs-file", ["atlas", "--pairs", "{tmp}/nowhere.csv", "--out", "{tmp}/a"], "'--pairs'"),
    ("atlas-empty-pairs-file", ["atlas", "--pairs", "{tmp}/empty.csv", "--out", "{tmp}/a"], "'--pairs'"),
    ("atlas-pairs-wrong-columns", ["atlas", "--pairs", "{tmp}/wrong_columns.csv", "--out", "{tmp}/a"], "'exporter'"),
    ("atlas-pairs-unknown-code", ["atlas", "--pairs", "{tmp}/pairs_unknown.csv", "--out", "{tmp}/a"], "XXX"),
    ("atlas-pairs-same-country", ["atlas", "--pairs", "{tmp}/pairs_same.csv", "--out", "{tmp}/a"], "'--pairs'"),
    ("atlas-unknown-exporter", ["atlas", "--exporters", "CHN,XXX", "--out", "{tmp}/a"], "'--exporters'"),
    ("unknown-command", ["forcast"], "forcast"),
]


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    for name, content in FILES.items():
        (tmp_path / name).write_bytes(content)
    return tmp_path


@pytest.fixture
def no_fit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any compile or sampling call fail the test: the commands must refuse the input before."""
    import nutpie
    import pymc

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a model was compiled or sampled for a bad input")

    monkeypatch.setattr(nutpie, "compile_pymc_model", refuse)
    monkeypatch.setattr(nutpie, "sample", refuse)
    monkeypatch.setattr(pymc, "sample", refuse)


def _one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


def test_the_table_is_large_enough() -> None:
    assert len(CASES) >= 40
    assert len({case_id for case_id, _, _ in CASES}) == len(CASES)


@pytest.mark.parametrize(("args", "named"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_bad_input_is_one_line_exit_2(args: list[str], named: str, inputs: Path, no_fit: None) -> None:
    argv = [a.replace("{tmp}", str(inputs)) for a in args]
    started = time.perf_counter()
    result = CliRunner().invoke(app, argv, catch_exceptions=False)
    elapsed = time.perf_counter() - started
    assert result.exit_code == 2, result.output
    line = _one_line(result.stderr)
    assert line.startswith("error: "), line
    assert named.lower() in line.lower(), line
    assert "Fix: " in line, line
    assert "Traceback" not in result.output
    assert result.stdout == ""
    assert elapsed < SECONDS, f"{elapsed:.1f} s"


REAL = [
    ["mirror", "CHN", "KAZ", "--preset", "quick"],
    ["mirror", "XXX", "KAZ"],
    ["mirror", "CHN", "KAZ", "--mode", "pair", "--preset", "fast", "--prob", "1.5"],
    ["forecast", "{tmp}/empty.csv"],
    ["forecast", "{tmp}/short.csv", "--model", "Prophet"],
]


@pytest.mark.parametrize("args", REAL, ids=[" ".join(a[:3]) for a in REAL])
def test_a_real_process_refuses_without_importing_the_samplers(args: list[str], inputs: Path) -> None:
    argv = [a.replace("{tmp}", str(inputs)) for a in args]
    probe = (
        "import sys\n"
        "from borderflows.cli import app\n"
        "try:\n"
        "    app(sys.argv[1:], prog_name='borderflows')\n"
        "finally:\n"
        "    heavy = sorted(m for m in ('pymc', 'pytensor', 'nutpie', 'statsforecast') if m in sys.modules)\n"
        "    print('heavy imports:', heavy, file=sys.stderr)\n"
    )
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", probe, *argv],
        capture_output=True,
        text=True,
        env={**os.environ, "MPLBACKEND": "Agg"},
        timeout=120,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2, done.stderr
    assert lines[-1] == "heavy imports: []", done.stderr
    error = _one_line("\n".join(lines[:-1]))
    assert error.startswith("error: "), error
    assert "Fix: " in error, error
    # CPU seconds, not wall: the shared test machine's load stretches wall time, not the work done.
    assert cpu < SECONDS, f"{cpu:.1f} s CPU ({wall:.1f} s wall)"
