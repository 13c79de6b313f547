"""Execute the notebooks (jupytext percent scripts in ``notebooks/``) with a chosen preset.

Each script has a cell tagged ``parameters`` that sets ``preset = "fast"``; :func:`execute_notebook`
inserts a cell after it with the requested values (papermill's convention) and runs every cell in a
fresh kernel. :func:`show_table` is what notebooks call to display a table: it renders as HTML for
readers and also carries the numbers in a private MIME type so that two runs can be compared;
:func:`show_figure` displays a figure that library code returned.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NoReturn

import pandas as pd

from borderflows.exceptions import BorderflowsError, OptionError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

TABLE_MIME = "application/vnd.borderflows.table+json"
"""MIME type under which :func:`show_table` stores a table's values in a notebook's outputs."""

PARAMETERS_TAG = "parameters"
INJECTED_TAG = "injected-parameters"


def show_table(frame: pd.DataFrame, name: str) -> None:
    """Display ``frame`` in a notebook (HTML and text) and record its values under ``name``.

    Parameters
    ----------
    frame
        The table; tidy interval tables carry ``prob`` and ``kind`` columns.
    name
        A stable identifier, used to compare the same table across runs.
    """
    from IPython.display import display

    bundle = {
        "text/html": f"<p><b>{name}</b></p>" + frame.to_html(index=False, border=0),
        "text/plain": f"{name}\n{frame.to_string(index=False)}",
        TABLE_MIME: {"name": name, "table": frame.to_json(orient="split", index=False, date_format="iso")},
    }
    display(bundle, raw=True)


def show_figure(figure: Figure, name: str, *, dpi: int = 100) -> None:
    """Display a matplotlib ``figure`` in a notebook as a PNG, whatever the kernel's plotting backend.

    Library plotting functions return figures without touching pyplot's global state, so nothing
    shows them automatically; this renders one once, under ``name`` in the text fallback.
    """
    from base64 import b64encode
    from io import BytesIO

    from IPython.display import display

    buffer = BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    display({"image/png": b64encode(buffer.getvalue()).decode("ascii"), "text/plain": f"<figure {name}>"}, raw=True)


def list_notebooks(folder: Path | None = None) -> list[Path]:
    """The notebook scripts ``NN_name.py`` in ``folder`` (default the repository's ``notebooks/``)."""
    from borderflows.report.locate import notebooks_dir

    root = Path(folder) if folder is not None else notebooks_dir()
    return sorted(path for path in root.glob("[0-9][0-9]_*.py"))


def _select(scripts: Sequence[Path], only: Sequence[str] | None) -> list[Path]:
    if not only:
        return list(scripts)
    chosen = [s for s in scripts if any(s.stem == key or s.stem.startswith(f"{key}_") for key in only)]
    names = {s.stem for s in scripts}
    unknown = [key for key in only if not any(n == key or n.startswith(f"{key}_") for n in names)]
    if unknown:
        raise OptionError(
            "only",
            f"unknown notebook(s) {', '.join(unknown)}",
            f"choose from {', '.join(sorted(names))} or their numbers",
        )
    return chosen


def _imports() -> tuple[Any, Any, Any]:
    try:
        import jupytext
        import nbclient
        import nbformat
    except ImportError as error:  # the notebook tools are in the dev dependency group
        raise BorderflowsError(
            f"running notebooks needs jupytext, nbclient and ipykernel ({error.name} is missing); "
            "install them with `uv sync` (the dev group)"
        ) from error
    return jupytext, nbclient, nbformat


def _parameters_source(parameters: Mapping[str, Any]) -> str:
    lines = ["# Injected by borderflows.notebooks.execute_notebook"]
    lines += [f"{name} = {value!r}" for name, value in parameters.items()]
    return "\n".join(lines)


@dataclass(frozen=True)
class NotebookRun:
    """One notebook execution for :func:`execute_notebooks`.

    Attributes
    ----------
    script
        The ``.py`` percent script.
    parameters
        Names and values set after the cell tagged ``parameters`` (e.g. ``{"preset": "full"}``).
    workdir
        Working directory of the kernel; default the script's folder.
    """

    script: Path
    parameters: Mapping[str, Any] | None = None
    workdir: Path | None = None


def execute_notebook(
    script: Path,
    parameters: Mapping[str, Any] | None = None,
    *,
    workdir: Path | None = None,
    timeout: int = 1800,
) -> Any:
    """Convert a jupytext script to a notebook, inject ``parameters`` and execute it.

    Parameters
    ----------
    script
        The ``.py`` percent script.
    parameters
        Names and values set after the cell tagged ``parameters`` (e.g. ``{"preset": "full"}``).
    workdir
        Working directory of the kernel; default the script's folder.
    timeout
        Seconds allowed per cell.

    Returns
    -------
    nbformat.NotebookNode
        The executed notebook.

    Raises
    ------
    BorderflowsError
        If the script has no ``parameters`` cell while parameters are given, or a cell fails.
    """
    run = NotebookRun(Path(script), parameters, workdir)
    notebook, client = _prepare(run, timeout)
    try:
        client.execute()
    except Exception as error:
        _raise_failure(run, error)
    return notebook


def execute_notebooks(
    runs: Sequence[NotebookRun],
    *,
    timeout: int = 1800,
    concurrency: int = 2,
    errors: Literal["raise", "return"] = "raise",
) -> list[Any]:
    """Execute several notebooks, ``concurrency`` kernels at a time, and return them in order.

    Much of a notebook run is single-threaded (starting the kernel, imports, compiling models), so two
    kernels on two cores take little more than one. The kernels run on an event loop in a worker
    thread, which is closed afterwards (safe to call from a notebook or a test). Runs start in the
    order given: put the longest first.

    Parameters
    ----------
    runs
        What to execute.
    timeout
        Seconds allowed per cell.
    concurrency
        Kernels at a time.
    errors
        ``"raise"``: raise the first failure (in the order of ``runs``) once all have finished;
        ``"return"``: put the exception in that run's place instead of its notebook.

    Raises
    ------
    BorderflowsError
        As :func:`execute_notebook`, when ``errors="raise"``.
    """
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    prepared = [_prepare(run, timeout) for run in runs]

    async def execute_all() -> list[BaseException | None]:
        gate = asyncio.Semaphore(max(1, concurrency))

        async def one(client: Any) -> None:
            async with gate:
                await client.async_execute()

        results = await asyncio.gather(*(one(client) for _, client in prepared), return_exceptions=True)
        return [result if isinstance(result, BaseException) else None for result in results]

    with ThreadPoolExecutor(max_workers=1) as worker:
        failures = worker.submit(asyncio.run, execute_all()).result()
    outcomes: list[Any] = []
    for run, (notebook, _), failure in zip(runs, prepared, failures, strict=True):
        if failure is None:
            outcomes.append(notebook)
            continue
        try:
            _raise_failure(run, failure)
        except BaseException as error:
            if errors == "raise":
                raise
            outcomes.append(error)
    return outcomes


def _prepare(run: NotebookRun, timeout: int) -> tuple[Any, Any]:
    """The notebook with its parameters injected, and a client ready to execute it."""
    jupytext, nbclient, nbformat = _imports()
    # jupyter_core warns (DeprecationWarning) unless told to use platformdirs; we want the new behaviour.
    os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")
    notebook = jupytext.read(run.script)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    if run.parameters:
        index = next(
            (i for i, cell in enumerate(notebook.cells) if PARAMETERS_TAG in cell.metadata.get("tags", [])), None
        )
        if index is None:
            raise BorderflowsError(f"{run.script.name} has no cell tagged '{PARAMETERS_TAG}'; add one holding `preset`")
        cell = nbformat.v4.new_code_cell(_parameters_source(run.parameters))
        cell.metadata["tags"] = [INJECTED_TAG]
        notebook.cells.insert(index + 1, cell)
    client = nbclient.NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        # The kernel's own log goes to our stderr; at WARNING it says on every start that its local TCP
        # ports are unencrypted (they listen on 127.0.0.1 only). Cell output and errors are unaffected.
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
        resources={"metadata": {"path": str(run.workdir or run.script.parent)}},
    )
    return notebook, client


