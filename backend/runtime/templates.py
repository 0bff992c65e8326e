"""C++ templates at typing time: function templates deduced from Numba argument types, class
templates specialized by keywords or constructor arguments; one shim per instantiation."""

from __future__ import annotations

import inspect
import re

from numba.cuda import types
from numba.cuda.cudadecl import registry as typing_registry
from numba.cuda.cudaimpl import registry as lowering_registry
from numba.cuda.extending import register_model
from numba.cuda.typing import signature
from numba.cuda.typing.templates import AbstractTemplate, AttributeTemplate

from . import cxx, tables
from .calls import bound_method, call_impl, in_cpp_order, python_operator
from .numba_types import can_convert, cpp_spelling
from .records import RecordType, load_at, spill


def _with_keywords(sig, args, kws, params=None):
    """Fold keyword arguments (template arguments) after the positional ones; `params`: the
    names of the call's parameters when some were passed by their C++ names."""
    if not kws and params is None:
        return sig
    names = list(kws)
    P = inspect.Parameter
    params = params or [f"a{i}" for i in range(len(args))]
    sig = signature(sig.return_type, *sig.args, *[kws[k] for k in names])
    return sig.replace(
        pysig=inspect.Signature(
            [P(n, P.POSITIONAL_OR_KEYWORD) for n in params]
            + [P(k, P.POSITIONAL_OR_KEYWORD) for k in names]
        )
    )


def _lower_chosen(key, chosen, bundle) -> None:
    """Lowering of calls whose shim was picked at typing time (`chosen[arg types]`)."""

    @lowering_registry.lower(key, types.VarArg(types.Any))
    def _impl(context, builder, sig, args):
        shim, n = chosen[tuple(sig.args)]
        call_sig = signature(sig.return_type, *sig.args[:n])
        return call_impl(bundle, shim)(context, builder, call_sig, args[:n])


def _ambiguous(labels, args):
    return _typing_error(f"ambiguous call: {', '.join(labels)} all match {args}")


