"""Analyses of record of kind ``"forecast"``: Bayesian forecasts of bundled series with committed outputs.

``models/<id>/spec.toml`` names the series and options::

    [analysis]
    id = "kaz_migration_forecast"
    kind = "forecast"
    title = "..."
    random_seed = 2024
    preset = "full"

    [model]
    series = ["migration.cisstat.arrivals", "migration.cisstat.departures"]
    horizon = 5
    probs = [0.8, 0.9, 0.95]
    kind = "eti"
    break_year = "auto"          # first year flagged "definition_break", or an integer, or "none"
    likelihood = "auto"          # or "lognormal" / "poisson_lognormal" / "negbin" / "signed" (individual fits)
    pool_components = true       # components share hyperpriors (PooledCounts, Poisson-lognormal, Kalman)
    target_accept = 0.99         # optional: override the preset's NUTS target acceptance
    draws = 2000                 # optional: override the preset's draws per chain (individual fits)
    components = []              # optional: series whose forecast draws are summed ...
    total_name = ""              # ... into this coherent total (a name for the summed series)

:func:`run_analysis` writes ``forecast.csv``/``.md`` (tidy, with ``prob`` and ``kind``),
``parameters.csv``/``.md`` (damping, innovation scale, break effects), one fan chart per series,
``diagnostics.json``, ``manifest.json`` and ``headline.json``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from borderflows import data as bfdata
from borderflows import progress
from borderflows.config import DEFAULT_KIND, resolve_run
from borderflows.data.yearly import YearlySeries
from borderflows.forecast.bayes.coherent import coherent_total
from borderflows.forecast.bayes.models import MODEL_ID, BayesianFit, DampedTrend
from borderflows.forecast.bayes.pooled import POOLED_MODEL_ID, PooledCounts, PooledFit, pooled_parameters
from borderflows.forecast.bayes.priors import default_priors
from borderflows.forecast.results import Forecast
from borderflows.results.analysis import AnalysisOutput, AnalysisSpec, check_keys
from borderflows.results.intervals import describe
from borderflows.results.manifest import Manifest, data_hash
from borderflows.results.record import RecordFigure, RecordTable, write_record
from borderflows.sampling import run_of

DEFAULT_PROBS = (0.8, 0.9, 0.95)
POOLED_FIT = "pooled components"
"""Name of the pooled components' joint fit in diagnostics, seeds and runs."""


@dataclass(frozen=True)
class ForecastOptions:
    """The ``[model]`` table of a forecast analysis' ``spec.toml``, with defaults."""

    series: tuple[str, ...]
    horizon: int = 5
    probs: tuple[float, ...] = DEFAULT_PROBS
    kind: str = DEFAULT_KIND
    break_year: str | int = "auto"
    components: tuple[str, ...] = ()
    total_name: str = ""
    pool_components: bool = True
    likelihood: str = "auto"
    target_accept: float | None = None
    draws: int | None = None

    @classmethod
    def from_spec(cls, analysis: AnalysisSpec) -> ForecastOptions:
        """Parse ``analysis.options``, refusing a key no option reads.

        Raises
        ------
        OptionError
            Naming an unknown key of the ``[model]`` table.
        """
        raw = analysis.options
        check_keys(raw, [f.name for f in fields(cls)], f"{analysis.folder / 'spec.toml'} [model]")
        names = raw.get("series", [])
        return cls(
            series=tuple([names] if isinstance(names, str) else names),
            horizon=int(raw.get("horizon", 5)),
            probs=tuple(float(p) for p in raw.get("probs", DEFAULT_PROBS)),
            kind=str(raw.get("kind", DEFAULT_KIND)),
            break_year=raw.get("break_year", "auto"),
            components=tuple(raw.get("components", ())),
            total_name=str(raw.get("total_name", "")),
            pool_components=bool(raw.get("pool_components", True)),
            likelihood=str(raw.get("likelihood", "auto")),
            target_accept=float(raw["target_accept"]) if "target_accept" in raw else None,
            draws=int(raw["draws"]) if "draws" in raw else None,
        )


def _all_names(options: ForecastOptions) -> list[str]:
    return list(dict.fromkeys([*options.series, *options.components]))


def input_hash(analysis: AnalysisSpec) -> str:
    """SHA-256 of the series the analysis reads (years, values, exposure, flags), in spec.toml order."""
    frames = []
    for name in _all_names(ForecastOptions.from_spec(analysis)):
        frame = bfdata.series(name).to_frame()
        frame.insert(0, "series", name)
        frames.append(frame)
    return data_hash(pd.concat(frames, ignore_index=True))


