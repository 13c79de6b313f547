"""Posterior diagnostics: the convergence gate, SBC, predictive checks and sensitivity."""

from borderflows.diagnostics.gate import Diagnostics, GateThresholds, check_convergence

__all__ = ["Diagnostics", "GateThresholds", "check_convergence"]
