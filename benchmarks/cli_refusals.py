"""How long a refused option takes from the command line: wall and CPU seconds per command.

Runs each bad command as a real process (``uv run borderflows ...``), checks that it exits 2, and
prints wall seconds, the child's CPU seconds and the machine's load average. Issue 13's target is a
refusal within 5 s wall of the command starting.

    uv run python benchmarks/cli_refusals.py
"""

from __future__ import annotations

import os
import resource
import subprocess
import tempfile
import time
from pathlib import Path

COMMANDS = [
    ["mirror", "CHN", "KAZ", "--preset", "quick"],
    ["mirror", "CHN", "KAZ", "--margin-prior", "-2"],
    ["mirror", "CHN", "KAZ", "--mode", "pair", "--preset", "fast", "--prob", "1.5"],
    ["mirror", "XXX", "KAZ"],
    ["forecast", "{tmp}/empty.csv"],
    ["forecast", "{tmp}/text.csv"],
    ["forecast", "migration.nowhere"],
    ["forecast", "{tmp}/text.csv", "--model", "Prophet"],
]


def main() -> None:
    """Time every command and print one row each."""
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        (tmp / "empty.csv").write_text("")
        (tmp / "text.csv").write_text("year,value\n2000,12\n2001,1 200\n2002,14\n")
        print(f"load average before: {os.getloadavg()[0]:.2f}")
        print("| command | exit | wall s | CPU s |")
        print("|---|---|---|---|")
        for command in COMMANDS:
            argv = [a.replace("{tmp}", str(tmp)) for a in command]
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            done = subprocess.run(["uv", "run", "borderflows", *argv], capture_output=True, text=True, check=False)
            wall = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
            shown = " ".join(command).replace("{tmp}/", "")
            print(f"| `borderflows {shown}` | {done.returncode} | {wall:.1f} | {cpu:.1f} |")
        print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
