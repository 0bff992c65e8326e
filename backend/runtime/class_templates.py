"""Class templates at typing time: calling the stub in a kernel constructs a specialization
(template arguments as keywords, `Box(T=float32, N=8)`, or deduced from the constructor's
arguments, `Pair(a, b)`), its size and alignment asked of NVRTC; its fields, methods and
operators typed for each specialization."""

from __future__ import annotations

import enum
import re

from numba.cuda import types
from numba.cuda.cudadecl import registry as typing_registry
from numba.cuda.cudaimpl import registry as lowering_registry
from numba.cuda.extending import register_model
from numba.cuda.typing import signature
from numba.cuda.typing.templates import AbstractTemplate, AttributeTemplate

from . import cxx, tables, targets
from .calls import RecordClass, bound_method, call_impl, in_cpp_order, python_operator
from .numba_types import can_convert, cpp_spelling
from .records import OpaqueRecordModel, RecordType, RefRecordModel, load_at, spill
from .template_calls import (
    LeftToCpp,
    Rejected,
    TemplateHost,
    add_shim,
    arg_expr,
    integer_argument,
    lower_chosen,
    match,
    result_body,
    result_from_cpp,
    specialized,
    typing_error,
    with_keywords,
)


class ClassTemplateBinding:
    """The bindings of one class template: the Numba type of each specialization (one per
    C++ spelling of it), and the typing and lowering of its constructors, fields, methods and
    operators. Shims picked at typing time are kept in `chosen` for the lowering."""

    def __init__(self, host: TemplateHost, t: tables.ClassTemplate):
        self.host, self.t = host, t
        self.inst_cls = type(f"_{t.name}_instance", (RecordType,), {})
        register_model(self.inst_cls)(RefRecordModel if t.by_ref else OpaqueRecordModel)
        self.instances: dict[str, RecordType] = {}  # C++'s canonical spelling -> type
        self.chosen: dict[tuple, tuple[str, int]] = {}

    def bind(self, stub) -> None:
        binding = self

        def specialize(**template_args):
            return binding.specialization_class(stub, template_args)

        specialize.__doc__ = (
            f"The Python class of a specialization of {self.t.cpp}, template arguments as "
            "keywords: a dtype for `cuda.local.array` and `cuda.shared.array`."
        )
        stub.specialize = staticmethod(specialize)
        self._constructors(stub)
        self._members()
        for o in self.t.operators:
            self._operator(o)

    # -- specializations ----------------------------------------------------------------------

    def named(self, spelled: str, targs: dict) -> RecordType:
        """The specialization `spelled`, known by C++'s own spelling of it (one Numba type
        however it is spelled); shims spell it as it was first spelled (C++'s spelling may
        name inline namespaces that change with the arch, as CUB's do)."""
        size, align, canonical = self.host.query_specialization(spelled)
        rt = self.instances.get(canonical)
        if rt is None:
            rt = self.inst_cls(spelled, spelled, size, align, self.t.by_ref)
            rt.template_args = targs
            # What a function template's `const Tmpl<T> &` deduces T from.
            rt.template_id = self.t.id
            rt.template_names = tuple(tp.name for tp in self.t.tparams)
            self.instances[canonical] = rt
        elif len(targs) > len(rt.template_args):  # read back in part from C++'s spelling
            rt.template_args = targs
        return rt

    def instance(self, targs: dict) -> RecordType:
        return self.named(_spell_specialization(self.t, targs), targs)

    def specialization_class(self, stub, given: dict):
        """The Python class standing for one specialization outside kernels (`Bar =
        barrier.specialize(_Sco="thread_scope_block")`, then `cuda.shared.array(1, Bar)`):
        the template arguments as a kernel gives them, each missing one defaulted."""
        t = self.t
        names = [tp.name for tp in t.tparams]
        unknown = [k for k in given if k not in names]
        if unknown:
            raise TypeError(
                f"{t.name}.specialize: {unknown[0]} is not a template parameter of {t.cpp} "
                f"({', '.join(names)})"
            )
        targs = _explicit_template_args(t.tparams, {k: _as_typed(v) for k, v in given.items()})
        if targs is not None:
            targs = _complete_template_args(t.tparams, targs, self.host.type_of)
        if targs is None:
            raise TypeError(
                f"{t.name}.specialize({', '.join(f'{k}={v!r}' for k, v in given.items())}): "
                f"give each of {', '.join(names)} without a default, types as Numba types "
                "(float32) and integers or enumerator names as Python values"
            )
        from numba.core.errors import TypingError

        try:
            rt = self.instance(targs)
        except (Rejected, TypingError) as exc:
            raise TypeError(f"{t.name}.specialize: {exc}") from None
        cls = getattr(rt, "python_class", None)
        if cls is None:
            doc = f"C++ `{rt.cpp}` for @cuda.jit code (a specialization of {t.cpp})."
            cls = specialization_class(
                {t.id: self}, stub.__name__, stub.__module__, doc, lambda: rt, self.host.bundle
            )
            cls._numba_type_ = rt
            cls.__qualname__ = f"{stub.__name__}[{rt.cpp}]"
            rt.python_class = cls
        return cls

    def read_template_args(self, parts: list[str]) -> dict:
        """The template arguments C++ spelled (`float`, `16u`, `(Kind)2`, `true`) as the
        bindings know them, up to the first they cannot read."""
        out = {}
        for tp, text in zip(self.t.tparams, parts, strict=False):
            if tp.kind == "pack":
                break
            if tp.kind == "type":
                value = self.host.type_from_cpp(text)
            else:
                m = re.fullmatch(r"(?:\([^()]*\))?(-?\d+)[uUlL]*|(true|false)", text.strip())
                value = None if m is None else int(m[1]) if m[1] else int(m[2] == "true")
            if value is None:
                break
            out[tp.name] = value
        return out

    # -- constructors -------------------------------------------------------------------------

    def _constructors(self, stub) -> None:
        binding = self

        class _Ctor(AbstractTemplate):
            def generic(self, args, kws):
                return binding._construct(args, kws)

        _Ctor.key = stub
        typing_registry.register_global(stub, types.Function(_Ctor))
        lower_chosen(stub, self.chosen, self.host.bundle)

    def _construct(self, args, kws, fixed: RecordType | None = None, chosen=None):
        """The signature of the first constructor the arguments fit (its shim chosen, in
        `chosen` when given); `fixed`: the specialization constructed (no template keywords)."""
        t = self.t
        tnames = set() if fixed is not None else {tp.name for tp in t.tparams}
        template_kws = {k: v for k, v in (kws or {}).items() if k in tnames}
        by_name = {k: v for k, v in (kws or {}).items() if k not in tnames}
        targs = (
            dict(fixed.template_args)
            if fixed is not None
            else _explicit_template_args(t.tparams, template_kws)
        )
        if targs is None:
            return None
        targets.require(t.decl or t.cpp, t.archs, self.host.archs)
        for params, pnames in t.constructor_calls():
            call, names = args, None
            if by_name:  # `Scaled(x, scale=2.0, T=float32)`: in the C++ order
                call = in_cpp_order(pnames, args, by_name)
                if call is None:
                    continue
                names = [n or f"a{i}" for i, n in enumerate(pnames)]
            hit = match(self.host, params, call, dict(targs))
            if hit is None:
                continue
            deduced, argtypes, cpps = hit
            if fixed is not None:
                rt = fixed
            else:
                full = _complete_template_args(t.tparams, deduced, self.host.type_of)
                if full is None:
                    continue
                rt = self.instance(full)
            exprs = iter(arg_expr(c, k) for k, c in enumerate(cpps))
            call_args = [p.expr if isinstance(p, tables.Fixed) else next(exprs) for p in params]
            shim = add_shim(
                self.host,
                f"{t.id}|ctor|{rt.cpp}|{'|'.join(cpps)}|{'|'.join(call_args)}",
                cxx.construct(rt.cpp, ", ".join(call_args)),
                len(call),
            )
            sig = with_keywords(signature(rt, *argtypes), call, template_kws, names)
            (self.chosen if chosen is None else chosen)[tuple(sig.args)] = (shim, len(call))
            return sig
        return None

    # -- fields and methods -------------------------------------------------------------------

    def _members(self) -> None:
        binding, t = self, self.t
        fields = {f.name: f for f in t.fields}
        statics = set(t.statics)
        methods = {}
        for pyname, overloads, cpp_name in t.method_groups():
            key = f"{t.name}.{pyname}#{id(self.inst_cls)}"
            methods[pyname] = (key, overloads, cpp_name)

            def lower_method(context, builder, sig, args, _key=key):
                shim = binding.chosen[(_key, *sig.args)][0]
                return call_impl(binding.host.bundle, shim)(context, builder, sig, args)

            lowering_registry.lower(key, types.VarArg(types.Any))(lower_method)

        class _Members(AttributeTemplate):
            key = self.inst_cls

            def generic_resolve(self, typ, attr):
                field = fields.get(attr)
                if field is not None:
                    return binding._slot(field.type, typ)[0]
                if attr in statics:
                    return binding._static(typ, attr)
                hit = methods.get(attr)
                if hit is None:
                    return None
                return bound_method(
                    hit[0], typ, lambda context, args: binding._pick(typ, hit, args)
                )

        typing_registry.register_attr(_Members)

        @lowering_registry.lower_getattr_generic(self.inst_cls)
        def _get_field(context, builder, typ, value, attr):
            if attr in statics:
                shim, rtype = binding.chosen[("static", attr, typ)]
                impl = call_impl(binding.host.bundle, shim)
                return impl(context, builder, signature(rtype, typ), [value])
            ftype = binding._slot(fields[attr].type, typ)[0]
            offset = binding.host.query_layout(typ.cpp, attr)[0]
            base = value if typ.by_ref else spill(builder, typ, value)
            return load_at(context, builder, base, offset, ftype)

    def _static(self, typ, attr: str):
        """The type of a static data member read on the specialization `typ` (C++ says it;
        the shim copies the value out)."""
        expr = f"{typ.cpp}::{attr}"
        try:
            rtype, rcpp = result_from_cpp(self.host, expr, 1, expr)
        except Rejected as exc:
            try:  # an enum's value (`float_round_style round_style`) read as its integer
                expr = f"+{typ.cpp}::{attr}"
                rtype, rcpp = result_from_cpp(self.host, expr, 1, expr)
            except Rejected:
                raise typing_error(str(exc)) from None
        shim = add_shim(self.host, f"{self.t.id}|static|{expr}", cxx.construct(rcpp, expr), 1)
        self.chosen[("static", attr, typ)] = (shim, rtype)
        return rtype

    def _pick(self, typ, hit, args):
        """The signature of a method call: the first described overload the arguments fit,
        else the call C++ resolves."""
        mkey, overloads, cpp_name = hit
        for o in overloads:
            try:
                sig = self._method_signature(typ, mkey, o, args)
            except LeftToCpp:
                continue  # it uses a template argument C++ chose: not callable from here
            if sig is not None:
                return sig
        if cpp_name is None:
            return None
        try:
            return self._cpp_method(typ, mkey, cpp_name, args)
        except Rejected as exc:
            raise typing_error(str(exc)) from None

    def _method_signature(self, typ, mkey, o: tables.TemplateMethod, args):
        m = match(self.host, o.params, args, dict(typ.template_args))
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
                exprs.append(arg_expr(cpps[k - 1], k))
                k += 1
        call = f"static_cast<{typ.cpp} *>(a0)->{o.name}({', '.join(exprs)})"
        rtype, body = result_body(rtype, rcpp, call, outs)
        key = f"{self.t.id}|{o.name}|{typ.cpp}|{'|'.join(cpps)}"
        return self._choose(mkey, typ, argtypes, key, body, rtype, len(args) + 1)

    def _cpp_method(self, typ, mkey, name: str, args):
        """A call C++ resolves (a member template, a method of a base class template): the
        arguments passed as they are, the result type asked of NVRTC."""
        m = match(self.host, [tables.Deduced()] * len(args), args, {})
        if m is None:
            return None
        _, argtypes, cpps = m
        exprs = [arg_expr(c, k) for k, c in enumerate(cpps, start=1)]
        call = f"static_cast<{typ.cpp} *>(a0)->{name}({', '.join(exprs)})"
        label = f"{typ.cpp}::{name}({', '.join(cpps)})"
        try:
            rtype, rcpp = result_from_cpp(self.host, call, len(args) + 1, label)
        except Rejected as first:
            # `wait(arrival_token &&)`: the values passed as rvalues, as `std::move(t)` would
            # pass them (arrays still as their data pointers); the lvalue call's error stands
            # if C++ takes neither.
            moved = [
                e if isinstance(a, types.Array) else f"static_cast<{c} &&>({e})"
                for e, a, c in zip(exprs, argtypes, cpps, strict=True)
            ]
            if moved == exprs:
                raise
            call = f"static_cast<{typ.cpp} *>(a0)->{name}({', '.join(moved)})"
            try:
                rtype, rcpp = result_from_cpp(self.host, call, len(args) + 1, label)
            except Rejected:
                raise first from None
        body = f"{call};" if rtype == types.void else cxx.construct(rcpp, call)
        key = f"{self.t.id}|{name}|{typ.cpp}|{'|'.join(cpps)}"
        return self._choose(mkey, typ, argtypes, key, body, rtype, len(args) + 1)

    def _choose(self, mkey, typ, argtypes, key: str, body: str, rtype, nargs: int):
        shim = add_shim(self.host, key, body, nargs)
        self.chosen[(mkey, typ, *argtypes)] = (shim, nargs)
        return signature(rtype, *argtypes).replace(recvr=typ)

    def _slot(self, d, typ):
        """(Numba type, C++ spelling) of a template-aware slot for the specialization `typ`."""
        if isinstance(d, tables.SelfType):
            return typ, typ.cpp
        if isinstance(d, (tables.TemplateArg, tables.PointerTo)):
            name = d.name if isinstance(d, tables.TemplateArg) else d.of
            found = typ.template_args.get(name)
            if found is None:  # a parameter left to C++'s default: not known here
                raise LeftToCpp(name)
            if isinstance(d, tables.PointerTo):
                return types.CPointer(found), f"{cpp_spelling(found)} *"
            return found, cpp_spelling(found)
        if isinstance(d, tables.Specialized):
            found = specialized(self.host, d)
            return found, found.cpp
        return self.host.type_of(d.type), d.cpp

    # -- operators ----------------------------------------------------------------------------

    def _operator(self, o: tables.TemplateOperator) -> None:
        binding, inst_cls = self, self.inst_cls
        fn = python_operator(o.op)
        unary = not o.params

        class _Op(AbstractTemplate):
            def generic(self, args, kws):
                if kws or not args or not isinstance(args[0], inst_cls):
                    return None
                if len(args) != len(o.params) + 1:
                    return None
                return binding._operator_signature(o, fn, unary, args)

        _Op.key = fn
        typing_registry.register_global(fn, types.Function(_Op))

        def lower_op(context, builder, sig, args):
            shim = binding.chosen[(fn, *sig.args)][0]
            return call_impl(binding.host.bundle, shim)(context, builder, sig, args)

        formals = (inst_cls,) if unary else (inst_cls, types.Any)
        lowering_registry.lower(fn, *formals)(lower_op)

    def _operator_signature(self, o: tables.TemplateOperator, fn, unary: bool, args):
        typ = args[0]
        argtypes, exprs = [typ], []
        for k, (p, a) in enumerate(zip(o.params, args[1:], strict=True), start=1):
            want, cpp = self._slot(p, typ)
            if can_convert(types.unliteral(a), want) is None:
                return None
            argtypes.append(want)
            exprs.append(cxx.arg(cpp, k))
        rtype, rcpp = self._slot(o.result, typ)
        this = f"(*static_cast<{typ.cpp} *>(a0))"
        expr = f"{o.cpp}{this}" if unary else f"{this} {o.cpp} ({exprs[0]})"
        shim = add_shim(
            self.host,
            f"{typ.cpp}|operator{o.cpp}|{unary}",
            cxx.construct(rcpp, expr),
            len(argtypes),
        )
        self.chosen[(fn, *argtypes)] = (shim, len(argtypes))
        return signature(rtype, *argtypes)


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


