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
# # 05 · Do the models do what they claim?
#
# Three checks. (1) Simulation-based calibration (SBC) of the mirror-gap model: draw parameters from
# the prior, simulate reports, refit, and check that the true values' ranks among the posterior draws
# are uniform. (2) Parameter recovery from the same fits: do 90% equal-tailed intervals cover the
# truth 90% of the time? (3) The default forecaster against the baselines on the M3 yearly
# competition series.
#
# In the fast preset these run at toy size (a handful of simulations, a few dozen M3 series): they
# show the machinery works, not that the model is calibrated; a few simulations cannot detect
# miscalibration. The full preset runs 200 simulations and every M3 series. The validation of record
# (SBC with 200 simulations, misspecified scenarios, all 645 M3 series) is in `benchmarks/RESULTS.md`,
# made by `benchmarks/mirror_validation.py` and `benchmarks/m3_yearly.py`.

# %%
import numpy as np
import pandas as pd

import borderflows as bf
from borderflows.config import preset as sampler_preset
from borderflows.diagnostics.recovery import interval_records, recovery_result
from borderflows.diagnostics.sbc import CompiledFitter, Simulation, run_sbc
from borderflows.forecast.backtest import summarize
from borderflows.forecast.benchmark import evaluate, load_corpus
from borderflows.mirror import MirrorGap, build_model
from borderflows.mirror.compiled import adaptation, all_data_values
from borderflows.mirror.simulate import draw_truth, simulate
from borderflows.notebooks import show_table

# %% tags=["parameters"]
preset = "fast"
random_seed = 2024
n_sims = None  # None: 4 simulations in the fast preset, 200 in the full one
m3_folder = None  # folder with the M3 yearly series.csv and meta.csv; None skips the benchmark
m3_limit = None  # None: 40 series in the fast preset, all 645 in the full one

# %% [markdown]
# ## 1 · Simulation-based calibration of the mirror-gap model
#
# The simulator is the model's independent generative code (`borderflows.mirror.simulate`), not the
# PyMC graph: parameters drawn from the priors, reports of one pair simulated over 15 years with one
# missing importer report, the pair's own effect drawn around the world's prediction and its ratio
# drifting as comparable pairs' do. (The graph's own prior predictive cannot serve: the latent level's
# random walk enters it as a potential, which prior-predictive sampling ignores.) One model is compiled
# once and refitted to every simulation. Checked: the pair's usual log mirror ratio `offset` and the
# underreporting share of every year `u`.

# %%
sims = n_sims or (4 if preset == "fast" else 200)
spec, years, checked = MirrorGap(walk="non-centred"), np.arange(2006, 2021), ["offset", "u"]
missing_m = (2010,)  # no importer report that year: u leans on the latent process


def simulator(rng):
    truth = draw_truth(rng, years)
    data = simulate(truth, rng, missing_m=missing_m)
    return Simulation(truth={"offset": truth.offset, "u": truth.u}, data=all_data_values(data, spec))


# %%
# The compiled graph is fixed to the template's shape: same years and missing reports.
template = simulate(draw_truth(np.random.default_rng(0), years), np.random.default_rng(1), missing_m=missing_m)
model = build_model(template, spec)
fitter = CompiledFitter(model, sampler_preset(preset), checked, adaptation=adaptation(template))
records, rhats, divergences = [], [], []


def keep_intervals(i, simulation, fit):
    coords = {"u": [years.tolist()]}
    records.append(interval_records(i, simulation.truth, fit, checked, prob=0.9, kind="eti", coords=coords))
    rhats.append(fit.max_rhat)
    divergences.append(fit.divergences)


# %%
sbc = run_sbc(
    model,
    checked,
    sims,
    sampler_preset(preset),
    simulator=simulator,
    fitter=fitter,
    random_seed=random_seed,
    on_fit=keep_intervals,
    coords={"u": [years.tolist()]},
)
show_table(sbc.to_frame(), "sbc")
print(f"{sbc.n_sims} simulations; uniformity {'not rejected' if sbc.passed else 'REJECTED'} at family-wise 1%")

# %%
sbc.plot(sbc.to_frame()["quantity"].iloc[-1])

# %% [markdown]
# ## 2 · Parameter recovery: interval coverage
#
# One row per checked quantity, then pooled per variable; `passes` says whether coverage lies within
# the Monte Carlo band around the nominal probability.

# %%
recovery = recovery_result(
    records,
    scenario="well-specified",
    prob=0.9,
    kind="eti",
    random_seed=random_seed,
    max_rhat=rhats,
    divergences=divergences,
)
show_table(recovery.pooled_coverage, "recovery_pooled")

# %% [markdown]
# ## 3 · M3 yearly benchmark
#
# The default forecaster and the baselines fitted on each M3 yearly series' training segment and
# scored on its held-out test segment (horizon 6): sMAPE, MASE, scaled CRPS, and coverage and MSIS of
# the intervals of probability `prob` (`kind` says how they were taken).

# %%
if m3_folder is None:
    print("m3_folder is not set: pass the M3 yearly folder to run it; the numbers of record are in benchmarks/")
else:
    limit = m3_limit or (40 if preset == "fast" else None)
    cases = load_corpus(m3_folder, limit=limit)
    models = ["Naive", "AutoETS", "DynamicOptimizedTheta", "Default"]
    scores = pd.concat([evaluate(bf.forecast.get(name), cases).scores for name in models], ignore_index=True)
    show_table(summarize(scores), "m3_yearly")
