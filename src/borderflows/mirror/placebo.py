"""Reference (placebo) pairs for the mirror model, the rule that picks them, and the placebo and power counts.

The rule is written down in ``docs/placebo_rule.md`` and was fixed before any fit was seen. A reference pair is a
directed pair whose two reporters are high-capacity statistical offices bound by a customs union, free-trade area or
data-exchange agreement in force over 1995-2020, so that the importer's records should miss a negligible share of
the exporter's shipments. Each candidate must also pass the world panel's availability rule on the bundled DOTS
panel (:data:`MIN_YEARS` years with both reports in :data:`RULE_YEARS`, median smaller side >= :data:`MIN_USD_M`).

Two further groups are fitted and reported separately, never counted as placebos: regional pairs of the
China-Kazakhstan study and transit routes (goods declared to the importer that travel on, or the reverse).

Counting (:func:`placebo_counts`, :func:`power_counts`) works on a tidy frame with one row per fit, so the benchmark
and its tests share it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from itertools import permutations

import numpy as np
import pandas as pd

from borderflows.exceptions import DataValidationError

RULE_YEARS = (1995, 2020)
"""Years in which availability is counted (the world panel's years)."""

MIN_YEARS = 10
"""Availability: at least this many years with both reports usable and positive."""

MIN_USD_M = 10.0
"""Availability: median over those years of the smaller of the two reports, USD m."""

EU15 = ("AUT", "BEL", "DNK", "FIN", "FRA", "DEU", "GRC", "IRL", "ITA", "LUX", "NLD", "PRT", "ESP", "SWE", "GBR")
"""Members of the EU single market throughout 1995-2020 (the United Kingdom left on 31 January 2020 and stayed in
the single market until 31 December 2020)."""

N_LARGE_EU = 5
"""The EU group takes the single-market members with the largest reported trade (:func:`large_eu_members`)."""

EFTA_MEMBERS = ("CHE", "NOR")
"""EFTA members with the capacity rule's statistical offices and free trade with the EU (EEA 1994 for Norway,
bilateral agreements 1972 and 1999 for Switzerland)."""

N_EFTA_EU_PARTNERS = 2
"""EFTA members are paired with this many of the largest EU members, both directions."""

BILATERAL_GROUPS: dict[str, tuple[tuple[str, str], ...]] = {
    # US-Canada Memorandum of Understanding on the exchange of import data (1987, in force 1990): each country
    # compiles its exports to the other from the other's import records.
    "us_canada_data_exchange": (("USA", "CAN"), ("CAN", "USA")),
    # Australia-New Zealand Closer Economic Relations Trade Agreement (ANZCERTA, 1983).
    "anzcerta": (("AUS", "NZL"), ("NZL", "AUS")),
    # High-capacity Pacific reporters with the United States (OECD members; KORUS FTA 2012, US-Japan agreement 2020).
    "pacific_oecd_with_usa": (("JPN", "USA"), ("USA", "JPN"), ("KOR", "USA"), ("USA", "KOR")),
}
"""Named bilateral groups: directed pairs fixed by the agreement, not by the data."""

REGIONAL_PAIRS: tuple[tuple[str, str], ...] = (
    ("CHN", "KAZ"),
    ("CHN", "KGZ"),
    ("CHN", "UZB"),
    ("CHN", "TJK"),
    ("RUS", "KAZ"),
    ("CHN", "MNG"),
    ("CHN", "RUS"),
    ("KAZ", "CHN"),
)
"""Pairs of the China-Kazakhstan study's region (issue 10): reported, counted in the gate pass rate, not placebos."""

TRANSIT_PAIRS: tuple[tuple[str, str], ...] = (("CHN", "KGZ"), ("CHN", "TJK"), ("LTU", "KAZ"))
"""Routes where goods declared to the importer are known to travel on (Kyrgyz and Tajik bazaars re-exporting Chinese
goods; Lithuania's re-exports to Kazakhstan): reported separately, with what the model says about them."""

PLACEBO_MAX_LOWER = 0.05
"""Placebo target: the latest year's 90% lower bound of u is at most this..."""

PLACEBO_LOWER_SHARE = 0.90
"""...for at least this share of the reference pairs."""

CITABLE_SHARE = 0.10
"""Placebo target: no reference pair is citable with a latest-year median u at or above this."""

GATE_SHARE = 0.95
"""Gate target: at least this share of placebo and regional fits pass the convergence gate with default options."""

DETECTION_LOWER = 0.10
"""Power: a 30% shortfall counts as detected when the latest year's 90% lower bound of u is above this."""

DETECTION_SHARE = 0.80
"""Power target: detected in at least this share of reference pairs (30% case)."""

COVERAGE_BAND = (0.85, 0.95)
"""Power target: share of fits whose 90% interval of u covers the injected share."""


@dataclass(frozen=True)
class Injection:
    """A known shortfall removed from the importer's reports: ``share`` of each year from ``start`` on."""

    share: float
    start: int = 2010

    @property
    def label(self) -> str:
        """E.g. ``"30% from 2010"``."""
        return f"{round(100 * self.share)}% from {self.start}"


INJECTIONS = (Injection(0.30), Injection(0.15))
"""The power study's two shortfalls (issue 10)."""


def _usable(panel: pd.DataFrame) -> pd.DataFrame:
    frame = panel[(panel["year"] >= RULE_YEARS[0]) & (panel["year"] <= RULE_YEARS[1])]
    bad = np.zeros(len(frame), dtype=bool)
    for column in ("estimated", "derived_from_partner"):
        if column in frame.columns:
            bad |= frame[column].fillna(False).astype(bool).to_numpy()
    return frame[~bad & (frame["value_usd_m"] > 0)]


def large_eu_members(panel: pd.DataFrame, n: int = N_LARGE_EU) -> tuple[str, ...]:
    """The ``n`` EU-15 members with the largest total reported trade (both flows, all partners) in the rule years."""
    frame = _usable(panel)
    totals = frame[frame["reporter"].isin(EU15)].groupby("reporter")["value_usd_m"].sum()
    return tuple(str(c) for c in totals.sort_values(ascending=False).index[:n])


def availability(panel: pd.DataFrame, pairs: list[tuple[str, str]]) -> pd.DataFrame:
    """Years with both usable reports and the median smaller report of each directed pair, in the rule years.

    Returns
    -------
    pandas.DataFrame
        ``exporter, importer, n_years, median_usd_m, available`` in the order of ``pairs``.
    """
    missing = [c for c in ("reporter", "partner", "flow", "year", "value_usd_m") if c not in panel.columns]
    if missing:
        raise DataValidationError(
            f"the panel lacks column(s) {', '.join(missing)}",
            column=missing[0],
            fix="pass the frame returned by borderflows.data.dots_panel()",
        )
    frame = _usable(panel)
    exports = frame[frame["flow"] == "exports_fob"].rename(columns={"reporter": "exporter", "partner": "importer"})
    imports = frame[frame["flow"] == "imports_cif"].rename(columns={"reporter": "importer", "partner": "exporter"})
    keys = ["exporter", "importer", "year"]
    both = exports[[*keys, "value_usd_m"]].merge(imports[[*keys, "value_usd_m"]], on=keys, suffixes=("_x", "_m"))
    smaller = both[["value_usd_m_x", "value_usd_m_m"]].min(axis=1).groupby([both["exporter"], both["importer"]])
    stats = pd.DataFrame({"n_years": smaller.count(), "median_usd_m": smaller.median()})
    wanted = pd.MultiIndex.from_tuples(pairs, names=["exporter", "importer"])
    out = stats.reindex(wanted).fillna({"n_years": 0, "median_usd_m": 0.0}).reset_index()
    out["n_years"] = out["n_years"].astype(np.int64)
    out["available"] = (out["n_years"] >= MIN_YEARS) & (out["median_usd_m"] >= MIN_USD_M)
    return out[["exporter", "importer", "n_years", "median_usd_m", "available"]]


def candidate_pairs(panel: pd.DataFrame) -> pd.DataFrame:
    """Every candidate of the rule with its group: ``group, exporter, importer`` (before availability)."""
    eu = large_eu_members(panel)
    rows = [("eu_single_market", e, i) for e, i in permutations(eu, 2)]
    for member in EFTA_MEMBERS:
        for partner in eu[:N_EFTA_EU_PARTNERS]:
            rows += [("efta_eu", member, partner), ("efta_eu", partner, member)]
    for group, pairs in BILATERAL_GROUPS.items():
        rows += [(group, e, i) for e, i in pairs]
    return pd.DataFrame(rows, columns=["group", "exporter", "importer"])


def study_pairs(panel: pd.DataFrame) -> pd.DataFrame:
    """Placebo, regional and transit pairs with availability: ``role, group, exporter, importer, n_years,
    median_usd_m, available``. Placebo candidates that fail availability are kept with ``available`` False."""
    placebo = candidate_pairs(panel).assign(role="placebo")
    regional = pd.DataFrame(REGIONAL_PAIRS, columns=["exporter", "importer"]).assign(role="regional", group="regional")
    transit = pd.DataFrame(TRANSIT_PAIRS, columns=["exporter", "importer"]).assign(role="transit", group="transit")
    pairs = pd.concat([placebo, regional, transit], ignore_index=True)
    stats = availability(panel, list(zip(pairs["exporter"], pairs["importer"], strict=True)))
    out = pd.concat([pairs[["role", "group"]], stats], axis=1)
    return out[["role", "group", "exporter", "importer", "n_years", "median_usd_m", "available"]]


FIT_COLUMNS = ("role", "exporter", "importer", "year", "lower", "estimate", "upper", "citable", "gate_ok")
"""Columns :func:`placebo_counts` needs: one row per fit, latest year's 90% interval of u."""


def _check(rows: pd.DataFrame, columns: tuple[str, ...]) -> None:
    missing = [c for c in columns if c not in rows.columns]
    if missing:
        raise DataValidationError(
            f"the fit rows lack column(s) {', '.join(missing)}",
            column=missing[0],
            fix="pass the per-fit frame written by benchmarks/mirror_placebo.py",
        )


def _share(hits: int, n: int) -> float:
    return hits / n if n else float("nan")


def _pct(hits: int, n: int) -> str:
    return f"{100 * hits / n:.0f}%" if n else "n/a"


@dataclass(frozen=True)
class PlaceboCounts:
    """Placebo and gate counts of unaltered fits (:func:`placebo_counts`).

    Attributes
    ----------
    n_placebo
        Reference pairs fitted.
    lower_at_most_5pct
        Of them, how many have a latest-year 90% lower bound of u at or below :data:`PLACEBO_MAX_LOWER`.
    citable_loud
        Reference pairs reported citable with a latest-year median u at or above :data:`CITABLE_SHARE`, as
        ``"E->I"``.
    n_gate_pairs, gate_passes
        Placebo and regional pairs fitted, and how many passed the convergence gate.
    """

    n_placebo: int
    lower_at_most_5pct: int
    citable_loud: tuple[str, ...]
    n_gate_pairs: int
    gate_passes: int

    @property
    def lower_share(self) -> float:
        """Share of reference pairs whose lower bound is at most 5%."""
        return _share(self.lower_at_most_5pct, self.n_placebo)

    @property
    def gate_share(self) -> float:
        """Share of placebo and regional pairs passing the gate."""
        return _share(self.gate_passes, self.n_gate_pairs)

    @property
    def targets(self) -> dict[str, bool | None]:
        """Whether each target is met (``None`` where nothing was fitted)."""
        return {
            "lower_bound_at_most_5pct_for_90pct": self.lower_share >= PLACEBO_LOWER_SHARE if self.n_placebo else None,
            "none_citable_at_10pct": not self.citable_loud if self.n_placebo else None,
            "gate_95pct": self.gate_share >= GATE_SHARE if self.n_gate_pairs else None,
        }

    def to_dict(self) -> dict[str, object]:
        """Counts, shares and targets, for JSON."""
        return {
            **asdict(self),
            "lower_share": self.lower_share,
            "gate_share": self.gate_share,
            "targets": self.targets,
        }


def placebo_counts(rows: pd.DataFrame) -> PlaceboCounts:
    """Placebo and gate counts against the issue's targets.

    Parameters
    ----------
    rows
        One row per unaltered fit with :data:`FIT_COLUMNS` (``role`` placebo, regional or transit). A pair fitted
        in two roles counts once in the gate.
    """
    _check(rows, FIT_COLUMNS)
    placebo = rows[rows["role"] == "placebo"]
    loud = placebo[placebo["citable"].astype(bool) & (placebo["estimate"] >= CITABLE_SHARE)]
    gated = rows[rows["role"].isin(["placebo", "regional"])].drop_duplicates(["exporter", "importer"])
    return PlaceboCounts(
        n_placebo=len(placebo),
        lower_at_most_5pct=int((placebo["lower"] <= PLACEBO_MAX_LOWER).sum()),
        citable_loud=tuple(f"{e}->{i}" for e, i in zip(loud["exporter"], loud["importer"], strict=True)),
        n_gate_pairs=len(gated),
        gate_passes=int(gated["gate_ok"].astype(bool).sum()),
    )


POWER_COLUMNS = ("exporter", "importer", "injected", "lower", "estimate", "upper", "gate_ok")
"""Columns :func:`power_counts` needs: one row per fit to a pair with an injected shortfall (latest year)."""


@dataclass(frozen=True)
class PowerCounts:
    """Detection and coverage of one injected shortfall over the reference pairs (:func:`power_counts`).

    Attributes
    ----------
    injected
        The removed share.
    n_pairs
        Fits.
    detected
        Fits whose latest-year 90% lower bound of u is above :data:`DETECTION_LOWER`.
    covered
        Fits whose latest-year 90% interval covers ``injected``.
    median_width, median_estimate
        Of the latest-year intervals and medians.
    gate_passes
        Fits passing the convergence gate.
    """

    injected: float
    n_pairs: int
    detected: int
    covered: int
    median_width: float
    median_estimate: float
    gate_passes: int

    @property
    def detection_rate(self) -> float:
        """Share of fits that detect the shortfall."""
        return _share(self.detected, self.n_pairs)

    @property
    def coverage(self) -> float:
        """Share of fits whose interval covers the injected share."""
        return _share(self.covered, self.n_pairs)

    @property
    def coverage_mcse(self) -> float:
        """Binomial standard error of :attr:`coverage`."""
        p = self.coverage
        return float(np.sqrt(p * (1 - p) / self.n_pairs)) if self.n_pairs else float("nan")

    @property
    def targets(self) -> dict[str, bool | None]:
        """Detection (stated for the 30% shortfall only) and coverage targets; ``None`` where none applies."""
        detection = self.detection_rate >= DETECTION_SHARE if np.isclose(self.injected, 0.30) else None
        coverage = COVERAGE_BAND[0] <= self.coverage <= COVERAGE_BAND[1] if self.n_pairs else None
        return {"detection_80pct": detection, "coverage_85_95pct": coverage}

    def to_dict(self) -> dict[str, object]:
        """Counts, rates and targets, for JSON."""
        return {
            **asdict(self),
            "detection_rate": self.detection_rate,
            "coverage": self.coverage,
            "coverage_mcse": self.coverage_mcse,
            "targets": self.targets,
        }


def power_counts(rows: pd.DataFrame) -> list[PowerCounts]:
    """Detection rate, coverage of the injected share and median width, per injected share (largest first).

    Parameters
    ----------
    rows
        One row per injected fit with :data:`POWER_COLUMNS`; ``injected`` is the removed share.
    """
    _check(rows, POWER_COLUMNS)
    out = []
    for share in sorted({float(s) for s in rows["injected"]}, reverse=True):
        group = rows[np.isclose(rows["injected"].astype(float), share)]
        out.append(
            PowerCounts(
                injected=share,
                n_pairs=len(group),
                detected=int((group["lower"] > DETECTION_LOWER).sum()),
                covered=int(((group["lower"] <= share) & (share <= group["upper"])).sum()),
                median_width=float((group["upper"] - group["lower"]).median()),
                median_estimate=float(group["estimate"].median()),
                gate_passes=int(group["gate_ok"].astype(bool).sum()),
            )
        )
    return out


def sentence(counts: PlaceboCounts, power: list[PowerCounts]) -> str:
    """The placebo and power counts in words, for the report (every number from the counts)."""
    n, low, gate_n = counts.n_placebo, counts.lower_at_most_5pct, counts.n_gate_pairs
    loud = len(counts.citable_loud)
    citable = "none is" if loud == 0 else f"{loud} {'is' if loud == 1 else 'are'}"
    text = (
        f"On {n} reference pairs where the importer's records should miss almost nothing (docs/placebo_rule.md), "
        f"{low} ({_pct(low, n)}) have a latest-year 90% lower bound of the shortfall at or below 5% and {citable} "
        f"citable with a shortfall of 10% or more; {counts.gate_passes} of {gate_n} placebo and regional fits "
        "pass the gate."
    )
    for entry in power:
        share = round(100 * entry.injected)
        text += (
            f" With {share}% removed from the importer's reports from 2010 on, the lower bound is above 10% in "
            f"{entry.detected} of {entry.n_pairs} pairs ({_pct(entry.detected, entry.n_pairs)}) and the 90% "
            f"interval covers {share}% in {entry.covered} of {entry.n_pairs} "
            f"(median width {100 * entry.median_width:.0f} points)."
        )
    return text
