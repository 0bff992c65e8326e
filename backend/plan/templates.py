"""Planning function templates, and the slots every template's parameters and results are
described by (a template parameter, the class template itself, a known type, a reference
under its intent). Class templates are planned in `class_templates`."""

from __future__ import annotations

import re

import msgspec

from numbast import ir

from .. import names
from ..runtime import cxx
from ..runtime import tables as T
from .core import Planner, Unsupported, decl_text, referred, standard_type, value_cpp

ARRAY_REF = re.compile(r"^(const )?(?P<elem>\w+) \(&\)\[(?P<count>\w+)\]$")


def default_type(spelling: str) -> T.Type | None:
    base = spelling.strip()
    if base in cxx.BUILTINS:
        return T.Scalar(cxx.BUILTINS[base])
    return standard_type(base)


def slot(
    p: Planner,
    t: ir.TypeRef,
    tparams: set[str],
    path: str,
    self_id: str | None = None,
    specializations: bool = False,
):
    """A parameter or result of a template: a template parameter, the class template's own
    specialization, (with `specializations`) a specialization of one of the IR's class
    templates, or a known type."""
    base = referred(t)
    if specializations and (found := _specialization_of(p, t, base, tparams)) is not None:
        return found
    if self_id is not None and base.decl == self_id:
        if t.kind == "lvalue_reference" and not base.const:
            raise Unsupported(f"non-const reference {t.spelling}")
        return T.SelfType()
    if base.kind == "template_parameter":
        name = _parameter_named(p, base)
        if name not in tparams:
            raise Unsupported(f"type {t.spelling} names no template parameter")
        if t.kind == "lvalue_reference" and not base.const:
            raise Unsupported(
                f"non-const reference {t.spelling} to a template parameter "
                "(set its [intents] entry to inout_ptr, out_ptr or out_return)"
            )
        return T.TemplateArg(name, forwarding=t.kind == "rvalue_reference" and not base.const)
    if t.kind == "pointer" and t.pointee is not None and t.pointee.kind == "template_parameter":
        name = t.pointee.spelling.replace("const ", "").replace("volatile ", "").strip()
        if name in tparams:
            return T.PointerTo(name)  # an array or a pointer; T its element type
    if base.kind == "dependent":
        raise Unsupported(f"dependent type {t.spelling} (not resolvable before instantiation)")
    if names_a_specialization(p, base):
        if t.kind == "rvalue_reference":
            raise Unsupported(f"rvalue reference {t.spelling} to a specialization")
        return T.Specialized(value_cpp(t, path, canonical=True))
    known = p.type(t)
    if known == T.Scalar("void"):
        return T.Known(known)
    return T.Known(known, value_cpp(t, path), moved=t.kind == "rvalue_reference")


def names_a_specialization(p: Planner, t: ir.TypeRef) -> bool:
    """Whether `t` is a specialization of one of the IR's class templates that no record
    binds (`thread_block_tile<1, void>`, `barrier<thread_scope_block>`, an explicit
    specialization): the class template's Numba types stand for those."""
    if t.kind != "record" or (t.decl or "") in p.records:
        return False
    for text in (t.qualified, t.canonical):
        cls = p.class_templates.get(text.split("<", 1)[0].strip().lstrip(":"))
        if "<" in text and cls is not None:  # and the module binds it
            return p.config.selects(cls.name, cls.qualified_name) and not p.config.is_internal(
                cls.name
            )
    return False


def _specialization_of(p: Planner, t: ir.TypeRef, base: ir.TypeRef, tparams: set[str]):
    """`const complex<_Tp> &` of a function template: a specialization of the IR's class
    template `complex` whose arguments name the function template's parameters; or
    `barrier<_Sco, _CompletionF> *`, an array or pointer of such a specialization."""
    pointer = t.kind == "pointer" and t.pointee is not None
    if pointer:
        base = t.pointee
    if base.kind != "dependent" or not isinstance(p.by_id.get(base.decl or ""), ir.ClassTemplate):
        return None
    if t.kind == "lvalue_reference" and not base.const:
        raise Unsupported(f"non-const reference {t.spelling}")
    if t.kind == "rvalue_reference":  # the shim passes Numba's values as lvalues
        raise Unsupported(f"rvalue reference {t.spelling} (C++ picks the `const &` overload)")
    text = base.qualified.replace("const ", "").replace("volatile ", "").strip()
    if "<" not in text or not text.endswith(">"):
        return None
    args = cxx.split_template_args(text[text.index("<") + 1 : -1])
    cls = p.by_id[base.decl]
    if len(args) > len(cls.template_params) or not set(args) & tparams:
        return None
    return T.SpecializationOf(
        base.decl, tuple(a if a in tparams else "" for a in args), pointer=pointer
    )


