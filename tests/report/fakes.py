"""Small fake analyses that honour the analysis-of-record contract, for testing the report machinery.

A fake runner writes what a real model package writes, in the same shapes (a mirror record's
``yearly.csv`` with both reports and tidy share and unrecorded-USD intervals; a forecast record's
``forecast.csv`` with tidy predictive intervals), plus a PNG figure, manifest, diagnostics and
headline files, without fitting anything, and counts its calls. Interval bounds are quantiles of
seeded normal draws, so they are ordered and nested like real ones.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from borderflows import progress
from borderflows.diagnostics.gate import GateThresholds
from borderflows.exceptions import ConvergenceWarning
from borderflows.results.analysis import AnalysisOutput, AnalysisSpec
from borderflows.results.manifest import Manifest

YEARS = np.arange(2000, 2025)
PROBS = (0.5, 0.8, 0.9)
BUNDLED_SERIES = "fdi.wiiw.stock.chn_eur"
"""A bundled series, so that the report finds its history and unit in the catalogue."""


def write_spec(models: Path, analysis_id: str, *, kind: str = "mirror", seed: int = 11, title: str = "") -> Path:
    """Write ``models/<id>/spec.toml`` and return its folder."""
    folder = models / analysis_id
    folder.mkdir(parents=True, exist_ok=True)
    pair = 'exporter = "CHN"\nimporter = "KAZ"\n' if kind == "mirror" else ""
    (folder / "spec.toml").write_text(
        f'[analysis]\nid = "{analysis_id}"\nkind = "{kind}"\ntitle = "{title or analysis_id.title()}"\n'
        f'random_seed = {seed}\npreset = "full"\n\n[model]\nmargin_prior = "lognormal"\n{pair}'
    )
    return folder


def _intervals(draws: np.ndarray, keys: dict[str, object], probs: tuple[float, ...]) -> pd.DataFrame:
    frames = []
    for prob in probs:
        lower, upper = np.quantile(draws, [(1 - prob) / 2, (1 + prob) / 2], axis=0)
        frame = pd.DataFrame(keys | {"estimate": np.median(draws, axis=0), "lower": lower, "upper": upper})
        frames.append(frame.assign(prob=prob, kind="eti"))
    return pd.concat(frames, ignore_index=True)


def _write(frame: pd.DataFrame, out_dir: Path, name: str) -> Path:
    frame.to_csv(out_dir / f"{name}.csv", index=False)
    (out_dir / f"{name}.md").write_text(frame.to_markdown(index=False) + "\n")
    return out_dir / f"{name}.csv"


@dataclass
class FakeRunner:
    """Stands in for ``borderflows.<kind>.analysis``.

    Attributes
    ----------
    data_version
        Changing it changes :meth:`input_hash`, as new data would.
    citable
        Verdict the fake fit reports.
    warn
        Emit a ConvergenceWarning when not citable, as real fits do.
    headline_prob
        Interval probability the headline states (the tables hold 50%, 80% and 90%).
    n_series
        Forecast series (the first is bundled; the others are not, so they have no history).
    calls
        ``(analysis_id, out_dir, preset)`` per :meth:`run_analysis` call.
    sampler_bars
        :func:`borderflows.progress.sampler_progress_bar` as seen inside each call.
    """

    data_version: str = "v1"
    citable: bool = True
    warn: bool = False
    headline_prob: float = 0.9
    n_series: int = 2
    calls: list[tuple[str, Path, str | None]] = field(default_factory=list)
    sampler_bars: list[bool] = field(default_factory=list)

    def input_hash(self, spec: AnalysisSpec) -> str:
        return hashlib.sha256(f"{spec.analysis_id}:{self.data_version}".encode()).hexdigest()

    def run_analysis(self, spec: AnalysisSpec, out_dir: Path, preset: str | None = None) -> AnalysisOutput:
        self.calls.append((spec.analysis_id, Path(out_dir), preset))
        self.sampler_bars.append(progress.sampler_progress_bar())
        progress.step("fit")
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        rng = np.random.default_rng(spec.random_seed)
        progress.step("tables")
        if spec.kind == "mirror":
            headline, tables, figure = self._mirror(spec, out_dir, rng)
        else:
            headline, tables, figure = self._forecast(spec, out_dir, rng)
        progress.step("figures")
        reasons = () if self.citable else ("R-hat 1.050 > 1.01 for 'u' (run longer or reparameterise)",)
        if self.warn and not self.citable:
            warnings.warn(f"posterior is NOT citable: {reasons[0]}", ConvergenceWarning, stacklevel=2)
        gate = {
            "ok": self.citable,
            "verdict": "citable" if self.citable else "NOT citable: " + reasons[0],
            "max_rhat": 1.002 if self.citable else 1.05,
            "min_ess_bulk": 812.0,
            "min_ess_tail": 640.0,
            "divergences": 0,
            "reasons": list(reasons),
            "thresholds": {"rhat_max": GateThresholds().rhat_max},
        }
        (out_dir / "diagnostics.json").write_text(json.dumps(gate))
        Manifest(
            model_id=f"fake/{spec.kind}/v1",
            random_seed=spec.random_seed,
            data_hash=self.input_hash(spec),
            preset=preset or spec.preset,
            citable=self.citable,
            extra={"sources": [{"title": "IMF DOTS", "url": "https://data.imf.org", "quote": "China exports 27.95"}]},
        ).write(out_dir / "manifest.json")
        output = AnalysisOutput(
            spec=spec, headlines=(headline,), tables=tables, figures=figure, citable=self.citable, reasons=reasons
        )
        output.write_headline(out_dir)
        return output

    def _mirror(
        self, spec: AnalysisSpec, out_dir: Path, rng: np.random.Generator
    ) -> tuple[str, dict[str, Path], dict[str, Path]]:
        exports = 100 * 1.15 ** np.arange(YEARS.size)
        u = 1 / (1 + np.exp(-rng.normal(-0.4, 0.15, size=(400, YEARS.size))))
        imports = exports * (1 - np.median(u, axis=0))
        reported = {"year": YEARS, "exports_reported_usd_m": exports, "imports_reported_usd_m": imports}
        yearly = pd.concat(
            [
                _intervals(u, reported | {"quantity": "u"}, PROBS),
                _intervals(u * exports, reported | {"quantity": "unrecorded_usd_m"}, PROBS),
            ],
            ignore_index=True,
        )
        sensitivity = pd.DataFrame(
            {"margin": [0.02, 0.06, 0.10], "estimate": [0.43, 0.40, 0.37], "lower": [0.38, 0.35, 0.31]}
            | {"upper": [0.48, 0.45, 0.42], "prob": 0.9, "kind": "eti"}
        )
        tables = {
            "yearly": _write(yearly, out_dir, "yearly"),
            "margin_sensitivity": _write(sensitivity, out_dir, "margin_sensitivity"),
        }
        last = yearly[(yearly["quantity"] == "u") & (yearly["prob"] == self.headline_prob)].iloc[-1]
        headline = (
            f"{spec.title}: records miss {last['estimate']:.0%} ({self.headline_prob:.0%} equal-tailed interval "
            f"{last['lower']:.0%}–{last['upper']:.0%}) of imports in {YEARS[-1]}"
        )
        return headline, tables, {"share": self._png(out_dir, "share")}

    def _forecast(
        self, spec: AnalysisSpec, out_dir: Path, rng: np.random.Generator
    ) -> tuple[str, dict[str, Path], dict[str, Path]]:
        names = [BUNDLED_SERIES, *[f"fake.series_{i}" for i in range(1, self.n_series)]]
        years = np.arange(2026, 2031)
        frames = [
            _intervals(
                rng.lognormal(np.log(5000), 0.1 * np.arange(1, years.size + 1), size=(400, years.size)),
                {"series": name, "model": "DampedTrend", "year": years, "horizon": np.arange(1, years.size + 1)},
                PROBS[1:],
            )
            for name in names
        ]
        forecast = pd.concat(frames, ignore_index=True).sort_values(["series", "prob", "year"], kind="stable")
        tables = {"forecast": _write(forecast, out_dir, "forecast")}
        last = forecast[(forecast["series"] == names[0]) & (forecast["prob"] == self.headline_prob)].iloc[-1]
        headline = (
            f"{spec.title}: {names[0]} in {years[-1]}: {last['estimate']:,.0f} EUR million "
            f"({self.headline_prob:.0%} equal-tailed interval {last['lower']:,.0f} to {last['upper']:,.0f})"
        )
        return headline, tables, {f"fan {names[0]}": self._png(out_dir, "fan")}

    @staticmethod
    def _png(out_dir: Path, name: str) -> Path:
        figure = Figure(figsize=(4, 2.5))
        axes = figure.add_subplot()
        axes.plot([2022, 2023, 2024], [0.4, 0.42, 0.41], label="median")
        axes.legend()
        figure.savefig(out_dir / f"{name}.png", dpi=60)
        return out_dir / f"{name}.png"


@dataclass
class RecordedRunner:
    """Reuses whatever a folder of committed outputs holds: its input hash is the one its manifest records.

    For tests about how the records of ``models/`` render, apart from whether they are current (the
    browser test checks that with the real runners). Refitting is refused.
    """

    def input_hash(self, spec: AnalysisSpec) -> str:
        from borderflows.results.manifest import load_manifest

        return load_manifest(spec.folder / "manifest.json").data_hash

    def run_analysis(self, spec: AnalysisSpec, out_dir: Path, preset: str | None = None) -> AnalysisOutput:
        raise AssertionError(f"{spec.analysis_id}: the report tried to refit a committed record")
