"""A mirror fit's record (through :func:`borderflows.results.record.write_record`, the one writer) and the
analyses of record (``models/*_mirror``)."""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from borderflows import progress
from borderflows.config import DEFAULT_KIND, DEFAULT_PROB
from borderflows.data.countries import short_name
from borderflows.exceptions import ConvergenceWarning
from borderflows.mirror.results import FIGURES, TABLE_PROBS, MirrorGapResults, percentile_phrase
from borderflows.mirror.sensitivity import margin_sensitivity, prior_sensitivity
from borderflows.mirror.spec import MirrorGap
from borderflows.results.analysis import AnalysisOutput, AnalysisSpec
from borderflows.results.intervals import describe
from borderflows.results.manifest import Manifest
from borderflows.results.record import RecordFigure, RecordTable, write_record

LOW_PERCENTILE = 5.0
"""Below this world percentile the headline says the pair's persistent gap is unusual."""


def earlier_identified(
    results: MirrorGapResults, prob: float = DEFAULT_PROB, kind: str = DEFAULT_KIND
) -> tuple[str, ...]:
    """When the headline year's share is not identified but an earlier year's is, a sentence about the latest
    such year (empty otherwise)."""
    ident = results.identification
    if ident.identified or not ident.identified_years or not results.diagnostics.ok:
        return ()
    year = max(ident.identified_years)
    row = results.interval(prob, kind, ("u",)).set_index("year").loc[[year]]
    estimate, lower, upper = (_percent(float(row[column].iloc[0])) for column in ("estimate", "lower", "upper"))
    data = results.data
    sentence = (
        f"The share is identified in {len(ident.identified_years)} earlier years, the latest {year}: "
        f"{short_name(data.importer)}'s records missed {estimate} ({describe(prob, kind)} {lower}–{upper}) of "
        f"imports from {short_name(data.exporter)} that year, beyond what comparable pairs show"
    )
    undecided = ident.undecided_years
    if undecided:
        count = f"{len(undecided)} years are" if len(undecided) > 1 else "1 year is"
        sentence += f"; {count} undecided (within Monte Carlo error of the rule), the latest {undecided[-1]}"
    return (sentence,)


def headline(results: MirrorGapResults, prob: float = DEFAULT_PROB, kind: str = DEFAULT_KIND) -> str:
    """One sentence about the latest year with both reports, stating the interval and what it measures.

    A share the data do not identify (:mod:`borderflows.mirror.identification`) is not given as a
    percentage: the sentence says there is no evidence of underreporting beyond comparable pairs.
    """
    data = results.data
    year = results.identification.year
    row = results.interval(prob, kind, ("u",)).set_index("year").loc[[year]]
    estimate, lower, upper = (_percent(float(row[column].iloc[0])) for column in ("estimate", "lower", "upper"))
    importer, exporter = short_name(data.importer), short_name(data.exporter)
    label = describe(prob, kind)
    if results.diagnostics.ok and not results.identification.decided:
        sentence = (
            f"Undecided whether {importer}'s records of imports from {exporter} in {year} show underreporting beyond "
            f"comparable pairs: the share's {label}, {lower}–{upper}, sits within Monte Carlo error of the rule "
            "that decides it"
        )
        if results.percentile is not None:
            sentence += f"; the pair's mirror ratio is {percentile_phrase(results.percentile)} of the world's pairs"
        return sentence
    if results.diagnostics.ok and not results.identification.identified:
        sentence = (
            f"No evidence of underreporting beyond comparable pairs in {importer}'s records of imports from "
            f"{exporter} in {year}: the share's {label}, {lower}–{upper}, reaches down to zero"
        )
        if results.percentile is not None:
            sentence += f"; the pair's mirror ratio is {percentile_phrase(results.percentile)} of the world's pairs"
            if results.percentile < LOW_PERCENTILE:
                sentence += (
                    ", a persistent gap that transit, coverage or origin rules explain as well as unrecorded trade"
                )
        return sentence
    sentence = (
        f"{importer}'s records miss {estimate} ({label} {lower}–{upper}) of imports from {exporter} in {year}, "
        "beyond what comparable pairs show"
    )
    if results.percentile is not None:
        sentence += f"; the pair's mirror ratio is {percentile_phrase(results.percentile)} of the world's pairs"
    if not results.diagnostics.ok:
        sentence += " [NOT citable: failed the convergence gate]"
    return sentence


