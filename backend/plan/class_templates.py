"""Planning class templates: their parameters, and for each specialization the runtime makes
at typing time, the constructors, methods (described, or left to C++), operators and fields
it binds. One function per member family."""

from __future__ import annotations

import re
from dataclasses import dataclass

from numbast import ir

from .. import names
from ..runtime import cxx
from ..runtime import tables as T
from .core import Planner, Unsupported
from .templates import ARRAY_REF, default_type, known_type, mutable_ref, reference_slot, slot


@dataclass(frozen=True)
class _Template:
    """A class template being planned: its IR, JSON path and parameters."""

    p: Planner
    d: ir.ClassTemplate
    path: str
    tparams: tuple[T.ClassTemplateParam, ...]

    @property
    def type_names(self) -> set[str]:
        return {tp.name for tp in self.tparams if tp.kind == "type"}

    @property
    def int_names(self) -> set[str]:
        return {tp.name for tp in self.tparams if tp.kind == "int"}


def class_template(p: Planner, d: ir.ClassTemplate) -> T.ClassTemplate | None:
    """Specializations are made at typing time (`Box(T=float32)`, or deduced from constructor
    arguments), their size and alignment asked of NVRTC."""
    path = p.paths[d.id]
    if not p.config.selects(d.name, d.qualified_name):
        return None
    if p.config.is_internal(d.name):
        p.skip(d.qualified_name, "implementation helper (config `internal`)")
        return None
    try:
        tparams = tuple(_class_tparams(p, d, path))
    except Unsupported as exc:
        p.skip(d.qualified_name, str(exc))
        return None
    tmpl = _Template(p, d, path, tparams)
    ctors, ctor_names = _constructors(tmpl)
    methods, cpp_methods, methods_write = _methods(tmpl)
    operators, operators_write = _operators(tmpl)
    fields = _fields(tmpl)
    statics = _statics(
        p, d, {f.name for f in fields} | {n for n, _ in methods} | dict(cpp_methods).keys()
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
        tparams=tparams,
        constructors=ctors,
        methods=methods,
        operators=operators,
        fields=fields,
        by_ref=methods_write or operators_write,
        doc=d.doc or "",
        decl=f"template <{tlist}> {d.tag} {d.qualified_name}",
        where=p.where(d.location),
        cpp_methods=cpp_methods,
        constructor_names=ctor_names,
        statics=statics,
    )


def _statics(p: Planner, d, taken) -> tuple[str, ...]:
    """The public static data members of the class template, its specializations and the
    class templates it derives from, by name (C++ picks the specialization's)."""
    found = set()
    for x in _family(p, d, set()):
        for v in p.statics.get(x.id, ()):
            name = names.python_safe(v.name)
            if v.access == "public" and v.name.isidentifier() and name not in taken:
                if not p.config.is_internal(v.name):
                    found.add(name)
    return tuple(sorted(found))


# -- parameters -----------------------------------------------------------------------------


def _class_tparams(p: Planner, d: ir.ClassTemplate, path: str) -> list[T.ClassTemplateParam]:
    out = []
    last = len(d.template_params) - 1
    for k, tp in enumerate(d.template_params):
        tpath = f"{path}.template_params[{k}]"
        if tp.pack and k == last and tp.kind != "template" and tp.name:
            # `class... Operators`: never given by keyword; a specialization is named by its
            # C++ spelling (a typedef of it: cuFFTDx's `decltype(Size<128>() + ...)`).
            name = names.cpp_identifier(tp.name, tpath)
            out.append(T.ClassTemplateParam(name, "pack", cpp_default=True))
            continue
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
            default = default_type(tp.default) if tp.default is not None else None
            cpp_default = tp.default is not None and default is None  # C++ supplies it
            out.append(T.ClassTemplateParam(name, "type", default, cpp_default=cpp_default))
        else:
            out.append(_value_tparam(p, tp, name, tpath))
    return out


