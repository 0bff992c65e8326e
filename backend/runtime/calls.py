"""Calls into C++ through shims: lowering, and the typing of functions, constructors,
operators, methods and casts of one module."""

from __future__ import annotations

import inspect
import operator

from llvmlite import ir as llir
from numba.cuda import types
from numba.cuda.cudadecl import registry as typing_registry
from numba.cuda.cudaimpl import registry as lowering_registry
from numba.cuda.typeconv import Conversion
from numba.cuda.typing import signature
from numba.cuda.typing.templates import AbstractTemplate, AttributeTemplate, ConcreteTemplate

from . import cxx, targets
from .records import RecordType, as_pointer, storage, value_storage
from .shims import declare_shim

_I8P = llir.IntType(8).as_pointer()


class RecordClass(types.Function, types.DTypeSpec):
    """The Numba type of a record's Python class: its constructors (`Rec(x)`, where C++ has
    them) and a dtype (`cuda.local.array(4, Rec)`, an array of the C++ type; where its
    methods modify it, `a[0].bump()` modifies the element)."""

    def __init__(self, template, record: RecordType):
        self._record = record
        super().__init__(template)

    @property
    def dtype(self) -> RecordType:
        return self._record


_ISINSTANCE: list[bool] = []  # registered once a process


def enable_isinstance() -> None:
    """`isinstance(value, BoundRecord)` in kernels: a constant, as for numba-cuda's own types
    (a tuple of classes too)."""
    if _ISINSTANCE:
        return
    _ISINSTANCE.append(True)
    from numba.cuda.datamodel import models
    from numba.cuda.extending import overload, register_model

    # The overload's implementation takes the class as an argument: a value carrying no
    # data, as Numba's own Function types (models are looked up by exact type).
    register_model(RecordClass)(models.OpaqueModel)

    @overload(isinstance)
    def _bound_isinstance(var, typs):
        if not isinstance(var, RecordType):
            return None  # numba-cuda's own overload answers for its types
        classes = typs.types if isinstance(typs, types.BaseTuple) else (typs,)
        if any(isinstance(c, RecordClass) and c._record == var for c in classes):
            return lambda var, typs: True
        return lambda var, typs: False


def _void_pointer_call(context, cases, args, kws):
    """The signature of a call passing arrays where C++ takes `void *` (any element type),
    or None."""
    if kws:
        return None
    for sig in cases:
        if len(sig.args) != len(args):
            continue
        formal = []
        for a, p in zip(args, sig.args, strict=True):
            if p == types.voidptr and isinstance(a, types.Array):
                formal.append(a)
            elif context.can_convert(a, p) is not None:
                formal.append(p)
            else:
                break
        else:
            return signature(sig.return_type, *formal)
    return None


def keyword_order(names, nargs: int, kws) -> list[int] | None:
    """The parameter index of each argument of a call (the positional ones, then the
    keywords in the order given), or None when the keywords do not name exactly the
    parameters after the positional ones (`names`: the C++ parameter names)."""
    if not names or len(names) != nargs + len(kws):
        return None
    order = list(range(nargs))
    for k in kws:
        if not k or k not in names[nargs:]:
            return None
        order.append(names.index(k))
    return order


def in_cpp_order(names, args, by_name: dict) -> tuple | None:
    """The arguments of a call that passes `by_name` by C++ parameter name, in the C++
    order, or None when the names do not fit."""
    order = keyword_order(names, len(args), by_name)
    if order is None:
        return None
    values = [*args, *by_name.values()]
    return tuple(values[order.index(i)] for i in range(len(order)))


def keyword_signature(sig, names):
    """`sig` (parameters in C++ order) with the Python signature that folds keyword
    arguments by the C++ parameter names."""
    P = inspect.Parameter
    params = [P(n or f"_{i}", P.POSITIONAL_OR_KEYWORD) for i, n in enumerate(names)]
    return sig.replace(pysig=inspect.Signature(params))


