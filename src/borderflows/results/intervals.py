"""Interval registry: the label of an interval is the key of the function that computed it.

STYLE.md rule 4: a table never says "HDI" unless :func:`hdi` ran. Both functions take draws along
the first axis and return ``(lower, upper)`` arrays of the remaining shape.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from borderflows.config import DEFAULT_KIND, DEFAULT_PROB, check_choice, check_prob

FloatArray = npt.NDArray[np.float64]


def eti(draws: npt.ArrayLike, prob: float = DEFAULT_PROB) -> tuple[FloatArray, FloatArray]:
    """Equal-tailed interval: the ``(1-prob)/2`` and ``(1+prob)/2`` quantiles of the draws.

    Parameters
    ----------
    draws
        Samples along axis 0.
    prob
        Interval probability, e.g. 0.9.

    Returns
    -------
    tuple of ndarray
        Lower and upper bounds with the shape of ``draws[0]``.
    """
    check_prob(prob)
    values = np.asarray(draws, dtype=float)
    tail = (1.0 - prob) / 2.0
    lower, upper = np.quantile(values, [tail, 1.0 - tail], axis=0)
    return np.asarray(lower), np.asarray(upper)


def hdi(draws: npt.ArrayLike, prob: float = DEFAULT_PROB) -> tuple[FloatArray, FloatArray]:
    """Highest-density interval: the narrowest window holding ``prob`` of the sorted draws.

    Computed per element on the sorted sample (the unimodal HDI of Chen & Shao 1999).

    Parameters
    ----------
    draws
        Samples along axis 0.
    prob
        Interval probability, e.g. 0.9.

    Returns
    -------
    tuple of ndarray
        Lower and upper bounds with the shape of ``draws[0]``.
    """
    check_prob(prob)
    values = np.sort(np.asarray(draws, dtype=float), axis=0)
    n = values.shape[0]
    n_inside = max(int(np.ceil(prob * n)), 1)
    n_windows = n - n_inside + 1
    widths = values[n_inside - 1 :] - values[:n_windows]
    best = np.argmin(widths, axis=0)
    lower = np.take_along_axis(values, np.expand_dims(best, 0), axis=0)[0]
    upper = np.take_along_axis(values, np.expand_dims(best + n_inside - 1, 0), axis=0)[0]
    return np.asarray(lower), np.asarray(upper)


INTERVALS: dict[str, Callable[[npt.ArrayLike, float], tuple[FloatArray, FloatArray]]] = {
    "eti": eti,
    "hdi": hdi,
}
"""Registry of interval kinds. Tables label intervals with the key that ran."""

KIND_NAMES: dict[str, str] = {"eti": "equal-tailed", "hdi": "highest-density"}


def interval(
    draws: npt.ArrayLike, prob: float = DEFAULT_PROB, kind: str = DEFAULT_KIND
) -> tuple[FloatArray, FloatArray]:
    """Compute an interval of the named kind.

    Raises
    ------
    OptionError
        If ``kind`` is not in :data:`INTERVALS` or ``prob`` is not in (0, 1).
    """
    check_choice("kind", kind, INTERVALS, what="interval kind")
    return INTERVALS[kind](draws, prob)


def describe(prob: float, kind: str) -> str:
    """Human label such as ``"90% equal-tailed interval"``, for tables and plot legends.

    Raises
    ------
    OptionError
        If ``kind`` is not in :data:`INTERVALS` or ``prob`` is not in (0, 1).
    """
    check_prob(prob)
    check_choice("kind", kind, INTERVALS, what="interval kind")
    return f"{prob:.0%} {KIND_NAMES[kind]} interval"
