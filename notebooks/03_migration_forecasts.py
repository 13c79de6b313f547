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
# # 03 · Migration forecasts with honest intervals
#
# Long-term arrivals to and departures from Kazakhstan (CIS-Stat), forecast five years ahead: the
# classical baselines and the default forecaster (a combination of statsforecast models whose error
# distribution was learned on the M3 yearly competition), a rolling-origin backtest on the series' own
# history, fan charts, and the Bayesian damped trend with its convergence verdict. Every interval
# states its probability and kind. Notebook 04 tells the same story for FDI with the same library
# calls (`borderflows.forecast.story`); this one dwells on what is specific to migration:
#
# - the values are **counts of people** (or of border crossings), never negative;
# - the Border Service tables have a **definition break** (2013: "SPTV" merged into official
#   business, a new "Job" column) and the MIA table a **partial year** (2014 covers January to
#   September, exposure 0.75);
# - the last CIS-Stat year is a **first vintage**, liable to revision.

# %%
from borderflows.forecast.bayes import DampedTrend
from borderflows.forecast.story import ForecastStory
from borderflows.notebooks import show_figure, show_table

# %% tags=["parameters"]
preset = "fast"
random_seed = 2024
horizon = 5
series_names = ["migration.cisstat.arrivals", "migration.cisstat.departures"]
bayesian_series = None  # None: every series in the full preset, none in the fast preset (04 samples in CI)

# %%
story = ForecastStory.of(series_names, horizon=horizon, random_seed=random_seed)
show_table(story.catalog(), "migration_series")
show_table(story.profile(), "profile")

# %% [markdown]
# ## The histories and their quirks
#
# Every observation, then only those with a flag (here the first-vintage 2025 values).

# %%
show_table(story.histories(), "history")
show_table(story.quirks(), "quirks")

# %% [markdown]
# ### Definition breaks and partial years in the Border Service and MIA tables
#
# The CIS-Stat series are clean; the Sadovskaya (2015) tables are not. The profile shows the 2013
# break in official-business entries from China and the partial 2014 in MIA registrations. The
# classical forecasters annualise a partial year (their notes say so) but cannot see a break; the
# Bayesian model takes the break as a level shift (`DampedTrend(break_year=2013)`) and the partial
# year as an exposure, as the migration analysis of record does.

# %%
tables = ForecastStory.of(
    ["migration.table3_2.official_business", "migration.table3_3.registered_total"],
    models=("Default",),
    horizon=horizon,
    random_seed=random_seed,
)
show_table(tables.profile(), "table3_profile")
show_table(tables.notes(), "table3_notes")

# %% [markdown]
# ## Forecasts from every model
#
# One row per series, model, year and interval probability; `kind` says how the interval was taken
# from the predictive draws.

# %%
show_table(story.forecast_table(), "forecasts")
show_table(story.notes(), "model_notes")
show_figure(story.fan_charts(), "fan_charts")

# %% [markdown]
# ## Backtest against the baselines
#
# Rolling origins over the last eight years, up to three years ahead. sMAPE and MASE score the
# point forecast, `coverage` is the share of outcomes inside the interval of probability `prob`
# (nominal = `prob`), MSIS scores interval width and misses together, scaled CRPS the whole
# predictive distribution. Lower is better except for coverage, which should be near `prob`.

# %%
show_table(story.backtest_table(horizon=3, n_origins=8), "backtest")

# %% [markdown]
# ## The Bayesian damped trend
#
# A damped local linear trend with the count likelihood the analysis of record uses for counts in the
# hundreds and more (`likelihood="auto"`: Poisson counts with learned log-normal overdispersion, the states
# integrated out by a Kalman filter; the latent-state negative binomial failed the gate on these series)
# and NUTS target acceptance 0.99 (at 0.95 the sampler left divergences; see `docs/forecast_models.md`),
# with priors learned from related series. Its convergence verdict is shown with it: a forecast whose
# posterior failed the gate is not citable. The full preset fits every series; the fast preset
# (continuous integration) leaves the tables empty to save the model's compile time, since notebook
# 04 runs the same calls with sampling. Set `bayesian_series` to fit some anyway.

# %%
if bayesian_series is None:
    bayesian_series = series_names if preset == "full" else []
model = DampedTrend(likelihood="auto")
bayes = story.bayesian(model, preset=preset, names=bayesian_series, target_accept=0.99)
show_table(bayes.diagnostics_table(), "bayes_diagnostics")
show_table(bayes.forecast_table(), "bayes_forecasts")
