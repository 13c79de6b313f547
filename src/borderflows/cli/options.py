"""Check command-line options before any data are loaded or any model is compiled.

Every check raises :class:`~borderflows.exceptions.OptionError` naming the flag as the user typed it
(``--prob``, ``EXPORTER``) and the fix; the CLI prints it as one line and exits 2. Nothing here
imports PyMC, so a wrong option costs well under the five seconds a user would wait for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from borderflows.config import SamplerPreset, check_choice, check_prob, preset
from borderflows.exceptions import DataValidationError, OptionError

FIRST_YEAR, LAST_YEAR = 1900, 2100
"""Years a command accepts (the bundled data start in 1948)."""


def probabilities(
    values: Iterable[float] | None, default: Sequence[float], option: str = "--prob"
) -> tuple[float, ...]:
    """The interval probabilities asked for (``default`` when none), each checked to lie in (0, 1)."""
    chosen = tuple(values) if values else tuple(default)
    return tuple(check_prob(p, option) for p in chosen)


def year_span(text: str | None, option: str = "--years") -> tuple[int, int] | None:
    """``"1995-2024"`` as ``(1995, 2024)``; ``None`` for none.

    Raises
    ------
    OptionError
        For text that is not two years joined by a dash, years outside 1900-2100, or a reversed range.
    """
    if text is None:
        return None
    parts = text.replace(" ", "").split("-")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise OptionError(option, f"cannot read {text!r} as a year range", "write it like 1995-2024")
    first, last = int(parts[0]), int(parts[1])
    for year in (first, last):
        check_year(year, option)
    if first > last:
        raise OptionError(option, f"{text!r} ends before it starts", f"write {last}-{first}")
    return first, last


def check_year(year: int, option: str) -> int:
    """``year`` if it is a calendar year in 1900-2100."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise OptionError(option, f"{year} is not a year in {FIRST_YEAR}-{LAST_YEAR}", "give a calendar year like 2015")
    return year


def sampler_preset(name: str, option: str = "--preset") -> SamplerPreset:
    """The named preset (``fast`` or ``full``)."""
    return preset(name, option)


def choice(option: str, value: str, choices: Iterable[str], what: str = "value") -> str:
    """``value`` if it is one of ``choices``."""
    check_choice(option, value, choices, what=what)
    return value


def choices(option: str, values: Iterable[str], allowed: Iterable[str], what: str = "value") -> list[str]:
    """``values`` if each is one of ``allowed`` (a repeatable option), naming every unknown one."""
    known = list(allowed)
    chosen = list(values)
    unknown = [value for value in chosen if value not in known]
    if unknown:
        raise OptionError(option, f"unknown {what}(s) {', '.join(unknown)}", f"choose from {', '.join(known)}")
    return chosen


def countries(codes: Iterable[str], option: str) -> list[str]:
    """The ISO3 codes of several countries (:func:`country` each)."""
    return [country(code, option) for code in codes]


def country(code: str, option: str) -> str:
    """The ISO3 code of a country code or IMF name, looked up in the country list (no trade data are read)."""
    from borderflows.data.countries import to_iso3

    try:
        return to_iso3(code, column=option)
    except DataValidationError as error:
        raise OptionError(option, error.problem, error.fix) from None


def output_folder(path: Path, option: str = "--out") -> Path:
    """``path`` if a folder can be made there (it is not an existing file)."""
    for parent in (path, *path.parents):
        if parent.exists():
            if not parent.is_dir():
                raise OptionError(option, f"{parent} is a file, not a folder", "give a folder path for the outputs")
            break
    return path


def seed(value: int | None, option: str = "--seed") -> int | None:
    """``value`` if it is a non-negative seed (or ``None``: a seed is drawn and recorded)."""
    if value is not None and not 0 <= value < 2**32:
        raise OptionError(option, f"{value} is not a seed", "give a whole number from 0 to 4294967295")
    return value
