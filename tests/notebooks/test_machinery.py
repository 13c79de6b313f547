"""Notebook execution machinery: parameter injection, table capture and clear failures."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from borderflows.exceptions import BorderflowsError
from borderflows.notebooks import (
    NotebookRun,
    execute_notebook,
    execute_notebooks,
    list_notebooks,
    notebook_tables,
    render_notebooks,
)

SCRIPT = """# %% tags=["parameters"]
preset = "fast"

# %%
import pandas as pd

from borderflows.notebooks import show_table

show_table(pd.DataFrame({"preset": [preset], "value": [0.5]}), "echo")
"""


def test_parameters_are_injected_and_tables_captured(tmp_path: Path) -> None:
    script = tmp_path / "01_echo.py"
    script.write_text(SCRIPT)
    assert list_notebooks(tmp_path) == [script]
    default = notebook_tables(execute_notebook(script, workdir=tmp_path, timeout=120))
    assert default["echo"].to_dict("records") == [{"preset": "fast", "value": 0.5}]
    written = render_notebooks(tmp_path / "out", preset="full", folder=tmp_path, timeout=120)
    assert [path.name for path in written] == ["01_echo.ipynb"]
    executed = notebook_tables(nbformat.read(written[0], as_version=4))
    assert executed["echo"]["preset"].tolist() == ["full"]


def test_a_failing_cell_names_the_notebook_and_the_error(tmp_path: Path) -> None:
    script = tmp_path / "02_broken.py"
    script.write_text('# %% tags=["parameters"]\npreset = "fast"\n\n# %%\nraise ValueError("no such series")\n')
    with pytest.raises(BorderflowsError, match=r"02_broken.py failed: ValueError: no such series"):
        execute_notebook(script, {"preset": "fast"}, workdir=tmp_path, timeout=120)


def test_parameters_need_a_tagged_cell(tmp_path: Path) -> None:
    script = tmp_path / "03_untagged.py"
    script.write_text('# %%\npreset = "fast"\n')
    with pytest.raises(BorderflowsError, match="no cell tagged 'parameters'"):
        execute_notebook(script, {"preset": "full"}, workdir=tmp_path, timeout=120)


def test_several_notebooks_run_concurrently_in_order_and_name_the_failing_one(tmp_path: Path) -> None:
    script = tmp_path / "01_echo.py"
    script.write_text(SCRIPT)
    runs = [NotebookRun(script, {"preset": preset}, tmp_path) for preset in ("fast", "full", "fast")]
    executed = execute_notebooks(runs, timeout=120)
    assert [notebook_tables(nb)["echo"]["preset"].item() for nb in executed] == ["fast", "full", "fast"]

    broken = tmp_path / "02_broken.py"
    broken.write_text('# %% tags=["parameters"]\npreset = "fast"\n\n# %%\nraise KeyError("arrivals")\n')
    with pytest.raises(BorderflowsError, match=r"02_broken.py failed: KeyError: 'arrivals'"):
        execute_notebooks([NotebookRun(script), NotebookRun(broken)], timeout=120)


def test_the_failure_names_the_exception_not_the_backtrace_after_it(tmp_path: Path) -> None:
    script = tmp_path / "03_rust.py"
    script.write_text(
        '# %% tags=["parameters"]\npreset = "fast"\n\n# %%\n'
        'raise RuntimeError("All initialization points failed\\n\\nStack backtrace:\\n 0: <unknown>\\n 1: clone3")\n'
    )
    with pytest.raises(BorderflowsError, match=r"03_rust.py failed: RuntimeError: All initialization points failed$"):
        execute_notebook(script, workdir=tmp_path, timeout=120)
