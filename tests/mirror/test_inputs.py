"""Model inputs: year grid, exclusion of non-independent reports, known coverage steps, evidence terms."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from borderflows.exceptions import DataValidationError
from borderflows.mirror.inputs import (
    PACKED_INPUTS,
    build_inputs,
    evidence_terms,
    input_layout,
    known_steps,
    prior_offset,
)


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
    assert np.flatnonzero(data.x_mask == 0).tolist() == [6]


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


def _statements(rows: list[tuple[str, int, int]]) -> pd.DataFrame:
    """Gap statements (id, first year, last year) about the whole CHN->KAZ flow."""
    return pd.DataFrame(
        {
            "id": [r[0] for r in rows],
            "exporter": "CHN",
            "importer": "KAZ",
            "year": [r[2] for r in rows],
            "year_min": [r[1] for r in rows],
            "year_max": [r[2] for r in rows],
            "measure": "gap_usd_m",
            "relation": "approx",
            "value": 100.0,
            "product": "all",
        }
    )


def test_a_statement_that_restates_both_reports_never_enters() -> None:
    # In _table() both reports enter the likelihood in every year but 2003 (import not usable), 2006 (export
    # not usable) and 2008 (no import report).
    statements = _statements(
        [
            ("both_2005", 2005, 2005),
            ("both_2004_2005", 2004, 2005),
            ("missing_m_2008", 2008, 2008),
            ("excluded_m_2003", 2003, 2003),
            ("excluded_x_2006", 2006, 2006),
            ("one_missing_2007_2008", 2007, 2008),
        ]
    )
    terms = build_inputs(FakePair("CHN", "KAZ", _table()), statements=statements).evidence
    assert terms is not None
    assert terms.ids == ("missing_m_2008", "excluded_m_2003", "excluded_x_2006", "one_missing_2007_2008")
    assert len(terms.skipped) == 2
    assert all("restates" in reason for reason in terms.skipped)
    assert [reason.split(":")[0] for reason in terms.skipped] == ["both_2005", "both_2004_2005"]
    # A statement about several years is mixed over all of them, the reported ones included.
    assert terms.year_idx[terms.statement == 3].tolist() == [7, 8]


@pytest.mark.parametrize("with_evidence", [False, True])
def test_the_packed_container_holds_every_named_input_at_its_layout_position(with_evidence: bool) -> None:
    statements = (
        _statements([("missing_m_2008", 2008, 2008), ("excluded_x_2006", 2006, 2006)]) if with_evidence else None
    )
    data = build_inputs(FakePair("CHN", "KAZ", _table()), statements=statements)
    values = data.data_values()
    named = data.named_inputs()
    assert set(values) == {"log_m", PACKED_INPUTS}
    assert ("evidence_value" in named) == with_evidence
    layout, size = input_layout(data.n_years, 2 if with_evidence else 0)
    assert set(layout) == set(named)
    assert values[PACKED_INPUTS].shape == (size,)
    covered = np.zeros(size, dtype=int)
    for name, where in layout.items():
        np.testing.assert_array_equal(values[PACKED_INPUTS][where], named[name])
        covered[where] += 1
    assert (covered == 1).all()  # every position belongs to exactly one input
    assert values["log_m"][data.m_idx].tolist() == data.log_m.tolist()


def test_statements_that_cannot_carry_an_uncertainty_are_skipped_with_a_reason() -> None:
    statements = _statements([("zero", 2008, 2008)])
    statements["value"] = 0.0
    terms = evidence_terms(statements, "CHN", "KAZ", np.arange(2000, 2010))
    assert terms.ids == ()
    assert terms.skipped[0].startswith("zero: value 0.0")


def test_known_coverage_steps_inside_the_grid_enter_the_inputs() -> None:
    # China's exports (2014, 2015, 2016, 2019) and Kazakhstan's imports (2011) changed coverage.
    assert known_steps("CHN", "KAZ", np.arange(2000, 2025)) == (2011, 2014, 2015, 2016, 2019)
    assert known_steps("CHN", "KAZ", np.arange(2011, 2016)) == (2014, 2015)  # the first year cannot step
    assert known_steps("USA", "CAN", np.arange(2000, 2025)) == ()
    data = build_inputs(FakePair("CHN", "KAZ", _table()))
    assert data.steps == ()  # the table ends in 2009
    assert data.structure_key() != build_inputs(FakePair("CHN", "KAZ", _table()), years=(2000, 2016)).structure_key()


def test_pair_mode_offset_prior_comes_from_the_margin_and_bias_priors() -> None:
    from borderflows.mirror import priors

    prior = prior_offset()
    assert prior.source == "priors"
    assert prior.loc == priors.MARGIN_LOG_CENTRE
    expected = np.sqrt(priors.MARGIN_SD**2 + 2 * priors.REPORTER_BIAS_SCALE**2 + priors.PAIR_EFFECT_SCALE**2)
    np.testing.assert_allclose(prior.scale, expected, rtol=1e-12)
    assert (prior.nu, prior.drift_sd) == (priors.OFFSET_NU, priors.PAIR_DRIFT_SD)
    # 4,000 draws: the sample sd of the margin is within 5 x 1.1% of its prior sd.
    np.testing.assert_allclose(np.std(prior.margin), priors.MARGIN_SD, rtol=5 / np.sqrt(2 * 4000))
    data = build_inputs(FakePair("CHN", "KAZ", _table()))
    assert data.offset.source == "priors"
    assert set(data.named_inputs()) >= {"offset_loc", "offset_scale", "offset_nu", "drift_sd"}
