"""Write a fit's tables, figures and provenance files; run the analyses of record (``models/*_mirror``)."""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from borderflows import progress
from borderflows.config import DEFAULT_KIND, DEFAULT_PROB
from borderflows.data.countries import short_name
from borderflows.exceptions import ConvergenceWarning
from borderflows.mirror.priors import MarginPrior
from borderflows.mirror.results import TABLE_PROBS, MirrorGapResults
from borderflows.mirror.spec import PANEL_YEARS, MirrorGap
from borderflows.results.analysis import DIAGNOSTICS_FILE, MANIFEST_FILE, AnalysisOutput, AnalysisSpec
from borderflows.results.intervals import describe
from borderflows.results.manifest import Manifest

FIGURES = ("share", "fit", "decomposition", "ppc")


def _table(frame: pd.DataFrame, out_dir: Path, name: str) -> Path:
    path = out_dir / f"{name}.csv"
    frame.to_csv(path, index=False)
    (out_dir / f"{name}.md").write_text(frame.to_markdown(index=False) + "\n")
    return path


def headline(results: MirrorGapResults, prob: float = DEFAULT_PROB, kind: str = DEFAULT_KIND) -> str:
    """One citable sentence about the latest year with both reports, stating the interval."""
    data = results.data
    both = [i for i in range(data.n_years) if pd.notna(data.x_reported[i]) and pd.notna(data.m_reported[i])]
    year = int(data.years[both[-1]]) if both else int(data.years[-1])
    row = results.interval(prob, kind, ("u",)).set_index("year").loc[[year]]
    estimate, lower, upper = (_percent(float(row[column].iloc[0])) for column in ("estimate", "lower", "upper"))
    sentence = (
        f"{short_name(data.importer)}'s records miss {estimate} ({describe(prob, kind)} {lower}–{upper}) "
        f"of imports from {short_name(data.exporter)} in {year}"
    )
    if not results.citable:
        sentence += " [NOT citable: failed the convergence gate]"
    return sentence


def _percent(share: float) -> str:
    """A share as a percentage: whole percent, one decimal below 1% so that a small share does not read as 0%."""
    return f"{share:.1%}" if abs(share) < 0.01 else f"{share:.0%}"


def write_outputs(
    results: MirrorGapResults,
    out_dir: Path,
    *,
    probs: Sequence[float] = TABLE_PROBS,
    kind: str = DEFAULT_KIND,
    posterior: bool = True,
    sensitivity: bool = False,
) -> tuple[dict[str, Path], dict[str, Path]]:
    """Write CSV/Markdown/LaTeX tables, PNG figures, diagnostics, manifest and (optionally) the posterior.

    Returns
    -------
    tuple
        Table name to CSV path, and figure name to PNG path.
    """
    import matplotlib.pyplot as plt

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    main = max(probs)
    tables = {
        "yearly": _table(results.to_frame(probs, kind), out, "yearly"),
        "totals": _table(results.total(prob=main, kind=kind), out, "totals"),
        "decomposition": _table(results.decomposition(main, kind), out, "decomposition"),
        "effects": _table(results.effects(main, kind), out, "effects"),
        "predictive": _table(results.predictive(main, kind), out, "predictive"),
    }
    if sensitivity:
        tables["margin_sensitivity"] = _table(
            results.margin_sensitivity(prob=main, kind=kind), out, "margin_sensitivity"
        )
        psense = results.prior_sensitivity().rename_axis("quantity").reset_index()
        tables["prior_sensitivity"] = _table(psense, out, "prior_sensitivity")
    (out / "summary.md").write_text(results.to_markdown(main, kind) + "\n")
    (out / "summary.tex").write_text(results.to_latex(main, kind))
    figures = {}
    for name in FIGURES:
        fig, ax = plt.subplots(figsize=(8, 4.5))
        results.plot(name, ax=ax, prob=main)
        path = out / f"{name}.png"
        fig.savefig(path, dpi=110, bbox_inches="tight")
        plt.close(fig)
        figures[name] = path
    (out / DIAGNOSTICS_FILE).write_text(json.dumps(results.diagnostics.to_dict(), indent=2) + "\n")
    Manifest(
        model_id=results.spec.model_id,
        random_seed=results.random_seed,
        data_hash=results.data_hash,
        preset=results.preset,
        citable=results.citable,
        extra=results.manifest_extra(),
    ).write(out / MANIFEST_FILE)
    if posterior:
        results.save(out / "posterior")
    return tables, figures


