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
# Long-term arrivals to and departures from Kazakhstan (CIS-Stat), forecast five years ahead. We fit
# the classical baselines and the default forecaster (a combination of statsforecast models whose
# error distribution was learned on the M3 yearly competition), compare them in a rolling-origin
# backtest on the series' own history, and draw fan charts. Every interval states its probability and
# kind. The Bayesian damped-trend model (`DampedTrend`) runs in the full preset only: in the fast
# preset CI uses, its sampling costs minutes per series.

# %%
import matplotlib.pyplot as plt
import pandas as pd

import borderflows as bf
from borderflows.forecast.backtest import compare
from borderflows.forecast.outputs import forecast_table
from borderflows.forecast.registry import get
from borderflows.notebooks import show_table
from borderflows.plotting.forecast import fan_chart

# %% tags=["parameters"]
preset = "fast"
random_seed = 2024
horizon = 5
series_names = ["migration.cisstat.arrivals", "migration.cisstat.departures"]
bayesian = None  # None: fit the Bayesian DampedTrend only in the full preset

# %%
probs = (0.8, 0.95)
models = ["Naive", "AutoETS", "AutoARIMA", "DynamicOptimizedTheta", "Default"]
catalog = bf.data.list_series()
show_table(catalog[catalog["name"].isin(series_names)], "migration_series")

# %% [markdown]
# ## The histories

# %%
series = {name: bf.data.series(name) for name in series_names}
show_table(pd.concat([s.to_frame().assign(series=name) for name, s in series.items()]), "history")

# %% [markdown]
# ## Forecasts from every model
#
# One row per series, model, year and interval probability; `kind` says how the interval was taken
# from the predictive draws.

# %%
forecasts = {
    (name, model): get(model).fit(s, random_seed=random_seed).forecast(horizon)
    for name, s in series.items()
    for model in models
}
show_table(pd.concat([forecast_table(f, probs) for f in forecasts.values()], ignore_index=True), "forecasts")

# %%
fig, axes = plt.subplots(1, len(series_names), figsize=(6 * len(series_names), 4))
for ax, name in zip(axes, series_names, strict=True):
    fan_chart(forecasts[(name, "Default")], probs=probs, ax=ax)
    ax.legend(fontsize=7)

# %% [markdown]
# ## Backtest against the baselines
#
# Rolling origins over the last eight years, up to three years ahead. sMAPE and MASE score the
# point forecast, `coverage` is the share of outcomes inside the interval of probability `prob`
# (nominal = `prob`), MSIS scores interval width and misses together, scaled CRPS the whole
# predictive distribution. Lower is better except for coverage, which should be near `prob`.

# %%
runs = compare(
    [get(model) for model in models], series.values(), horizon=3, n_origins=8, probs=probs, random_seed=random_seed
)
show_table(runs.summary(("series", "model")), "backtest")

# %% [markdown]
# ## The Bayesian damped trend (full preset)
#
# A damped local linear trend with a log-normal likelihood (as in the analysis of record: the
# negative-binomial count model mixed poorly on these series, see `docs/forecast_models.md`), with
# priors learned from related series. Its convergence verdict is shown with it: a forecast whose
# posterior failed the gate is not citable.

# %%
fit_bayesian = preset == "full" if bayesian is None else bayesian
if fit_bayesian:
    from borderflows.forecast.bayes import DampedTrend

    model = DampedTrend(likelihood="lognormal")
    fits = {name: model.fit(s, random_seed=random_seed, preset=preset) for name, s in series.items()}
    verdicts = pd.DataFrame([{"series": name, **fit.diagnostics.to_dict()} for name, fit in fits.items()])
    show_table(verdicts[["series", "verdict", "max_rhat", "min_ess_bulk", "divergences"]], "bayes_diagnostics")
    bayes = [fit.forecast(horizon) for fit in fits.values()]
    show_table(pd.concat([forecast_table(f, probs) for f in bayes], ignore_index=True), "bayes_forecasts")
else:
    print(f"preset {preset!r}: the Bayesian DampedTrend is skipped (set bayesian = True to fit it anyway)")