def _keyword_call(context, cases, names_of, args, kws):
    """The signature of a call passing some arguments by their C++ names, or None: an exact
    match first, then one Numba can convert to."""
    values = [*args, *kws.values()]
    viable = []
    for sig in cases:
        order = keyword_order(names_of.get(sig, ()), len(args), kws)
        if order is None:
            continue
        formal = [sig.args[i] for i in order]
        if all(types.unliteral(a) == f for a, f in zip(values, formal, strict=True)):
            return keyword_signature(sig, names_of[sig])
        if all(context.can_convert(a, f) is not None for a, f in zip(values, formal, strict=True)):
            viable.append(sig)
    return keyword_signature(viable[0], names_of[viable[0]]) if viable else None


def python_operator(op: str):
    """The `operator` function a C++ operator (table spelling) binds to."""
    return getattr(operator, cxx.OPERATORS[op])


def call_impl(bundle, shim: str, self_result: bool = False):
    """Lowering of one call through `shim`: arguments by pointer, the result built in place."""

    def impl(context, builder, sig, args):
        bundle.attach(context.active_code_library)
        bundle.require(shim)
        if shim in bundle.cooperative:  # the kernel is launched cooperatively then
            context.active_code_library.use_cooperative = True
        ret = sig.return_type
        ptrs = [
            as_pointer(context, builder, ty, val) for ty, val in zip(sig.args, args, strict=True)
        ]
        if ret == types.void:
            out = llir.Constant(_I8P, None)
        elif isinstance(ret, RecordType):
            out = storage(builder, ret)
        else:
            out = value_storage(context, builder, ret)
        fn = declare_shim(builder, shim, len(ptrs))
        builder.call(fn, [builder.bitcast(out, _I8P), *[builder.bitcast(p, _I8P) for p in ptrs]])
        if self_result and ptrs:
            return args[0]  # in-place operators of by-reference records
        if ret == types.void:
            return context.get_dummy_value()
        if isinstance(ret, RecordType) and ret.by_ref:
            return out
        return builder.load(builder.bitcast(out, context.get_value_type(ret).as_pointer()))

    return impl


def bound_method(key, typ, pick):
    """The type of `obj.method` for a method of `typ`: `pick(context, args)` chooses the
    signature of a call (None when nothing matches); keyword arguments never match."""

    class _Method(AbstractTemplate):
        def generic(self, args, kws):
            return None if kws else pick(self.context, args)

    _Method.key = key
    return types.BoundFunction(_Method, typ)