def spec_from_options(options: dict[str, Any]) -> MirrorGap:
    """A :class:`MirrorGap` from the ``[model]`` table of an analysis spec."""
    years = options.get("years")
    return MirrorGap(
        mode=options.get("mode", "panel"),
        margin=MarginPrior(
            centre=float(options.get("margin_centre", MarginPrior().centre)),
            sd=float(options.get("margin_sd", MarginPrior().sd)),
        ),
        breakpoints=tuple(int(b) for b in options.get("breakpoints", ())),
        years=None if years is None else (int(years[0]), int(years[1])),
        panel_years=tuple(options.get("panel_years", PANEL_YEARS)),
        walk=options.get("walk", "centred"),
    )


def input_hash(spec: AnalysisSpec) -> str:
    """Hash of what the analysis reads: the pair's default table, the panel pairs' summaries in panel mode,
    the evidence statements it uses, and the model id (a changed model structure invalidates results)."""
    from borderflows.data import mirror_pair

    options = spec.options
    model = spec_from_options(options)
    pair = mirror_pair(options.get("exporter", "CHN"), options.get("importer", "KAZ"))
    digest = hashlib.sha256(pair.data_hash.encode())
    digest.update(model.model_id.encode())
    data = model.inputs(pair, evidence=bool(options.get("evidence", True)))
    if data.has_panel:
        digest.update(data.panel_mean.tobytes())
        digest.update(data.panel_se.tobytes())
        digest.update(json.dumps(list(data.pairs)).encode())
    if data.evidence is not None:
        digest.update(json.dumps([list(data.evidence.ids), data.evidence.value.tolist()]).encode())
    return digest.hexdigest()


def run_analysis(spec: AnalysisSpec, out_dir: Path, preset: str | None = None) -> AnalysisOutput:
    """Fit the analysis of record and write its committed outputs (no posterior) into ``out_dir``."""
    from borderflows.data import mirror_pair

    options = spec.options
    model = spec_from_options(options)
    pair = mirror_pair(options.get("exporter", "CHN"), options.get("importer", "KAZ"))
    progress.step(f"fit {model.mode} model {pair.exporter}->{pair.importer}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # the verdict is written into every output
        results = model.fit(
            pair,
            random_seed=spec.random_seed,
            preset=preset or spec.preset,
            evidence=bool(options.get("evidence", True)),
        )
    # The record carries the margin-prior and power-scaling sensitivity of u_t (issue: is the share
    # driven by the data or by the priors?); each margin centre is a refit of the same compiled model.
    progress.step("tables, figures, margin and prior sensitivity")
    tables, figures = write_outputs(results, Path(out_dir), posterior=False, sensitivity=True)
    manifest = Path(out_dir) / MANIFEST_FILE
    raw = json.loads(manifest.read_text())
    # The record's data hash covers everything the analysis reads (pair and, in panel mode, the panel),
    # so the report's staleness check and the stale-record test compare one number with input_hash.
    raw["extra"]["pair_data_hash"] = raw["data_hash"]
    raw["data_hash"] = input_hash(spec)
    manifest.write_text(json.dumps(raw, indent=2, sort_keys=True) + "\n")
    output = AnalysisOutput(
        spec=spec,
        headlines=(headline(results), *results.notes[:1]),
        tables=tables,
        figures=figures,
        citable=results.citable,
        reasons=results.diagnostics.reasons,
    )
    output.write_headline(Path(out_dir))
    return output