class Templates:
    """The template registrations of one module."""

    def __init__(self, bindings):
        self.b = bindings
        self.bundle = bindings.bundle
        # C++ name of a class template + "<" -> (its table, its specialization of a spelling)
        self._named: dict[str, tuple] = {}

    def instance_named(self, spelled: str):
        """The Numba type of a specialization of a bound class template, spelled as C++
        spells it (a result type NVRTC gave), or None."""
        # C++ may spell the class template inside an inline namespace that the tables leave
        # out (CCCL's `thrust::_V_300500_SM_900::complex`, libcu++'s `cuda::std::__4::`).
        plain = (
            _INLINE_NAMESPACE.sub("::", spelled.split("<", 1)[0])
            + spelled[len(spelled.split("<", 1)[0]) :]
        )
        for prefix, (t, make) in self._named.items():
            for name in (spelled, plain):
                if name.startswith(prefix) and name.endswith(">"):
                    parts = _split_template_args(name[len(prefix) : -1])
                    return make(spelled, self._read_template_args(t, parts))
        return None

    def _read_template_args(self, t: tables.ClassTemplate, parts: list[str]) -> dict:
        """The template arguments C++ spelled (`float`, `16u`, `(Kind)2`, `true`) as the
        bindings know them, up to the first they cannot read."""
        out = {}
        for tp, text in zip(t.tparams, parts, strict=False):
            if tp.kind == "type":
                value = self.b.type_from_cpp(text)
            else:
                m = re.fullmatch(r"(?:\([^()]*\))?(-?\d+)[uUlL]*|(true|false)", text.strip())
                value = None if m is None else int(m[1]) if m[1] else int(m[2] == "true")
            if value is None:
                break
            out[tp.name] = value
        return out

    def _shim(self, key: str, body: str, nargs: int) -> str:
        name = cxx.shim_name(key)
        return self.bundle.add(name, cxx.shim_source(name, nargs, body))

    # -- function templates -------------------------------------------------------------------

    def function_template(self, key, overloads) -> None:
        """At typing time the template arguments are deduced from the Numba argument types (or
        given as keywords, `f(x, U=float64)`), an overload is chosen by arity and deduction,
        and one shim per instantiation is added to the bundle."""
        owner = self
        chosen: dict[tuple, tuple[str, int]] = {}

        class _Template(AbstractTemplate):
            def generic(self, args, kws):
                hits, errors = [], []
                for o in overloads:
                    try:
                        hit = owner._instantiate(o, args, kws)
                    except _Rejected as exc:
                        errors.append(str(exc))
                        continue
                    if hit is not None:
                        hits.append((*hit, o.decl or hit[2]))
                if len(hits) > 1:
                    raise _ambiguous([h[-1] for h in hits], args)
                if not hits:
                    if errors:
                        raise _typing_error("; ".join(errors))
                    return None
                sig, shim, _, params, template_kws, _ = hits[0]
                sig = _with_keywords(sig, params or args, template_kws, params)
                chosen[tuple(sig.args)] = (shim, len(params or args))
                return sig

        _Template.key = key
        # Non-template overloads of the same name (`tiled_partition(group, n)` next to
        # `tiled_partition<Size>(group)`) keep their typing: Numba tries both.
        earlier = [ty for value, ty in typing_registry.globals if value is key]
        templates = (*(earlier[-1].templates if earlier else ()), _Template)
        typing_registry.register_global(key, types.Function(templates))
        _lower_chosen(key, chosen, self.bundle)

    def _instantiate(self, o: tables.FunctionTemplateOverload, args, kws):
        """(signature, shim name, label) of one overload for these arguments, or None;
        _Rejected when C++ refuses the call it would make."""
        tparams = {tp.name: tp for tp in o.tparams}
        template_kws = {k: v for k, v in (kws or {}).items() if k in tparams}
        by_name = {k: v for k, v in (kws or {}).items() if k not in tparams}
        params = None  # the call's parameter names, when some are passed by name
        if by_name:  # `clamp_to(x, hi=1.0, lo=0.0)`: in the C++ order
            args = in_cpp_order(o.names, args, by_name)
            if args is None:
                return None
            params = [n or f"a{i}" for i, n in enumerate(o.names)]
        passed = [p for p in o.params if not isinstance(p, tables.OutReturn)]
        if len(args) != len(passed):
            return None
        deduced: dict[str, object] = {}
        for name, value in template_kws.items():
            tp = tparams[name]
            if tp.kind == "int":
                literal = getattr(value, "literal_value", None)
                if not isinstance(literal, int) or isinstance(literal, bool):
                    return None
                deduced[name] = literal
            else:
                deduced[name] = getattr(value, "instance_type", value)
        forwarded = set()  # parameters deduced through `T &&` from an lvalue: `T &`
        argtypes = []
        for p, a in zip(passed, args, strict=True):
            a = types.unliteral(a)
            if isinstance(p, tables.RefTo):  # `T &` written through: an array or a pointer
                if not self._ref_matches(p, a, deduced):
                    return None
                argtypes.append(a)
            elif isinstance(p, tables.ArrayOf):  # `T (&)[N]`: T from the array, N a keyword
                if not isinstance(a, types.Array) or deduced.setdefault(p.of, a.dtype) != a.dtype:
                    return None
                if p.count not in deduced:
                    raise _Rejected(
                        f"{o.callee}: give {p.count}= (the length of the array Numba does not know)"
                    )
                argtypes.append(a)
            elif isinstance(p, tables.PointerTo):  # `T *`: T from the array or pointer
                elem = _pointee(a)
                if elem is None or deduced.setdefault(p.of, elem) != elem:
                    return None
                argtypes.append(a)
            elif isinstance(p, tables.TemplateArg):
                if deduced.setdefault(p.name, a) != a:
                    return None
                if p.forwarding:
                    forwarded.add(p.name)
                argtypes.append(a)
            else:
                want = self.b.type_of(p.type)
                if can_convert(a, want) is None:
                    return None
                argtypes.append(want)
        explicit = []  # the template arguments the call spells: up to the first left to C++
        for tp in o.tparams:
            if tp.name not in deduced:
                if tp.default is not None:
                    deduced[tp.name] = self.b.type_of(tp.default)
                elif not tp.cpp_default:
                    return None
            if tp.name not in deduced or len(explicit) < o.tparams.index(tp):
                continue  # C++ supplies it (and deduces those after it from the arguments)
            explicit.append(_template_arg(tp, deduced[tp.name], tp.name in forwarded))
        if None in explicit:
            return None
        targs = explicit
        outs = []  # out_return locals: (Numba type, C++ type, name)
        for p in o.params:
            if isinstance(p, tables.OutReturn):
                found = self._out_type(p.of, deduced)
                if found is None:
                    return None
                outs.append((*found, f"o{len(outs)}"))
        call_args, out_names, k = [], iter(n for _, _, n in outs), 0
        for p in o.params:
            if isinstance(p, tables.OutReturn):
                call_args.append(next(out_names))
                continue
            a = argtypes[k]
            if isinstance(p, tables.RefTo):
                call_args.append("*" + cxx.arg(f"{cpp_spelling(_pointee(a))} *", k))
            elif isinstance(p, tables.ArrayOf):
                call_args.append(_arg_expr(_ArrayArg(cpp_spelling(a.dtype), deduced[p.count]), k))
            elif isinstance(p, tables.PointerTo):
                call_args.append(cxx.arg(f"{cpp_spelling(deduced[p.of])} *", k))
            else:
                cpp = _value_cpp(a) if isinstance(p, tables.TemplateArg) else p.cpp
                call_args.append(cxx.arg(cpp, k))
            k += 1
        label = f"{o.callee}<{', '.join(targs)}>" if targs else o.callee
        call = f"{label}({', '.join(call_args)})"
        if isinstance(o.result, tables.FromCpp):
            rtype, rcpp = self._result_from_cpp(call, len(args), label)
        elif isinstance(o.result, tables.TemplateArg):
            rtype = deduced[o.result.name]
            rcpp = cpp_spelling(rtype)
        elif isinstance(o.result, tables.PointerTo):
            rtype = types.CPointer(deduced[o.result.of])
            rcpp = f"{cpp_spelling(deduced[o.result.of])} *"
        else:
            rtype, rcpp = self.b.type_of(o.result.type), o.result.cpp
        rtype, body = _result_body(rtype, rcpp, call, outs)
        shim = self._shim(f"{o.id}|{'|'.join(targs)}|{'|'.join(call_args)}", body, len(args))
        return signature(rtype, *argtypes), shim, label, params, template_kws

    def _ref_matches(self, p: tables.RefTo, a, deduced: dict) -> bool:
        """Whether `a` (an array or a pointer) passes for the reference `p`, deducing its
        template parameter."""
        elem = _pointee(a)
        if elem is None:
            return False
        if isinstance(p.of, tables.TemplateArg):
            return deduced.setdefault(p.of.name, elem) == elem
        return elem == self.b.type_of(p.of.type)

    def _out_type(self, of, deduced: dict):
        """(Numba type, C++ type) of an out_return local, or None when its template
        parameter is neither deduced nor given."""
        if isinstance(of, tables.TemplateArg):
            found = deduced.get(of.name)
            return None if found is None else (found, cpp_spelling(found))
        return self.b.type_of(of.type), of.cpp

    def _result_from_cpp(self, call: str, nargs: int, label: str):
        """(Numba type, C++ spelling) of what `call` returns, asked of NVRTC."""
        kind, text = self.b.query_result(call, nargs)
        if kind == "error":
            raise _Rejected(f"C++ rejects {label}: {_strip_file(text)}")
        rtype = self.b.type_from_cpp(text)
        if rtype is None:
            raise _Rejected(f"{label} returns {text}, which no bound type stands for")
        return rtype, (None if rtype == types.void else cpp_spelling(rtype))

    # -- class templates ----------------------------------------------------------------------

    def class_template(self, t: tables.ClassTemplate, stub) -> None:
        """Calling `stub` in a kernel constructs a specialization: template arguments as
        keywords (`Box(T=float32, N=8)`) or deduced from the constructor's arguments
        (`Pair(a, b)`); its size and alignment come from NVRTC."""
        owner = self
        inst_cls = type(f"_{t.name}_instance", (RecordType,), {})
        from .records import OpaqueRecordModel, RefRecordModel

        register_model(inst_cls)(RefRecordModel if t.by_ref else OpaqueRecordModel)
        instances: dict[str, RecordType] = {}
        chosen: dict[tuple, tuple[str, int]] = {}

        def named(spelled: str, targs: dict) -> RecordType:
            """The specialization `spelled`, known by C++'s own spelling of it (one Numba type
            however it is spelled); shims spell it as it was first spelled (C++'s spelling
            may name inline namespaces that change with the arch, as CUB's do)."""
            size, align, canonical = owner.b.query_specialization(spelled)
            rt = instances.get(canonical)
            if rt is None:
                rt = inst_cls(spelled, spelled, size, align, t.by_ref)
                rt.template_args = targs
                instances[canonical] = rt
            elif len(targs) > len(rt.template_args):  # read back in part from C++'s spelling
                rt.template_args = targs
            return rt

        def instance(targs: dict) -> RecordType:
            return named(_spell_specialization(t, targs), targs)

        self._named[t.cpp + "<"] = (t, named)

        tnames = {tp.name for tp in t.tparams}
        ctor_names = t.constructor_names or ((),) * len(t.constructors)

        class _Ctor(AbstractTemplate):
            def generic(self, args, kws):
                template_kws = {k: v for k, v in (kws or {}).items() if k in tnames}
                by_name = {k: v for k, v in (kws or {}).items() if k not in tnames}
                targs = _explicit_template_args(t.tparams, template_kws)
                if targs is None:
                    return None
                for params, pnames in zip(t.constructors, ctor_names, strict=True):
                    call, names = args, None
                    if by_name:  # `Scaled(x, scale=2.0, T=float32)`: in the C++ order
                        call = in_cpp_order(pnames, args, by_name)
                        if call is None:
                            continue
                        names = [n or f"a{i}" for i, n in enumerate(pnames)]
                    hit = owner._match(params, call, dict(targs))
                    if hit is None:
                        continue
                    deduced, argtypes, cpps = hit
                    full = _complete_template_args(t.tparams, deduced, owner.b.type_of)
                    if full is None:
                        continue
                    rt = instance(full)
                    exprs = iter(_arg_expr(c, k) for k, c in enumerate(cpps))
                    call_args = [
                        p.expr if isinstance(p, tables.Fixed) else next(exprs) for p in params
                    ]
                    shim = owner._shim(
                        f"{t.id}|ctor|{rt.cpp}|{'|'.join(cpps)}|{'|'.join(call_args)}",
                        cxx.construct(rt.cpp, ", ".join(call_args)),
                        len(call),
                    )
                    sig = _with_keywords(signature(rt, *argtypes), call, template_kws, names)
                    chosen[tuple(sig.args)] = (shim, len(call))
                    return sig
                return None

        _Ctor.key = stub
        typing_registry.register_global(stub, types.Function(_Ctor))
        _lower_chosen(stub, chosen, self.bundle)

        fields = {f.name: f for f in t.fields}
        cpp_named = dict(t.cpp_methods)
        methods = {}
        for pyname in dict.fromkeys([*(m for m, _ in t.methods), *cpp_named]):
            key = f"{t.name}.{pyname}#{id(inst_cls)}"
            methods[pyname] = (key, dict(t.methods).get(pyname, ()), cpp_named.get(pyname))

            def lower_method(context, builder, sig, args, _key=key):
                shim = chosen[(_key, *sig.args)][0]
                return call_impl(owner.bundle, shim)(context, builder, sig, args)

            lowering_registry.lower(key, types.VarArg(types.Any))(lower_method)

        class _Members(AttributeTemplate):
            key = inst_cls

            def generic_resolve(self, typ, attr):
                field = fields.get(attr)
                if field is not None:
                    return owner._slot(field.type, typ)[0]
                hit = methods.get(attr)
                if hit is None:
                    return None
                mkey, overloads, cpp_name = hit

                def pick(context, args):
                    for o in overloads:
                        sig = owner._method_signature(t, typ, mkey, o, args, chosen)
                        if sig is not None:
                            return sig
                    if cpp_name is None:
                        return None
                    try:
                        return owner._cpp_method(t, typ, mkey, cpp_name, args, chosen)
                    except _Rejected as exc:
                        raise _typing_error(str(exc)) from None

                return bound_method(mkey, typ, pick)

        typing_registry.register_attr(_Members)

        @lowering_registry.lower_getattr_generic(inst_cls)
        def _get_field(context, builder, typ, value, attr):
            ftype = owner._slot(fields[attr].type, typ)[0]
            offset = owner.b.query_layout(typ.cpp, attr)[0]
            base = value if typ.by_ref else spill(builder, typ, value)
            return load_at(context, builder, base, offset, ftype)

        for o in t.operators:
            self._operator(inst_cls, o, chosen)

    def _method_signature(self, t, typ, mkey, o: tables.TemplateMethod, args, chosen):
        try:
            return self._method_signature_of(t, typ, mkey, o, args, chosen)
        except _LeftToCpp:
            return None  # it uses a template argument C++ chose: not callable from here

    def _method_signature_of(self, t, typ, mkey, o: tables.TemplateMethod, args, chosen):
        m = self._match(o.params, args, dict(typ.template_args))
        if m is None:
            return None
        _, argtypes, cpps = m
        rtype, rcpp = self._slot(o.result, typ)
        exprs, outs, k = [], [], 1
        for p in o.params:
            if isinstance(p, tables.Fixed):
                exprs.append(p.expr)
            elif isinstance(p, tables.OutReturn):
                ot, oc = self._slot(p.of, typ)
                outs.append((ot, oc, f"o{len(outs)}"))
                exprs.append(outs[-1][2])
            else:
                exprs.append(_arg_expr(cpps[k - 1], k))
                k += 1
        call = f"static_cast<{typ.cpp} *>(a0)->{o.name}({', '.join(exprs)})"
        rtype, body = _result_body(rtype, rcpp, call, outs)
        shim = self._shim(f"{t.id}|{o.name}|{typ.cpp}|{'|'.join(cpps)}", body, len(args) + 1)
        chosen[(mkey, typ, *argtypes)] = (shim, len(args) + 1)
        return signature(rtype, *argtypes).replace(recvr=typ)

    def _cpp_method(self, t, typ, mkey, name: str, args, chosen):
        """A call C++ resolves (a member template, a method of a base class template): the
        arguments passed as they are, the result type asked of NVRTC."""
        m = self._match([tables.Deduced()] * len(args), args, {})
        if m is None:
            return None
        _, argtypes, cpps = m
        exprs = ", ".join(_arg_expr(c, k) for k, c in enumerate(cpps, start=1))
        call = f"static_cast<{typ.cpp} *>(a0)->{name}({exprs})"
        label = f"{typ.cpp}::{name}({', '.join(cpps)})"
        rtype, rcpp = self._result_from_cpp(call, len(args) + 1, label)
        body = f"{call};" if rtype == types.void else cxx.construct(rcpp, call)
        shim = self._shim(f"{t.id}|{name}|{typ.cpp}|{'|'.join(cpps)}", body, len(args) + 1)
        chosen[(mkey, typ, *argtypes)] = (shim, len(args) + 1)
        return signature(rtype, *argtypes).replace(recvr=typ)

    def _slot(self, d, typ):
        """(Numba type, C++ spelling) of a template-aware slot for the specialization `typ`."""
        if isinstance(d, tables.SelfType):
            return typ, typ.cpp
        if isinstance(d, (tables.TemplateArg, tables.PointerTo)):
            name = d.name if isinstance(d, tables.TemplateArg) else d.of
            found = typ.template_args.get(name)
            if found is None:  # a parameter left to C++'s default: not known here
                raise _LeftToCpp(name)
            if isinstance(d, tables.PointerTo):
                return types.CPointer(found), f"{cpp_spelling(found)} *"
            return found, cpp_spelling(found)
        return self.b.type_of(d.type), d.cpp

    def _operator(self, inst_cls, o: tables.TemplateOperator, chosen: dict) -> None:
        owner = self
        fn = python_operator(o.op)
        unary = not o.params

        class _Op(AbstractTemplate):
            def generic(self, args, kws):
                if kws or not args or not isinstance(args[0], inst_cls):
                    return None
                typ = args[0]
                if len(args) != len(o.params) + 1:
                    return None
                argtypes, exprs = [typ], []
                for k, (p, a) in enumerate(zip(o.params, args[1:], strict=True), start=1):
                    want, cpp = owner._slot(p, typ)
                    if can_convert(types.unliteral(a), want) is None:
                        return None
                    argtypes.append(want)
                    exprs.append(cxx.arg(cpp, k))
                rtype, rcpp = owner._slot(o.result, typ)
                this = f"(*static_cast<{typ.cpp} *>(a0))"
                expr = f"{o.cpp}{this}" if unary else f"{this} {o.cpp} ({exprs[0]})"
                shim = owner._shim(
                    f"{typ.cpp}|operator{o.cpp}|{unary}", cxx.construct(rcpp, expr), len(argtypes)
                )
                chosen[(fn, *argtypes)] = (shim, len(argtypes))
                return signature(rtype, *argtypes)

        _Op.key = fn
        typing_registry.register_global(fn, types.Function(_Op))

        def lower_op(context, builder, sig, args):
            shim = chosen[(fn, *sig.args)][0]
            return call_impl(owner.bundle, shim)(context, builder, sig, args)

        formals = (inst_cls,) if unary else (inst_cls, types.Any)
        lowering_registry.lower(fn, *formals)(lower_op)

    def _match(self, params, args, deduced: dict):
        """Match template-aware parameters against argument types: (deduced, types, C++).
        Out parameters (out_return) and fixed arguments take no argument."""
        params = [p for p in params if not isinstance(p, (tables.OutReturn, tables.Fixed))]
        if len(params) != len(args):
            return None
        argtypes, cpps = [], []
        for p, a in zip(params, args, strict=True):
            a = types.unliteral(a)
            if isinstance(p, tables.Deduced):
                inner = cpp_spelling(a.dtype) if isinstance(a, types.Array) else None
                cpps.append(f"{inner} *" if inner else cpp_spelling(a))
                argtypes.append(a)
            elif isinstance(p, tables.ArrayOf):
                elem = deduced.get(p.of)
                count = deduced.get(p.count)
                if not isinstance(a, types.Array) or elem is None or a.dtype != elem:
                    return None
                cpps.append(_ArrayArg(cpp_spelling(elem), count))
                argtypes.append(a)
            elif isinstance(p, tables.PointerTo):
                elem = _pointee(a)
                if elem is None or deduced.setdefault(p.of, elem) != elem:
                    return None
                argtypes.append(a)
                cpps.append(f"{cpp_spelling(elem)} *")
            elif isinstance(p, tables.RefTo):  # written through: an array or a pointer
                if not self._ref_matches(p, a, deduced):
                    return None
                argtypes.append(a)
                cpps.append(_RefArg(cpp_spelling(_pointee(a))))
            elif isinstance(p, tables.TemplateArg):
                have = deduced.setdefault(p.name, a)
                if have != a and can_convert(a, have) is None:
                    return None
                argtypes.append(have)
                cpps.append(cpp_spelling(have))
            else:
                want = self.b.type_of(p.type)
                if can_convert(a, want) is None:
                    return None
                argtypes.append(want)
                cpps.append(p.cpp)
        if None in cpps:
            return None
        return deduced, argtypes, cpps


