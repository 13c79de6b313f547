"""Small fake analyses that honour the analysis-of-record contract, for testing the report machinery.

A fake runner writes what a real model package writes (tidy tables with prob/kind, a PNG figure,
manifest, diagnostics and headline files) without fitting anything, and counts its calls.
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


def write_spec(models: Path, analysis_id: str, *, kind: str = "mirror", seed: int = 11, title: str = "") -> Path:
    """Write ``models/<id>/spec.toml`` and return its folder."""
    folder = models / analysis_id
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "spec.toml").write_text(
        f'[analysis]\nid = "{analysis_id}"\nkind = "{kind}"\ntitle = "{title or analysis_id.title()}"\n'
        f'random_seed = {seed}\npreset = "full"\n\n[model]\nmargin_prior = "lognormal"\n'
    )
    return folder


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
    calls
        ``(analysis_id, out_dir, preset)`` per :meth:`run_analysis` call.
    sampler_bars
        :func:`borderflows.progress.sampler_progress_bar` as seen inside each call.
    """

    data_version: str = "v1"
    citable: bool = True
    warn: bool = False
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
        draws = np.random.default_rng(spec.random_seed).normal(0.4, 0.03, size=(400, 3))
        lower, upper = np.quantile(draws, [0.05, 0.95], axis=0)
        share = pd.DataFrame(
            {
                "year": [2022, 2023, 2024],
                "quantity": "underreported_share",
                "estimate": np.median(draws, axis=0),
                "lower": lower,
                "upper": upper,
                "prob": 0.9,
                "kind": "eti",
            }
        )
        sensitivity = pd.DataFrame(
            {"margin": [0.02, 0.06, 0.10], "estimate": [0.43, 0.40, 0.37], "lower": [0.38, 0.35, 0.31]}
            | {"upper": [0.48, 0.45, 0.42], "prob": 0.9, "kind": "eti"}
        )
        progress.step("tables")
        tables = {}
        for name, frame in {"share": share, "margin_sensitivity": sensitivity}.items():
            frame.to_csv(out_dir / f"{name}.csv", index=False)
            (out_dir / f"{name}.md").write_text(frame.to_markdown(index=False) + "\n")
            tables[name] = out_dir / f"{name}.csv"
        progress.step("figures")
        figure = Figure(figsize=(4, 2.5))
        axes = figure.add_subplot()
        axes.fill_between(share["year"], share["lower"], share["upper"], alpha=0.3, label="90% equal-tailed interval")
        axes.plot(share["year"], share["estimate"], label="median")
        axes.legend()
        figure.savefig(out_dir / "share.png", dpi=60)
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
            spec=spec,
            headlines=(
                f"{spec.title}: records miss {share['estimate'].iloc[-1]:.0%} (90% equal-tailed interval "
                f"{share['lower'].iloc[-1]:.0%}–{share['upper'].iloc[-1]:.0%}) of imports in 2024",
            ),
            tables=tables,
            figures={"share": out_dir / "share.png"},
            citable=self.citable,
            reasons=reasons,
        )
        output.write_headline(out_dir)
        return output
