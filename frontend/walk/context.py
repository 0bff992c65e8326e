"""What every family of the walk shares: ids, types, sources, the declarations and edges
found so far, and the small helpers that read them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from numbast import ir

from ..comments import doc_comment
from ..guards import ArchGuards
from ..ids import IdMaker
from ..libclang import FileIndex
from ..paths import SourceMap
from ..types import TypeMapper, referenced_ids
from .kinds import kinds


class Place(NamedTuple):
    """Where a declaration sits: its enclosing namespaces and records, the record that holds
    it (None at namespace scope), its access there, and the name given to an anonymous one."""

    scope: tuple[str, ...] = ()
    parent: str | None = None
    access: str | None = None
    anon_name: str | None = None

    def qualified(self, name: str) -> str:
        return "::".join([*self.scope, name]) if self.scope else name

    def inner(self, name: str, parent: str) -> Place:
        """The place of a member of the record `name` (id `parent`)."""
        return Place((*self.scope, name), parent)


@dataclass
class WalkContext:
    """The state of one walk over one translation unit."""

    tu: Any
    sources: SourceMap
    # Dispatches a cursor to its family's handler (set by `walk`; families call it for the
    # declarations nested in theirs without importing each other).
    declare: Callable[[WalkContext, Any, Place], str | None]
    ids: IdMaker = field(default_factory=IdMaker)
    decls: dict[str, ir.Declaration] = field(default_factory=dict)
    # Ids of member functions: an out-of-line definition of one is not a new declaration.
    member_ids: set[str] = field(default_factory=set)
    edges: set[tuple[str, str, str]] = field(default_factory=set)
    diagnostics: list[ir.Diagnostic] = field(default_factory=list)
    # Specializations the header names (`typedef Storage<float, 3> F3;`), recorded at the end.
    pending_specializations: list = field(default_factory=list)
    template_stack: set[str] = field(default_factory=set)  # ids of templates being walked
    anon_count: dict[str, int] = field(default_factory=dict)
    triviality: dict[str, tuple[bool, bool]] = field(default_factory=dict)
    _files: dict[str, bytes] = field(default_factory=dict)
    _guards: dict[str, ArchGuards] = field(default_factory=dict)

    def __post_init__(self) -> None:
        ci = kinds().ci
        self.types = TypeMapper(self.tu, self.ids.of, self.ids.qualify, self.sources.relative)
        self.files_index = FileIndex(self.sources.is_retained)
        self.policy = ci.PrintingPolicy.create(self.tu.cursor)
        self.policy.set_property(ci.PrintingPolicyProperty.TerseOutput, 1)

    # -- sources ---------------------------------------------------------------------------

    def read(self, name: str) -> bytes:
        """A file's bytes, read once (b"" when unreadable: its text is then not shown)."""
        data = self._files.get(name)
        if data is None:
            try:
                with open(name, "rb") as fh:
                    data = fh.read()
            except OSError:
                data = b""
            self._files[name] = data
        return data

    def arch_guards(self, path: str | None) -> ArchGuards | None:
        """The `__CUDA_ARCH__` guard map of a retained file (cached with its bytes)."""
        if path is None:
            return None
        guards = self._guards.get(path)
        if guards is None:
            text = self.read(path).decode("utf-8", "replace")
            guards = self._guards[path] = ArchGuards(text)
        return guards

    def retained(self, cursor) -> bool:
        return self.files_index.retained(cursor)

    def location(self, cursor) -> ir.Location:
        loc = cursor.location
        _, rel = self.sources.relative(loc.file.name)
        return ir.Location(file=rel, line=loc.line, column=loc.column)

    def source(self, extent) -> str:
        """The exact text of a source range (default arguments as written)."""
        start, end = extent.start, extent.end
        if start.file is None or end.file is None or start.file.name != end.file.name:
            return ""
        data = self.read(start.file.name)
        return data[start.offset : end.offset].decode("utf-8", "replace").strip()

    def printed(self, cursor) -> tuple[str, str]:
        """The terse pretty-printed declaration, split into (before the name, after it)."""
        text = cursor.pretty_printed(self.policy)
        name = cursor.spelling
        at = text.find(name + "(") if name else -1
        if at < 0:
            at = text.find(name) if name else -1
        return (text[:at], text[at:]) if at >= 0 else (text, "")

    # -- output ----------------------------------------------------------------------------

    def identity(self, cursor, at: Place, name: str | None = None) -> dict:
        """The fields every declaration has: id, names, location, doc, place in a record."""
        name = name or cursor.spelling
        return dict(
            id=self.ids.of(cursor),
            name=name,
            qualified_name=at.qualified(name),
            location=self.location(cursor),
            doc=doc_comment(cursor),
            parent=at.parent,
            access=at.access,
        )

    def add(self, decl: ir.Declaration) -> None:
        self.decls.setdefault(decl.id, decl)

    def edge(self, source: str, target: str, kind: str) -> None:
        if source != target:
            self.edges.add((source, target, kind))

    def type_edges(self, source: str, t: ir.TypeRef, kind: str) -> None:
        for target in referenced_ids(t):
            self.edge(source, target, kind)

    def member_of(self, ident: str, parent: str | None) -> None:
        if parent:
            self.edge(ident, parent, "member_of")

    def skipped(self, cursor, what: str, exc: BaseException) -> None:
        """A fact libclang could not give for a declaration: kept as a warning in the IR."""
        loc = cursor.location
        where = f"{self.sources.relative(loc.file.name)[1]}:{loc.line}" if loc.file else "<unknown>"
        message = f"{cursor.spelling}: {what} left out ({type(exc).__name__}: {exc})"
        self.diagnostics.append(ir.Diagnostic(severity="warning", location=where, message=message))
