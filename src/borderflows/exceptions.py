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


class ResultsMismatchError(BorderflowsError):
    """A saved result was produced by a different model, package version or data."""


class FetchError(BorderflowsError):
    """Downloading from an online source failed (network, HTTP, payload)."""


class ConvergenceWarning(UserWarning):
    """A posterior failed the diagnostics gate; its numbers are not citable."""
