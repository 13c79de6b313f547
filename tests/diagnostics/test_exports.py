"""borderflows.diagnostics re-exports the gate, SBC, recovery and predictive-check tools."""

from __future__ import annotations

import importlib

import pytest

import borderflows.diagnostics as diagnostics


@pytest.mark.parametrize("name", diagnostics.__all__)
def test_every_public_name_is_the_submodule_object(name: str) -> None:
    module = diagnostics._LAZY.get(name, "gate")
    assert getattr(diagnostics, name) is getattr(importlib.import_module(f"borderflows.diagnostics.{module}"), name)


def test_all_lists_the_lazy_names_and_the_gate() -> None:
    assert set(diagnostics.__all__) == set(diagnostics._LAZY) | {"Diagnostics", "GateThresholds", "check_convergence"}


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'run_sbd'"):
        diagnostics.run_sbd  # noqa: B018
