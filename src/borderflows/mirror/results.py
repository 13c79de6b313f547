"""Results of a mirror-gap fit: per-year shares and unrecorded values with intervals, and their checks.

Every interval table is tidy (``lower``, ``upper``, ``prob``, ``kind`` columns) and every label comes
from :func:`borderflows.results.intervals.describe`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr

from borderflows.config import DEFAULT_KIND, DEFAULT_PROB, check_choice
from borderflows.diagnostics import Diagnostics
from borderflows.exceptions import OptionError
from borderflows.mirror.identification import Identification
from borderflows.mirror.inputs import FloatArray, MirrorData
from borderflows.mirror.io import write
from borderflows.mirror.options import MirrorOptions
from borderflows.mirror.posterior import coverage_path, log_expected_imports, predictive_reports
from borderflows.results.intervals import describe, interval
from borderflows.results.manifest import Manifest
from borderflows.sampling import flat

if TYPE_CHECKING:
    import pymc as pm
    from matplotlib.axes import Axes

TABLE_PROBS = (0.5, 0.9)
"""Interval probabilities of the per-year table (the issue: 50% and 90%)."""

QUANTITIES = {
    "u": "underreporting share u_t (fraction of the true CIF value missing from the importer's records)",
    "unrecorded_usd_m": "unrecorded imports, USD m (expected record x u_t)",
    "expected_imports_usd_m": "expected importer record with no shortfall beyond comparable pairs, USD m",
}

FIGURES = ("share", "fit", "decomposition", "ppc")
"""What :meth:`MirrorGapResults.plot` draws (the record writes each)."""


@dataclass(frozen=True)
class MirrorGapResults:
    """A fitted mirror-gap model.

    Attributes
    ----------
    spec
        The spec that was fitted, with the walk that ran: a :class:`~borderflows.mirror.spec.MirrorGap` (typed
        by its :class:`~borderflows.mirror.options.MirrorOptions`, which is all the results read).
    data
        The inputs the model saw.
    idata
        Posterior draws (``posterior``, ``sample_stats``).
    random_seed
        Seed of the run (also seeds the post-estimation draws of the level).
    preset
        Sampler preset name.
    diagnostics
        Convergence gate outcome.
    identification
        Whether the latest year's share is driven by the data (:mod:`borderflows.mirror.identification`);
        :attr:`citable` needs both.
    data_hash
        Hash of the pair's default table.
    """

    spec: MirrorOptions
    data: MirrorData
    idata: xr.DataTree
    random_seed: int
    preset: str
    diagnostics: Diagnostics
    identification: Identification
    data_hash: str
    model: pm.Model | None = field(default=None, repr=False, compare=False)

    # ----------------------------------------------------------------- verdict
    @property
    def citable(self) -> bool:
        """Whether the share may be cited: the posterior converged and the data identify the share."""
        return self.diagnostics.ok and self.identification.identified

    @property
    def verdict(self) -> str:
        """``"citable"``, or why not, in words an economist uses."""
        if not self.diagnostics.ok:
            return self.diagnostics.verdict
        if not self.identification.identified:
            return "NOT citable: " + self.identification.reason
        return "citable"

    @property
    def percentile(self) -> float | None:
        """Share (%) of the world's pairs whose mean mirror ratio, relative to prediction, is below this pair's."""
        return self.data.offset.percentile

    @property
    def years(self) -> np.ndarray:
        """Years with an estimate (every year of the grid)."""
        return self.data.years

    @cached_property
    def u_draws(self) -> FloatArray:
        """Draws of u_t, shape ``(n_draws, n_years)``."""
        return flat(self.idata, "u")

    @cached_property
    def expected_imports_draws(self) -> FloatArray:
        """Expected importer record with no shortfall beyond comparable pairs: exp(l_t + c), USD m."""
        return np.asarray(np.exp(log_expected_imports(self.idata)))

    @cached_property
    def unrecorded_draws(self) -> FloatArray:
        """Unrecorded imports in USD m: expected full record times u_t."""
        return np.asarray(self.expected_imports_draws * self.u_draws)

    def draws(self, quantity: str) -> FloatArray:
        """Draws ``(n_draws, n_years)`` of a quantity named in :data:`QUANTITIES`."""
        if quantity == "u":
            return self.u_draws
        if quantity == "unrecorded_usd_m":
            return self.unrecorded_draws
        if quantity == "expected_imports_usd_m":
            return self.expected_imports_draws
        raise OptionError("quantity", f"{quantity!r} is not a mirror quantity", f"use one of {sorted(QUANTITIES)}")

    # ----------------------------------------------------------------- tables
    def interval(
        self,
        prob: float = DEFAULT_PROB,
        kind: str = DEFAULT_KIND,
        quantities: Sequence[str] = ("u", "unrecorded_usd_m", "expected_imports_usd_m"),
    ) -> pd.DataFrame:
        """Tidy per-year intervals: ``year, quantity, estimate (median), lower, upper, prob, kind``."""
        frames = []
        for quantity in quantities:
            values = self.draws(quantity)
            lower, upper = interval(values, prob, kind)
            frames.append(
                pd.DataFrame(
                    {
                        "year": self.years,
                        "quantity": quantity,
                        "estimate": np.median(values, axis=0),
                        "lower": lower,
                        "upper": upper,
                        "prob": prob,
                        "kind": kind,
                    }
                )
            )
        return pd.concat(frames, ignore_index=True)

    def to_frame(self, probs: Iterable[float] = TABLE_PROBS, kind: str = DEFAULT_KIND) -> pd.DataFrame:
        """The per-year table: reported X and M next to every quantity's median and intervals (tidy)."""
        frame = pd.concat([self.interval(p, kind, tuple(QUANTITIES)) for p in probs], ignore_index=True)
        reported = pd.DataFrame(
            {
                "year": self.years,
                "exports_reported_usd_m": self.data.x_reported,
                "imports_reported_usd_m": self.data.m_reported,
            }
        )
        return reported.merge(frame, on="year").sort_values(["quantity", "prob", "year"]).reset_index(drop=True)

    def total(
        self, years: Iterable[int] | None = None, prob: float = DEFAULT_PROB, kind: str = DEFAULT_KIND
    ) -> pd.DataFrame:
        """Unrecorded imports summed over ``years`` (default all), with an interval (USD m)."""
        chosen = self._year_mask(years)
        totals = self.unrecorded_draws[:, chosen].sum(axis=1)
        lower, upper = interval(totals, prob, kind)
        picked = self.years[chosen]
        return pd.DataFrame(
            {
                "first_year": [int(picked.min())],
                "last_year": [int(picked.max())],
                "n_years": [int(chosen.sum())],
                "quantity": ["unrecorded_usd_m"],
                "estimate": [float(np.median(totals))],
                "lower": [float(lower)],
                "upper": [float(upper)],
                "prob": [prob],
                "kind": [kind],
            }
        )

    def prob_exceeds(self, threshold: float, years: Iterable[int] | None = None) -> pd.DataFrame:
        """Posterior probability that u_t exceeds ``threshold`` (a share, e.g. 0.3), per year."""
        if not 0.0 <= threshold <= 1.0:
            raise OptionError("threshold", f"{threshold!r} is not a share", "give a share between 0 and 1, e.g. 0.3")
        chosen = self._year_mask(years)
        return pd.DataFrame(
            {
                "year": self.years[chosen],
                "threshold": threshold,
                "probability": (self.u_draws[:, chosen] > threshold).mean(axis=0),
            }
        )

    def decomposition(self, prob: float = DEFAULT_PROB, kind: str = DEFAULT_KIND) -> pd.DataFrame:
        """Split the raw gap X - M (USD m) of every year with both reports into its parts.

        With X the exporter's report and the pair's offset ``c = log(1+tau) + r + alpha`` (margin, the
        reporters' usual behaviour and covariates ``r``, the pair's own persistent effect ``alpha``):
        ``X - M = -X tau`` (margin: CIF adds value) ``+ X (1+tau) (1 - e^r)`` (reporter behaviour)
        ``+ X e^{log(1+tau) + r} (1 - e^{alpha + a_t + k_t})`` (the pair's own effect, its drift and known
        coverage steps: transit, coverage, product mix) ``+ X e^{c + a_t + k_t} u_t`` (underreporting)
        ``+ residual`` (reporting noise). Tidy rows with intervals.
        """
        both = np.isfinite(self.data.x_reported) & np.isfinite(self.data.m_reported)
        x = self.data.x_reported[both]
        m = self.data.m_reported[both]
        log1p_tau = flat(self.idata, "log1p_tau")[:, None]
        usual = flat(self.idata, "reporters")[:, None] + flat(self.idata, "covariate_effect")[:, None]
        alpha = flat(self.idata, "alpha")[:, None] + flat(self.idata, "pair_drift")[:, both]
        alpha = alpha + coverage_path(self.idata)[:, both]
        u = self.u_draws[:, both]
        parts = {
            "margin": -x * np.expm1(log1p_tau),
            "reporter_behaviour": x * np.exp(log1p_tau) * (1 - np.exp(usual)),
            "pair_effect": x * np.exp(log1p_tau + usual) * (1 - np.exp(alpha)),
            "underreporting": x * np.exp(log1p_tau + usual + alpha) * u,
        }
        parts["residual"] = (x - m) - sum(parts.values())
        frames = []
        for name, values in parts.items():
            lower, upper = interval(values, prob, kind)
            frames.append(
                pd.DataFrame(
                    {
                        "year": self.years[both],
                        "component": name,
                        "raw_gap_usd_m": x - m,
                        "estimate": np.median(values, axis=0),
                        "lower": lower,
                        "upper": upper,
                        "prob": prob,
                        "kind": kind,
                    }
                )
            )
        return pd.concat(frames, ignore_index=True)

    def effects(self, prob: float = DEFAULT_PROB, kind: str = DEFAULT_KIND) -> pd.DataFrame:
        """Scalar parameters with intervals: the margin, the reporters' usual behaviour, covariates, the pair's
        own effect and offset (log points), breakpoint steps (logit u)."""
        rows: list[tuple[str, FloatArray]] = [("tau", flat(self.idata, "tau"))]
        rows.append((f"reporters_{self.data.importer}_minus_{self.data.exporter}", flat(self.idata, "reporters")))
        rows.append(("covariate_effect", flat(self.idata, "covariate_effect")))
        rows.append(("pair_effect_alpha", flat(self.idata, "alpha")))
        rows.append(("offset_c", flat(self.idata, "offset")))
        if "coverage_step" in self.idata["posterior"]:
            steps = flat(self.idata, "coverage_step")
            for j, year in enumerate(self.idata["posterior"]["coverage_step"].coords["coverage_year"].values):
                rows.append((f"coverage_step_{int(year)}_log_ratio", steps[:, j]))
        if "beta" in self.idata["posterior"]:
            beta = flat(self.idata, "beta")
            for j, year in enumerate(self.idata["posterior"]["beta"].coords["breakpoint"].values):
                rows.append((f"break_{int(year)}_logit_u", beta[:, j]))
        frames = []
        for name, values in rows:
            lower, upper = interval(values, prob, kind)
            frames.append(
                {
                    "parameter": name,
                    "estimate": float(np.median(values)),
                    "lower": float(lower),
                    "upper": float(upper),
                    "prob": prob,
                    "kind": kind,
                }
            )
        return pd.DataFrame(frames)

    def predictive(self, prob: float = DEFAULT_PROB, kind: str = DEFAULT_KIND) -> pd.DataFrame:
        """Posterior-predictive intervals of both reports next to the observed ones (tidy)."""
        rng = np.random.default_rng([self.random_seed, 2])
        x_rep, m_rep = predictive_reports(self.idata, rng)
        frames = []
        for flow, values, observed in (
            ("exports", x_rep, self.data.x_reported),
            ("imports", m_rep, self.data.m_reported),
        ):
            lower, upper = interval(values, prob, kind)
            frames.append(
                pd.DataFrame(
                    {
                        "year": self.years,
                        "flow": flow,
                        "observed_usd_m": observed,
                        "estimate": np.median(values, axis=0),
                        "lower": lower,
                        "upper": upper,
                        "prob": prob,
                        "kind": kind,
                    }
                )
            )
        return pd.concat(frames, ignore_index=True)

    def _year_mask(self, years: Iterable[int] | None) -> np.ndarray:
        if years is None:
            return np.ones(len(self.years), dtype=bool)
        wanted = {int(y) for y in years}
        unknown = wanted - set(self.years.tolist())
        if unknown:
            raise OptionError(
                "years",
                f"{sorted(unknown)} are outside the fitted years",
                f"choose years in {self.years[0]}-{self.years[-1]}",
            )
        return np.isin(self.years, list(wanted))

    # ----------------------------------------------------------------- notes and summary
    @property
    def notes(self) -> tuple[str, ...]:
        """Caveats every output repeats."""
        notes = []
        offset = self.data.offset
        if offset.source == "priors":
            notes.append(
                "pair mode: the pair's usual mirror ratio comes from the margin and reporter-bias priors, so u_t "
                "leans on them (the default world mode learns it from every pair of the world)"
            )
        else:
            notes.append(
                "u_t is the pair's shortfall beyond what comparable pairs show: the world panel predicts the "
                f"pair's usual log mirror ratio as {offset.loc:+.2f} with scale {offset.scale:.2f} "
                f"(pairs scatter around their prediction with sd {offset.pair_sd:.2f})"
            )
            if offset.percentile is not None:
                notes.append(
                    "the pair's mean mirror ratio relative to its prediction is "
                    f"{percentile_phrase(offset.percentile)} of the world's pairs"
                )
        notes.append(
            "transit declared to the importer, coverage changes and origin rules also lower the importer's "
            "records; u_t does not tell them apart from unrecorded trade"
        )
        notes.append(f"{self.data.n_excluded} report(s) excluded as not independent (IMF estimates, partner-derived)")
        if self.data.evidence is not None:
            notes.append(f"{self.data.evidence.n} evidence statement(s) used")
            notes.extend(f"evidence skipped: {s}" for s in self.data.evidence.skipped)
        notes.append(f"random_seed={self.random_seed}, preset={self.preset}, model={self.spec.model_id}")
        notes.append(f"diagnostics: {self.diagnostics.verdict}")
        notes.append(f"identification: {self.identification.reason}")
        return tuple(notes)

    def summary(self, prob: float = DEFAULT_PROB, kind: str = DEFAULT_KIND) -> str:
        """A plain-text table of u_t and unrecorded imports per year, with notes."""
        frame = self.summary_frame(prob, kind)
        label = describe(prob, kind)
        head = f"Mirror gap {self.data.exporter} -> {self.data.importer}: medians and {label}s"
        return "\n".join([head, frame.to_string(index=False), *(f"- {n}" for n in self.notes)])

    def summary_frame(self, prob: float = DEFAULT_PROB, kind: str = DEFAULT_KIND) -> pd.DataFrame:
        """One row per year: reported X, M, u_t and unrecorded USD with intervals (for printing)."""
        tidy = self.interval(prob, kind, ("u", "unrecorded_usd_m"))
        u = tidy[tidy["quantity"] == "u"].set_index("year")
        usd = tidy[tidy["quantity"] == "unrecorded_usd_m"].set_index("year")
        return pd.DataFrame(
            {
                "year": self.years,
                "X_usd_m": self.data.x_reported,
                "M_usd_m": self.data.m_reported,
                "u": u["estimate"].to_numpy(),
                "u_lower": u["lower"].to_numpy(),
                "u_upper": u["upper"].to_numpy(),
                "unrecorded_usd_m": usd["estimate"].to_numpy(),
                "unrecorded_lower": usd["lower"].to_numpy(),
                "unrecorded_upper": usd["upper"].to_numpy(),
                "prob": prob,
                "kind": kind,
            }
        ).round(
            {"u": 3, "u_lower": 3, "u_upper": 3, "unrecorded_usd_m": 0, "unrecorded_lower": 0, "unrecorded_upper": 0}
        )

    def to_markdown(self, prob: float = DEFAULT_PROB, kind: str = DEFAULT_KIND) -> str:
        """The per-year summary as a Markdown table with a caption line and notes."""
        frame = self.summary_frame(prob, kind)
        caption = f"Medians and {describe(prob, kind)}s."
        return "\n".join([caption, "", frame.to_markdown(index=False), "", *(f"- {n}" for n in self.notes)])

    def to_latex(self, prob: float = DEFAULT_PROB, kind: str = DEFAULT_KIND) -> str:
        """The per-year summary as a LaTeX tabular with a caption."""
        frame = self.summary_frame(prob, kind)
        return str(
            frame.to_latex(
                index=False,
                float_format="%.3f",
                caption=f"Mirror gap {self.data.exporter} to {self.data.importer}: medians and {describe(prob, kind)}s",
            )
        )

    # ----------------------------------------------------------------- plots and files
    def plot(
        self, what: str = "share", ax: Axes | None = None, prob: float = DEFAULT_PROB, kind: str = DEFAULT_KIND
    ) -> Axes:
        """Draw one figure of the fit (:data:`FIGURES`), its bands labelled with their probability and kind.

        Parameters
        ----------
        what
            ``"share"`` (u_t with 50% and ``prob`` bands), ``"fit"`` (reported X and M against the model's
            predictive intervals), ``"decomposition"`` (the raw gap split into its parts, :meth:`decomposition`)
            or ``"ppc"`` (posterior-predictive interval of the importer's report with the observed values).
        ax
            Axes to draw on; a new figure when ``None``.
        prob, kind
            Interval probability and kind of the bands.

        Returns
        -------
        matplotlib.axes.Axes
            Stamped "NOT citable" when the fit is not (:attr:`citable`).
        """
        check_choice("what", what, FIGURES, what="figure")
        from borderflows.plotting import mirror as plots
        from borderflows.plotting.marks import mark_not_citable

        pair = {"exporter": self.data.exporter, "importer": self.data.importer}
        if what == "share":
            bands = pd.concat([self.interval(p, kind, ("u",)) for p in (prob, 0.5)], ignore_index=True)
            ax = plots.share_bands(bands, **pair, ax=ax)
        elif what == "fit":
            ax = plots.reported_vs_fitted(self.predictive(prob, kind), **pair, ax=ax)
        elif what == "ppc":
            ax = plots.predictive_check(self.predictive(prob, kind), **pair, ax=ax)
        else:
            ax = plots.decomposition_bars(self.decomposition(prob, kind), **pair, ax=ax)
        return mark_not_citable(ax, self.citable)

    def save(self, path: Path) -> Path:
        """Write the posterior (NetCDF), inputs and manifest into the folder ``path``
        (:func:`borderflows.mirror.load` reads it back)."""
        manifest = Manifest(
            model_id=self.spec.model_id,
            random_seed=self.random_seed,
            data_hash=self.data_hash,
            preset=self.preset,
            citable=self.citable,
            extra={**self.manifest_extra(), "diagnostics": self.diagnostics.to_dict()},
        )
        return write(path, idata=self.idata, data=self.data, manifest=manifest)

    def manifest_extra(self) -> dict[str, Any]:
        """Model settings recorded in the manifest."""
        offset = self.data.offset
        return {
            "spec": self.spec.to_dict(),
            "exporter": self.data.exporter,
            "importer": self.data.importer,
            "years": [int(self.years[0]), int(self.years[-1])],
            "n_excluded": self.data.n_excluded,
            "offset": {
                "source": offset.source,
                "loc": offset.loc,
                "scale": offset.scale,
                "pair_sd": offset.pair_sd,
                "residual": offset.residual,
                "percentile": offset.percentile,
            },
            "identification": self.identification.to_dict(),
            "evidence_used": [] if self.data.evidence is None else list(self.data.evidence.ids),
            "evidence_skipped": [] if self.data.evidence is None else list(self.data.evidence.skipped),
        }


def percentile_phrase(percentile: float) -> str:
    """Where a pair sits among the world's pairs: ``"among the lowest 0.2%"``, ``"at the 22nd percentile"``,
    ``"among the highest 0.5%"``."""
    if percentile < 1:
        return f"among the lowest {max(percentile, 0.1):.1f}%"
    if percentile > 99:
        return f"among the highest {max(100 - percentile, 0.1):.1f}%"
    value = round(percentile)
    suffix = "th" if 10 <= value % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(value % 10, "th")
    return f"at the {value}{suffix} percentile"
