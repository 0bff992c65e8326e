"""Planning enums, typedefs, constexpr variables and literal macros."""

from __future__ import annotations

from numbast import ir

from .. import names
from ..runtime import tables as T
from .core import Planner, Unsupported, value_cpp
from .templates import names_a_specialization


def enum(p: Planner, d: ir.Enum, enums: list, constants: list) -> None:
    if not p.config.selects(d.name, d.qualified_name):
        return
    if d.anonymous:  # its enumerators are plain constants
        for e in d.enumerators:
            py = names.python_safe(e.name)
            names.python_name(py, p.paths[d.id])
            if py in p.used_names:
                p.skip(e.name, "Python name collides with another declaration")
                continue
            p.used_names[py] = e.name
            constants.append(T.Constant(py, e.value))
        p.bound.append(d.qualified_name)
        return
    py = p.python_name(d)
    if py is None:
        return p.skip(d.qualified_name, "Python name collides with another declaration")
    p.enums[d.id] = py
    if d.scoped:
        p.scoped.add(d.id)
    members, seen = [], set()
    for e in d.enumerators:
        member = names.python_safe(
            p.config.enumerator_name(e.name, f"{d.qualified_name}::{e.name}")
        )
        if not member.isidentifier() or member in seen:
            member = names.python_safe(e.name)  # renamed into a clash: keep the C++ name
        seen.add(member)
        members.append((member, e.value))
    enums.append(T.Enum(py, tuple(members), d.doc or "", d.scoped))
    p.bound.append(d.qualified_name)


def typedef(p: Planner, d: ir.Typedef, aliases: list) -> None:
    if not p.config.selects(d.name, d.qualified_name):
        return
    if p.config.is_internal(d.name):
        return p.skip(d.qualified_name, "implementation helper (config `internal`)")
    t = d.target
    export = ""
    target: T.Type | None = None
    specialization = ""
    try:
        if t.kind == "record" and t.decl in p.records:
            export = p.records[t.decl]
        elif names_a_specialization(p, t):  # a class template's Numba type stands for it
            specialization = value_cpp(t, f"{p.paths[d.id]}.target", canonical=True)
        elif t.kind == "enum" and t.decl in p.enums:
            export = p.enums[t.decl]
        else:
            target = p.type(t, allow_ref=False)
    except Unsupported as exc:
        return p.skip(d.qualified_name, str(exc))
    py = p.python_name(d)
    if py is not None and py == export:
        return None  # `typedef struct X X;`
    if py is None:
        return p.skip(d.qualified_name, "Python name collides with another declaration")
    aliases.append(T.Alias(py, export, target, specialization))
    p.bound.append(d.qualified_name)


def constant(p: Planner, d, constants: list) -> None:
    if not p.config.selects(d.name, d.qualified_name):
        return
    if _of_a_class_template(p, d):
        owner = p.by_id[d.parent].name.split("<", 1)[0]
        return p.skip(
            d.qualified_name,
            f"static member of class template {owner} (read on a specialization)",
        )
    if d.value is None:
        return p.skip(d.qualified_name, "no constant value")
    v = d.value
    try:
        if v.kind == "int":
            value: object = int(v.value)
        elif v.kind == "float":
            value = float(v.value)
        elif v.kind == "bool" and v.value in ("true", "false"):
            value = v.value == "true"
        else:
            return p.skip(d.qualified_name, f"{v.kind} constant (not usable in kernels)")
    except ValueError:
        return p.skip(d.qualified_name, f"constant value {v.value[:20]!r} is not a {v.kind}")
    py = p.python_name(d)
    if py is None:
        return p.skip(d.qualified_name, "Python name collides with another declaration")
    constants.append(T.Constant(py, value))
    p.bound.append(d.qualified_name)


def _of_a_class_template(p: Planner, d) -> bool:
    """A static data member of a class template, or of one of its specializations: its
    value depends on the template arguments, so it is no module constant."""
    parent = p.by_id.get(getattr(d, "parent", None) or "")
    return isinstance(parent, (ir.ClassTemplate, ir.ClassTemplatePartialSpecialization)) or (
        isinstance(parent, ir.Record) and parent.specializes is not None
    )
