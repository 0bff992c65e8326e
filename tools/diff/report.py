"""The diff report: its JSON model (with its own schema version) and its three renderings."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from io import StringIO

import msgspec

from numbast import ir

from .engine import Change
from .kinds import KINDS

REPORT_FORMAT = "numbast-api-diff"
REPORT_VERSION = "1.0"  # MAJOR.MINOR, with the same rules as the IR's (see ir/version.py)


class Side(msgspec.Struct, frozen=True, kw_only=True):
    """What one side of the comparison was dumped from."""

    cuda: str | None
    arch: str
    std: str
    inputs: list[str]


class Summary(msgspec.Struct, frozen=True, kw_only=True):
    breaking: int
    compatible: int
    info: int


class DiffReport(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """`canopy diff --format json`."""

    format: str
    version: str
    old: Side
    new: Side
    summary: Summary
    changes: list[Change]


def _side(doc: ir.APIDocument) -> Side:
    h = doc.header
    return Side(cuda=h.cuda.version, arch=h.arch, std=h.std, inputs=[i.path for i in h.inputs])


def make_report(old: ir.APIDocument, new: ir.APIDocument, changes: list[Change]) -> DiffReport:
    counts = Counter(c.change_class for c in changes)
    return DiffReport(
        format=REPORT_FORMAT,
        version=REPORT_VERSION,
        old=_side(old),
        new=_side(new),
        summary=Summary(
            breaking=counts["breaking"], compatible=counts["compatible"], info=counts["info"]
        ),
        changes=changes,
    )


def report_schema() -> dict:
    from numbast.ir.schema import clean_descriptions

    schema = clean_descriptions(msgspec.json.schema(DiffReport))
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"{REPORT_FORMAT} {REPORT_VERSION}"
    return schema


def to_json(report: DiffReport) -> str:
    return msgspec.json.format(msgspec.json.encode(report), indent=1).decode() + "\n"


def _affects(c: Change, limit: int = 5) -> str:
    if not c.affects:
        return ""
    shown = ", ".join(c.affects[:limit]) + (", ..." if len(c.affects) > limit else "")
    return f"affects {len(c.affects)} functions: {shown}"


def _grouped(changes: list[Change]) -> dict[str, dict[str, list[Change]]]:
    groups: dict[str, dict[str, list[Change]]] = defaultdict(lambda: defaultdict(list))
    for c in changes:
        groups[c.header][c.kind].append(c)
    return groups


def _title(report: DiffReport) -> str:
    o, n = report.old, report.new
    return f"API changes: CUDA {o.cuda or '?'} -> {n.cuda or '?'} ({', '.join(n.inputs) or '-'})"


def to_markdown(report: DiffReport) -> str:
    """Markdown for a pull request: summary counts first, then the changes by header and kind."""
    s = report.summary
    out = [f"## {_title(report)}", ""]
    out.append(
        f"**{s.breaking} breaking**, {s.compatible} compatible, {s.info} info "
        f"({len(report.changes)} changes; target {report.new.arch}, {report.new.std})"
    )
    out.append("")
    if not report.changes:
        out.append("No API changes.")
        return "\n".join(out) + "\n"
    kinds = Counter(c.kind for c in report.changes)
    out += ["| change | class | count |", "|---|---|---|"]
    for kind, count in sorted(kinds.items()):
        out.append(
            f"| {KINDS[kind].description} (`{kind}`) | {KINDS[kind].default_class} | {count} |"
        )
    for header, by_kind in sorted(_grouped(report.changes).items()):
        out += ["", f"### `{header}`"]
        for kind, changes in sorted(by_kind.items()):
            out += ["", f"#### {KINDS[kind].description} (`{kind}`)", ""]
            for c in changes:
                extra = _affects(c)
                line = f"- **{c.change_class}** `{c.name}`: {_md(c.message)}"
                out.append(line + (f" — {extra}" if extra else ""))
    return "\n".join(out) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def to_text(report: DiffReport, width: int = 120) -> str:
    """A rich table per header, grouped by kind."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    buf = StringIO()
    console = Console(file=buf, width=width, force_terminal=False, color_system=None)
    s = report.summary
    console.print(_title(report), markup=False)
    console.print(f"{s.breaking} breaking, {s.compatible} compatible, {s.info} info", markup=False)
    for header, by_kind in sorted(_grouped(report.changes).items()):
        table = Table(title=header, show_lines=False, expand=False)
        table.add_column("kind", no_wrap=True)
        table.add_column("class", no_wrap=True)
        table.add_column("declaration", overflow="fold")
        table.add_column("change", overflow="fold")
        for kind, changes in sorted(by_kind.items()):
            for c in changes:
                extra = _affects(c, 3)
                cells = (kind, c.change_class, c.name, c.message + (f"\n{extra}" if extra else ""))
                table.add_row(*(Text(cell) for cell in cells))  # text, never rich markup
        console.print(table)
    return buf.getvalue()


def render(report: DiffReport, fmt: str) -> str:
    if fmt == "json":
        return to_json(report)
    if fmt == "markdown":
        return to_markdown(report)
    return to_text(report)


def schema_text() -> str:
    return json.dumps(report_schema(), indent=2, sort_keys=True) + "\n"
