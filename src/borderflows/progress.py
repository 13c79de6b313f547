"""Progress hooks: long-running library code announces its steps, the caller decides how to show them.

Library code never prints (STYLE.md). A model's ``run_analysis`` calls :func:`step` ("fit arrivals",
"tables", "figures"), as do a mirror fit's sampling attempts and a compile, and the sampler asks
:func:`sampler_progress_bar` whether it may draw its own progress bar. Both do nothing unless a caller
opened :func:`reporting` around the work, which is what ``borderflows report`` and ``borderflows mirror``
do (with the sampler's bar only when the console is a terminal, never in tests or CI logs).

>>> from borderflows import progress
>>> seen = []
>>> with progress.reporting(seen.append):
...     progress.step("fit")
>>> seen
['fit']
>>> progress.step("nobody listens")  # outside reporting(): a no-op
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

StepHook = Callable[[str], None]

_HOOK: ContextVar[StepHook | None] = ContextVar("borderflows_progress_hook", default=None)
_SAMPLER_BAR: ContextVar[bool] = ContextVar("borderflows_sampler_bar", default=False)


@contextmanager
def reporting(on_step: StepHook | None = None, *, sampler_progress: bool = False) -> Iterator[None]:
    """Route :func:`step` messages to ``on_step`` and set :func:`sampler_progress_bar` inside the block.

    Parameters
    ----------
    on_step
        Called with each step's message; None keeps steps silent.
    sampler_progress
        Whether samplers called inside the block may show their own progress bar.
    """
    hook_token = _HOOK.set(on_step)
    bar_token = _SAMPLER_BAR.set(sampler_progress)
    try:
        yield
    finally:
        _SAMPLER_BAR.reset(bar_token)
        _HOOK.reset(hook_token)


def step(message: str) -> None:
    """Announce a step of long-running work (a no-op unless inside :func:`reporting`)."""
    hook = _HOOK.get()
    if hook is not None:
        hook(message)


def sampler_progress_bar() -> bool:
    """Whether a sampler called now may draw its own progress bar (False unless a caller allowed it)."""
    return _SAMPLER_BAR.get()