def break_year_for(series: YearlySeries, option: str | int) -> int | None:
    """Resolve the ``break_year`` option for one series (``"auto"`` reads the ``definition_break`` flag)."""
    if option == "none":
        return None
    if option != "auto":
        return int(option)
    flagged = [int(y) for y, f in zip(series.years, series.flags, strict=True) if "definition_break" in f]
    return flagged[0] if flagged and flagged[0] > series.years[0] else None


def _title(name: str) -> str:
    catalog = bfdata.list_series()
    row = catalog[catalog["name"] == name]
    return str(row["title"].iloc[0]) if len(row) else name


def headline(forecast: Forecast, title: str, prob: float, kind: str) -> str:
    """One citable sentence for the last forecast year, stating the interval's probability and kind."""
    table = forecast.interval(prob, kind)
    last = table.iloc[-1]
    unit = forecast.series.unit
    sentence = (
        f"{title} in {int(last['year'])}: {_fmt(last['estimate'])} {unit} "
        f"({describe(prob, kind)} {_fmt(last['lower'])} to {_fmt(last['upper'])})"
    )
    return sentence + ("" if forecast.citable else " [NOT citable: convergence gate failed]")


def _fmt(value: float) -> str:
    magnitude = abs(value)
    if magnitude >= 1000:
        rounded = round(value, -2 if magnitude < 100_000 else -3)
        return f"{rounded:,.0f}"
    return f"{value:,.0f}" if magnitude >= 10 else f"{value:,.1f}"


def _parameters(name: str, fit: BayesianFit, probs: tuple[float, ...], kind: str) -> pd.DataFrame:
    wanted = ["phi", "sigma_level"] + (["break_effect"] if fit.layout.structure.has_break else [])
    frames = [fit.parameter_interval(p, prob, kind) for p in wanted for prob in probs]
    if fit.layout.structure.has_break and fit.likelihood != "signed":
        frames += [fit.parameter_interval("break_effect", prob, kind, exponentiate=True) for prob in probs]
    table = pd.concat(frames, ignore_index=True)
    table["series"] = name
    return table


def _fan(forecast: Forecast, probs: tuple[float, ...], kind: str, title: str) -> Figure:
    fig = Figure(figsize=(7, 4))  # no pyplot: no global backend state, safe in headless runs
    ax = fig.subplots()
    forecast.plot(probs=tuple(sorted({min(probs), max(probs)})), kind=kind, ax=ax)
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return fig


def _stem(name: str) -> str:
    return "fan_" + name.replace(".", "_")


@dataclass(frozen=True)
class ForecastRecord:
    """The fits of one forecast analysis and what its record shows (a :class:`~borderflows.results.record.Recordable`).

    Attributes
    ----------
    analysis, options
        The analysis and its ``[model]`` options.
    preset
        Sampler preset that ran.
    fits
        Series name to its individual fit.
    pooled
        The joint fit of the pooled components, if any.
    forecasts
        Series name (and the coherent total's) to its forecast.
    titles
        Series name to its title in figures and sentences.
    """

    analysis: AnalysisSpec
    options: ForecastOptions
    preset: str
    fits: dict[str, BayesianFit]
    pooled: PooledFit | None
    forecasts: dict[str, Forecast]
    titles: dict[str, str]

    def record_tables(self) -> dict[str, RecordTable]:
        """``forecast`` (tidy intervals of every series) and ``parameters`` (damping, noise, break effects)."""
        probs, kind = self.options.probs, self.options.kind
        forecast = pd.concat([f.intervals(probs, kind) for f in self.forecasts.values()], ignore_index=True)
        parameters = pd.concat(
            [_parameters(n, f, probs, kind) for n, f in self.fits.items()]
            + ([pooled_parameters(self.pooled, probs, kind)] if self.pooled else []),
            ignore_index=True,
        )
        return {
            "forecast": RecordTable(forecast, floatfmt=".4g"),
            "parameters": RecordTable(parameters, floatfmt=".4g"),
        }

    def record_figures(self) -> dict[str, RecordFigure]:
        """One fan chart per series, named after it."""
        probs, kind = self.options.probs, self.options.kind
        return {
            f"fan {name}": RecordFigure(_fan(f, probs, kind, self.titles[name]), _stem(name))
            for name, f in self.forecasts.items()
        }

    def record_diagnostics(self) -> dict[str, dict[str, object]]:
        """The gate of each individual fit and of the pooled fit."""
        gates = {name: fit.diagnostics.to_dict() for name, fit in self.fits.items()}
        if self.pooled is not None:
            gates[POOLED_FIT] = self.pooled.diagnostics.to_dict()
        return gates

    @property
    def reasons(self) -> tuple[str, ...]:
        """Why the analysis is not citable: one sentence per fit that failed its gate."""
        reasons = tuple(f"{n}: {f.diagnostics.verdict}" for n, f in self.fits.items() if not f.citable)
        if self.pooled is not None and not self.pooled.citable:
            reasons += (f"{POOLED_FIT}: {self.pooled.diagnostics.verdict}",)
        return reasons

    def record_manifest(self) -> Manifest:
        """Provenance, with every fit's seed, likelihood, break year and sampler run."""
        names = _all_names(self.options)
        runs = {name: run_of(fit.trace) for name, fit in self.fits.items()}
        if self.pooled is not None:
            runs[POOLED_FIT] = run_of(self.pooled.trace)
        extra: dict[str, Any] = {
            "series": names,
            "options": dict(self.analysis.options),
            "priors": default_priors().to_dict(),
            "likelihoods": {name: fit.likelihood for name, fit in self.fits.items()},
            "break_years": {name: fit.spec.break_year for name, fit in self.fits.items()},
            "seeds": {name: fit.random_seed for name, fit in self.fits.items()}
            | ({POOLED_FIT: self.pooled.random_seed} if self.pooled else {}),
            "pooled": {"components": list(self.options.components), "model_id": POOLED_MODEL_ID} if self.pooled else {},
            "source": "; ".join(sorted({bfdata.series(n).source for n in names})),
        }
        return Manifest(
            model_id=MODEL_ID,
            random_seed=self.analysis.random_seed,
            data_hash=input_hash(self.analysis),
            preset=self.preset,
            citable=not self.reasons,
            runs=runs,
            extra=extra,
        )

    def headlines(self) -> tuple[str, ...]:
        """One sentence per series for its last forecast year, and one per definition break."""
        probs, kind = self.options.probs, self.options.kind
        head_prob = 0.9 if 0.9 in probs else probs[0]
        sentences = tuple(headline(f, self.titles[name], head_prob, kind) for name, f in self.forecasts.items())
        for name, fit in self.fits.items():
            if fit.layout.structure.has_break:
                row = fit.parameter_interval("break_effect", head_prob, kind, exponentiate=True).iloc[0]
                sentences += (
                    f"{self.titles[name]}: the {fit.spec.break_year} definition change multiplied the level by "
                    f"{row['estimate']:.2f} ({describe(head_prob, kind)} {row['lower']:.2f} to {row['upper']:.2f})",
                )
        return sentences


