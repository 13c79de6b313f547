"""``borderflows mirror CHN KAZ``: fit the mirror-gap model and write its tables, figures and files."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from borderflows import progress
from borderflows.cli import options
from borderflows.cli.common import EXIT_NOT_CITABLE, console, fail
from borderflows.exceptions import OptionError

FLAGS = {
    "mode": "--mode",
    "walk": "--walk",
    "years": "--years",
    "breakpoints": "--breakpoint",
    "margin_centre": "--margin-prior",
    "sampler": "--sampler",
    "preset": "--preset",
    "random_seed": "--seed",
}
"""The library's option names as this command spells them."""


def mirror(
    exporter: Annotated[str, typer.Argument(help="Exporter (ISO3 or IMF name), e.g. CHN.")],
    importer: Annotated[str, typer.Argument(help="Importer (ISO3 or IMF name), e.g. KAZ.")],
    years: Annotated[str | None, typer.Option(help="First-last year to report, e.g. 1995-2024.")] = None,
    prob: Annotated[
        list[float] | None, typer.Option(help="Interval probability (repeatable); default 0.5 and 0.9.")
    ] = None,
    margin_prior: Annotated[float | None, typer.Option(help="Centre of the CIF/FOB margin prior (0.07 = 7%).")] = None,
    mode: Annotated[
        str | None, typer.Option(help="world (compare with every DOTS pair) or pair (its own reports only).")
    ] = None,
    evidence: Annotated[bool, typer.Option("--evidence/--no-evidence", help="Use published gap statements.")] = True,
    breakpoint: Annotated[
        list[int] | None, typer.Option(help="Year where the share may step, e.g. 2015 (repeatable).")
    ] = None,
    walk: Annotated[
        str | None,
        typer.Option(
            help="Share walk: auto (default: non-centred, centred if that fails the gate), centred or non-centred."
        ),
    ] = None,
    out: Annotated[Path, typer.Option(help="Output directory.")] = Path("mirror_out"),
    preset: Annotated[str, typer.Option(help="fast (smoke runs) or full (results of record).")] = "full",
    seed: Annotated[int | None, typer.Option(help="Random seed (drawn and recorded when omitted).")] = None,
    strict: Annotated[
        bool, typer.Option(help="Exit 3 when the result is not citable (convergence or identification).")
    ] = False,
) -> None:
    """Estimate the share of EXPORTER->IMPORTER trade missing from the importer's records, year by year."""
    probs = options.probabilities(prob, (0.5, 0.9))
    span = options.year_span(years)
    breaks = tuple(options.check_year(b, "--breakpoint") for b in breakpoint or ())
    options.sampler_preset(preset)
    options.seed(seed)
    options.output_folder(out)
    exporter = options.country(exporter, "EXPORTER")
    importer = options.country(importer, "IMPORTER")
    if exporter == importer:
        raise OptionError("IMPORTER", f"{importer} is also the exporter", "pick two different countries")
    try:  # the spec checks its own fields; imported here, it costs no PyMC
        from borderflows.mirror.priors import MarginPrior
        from borderflows.mirror.spec import MirrorGap

        given: dict[str, object] = {"mode": mode, "walk": walk, "years": span, "breakpoints": breaks}
        if margin_prior is not None:
            given["margin"] = MarginPrior(centre=margin_prior)
        spec = MirrorGap(**{name: value for name, value in given.items() if value is not None})  # type: ignore[arg-type]
    except OptionError as error:
        raise error.renamed(FLAGS.get(error.option, error.option)) from None

    from borderflows.data import mirror_pair
    from borderflows.exceptions import ConvergenceWarning
    from borderflows.mirror.analysis import headline, write_outputs

    pair = mirror_pair(exporter, importer)

    def announce(message: str) -> None:
        console.print(f"{exporter}->{importer}: {escape(message)}", style="dim", highlight=False, soft_wrap=True)

    # One line per step (compile, each sampling attempt and why the one before failed); on a terminal the
    # sampler draws its own bar as well.
    with warnings.catch_warnings(), progress.reporting(announce, sampler_progress=console.is_terminal):
        warnings.simplefilter("ignore", ConvergenceWarning)  # the verdict is printed below
        results = spec.fit(pair, random_seed=seed, preset=preset, evidence=evidence)
    write_outputs(results, out, probs=probs)
    console.print(results.summary(prob=max(probs)))
    console.print(headline(results, prob=max(probs)))
    console.print(f"wrote tables, figures, diagnostics, manifest and posterior to {out}")
    if strict and not results.citable:
        fail(results.verdict, code=EXIT_NOT_CITABLE)


def mirror_world(
    preset: Annotated[str, typer.Option(help="fast (smoke runs) or full (results of record).")] = "full",
    seed: Annotated[int | None, typer.Option(help="Random seed; default the committed posterior's.")] = None,
    out: Annotated[
        Path | None, typer.Option(help="Where to write it; default the committed world posterior (models/world_panel).")
    ] = None,
) -> None:
    """Refit the world panel: every DOTS pair's usual mirror ratio (margin, reporters, covariates, spread)."""
    options.sampler_preset(preset)
    options.seed(seed)
    if out is not None:
        options.output_folder(out)
    from borderflows.mirror.world import WORLD_SEED, default_world_dir, refit_world

    world = refit_world(out, random_seed=WORLD_SEED if seed is None else seed, preset=preset)
    verdict = world.manifest["diagnostics"]["verdict"]  # type: ignore[index]
    console.print(world.summary().to_string(index=False))
    console.print(f"{world.manifest['n_pairs']} pairs; {verdict}; wrote {out or default_world_dir()}")