def _parameter_named(p: Planner, t: ir.TypeRef) -> str:
    """The template parameter a type names: itself (`_Tp`), or the one a member typedef
    stands for (`value_type` of `complex<_Tp>`: `typedef _Tp value_type;`)."""
    name = t.spelling.replace("const ", "").replace("volatile ", "").strip()
    alias = p.by_id.get(t.typedef or "")
    if isinstance(alias, ir.Typedef) and alias.target.kind == "template_parameter":
        return alias.target.spelling.replace("const ", "").replace("volatile ", "").strip()
    return name


def mutable_ref(t: ir.TypeRef) -> bool:
    return t.kind == "lvalue_reference" and t.pointee is not None and not t.pointee.const


def reference_slot(p: Planner, t: ir.TypeRef, intent: str, tparams: set[str], path: str):
    """A non-const reference parameter under its intent: inout_ptr / out_ptr take an array
    or a pointer (RefTo), out_return hands the value back (OutReturn); None for `in`."""
    if intent == "in" or not mutable_ref(t):
        return None
    inner = msgspec.structs.replace(t.pointee, const=True)
    of = slot(p, inner, tparams, path)
    if not isinstance(of, (T.Known, T.TemplateArg)):
        raise Unsupported(f"intent {intent} on {t.spelling}")
    return T.OutReturn(of) if intent == "out_return" else T.RefTo(of)


def function_template(p: Planner, d: ir.FunctionTemplate, out: dict) -> None:
    """Deduced at typing time from the Numba argument types (or given as keywords), one shim
    per instantiation, C++ choosing specializations."""
    path = p.paths[d.id]
    if not p.config.selects(d.name, d.qualified_name):
        return
    if d.exec_space not in ("device", "host_device"):
        return p.skip(d.qualified_name, f"{d.exec_space} function template")
    if p.config.is_internal(d.name) or d.deleted:
        return p.skip(d.qualified_name, "deleted or internal function template")
    if d.operator is not None:
        return _operator_template(p, d, path)
    try:
        tparams, params, result, decl = _overload_parts(p, d, path)
    except Unsupported as exc:
        return p.skip(d.qualified_name, str(exc))
    add_overload(p, d, tuple(tparams), params, result, decl, out)


def _operator_template(p: Planner, d: ir.FunctionTemplate, path: str) -> None:
    """`template <class T> complex<T> operator+(const complex<T> &, const T &)`: a Python
    operator on the specializations of the module's class template it takes, its template
    arguments deduced as for function templates."""
    n, op = len(d.params), d.operator
    key = cxx.UNARY.get(op) if n == 1 else op if n == 2 and op in cxx.BINARY else None
    if key is None or cxx.is_inplace(op):
        return p.skip(d.qualified_name, f"operator{op} template with {n} operands")
    try:
        tparams, params, result, decl = _overload_parts(p, d, path)
    except Unsupported as exc:
        return p.skip(d.qualified_name, str(exc))
    if not any(isinstance(s, T.SpecializationOf) for s in params):
        return p.skip(d.qualified_name, f"operator{op} template over none of the class templates")
    callee = names.cpp_qualified(d.qualified_name, f"{path}.qualified_name")
    overload = T.FunctionTemplateOverload(
        d.id, callee, tuple(tparams), params, result, decl, p.where(d.location)
    )
    p.operator_templates.setdefault(key, []).append(overload)
    p.bound.append(d.qualified_name)


