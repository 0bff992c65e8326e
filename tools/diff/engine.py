"""The API diff engine: two IR documents in, a list of classified changes out.

Declarations are matched by id. Ids of functions encode their parameter types, so a function
whose signature changed appears removed under one id and added under another: when a name loses
exactly one overload and gains exactly one, the two are paired and compared member by member
(parameter type changed, return type changed...). Locations are never compared: moves are not
changes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

import msgspec

from numbast import ir
from numbast.ir.arch import Arch

from . import rules
from .kinds import ChangeClass, ChangeKind

K = ChangeKind


class Change(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One difference between the old and the new API."""

    kind: str  # a ChangeKind's id (tools/diff/kinds.py)
    change_class: ChangeClass = msgspec.field(name="class")
    decl: str  # id of the declaration (the new one when both exist)
    name: str  # its qualified name
    decl_kind: str
    header: str  # the file that declares it
    member: str | None = None  # parameter, field, method, enumerator or template parameter
    old: str | None = None
    new: str | None = None
    message: str
    affects: list[str] = []  # functions and templates that reach a changed type


_FUNCS = (ir.Function, ir.FunctionTemplate)
_RECORDS = ir.model.RECORD_KINDS


def _signature(f) -> str:
    params = ", ".join(p.type.spelling + (f" {p.name}" if p.name else "") for p in f.params)
    if getattr(f, "role", None) in ("constructor", "destructor", "conversion"):
        return f"{f.name}({params})"
    if getattr(f, "constructs", None):  # another header's record's constructor, out of line
        return f"{f.qualified_name}({params})"
    return f"{f.return_type.spelling} {f.name}({params})"


