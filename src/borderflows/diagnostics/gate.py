"""The convergence gate every posterior passes before its numbers are called citable.

Thresholds follow Vehtari et al. (2021) and the Stan team (``../shared/docs/ANCHORS.md`` section C):
rank-normalised split R-hat <= 1.01, bulk and tail ESS >= 400, zero post-warm-up divergences and
E-BFMI >= 0.3 on every chain. We compute each quantity with ``arviz_stats`` ourselves instead of
``arviz_stats.diagnose``, whose ESS check is relative to sample size by default and which prints.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from borderflows.exceptions import ConvergenceWarning

if TYPE_CHECKING:
    import xarray as xr

RHAT_MAX = 1.01
ESS_MIN = 400.0
EBFMI_MIN = 0.3


@dataclass(frozen=True)
class GateThresholds:
    """Pass marks of the gate; the defaults are the project's bar."""

    rhat_max: float = RHAT_MAX
    ess_min: float = ESS_MIN
    ebfmi_min: float = EBFMI_MIN
    max_divergences: int = 0


@dataclass(frozen=True)
class Diagnostics:
    """Outcome of the convergence gate for one posterior.

    Attributes
    ----------
    ok
        True when every check passed; only then is a result citable.
    max_rhat, min_ess_bulk, min_ess_tail
        Worst values over the checked variables (all their elements).
    worst_rhat_variable, worst_ess_variable
        Where the worst values occur.
    divergences
        Post-warm-up divergent transitions summed over chains.
    ebfmi
        E-BFMI per chain.
    n_draws, n_chains
        Size of the sample that was checked.
    reasons
        One sentence per failed check, naming what to try next.
    thresholds
        The pass marks that applied.
    """

    ok: bool
    max_rhat: float
    min_ess_bulk: float
    min_ess_tail: float
    worst_rhat_variable: str
    worst_ess_variable: str
    divergences: int
    ebfmi: tuple[float, ...]
    n_draws: int
    n_chains: int
    reasons: tuple[str, ...] = ()
    thresholds: GateThresholds = field(default_factory=GateThresholds)

    @property
    def verdict(self) -> str:
        """``"citable"`` or ``"NOT citable: <reasons>"``."""
        return "citable" if self.ok else "NOT citable: " + "; ".join(self.reasons)

    def to_dict(self) -> dict[str, object]:
        """Plain-JSON form for the diagnostics file."""
        return {
            "ok": self.ok,
            "verdict": self.verdict,
            "max_rhat": self.max_rhat,
            "min_ess_bulk": self.min_ess_bulk,
            "min_ess_tail": self.min_ess_tail,
            "worst_rhat_variable": self.worst_rhat_variable,
            "worst_ess_variable": self.worst_ess_variable,
            "divergences": self.divergences,
            "ebfmi": list(self.ebfmi),
            "n_draws": self.n_draws,
            "n_chains": self.n_chains,
            "reasons": list(self.reasons),
            "thresholds": {
                "rhat_max": self.thresholds.rhat_max,
                "ess_min": self.thresholds.ess_min,
                "ebfmi_min": self.thresholds.ebfmi_min,
                "max_divergences": self.thresholds.max_divergences,
            },
        }


def _worst(dataset: xr.Dataset, pick: str) -> tuple[float, str]:
    """Worst (max or min) value over all variables and elements, with the variable's name."""
    best_value = -np.inf if pick == "max" else np.inf
    best_name = ""
    for name, values in dataset.data_vars.items():
        array = np.asarray(values, dtype=float)
        if array.size == 0:
            continue
        finite = array[np.isfinite(array)]
        # A non-finite diagnostic (constant chain) is the worst case there is.
        value = (
            (np.inf if pick == "max" else 0.0)
            if finite.size < array.size
            else (float(finite.max()) if pick == "max" else float(finite.min()))
        )
        if (pick == "max" and value > best_value) or (pick == "min" and value < best_value):
            best_value, best_name = value, str(name)
    return best_value, best_name


