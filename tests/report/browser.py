"""Headless Chromium helpers for the report's browser test (Debian's ``chromium`` package).

:func:`render` loads a copy of the page with a measuring script appended (the report itself carries no
script): after the load event it records, per analysis section, where the first figure and the first
table sit, how many rows each main-body table has and the figure's band label, plus the page's scroll
width, in a JSON block that ``--dump-dom`` returns.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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

MEASURE = """
<script>
window.addEventListener("load", function () {
  function top(node) { return node ? node.getBoundingClientRect().top + window.scrollY : null; }
  var images = Array.from(document.querySelectorAll("img"));
  var sections = Array.from(document.querySelectorAll("main section.analysis")).map(function (section) {
    var figure = section.querySelector("img");
    var tables = Array.from(section.querySelectorAll("table")).filter(function (t) { return !t.closest("details"); });
    return {
      id: section.id,
      interval: section.getAttribute("data-interval"),
      headlines: Array.from(section.querySelectorAll(".headline")).map(function (p) { return p.textContent; }),
      figure_top: top(figure),
      table_top: tables.length ? top(tables[0]) : null,
      band: figure ? figure.getAttribute("data-band") : null,
      rows: tables.map(function (t) { return t.tBodies.length ? t.tBodies[0].rows.length : 0; })
    };
  });
  var all_tables = Array.from(document.querySelectorAll("main table"))
    .filter(function (t) { return !t.closest("details"); });
  var result = {
    inner_width: window.innerWidth,
    scroll_width: document.documentElement.scrollWidth,
    images: images.map(function (img) { return [img.getAttribute("data-figure"), img.naturalWidth, img.complete]; }),
    main_table_rows: all_tables.map(function (t) { return t.tBodies.length ? t.tBodies[0].rows.length : 0; }),
    sections: sections
  };
  var block = document.createElement("script");
  block.type = "application/json";
  block.id = "measured";
  block.textContent = JSON.stringify(result);
  document.body.appendChild(block);
});
</script>
"""


def chromium() -> str | None:
    """Path of the chromium executable, or None."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass(frozen=True)
class Rendered:
    """What the browser made of a page: the DOM after the load event, its measurements and a screenshot."""

    dom: str
    measured: dict[str, Any]
    screenshot: Path


def render(html: Path, work: Path, screenshot: Path, *, width: int = 1400, height: int = 900) -> Rendered:
    """Load ``html`` at ``width`` x ``height`` in headless Chromium; measure it and screenshot the first screen."""
    executable = chromium()
    assert executable is not None, "chromium is not installed"
    work.mkdir(parents=True, exist_ok=True)
    probe = Path(html).with_name(f"{Path(html).stem}.measure.html")
    probe.write_text(Path(html).read_text(encoding="utf-8").replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    common = [executable, *CHROMIUM_FLAGS, f"--window-size={width},{height}"]
    try:
        dom = subprocess.run(
            [
                *common,
                f"--user-data-dir={work / 'profile-dom'}",
                "--virtual-time-budget=10000",
                "--dump-dom",
                probe.resolve().as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        ).stdout
    finally:
        probe.unlink()
    found = re.search(r'<script type="application/json" id="measured">(.*?)</script>', dom, re.S)
    assert found is not None, "the measuring script did not run"
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            *common,
            f"--user-data-dir={work / 'profile-shot'}",
            f"--screenshot={screenshot}",
            Path(html).resolve().as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    return Rendered(dom=dom, measured=json.loads(found.group(1)), screenshot=screenshot)