_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Interrupt|Exit|Warning)\b:?")
"""A line of a traceback that names the exception, e.g. ``RuntimeError: All initialization points failed``."""


def _raise_failure(run: NotebookRun, error: BaseException) -> NoReturn:
    """Raise a one-line BorderflowsError for a failed cell; re-raise anything else as it is."""
    _, nbclient, _ = _imports()
    if isinstance(error, nbclient.exceptions.CellExecutionError):
        lines = re.sub(r"\x1b\[[0-9;]*m", "", str(error)).strip().splitlines()
        # The exception's own line, not what follows it (a Rust backtrace from the sampler, say).
        named = [line.strip() for line in lines if _EXCEPTION_LINE.match(line.strip())]
        summary = named[-1] if named else (lines[-1] if lines else str(error))
        raise BorderflowsError(f"{run.script.name} failed: {summary}") from error
    raise error


def notebook_tables(notebook: Any) -> dict[str, pd.DataFrame]:
    """Tables shown with :func:`show_table` in an executed notebook, by name."""
    from io import StringIO

    tables = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            payload = output.get("data", {}).get(TABLE_MIME)
            if payload:
                tables[payload["name"]] = pd.read_json(StringIO(payload["table"]), orient="split")
    return tables


def render_notebooks(
    out_dir: Path,
    *,
    preset: str = "full",
    only: Sequence[str] | None = None,
    folder: Path | None = None,
    timeout: int = 3600,
    on_start: Callable[[Path], None] | None = None,
) -> list[Path]:
    """Execute the notebooks with ``preset`` and write the executed ``.ipynb`` files into ``out_dir``.

    Returns
    -------
    list of Path
        The notebooks written, in order.
    """
    from borderflows.config import preset as resolve_preset

    resolve_preset(preset)
    _, _, nbformat = _imports()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for script in _select(list_notebooks(folder), only):
        if on_start is not None:
            on_start(script)
        notebook = execute_notebook(script, {"preset": preset}, workdir=out_dir, timeout=timeout)
        target = out_dir / f"{script.stem}.ipynb"
        nbformat.write(notebook, target)
        written.append(target)
    return written
