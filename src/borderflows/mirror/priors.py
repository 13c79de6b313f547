"""Priors of the mirror-gap model, each with the source it comes from.

Every number here is written out in ``docs/mirror_model.md``. Scales are on the natural-log scale
unless the name says otherwise; ``tau`` is the CIF/FOB margin (0.06 means imports CIF are 6% above
exports FOB for the same shipments).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats

from borderflows.exceptions import OptionError


@dataclass(frozen=True)
class ScalePrior:
    """A prior on a noise sd through its variance: sigma^2 ~ InverseGamma(shape, rate).

    The model never samples such a sigma. Given the k Normal terms it scales (innovations or
    residuals), sigma^2 integrates out in closed form and leaves a multivariate Student-t with
    ``2 * shape`` degrees of freedom and scale matrix ``rate / shape * I``, whose density is
    proportional to ``(rate + SS / 2) ** -(shape + k / 2)``. Sampling sigma jointly with the terms it
    scales made funnels on China-Kazakhstan (R-hat 1.04, E-BFMI 0.19 with sigma sampled; R-hat 1.005,
    E-BFMI 0.45 collapsed; docs/mirror_model.md). sigma is drawn afterwards from its exact conditional
    ``InverseGamma(shape + k / 2, rate + SS / 2)``.

    Attributes
    ----------
    median
        Prior median of sigma.
    shape
        Inverse-gamma shape of sigma^2 (3: a 90% prior interval of sigma spanning a factor of about 2.8).
    """

    median: float
    shape: float

    @property
    def rate(self) -> float:
        """Inverse-gamma rate of sigma^2 that puts the prior median of sigma at :attr:`median`."""
        return float(self.median**2 * stats.gamma.ppf(0.5, self.shape))

    @property
    def t_scale(self) -> float:
        """Squared scale of each coordinate of the collapsed multivariate Student-t (rate / shape)."""
        return self.rate / self.shape

    def interval(self, prob: float = 0.9) -> tuple[float, float]:
        """Equal-tailed prior interval of sigma."""
        tail = (1 - prob) / 2
        low = math.sqrt(self.rate / stats.gamma.ppf(1 - tail, self.shape))
        high = math.sqrt(self.rate / stats.gamma.ppf(tail, self.shape))
        return low, high


MARGIN_CENTRE = 0.07
"""Prior median of tau. Anchors (``ANCHORS.md`` section A): OECD ITIC trade-weighted average about 6%
(1995-2014); GFI fitted CIF/FOB ratios median 1.074 (range 0.95-1.20); IMF DOTS convention 1.06;
seed 000 (orda.kz, 2025): Kazakhstan's CIF figures "should be at least 10 percent higher". 7% sits
between the ITIC/DOTS 6% and GFI's 7.4%, below the journalist's 10% (which states a lower bound)."""

MARGIN_SD = 0.045
"""Prior sd of log(1 + tau). With the centre above, the central 95% of the prior is about
1.6% to 17% (ratio 1.02-1.17), inside GFI's fitted range 0.95-1.20 and Harvard Growth Lab's 20% cap."""

MARGIN_LOG_CENTRE = math.log1p(MARGIN_CENTRE)
"""The margin prior's centre on the log(1 + tau) scale."""

REPORTER_BIAS_SCALE = 0.10
"""Half-normal scale of the spread of reporter biases (log points). Tsigas, Hertel & Binkley (1992):
Australian exports under-reported 11.5%, imports over-reported 4.4%, Japan/US unbiased, i.e.
biases of 0-12% across OECD reporters. In pair mode each reporter bias is Normal(0, this scale)."""

REPORT_NOISE = ScalePrior(median=0.10, shape=3.0)
"""Noise sd sigma_d of the pair's log mirror ratio log(M/X) around its model value (90% prior interval
0.065-0.18). Measured on the DOTS panel 1995-2020 (pairs with both flows above $100m, 4,049 pairs): the
robust sd of year-on-year changes of a pair's log mirror ratio, divided by sqrt(2), has median 0.093 and
quartiles 0.056-0.157; China-Kazakhstan's own is 0.095. Collapsed in the model (see :class:`ScalePrior`)."""

PAIR_EFFECT_SCALE = 0.3
"""Half-normal scale of pair_sd, the spread of panel pairs' mean log mirror ratios around what their
reporters' biases and the margin predict (distance, product mix and transit make pairs differ)."""