class _SpecializationClass(RecordClass):
    """The Numba type of a specialization's Python class, its specialization found when
    first needed (a typedef's is asked of NVRTC then, not at import)."""

    def __init__(self, template, resolve):
        self._resolve = resolve
        types.Function.__init__(self, template)

    @property
    def dtype(self) -> RecordType:
        return self._resolve()


def specialization_class(bindings: dict, name: str, module: str, doc: str, resolve, bundle):
    """A Python class standing for one specialization (`resolve()` gives its Numba type;
    `bindings` the class template bindings by IR id): a dtype for local and shared arrays,
    and, called in a kernel, its constructors (`FFT()`, `Bar(n)`)."""
    found: list = []

    def rt():
        if not found:
            found.append(resolve())
        return found[0]

    cls = type(name, (), {"__doc__": doc, "__module__": module})
    chosen: dict = {}

    class _Ctor(AbstractTemplate):
        key = cls

        def generic(self, args, kws):
            inst = rt()
            return bindings[inst.template_id]._construct(args, kws, fixed=inst, chosen=chosen)

    typing_registry.register_global(cls, _SpecializationClass(_Ctor, rt))
    lower_chosen(cls, chosen, bundle)
    return cls


def _as_typed(value):
    """A template argument given outside a kernel, as Numba's typing of it in a kernel: a
    Numba type, a bound class, or an integer, bool or string literal (an enum member by
    its value)."""
    if isinstance(value, types.Type):
        return value
    typed = getattr(value, "_numba_type_", None)
    if typed is not None:
        return typed
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, (bool, int, str)):
        return types.literal(value)
    raise TypeError(f"template argument {value!r}: give a Numba type, an integer or a string")


def _explicit_template_args(tparams, kws) -> dict | None:
    """Template arguments given as keywords: types (`T=float32`) or integer literals (`N=8`)."""
    out = {}
    by_name = {tp.name: tp for tp in tparams}
    for name, value in (kws or {}).items():
        tp = by_name.get(name)
        if tp is None or tp.kind == "pack":
            return None
        if tp.kind == "int":
            literal = integer_argument(name, value, tp.enumerators, tp.enum == "bool")
            if literal is None:
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
