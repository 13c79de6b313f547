"""Posterior diagnostics: the convergence gate, SBC, parameter recovery, predictive checks.

>>> from borderflows.diagnostics import check_convergence, run_sbc, recovery_study, predictive_coverage

The gate is imported eagerly (every fit uses it); SBC, recovery and the predictive checks are loaded on
first use, so that ``import borderflows.diagnostics`` does not pay for PyMC.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from borderflows.diagnostics.gate import Diagnostics, GateThresholds, check_convergence

if TYPE_CHECKING:
    from borderflows.diagnostics.ppc import PitTest, loo_pit, pit_uniformity, predictive_coverage
    from borderflows.diagnostics.recovery import RecoveryResult, interval_records, recovery_result, recovery_study
    from borderflows.diagnostics.sbc import (
        CompiledFitter,
        FitSummary,
        SBCResult,
        Simulation,
        Simulator,
        prior_simulations,
        run_sbc,
        sbc_ranks,
    )

_LAZY = {
    "CompiledFitter": "sbc",
    "FitSummary": "sbc",
    "SBCResult": "sbc",
    "Simulation": "sbc",
    "Simulator": "sbc",
    "prior_simulations": "sbc",
    "run_sbc": "sbc",
    "sbc_ranks": "sbc",
    "RecoveryResult": "recovery",
    "interval_records": "recovery",
    "recovery_result": "recovery",
    "recovery_study": "recovery",
    "PitTest": "ppc",
    "loo_pit": "ppc",
    "pit_uniformity": "ppc",
    "predictive_coverage": "ppc",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(f"borderflows.diagnostics.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CompiledFitter",
    "Diagnostics",
    "FitSummary",
    "GateThresholds",
    "PitTest",
    "RecoveryResult",
    "SBCResult",
    "Simulation",
    "Simulator",
    "check_convergence",
    "interval_records",
    "loo_pit",
    "pit_uniformity",
    "predictive_coverage",
    "prior_simulations",
    "recovery_result",
    "recovery_study",
    "run_sbc",
    "sbc_ranks",
]
