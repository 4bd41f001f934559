"""Reports from a run directory: tables, learning curves, Markdown and self-contained HTML.

>>> from annal.report import make_report
>>> paths = make_report("runs/paper")  # doctest: +SKIP
"""

from annal.report.build import ReportPaths, build_document, make_report

__all__ = ["ReportPaths", "build_document", "make_report"]
