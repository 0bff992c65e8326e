"""Function templates at typing time: template arguments deduced from the Numba argument
types (or given as keywords, `f(x, U=float64)`), an overload chosen by arity and deduction,
one shim per instantiation."""

from __future__ import annotations

from numba.cuda import types
from numba.cuda.cudadecl import registry as typing_registry
from numba.cuda.cudaimpl import registry as lowering_registry
from numba.cuda.typing import signature
from numba.cuda.typing.templates import AbstractTemplate

from . import cxx, tables, targets
from .calls import in_cpp_order
from .numba_types import cpp_spelling
from .template_calls import (
    ArrayArg,
    Rejected,
    TemplateHost,
    add_shim,
    ambiguous,
    arg_expr,
    integer_argument,
    lower_chosen,
    passes_as,
    pointee,
    ref_matches,
    result_body,
    result_from_cpp,
    specialized,
    typing_error,
    value_cpp,
    with_keywords,
)


def function_template(host: TemplateHost, key, overloads) -> None:
    """Register the typing and lowering of the Python function `key` for the overloads of a
    function template."""
    chosen: dict[tuple, tuple[str, int]] = {}

    class _Template(AbstractTemplate):
        def generic(self, args, kws):
            return _pick(host, overloads, args, kws, chosen)

    _Template.key = key
    # Non-template overloads of the same name (`tiled_partition(group, n)` next to
    # `tiled_partition<Size>(group)`) keep their typing: Numba tries both.
    earlier = [ty for value, ty in typing_registry.globals if value is key]
    templates = (*(earlier[-1].templates if earlier else ()), _Template)
    typing_registry.register_global(key, types.Function(templates))
    lower_chosen(key, chosen, host.bundle)


def operator_template(host: TemplateHost, fn, overloads, classes: dict) -> None:
    """Register a Python operator `fn` for free operator templates over class templates
    (`operator+(const complex<T> &, const T &)`); `classes` maps a class template's IR id to
    the Numba type class of its specializations. Only calls with such a specialization
    among their operands reach the overloads."""
    chosen: dict[tuple, tuple[str, int]] = {}
    overloads = [o for o in overloads if _operands(o, classes) is not None]
    ours = tuple({c for o in overloads for c in _operands(o, classes) if c is not types.Any})
    if not overloads:
        return

    class _Operator(AbstractTemplate):
        def generic(self, args, kws):
            if kws or not any(isinstance(types.unliteral(a), ours) for a in args):
                return None
            return _pick(host, overloads, args, kws, chosen)

    _Operator.key = fn
    typing_registry.register_global(fn, types.Function(_Operator))

    def lower_op(context, builder, sig, args):
        from .calls import call_impl

        shim, n = chosen[tuple(sig.args)]
        return call_impl(host.bundle, shim)(context, builder, sig, args[:n])

    for formals in dict.fromkeys(_operands(o, classes) for o in overloads):
        lowering_registry.lower(fn, *formals)(lower_op)


def _operands(o: tables.FunctionTemplateOverload, classes: dict):
    """The formal Numba types of an operator template's operands: the type class of a
    class template's specializations where it takes one, Any elsewhere (None: a class
    template this module does not bind)."""
    out = []
    for p in o.params:
        if isinstance(p, tables.SpecializationOf):
            if p.template not in classes:
                return None
            out.append(classes[p.template])
        else:
            out.append(types.Any)
    return tuple(out)


def _pick(host: TemplateHost, overloads, args, kws, chosen: dict):
    """The signature of the one overload a call reaches (its shim kept in `chosen` for the
    lowering), None when none does; a TypingError when C++ refuses them or several match."""
    hits, errors = [], []
    for o in overloads:
        try:
            hit = instantiate(host, o, args, kws)
        except Rejected as exc:
            errors.append(str(exc))
            continue
        if hit is not None:
            hits.append((*hit, o.decl or hit[2], _specificity(o)))
    if len(hits) > 1:  # C++'s partial ordering, as far as the tables tell it
        best = max(h[-1] for h in hits)
        hits = [h for h in hits if h[-1] == best]
    if len(hits) > 1:
        raise ambiguous([h[-2] for h in hits], args)
    if not hits:
        if errors:
            raise typing_error("; ".join(errors))
        return None
    sig, shim, _, params, template_kws, _, _ = hits[0]
    sig = with_keywords(sig, params or args, template_kws, params)
    chosen[tuple(sig.args)] = (shim, len(params or args))
    return sig