def _result_body(rtype, rcpp: str | None, call: str, outs: list):
    """(Numba result type, shim body) of `call`: its result, and the out_return locals
    `outs` [(Numba type, C++ type, name)] after it as a tuple."""
    if not outs:
        return rtype, f"{call};" if rtype == types.void else cxx.construct(rcpp, call)
    void = rtype == types.void
    body = cxx.out_return_body(None if void else rcpp, call, [(c, n) for _, c, n in outs])
    members = ([] if void else [rtype]) + [ot for ot, _, _ in outs]
    return (members[0] if len(members) == 1 else types.Tuple(members)), body


_INLINE_NAMESPACE = re.compile(r"::(?:_V_[0-9A-Za-z_]+|__v?[0-9]+)::")


def _split_template_args(text: str) -> list[str]:
    """`float, Pair<int, 2>, 3u` -> ["float", "Pair<int, 2>", "3u"] (top-level commas)."""
    parts, depth, start = [], 0, 0
    for k, ch in enumerate(text):
        if ch in "<([":
            depth += 1
        elif ch in ">)]":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:k].strip())
            start = k + 1
    parts.append(text[start:].strip())
    return [p for p in parts if p]


class _ArrayArg(str):
    """The C++ argument spelling of `T (&)[N]` passed from an array's data pointer."""

    def __new__(cls, elem: str, count):
        self = super().__new__(cls, f"{elem} (&)[{count}]")
        self.elem, self.count = elem, count
        return self


