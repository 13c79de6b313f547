"""Fixtures for the forecasting tests: small synthetic series and the M3 yearly folder when present."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from borderflows.data.yearly import YearlySeries

M3_FOLDER = Path(__file__).resolve().parents[2].parent / "shared" / "bench" / "m3_yearly"
"""The benchmark data lives outside the package; tests that need it skip cleanly without it."""


@pytest.fixture(scope="session")
def m3_folder() -> Path:
    if not (M3_FOLDER / "series.csv").is_file():
        pytest.skip("M3 yearly benchmark data (../shared/bench/m3_yearly) not available")
    return M3_FOLDER


def make_series(values: np.ndarray, *, kind: str = "positive", start: int = 2000, name: str = "test") -> YearlySeries:
    """A validated-looking YearlySeries from raw values."""
    values = np.asarray(values, dtype=float)
    return YearlySeries(
        name=name,
        years=np.arange(start, start + values.size, dtype=np.int64),
        values=values,
        unit="units",
        kind=kind,  # type: ignore[arg-type]
        concept="test",
    )


@pytest.fixture
def growing(rng: np.random.Generator) -> YearlySeries:
    """20 years of noisy 5% growth."""
    return make_series(100 * np.exp(np.cumsum(0.05 + 0.03 * rng.standard_normal(20))), name="growing")
