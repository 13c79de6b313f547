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
# Step by step: the data the model sees, what the world panel says about pairs like this one, what the
# priors alone imply (prior predictive), the fit with its convergence and identification verdict,
# posterior predictive checks, the underreporting share with intervals, its sensitivity to the
# CIF/FOB margin, the regional adding-up check, and which published gap statements enter and why.
# Every interval states its probability and kind. The results of record are refitted with the full
# preset by `borderflows report`; this notebook in the fast preset is a quick, honest walk-through
# whose diagnostics may say "not citable". Both presets fit the world mode of record (model v3): the
# pair's usual mirror ratio comes from the world panel posterior, learned once from every DOTS pair
# (set `mode = "pair"` for the pair-only model, whose usual ratio comes from the priors).

# %%
import pandas as pd
import pymc as pm

import borderflows as bf
from borderflows.mirror import MirrorGap, build_model
from borderflows.mirror.regional import regional_table
from borderflows.mirror.sensitivity import margin_sensitivity
from borderflows.mirror.world import default_world
from borderflows.notebooks import show_table
from borderflows.results.intervals import describe, interval

# %% tags=["parameters"]
preset = "fast"
random_seed = 2024
exporter, importer = "CHN", "KAZ"
headline_year = 2024
mode = "world"  # the analysis of record's mode; "pair" leans on the margin and reporter-bias priors
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
inputs = spec.inputs(pair, evidence=True)
print(f"mode {spec.mode!r}: the pair's usual mirror ratio comes from the {inputs.offset.source}")

# %% [markdown]
# ## What the world panel says about pairs like this one
#
# The world model's margin, covariate effects and spread of pairs, and the prior it gives this pair's
# usual log mirror ratio: Student-t with the world's tails, the spread of pairs of its size, and the drift
# of comparable pairs' ratios per year. The percentile places the pair's own mean ratio among the world's.

# %%
world = default_world()
show_table(world.summary(prob=0.9), "world_summary")
show_table(inputs.offset.to_frame(), "offset_prior")

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
# ## Fit, convergence and identification
#
# Citable needs both: the convergence gate (rank-normalised R-hat <= 1.01, bulk and tail ESS >= 400, no
# divergences, E-BFMI >= 0.3) and identification in the headline year (the share's 90% lower bound at
# least 2%, and the data narrowed its prior by at least half).

# %%
res = spec.fit(pair, random_seed=random_seed, preset=preset, evidence=True)
print(f"seed {res.random_seed}, preset {res.preset}, walk {res.spec.walk}: {res.verdict}")
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
# ## Sensitivity to the CIF/FOB margin
#
# The same data refitted with the pair's usual ratio moved as if the margin were centred elsewhere. If u_t
# moves with the centre, the margin and the share are not separately identified by the reports.

# %%
centres = margin_centres or ((0.02, 0.10) if preset == "fast" else (0.02, 0.06, 0.10, 0.15))
sensitivity = margin_sensitivity(res, centres=centres)
show_table(sensitivity[sensitivity["year"] == headline_year], "margin_sensitivity")

# %% [markdown]
# ## The regional adding-up check
#
# Goods China declares to Kazakhstan may be recorded on arrival by Kyrgyzstan, Uzbekistan, Tajikistan or
# Russia (transit, origin rules). If the region's records add up better than Kazakhstan's alone, the pair's
# gap is not all unrecorded trade.

# %%
regional = regional_table("CHN")
show_table(regional[regional["importer"].isin(["KAZ", "region"])], "regional")

# %% [markdown]
# ## Which published gap statements enter, and why
#
# A statement that restates the two reports of its year (both already in the likelihood) would count the
# same data twice, so it never enters; each refused statement says why.

# %%
evidence = inputs.evidence
print(f"used: {list(evidence.ids) if evidence is not None else []}")
for line in evidence.skipped if evidence is not None else ():
    print(f"skipped: {line}")
print(f"intervals: {describe(0.9, 'eti')}")