def _overload_parts(p: Planner, d: ir.FunctionTemplate, path: str):
    """(template parameters, parameter slots, result slot, C++ declaration) of a function
    template; Unsupported says why it cannot be bound."""
    named = list(d.template_params)
    while named and not named[-1].name and named[-1].default is not None:
        named.pop()  # `typename = enable_if_t<...>`: C++ supplies it
    tparams = [
        _function_tparam(p, tp, f"{path}.template_params[{k}]") for k, tp in enumerate(named)
    ]
    pnames = {tp.name for tp in tparams if tp.kind == "type"}
    int_names = {tp.name for tp in tparams if tp.kind == "int"}
    params = []
    for k, prm in enumerate(d.params):
        array = ARRAY_REF.match(prm.type.spelling)
        ppath = f"{path}.params[{k}].type"
        intent = p.config.intent(d.qualified_name, prm.name, k)
        if array and array["elem"] in pnames and array["count"] in int_names:
            # `T (&)[N]`: a local or device array, T its dtype, N given as a keyword.
            params.append(T.ArrayOf(array["elem"], array["count"]))
        elif (ref := reference_slot(p, prm.type, intent, pnames, ppath)) is not None:
            params.append(ref)
        else:
            params.append(slot(p, prm.type, pnames, ppath, specializations=True))
    params = tuple(params)
    try:
        result = slot(p, d.return_type, pnames, f"{path}.return_type")
    except Unsupported:
        # `decltype(...)`, `auto`, a class template's specialization: C++ says at typing
        # time, for the arguments of the call.
        result = T.FromCpp()
    tlist = ", ".join(
        f"typename {tp.name}" if tp.kind == "type" else f"{cxx_type} {tp.name}"
        for tp, cxx_type in zip(
            tparams, (t.type.spelling if t.type else "" for t in named), strict=True
        )
    )
    decl = f"template <{tlist}> " + decl_text(d.return_type, d.qualified_name, d.params)
    return tparams, params, result, decl


def add_overload(
    p: Planner, d, tparams: tuple, params: tuple, result, decl: str, out: dict, friend=False
):
    """Bind `d` as one overload of a function template under its Python name (a hidden
    `friend` called by its plain name)."""
    py = p.python_name(d)
    if py is None:
        return p.skip(d.qualified_name, "Python name collides with another declaration")
    if friend:
        callee = names.cpp_identifier(d.name, f"{p.paths[d.id]}.name")
    else:
        callee = names.cpp_qualified(d.qualified_name, f"{p.paths[d.id]}.qualified_name")
    taken = {tp.name for tp in tparams}  # a keyword names a template parameter first
    pnames = tuple(
        "" if (n := names.python_parameter(prm.name)) in taken else n
        for prm, slot_ in zip(d.params, params, strict=True)
        if not isinstance(slot_, T.OutReturn)
    )
    out.setdefault(py, []).append(
        T.FunctionTemplateOverload(
            d.id, callee, tparams, params, result, decl, p.where(d.location), pnames, friend=friend
        )
    )
    p.docs.setdefault(py, d.doc or "")
    p.bound.append(d.qualified_name)


def _function_tparam(p: Planner, tp: ir.TemplateParam, path: str):
    """A function template's parameter: a type, or an integer given as a keyword."""
    if tp.pack or tp.kind == "template" or not tp.name:
        raise Unsupported(
            f"template parameter {tp.name or '(unnamed)'} is a pack, a template or unnamed"
        )
    name = names.cpp_identifier(tp.name, path)
    if tp.kind == "type":
        default = default_type(tp.default) if tp.default is not None else None
        # A default the tables cannot hold (`Op = cuda::std::plus<>`): C++ supplies it.
        return T.TypeParam(name, default, cpp_default=tp.default is not None and default is None)
    known = known_type(p, tp.type)
    integral = isinstance(known, T.Scalar) and known.name.startswith(("int", "uint", "bool"))
    if not integral and tp.default is None:
        raise Unsupported(f"non-type template parameter {tp.name} is not an integer")
    # A default (`int N = 7`, `int N = detail::width<T>`) is C++'s to supply when no keyword
    # gives the parameter.
    return T.TypeParam(name, None, kind="int", cpp_default=tp.default is not None)


def known_type(p: Planner, t) -> T.Type | None:
    if t is None:
        return None
    try:
        return p.type(t)
    except Unsupported:
        return None
