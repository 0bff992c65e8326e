"""Planning records: the Numba type (layout or opaque), constructors, implicit conversions,
casts, field reads, methods, member operators and static methods."""

from __future__ import annotations

from numbast import ir

from .. import names
from ..runtime import cxx
from ..runtime import tables as T
from .core import Planner, Unsupported, decl_text, standard_type, value_cpp


def _sig(m: ir.Method) -> str:
    return ", ".join(p.type.spelling for p in m.params)


def declare(p: Planner, d: ir.Record) -> None:
    """Choose the records this module binds (their types exist before any member is planned)."""
    if not p.config.selects(d.name, d.qualified_name):
        return
    std = standard_type(d.qualified_name)
    if std is not None:  # exported under its C++ name too, as NVIDIA Numbast's modules do
        p.served[d.id] = std
        return None
    if d.id in p.foreign:
        return None  # bound by a module in use
    if d.anonymous:
        return p.skip(d.qualified_name, "anonymous record (reach it through its enclosing record)")
    if d.size is None or d.align is None:
        return p.skip(d.qualified_name, "incomplete record (no size known)")
    if "<" in d.name and not d.implicit:
        return p.skip(
            d.qualified_name,
            "explicit specialization (C++ picks it when the class template is specialized)",
        )
    if d.specializes is not None and d.implicit:
        return p.skip(
            d.qualified_name,
            "implicit template instantiation (bind the class template; "
            "specializations are made in kernels)",
        )
    py = p.python_name(d)
    if py is None:
        return p.skip(d.qualified_name, "Python name collides with another declaration")
    p.records[d.id] = py
    if any(
        m.access == "public"
        and not m.static
        and not m.const
        and not m.deleted
        and m.role in ("method", "operator")
        and m.operator != "="
        for m in d.methods
    ):
        p.by_ref.add(d.id)


def plan(p: Planner, d: ir.Record, functions: dict, operators: dict) -> T.Record:
    """The table of a declared record, its members included."""
    path = p.paths[d.id]
    cpp = names.cpp_qualified(d.qualified_name, f"{path}.qualified_name")
    fields = _fields(p, d)
    ctors, implicit = _constructors(p, d, cpp, path)
    casts, methods = [], {}
    for j, m in enumerate(d.methods):
        mpath = f"{path}.methods[{j}]"
        label = f"{d.qualified_name}::{m.name}"
        if m.access != "public":
            continue
        if m.deleted:
            p.skip(label, "deleted")
            continue
        if m.exec_space not in ("device", "host_device"):
            p.skip(label, f"{m.exec_space}-only method")
            continue
        try:
            if m.role == "conversion":
                target = p.type(m.return_type)
                to = value_cpp(m.return_type, mpath)
                body = cxx.construct(to, f"static_cast<{to}>(*static_cast<{cpp} *>(a0))")
                if any(c.target == target for c in casts):
                    raise Unsupported(f"same Numba type as another conversion ({to})")
                decl = f"{cpp}::operator {m.return_type.spelling}()"
                casts.append(T.Cast(p.shim(m.id, 1, body), target, m.explicit, decl))
            elif m.role == "operator":
                _member_operator(p, d, cpp, m, mpath, operators)
            else:
                if m.static:  # `Rec_name()`, and `obj.name()` as C++ allows
                    _static_method(p, d, cpp, m, mpath, functions)
                _method(p, cpp, m, mpath, label, methods)
            p.bound.append(label)
        except Unsupported as exc:
            p.skip(label, str(exc))
    p.bound.append(d.qualified_name)
    return T.Record(
        id=d.id,
        name=p.records[d.id],
        cpp=cpp,
        size=d.size,
        align=d.align,
        by_ref=d.id in p.by_ref,
        fields=tuple(fields),
        constructors=tuple(ctors),
        implicit=tuple(implicit),
        casts=tuple(casts),
        methods=tuple(
            T.Method(name, tuple(o), _method_doc(d, name)) for name, o in methods.items() if o
        ),
        doc=d.doc or "",
        decl=f"{d.tag} {cpp}",
        where=p.where(d.location),
    )


def _method_doc(d: ir.Record, name: str) -> str:
    for m in d.methods:
        if names.python_safe(m.name) == name and m.doc:
            return m.doc
    return ""


def _decl(m: ir.Method, cpp: str, arity: int | None = None) -> str:
    params = m.params if arity is None else m.params[:arity]
    ret = None if m.role in ("constructor", "conversion") else m.return_type
    return decl_text(ret, f"{cpp}::{m.name}", params, " const" if m.const else "")


def _fields(p: Planner, d: ir.Record) -> list[T.Field]:
    if d.name in p.config.opaque or d.qualified_name in p.config.opaque:
        return []
    fields = []
    for f in d.fields:
        try:
            if f.offset is None or f.bitfield_width is not None or not f.name:
                raise Unsupported("bitfield or unnamed")
            ftype = p.type(f.type, allow_ref=False)
        except Unsupported:
            return []  # an opaque model: size and alignment only
        attr = names.python_safe(f.name) if f.access == "public" else ""
        fields.append(T.Field(f.name, ftype, f.offset, attr))
    return fields


