"""Planning function templates and class templates: what the runtime needs to instantiate
them at typing time (slots of template parameters, defaults, members)."""

from __future__ import annotations

import re

import msgspec

from numbast import ir

from .. import names
from ..runtime import cxx
from ..runtime import tables as T
from .core import Planner, Unsupported, decl_text, standard_type, value_cpp

_ARRAY_REF = re.compile(r"^(const )?(?P<elem>\w+) \(&\)\[(?P<count>\w+)\]$")


def _default_type(spelling: str) -> T.Type | None:
    base = spelling.strip()
    if base in cxx.BUILTINS:
        return T.Scalar(cxx.BUILTINS[base])
    return standard_type(base)


def slot(p: Planner, t: ir.TypeRef, tparams: set[str], path: str, self_id: str | None = None):
    """A parameter or result of a template: a template parameter, the class template's own
    specialization, or a known type."""
    base = t.pointee if t.kind in ("lvalue_reference", "rvalue_reference") and t.pointee else t
    if self_id is not None and base.decl == self_id:
        if t.kind == "lvalue_reference" and not base.const:
            raise Unsupported(f"non-const reference {t.spelling}")
        return T.SelfType()
    if base.kind == "template_parameter":
        name = base.spelling.replace("const ", "").replace("volatile ", "").strip()
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
    known = p.type(t)
    if known == T.Scalar("void"):
        return T.Known(known)
    return T.Known(known, value_cpp(t, path))


def _mutable_ref(t: ir.TypeRef) -> bool:
    return t.kind == "lvalue_reference" and t.pointee is not None and not t.pointee.const


def reference_slot(p: Planner, t: ir.TypeRef, intent: str, tparams: set[str], path: str):
    """A non-const reference parameter under its intent: inout_ptr / out_ptr take an array
    or a pointer (RefTo), out_return hands the value back (OutReturn); None for `in`."""
    if intent == "in" or not _mutable_ref(t):
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
    if p.config.is_internal(d.name) or d.operator is not None or d.deleted:
        return p.skip(d.qualified_name, "operator, deleted or internal function template")
    try:
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
            array = _ARRAY_REF.match(prm.type.spelling)
            ppath = f"{path}.params[{k}].type"
            intent = p.config.intent(d.qualified_name, prm.name, k)
            if array and array["elem"] in pnames and array["count"] in int_names:
                # `T (&)[N]`: a local or device array, T its dtype, N given as a keyword.
                params.append(T.ArrayOf(array["elem"], array["count"]))
            elif (ref := reference_slot(p, prm.type, intent, pnames, ppath)) is not None:
                params.append(ref)
            else:
                params.append(slot(p, prm.type, pnames, ppath))
        params = tuple(params)
        try:
            result = slot(p, d.return_type, pnames, f"{path}.return_type")
        except Unsupported:
            # `decltype(...)`, `auto`, a class template's specialization: C++ says at typing
            # time, for the arguments of the call.
            result = T.FromCpp()
    except Unsupported as exc:
        return p.skip(d.qualified_name, str(exc))
    tlist = ", ".join(
        f"typename {tp.name}" if tp.kind == "type" else f"{cxx_type} {tp.name}"
        for tp, cxx_type in zip(
            tparams, (t.type.spelling if t.type else "" for t in named), strict=True
        )
    )
    decl = f"template <{tlist}> " + decl_text(d.return_type, d.qualified_name, d.params)
    add_overload(p, d, tuple(tparams), params, result, decl, out)


