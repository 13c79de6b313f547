"""Priors of the mirror-gap model, each with the source it comes from.

Every number here is written out in ``docs/mirror_model.md``. Scales are on the natural-log scale
unless the name says otherwise; ``tau`` is the CIF/FOB margin (0.06 means imports CIF are 6% above
exports FOB for the same shipments).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MARGIN_CENTRE = 0.07
"""Prior median of tau. Anchors (``ANCHORS.md`` section A): OECD ITIC trade-weighted average about 6%
(1995-2014); GFI fitted CIF/FOB ratios median 1.074 (range 0.95-1.20); IMF DOTS convention 1.06;
seed 000 (orda.kz, 2025): Kazakhstan's CIF figures "should be at least 10 percent higher". 7% sits
between the ITIC/DOTS 6% and GFI's 7.4%, below the journalist's 10% (which states a lower bound)."""

MARGIN_SD = 0.045
"""Prior sd of log(1 + tau). With the centre above, the central 95% of the prior is about
1.6% to 17% (ratio 1.02-1.17), inside GFI's fitted range 0.95-1.20 and Harvard Growth Lab's 20% cap."""

REPORTER_BIAS_SCALE = 0.10
"""Half-normal scale of the spread of reporter biases (log points). Tsigas, Hertel & Binkley (1992):
Australian exports under-reported 11.5%, imports over-reported 4.4%, Japan/US unbiased, i.e.
biases of 0-12% across OECD reporters. In pair mode each reporter bias is Normal(0, this scale)."""

REPORT_NOISE_SCALE = 0.10
"""Prior mean of sigma_d, the year-to-year noise sd of the log mirror ratio log(M/X) around its
model value. DOTS and WITS copies of the same Kazakh figure differ by 1-5% (``shared/data/external/
NOTES.md`` quirk 4); genuine reporting noise (timing, attribution) is larger."""

REPORT_NOISE_SHAPE = 4.0
"""Gamma shape of sigma_d: 90% prior interval about 0.04-0.18. Zero-avoiding on purpose: with a
half-normal, sigma_d -> 0 with u_t tracking every wiggle made a funnel (E-BFMI 0.01, R-hat 1.33 on
China-Kazakhstan, measured); noise below ~2% is implausible given the copy-to-copy differences."""

PAIR_NOISE_SCALE = 0.3
"""Half-normal scale of the noise sd of one panel pair's log mirror ratio: bilateral DOTS ratios of
neighbouring countries typically scatter by 10-30% from year to year."""

LEVEL_FREE_SD = 5.0
"""Prior sd of the exporter's log level in a year without its report (the random walk does the work)."""

PAIR_NOISE_LOG_CENTRE = math.log(0.15)
"""Panel pairs: prior centre of log noise sd of a pair's log mirror ratio (15%): bilateral DOTS
ratios of neighbouring countries typically scatter by 10-30% from year to year."""

PAIR_NOISE_LOG_SD = 0.7
"""Prior sd of the pair-noise log centre (factor 2 either way covers 7%-30%)."""

PAIR_NOISE_SPREAD = 0.5
"""Half-normal scale of the between-pair spread of log noise sd."""

PANEL_NU = 4.0
"""Student-t degrees of freedom for panel log ratios: robust to anomalous reports such as
Uzbekistan's 2000-2015 imports from China at 1.6-28 times China's exports (NOTES.md quirk 1)."""

PAIR_NU = 4.0
"""Student-t degrees of freedom of the pair's log mirror ratio: single odd years (China-Kazakhstan
1998-2000 ratios 0.16-0.25 between years near 0.5) count as noise, not as jumps of u_t."""

SHARE_START_LOGIT_MEAN = -2.0
"""Prior mean of logit u in the first year: u about 12% (no anchor pins it; deliberately broad)."""

SHARE_START_LOGIT_SD = 1.5
"""Prior sd of logit u in the first year: 90% prior interval of u about 1% to 55%."""

SHARE_STEP_SCALE = 0.3
"""Prior mean of the sd of yearly innovations of logit u (random walk): a typical year moves u from
20% to 15-25%; large breaks are for the breakpoint terms."""

SHARE_STEP_SHAPE = 3.0
"""Gamma shape of sigma_u (90% prior interval about 0.08-0.63); zero-avoiding, as for sigma_d."""

BREAK_SCALE = 1.0
"""Normal sd of a breakpoint's step in logit u (1.0: u could move from 20% to 8% or 40%)."""

LEVEL_START_MEAN = math.log(1000.0)
"""Prior mean of log true shipments (USD m) in the first year: $1bn."""

LEVEL_START_SD = 3.0
"""Prior sd of the first-year log level: covers $50m to $20bn within one sd band of e^3."""

DRIFT_MEAN = 0.05
"""Prior mean of yearly growth of true shipments (5%)."""

DRIFT_SD = 0.2
"""Prior sd of yearly growth."""

LEVEL_STEP_SHAPE = 3.0
"""Gamma shape of sigma_s (zero-avoiding)."""

LEVEL_STEP_SCALE = 0.3
"""Prior mean of the sd of yearly shocks to log shipments (China-Kazakhstan trade moved by -40% to +60%
in single years, e.g. 2009 and 2015-2016)."""

EVIDENCE_REL_SD = {"eq": 0.05, "approx": 0.15, "gt": 0.10, "lt": 0.10}
"""Relative uncertainty of a published statement about a gap: "eq" (a figure quoted exactly,
rounded) 5%; "approx" ("about", "nearly") 15%; inequalities are soft with a 10% relative scale."""


@dataclass(frozen=True)
class MarginPrior:
    """The CIF/FOB margin prior: log(1 + tau) ~ Normal(log(1 + centre), sd).

    Attributes
    ----------
    centre
        Prior median of tau (0.07 means 7%).
    sd
        Standard deviation of log(1 + tau).
    """

    centre: float = MARGIN_CENTRE
    sd: float = MARGIN_SD

    def __post_init__(self) -> None:
        if not -0.5 < self.centre < 1.0:
            raise ValueError(f"margin centre must lie in (-0.5, 1); got {self.centre!r} (0.07 means 7%)")
        if not self.sd > 0:
            raise ValueError(f"margin sd must be positive; got {self.sd!r}")

    @property
    def log_centre(self) -> float:
        """Prior mean of log(1 + tau)."""
        return math.log1p(self.centre)