def instantiate(host: TemplateHost, o: tables.FunctionTemplateOverload, args, kws):
    """(signature, shim name, label, parameter names, template keywords) of one overload for
    these arguments, or None; Rejected when C++ refuses the call it would make."""
    tparams = {tp.name: tp for tp in o.tparams}
    template_kws = {k: v for k, v in (kws or {}).items() if k in tparams}
    by_name = {k: v for k, v in (kws or {}).items() if k not in tparams}
    params = None  # the call's parameter names, when some are passed by name
    if by_name:  # `clamp_to(x, hi=1.0, lo=0.0)`: in the C++ order
        args = in_cpp_order(o.names, args, by_name)
        if args is None:
            return None
        params = [n or f"a{i}" for i, n in enumerate(o.names)]
    deduced = _given(template_kws, tparams)
    if deduced is None:
        return None
    found = _deduce(host, o, args, deduced)
    if found is None:
        return None
    argtypes, forwarded = found
    targs = [] if o.friend else _explicit(host, o, deduced, forwarded)
    if targs is None:
        return None
    outs = []  # out_return locals: (Numba type, C++ type, name)
    for p in o.params:
        if isinstance(p, tables.OutReturn):
            out = _out_type(host, p.of, deduced)
            if out is None:
                return None
            outs.append((*out, f"o{len(outs)}"))
    call_args = _call_args(o, argtypes, deduced, [n for _, _, n in outs])
    label = f"{o.callee}<{', '.join(targs)}>" if targs else o.callee
    targets.require(o.decl or label, o.archs, host.archs)
    call = f"{label}({', '.join(call_args)})"
    rtype, rcpp = _result(host, o, call, len(args), label, deduced)
    rtype, body = result_body(rtype, rcpp, call, outs)
    shim = add_shim(host, f"{o.id}|{'|'.join(targs)}|{'|'.join(call_args)}", body, len(args))
    return signature(rtype, *argtypes), shim, label, params, template_kws


def _given(template_kws: dict, tparams: dict) -> dict | None:
    """Template arguments given as keywords: integer literals for `int` parameters, types
    (or the types of values) for the others."""
    deduced: dict[str, object] = {}
    for name, value in template_kws.items():
        if tparams[name].kind == "int":
            literal = integer_argument(name, value)
            if literal is None:
                return None
            deduced[name] = literal
        else:
            deduced[name] = getattr(value, "instance_type", value)
    return deduced


def _deduce(host: TemplateHost, o, args, deduced: dict):
    """(argument types, parameters deduced through `T &&` from an lvalue), deducing the
    template parameters the arguments decide into `deduced`; None when they do not fit."""
    passed = [p for p in o.params if not isinstance(p, tables.OutReturn)]
    if len(args) != len(passed):
        return None
    forwarded = set()
    argtypes = []
    for p, a in zip(passed, args, strict=True):
        a = types.unliteral(a)
        if isinstance(p, tables.RefTo):  # `T &` written through: an array or a pointer
            if not ref_matches(host, p, a, deduced):
                return None
        elif isinstance(p, tables.ArrayOf):  # `T (&)[N]`: T from the array, N a keyword
            if not isinstance(a, types.Array) or deduced.setdefault(p.of, a.dtype) != a.dtype:
                return None
            if p.count not in deduced:
                raise Rejected(
                    f"{o.callee}: give {p.count}= (the length of the array Numba does not know)"
                )
        elif isinstance(p, tables.PointerTo):  # `T *`: T from the array or pointer
            elem = pointee(a)
            if elem is None or deduced.setdefault(p.of, elem) != elem:
                return None
        elif isinstance(p, tables.TemplateArg):
            if deduced.setdefault(p.name, a) != a:
                return None
            if p.forwarding:
                forwarded.add(p.name)
        elif isinstance(p, tables.SpecializationOf):
            if not _deduce_from_specialization(p, pointee(a) if p.pointer else a, deduced):
                return None
        elif isinstance(p, tables.Specialized):
            if a != specialized(host, p):
                return None
        else:
            want = host.type_of(p.type)
            if not passes_as(a, want):
                return None
            a = a if isinstance(a, types.Array) else want
        argtypes.append(a)
    return argtypes, forwarded


