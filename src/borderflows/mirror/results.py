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
import pymc as pm
import xarray as xr

from borderflows.config import DEFAULT_KIND, DEFAULT_PROB
from borderflows.diagnostics import Diagnostics
from borderflows.mirror.inputs import FloatArray, MirrorData
from borderflows.mirror.posterior import flat, log_expected_imports, log_true_shipments, predictive_reports
from borderflows.results.intervals import describe, interval

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from borderflows.mirror.spec import MirrorGap

TABLE_PROBS = (0.5, 0.9)
"""Interval probabilities of the per-year table (the issue: 50% and 90%)."""

QUANTITIES = {
    "u": "underreporting share u_t (fraction of the true CIF value missing from the importer's records)",
    "unrecorded_usd_m": "unrecorded imports, USD m (expected full CIF record x u_t)",
    "expected_imports_usd_m": "expected importer record under full reporting, USD m",
    "true_exports_usd_m": "true shipments (FOB), USD m",
}


BASELINE_PRIORS = ("log1p_tau", "b_exp", "b_imp")
"""Priors that set the expected mirror ratio under full reporting (power-scaled by ``prior_sensitivity``)."""


@dataclass(frozen=True)
class MirrorGapResults:
    """A fitted mirror-gap model.

    Attributes
    ----------
    spec
        The :class:`~borderflows.mirror.spec.MirrorGap` that was fitted.
    data
        The inputs the model saw.
    idata
        Posterior draws (``posterior``, ``sample_stats``).
    random_seed
        Seed of the run (also seeds the post-estimation draws of the level).
    preset
        Sampler preset name.
    diagnostics
        Convergence gate outcome; :attr:`citable` follows it.
    data_hash
        Hash of the pair's default table.
    """

    spec: MirrorGap
    data: MirrorData
    idata: xr.DataTree
    random_seed: int
    preset: str
    diagnostics: Diagnostics
    data_hash: str
    model: pm.Model | None = field(default=None, repr=False, compare=False)

    # ----------------------------------------------------------------- draws
    @property
    def citable(self) -> bool:
        """Whether the posterior passed the diagnostics gate."""
        return self.diagnostics.ok

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
        """Expected importer record under full reporting: exp(s_t + log(1+tau) + b_imp), USD m."""
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
        if quantity == "true_exports_usd_m":
            return np.asarray(np.exp(log_true_shipments(self.idata)))
        raise ValueError(f"unknown quantity {quantity!r}; choose one of {sorted(QUANTITIES)}")

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
            raise ValueError(f"threshold is a share in [0, 1], got {threshold!r}")
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

        With X the exporter's report, ``X - M = -X tau`` (margin: CIF adds value)
        ``+ X (1+tau) (1 - e^{b_imp - b_exp})`` (reporter bias) ``+ X (1+tau) e^{b_imp - b_exp} u_t``
        (underreporting) ``+ residual`` (reporting noise). Components are tidy rows with intervals.
        """
        both = np.isfinite(self.data.x_reported) & np.isfinite(self.data.m_reported)
        x = self.data.x_reported[both]
        m = self.data.m_reported[both]
        tau = np.expm1(flat(self.idata, "log1p_tau"))[:, None]
        bias = np.exp(flat(self.idata, "b_imp")[:, :1] - flat(self.idata, "b_exp")[:, :1])
        u = self.u_draws[:, both]
        parts = {
            "margin": -x * tau,
            "reporter_bias": x * (1 + tau) * (1 - bias),
            "underreporting": x * (1 + tau) * bias * u,
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
        """Scalar parameters with intervals: tau, the pair's reporter biases, breakpoint steps (logit u)."""
        rows: list[tuple[str, FloatArray]] = [("tau", np.expm1(flat(self.idata, "log1p_tau")))]
        rows.append((f"bias_exporter_{self.data.exporter}", flat(self.idata, "b_exp")[:, 0]))
        rows.append((f"bias_importer_{self.data.importer}", flat(self.idata, "b_imp")[:, 0]))
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
            raise ValueError(f"years {sorted(unknown)} are outside the fitted years {self.years[0]}-{self.years[-1]}")
        return np.isin(self.years, list(wanted))

    # ----------------------------------------------------------------- notes and summary
    @property
    def notes(self) -> tuple[str, ...]:
        """Caveats every output repeats."""
        notes = []
        if not self.data.has_panel:
            notes.append(
                "pair-only mode: reporter biases come from priors, so u_t leans on the priors "
                "(fit with mode='panel' to learn the reporters' usual behaviour from the DOTS panel)"
            )
        else:
            pair_sd = float(np.median(flat(self.idata, "pair_sd")))
            notes.append(
                f"panel mode: reporters' usual biases learned from {len(self.data.pairs)} other pairs "
                f"({self.data.n_panel_pair_years} pair-years); their mean log mirror ratios scatter around "
                f"the reporters' prediction with sd {pair_sd:.2f} (posterior median)"
            )
        notes.append(f"{self.data.n_excluded} report(s) excluded as not independent (IMF estimates, partner-derived)")
        if self.data.evidence is not None:
            notes.append(f"{self.data.evidence.n} evidence statement(s) used")
            notes.extend(f"evidence skipped: {s}" for s in self.data.evidence.skipped)
        notes.append(f"random_seed={self.random_seed}, preset={self.preset}, model={self.spec.model_id}")
        notes.append(f"diagnostics: {self.diagnostics.verdict}")
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
        ).round({"u": 3, "u_lower": 3, "u_upper": 3, "unrecorded_usd_m": 0, "unrecorded_lower": 0})

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

    # ----------------------------------------------------------------- sensitivity
    def margin_sensitivity(
        self,
        centres: Sequence[float] = (0.02, 0.06, 0.10, 0.15),
        prob: float = DEFAULT_PROB,
        kind: str = DEFAULT_KIND,
        preset: str | None = None,
    ) -> pd.DataFrame:
        """u_t refitted under alternative margin-prior centres (same data, same compiled model).

        Returns
        -------
        pandas.DataFrame
            ``margin_centre, year, estimate, lower, upper, prob, kind, citable``.
        """
        frames = []
        for centre in centres:
            refit = self.spec.with_margin(centre).fit_data(
                self.data, random_seed=self.random_seed, preset=preset or self.preset, data_hash=self.data_hash
            )
            part = refit.interval(prob, kind, ("u",)).drop(columns="quantity")
            part.insert(0, "margin_centre", centre)
            part["citable"] = refit.citable
            frames.append(part)
        return pd.concat(frames, ignore_index=True)

    def prior_sensitivity(self) -> pd.DataFrame:
        """Power-scaling prior/likelihood sensitivity of u_t (``arviz_stats.psense_summary``).

        The priors power-scaled are those that set the expected mirror ratio, :data:`BASELINE_PRIORS`
        (the CIF/FOB margin and the reporter biases). The random-walk prior of logit u is left out: it
        sets how smooth u_t is, so scaling it moves u_t by design, which says nothing about whether the
        level of u_t comes from the data. Sensitivity above 0.05 to those priors flags u_t as driven by
        them rather than by the reports.
        """
        import arviz_stats as azs

        tree = self.idata.copy()
        model = self.model
        if model is None:
            from borderflows.mirror.model import build_model

            model = build_model(self.data, self.spec)
        log_lik = pm.compute_log_likelihood(tree, model=model, extend_inferencedata=False, progressbar=False)
        log_prior = pm.stats.compute_log_prior(tree, model=model, extend_inferencedata=False, progressbar=False)
        tree["log_likelihood"] = _as_tree(log_lik, "log_likelihood")
        tree["log_prior"] = _as_tree(log_prior, "log_prior")
        summary: pd.DataFrame = azs.psense_summary(tree, var_names=["u"], prior_var_names=list(BASELINE_PRIORS))
        return summary

    # ----------------------------------------------------------------- plots and files
    def plot(self, kind: str = "share", ax: Axes | None = None, prob: float = DEFAULT_PROB) -> Axes:
        """Draw a figure: ``"share"``, ``"fit"`` (observed vs fitted), ``"decomposition"`` or ``"ppc"``."""
        from borderflows.plotting.mirror import plot_mirror

        return plot_mirror(self, kind, ax=ax, prob=prob)

    def save(self, path: Path) -> Path:
        """Write the posterior (NetCDF), inputs and manifest into the folder ``path``."""
        from borderflows.mirror.io import save

        return save(self, path)

    def manifest_extra(self) -> dict[str, Any]:
        """Model settings recorded in the manifest."""
        return {
            "mode": self.spec.mode,
            "margin_centre": self.spec.margin.centre,
            "margin_sd": self.spec.margin.sd,
            "breakpoints": list(self.spec.breakpoints),
            "walk": self.spec.walk,
            "exporter": self.data.exporter,
            "importer": self.data.importer,
            "years": [int(self.years[0]), int(self.years[-1])],
            "n_excluded": self.data.n_excluded,
            "n_panel_pairs": len(self.data.pairs),
            "n_panel_pair_years": self.data.n_panel_pair_years,
            "evidence_used": [] if self.data.evidence is None else list(self.data.evidence.ids),
        }


def _as_tree(value: Any, group: str) -> xr.DataTree:
    if isinstance(value, xr.DataTree):
        child = value[group] if group in value.children else value
        assert isinstance(child, xr.DataTree)
        return child
    return xr.DataTree(value)