class Callables:
    """The typing and lowering registrations of one module's callables."""

    def __init__(self, bundle, type_of, archs: tuple[str, ...] = ()):
        self.bundle = bundle
        self.type_of = type_of
        self.archs = archs  # the module's: a binding some of them lack is checked at typing
        self._cases: dict[object, list] = {}
        self._array_cases: dict[tuple, list] = {}
        self._void_cases: dict[object, list] = {}  # signatures with `void *` parameters
        self._names: dict[object, dict] = {}  # key -> {signature: C++ parameter names}
        self._archs: dict[object, dict] = {}  # key -> {argument types: (label, archs)}

    def _lower(self, key, sig, shim, self_result=False) -> None:
        lowering_registry.lower(key, *sig.args)(call_impl(self.bundle, shim, self_result))

    def _lower_arrays(self, key, params, shim) -> None:
        """Lowering of a call passing device or local arrays where C++ takes pointers.
        Numba keys such lowerings by the Array class, not by its dtype, so overloads that
        differ only in what they point at (`curand(curandStateXORWOW_t *)`,
        `curand(curandStatePhilox4_32_10_t *)`) share one lowering, which picks the shim by
        the arrays' dtypes."""
        formals = tuple(
            types.Array if isinstance(p, types.CPointer) or p == types.voidptr else p
            for p in params
        )
        cases = self._array_cases.get((key, formals))
        if cases is None:
            cases = self._array_cases[(key, formals)] = []
            bundle = self.bundle

            def impl(context, builder, sig, args):
                for case_params, case_shim in cases:
                    if all(
                        a.dtype == p.dtype if isinstance(p, types.CPointer) else True
                        for a, p in zip(sig.args, case_params, strict=True)
                    ):
                        return call_impl(bundle, case_shim)(context, builder, sig, args)
                raise TypeError(f"no overload of {key} takes {sig.args}")  # typing prevents it

            lowering_registry.lower(key, *formals)(impl)
        cases.append((tuple(params), shim))

    def function(self, key, overloads, result=None) -> None:
        """Bind `overloads` to `key`: a function stand-in, a record class (constructors, whose
        result is `result`), or a Python `operator` function."""
        sigs = []
        names_of = self._names.setdefault(key, {})
        archs_of = self._archs.setdefault(key, {})  # argument types -> (label, archs)
        for o in overloads:
            rtype = result if result is not None else self.type_of(o.result)
            atypes = [self.type_of(a) for a in o.args]
            sig = signature(rtype, *atypes)
            sigs.append(sig)
            archs = getattr(o, "archs", ())  # an Overload row's; numba-cuda's own have none
            if archs:
                archs_of[tuple(atypes)] = (o.decl or o.shim, archs)
            names_of.setdefault(sig, tuple(getattr(o, "names", ())))
            self._lower(key, sig, o.shim, o.self_result)
            if any(isinstance(a, types.CPointer) for a in atypes):
                # A device array (its data pointer) may be passed where C++ takes `T *`.
                arrays = [
                    types.Array(a.dtype, 1, "A") if isinstance(a, types.CPointer) else a
                    for a in atypes
                ]
                sigs.append(signature(rtype, *arrays))
                names_of.setdefault(sigs[-1], tuple(getattr(o, "names", ())))
                if archs:
                    archs_of[tuple(arrays)] = (o.decl or o.shim, archs)
            if any(isinstance(a, types.CPointer) or a == types.voidptr for a in atypes):
                self._lower_arrays(key, atypes, o.shim)
            if types.voidptr in atypes:
                self._void_cases.setdefault(key, []).append(sig)
        bucket = self._cases.setdefault(key, [])
        bucket.extend(sigs)
        if len(bucket) == len(sigs):  # first registration of this key
            void_cases = self._void_cases.setdefault(key, [])
            dumped = self.archs

            class _Template(ConcreteTemplate):
                def apply(self, args, kws):
                    if kws:  # by C++ parameter name, else a function template's arguments
                        sig = _keyword_call(self.context, bucket, names_of, args, kws)
                    else:
                        sig = super().apply(args, kws) or _void_pointer_call(
                            self.context, void_cases, args, kws
                        )
                    if sig is not None and archs_of:
                        found = archs_of.get(tuple(sig.args))
                        if found is not None:
                            targets.require(found[0], found[1], dumped)
                    return sig

            _Template.key = key
            _Template.cases = bucket
            # For `operator` functions the typing context adds these cases to Numba's own.
            typing_registry.register_global(key, types.Function(_Template))

    def constructors(self, cls, rt: RecordType, overloads) -> None:
        """Constructors chosen as C++ overload resolution chooses them (`overloads`)."""
        from .overloads import best

        candidates = []
        for o in overloads:
            params = [self.type_of(a) for a in o.args]
            self._lower(cls, signature(rt, *params), o.shim)
            if any(isinstance(p, types.CPointer) for p in params):
                self._lower_arrays(cls, params, o.shim)
            candidates.append(
                _Candidate(params, o.decl or o.shim, tuple(o.names), archs=getattr(o, "archs", ()))
            )
        dumped = self.archs

        class _Constructor(AbstractTemplate):
            key = cls

            def generic(self, args, kws):
                if not candidates:
                    return None
                if kws:
                    return _keyword_construction(rt, candidates, args, kws)
                hit = best(candidates, args)
                if hit is None:
                    return None
                if isinstance(hit, tuple):
                    from numba.core.errors import TypingError

                    names = "; ".join(c.label for c in hit[1])
                    raise TypingError(f"ambiguous call of {rt}{args}: C++ finds {names}")
                targets.require(hit.label, hit.archs, dumped)
                formal = [
                    a if isinstance(a, types.Array) and isinstance(p, types.CPointer) else p
                    for a, p in zip(args, hit.params, strict=True)
                ]
                return signature(rt, *formal)

        typing_registry.register_global(cls, RecordClass(_Constructor, rt))

    def methods(self, rt: RecordType, methods) -> None:
        """Bind the methods of a record (`c.bump(2)`)."""
        resolvers = {}
        for m in methods:
            key = f"{rt.name}.{m.name}#{id(rt)}"
            sigs = []
            for o in m.overloads:
                sig = signature(self.type_of(o.result), *[self.type_of(a) for a in o.args])
                sigs.append((sig.replace(recvr=rt), o.decl or o.shim, getattr(o, "archs", ())))
                self._lower(key, signature(sig.return_type, rt, *sig.args), o.shim)
            resolvers[m.name] = (key, sigs)
        dumped = self.archs

        class _Methods(AttributeTemplate):
            key = rt

            def generic_resolve(self, typ, attr):
                hit = resolvers.get(attr)
                if hit is None:
                    return None
                mkey, msigs = hit

                def pick(context, args):
                    for s, label, archs in msigs:
                        if len(s.args) == len(args) and all(
                            context.can_convert(a, b) is not None
                            for a, b in zip(args, s.args, strict=True)
                        ):
                            targets.require(label, archs, dumped)
                            return s
                    return None

                return bound_method(mkey, typ, pick)

        typing_registry.register_attr(_Methods)

    def casts(self, rt: RecordType, casts) -> None:
        """C++ conversion operators as Numba casts (`operator bool` also for `if x:`)."""
        for c in casts:
            target = self.type_of(c.target)
            rt.casts_to[target] = Conversion.unsafe if c.explicit else Conversion.safe
            self._lower_cast(rt, target, c.shim)
            if target == types.boolean:
                for key in (operator.truth, bool):
                    self.function(key, [_overload(c.shim, types.boolean, rt)], result=types.boolean)

    def conversions(self, rows) -> None:
        """Constructors of Numba's own scalar types from another header (`float16(b)` on a
        bfloat16 through `__half(__nv_bfloat16)`): Numba types the call, the shim converts."""
        for c in rows:
            origin, target = self.type_of(c.origin), self.type_of(c.target)
            if isinstance(origin, RecordType):
                origin.casts_to[target] = Conversion.unsafe if c.explicit else Conversion.safe
            self._lower_cast(origin, target, c.shim)

    def implicit(self, rt: RecordType, ctors) -> None:
        """Non-explicit one-argument constructors as implicit conversions."""
        for c in ctors:
            source = self.type_of(c.source)
            rt.casts_from[source] = Conversion.safe
            self._lower_cast(source, rt, c.shim)

    def _lower_cast(self, from_t, to_t, shim) -> None:
        impl = call_impl(self.bundle, shim)

        @lowering_registry.lower_cast(from_t, to_t)
        def _cast(context, builder, fromty, toty, val):
            return impl(context, builder, signature(toty, fromty), [val])


class _Candidate:
    def __init__(self, params, label, names=(), order=None, archs=()):
        self.archs = archs
        self.params, self.label, self.names, self.order = params, label, names, order


def _keyword_construction(rt, candidates, args, kws):
    """`Rec(x, scale=2)`: the constructor C++ would call with the arguments in its own order."""
    from .overloads import best

    views = []
    for c in candidates:
        order = keyword_order(c.names, len(args), kws)
        if order is not None:
            views.append(_Candidate([c.params[i] for i in order], c.label, c.names, c))
    hit = best(views, [*args, *kws.values()])
    if hit is None:
        return None
    if isinstance(hit, tuple):
        from numba.core.errors import TypingError

        names = "; ".join(c.label for c in hit[1])
        raise TypingError(f"ambiguous call of {rt}{args}: C++ finds {names}")
    c = hit.order
    return keyword_signature(signature(rt, *c.params), c.names)


class _Resolved:
    """An overload whose types are Numba types already (casts to bool)."""

    def __init__(self, shim, result, args):
        self.shim, self.result, self.args, self.self_result = shim, result, args, False


def _overload(shim, result, *args):
    return _Resolved(shim, result, args)