class _RefArg(str):
    """The C++ argument spelling of a reference passed as an array's or pointer's first
    element (inout_ptr / out_ptr)."""

    def __new__(cls, elem: str):
        self = super().__new__(cls, f"{elem} &")
        self.elem = elem
        return self


def _arg_expr(cpp: str, k: int) -> str:
    if isinstance(cpp, _RefArg):
        return f"**static_cast<{cpp.elem} **>(a{k})"
    if isinstance(cpp, _ArrayArg):
        e = cpp.elem
        return f"*reinterpret_cast<{e} (*)[{cpp.count}]>(*static_cast<{e} **>(a{k}))"
    return cxx.arg(cpp, k)


def _template_arg(tp: tables.TypeParam, value, forwarded: bool) -> str | None:
    """The C++ spelling of a function template's argument: an integer, a type, or `T &`
    for a type deduced through a forwarding reference from an lvalue (as C++ deduces it)."""
    if tp.kind == "int":
        return str(value)
    cpp = _value_cpp(value)
    return f"{cpp} &" if cpp is not None and forwarded else cpp


def _pointee(t):
    """The element type of what may pass as `T *`: a contiguous device or local array (its
    data pointer), a pointer."""
    if isinstance(t, types.Array) and t.layout == "C":
        return t.dtype
    if isinstance(t, types.CPointer):
        return t.dtype
    return None