def _value_tparam(p: Planner, tp: ir.TemplateParam, name: str, tpath: str):
    """A non-type parameter: an enum (given as its integer value, spelled as a cast), a bool
    (given as False/True or 0/1) or an integer."""
    enum = p.by_id.get(tp.type.decl or "") if tp.type is not None else None
    spelled = tp.default.strip() if tp.default is not None else None
    if isinstance(enum, ir.Enum):
        values = {e.name: e.value for e in enum.enumerators}
        default = values.get(spelled.rsplit("::", 1)[-1]) if spelled is not None else None
        cpp = names.cpp_qualified(enum.qualified_name, tpath)
        return T.ClassTemplateParam(
            name,
            "int",
            default,
            cpp,
            tuple(values.items()),
            cpp_default=spelled is not None and default is None,
        )
    known = known_type(p, tp.type)
    if known == T.Scalar("bool"):
        default = {"false": 0, "true": 1}.get(spelled or "")
        return T.ClassTemplateParam(
            name,
            "int",
            default,
            "bool",
            (("false", 0), ("true", 1)),
            cpp_default=spelled is not None and default is None,
        )
    if not (isinstance(known, T.Scalar) and known.name.startswith(("int", "uint"))):
        raise Unsupported(f"non-type template parameter {tp.name} is not an integer or an enum")
    default = None
    if tp.default is not None:
        try:
            default = int(tp.default.rstrip("uUlL"), 0)
        except ValueError:
            default = None  # an expression (`detail::warp_threads`): C++ computes it
    return T.ClassTemplateParam(
        name, "int", default, cpp_default=tp.default is not None and default is None
    )


# -- constructors ---------------------------------------------------------------------------