def _constructors(p: Planner, d: ir.Record, cpp: str, path: str):
    ctors, implicit = [], []
    for j, c in enumerate(d.constructors):
        if c.access != "public":
            continue
        if c.deleted or c.ctor_kind == "move":
            why = "deleted" if c.deleted else "move constructor (the copy constructor serves)"
            p.skip(f"{d.qualified_name}::{c.name}({_sig(c)})", why)
            continue
        mpath = f"{path}.constructors[{j}]"
        for arity in p.arities(c.params):
            try:
                parts = p.call_parts(f"{d.qualified_name}::{c.name}", c.params[:arity], mpath)
                if parts.outs:
                    raise Unsupported("out_return on a constructor parameter")
            except Unsupported as exc:
                p.skip(f"{d.qualified_name}::{c.name}", str(exc))
                break
            if any(o.args == tuple(parts.args) for o in ctors):
                p.skip(
                    f"{d.qualified_name}::{c.name}({_sig(c)})",
                    "same Numba signature as another constructor",
                )
                break
            body = cxx.construct(cpp, ", ".join(parts.exprs))
            shim = p.shim(f"{c.id}|{arity}", len(parts.args), body)
            ctors.append(
                T.Overload(
                    shim,
                    T.RecordRef(d.id),
                    tuple(parts.args),
                    _decl(c, cpp, arity),
                    p.where(c.location),
                    names=tuple(parts.names),
                )
            )
            if c.ctor_kind == "converting" and arity == 1 and not c.explicit:
                implicit.append(T.Implicit(shim, parts.args[0]))
    if not d.constructors and not d.abstract:
        # No constructor declared: C++'s implicit default one, value-initializing (`Rec()`:
        # an aggregate's fields zeroed), e.g. `__half2_raw()`.
        shim = p.shim(f"{d.id}|implicit-default", 0, cxx.construct(cpp, ""))
        ctors.append(
            T.Overload(
                shim, T.RecordRef(d.id), (), f"{cpp}::{d.name}() (implicit)", p.where(d.location)
            )
        )
    return ctors, implicit


def _method(p: Planner, cpp: str, m: ir.Method, mpath: str, label: str, methods: dict) -> None:
    """`obj.name(...)`: the shim's a0 is the object (unused by a static method)."""
    py = names.python_safe(m.name)
    if not (py.isidentifier() and py.isascii()):
        raise Unsupported(f"method name {m.name!r} is not a Python identifier")
    overloads = methods.setdefault(py, [])
    for arity in p.arities(m.params):
        parts = p.call_parts(label, m.params[:arity], mpath, start=1)
        callee = f"{cpp}::{m.name}" if m.static else f"static_cast<{cpp} *>(a0)->{m.name}"
        call = f"{callee}({', '.join(parts.exprs)})"
        result, body = p.call_result(m.return_type, call, mpath, parts)
        if any(o.args == tuple(parts.args) for o in overloads):
            raise Unsupported("same Numba signature as another overload")
        key = f"{m.id}|{arity}" + ("|on an object" if m.static else "")
        shim = p.shim(key, len(parts.args) + 1, body)
        overloads.append(
            T.Overload(shim, result, tuple(parts.args), _decl(m, cpp, arity), p.where(m.location))
        )


def _static_method(p: Planner, d, cpp: str, m: ir.Method, mpath: str, functions: dict) -> None:
    py = f"{p.records[d.id]}_{names.python_safe(m.name)}"
    names.python_name(py, f"{mpath}.name")
    label = f"{d.qualified_name}::{m.name}"
    for arity in p.arities(m.params):
        parts = p.call_parts(label, m.params[:arity], mpath)
        call = f"{cpp}::{m.name}({', '.join(parts.exprs)})"
        result, body = p.call_result(m.return_type, call, mpath, parts)
        shim = p.shim(f"{m.id}|{arity}", len(parts.args), body)
        functions.setdefault(py, []).append(
            T.Overload(shim, result, tuple(parts.args), _decl(m, cpp, arity), p.where(m.location))
        )


def _member_operator(p: Planner, d, cpp: str, m: ir.Method, mpath: str, operators: dict) -> None:
    op = m.operator
    me = T.RecordRef(d.id)
    this = f"(*static_cast<{cpp} *>(a0))"
    decl, where = _decl(m, cpp), p.where(m.location)
    if not m.params and op in cxx.UNARY:
        result, body = p.result(m.return_type, f"{op}{this}", mpath)
        overload = T.Overload(p.shim(m.id, 1, body), result, (me,), decl, where)
        operators.setdefault(cxx.UNARY[op], []).append(overload)
        return
    if len(m.params) != 1 or op not in cxx.BINARY:
        raise Unsupported(f"operator{op} has no Python operator")
    parts = p.call_parts(f"{d.qualified_name}::{m.name}", m.params, mpath, 1)
    if parts.outs:
        raise Unsupported("out_return on an operator operand")
    args = (me, *parts.args)
    if cxx.is_inplace(op):
        if d.id in p.by_ref:
            shim = p.shim(m.id, 2, f"{this} {op} {parts.exprs[0]};")
            operators.setdefault(op, []).append(T.Overload(shim, me, args, decl, where, True))
            return
        body = f"{cpp} tmp = {this}; tmp {op} {parts.exprs[0]}; " + cxx.construct(cpp, "tmp")
        operators.setdefault(op, []).append(
            T.Overload(p.shim(m.id, 2, body), me, args, decl, where)
        )
        return
    result, body = p.result(m.return_type, f"{this} {op} {parts.exprs[0]}", mpath)
    operators.setdefault(op, []).append(
        T.Overload(p.shim(m.id, 2, body), result, args, decl, where)
    )