def _value_cpp(t) -> str | None:
    """The C++ type a Numba value passes as: a device or local array as its data pointer
    (CUB's iterators), anything else as `cpp_spelling` says."""
    if isinstance(t, types.Array):
        inner = cpp_spelling(t.dtype)
        return f"{inner} *" if inner else None
    return cpp_spelling(t)


class _Rejected(Exception):
    """C++ refuses a call the bindings would make (the compiler's first error)."""


def _typing_error(message: str):
    from numba.cuda.core.errors import TypingError

    return TypingError(message)


def _strip_file(line: str) -> str:
    """A compiler error line without the probe's file and line."""
    return re.sub(r"^\S+\(\d+\): ", "", line)


class _LeftToCpp(Exception):
    """A template argument that C++'s default supplies, which the bindings do not know."""


def _spell_specialization(t: tables.ClassTemplate, targs: dict) -> str:
    parts = []
    for tp in t.tparams:
        if tp.name not in targs:  # left to C++'s default, as are all after it
            break
        v = targs[tp.name]
        if tp.kind == "int":
            parts.append(f"({tp.enum}){v}" if tp.enum else str(v))
        else:
            parts.append(cpp_spelling(v))
    return f"{t.cpp}<{', '.join(parts)}>"


def _explicit_template_args(tparams, kws) -> dict | None:
    """Template arguments given as keywords: types (`T=float32`) or integer literals (`N=8`)."""
    out = {}
    by_name = {tp.name: tp for tp in tparams}
    for name, value in (kws or {}).items():
        tp = by_name.get(name)
        if tp is None:
            return None
        if tp.kind == "int":
            literal = getattr(value, "literal_value", None)
            enumerators = dict(tp.enumerators)
            if isinstance(literal, str) and literal in enumerators:
                literal = enumerators[literal]  # an enum parameter given by enumerator name
            if isinstance(literal, bool) and tp.enum == "bool":
                literal = int(literal)
            if not isinstance(literal, int) or isinstance(literal, bool):
                return None
            out[name] = literal
        else:
            out[name] = getattr(value, "instance_type", value)
    return out


def _complete_template_args(tparams, deduced: dict, type_of) -> dict | None:
    """Every argument given, deduced or defaulted, up to the first parameter whose default
    only C++ knows: that one and all after it are left out (None when one of those was given:
    C++ cannot take a later argument without the earlier)."""
    full = dict(deduced)
    left_to_cpp = False
    for tp in tparams:
        if left_to_cpp:
            if tp.name in full:
                return None
        elif tp.name not in full:
            if tp.default is not None:
                full[tp.name] = tp.default if tp.kind == "int" else type_of(tp.default)
            elif getattr(tp, "cpp_default", False):
                left_to_cpp = True
            else:
                return None
    return full
