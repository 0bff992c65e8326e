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

from .kinds import KINDS, ChangeClass


class Change(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One difference between the old and the new API."""

    kind: str  # an id of tools/diff/kinds.py
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
_SPACES = {
    "host": {"host"},
    "device": {"device"},
    "global": {"global"},
    "host_device": {"host", "device"},
}


def _t(t: ir.TypeRef | None) -> str | None:
    return None if t is None else t.canonical


def _shown(t: ir.TypeRef | None) -> str | None:
    return None if t is None else t.spelling


def _signature(f) -> str:
    params = ", ".join(p.type.spelling + (f" {p.name}" if p.name else "") for p in f.params)
    if getattr(f, "role", None) in ("constructor", "destructor", "conversion"):
        return f"{f.name}({params})"
    return f"{f.return_type.spelling} {f.name}({params})"


class _Differ:
    def __init__(self, old: ir.APIDocument, new: ir.APIDocument):
        self.old, self.new = old, new
        self.changes: list[Change] = []
        self._graphs = {id(old): ir.DependencyGraph(old), id(new): ir.DependencyGraph(new)}
        self._names = {id(old): _display_names(old), id(new): _display_names(new)}
        self._funcs = {id(old): _callable_ids(old), id(new): _callable_ids(new)}

    # -- emitting --------------------------------------------------------------------------

    def add(
        self,
        kind: str,
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
                kind=kind,
                change_class=change_class or KINDS[kind].default_class,
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

    def affected(self, doc: ir.APIDocument, ident: str) -> list[str]:
        """Functions, methods and templates that reach `ident` through the graph."""
        reach = self._graphs[id(doc)].dependents(ident) & self._funcs[id(doc)]
        names = self._names[id(doc)]
        return sorted({names.get(r, r) for r in reach})

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
                    self.add("overload.removed", d, f"overload removed: {_describe(d)}")
                else:
                    self.add(
                        "decl.removed",
                        d,
                        f"{ir.decl_kind(d)} removed: {_describe(d)}",
                        affects=self.affected(self.old, d.id),
                    )
            for d in came:
                if name in old_names and kind in ("function", "function_template"):
                    self.add("overload.added", d, f"overload added: {_describe(d)}")
                else:
                    self.add("decl.added", d, f"{ir.decl_kind(d)} added: {_describe(d)}")

    # -- comparing one declaration -----------------------------------------------------------

    def compare(self, o, n) -> None:
        self.availability(o, n)
        if isinstance(n, _FUNCS):
            self.function(o, n, n)
        elif isinstance(n, _RECORDS):
            self.record(o, n)
        elif isinstance(n, ir.Enum):
            self.enum(o, n)
        elif isinstance(n, (ir.Typedef, ir.AliasTemplate)):
            if _t(o.target) != _t(n.target):
                self.add(
                    "typedef.target_changed",
                    n,
                    f"{n.qualified_name} now names {_shown(n.target)} (was {_shown(o.target)})",
                    old=_shown(o.target),
                    new=_shown(n.target),
                    affects=self.affected(self.new, n.id),
                )
        elif isinstance(n, (ir.Variable, ir.Macro)):
            ov = o.value.value if o.value else None
            nv = n.value.value if n.value else None
            if ov != nv:
                self.add(
                    "constant.value_changed",
                    n,
                    f"{n.qualified_name} = {nv} (was {ov})",
                    old=ov,
                    new=nv,
                )
        if hasattr(n, "template_params"):
            self.template_params(o, n)

    def availability(self, o, n) -> None:
        if o.arch_guard == n.arch_guard:
            return
        cls: ChangeClass = "compatible" if n.arch_guard is None else "breaking"
        self.add(
            "availability.changed",
            n,
            f"{n.qualified_name} now under `{n.arch_guard or 'no guard'}` "
            f"(was `{o.arch_guard or 'no guard'}`)",
            old=o.arch_guard,
            new=n.arch_guard,
            change_class=cls,
        )

    def function(self, o, n, owner, member_prefix: str = "") -> None:
        """Parameters, return type and qualifiers of a function or method."""
        name = member_prefix + n.name
        for i, (op, np_) in enumerate(zip(o.params, n.params, strict=False)):
            label = f"{member_prefix}{n.name}: parameter {i + 1} ({np_.name or op.name or '?'})"
            if op.name != np_.name:
                self.add(
                    "param.renamed",
                    owner,
                    f"{label} renamed from {op.name!r}",
                    member=f"{name}#{i + 1}",
                    old=op.name,
                    new=np_.name,
                )
            if _t(op.type) != _t(np_.type):
                self.add(
                    "param.type_changed",
                    owner,
                    f"{label}: {_shown(op.type)} -> {_shown(np_.type)}",
                    member=f"{name}#{i + 1}",
                    old=_shown(op.type),
                    new=_shown(np_.type),
                )
            if op.has_default != np_.has_default:
                kind = "param.default_added" if np_.has_default else "param.default_removed"
                self.add(
                    kind,
                    owner,
                    f"{label}: default {'added' if np_.has_default else 'removed'}",
                    member=f"{name}#{i + 1}",
                    old=op.default,
                    new=np_.default,
                )
            elif op.default != np_.default and op.has_default:
                self.add(
                    "param.default_changed",
                    owner,
                    f"{label}: default {op.default} -> {np_.default}",
                    member=f"{name}#{i + 1}",
                    old=op.default,
                    new=np_.default,
                )
        for i in range(len(o.params), len(n.params)):
            p = n.params[i]
            self.add(
                "param.added",
                owner,
                f"{name}: parameter {p.type.spelling} {p.name} added",
                member=f"{name}#{i + 1}",
                new=_shown(p.type),
                change_class="compatible" if p.has_default else "breaking",
            )
        for i in range(len(n.params), len(o.params)):
            p = o.params[i]
            self.add(
                "param.removed",
                owner,
                f"{name}: parameter {p.type.spelling} {p.name} removed",
                member=f"{name}#{i + 1}",
                old=_shown(p.type),
            )
        if _t(o.return_type) != _t(n.return_type):
            self.add(
                "return.type_changed",
                owner,
                f"{name} returns {_shown(n.return_type)} (was {_shown(o.return_type)})",
                member=name if member_prefix else None,
                old=_shown(o.return_type),
                new=_shown(n.return_type),
            )
        if o.exec_space != n.exec_space:
            widened = _SPACES[o.exec_space] < _SPACES[n.exec_space]
            self.add(
                "exec_space.changed",
                owner,
                f"{name}: {o.exec_space} -> {n.exec_space}",
                member=name if member_prefix else None,
                old=o.exec_space,
                new=n.exec_space,
                change_class="compatible" if widened else "breaking",
            )
        for flag, kind, safe_when in (
            ("noexcept", "noexcept.changed", True),
            ("constexpr", "constexpr.changed", True),
            ("deleted", "deleted.changed", False),
        ):
            ov, nv = getattr(o, flag), getattr(n, flag)
            if ov != nv:
                self.add(
                    kind,
                    owner,
                    f"{name}: {flag} {'added' if nv else 'removed'}",
                    member=name if member_prefix else None,
                    old=str(ov).lower(),
                    new=str(nv).lower(),
                    change_class="compatible" if nv == safe_when else "breaking",
                )

    def record(self, o, n) -> None:
        affects = None

        def affected() -> list[str]:
            nonlocal affects
            if affects is None:
                affects = self.affected(self.new, n.id)
            return affects

        if o.tag != n.tag:
            self.add(
                "record.tag_changed",
                n,
                f"{n.qualified_name}: {o.tag} -> {n.tag}",
                old=o.tag,
                new=n.tag,
                affects=affected(),
            )
        for attr, kind in (("size", "record.size_changed"), ("align", "record.align_changed")):
            ov, nv = getattr(o, attr), getattr(n, attr)
            if ov != nv:
                self.add(
                    kind,
                    n,
                    f"{n.qualified_name}: {attr} {ov} -> {nv} bytes",
                    old=ov,
                    new=nv,
                    affects=affected(),
                )
        ofields = {f.name: f for f in o.fields}
        nfields = {f.name: f for f in n.fields}
        for fname, f in nfields.items():
            of = ofields.get(fname)
            if of is None:
                self.add(
                    "field.added",
                    n,
                    f"{n.qualified_name}: field {fname} added",
                    member=fname,
                    new=_shown(f.type),
                    affects=affected(),
                )
                continue
            if of.offset != f.offset:
                self.add(
                    "field.offset_changed",
                    n,
                    f"{n.qualified_name}::{fname}: offset {of.offset} -> {f.offset} bits",
                    member=fname,
                    old=of.offset,
                    new=f.offset,
                    affects=affected(),
                )
            if _t(of.type) != _t(f.type):
                self.add(
                    "field.type_changed",
                    n,
                    f"{n.qualified_name}::{fname}: {_shown(of.type)} -> {_shown(f.type)}",
                    member=fname,
                    old=_shown(of.type),
                    new=_shown(f.type),
                    affects=affected(),
                )
        for fname, f in ofields.items():
            if fname not in nfields:
                self.add(
                    "field.removed",
                    n,
                    f"{n.qualified_name}: field {fname} removed",
                    member=fname,
                    old=_shown(f.type),
                    affects=affected(),
                )
        obases = [_t(b.type) for b in o.bases]
        nbases = [_t(b.type) for b in n.bases]
        if obases != nbases:
            self.add(
                "base.changed",
                n,
                f"{n.qualified_name}: bases {', '.join(nbases) or 'none'} "
                f"(were {', '.join(obases) or 'none'})",
                old=", ".join(obases),
                new=", ".join(nbases),
                affects=affected(),
            )
        self.methods(o, n)

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
            for m in g:
                self.add(
                    "method.removed",
                    n,
                    f"{n.qualified_name}: {_signature(m)} removed",
                    member=m.name,
                    old=_signature(m),
                )
            for m in c:
                self.add(
                    "method.added",
                    n,
                    f"{n.qualified_name}: {_signature(m)} added",
                    member=m.name,
                    new=_signature(m),
                )

    def method(self, om, nm, rec, prefix) -> None:
        before = len(self.changes)
        self.function(om, nm, rec, prefix)
        # Parameter-level findings of a method are reported as method changes.
        for i in range(before, len(self.changes)):
            c = self.changes[i]
            cls = c.change_class if c.kind != "param.renamed" else "info"
            self.changes[i] = msgspec.structs.replace(
                c, kind="method.changed", change_class=cls, member=c.member or nm.name
            )
        quals = [
            q
            for q in ("const", "static", "virtual", "explicit", "ref_qualifier", "access")
            if getattr(om, q) != getattr(nm, q)
        ]
        if quals:
            self.add(
                "method.changed",
                rec,
                f"{rec.qualified_name}::{nm.name}: "
                + ", ".join(f"{q} {getattr(om, q)} -> {getattr(nm, q)}" for q in quals),
                member=nm.name,
                old=_signature(om),
                new=_signature(nm),
            )

    def enum(self, o, n) -> None:
        if _t(o.underlying) != _t(n.underlying):
            self.add(
                "enum.underlying_changed",
                n,
                f"{n.qualified_name}: underlying {_shown(o.underlying)} -> {_shown(n.underlying)}",
                old=_shown(o.underlying),
                new=_shown(n.underlying),
                affects=self.affected(self.new, n.id),
            )
        if o.scoped != n.scoped:
            self.add(
                "enum.scoped_changed",
                n,
                f"{n.qualified_name}: {'scoped' if n.scoped else 'unscoped'} now",
                old=str(o.scoped).lower(),
                new=str(n.scoped).lower(),
            )
        ov = {e.name: e.value for e in o.enumerators}
        nv = {e.name: e.value for e in n.enumerators}
        for name, value in nv.items():
            if name not in ov:
                self.add(
                    "enumerator.added",
                    n,
                    f"{n.qualified_name}::{name} = {value} added",
                    member=name,
                    new=value,
                )
            elif ov[name] != value:
                self.add(
                    "enumerator.value_changed",
                    n,
                    f"{n.qualified_name}::{name}: {ov[name]} -> {value}",
                    member=name,
                    old=ov[name],
                    new=value,
                )
        for name, value in ov.items():
            if name not in nv:
                self.add(
                    "enumerator.removed",
                    n,
                    f"{n.qualified_name}::{name} removed",
                    member=name,
                    old=value,
                )

    def template_params(self, o, n) -> None:
        op, np_ = o.template_params, n.template_params
        for i, (a, b) in enumerate(zip(op, np_, strict=False)):
            if a.default != b.default:
                self.add(
                    "template_param.default_changed",
                    n,
                    f"{n.qualified_name}: template parameter {b.name or i + 1} default "
                    f"{a.default} -> {b.default}",
                    member=b.name or str(i + 1),
                    old=a.default,
                    new=b.default,
                )
        for b in np_[len(op) :]:
            self.add(
                "template_param.added",
                n,
                f"{n.qualified_name}: template parameter {b.name} added",
                member=b.name,
                new=b.default,
                change_class="compatible" if b.default is not None or b.pack else "breaking",
            )
        for a in op[len(np_) :]:
            self.add(
                "template_param.removed",
                n,
                f"{n.qualified_name}: template parameter {a.name} removed",
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