def run_analysis(analysis: AnalysisSpec, out_dir: Path, preset: str | None = None) -> AnalysisOutput:
    """Fit every series of the analysis, write tables, fan charts, diagnostics, manifest and headlines.

    Parameters
    ----------
    analysis
        Parsed ``spec.toml`` of kind ``"forecast"``.
    out_dir
        Where to write (the analysis' folder for results of record).
    preset
        Sampler preset; defaults to the analysis'.
    """
    options = ForecastOptions.from_spec(analysis)
    chosen = preset or analysis.preset
    resolve_run(chosen)  # an unknown preset fails before any series is read
    out = Path(out_dir)
    rng_seeds = np.random.default_rng(analysis.random_seed).integers(2**31 - 1, size=len(_all_names(options)))
    forecasts: dict[str, Forecast] = {}
    fits: dict[str, BayesianFit] = {}
    pooled = options.pool_components and len(options.components) > 1
    individually = [n for n in _all_names(options) if not (pooled and n in options.components)]
    for name, seed in zip(individually, rng_seeds, strict=False):
        progress.step(f"fit {name}")
        series = bfdata.series(name)
        spec = DampedTrend(
            likelihood=options.likelihood,  # type: ignore[arg-type]
            break_year=break_year_for(series, options.break_year),
        )
        fits[name] = spec.fit(
            series, random_seed=int(seed), preset=chosen, target_accept=options.target_accept, draws=options.draws
        )
        forecasts[name] = fits[name].forecast(options.horizon)

    pooled_fit: PooledFit | None = None
    if pooled:
        progress.step("fit pooled components")
        parts = [bfdata.series(c) for c in options.components]
        breaks = {s.name: y for s in parts if (y := break_year_for(s, options.break_year)) is not None}
        pooled_fit = PooledCounts(break_years=breaks).fit(parts, random_seed=int(rng_seeds[-1]), preset=chosen)
        forecasts.update({f.series.name: f for f in pooled_fit.forecast(options.horizon)})
    if options.components:
        forecasts[options.total_name] = coherent_total(
            [forecasts[c] for c in options.components], options.total_name or "total of components"
        )

    titles = {name: _title(name) for name in forecasts if name != options.total_name} | (
        {options.total_name: f"Sum of {len(options.components)} components"} if options.components else {}
    )
    record = ForecastRecord(analysis, options, chosen, fits, pooled_fit, forecasts, titles)
    progress.step("tables and figures")
    output = write_record(record, out, spec=analysis, headlines=record.headlines(), reasons=record.reasons)
    assert output is not None  # write_record returns the analysis output when given the spec
    return output