class _Differ:
    def __init__(self, old: ir.APIDocument, new: ir.APIDocument):
        self.old, self.new = old, new
        self.changes: list[Change] = []
        self._graphs = {id(old): ir.DependencyGraph(old), id(new): ir.DependencyGraph(new)}
        self._names = {id(old): _display_names(old), id(new): _display_names(new)}
        self._funcs = {id(old): _callable_ids(old), id(new): _callable_ids(new)}
        self._affects: dict[str, list[str]] = {}
        self._dumped = tuple(
            {Arch.parse(a) for a in d.header.archs or [d.header.arch]} for d in (old, new)
        )

    # -- emitting --------------------------------------------------------------------------

    def add(
        self,
        kind: ChangeKind,
        decl,
        message: str,
        *,
        member=None,
        old=None,
        new=None,
        change_class: ChangeClass | None = None,
        affects: list[str] | None = None,
    ) -> None:
        self.changes.append(
            Change(
                kind=kind.value,
                change_class=change_class or kind.default_class,
                decl=decl.id,
                name=decl.qualified_name,
                decl_kind=ir.decl_kind(decl),
                header=decl.location.file,
                member=member,
                old=None if old is None else str(old),
                new=None if new is None else str(new),
                message=message,
                affects=affects or [],
            )
        )

    def apply(self, rules, o, n, decl, name: str, member: str | None = None) -> None:
        """Every rule of `rules` that finds a change between `o` and `n` (two versions of
        `decl` or of one of its members), shown under `name`."""
        for rule in rules:
            if not rule.changed(o, n):
                continue
            old, new = rule.show(o), rule.show(n)
            self.add(
                rule.kind,
                decl,
                rule.text(name, old, new),
                member=member,
                old=old,
                new=new,
                change_class=rule.change_class(o, n),
                affects=self.affected(self.new, decl.id) if rule.affects else None,
            )

    def affected(self, doc: ir.APIDocument, ident: str) -> list[str]:
        """Functions, methods and templates that reach `ident` through the graph."""
        key = f"{id(doc)}:{ident}"
        if key not in self._affects:
            reach = self._graphs[id(doc)].dependents(ident) & self._funcs[id(doc)]
            names = self._names[id(doc)]
            self._affects[key] = sorted({names.get(r, r) for r in reach})
        return self._affects[key]

    # -- matching --------------------------------------------------------------------------

    def run(self) -> list[Change]:
        old_by = {d.id: d for d in self.old.declarations}
        new_by = {d.id: d for d in self.new.declarations}
        for ident, n in new_by.items():
            o = old_by.get(ident)
            if o is not None and type(o) is type(n):
                self.compare(o, n)
        removed = [
            d for i, d in old_by.items() if i not in new_by or type(new_by[i]) is not type(d)
        ]
        added = [d for i, d in new_by.items() if i not in old_by or type(old_by[i]) is not type(d)]
        self.pair_and_report(removed, added)
        self.changes.sort(key=lambda c: (c.header, c.name, c.kind, c.member or "", c.decl))
        return self.changes

    def pair_and_report(self, removed: list, added: list) -> None:
        old_names = {d.qualified_name for d in self.old.declarations}
        new_names = {d.qualified_name for d in self.new.declarations}
        groups: dict[tuple, tuple[list, list]] = defaultdict(lambda: ([], []))
        for d in removed:
            groups[(ir.decl_kind(d), d.qualified_name)][0].append(d)
        for d in added:
            groups[(ir.decl_kind(d), d.qualified_name)][1].append(d)
        for (kind, name), (gone, came) in sorted(groups.items()):
            # Ids of functions and templates encode parameters: one gone and one come under a
            # name is the same declaration changed.
            if len(gone) == 1 and len(came) == 1:
                self.compare(gone[0], came[0])
                continue
            for d in gone:
                if name in new_names:
                    self.add(K.OVERLOAD_REMOVED, d, f"overload removed: {_describe(d)}")
                else:
                    self.add(
                        K.DECL_REMOVED,
                        d,
                        f"{ir.decl_kind(d)} removed: {_describe(d)}",
                        affects=self.affected(self.old, d.id),
                    )
            for d in came:
                if name in old_names and kind in ("function", "function_template"):
                    self.add(K.OVERLOAD_ADDED, d, f"overload added: {_describe(d)}")
                else:
                    kind = "constructor" if getattr(d, "constructs", None) else ir.decl_kind(d)
                    self.add(K.DECL_ADDED, d, f"{kind} added: {_describe(d)}")

    # -- comparing one declaration -----------------------------------------------------------

    def compare(self, o, n) -> None:
        name = n.qualified_name
        self.apply([rules.AVAILABILITY], o, n, n, name)
        self.apply([rules.ARCHS], *self.archs(o, n), n, name)
        if isinstance(n, _FUNCS):
            self.function(o, n, n)
        elif isinstance(n, _RECORDS):
            self.apply(rules.RECORD, o, n, n, name)
            self.fields(o, n)
            self.apply([rules.BASES], o, n, n, name)
            self.methods(o, n)
        elif isinstance(n, ir.Enum):
            self.apply(rules.ENUM, o, n, n, name)
            self.enumerators(o, n)
        elif isinstance(n, (ir.Typedef, ir.AliasTemplate)):
            self.apply([rules.TYPEDEF], o, n, n, name)
        elif isinstance(n, (ir.Variable, ir.Macro)):
            self.apply([rules.CONSTANT], o, n, n, name)
        if hasattr(n, "template_params"):
            self.template_params(o, n)

    def archs(self, o, n) -> tuple[frozenset, frozenset]:
        """The archs that declare `o` and `n`, among those both documents were dumped for."""
        both = self._dumped[0] & self._dumped[1]
        old = {Arch.parse(a) for a in o.archs} if o.archs else self._dumped[0]
        new = {Arch.parse(a) for a in n.archs} if n.archs else self._dumped[1]
        return frozenset(old & both), frozenset(new & both)

    def function(self, o, n, owner, member_prefix: str = "") -> None:
        """Parameters, return type and qualifiers of a function or method."""
        name = member_prefix + n.name
        for i, (op, np_) in enumerate(zip(o.params, n.params, strict=False)):
            label = f"{name}: parameter {i + 1} ({np_.name or op.name or '?'})"
            self.apply(rules.PARAMETER, op, np_, owner, label, member=f"{name}#{i + 1}")
        for i in range(min(len(o.params), len(n.params)), max(len(o.params), len(n.params))):
            added = i < len(n.params)
            p = n.params[i] if added else o.params[i]
            self.add(
                K.PARAM_ADDED if added else K.PARAM_REMOVED,
                owner,
                f"{name}: parameter {p.type.spelling} {p.name} {'added' if added else 'removed'}",
                member=f"{name}#{i + 1}",
                old=None if added else rules.shown(p.type),
                new=rules.shown(p.type) if added else None,
                change_class="compatible" if added and p.has_default else "breaking",
            )
        self.apply(rules.FUNCTION, o, n, owner, name, member=name if member_prefix else None)

    def fields(self, o, n) -> None:
        old = {f.name: f for f in o.fields}
        new = {f.name: f for f in n.fields}
        q = n.qualified_name
        for fname, f in new.items():
            if fname in old:
                self.apply(rules.FIELD, old[fname], f, n, f"{q}::{fname}", member=fname)
        for added, fields, others in ((True, new, old), (False, old, new)):
            for fname, f in fields.items():
                if fname in others:
                    continue
                self.add(
                    K.FIELD_ADDED if added else K.FIELD_REMOVED,
                    n,
                    f"{q}: field {fname} {'added' if added else 'removed'}",
                    member=fname,
                    old=None if added else rules.shown(f.type),
                    new=rules.shown(f.type) if added else None,
                    affects=self.affected(self.new, n.id),
                )

    def methods(self, o, n) -> None:
        def visible(rec):
            ms = [*rec.constructors, *rec.methods, *([rec.destructor] if rec.destructor else [])]
            return {m.id: m for m in ms if m.access != "private"}

        om, nm = visible(o), visible(n)
        prefix = f"{n.name}::"
        for mid, m in nm.items():
            if mid in om:
                self.method(om[mid], m, n, prefix)
        gone = defaultdict(list)
        came = defaultdict(list)
        for mid, m in om.items():
            if mid not in nm:
                gone[m.name].append(m)
        for mid, m in nm.items():
            if mid not in om:
                came[m.name].append(m)
        for mname in sorted(set(gone) | set(came)):
            g, c = gone.get(mname, []), came.get(mname, [])
            if len(g) == 1 and len(c) == 1:
                self.method(g[0], c[0], n, prefix)
                continue
            for kind, members, what in (
                (K.METHOD_REMOVED, g, "removed"),
                (K.METHOD_ADDED, c, "added"),
            ):
                for m in members:
                    sig = _signature(m)
                    self.add(
                        kind,
                        n,
                        f"{n.qualified_name}: {sig} {what}",
                        member=m.name,
                        old=sig if kind is K.METHOD_REMOVED else None,
                        new=sig if kind is K.METHOD_ADDED else None,
                    )

    def method(self, om, nm, rec, prefix) -> None:
        before = len(self.changes)
        self.function(om, nm, rec, prefix)
        # Parameter-level findings of a method are reported as method changes.
        for i in range(before, len(self.changes)):
            c = self.changes[i]
            cls = c.change_class if c.kind != K.PARAM_RENAMED else "info"
            self.changes[i] = msgspec.structs.replace(
                c, kind=K.METHOD_CHANGED.value, change_class=cls, member=c.member or nm.name
            )
        quals = [q for q in rules.METHOD_QUALIFIERS if getattr(om, q) != getattr(nm, q)]
        if quals:
            self.add(
                K.METHOD_CHANGED,
                rec,
                f"{rec.qualified_name}::{nm.name}: "
                + ", ".join(f"{q} {getattr(om, q)} -> {getattr(nm, q)}" for q in quals),
                member=nm.name,
                old=_signature(om),
                new=_signature(nm),
            )

    def enumerators(self, o, n) -> None:
        old = {e.name: e for e in o.enumerators}
        new = {e.name: e for e in n.enumerators}
        q = n.qualified_name
        for name, e in new.items():
            if name in old:
                self.apply([rules.ENUMERATOR], old[name], e, n, f"{q}::{name}", member=name)
            else:
                added = f"{q}::{name} = {e.value} added"
                self.add(K.ENUMERATOR_ADDED, n, added, member=name, new=e.value)
        for name, e in old.items():
            if name not in new:
                self.add(K.ENUMERATOR_REMOVED, n, f"{q}::{name} removed", member=name, old=e.value)

    def template_params(self, o, n) -> None:
        op, np_ = o.template_params, n.template_params
        q = n.qualified_name
        for i, (a, b) in enumerate(zip(op, np_, strict=False)):
            label = f"{q}: template parameter {b.name or i + 1}"
            self.apply([rules.TEMPLATE_PARAMETER], a, b, n, label, member=b.name or str(i + 1))
        for b in np_[len(op) :]:
            self.add(
                K.TEMPLATE_PARAM_ADDED,
                n,
                f"{q}: template parameter {b.name} added",
                member=b.name,
                new=b.default,
                change_class="compatible" if b.default is not None or b.pack else "breaking",
            )
        for a in op[len(np_) :]:
            self.add(
                K.TEMPLATE_PARAM_REMOVED,
                n,
                f"{q}: template parameter {a.name} removed",
                member=a.name,
                old=a.default,
            )


def _describe(d) -> str:
    if isinstance(d, _FUNCS):
        return _signature(d)
    return d.qualified_name


def _members(doc: ir.APIDocument) -> Iterator[tuple[str, str]]:
    for d in doc.declarations:
        yield d.id, d.qualified_name
        if isinstance(d, _RECORDS):
            for m in (*d.constructors, *d.methods, *([d.destructor] if d.destructor else [])):
                yield m.id, f"{d.qualified_name}::{m.name}"


def _display_names(doc: ir.APIDocument) -> dict[str, str]:
    return dict(_members(doc))


def _callable_ids(doc: ir.APIDocument) -> set[str]:
    """Functions, methods and templates: what "affects N functions" counts."""
    out = set()
    for d in doc.declarations:
        if isinstance(d, (*_FUNCS, ir.ClassTemplate)):
            out.add(d.id)
        if isinstance(d, _RECORDS):
            out.update(m.id for m in (*d.constructors, *d.methods))
    return out


def diff(old: ir.APIDocument, new: ir.APIDocument) -> list[Change]:
    """Every difference between two IR documents, classified."""
    return _Differ(old, new).run()