def add_overload(p: Planner, d, tparams: tuple, params: tuple, result, decl: str, out: dict):
    """Bind `d` as one overload of a function template under its Python name."""
    py = p.python_name(d)
    if py is None:
        return p.skip(d.qualified_name, "Python name collides with another declaration")
    callee = names.cpp_qualified(d.qualified_name, f"{p.paths[d.id]}.qualified_name")
    taken = {tp.name for tp in tparams}  # a keyword names a template parameter first
    pnames = tuple(
        "" if (n := names.python_parameter(prm.name)) in taken else n
        for prm, slot_ in zip(d.params, params, strict=True)
        if not isinstance(slot_, T.OutReturn)
    )
    out.setdefault(py, []).append(
        T.FunctionTemplateOverload(
            d.id, callee, tparams, params, result, decl, p.where(d.location), pnames
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
        default = _default_type(tp.default) if tp.default is not None else None
        # A default the tables cannot hold (`Op = cuda::std::plus<>`): C++ supplies it.
        return T.TypeParam(name, default, cpp_default=tp.default is not None and default is None)
    known = _known_type(p, tp.type)
    if not (isinstance(known, T.Scalar) and known.name.startswith(("int", "uint"))):
        raise Unsupported(f"non-type template parameter {tp.name} is not an integer")
    # A default (`int N = 7`, `int N = detail::width<T>`) is C++'s to supply when no keyword
    # gives the parameter.
    return T.TypeParam(name, None, kind="int", cpp_default=tp.default is not None)


def _class_tparams(p: Planner, d: ir.ClassTemplate, path: str) -> list[T.ClassTemplateParam]:
    out = []
    for k, tp in enumerate(d.template_params):
        tpath = f"{path}.template_params[{k}]"
        if tp.pack or tp.kind == "template":
            raise Unsupported(f"template parameter {tp.name} is a pack or a template")
        if not tp.name:
            if tp.default is None:
                raise Unsupported(f"template parameter {k} is unnamed")
            # `bool = is_unsigned<T>::value`: left to C++, as are all after it.
            out.append(T.ClassTemplateParam(f"_{k}", "int", None, cpp_default=True))
            continue
        name = names.cpp_identifier(tp.name, tpath)
        if tp.kind == "type":
            default = _default_type(tp.default) if tp.default is not None else None
            cpp_default = tp.default is not None and default is None  # C++ supplies it
            out.append(T.ClassTemplateParam(name, "type", default, cpp_default=cpp_default))
            continue
        enum = p.by_id.get(tp.type.decl or "") if tp.type is not None else None
        if isinstance(enum, ir.Enum):
            # An enum parameter: given as its integer value, spelled as a cast.
            values = {e.name: e.value for e in enum.enumerators}
            default = None
            if tp.default is not None:
                default = values.get(tp.default.strip().rsplit("::", 1)[-1])
            cpp = names.cpp_qualified(enum.qualified_name, tpath)
            out.append(
                T.ClassTemplateParam(
                    name,
                    "int",
                    default,
                    cpp,
                    tuple(values.items()),
                    cpp_default=tp.default is not None and default is None,
                )
            )
            continue
        known = _known_type(p, tp.type)
        if known == T.Scalar("bool"):  # given as False/True (or 0/1), spelled as a bool
            default = {"false": 0, "true": 1}.get((tp.default or "").strip())
            out.append(
                T.ClassTemplateParam(
                    name,
                    "int",
                    default,
                    "bool",
                    (("false", 0), ("true", 1)),
                    cpp_default=tp.default is not None and default is None,
                )
            )
            continue
        if not (isinstance(known, T.Scalar) and known.name.startswith(("int", "uint"))):
            raise Unsupported(f"non-type template parameter {tp.name} is not an integer or an enum")
        default = None
        if tp.default is not None:
            try:
                default = int(tp.default.rstrip("uUlL"), 0)
            except ValueError:
                default = None  # an expression (`detail::warp_threads`): C++ computes it
        out.append(
            T.ClassTemplateParam(
                name, "int", default, cpp_default=tp.default is not None and default is None
            )
        )
    return out


def _known_type(p: Planner, t) -> T.Type | None:
    if t is None:
        return None
    try:
        return p.type(t)
    except Unsupported:
        return None


def class_template(p: Planner, d: ir.ClassTemplate) -> T.ClassTemplate | None:
    """Specializations are made at typing time (`Box(T=float32)`, or deduced from constructor
    arguments), their size and alignment asked of NVRTC."""
    path = p.paths[d.id]
    if not p.config.selects(d.name, d.qualified_name):
        return None
    try:
        tparams = _class_tparams(p, d, path)
    except Unsupported as exc:
        p.skip(d.qualified_name, str(exc))
        return None
    pnames = {tp.name for tp in tparams if tp.kind == "type"}
    int_names = {tp.name for tp in tparams if tp.kind == "int"}
    ctors, ctor_names = [], []
    taken = {tp.name for tp in tparams}  # a keyword names a template parameter first
    for j, c in enumerate(d.constructors):
        if c.access != "public" or c.deleted or c.ctor_kind in ("copy", "move"):
            continue
        fixed = p.config.arguments.get(f"{d.qualified_name}::{d.name}", {})
        try:
            cpath = f"{path}.constructors[{j}]"
            ctors.append(
                tuple(
                    T.Fixed(names.cpp_expression(fixed[prm.name], f"$.arguments.{d.name}"))
                    if prm.name in fixed
                    else slot(p, prm.type, pnames, cpath)
                    for prm in c.params
                )
            )
            ctor_names.append(
                tuple(
                    "" if (n := names.python_parameter(prm.name)) in taken else n
                    for prm in c.params
                    if prm.name not in fixed
                )
            )
        except Unsupported as exc:
            p.skip(f"{d.qualified_name}::{c.name}", str(exc))
    if not d.constructors:
        ctors.append(())  # the implicit default constructor
        ctor_names.append(())
    methods: dict[str, list] = {}
    by_ref = False
    skipped: list[tuple[str, str, str]] = []  # (C++ name, label, reason)
    for j, m in enumerate(d.methods):
        if m.access != "public" or m.deleted or m.static or m.role != "method":
            continue
        label = f"{d.qualified_name}::{m.name}"
        try:
            member = _method(p, d, m, f"{path}.methods[{j}]", label, pnames, int_names)
        except Unsupported as exc:
            skipped.append((m.name, label, str(exc)))
            continue
        variants = methods.setdefault(member.name if member.name.isidentifier() else "", [])
        if any(_python_params(v) == _python_params(member) for v in variants):
            # Out parameters take no argument: `ExclusiveSum(x)` already calls the overload
            # without the aggregate.
            p.skip(label, "same Python arguments as another overload (its outputs differ)")
            continue
        variants.append(member)
        # Trailing default arguments: shorter calls, C++ fills in the rest.
        n = len(m.params)
        while (
            n
            and m.params[n - 1].has_default
            and not isinstance(member.params[n - 1], (T.Fixed, T.OutReturn))
        ):
            n -= 1
            variants.append(T.replace(member, params=member.params[:n]))
        by_ref = by_ref or not m.const
    # What the tables cannot describe (member templates, methods of base class templates)
    # C++ resolves at typing time.
    described = set(methods) - {name for name, _, _ in skipped}  # every overload in the tables
    cpp_methods = {}
    for m in _family_methods(p, d, set()):
        if (
            m.name not in described
            and m.name.isidentifier()
            and m.exec_space in ("device", "host_device")
            and not p.config.is_internal(m.name)
            and not _writes_through_reference(m)
        ):
            cpp_methods[names.python_safe(m.name)] = names.cpp_name(m.name, path)
            by_ref = by_ref or not (m.const or m.static)
    for name, label, reason in skipped:
        if names.python_safe(name) not in cpp_methods:
            p.skip(label, reason)
    operators = []
    for j, m in enumerate(d.methods):
        mpath = f"{path}.methods[{j}]"
        if m.access != "public" or m.deleted or m.role != "operator" or m.template_params:
            continue
        op = m.operator if m.params else cxx.UNARY.get(m.operator or "")
        if op is None or (m.params and (len(m.params) != 1 or op not in cxx.BINARY)):
            continue
        try:
            params = tuple(
                slot(p, prm.type, pnames, f"{mpath}.params[{k}].type", d.id)
                for k, prm in enumerate(m.params)
            )
            result = slot(p, m.return_type, pnames, f"{mpath}.return_type", d.id)
        except Unsupported as exc:
            p.skip(f"{d.qualified_name}::{m.name}", str(exc))
            continue
        operators.append(T.TemplateOperator(op, m.operator, params, result))
        by_ref = by_ref or (not m.const and cxx.is_inplace(op))
    fields = []
    for j, f in enumerate(d.fields):
        if f.access != "public" or not f.name or f.bitfield_width is not None:
            continue
        try:
            ftype = slot(p, f.type, pnames, f"{path}.fields[{j}].type")
        except Unsupported:
            continue
        fields.append(
            T.TemplateField(names.cpp_identifier(f.name, f"{path}.fields[{j}].name"), ftype)
        )
    py = p.python_name(d)
    if py is None:
        p.skip(d.qualified_name, "Python name collides with another declaration")
        return None
    p.bound.append(d.qualified_name)
    tlist = ", ".join(tp.name for tp in tparams)
    return T.ClassTemplate(
        id=d.id,
        name=py,
        cpp=names.cpp_qualified(d.qualified_name, path),
        tparams=tuple(tparams),
        constructors=tuple(ctors),
        methods=tuple((names.python_safe(k), tuple(v)) for k, v in methods.items() if k),
        operators=tuple(operators),
        fields=tuple(fields),
        by_ref=by_ref,
        doc=d.doc or "",
        decl=f"template <{tlist}> {d.tag} {d.qualified_name}",
        where=p.where(d.location),
        cpp_methods=tuple(sorted(cpp_methods.items())),
        constructor_names=tuple(ctor_names),
    )


def _family_methods(p: Planner, d, seen: set):
    """Public methods of a class template, its partial and explicit specializations and,
    through their bases, every class (template) it derives from."""
    if d.id in seen:
        return
    seen.add(d.id)
    for x in [d, *p.specializations.get(d.id, ())]:
        for m in x.methods:
            if m.access == "public" and m.role == "method" and not m.deleted:
                yield m  # static ones too: `tile.thread_rank()` calls them as C++ does
        for b in x.bases:
            base = p.by_id.get(b.type.decl or "")
            if isinstance(base, ir.RECORD_KINDS) and b.access == "public":
                yield from _family_methods(p, base, seen)


def _writes_through_reference(m: ir.Method) -> bool:
    """A parameter C++ writes through (`T &`): the call would write a copy the kernel never
    sees, so such methods are left to the config's intents."""
    return any(
        prm.type.kind == "lvalue_reference" and prm.type.pointee and not prm.type.pointee.const
        for prm in m.params
    )


def _python_params(method: T.TemplateMethod) -> tuple:
    """What a call from Python passes: the parameters less fixed and out ones."""
    return tuple(x for x in method.params if not isinstance(x, (T.Fixed, T.OutReturn)))


def _method(p: Planner, d, m: ir.Method, mpath: str, label: str, pnames, int_names):
    if m.exec_space not in ("device", "host_device"):
        raise Unsupported(f"{m.exec_space}-only method")
    fixed = p.config.arguments.get(label, {})
    member_tparams = {tp.name for tp in m.template_params or []}
    params = []
    for k, prm in enumerate(m.params):
        ppath = f"{mpath}.params[{k}].type"
        if prm.name in fixed:
            params.append(T.Fixed(names.cpp_expression(fixed[prm.name], f"$.arguments.{label}")))
            continue
        base = prm.type.pointee if prm.type.pointee is not None else prm.type
        if prm.type.kind == "template_parameter" and prm.type.spelling in member_tparams:
            # By value: C++ deduces it from what the kernel passes (a device array passes its
            # data pointer, e.g. a CUB iterator).
            params.append(T.Deduced())
            continue
        if (
            base.spelling.replace("const ", "").strip() in member_tparams
            and p.config.intent(label, prm.name, k) == "in"
        ):
            raise Unsupported(
                f"member template parameter {base.spelling} of {prm.name} "
                "(fix it in the config's [arguments], or give a reference an [intents] entry)"
            )
        array = _ARRAY_REF.match(prm.type.spelling)
        if array and array["elem"] in pnames and array["count"] in int_names:
            # `T (&)[ITEMS]`: a local or device array of exactly ITEMS elements.
            params.append(T.ArrayOf(array["elem"], array["count"]))
            continue
        intent = p.config.intent(label, prm.name, k)
        if intent != "in" and not _mutable_ref(prm.type):
            raise Unsupported(f"intent {intent} on {prm.name}, not a non-const reference")
        ref = reference_slot(p, prm.type, intent, pnames | member_tparams, ppath)
        params.append(ref if ref is not None else slot(p, prm.type, pnames, ppath))
    result = slot(p, m.return_type, pnames, f"{mpath}.return_type")
    return T.TemplateMethod(names.cpp_name(m.name, f"{mpath}.name"), tuple(params), result)
