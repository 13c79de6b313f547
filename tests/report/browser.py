"""Headless Chromium helpers for the report's browser test (Debian's ``chromium`` package)."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def chromium() -> str | None:
    """Path of the chromium executable, or None."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass(frozen=True)
class Rendered:
    """What the browser made of a page: the DOM after the load event, and a screenshot."""

    dom: str
    screenshot: Path

    def body_attribute(self, name: str) -> str | None:
        match = re.search(rf'<body[^>]*\s{name}="([^"]*)"', self.dom)
        return match.group(1) if match else None

    def images(self) -> list[tuple[str, int]]:
        """``(data-figure, naturalWidth)`` per ``<img>`` as recorded by the page's load script."""
        found = []
        for tag in re.findall(r"<img\b[^>]*>", self.dom):
            figure = re.search(r'data-figure="([^"]*)"', tag)
            width = re.search(r'data-natural-width="(\d+)"', tag)
            found.append((figure.group(1) if figure else "", int(width.group(1)) if width else -1))
        return found


def render(html: Path, work: Path, screenshot: Path, *, width: int = 1200, height: int = 2400) -> Rendered:
    """Load ``html`` in headless Chromium with a fresh profile; dump the DOM and save a screenshot."""
    executable = chromium()
    assert executable is not None, "chromium is not installed"
    url = Path(html).resolve().as_uri()
    dom = subprocess.run(
        [
            executable,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={work / 'profile-dom'}",
            "--virtual-time-budget=10000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            executable,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={work / 'profile-shot'}",
            f"--window-size={width},{height}",
            f"--screenshot={screenshot}",
            url,
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    return Rendered(dom=dom, screenshot=screenshot)
