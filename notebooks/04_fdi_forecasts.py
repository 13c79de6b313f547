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
# # 04 · FDI forecasts with honest intervals
#
# Direct investment in Kazakhstan, forecast five years ahead: China's inward FDI stock (wiiw / National
# Bank of Kazakhstan, EUR million) and the net incurrence of direct-investment liabilities (IMF balance
# of payments, USD million). The same library calls as notebook 03 (`borderflows.forecast.story`): the
# classical baselines and the default forecaster, a rolling-origin backtest, fan charts, and the
# Bayesian damped trend with its convergence verdict. Every interval states its probability and kind.
# What is specific to FDI:
#
# - net flows **change sign** (the balance of payments in 2025, China's net inflow in 2015-2020), so
#   log-scale models do not apply to them: the Bayesian model uses a Student-t level model there;
# - the series come in **different currencies and concepts** (USD balance of payments, EUR wiiw):
#   each is forecast on its own, never converted, summed or spliced with another;
# - the wiiw series change definition in 2013 (directional principle, BPM6);
# - a few short, volatile histories: expect wide intervals.

# %%
import borderflows as bf
from borderflows.forecast.bayes import DampedTrend
from borderflows.forecast.story import ForecastStory
from borderflows.notebooks import show_figure, show_table

# %% tags=["parameters"]
preset = "fast"
random_seed = 2024
horizon = 5
series_names = ["fdi.wiiw.stock.chn_eur", "fdi.bop.net_liabilities_usd"]
bayesian_series = None  # None: every series in the full preset, the first one in the fast preset; [] skips

# %%
story = ForecastStory.of(series_names, horizon=horizon, random_seed=random_seed)
show_table(story.catalog(), "fdi_series")

# %% [markdown]
# ## Units, concepts and signs of every bundled FDI series
#
# One row per series: unit, concept, how many years are negative and how often the sign changes,
# and the definition break. Series with different units or concepts are never combined.

# %%
catalog = bf.data.list_series()
every_fdi = ForecastStory.of(catalog.loc[catalog["name"].str.startswith("fdi."), "name"].tolist())
show_table(every_fdi.profile(), "profile")

# %% [markdown]
# ## The histories and their quirks

# %%
show_table(story.histories(), "history")
show_table(story.quirks(), "quirks")

# %% [markdown]
# ## Forecasts from every model
#
# One row per series, model, year and interval probability, in the series' own unit; `kind` says how
# the interval was taken from the predictive draws.

# %%
show_table(story.forecast_table(), "forecasts")
show_figure(story.fan_charts(), "fan_charts")

# %% [markdown]
# ## Backtest against the baselines
#
# Rolling origins over the last eight years, up to three years ahead. FDI flows are volatile and
# short: read coverage over so few windows with its sampling error in mind. sMAPE and MASE score the
# point forecast, `coverage` is the share of outcomes inside the interval of probability `prob`
# (nominal = `prob`), MSIS scores interval width and misses together, scaled CRPS the whole
# predictive distribution. Lower is better except for coverage, which should be near `prob`.

# %%
show_table(story.backtest_table(horizon=3, n_origins=8), "backtest")

# %% [markdown]
# ## The Bayesian damped trend
#
# A damped local linear trend with a likelihood that suits each series (log-normal for the stock,
# Student-t on the level for the signed flow), with priors learned from related series. Its
# convergence verdict is shown with it: a forecast whose posterior failed the gate is not citable.
# The fast preset fits the first series only (seconds of sampling); the full preset fits all.

# %%
if bayesian_series is None:  # every series in the full preset, the first one in the fast preset
    bayesian_series = series_names if preset == "full" else series_names[:1]
bayes = story.bayesian(DampedTrend(), preset=preset, names=bayesian_series)
show_table(bayes.diagnostics_table(), "bayes_diagnostics")
show_table(bayes.forecast_table(), "bayes_forecasts")
