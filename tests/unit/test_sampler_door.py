"""One door to the sampler: no module but ``borderflows.sampling`` compiles or samples with nutpie or pymc."""

from __future__ import annotations

import re
from pathlib import Path

import borderflows

CALLS = re.compile(r"\bnutpie\.sample\(|\bcompile_pymc_model\(|\bpm\.sample\(|\bpymc\.sample\(")


def test_only_the_sampling_module_calls_the_samplers() -> None:
    package = Path(borderflows.__file__).parent
    callers = [
        f"{path.relative_to(package)}:{number}"
        for path in sorted(package.rglob("*.py"))
        if path.name != "sampling.py" or path.parent != package
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if CALLS.search(line.split("#")[0]) and not line.lstrip().startswith(("#", ">>>"))
    ]
    assert callers == [], "sample through borderflows.sampling instead: " + ", ".join(callers)
    assert CALLS.search((package / "sampling.py").read_text())  # the pattern does find the calls where they are