def _constructors(tmpl: _Template) -> tuple[tuple, tuple]:
    """(each public constructor's parameter slots, the C++ names a call may pass by)."""
    p, d = tmpl.p, tmpl.d
    ctors, ctor_names = [], []
    taken = {tp.name for tp in tmpl.tparams}  # a keyword names a template parameter first
    label = f"{d.qualified_name}::{d.name}"
    fixed = p.config.arguments.get(label, {})
    for j, c in enumerate(d.constructors):
        if c.access != "public" or c.deleted or c.ctor_kind in ("copy", "move"):
            continue
        try:
            cpath = f"{tmpl.path}.constructors[{j}]"
            ctors.append(
                tuple(
                    T.Fixed(names.cpp_expression(fixed[prm.name], f"$.arguments.{d.name}"))
                    if prm.name in fixed
                    else _constructor_slot(tmpl, prm, k, label, cpath)
                    for k, prm in enumerate(c.params)
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
    return tuple(ctors), tuple(ctor_names)


def _constructor_slot(tmpl: _Template, prm: ir.Param, k: int, label: str, path: str):
    """A constructor parameter's slot: a non-const reference under its [intents] entry
    (`atomic_ref(_Tp &)` with inout_ptr takes the array or pointer it refers through)."""
    intent = tmpl.p.config.intent(label, prm.name, k)
    ref = reference_slot(tmpl.p, prm.type, intent, tmpl.type_names, path)
    return ref if ref is not None else slot(tmpl.p, prm.type, tmpl.type_names, path)


# -- methods --------------------------------------------------------------------------------


def _methods(tmpl: _Template) -> tuple[tuple, tuple, bool]:
    """(the methods the tables describe, by Python name; (Python name, C++ name) of those C++
    resolves at typing time; whether one modifies the object)."""
    p, d = tmpl.p, tmpl.d
    methods: dict[str, list] = {}
    by_ref = False
    skipped: list[tuple[str, str, str]] = []  # (C++ name, label, reason)
    for j, m in enumerate(d.methods):
        if m.access != "public" or m.deleted or m.static or m.role != "method":
            continue
        label = f"{d.qualified_name}::{m.name}"
        try:
            member = _method(tmpl, m, f"{tmpl.path}.methods[{j}]", label)
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
            cpp_methods[names.python_safe(m.name)] = names.cpp_name(m.name, tmpl.path)
            by_ref = by_ref or not (m.const or m.static)
    for name, label, reason in skipped:
        if names.python_safe(name) not in cpp_methods:
            p.skip(label, reason)
    described_rows = tuple((names.python_safe(k), tuple(v)) for k, v in methods.items() if k)
    return described_rows, tuple(sorted(cpp_methods.items())), by_ref


def _method(tmpl: _Template, m: ir.Method, mpath: str, label: str) -> T.TemplateMethod:
    p, pnames = tmpl.p, tmpl.type_names
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
        array = ARRAY_REF.match(prm.type.spelling)
        if array and array["elem"] in pnames and array["count"] in tmpl.int_names:
            # `T (&)[ITEMS]`: a local or device array of exactly ITEMS elements.
            params.append(T.ArrayOf(array["elem"], array["count"]))
            continue
        intent = p.config.intent(label, prm.name, k)
        if intent != "in" and not mutable_ref(prm.type):
            raise Unsupported(f"intent {intent} on {prm.name}, not a non-const reference")
        ref = reference_slot(p, prm.type, intent, pnames | member_tparams, ppath)
        params.append(ref if ref is not None else slot(p, prm.type, pnames, ppath))
    result = slot(p, m.return_type, pnames, f"{mpath}.return_type")
    return T.TemplateMethod(names.cpp_name(m.name, f"{mpath}.name"), tuple(params), result)


def _family_methods(p: Planner, d, seen: set):
    """Public methods of a class template, its partial and explicit specializations and,
    through their bases, every class (template) it derives from."""
    for x in _family(p, d, seen):
        for m in x.methods:
            if m.access == "public" and m.role == "method" and not m.deleted:
                yield m  # static ones too: `tile.thread_rank()` calls them as C++ does


def _family(p: Planner, d, seen: set):
    """A class template, its partial and explicit specializations and, through their public
    bases, every class (template) it derives from."""
    if d.id in seen:
        return
    seen.add(d.id)
    for x in [d, *p.specializations.get(d.id, ())]:
        yield x
        for b in x.bases:
            if b.access != "public":
                continue
            base = p.by_id.get(b.type.decl or "")
            if isinstance(base, ir.RECORD_KINDS):
                yield from _family(p, base, seen)
            elif b.type.decl is None:  # chosen by the template arguments: every candidate
                for candidate in _templates_named(p, b.type):
                    yield from _family(p, candidate, seen)


_NAMED = re.compile(r"([A-Za-z_][\w:]*)\s*<")


def _templates_named(p: Planner, t: ir.Type):
    """The class templates of the document a dependent base names (`__atomic_ref_impl<_Tp>`
    is `_If<is_pointer_v<_Tp>, __atomic_ref_pointer<…>, …>`: C++ picks one of them for the
    template arguments; each call is resolved by C++, so their methods are all offered)."""
    seen = set()
    for text in (t.canonical or "", t.spelling):
        for m in _NAMED.finditer(text):
            d = p.class_templates.get(m.group(1).lstrip(":"))
            if d is not None and d.id not in seen:
                seen.add(d.id)
                yield d


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


# -- operators and fields -------------------------------------------------------------------


def _operators(tmpl: _Template) -> tuple[tuple, bool]:
    """(the member operators, whether an in-place one modifies the object)."""
    p, d = tmpl.p, tmpl.d
    operators, by_ref = [], False
    for j, m in enumerate(d.methods):
        mpath = f"{tmpl.path}.methods[{j}]"
        if m.access != "public" or m.deleted or m.role != "operator" or m.template_params:
            continue
        op = m.operator if m.params else cxx.UNARY.get(m.operator or "")
        if op is None or (m.params and (len(m.params) != 1 or op not in cxx.BINARY)):
            continue
        try:
            params = tuple(
                slot(p, prm.type, tmpl.type_names, f"{mpath}.params[{k}].type", d.id)
                for k, prm in enumerate(m.params)
            )
            result = slot(p, m.return_type, tmpl.type_names, f"{mpath}.return_type", d.id)
        except Unsupported as exc:
            p.skip(f"{d.qualified_name}::{m.name}", str(exc))
            continue
        operators.append(T.TemplateOperator(op, m.operator, params, result))
        by_ref = by_ref or (not m.const and cxx.is_inplace(op))
    return tuple(operators), by_ref


def _fields(tmpl: _Template) -> tuple:
    """The public fields whose type the tables can describe (bitfields left out)."""
    fields = []
    for j, f in enumerate(tmpl.d.fields):
        if f.access != "public" or not f.name or f.bitfield_width is not None:
            continue
        try:
            ftype = slot(tmpl.p, f.type, tmpl.type_names, f"{tmpl.path}.fields[{j}].type")
        except Unsupported:
            continue  # a dependent type: read through a method, if one returns it
        fields.append(
            T.TemplateField(names.cpp_identifier(f.name, f"{tmpl.path}.fields[{j}].name"), ftype)
        )
    return tuple(fields)