def _percent(share: float) -> str:
    """A share as a percentage: whole percent, one decimal below 1% so that a small share does not read as 0%."""
    return f"{share:.1%}" if abs(share) < 0.01 else f"{share:.0%}"


ESTIMAND = (
    "the share of the true value of {exporter}'s shipments to {importer} missing from {importer}'s import records "
    "beyond what comparable pairs show: the world panel's prediction for a pair like it (CIF/FOB margin, both "
    "reporters' usual behaviour, distance, land border, trade agreements, re-export hubs), the pair's own "
    "persistent effect and drift, and known coverage changes are taken out first"
)


@dataclass(frozen=True)
class MirrorRecord:
    """What a mirror fit leaves on disk (:class:`~borderflows.results.record.Recordable`): tables, figures,
    the gate and identification verdict, provenance. Sensitivity and regional tables are computed before
    and handed in, so writing never fits."""

    results: MirrorGapResults
    probs: Sequence[float] = TABLE_PROBS
    kind: str = DEFAULT_KIND
    extra_tables: Mapping[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def main_prob(self) -> float:
        """The headline's interval probability (the largest of the table's)."""
        return max(self.probs)

    def record_tables(self) -> dict[str, RecordTable]:
        """Per-year table, totals, decomposition, effects, predictive check, summary, and the extra tables."""
        res, prob, kind = self.results, self.main_prob, self.kind
        caption = f"Medians and {describe(prob, kind)}s."
        tables = {
            "yearly": RecordTable(res.to_frame(self.probs, kind)),
            "totals": RecordTable(res.total(prob=prob, kind=kind), caption=caption),
            "decomposition": RecordTable(res.decomposition(prob, kind), caption=caption),
            "effects": RecordTable(res.effects(prob, kind), caption=caption),
            "predictive": RecordTable(res.predictive(prob, kind), caption=caption),
            "summary": RecordTable(
                res.summary_frame(prob, kind), formats=("md", "tex"), caption=caption, floatfmt=".3g"
            ),
        }
        tables.update({name: RecordTable(frame) for name, frame in self.extra_tables.items()})
        return tables

    def record_figures(self) -> dict[str, RecordFigure]:
        """The share over time, observed vs fitted reports, the decomposition and the predictive check."""
        from matplotlib.figure import Figure

        figures = {}
        for name in FIGURES:
            figure = Figure(figsize=(8, 4.5))
            self.results.plot(name, ax=figure.subplots(), prob=self.main_prob, kind=self.kind)
            figures[name] = RecordFigure(figure, name)
        return figures

    def record_diagnostics(self) -> dict[str, dict[str, Any]]:
        """The gate, the identification check and the verdict in words, under the pair's name."""
        res = self.results
        gate = {**res.diagnostics.to_dict(), "identification": res.identification.to_dict(), "verdict": res.verdict}
        return {f"{res.data.exporter}->{res.data.importer}": gate}

    def record_manifest(self) -> Manifest:
        """Model id, seed, pair data hash, preset, what the sampler ran, citable, the model's settings."""
        from borderflows.sampling import run_of

        res = self.results
        run = run_of(res.idata)
        return Manifest(
            model_id=res.spec.model_id,
            random_seed=res.random_seed,
            data_hash=res.data_hash,
            preset=res.preset,
            citable=res.citable,
            runs={f"{res.data.exporter}->{res.data.importer}": run} if run else {},
            extra=res.manifest_extra(),
        )


def write_outputs(
    results: MirrorGapResults,
    out_dir: Path,
    *,
    probs: Sequence[float] = TABLE_PROBS,
    kind: str = DEFAULT_KIND,
    posterior: bool = True,
) -> Path:
    """Write a fit's record (tables, figures, diagnostics, manifest) and, optionally, its posterior.

    Returns
    -------
    pathlib.Path
        The folder written.
    """
    out = Path(out_dir)
    write_record(MirrorRecord(results, probs, kind), out)
    if posterior:
        results.save(out / "posterior")
    return out


PAIR_OPTIONS = ("exporter", "importer", "evidence")
"""Keys of an analysis' ``[model]`` table that name the data rather than the model."""


def spec_from_options(options: dict[str, Any]) -> MirrorGap:
    """A :class:`MirrorGap` from the ``[model]`` table of an analysis spec; unknown keys are refused."""
    return MirrorGap.from_dict({k: v for k, v in options.items() if k not in PAIR_OPTIONS})


def input_hash(analysis: AnalysisSpec) -> str:
    """Hash of what the analysis reads: the pair's default table, the world posterior it leans on, the
    evidence statements it uses, and the model id (a changed model structure invalidates results)."""
    from borderflows.data import mirror_pair

    options = analysis.options
    spec = spec_from_options(options)
    pair = mirror_pair(options.get("exporter", "CHN"), options.get("importer", "KAZ"))
    digest = hashlib.sha256(pair.data_hash.encode())
    digest.update(spec.model_id.encode())
    data = spec.inputs(pair, evidence=bool(options.get("evidence", True)))
    digest.update(json.dumps([data.offset.source, data.offset.loc, data.offset.scale, data.offset.nu]).encode())
    if data.evidence is not None:
        digest.update(json.dumps([list(data.evidence.ids), data.evidence.value.tolist()]).encode())
    return digest.hexdigest()


def run_analysis(analysis: AnalysisSpec, out_dir: Path, preset: str | None = None) -> AnalysisOutput:
    """Fit the analysis of record and write its committed outputs (no posterior) into ``out_dir``."""
    from borderflows.data import mirror_pair
    from borderflows.mirror.regional import CENTRAL_ASIA_AND_RUSSIA, regional_table

    options = analysis.options
    spec = spec_from_options(options)
    pair = mirror_pair(options.get("exporter", "CHN"), options.get("importer", "KAZ"))
    progress.step(f"fit {spec.mode} model {pair.exporter}->{pair.importer}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # the verdict is written into every output
        results = spec.fit(
            pair,
            random_seed=analysis.random_seed,
            preset=preset or analysis.preset,
            evidence=bool(options.get("evidence", True)),
        )
    # The record carries the margin and power-scaling sensitivity of u_t (is the share driven by the data or
    # by the priors?); each margin centre is a refit of the same compiled model.
    progress.step("margin and prior sensitivity")
    main = max(TABLE_PROBS)
    extra = {
        "margin_sensitivity": margin_sensitivity(results, prob=main),
        "prior_sensitivity": prior_sensitivity(results).rename_axis("quantity").reset_index(),
    }
    if pair.exporter == "CHN" and pair.importer in CENTRAL_ASIA_AND_RUSSIA:
        extra["regional"] = regional_table("CHN", CENTRAL_ASIA_AND_RUSSIA)
    progress.step("tables and figures")
    record = MirrorRecord(results, extra_tables=extra)
    manifest = record.record_manifest()
    # The record's data hash covers everything the analysis reads (pair, world posterior, evidence), so the
    # report's staleness check and the stale-record test compare one number with input_hash.
    manifest = replace(
        manifest, data_hash=input_hash(analysis), extra={**manifest.extra, "pair_data_hash": manifest.data_hash}
    )
    reasons = [*results.diagnostics.reasons]
    if not results.identification.identified:
        reasons.append(results.identification.reason)
    output = write_record(
        _WithManifest(record, manifest),
        Path(out_dir),
        spec=analysis,
        headlines=(headline(results), *earlier_identified(results), *results.notes[:2]),
        reasons=reasons,
        notes=headline_notes(results),
    )
    assert output is not None  # write_record returns the analysis output when given the spec
    return output


def headline_notes(results: MirrorGapResults) -> dict[str, Any]:
    """The fields the report reads next to the headline: what the share measures, the pair's percentile, the
    verdict in words."""
    data = results.data
    notes: dict[str, Any] = {
        "estimand": ESTIMAND.format(exporter=short_name(data.exporter), importer=short_name(data.importer)),
        "verdict_reason": results.verdict,
    }
    if results.percentile is not None:
        notes["percentile"] = {
            "value": results.percentile,
            "sentence": (
                f"the pair's mean mirror ratio, relative to what the world panel predicts for it, is "
                f"{percentile_phrase(results.percentile)} of the world's pairs"
            ),
        }
    return notes


@dataclass(frozen=True)
class _WithManifest:
    """A record whose manifest is replaced (the analysis of record hashes everything it reads)."""

    record: MirrorRecord
    manifest: Manifest

    def record_tables(self) -> dict[str, RecordTable]:
        return self.record.record_tables()

    def record_figures(self) -> dict[str, RecordFigure]:
        return self.record.record_figures()

    def record_diagnostics(self) -> dict[str, dict[str, Any]]:
        return self.record.record_diagnostics()

    def record_manifest(self) -> Manifest:
        return self.manifest
