"""Planning free functions and free (or hidden friend) operators."""

from __future__ import annotations

from numbast import ir

from .. import names
from ..runtime import cxx
from ..runtime import tables as T
from .core import Planner, Unsupported, decl_text, referred, standard_type, value_cpp
from .templates import add_overload, names_a_specialization, slot


def plan(p: Planner, d: ir.Function, functions: dict, operators: dict, templates: dict) -> None:
    path = p.paths[d.id]
    if not p.config.selects(d.name, d.qualified_name):
        return
    why = _unbindable(p, d)
    if why:
        return p.skip(d.qualified_name, why)
    host = p.by_id.get(d.friend_of or "")
    if isinstance(host, ir.ClassTemplate) and d.operator is None:
        return _friend_of_template(p, d, host, path, templates)
    try:
        if d.constructs is not None:
            return _foreign_constructor(p, d, path)
        if d.operator is not None:
            return _free_operator(p, d, path, operators)
        if host is not None and _takes(d, host.id):  # a hidden friend: found through its argument
            callee = names.cpp_identifier(d.name, f"{path}.name")
        else:
            callee = names.cpp_qualified(d.qualified_name, f"{path}.qualified_name")
        overloads = []
        for arity in p.arities(d.params):
            parts = p.call_parts(d.qualified_name, d.params[:arity], path)
            call = f"{callee}({', '.join(parts.exprs)})"
            result, body = p.call_result(d.return_type, call, path, parts)
            shim = p.shim(f"{d.id}|{arity}", len(parts.args), body)
            decl = decl_text(d.return_type, d.qualified_name, d.params[:arity])
            where = p.where(d.location)
            overloads.append(
                T.Overload(shim, result, tuple(parts.args), decl, where, names=tuple(parts.names))
            )
    except Unsupported as exc:
        if d.operator is None and (
            names_a_specialization(p, d.return_type)
            or any(names_a_specialization(p, referred(prm.type)) for prm in d.params)
        ):
            return _typed_by_cpp(p, d, path, templates)
        return p.skip(d.qualified_name, str(exc))
    py = p.python_name(d)
    if py is None:
        return p.skip(d.qualified_name, "Python name collides with another declaration")
    have = {o.args: o for o in functions.get(py, [])}
    fresh = [o for o in overloads if o.args not in have]
    if not fresh:
        other = have[overloads[0].args].decl
        return p.skip(d.qualified_name, f"same Numba signature as `{other}`")
    functions.setdefault(py, []).extend(fresh)
    if p.config.cooperative(d.name):
        p.cooperative.update(o.shim for o in fresh)
    p.docs.setdefault(py, d.doc or "")
    p.bound.append(d.qualified_name)


def _takes(d: ir.Function, record: str) -> bool:
    """Whether a parameter of `d` is the record `record`, or a pointer or reference to it."""
    return any(
        record in (prm.type.decl, prm.type.pointee.decl if prm.type.pointee else None)
        for prm in d.params
    )


def _friend_of_template(
    p: Planner, d: ir.Function, cls: ir.ClassTemplate, path: str, templates: dict
) -> None:
    """`friend void init(barrier *, ptrdiff_t)` defined in `template <...> class barrier`: one
    function per specialization, bound as a function template over the class template's
    parameters, deduced from the specialization it takes (`init(bar, n)` with `bar` an array
    of `barrier<thread_scope_block>`), and called by its plain name (C++ finds a hidden friend
    only through its arguments)."""
    if any(tp.pack or tp.kind == "template" or not tp.name for tp in cls.template_params):
        why = "friend of a class template with a pack or unnamed parameter"
        return p.skip(d.qualified_name, why)
    tnames = {tp.name for tp in cls.template_params}
    try:
        params = tuple(
            slot(p, prm.type, tnames, f"{path}.params[{k}].type", specializations=True)
            for k, prm in enumerate(d.params)
        )
    except Unsupported as exc:
        return p.skip(d.qualified_name, str(exc))
    if not any(isinstance(s, T.SpecializationOf) and s.template == cls.id for s in params):
        return p.skip(d.qualified_name, f"friend of {cls.name} taking none of its specializations")
    try:
        result = slot(p, d.return_type, tnames, f"{path}.return_type")
    except Unsupported:
        result = T.FromCpp()
    tparams = tuple(
        T.TypeParam(tp.name, kind="type" if tp.kind == "type" else "int", cpp_default=True)
        for tp in cls.template_params
    )
    tlist = ", ".join(tp.name for tp in cls.template_params)
    decl = f"friend of template <{tlist}> {cls.qualified_name}: " + decl_text(
        d.return_type, d.name, d.params
    )
    add_overload(p, d, tparams, params, result, decl, templates, friend=True)