def check_convergence(
    idata: xr.DataTree,
    var_names: Sequence[str] | None = None,
    thresholds: GateThresholds | None = None,
) -> Diagnostics:
    """Run the gate on a posterior and return its verdict (it never warns: the fit that called it
    knows what was fitted and warns once, naming it, with :func:`warn_if_not_citable`).

    Parameters
    ----------
    idata
        Sampler output with ``posterior`` and ``sample_stats`` groups.
    var_names
        Variables to check; default all posterior variables.
    thresholds
        Pass marks; default :class:`GateThresholds`.

    Returns
    -------
    Diagnostics
        The verdict with the numbers behind it.
    """
    marks = thresholds or GateThresholds()
    names = list(var_names) if var_names is not None else None
    posterior = idata["posterior"].to_dataset()
    if names is not None:
        posterior = posterior[names]
    import arviz_stats as azs  # imported here: importing the gate's types must stay cheap (the CLI checks first)

    rhat = azs.rhat(posterior, method="rank")
    ess_bulk = azs.ess(posterior, method="bulk")
    ess_tail = azs.ess(posterior, method="tail")
    max_rhat, rhat_name = _worst(_as_dataset(rhat), "max")
    min_bulk, bulk_name = _worst(_as_dataset(ess_bulk), "min")
    min_tail, tail_name = _worst(_as_dataset(ess_tail), "min")

    stats = idata["sample_stats"].to_dataset()
    divergences = int(np.asarray(stats["diverging"]).sum()) if "diverging" in stats else 0
    ebfmi = tuple(float(v) for v in np.atleast_1d(np.asarray(_as_dataset(azs.bfmi(idata))["energy"])))

    reasons = []
    if max_rhat > marks.rhat_max:
        reasons.append(f"R-hat {max_rhat:.3f} > {marks.rhat_max} for '{rhat_name}' (run longer or reparameterise)")
    worst_ess, ess_name = (min_bulk, bulk_name) if min_bulk <= min_tail else (min_tail, tail_name)
    if worst_ess < marks.ess_min:
        kind = "bulk" if min_bulk <= min_tail else "tail"
        reasons.append(
            f"{kind} ESS {worst_ess:.0f} < {marks.ess_min:.0f} for '{ess_name}' (use the full preset or more draws)"
        )
    if divergences > marks.max_divergences:
        reasons.append(f"{divergences} divergent transitions (raise target_accept or reparameterise)")
    low_bfmi = [v for v in ebfmi if v < marks.ebfmi_min]
    if low_bfmi:
        reasons.append(f"E-BFMI {min(low_bfmi):.2f} < {marks.ebfmi_min} on {len(low_bfmi)} chain(s)")

    first = next(iter(posterior.data_vars.values()))
    result = Diagnostics(
        ok=not reasons,
        max_rhat=max_rhat,
        min_ess_bulk=min_bulk,
        min_ess_tail=min_tail,
        worst_rhat_variable=rhat_name,
        worst_ess_variable=ess_name,
        divergences=divergences,
        ebfmi=ebfmi,
        n_draws=int(first.sizes["draw"]),
        n_chains=int(first.sizes["chain"]),
        reasons=tuple(reasons),
        thresholds=marks,
    )
    return result


def warn_if_not_citable(diagnostics: Diagnostics, subject: str, *, stacklevel: int = 3) -> None:
    """Warn once that the fit of ``subject`` failed the gate, with the reasons and what to try.

    Parameters
    ----------
    diagnostics
        The gate's verdict.
    subject
        What was fitted, as the user knows it: a series name, ``"CHN->KAZ"``.
    stacklevel
        Passed to :func:`warnings.warn`; the default points at the caller of the ``fit()`` that calls this.
    """
    if not diagnostics.ok:
        warnings.warn(f"{subject}: posterior is {diagnostics.verdict}", ConvergenceWarning, stacklevel=stacklevel)


def _as_dataset(value: object) -> xr.Dataset:
    """arviz_stats returns a Dataset or a DataTree depending on its input; normalise."""
    import xarray as xr

    if isinstance(value, xr.DataTree):
        return value.to_dataset()
    if isinstance(value, xr.Dataset):
        return value
    raise TypeError(f"unexpected diagnostic container {type(value).__name__}")
