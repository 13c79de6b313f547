"""``borderflows report``: run or reuse the analyses of record and write one readable report.

>>> from borderflows.report import build_report, write_report
>>> report = build_report("borderflows-report")          # reuses committed outputs when current
>>> write_report(report, "borderflows-report")            # report.html (self-contained) + report.md

The report assembles records; a fit happens only in a model package's runner, when a record is stale.
The forecasting notebooks' shared steps (which fit) are :class:`borderflows.forecast.story.ForecastStory`.
"""

from __future__ import annotations

from borderflows.report.build import Report, ReportEntry, ReportEvent, build_report
from borderflows.report.locate import discover_specs, models_dir, notebooks_dir, repo_root
from borderflows.report.record import RecordCheck, check_record, diagnostics_frame, runner_for
from borderflows.report.render import write_html, write_markdown, write_report

__all__ = [
    "RecordCheck",
    "Report",
    "ReportEntry",
    "ReportEvent",
    "build_report",
    "check_record",
    "diagnostics_frame",
    "discover_specs",
    "models_dir",
    "notebooks_dir",
    "repo_root",
    "runner_for",
    "write_html",
    "write_markdown",
    "write_report",
]
