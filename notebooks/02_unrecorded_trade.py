# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 02 · How much of China's exports to Kazakhstan do Kazakh records miss?
#
# Step by step: the data the model sees, what the priors alone imply (prior predictive), the fit and
# its convergence diagnostics, posterior predictive checks, the underreporting share with intervals,
# its sensitivity to the CIF/FOB margin prior, and the published gap statements switched on and off.
# Every interval states its probability and kind. The results of record are refitted with the full
# preset by `borderflows report`; this notebook in the fast preset is a quick, honest walk-through
# whose diagnostics may say "not citable". Both presets fit the panel model of record, which learns
# each reporter's usual bias from its other partners in the IMF DOTS panel (set `mode = "pair"` for
# the pair-only model, whose reporter biases come from their priors).

# %%
import pandas as pd
import pymc as pm

import borderflows as bf
from borderflows.mirror import MirrorGap, build_model
from borderflows.notebooks import show_table
from borderflows.results.intervals import describe, interval

# %% tags=["parameters"]
preset = "fast"
random_seed = 2024
exporter, importer = "CHN", "KAZ"
headline_year = 2024
mode = "panel"  # the analysis of record's mode; "pair" leans on the reporter-bias priors
margin_centres = None  # None: (0.02, 0.10) in the fast preset, (0.02, 0.06, 0.10, 0.15) in the full one

# %% [markdown]
# ## The data the model sees
#
# One row per year from the default sources; `*_usable` says whether a report may enter the
# likelihood as an independent report (IMF estimates and figures built from the partner's are not).

# %%
pair = bf.data.mirror_pair(exporter, importer)
show_table(pair.table, "mirror_table")
spec = MirrorGap(mode=mode)
print(f"mode {spec.mode!r}: reporter biases {'from priors only' if spec.mode == 'pair' else 'learned from DOTS'}")
inputs = spec.inputs(pair, evidence=True)

# %% [markdown]
# ## Prior predictive: what the priors alone say about the share
#
# Before seeing the reports, the underreporting share u_t should be allowed anywhere plausible.
# PyMC warns that potentials are ignored here: the model's potentials are the exporter's level walk and
# the evidence statements, which are data about levels and gaps, not part of u_t's prior.

# %%
prior = pm.sample_prior_predictive(draws=500, model=build_model(inputs, spec), random_seed=random_seed)
u_prior = prior["prior"]["u"].stack(sample=("chain", "draw")).transpose("sample", ...).to_numpy()
lower, upper = interval(u_prior, 0.9, "eti")
show_table(
    pd.DataFrame({"year": inputs.years, "lower": lower, "upper": upper, "prob": 0.9, "kind": "eti"}),
    "prior_share",
)

# %% [markdown]
# ## Fit and convergence diagnostics
#
# The convergence gate (rank-normalised R-hat <= 1.01, bulk and tail ESS >= 400, no divergences,
# E-BFMI >= 0.3) decides whether the numbers are citable.

# %%
res = spec.fit(pair, random_seed=random_seed, preset=preset, evidence=True)
print(f"seed {res.random_seed}, preset {res.preset}: {res.diagnostics.verdict}")
show_table(pd.DataFrame([res.diagnostics.to_dict()]).drop(columns=["thresholds"]), "diagnostics")

# %% [markdown]
# ## Posterior predictive checks
#
# Replicated reports against the observed ones: observed values should sit inside their intervals
# about as often as the intervals' probability says.

# %%
ppc = res.predictive(prob=0.9, kind="eti")
show_table(ppc, "posterior_predictive")
res.plot("ppc")
# %% [markdown]
# ## The share of exports missing from the importer's records

# %%
shares = res.to_frame()
show_table(shares, "share")
print(res.summary())
res.plot("share")
# %% [markdown]
# ## Sensitivity to the CIF/FOB margin prior
#
# The same data refitted with the margin prior centred elsewhere. If u_t moves with the centre, the
# margin and the share are not separately identified by the reports and the prior matters.

# %%
centres = margin_centres or ((0.02, 0.10) if preset == "fast" else (0.02, 0.06, 0.10, 0.15))
sensitivity = res.margin_sensitivity(centres=centres)
show_table(sensitivity[sensitivity["year"] == headline_year], "margin_sensitivity")

# %% [markdown]
# ## Published gap statements on and off
#
# The statements (notebook 01) enter as soft likelihood terms. Without them the share rests on the
# paired reports alone.

# %%
without = spec.fit(pair, random_seed=random_seed, preset=preset, evidence=False)
both = {"on": res, "off": without}
rows = [r.interval(0.9, "eti", ("u",)).assign(evidence=name, citable=r.citable) for name, r in both.items()]
show_table(pd.concat(rows, ignore_index=True).query("year == @headline_year"), "evidence_on_off")
print(f"intervals: {describe(0.9, 'eti')}")