COVARIATE_EFFECT_SCALE = 0.2
"""Normal sd of a standardised pair covariate's effect on the log mirror ratio (world model): one sd of
distance moving the ratio by 0.2 log points (about 22%) is already a large margin difference."""

OFFSET_NU = 4.0
"""Student-t degrees of freedom of the pair's offset in pair mode (world mode uses the world's learned tails)."""

PAIR_DRIFT_SD = 0.05
"""Per-year drift sd of a pair's mirror ratio in pair mode: about the world panel's value for flows of $1-10bn
(0.054 from 958 pairs' change between their 1995-2002 and 2013-2020 mean log ratios; ``world.drift_scale``)."""

SIZE_EFFECT_SCALE = 0.5
"""Normal sd of the log change of the pairs' spread per tenfold flow size (0.5: a factor 1.6)."""

WORLD_NU_ALPHA = 2.0
WORLD_NU_BETA = 0.1
"""Gamma(2, 0.1) prior on the world pairs' Student-t degrees of freedom (Juarez & Steel 2010): mean 20,
mass from near-Cauchy to near-normal tails; the ~7,000 world pairs pin it down."""

LEVEL_FREE_SD = 5.0
"""Prior sd of the exporter's log level in a year without its report (the random walk does the work)."""

SHARE_START_LOGIT_MEAN = -4.0
"""Prior mean of logit u in the first year: u about 1.8%. u is the shortfall beyond what comparable pairs
show (their own persistent shortfalls are in the world's spread of pair effects), so a typical pair has
little of it. v2's -2 (u about 12%) let the walk explain a slow decline of a pair's mirror ratio at a high
level, where it is a small move on the logit scale: USA->CAN, whose ratio drifts from -0.03 to -0.20 over
1991-2020, came out at u 38% (33%-44%) in 2020 with the world's heavy-tailed pair effects (measured
2026-12-01, fast preset)."""

SHARE_START_LOGIT_SD = 1.5
"""Prior sd of logit u in the first year: 90% prior interval of u about 0.2% to 17%."""

SHARE_STEP = ScalePrior(median=0.30, shape=3.0)
"""Sd sigma_u of yearly innovations of logit u (90% prior interval 0.20-0.54): a typical year moves u from
20% to 15-25%; large breaks are for the breakpoint terms. Collapsed in the model."""

BREAK_SCALE = 1.0
"""Normal sd of a breakpoint's step in logit u (1.0: u could move from 20% to 8% or 40%)."""

LEVEL_START_MEAN = math.log(1000.0)
"""Prior mean of log true shipments (USD m) in the first year: $1bn."""

DRIFT_MEAN = 0.05
"""Prior mean of yearly growth of true shipments (5%)."""

DRIFT_SD = 0.2
"""Prior sd of yearly growth."""

LEVEL_STEP = ScalePrior(median=0.30, shape=3.0)
"""Sd sigma_s of yearly shocks to the exporter's log level (China-Kazakhstan trade moved by -40% to +60% in
single years, e.g. 2009 and 2015-2016). Collapsed in the model."""

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
            raise OptionError("margin_centre", f"{self.centre!r} is outside (-0.5, 1)", "write 0.07 for a 7% margin")
        if not self.sd > 0:
            raise OptionError("margin_sd", f"{self.sd!r} is not positive", "give a positive sd, e.g. 0.045")

    @property
    def log_centre(self) -> float:
        """Prior mean of log(1 + tau)."""
        return math.log1p(self.centre)


KNOWN_STEPS: dict[tuple[str, str], tuple[int, ...]] = {
    ("exports", "CHN"): (2014, 2015, 2016, 2019),
    ("imports", "KAZ"): (2011,),
    ("exports", "KAZ"): (2011,),
}
"""Years a reporter's coverage or compilation changed, by (flow, reporter). China's export statistics added
duty-free goods (2014), border residents' trade (2015), low-value express shipments (2016) and cross-border
e-commerce parcels (2019); Kazakhstan changed how it compiles trade with the Customs Union in 2010-11 (its
internal customs borders went in July 2011). The list is issue 10's; the GACC and KGD notices behind it
are not bundled. Each enters the pair model as a known step in the log mirror ratio."""

COVERAGE_STEP_SD = 0.1
"""Normal sd of a known coverage step in the log mirror ratio (0.1: a 10% change of one report)."""
