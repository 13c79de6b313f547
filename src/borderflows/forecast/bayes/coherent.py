"""Coherent totals: a total forecast built as the draw-by-draw sum of its components' forecasts."""

from __future__ import annotations

import numpy as np

from borderflows.data.yearly import YearlySeries
from borderflows.forecast.results import Forecast


def coherent_total(components: list[Forecast], name: str) -> Forecast:
    """The total as the draw-by-draw sum of its components' forecasts (coherent by construction).

    Raises
    ------
    ValueError
        If the components' forecast years or numbers of draws differ.
    """
    first = components[0]
    for other in components[1:]:
        if not np.array_equal(other.years, first.years) or other.draws.shape != first.draws.shape:
            raise ValueError("components must share forecast years and the number of draws")
    history_years = np.unique(np.concatenate([c.series.years for c in components]))
    history = np.zeros(history_years.size)
    for c in components:
        history[np.searchsorted(history_years, c.series.years)] += c.series.values
    series = YearlySeries(
        name=name,
        years=history_years.astype(np.int64),
        values=history,
        unit=first.series.unit,
        kind=first.series.kind,
        concept=f"sum of {', '.join(c.series.name for c in components)}",
        source="sum of component series",
    )
    diagnostics = [c.diagnostics for c in components]
    worst = next((d for d in diagnostics if d is not None and not d.ok), diagnostics[0])
    return Forecast(
        series=series,
        model=f"sum of {first.model}",
        years=first.years,
        draws=np.sum([c.draws for c in components], axis=0),
        random_seed=first.random_seed,
        diagnostics=worst,
        notes=(f"draw-by-draw sum of {len(components)} component forecasts",),
    )
