"""Shared test fixtures: one seeded random generator for the whole session (STYLE.md)."""

from __future__ import annotations

import numpy as np
import pytest

TEST_SEED = sum(map(ord, "borderflows"))
"""Fixed seed derived from the package name, as pymc-extras does for its statespace tests."""


@pytest.fixture(scope="session")
def rng() -> np.random.Generator:
    """Session-wide seeded generator; tests draw from it instead of seeding globally."""
    return np.random.default_rng(TEST_SEED)
