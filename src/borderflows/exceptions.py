"""Exceptions and warnings raised by borderflows.

Every error a user can trigger with their own input derives from :class:`BorderflowsError`, so a
CLI or notebook can catch one type and print one clear line.
"""

from __future__ import annotations

from collections.abc import Sequence


class BorderflowsError(Exception):
    """Base class of every error borderflows raises on purpose."""


class DataValidationError(BorderflowsError, ValueError):
    """Input data broke a column contract.

    Parameters
    ----------
    problem
        What is wrong, in one sentence.
    column
        The offending column, if the problem belongs to one.
    rows
        Up to a few offending row labels (index values) to show the user.
    fix
        What the user should do about it.
    """

    def __init__(
        self,
        problem: str,
        *,
        column: str | None = None,
        rows: Sequence[object] = (),
        fix: str = "",
    ) -> None:
        self.problem = problem
        self.column = column
        self.rows = list(rows)[:5]
        self.fix = fix
        super().__init__(self._message())

    def _message(self) -> str:
        parts = []
        if self.column is not None:
            parts.append(f"column '{self.column}': ")
        parts.append(self.problem)
        if self.rows:
            parts.append(f" (first offending rows: {', '.join(map(str, self.rows))})")
        if self.fix:
            parts.append(f". Fix: {self.fix}")
        return "".join(parts)


class OptionError(BorderflowsError, ValueError):
    """An option (a keyword argument, a CLI flag or a ``spec.toml`` key) has a value borderflows cannot use.

    Raised before any data are loaded or any model is compiled, so that a wrong option costs the user
    no waiting. It is a :class:`ValueError` too, for callers that catch the standard type.

    Parameters
    ----------
    option
        The option as the user wrote it: ``"prob"`` in Python, ``"--prob"`` on the command line,
        ``"[model] walk"`` in a spec file.
    problem
        What is wrong, in one sentence, quoting the value.
    fix
        What to write instead.

    Examples
    --------
    >>> str(OptionError("--prob", "1.5 is not a probability", "give a value strictly between 0 and 1"))
    "option '--prob': 1.5 is not a probability. Fix: give a value strictly between 0 and 1"
    """

    def __init__(self, option: str, problem: str, fix: str = "") -> None:
        self.option = option
        self.problem = problem
        self.fix = fix
        super().__init__(f"option '{option}': {problem}" + (f". Fix: {fix}" if fix else ""))

    def __reduce__(self) -> tuple[type[OptionError], tuple[str, str, str]]:
        return (OptionError, (self.option, self.problem, self.fix))

    def renamed(self, option: str) -> OptionError:
        """The same error under another name of the option (a library keyword as its CLI flag)."""
        return OptionError(option, self.problem, self.fix)


class ResultsMismatchError(BorderflowsError):
    """A saved result was produced by a different model, package version or data."""


class FetchError(BorderflowsError):
    """Downloading from an online source failed (network, HTTP, payload)."""


class ConvergenceWarning(UserWarning):
    """A posterior failed the diagnostics gate; its numbers are not citable."""