def _typed_by_cpp(p: Planner, d: ir.Function, path: str, templates: dict) -> None:
    """A function whose result or parameters are specializations of a class template: bound
    as a template of no parameters, its result type asked of NVRTC (the class template's
    Numba type stands for a specialization)."""
    try:
        params = tuple(
            slot(p, prm.type, set(), f"{path}.params[{k}].type") for k, prm in enumerate(d.params)
        )
    except Unsupported as exc:
        return p.skip(d.qualified_name, str(exc))
    decl = decl_text(d.return_type, d.qualified_name, d.params)
    add_overload(p, d, (), params, T.FromCpp(), decl, templates)


def _unbindable(p: Planner, d: ir.Function) -> str:
    if d.exec_space not in ("device", "host_device"):
        return f"{d.exec_space} function (not callable from a kernel)"
    if p.config.is_internal(d.name):
        return "implementation helper (config `internal`)"
    if d.deleted:
        return "deleted function"
    if d.variadic:
        return "C variadic function"
    if d.specializes is not None:
        return "explicit specialization (C++ picks it when the template is called)"
    return ""


def _foreign_constructor(p: Planner, d: ir.Function, path: str) -> None:
    """A constructor another header defines for a record (`__half(__nv_bfloat16)` in
    cuda_bf16.h): where Numba's own scalar type stands for the record, calling that type on
    the argument converts through it (`float16(b)`)."""
    target = standard_type(d.return_type.qualified)
    if not isinstance(target, T.Scalar):
        raise Unsupported(
            "constructor of a record of another header (bound with the record's own module)"
        )
    if len(d.params) != 1:
        raise Unsupported(f"constructor of Numba's {target.name} with {len(d.params)} arguments")
    parts = p.call_parts(d.qualified_name, d.params, path)
    if parts.outs or len(parts.args) != 1:
        raise Unsupported("constructor argument passed by reference")
    cpp = value_cpp(d.return_type, f"{path}.return_type")
    shim = p.shim(f"{d.id}|1", 1, cxx.construct(cpp, f"{cpp}({parts.exprs[0]})"))
    decl = decl_text(None, d.qualified_name, d.params)
    where = p.where(d.location)
    p.conversions.append(T.Conversion(shim, parts.args[0], target, d.explicit, decl, where))
    p.bound.append(d.qualified_name)
    py = p.python_name(d)  # `__half(b)` as C++ spells it: Numba's float16
    if py is not None:
        p.served_names.setdefault(py, target)


def _free_operator(p: Planner, d: ir.Function, path: str, operators: dict) -> None:
    op = d.operator
    n = len(d.params)
    parts = p.call_parts(d.qualified_name, d.params, path, 0)
    if parts.outs:
        raise Unsupported("out_return on an operator operand")
    args, exprs = tuple(parts.args), parts.exprs
    # Operators on Numba's own types (`float2 + float2`) are bound too: at import the runtime
    # keeps those numba-cuda does not implement itself.
    decl, where = decl_text(d.return_type, d.qualified_name, d.params), p.where(d.location)
    if n == 1 and op in cxx.UNARY:
        result, body = p.result(d.return_type, f"{op}({exprs[0]})", path)
        shim = p.shim(d.id, 1, body)
        operators.setdefault(cxx.UNARY[op], []).append(T.Overload(shim, result, args, decl, where))
    elif n == 2 and op in cxx.BINARY:
        if cxx.is_inplace(op):
            cpp = value_cpp(d.params[0].type, f"{path}.params[0].type")
            body = f"{cpp} tmp = {exprs[0]}; tmp {op} {exprs[1]}; " + cxx.construct(cpp, "tmp")
            shim = p.shim(d.id, 2, body)
            operators.setdefault(op, []).append(T.Overload(shim, args[0], args, decl, where))
        else:
            result, body = p.result(d.return_type, f"({exprs[0]}) {op} ({exprs[1]})", path)
            shim = p.shim(d.id, 2, body)
            operators.setdefault(op, []).append(T.Overload(shim, result, args, decl, where))
    else:
        return p.skip(d.qualified_name, f"operator{op} with {n} operands has no Python operator")
    p.bound.append(d.qualified_name)
