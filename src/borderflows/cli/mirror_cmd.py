"""``borderflows mirror CHN KAZ``: fit the mirror-gap model and write its tables, figures and files."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Annotated

import typer

from borderflows.cli.common import EXIT_NOT_CITABLE, console, fail, user_errors


def mirror(
    exporter: Annotated[str, typer.Argument(help="Exporter (ISO3 or IMF name), e.g. CHN.")],
    importer: Annotated[str, typer.Argument(help="Importer (ISO3 or IMF name), e.g. KAZ.")],
    years: Annotated[str | None, typer.Option(help="First-last year to report, e.g. 1995-2024.")] = None,
    prob: Annotated[
        list[float] | None, typer.Option(help="Interval probability (repeatable); default 0.5 and 0.9.")
    ] = None,
    margin_prior: Annotated[float | None, typer.Option(help="Centre of the CIF/FOB margin prior (0.07 = 7%).")] = None,
    mode: Annotated[str, typer.Option(help="panel (learn reporter biases from DOTS) or pair.")] = "panel",
    evidence: Annotated[bool, typer.Option("--evidence/--no-evidence", help="Use published gap statements.")] = True,
    breakpoint: Annotated[
        list[int] | None, typer.Option(help="Year where the share may step, e.g. 2015 (repeatable).")
    ] = None,
    walk: Annotated[
        str, typer.Option(help="centred (data pin u down) or non-centred (u near zero or weakly informed).")
    ] = "centred",
    out: Annotated[Path, typer.Option(help="Output directory.")] = Path("mirror_out"),
    preset: Annotated[str, typer.Option(help="fast (smoke runs) or full (results of record).")] = "full",
    seed: Annotated[int | None, typer.Option(help="Random seed (drawn and recorded when omitted).")] = None,
    strict: Annotated[bool, typer.Option(help="Exit 3 when the fit fails the convergence gate.")] = False,
) -> None:
    """Estimate the share of EXPORTER->IMPORTER trade missing from the importer's records, year by year."""
    from borderflows.data import mirror_pair
    from borderflows.exceptions import ConvergenceWarning
    from borderflows.mirror import MirrorGap
    from borderflows.mirror.analysis import headline, write_outputs
    from borderflows.mirror.priors import MarginPrior

    probs = tuple(prob) if prob else (0.5, 0.9)
    with user_errors():
        span = None
        if years:
            try:
                first, last = (int(p) for p in years.split("-", 1))
            except ValueError:
                fail(f"cannot read --years {years!r}; write it like 1995-2024")
            span = (first, last)
        if mode not in ("panel", "pair"):
            fail(f"--mode must be panel or pair, not {mode!r}")
        if walk not in ("centred", "non-centred"):
            fail(f"--walk must be centred or non-centred, not {walk!r}")
        margin = MarginPrior() if margin_prior is None else MarginPrior(centre=margin_prior)
        spec = MirrorGap(
            mode=mode,  # type: ignore[arg-type]
            margin=margin,
            years=span,
            breakpoints=tuple(breakpoint or ()),
            walk=walk,  # type: ignore[arg-type]
        )
        pair = mirror_pair(exporter, importer)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # the verdict is printed below
            results = spec.fit(pair, random_seed=seed, preset=preset, evidence=evidence)
        write_outputs(results, out, probs=probs)
    console.print(results.summary(prob=max(probs)))
    console.print(headline(results, prob=max(probs)))
    console.print(f"wrote tables, figures, diagnostics, manifest and posterior to {out}")
    if strict and not results.citable:
        fail(f"not citable: {results.diagnostics.verdict}", code=EXIT_NOT_CITABLE)
