"""`canopy diff`: compare two IR documents and classify every API change."""

from .engine import Change, diff
from .kinds import KINDS, ChangeKind
from .report import REPORT_VERSION, DiffReport, make_report, render, report_schema

__all__ = [
    "KINDS",
    "REPORT_VERSION",
    "Change",
    "ChangeKind",
    "DiffReport",
    "diff",
    "make_report",
    "render",
    "report_schema",
]
