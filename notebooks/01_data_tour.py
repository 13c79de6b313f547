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
# # 01 · A tour of the bundled data
#
# What borderflows ships with, before any model: the China–Kazakhstan mirror table in both directions
# since 1992, the IMF DOTS panel the mirror model learns reporters' habits from, the published gap
# statements, and the migration and FDI series the forecasters use. Every table comes from
# `borderflows.data`, which validates the files on load; the quirks (estimated and partner-derived
# figures, partial years) are flagged in the data, not fixed by hand here.

# %%
import matplotlib.pyplot as plt

import borderflows as bf
from borderflows.notebooks import show_table

# %% tags=["parameters"]
preset = "fast"  # this notebook reads data only; the parameter is kept so every notebook runs alike

# %%
show_table(bf.data.list_datasets(), "datasets")

# %% [markdown]
# ## China → Kazakhstan: what each side recorded
#
# `exports_reported` is China's record of exports to Kazakhstan (FOB), `imports_reported` is
# Kazakhstan's record of imports from China (CIF), both in USD million, from the default source of
# each year. `ratio` = M / X: with a CIF/FOB margin of a few per cent it should sit slightly above 1.

# %%
pair = bf.data.mirror_pair("CHN", "KAZ")
show_table(pair.table, "mirror_chn_kaz")

# %%
fig, ax = plt.subplots(figsize=(8, 4))
ax.plot(pair.table["year"], pair.table["exports_reported"] / 1000, marker="o", label="China's exports (FOB)")
ax.plot(pair.table["year"], pair.table["imports_reported"] / 1000, marker="s", label="Kazakhstan's imports (CIF)")
ax.set(xlabel="year", ylabel="USD billion", title="China → Kazakhstan, as each side recorded it")
ax.legend()
# %% [markdown]
# ## Kazakhstan → China

# %%
reverse = bf.data.mirror_pair("KAZ", "CHN")
show_table(reverse.table, "mirror_kaz_chn")

# %% [markdown]
# ## Known quirks
#
# Observations the data layer flags (IMF estimates, figures built from the partner's report, partial
# years, ...) and whether each may enter a likelihood as an independent report (`usable`).

# %%
observations = pair.observations
quirks = observations[observations["flag"] != ""]
show_table(quirks.groupby(["flag", "source", "usable"]).size().rename("rows").reset_index(), "quirk_counts_chn_kaz")
columns = ["year", "flow", "reporter", "source", "value_usd_m", "flag", "usable", "is_default", "quote"]
show_table(quirks[columns].sort_values(["year", "flow"]), "quirks_chn_kaz")

# %% [markdown]
# ## The DOTS panel
#
# Bilateral flows as each reporter recorded them, with the IMF's estimated and partner-derived marks.
# The mirror model learns each reporter's usual habits from its other partners; here the coverage of
# the reporters closest to this story.

# %%
panel = bf.data.dots_panel(reporters=["KAZ", "CHN", "KGZ", "UZB", "TJK", "TKM", "RUS", "MNG"])
coverage = (
    panel.groupby("reporter")
    .agg(
        first_year=("year", "min"),
        last_year=("year", "max"),
        rows=("year", "size"),
        estimated=("estimated", "mean"),
        derived_from_partner=("derived_from_partner", "mean"),
    )
    .reset_index()
)
show_table(coverage, "dots_coverage")

# %% [markdown]
# ## Published gap statements
#
# Statements about the gap that are not clean pairs of reports (shares, ratios, bounds), with their
# quotes; the mirror model can use them as soft evidence (notebook 02 turns them on and off).

# %%
show_table(bf.data.evidence("CHN", "KAZ"), "evidence_chn_kaz")

# %% [markdown]
# ## Migration and FDI series

# %%
catalog = bf.data.list_series()
show_table(catalog, "series")

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 4))
for ax, topic in zip(axes, ("migration", "fdi"), strict=True):
    for name in catalog.loc[catalog["name"].str.startswith(topic), "name"].head(4):
        s = bf.data.series(name)
        ax.plot(s.years, s.values, marker=".", label=f"{name} ({s.unit})")
    ax.set(title=topic, xlabel="year")
    ax.legend(fontsize=7)
