"""Model inputs: year grid, exclusion of non-independent reports, panel ratios, evidence terms."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from borderflows.exceptions import DataValidationError
from borderflows.mirror.inputs import build_inputs, evidence_terms, panel_ratios


@dataclass(frozen=True)
class FakePair:
    exporter: str
    importer: str
    table: pd.DataFrame


def _table() -> pd.DataFrame:
    years = np.arange(2000, 2010)
    x = 100.0 * 1.1 ** np.arange(10)
    m = 0.6 * x
    frame = pd.DataFrame(
        {
            "year": years,
            "exports_reported": x,
            "imports_reported": m,
            "exports_usable": True,
            "imports_usable": True,
        }
    )
    frame.loc[frame["year"] == 2003, "imports_usable"] = False  # e.g. an IMF estimate
    frame.loc[frame["year"] == 2006, "exports_usable"] = False  # e.g. derived from the partner
    frame.loc[frame["year"] == 2008, "imports_reported"] = np.nan
    return frame


def test_non_independent_reports_are_excluded_and_counted() -> None:
    data = build_inputs(FakePair("CHN", "KAZ", _table()))
    assert data.n_excluded == 2
    assert {(e.year, e.flow) for e in data.excluded} == {(2003, "imports"), (2006, "exports")}
    years_m = set(data.years[data.m_idx].tolist())
    years_x = set(data.years[data.x_idx].tolist())
    assert 2003 not in years_m
    assert 2008 not in years_m
    assert 2006 not in years_x
    assert len(data.m_idx) == 8
    assert len(data.x_idx) == 9
    # The model still reports every year of the grid.
    assert data.years.tolist() == list(range(2000, 2010))
    assert data.x_missing.tolist() == [6]


def test_requested_years_extend_the_grid_beyond_the_data() -> None:
    data = build_inputs(FakePair("CHN", "KAZ", _table()), years=(1998, 2012))
    assert data.years[0] == 1998
    assert data.years[-1] == 2012
    assert np.isnan(data.x_reported[0])
    assert np.isnan(data.m_reported[-1])


def test_negative_report_names_column_row_and_fix() -> None:
    table = _table()
    table.loc[table["year"] == 2004, "exports_reported"] = -5.0
    with pytest.raises(DataValidationError, match=r"exports_reported.*2004.*Fix"):
        build_inputs(FakePair("CHN", "KAZ", table))


def _panel_rows(reporter: str, partner: str, flow: str, values: np.ndarray, **flags: object) -> pd.DataFrame:
    years = np.arange(2000, 2000 + len(values))
    frame = pd.DataFrame({"reporter": reporter, "partner": partner, "flow": flow, "year": years, "value_usd_m": values})
    frame["estimated"] = False
    frame["derived_from_partner"] = False
    for name, value in flags.items():
        frame[name] = value
    return frame


def test_panel_ratios_drop_flagged_rows_and_the_target_pair() -> None:
    x = np.full(12, 500.0)
    parts = [
        _panel_rows("CHN", "RUS", "exports_fob", x),
        _panel_rows("RUS", "CHN", "imports_cif", 1.06 * x),
        _panel_rows("TKM", "CHN", "exports_fob", x),
        _panel_rows("CHN", "TKM", "imports_cif", 1.06 * x, derived_from_partner=True),
        _panel_rows("CHN", "KAZ", "exports_fob", x),
        _panel_rows("KAZ", "CHN", "imports_cif", 0.5 * x),
    ]
    ratios, excluded = panel_ratios(pd.concat(parts), "CHN", "KAZ")
    assert set(zip(ratios["exporter"], ratios["importer"], strict=True)) == {("CHN", "RUS")}
    np.testing.assert_allclose(ratios["log_ratio"], np.log(1.06))
    assert len(excluded) == 12
    assert all(e.reporter == "CHN" and e.partner == "TKM" for e in excluded)


def test_evidence_terms_map_years_and_skip_what_they_cannot_use() -> None:
    statements = pd.DataFrame(
        {
            "id": ["a", "b", "c", "d", "e"],
            "exporter": ["CHN", "CHN", "CHN", "CHN", "KAZ"],
            "importer": ["KAZ", "KAZ", "KAZ", "KAZ", "CHN"],
            "year": [2005, 2007, 2030, 2005, 2005],
            "year_min": [2005, 2006, 2030, 2005, 2005],
            "year_max": [2005, 2008, 2030, 2005, 2005],
            "measure": ["gap_share_of_exports", "gap_usd_m", "gap_usd_m", "gap_usd_m", "gap_usd_m"],
            "relation": ["approx", "gt", "eq", "eq", "eq"],
            "value": [0.5, 1000.0, 1.0, 2.0, 3.0],
            "product": ["all", "all", "all", "knitwear", "all"],
        }
    )
    terms = evidence_terms(statements, "CHN", "KAZ", np.arange(2000, 2010))
    assert terms.ids == ("a", "b")
    assert terms.statement.tolist() == [0, 1, 1, 1]
    assert terms.year_idx.tolist() == [5, 6, 7, 8]
    assert len(terms.skipped) == 2