def _specificity(o: tables.FunctionTemplateOverload) -> tuple[int, int]:
    """C++'s partial ordering, as far as the tables tell it: more parameters that take only
    a class template's specializations (`f(const complex<T> &)` over `f(T)`), then fewer
    template parameters (`pow(complex<T>, complex<T>)` over `pow(complex<T>, complex<U>)`)."""
    return sum(isinstance(p, tables.SpecializationOf) for p in o.params), -len(o.tparams)


def _deduce_from_specialization(p: tables.SpecializationOf, a, deduced: dict) -> bool:
    """Whether `a` is a specialization of the class template `p` names, deducing the
    function template's parameters from its template arguments."""
    if getattr(a, "template_id", None) != p.template:
        return False
    for name, cls_param in zip(p.args, a.template_names, strict=False):
        if not name:
            continue
        value = a.template_args.get(cls_param)
        if value is None:  # left to C++'s default: C++ deduces it from the argument
            continue
        if deduced.setdefault(name, value) != value:
            return False
    return True


def _explicit(host: TemplateHost, o, deduced: dict, forwarded: set) -> list[str] | None:
    """The template arguments the call spells: up to the first left to C++ (defaults filled
    into `deduced`); None when one is neither deduced, given nor defaulted."""
    explicit = []
    for tp in o.tparams:
        if tp.name not in deduced:
            if tp.default is not None:
                deduced[tp.name] = host.type_of(tp.default)
            elif not tp.cpp_default:
                return None
        if tp.name not in deduced or len(explicit) < o.tparams.index(tp):
            continue  # C++ supplies it (and deduces those after it from the arguments)
        explicit.append(_template_arg(tp, deduced[tp.name], tp.name in forwarded))
    return None if None in explicit else explicit


def _call_args(o, argtypes: list, deduced: dict, out_names: list[str]) -> list[str]:
    """The shim's argument expressions, in the C++ parameter order."""
    call_args, outs, k = [], iter(out_names), 0
    for p in o.params:
        if isinstance(p, tables.OutReturn):
            call_args.append(next(outs))
            continue
        a = argtypes[k]
        if isinstance(p, tables.RefTo):
            call_args.append("*" + cxx.arg(f"{cpp_spelling(pointee(a))} *", k))
        elif isinstance(p, tables.ArrayOf):
            call_args.append(arg_expr(ArrayArg(cpp_spelling(a.dtype), deduced[p.count]), k))
        elif isinstance(p, tables.PointerTo):
            call_args.append(cxx.arg(f"{cpp_spelling(deduced[p.of])} *", k))
        else:
            if isinstance(p, (tables.TemplateArg, tables.SpecializationOf, tables.Specialized)):
                call_args.append(cxx.arg(value_cpp(a), k))
            else:
                call_args.append((cxx.moved if getattr(p, "moved", False) else cxx.arg)(p.cpp, k))
        k += 1
    return call_args


def _result(host: TemplateHost, o, call: str, nargs: int, label: str, deduced: dict):
    """(Numba type, C++ spelling) of the call's result."""
    if isinstance(o.result, tables.FromCpp):
        return result_from_cpp(host, call, nargs, label)
    if isinstance(o.result, tables.TemplateArg):
        rtype = deduced[o.result.name]
        return rtype, cpp_spelling(rtype)
    if isinstance(o.result, tables.PointerTo):
        elem = deduced[o.result.of]
        return types.CPointer(elem), f"{cpp_spelling(elem)} *"
    if isinstance(o.result, tables.Specialized):
        rtype = specialized(host, o.result)
        return rtype, rtype.cpp
    return host.type_of(o.result.type), o.result.cpp


def _out_type(host: TemplateHost, of, deduced: dict):
    """(Numba type, C++ type) of an out_return local, or None when its template
    parameter is neither deduced nor given."""
    if isinstance(of, tables.TemplateArg):
        found = deduced.get(of.name)
        return None if found is None else (found, cpp_spelling(found))
    return host.type_of(of.type), of.cpp


def _template_arg(tp: tables.TypeParam, value, forwarded: bool) -> str | None:
    """The C++ spelling of a function template's argument: an integer, a type, or `T &`
    for a type deduced through a forwarding reference from an lvalue (as C++ deduces it)."""
    if tp.kind == "int":
        return str(value)
    cpp = value_cpp(value)
    return f"{cpp} &" if cpp is not None and forwarded else cpp
