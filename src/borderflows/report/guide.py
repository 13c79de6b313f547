"""What a reader needs beside a number: what it measures, what it does not, and how the check on it came out.

The estimand and verdict sentences of a record win when it has them (:class:`~borderflows.report.record.
HeadlineNotes`); otherwise these say, in an economist's words, what the model of that kind estimates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from borderflows.data.countries import short_name
from borderflows.report.record import ManifestFacts, PlaceboSummary, gate_payloads

EAEU_MEMBERS = {"KAZ", "RUS", "BLR", "ARM", "KGZ"}
"""Eurasian Economic Union members: goods cleared in one reach the others without a customs declaration."""


@dataclass(frozen=True)
class Guide:
    """The "how to read this" box of one analysis.

    Attributes
    ----------
    estimand
        What the headline number measures.
    caveats
        ``(topic, sentence)`` pairs: what the number does not separate out.
    check
        The placebo (or other out-of-sample) check in one sentence, or that it is pending.
    """

    estimand: str
    caveats: tuple[tuple[str, str], ...]
    check: str


def mirror_guide(
    exporter: str,
    importer: str,
    facts: ManifestFacts,
    estimand: str | None,
    percentile: str | None,
    placebo: PlaceboSummary | None,
) -> Guide:
    """The box of a mirror analysis of the pair ``exporter`` → ``importer`` (ISO3 codes)."""
    e, i = short_name(exporter), short_name(importer)
    if estimand is None:
        estimand = (
            f"The share of the value of {e}'s shipments to {i} that {i}'s import records miss, year by year, "
            f"after the CIF/FOB valuation margin"
        )
        if facts.mode == "world":
            estimand += (
                " and beyond the gap that comparable pairs of the world show (pairs alike in distance, borders, "
                "customs unions and re-export hubs, with both reporters' usual habits): it is this pair's shortfall "
                "beyond them"
            )
        elif facts.mode == "panel":
            pairs = facts.panel_pairs
            estimand += (
                f" and after both countries' usual over- or under-statement against their other partners"
                f"{f' ({pairs} other pairs)' if pairs else ''}: it is this pair's excess over those habits"
            )
        estimand += ". Unrecorded USD is that share of the trade value expected under full reporting."
    estimand = _sentence(estimand)
    if percentile:
        estimand += " " + _sentence(percentile)
    coverage = (
        "What a customs record captures changes over time (thresholds for small parcels and shuttle trade, "
        "customs reforms). A step in the share at such a date can be a change in what is recorded, not in what "
        "is hidden, unless the model takes that change out (see what it measures)."
    )
    members = sorted(code for code in (exporter, importer) if code in EAEU_MEMBERS)
    if members:
        names = " and ".join(short_name(c) for c in members)
        coverage += (
            f" {names} belong{'s' if len(members) == 1 else ''} to the Eurasian Economic Union (founded 2015; "
            f"its customs union of Belarus, Kazakhstan and Russia dates from 2010): goods cleared in another "
            f"member state cross into {names} without a customs declaration of their own."
        )
    caveats = (
        (
            "transit",
            f"Goods {e} declares as exports to {i} that travel on to third countries are missing from {i}'s "
            f"imports without being unrecorded trade, and the model cannot tell the two apart from these two "
            f"reports alone (its validation with transit added to {e}'s figures: benchmarks/RESULTS.md).",
        ),
        ("coverage changes", coverage),
        (
            "origin rules",
            f"Importers attribute goods to their country of origin, exporters to the destination they know. "
            f"{e}-made goods that reach {i} through a third country count in {i}'s imports from {e} but not in "
            f"{e}'s exports to {i}, which lowers the measured share; goods declared for {i} that go on elsewhere "
            f"raise it.",
        ),
    )
    return Guide(estimand, caveats, _placebo_sentence(placebo))


def _sentence(text: str) -> str:
    """``text`` as a sentence: capital first letter, one full stop."""
    text = text.strip().rstrip(".")
    return f"{text[:1].upper()}{text[1:]}."


def _placebo_sentence(placebo: PlaceboSummary | None) -> str:
    if placebo is None:
        return (
            "Placebo check pending: the model has not yet been run on pairs where nothing should be missing "
            "(e.g. United States → Canada); until it has, nothing on this page shows how often it finds a "
            "share where there is none."
        )
    facts = "; ".join(f"{label}: {value}" for label, value in placebo.facts)
    sentence = (placebo.sentence or "Placebo check on pairs where nothing should be missing").rstrip(".")
    return f"{sentence}{f' ({facts})' if facts else ''}."


def forecast_guide(
    prob: float,
    models: Sequence[str],
    facts: ManifestFacts,
    titles: Mapping[str, str],
    estimand: str | None,
) -> Guide:
    """The box of a forecast analysis."""
    if estimand is None:
        estimand = (
            f"Each series' value in the years ahead: the median, and the range that holds it with {prob:.0%} "
            f"probability under the model ({', '.join(models)}) given the series' history. The range includes "
            f"the uncertainty of the model's parameters and future shocks as large as past ones."
        )
    caveats = [
        (
            "the future is like the past",
            "The range assumes the series keeps behaving as it has: a new definition, a border closure (as in "
            "2020) or a policy change is not in it.",
        )
    ]
    if facts.break_years:
        listed = "; ".join(f"{titles.get(name, name)} from {year}" for name, year in facts.break_years.items())
        caveats.append(
            ("definition changes", f"The series' definition changed ({listed}); the model estimates the step.")
        )
    if facts.signed:
        caveats.append(
            (
                "net flows",
                f"Net flows change sign ({'; '.join(titles.get(name, name) for name in facts.signed)}): their ranges "
                f"are wide and can straddle zero.",
            )
        )
    return Guide(_sentence(estimand), tuple(caveats), "")


def verdict_sentence(citable: bool, reasons: Sequence[str], reason: str | None) -> str:
    """The verdict in words: citable or not, and why (the record's own sentence when it has one)."""
    if reason:
        text = reason.strip().rstrip(".")
        text = text[0].upper() + text[1:]
        if not citable and not text.lower().startswith("not citable"):
            text = f"NOT citable: {text}"
        return f"{text}."
    if citable:
        return "Citable: every fit passed the convergence checks, so the intervals can be quoted."
    why = "; ".join(reason.rstrip(".") for reason in reasons) or "it failed its diagnostics gate"
    return f"NOT citable: {why}."


def diagnostics_line(diagnostics: Mapping[str, Any] | None) -> str:
    """The sampler checks of every fit in one line (worst values over the fits, with the thresholds)."""
    fits = gate_payloads(diagnostics)
    if not fits:
        return "No posterior to check (no diagnostics file)."
    gates = list(fits.values())
    passed = sum(bool(gate.get("ok", str(gate.get("verdict", "")).startswith("citable"))) for gate in gates)
    parts = [f"{passed} of {len(gates)} fit{'s' if len(gates) > 1 else ''} passed the sampler checks"]
    limits: Mapping[str, Any] = next((g["thresholds"] for g in gates if isinstance(g.get("thresholds"), Mapping)), {})
    parts += _worst(gates, "max_rhat", max, "worst R-hat {:.3f}", limits.get("rhat_max"), "≤ {:g}")
    parts += _worst(gates, "min_ess_bulk", min, "smallest bulk ESS {:,.0f}", limits.get("ess_min"), "≥ {:,.0f}")
    parts += _worst(gates, "min_ess_tail", min, "tail ESS {:,.0f}", limits.get("ess_min"), "≥ {:,.0f}")
    divergences = [int(g["divergences"]) for g in gates if isinstance(g.get("divergences"), (int, float))]
    if divergences:
        parts.append(f"{sum(divergences)} divergent transitions")
    ebfmi = [min(g["ebfmi"]) for g in gates if isinstance(g.get("ebfmi"), list) and g["ebfmi"]]
    if ebfmi:
        floor = limits.get("ebfmi_min")
        parts.append(f"lowest E-BFMI {min(ebfmi):.2f}" + (f" (≥ {floor:g})" if floor is not None else ""))
    return "; ".join(parts) + "."


def _worst(
    gates: Sequence[Mapping[str, Any]], key: str, pick: Any, text: str, limit: float | None, limit_text: str
) -> list[str]:
    values = [float(g[key]) for g in gates if isinstance(g.get(key), (int, float))]
    if not values:
        return []
    return [text.format(pick(values)) + (f" ({limit_text.format(limit)})" if limit is not None else "")]
