"""Evidence statements: which national reports each one restates (so a model can refuse double counting)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

import borderflows.data as bfd


@pytest.fixture(scope="module")
def evidence() -> pd.DataFrame:
    return bfd.evidence().set_index("id")


def test_every_statement_is_kept_with_its_quote(evidence: pd.DataFrame) -> None:
    assert len(evidence) == 16
    assert evidence["quote"].str.len().min() > 10


def test_restated_reports_are_in_the_mirror_table(evidence: pd.DataFrame) -> None:
    table = bfd.mirror_pair("CHN", "KAZ").table.set_index("year")
    reverse = bfd.mirror_pair("KAZ", "CHN").table.set_index("year")
    for sid, row in evidence.iterrows():
        tokens = row["restates"].split(",") if row["restates"] else []
        years = range(row["year_min"], row["year_max"] + 1)
        if not tokens:
            continue
        for year in years:
            assert table.loc[year, ["exports_usable", "imports_usable"]].all(), (sid, year)
            if "Xr" in tokens:
                assert reverse.loc[year, ["exports_usable", "imports_usable"]].all(), (sid, year)


def test_the_headline_statements_restate_the_likelihoods_reports(evidence: pd.DataFrame) -> None:
    for sid in ("gap_2024_usd", "gap_2024_usd_alt", "gap_2017_share", "gap_2020_share", "gap_2019_usd"):
        assert evidence.loc[sid, "restates"] == "X,M", sid
    assert evidence.loc["turnover_gap_2010_usd", "restates"] == "X,M,Xr,Mr"
    assert evidence.loc["knitwear_2024_ratio", "restates"] == ""  # product-level, not the bundled totals


def test_the_reason_carries_the_measured_restatement(evidence: pd.DataFrame) -> None:
    """'Nearly $13bn' in 2024 is 27,954 - 15,153 = 12,801 (China's and Kazakhstan's 2024 reports);
    2017 '60%' and 2020 '45%' are (X - M)/X of DOTS."""
    table = bfd.mirror_pair("CHN", "KAZ").table.set_index("year")
    gap_2024 = table.loc[2024, "gap_usd_m"]
    assert f"{gap_2024:,.0f}" in evidence.loc["gap_2024_usd", "restates_reason"]
    for sid, year, stated in (("gap_2017_share", 2017, 0.60), ("gap_2020_share", 2020, 0.45)):
        share = table.loc[year, "gap_usd_m"] / table.loc[year, "exports_reported"]
        reason = evidence.loc[sid, "restates_reason"]
        assert f"{share:.3f}" in reason
        assert share == pytest.approx(stated, abs=0.01)  # the statement rounds the DOTS share
        assert "imf_dots" in reason
    assert re.search(r"2020: .*2021: ", evidence.loc["gap_unknown_year_usd", "restates_reason"])
