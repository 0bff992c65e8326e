"""What every template binding shares: the few things it asks of the module's bindings
(`TemplateHost`), matching Numba argument types against template-aware parameters, the C++
spelling of the arguments a shim passes, and the shim's body for a call's result."""

from __future__ import annotations

import inspect
import re
from typing import Protocol

from numba.cuda import types
from numba.cuda.cudaimpl import registry as lowering_registry
from numba.cuda.typing import signature

from . import cxx, tables
from .calls import call_impl
from .numba_types import can_convert, cpp_spelling


class TemplateHost(Protocol):
    """What template typing needs of a module's bindings: its shim bundle, the Numba types of
    table types and of C++ spellings, and NVRTC's answers about specializations."""

    bundle: object
    archs: tuple[str, ...]  # the GPU archs the module was made for (several, or none)

    def type_of(self, t): ...
    def type_from_cpp(self, spelled: str): ...
    def query_layout(self, cpp: str, field: str | None = None) -> tuple[int, int]: ...
    def query_specialization(self, cpp: str) -> tuple[int, int, str]: ...
    def query_result(self, call: str, nargs: int) -> tuple[str, str]: ...


class Rejected(Exception):
    """C++ refuses a call the bindings would make (the compiler's first error)."""


class LeftToCpp(Exception):
    """A template argument that C++'s default supplies, which the bindings do not know."""


def typing_error(message: str):
    from numba.cuda.core.errors import TypingError

    return TypingError(message)


def integer_argument(name: str, value, enumerators=(), is_bool: bool = False) -> int | None:
    """A non-type template argument given as a keyword: an integer literal, an enumerator by
    name (`_Sco="thread_scope_device"`), or a bool for a bool parameter; None when it is none
    of them. An enum member raises: Numba types it without its value."""
    if isinstance(value, (types.IntEnumMember, types.EnumMember)):
        names = ", ".join(f'"{n}"' for n, _ in enumerators[:3]) or "an integer literal"
        raise typing_error(
            f"template argument {name}: an enum member's value is unknown to Numba's typing; "
            f"give the enumerator by name as a string ({names}) or as an integer literal"
        )
    literal = getattr(value, "literal_value", None)
    if isinstance(literal, str):
        literal = dict(enumerators).get(literal, literal)
    if isinstance(literal, bool) and is_bool:
        literal = int(literal)
    if not isinstance(literal, int) or isinstance(literal, bool):
        return None
    return literal


def ambiguous(labels, args):
    return typing_error(f"ambiguous call: {', '.join(labels)} all match {args}")


def add_shim(host: TemplateHost, key: str, body: str, nargs: int) -> str:
    """The shim of one instantiation (named after `key`), added to the bundle once."""
    name = cxx.shim_name(key)
    return host.bundle.add(name, cxx.shim_source(name, nargs, body))


def with_keywords(sig, args, kws, params=None):
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


def lower_chosen(key, chosen, bundle) -> None:
    """Lowering of calls whose shim was picked at typing time (`chosen[arg types]`)."""

    @lowering_registry.lower(key, types.VarArg(types.Any))
    def _impl(context, builder, sig, args):
        shim, n = chosen[tuple(sig.args)]
        call_sig = signature(sig.return_type, *sig.args[:n])
        return call_impl(bundle, shim)(context, builder, call_sig, args[:n])


def result_from_cpp(host: TemplateHost, call: str, nargs: int, label: str):
    """(Numba type, C++ spelling) of what `call` returns, asked of NVRTC."""
    kind, text = host.query_result(call, nargs)
    if kind == "error":
        raise Rejected(f"C++ rejects {label}: {_strip_file(text)}")
    rtype = host.type_from_cpp(text)
    if rtype is None:
        raise Rejected(f"{label} returns {text}, which no bound type stands for")
    return rtype, (None if rtype == types.void else cpp_spelling(rtype))


def result_body(rtype, rcpp: str | None, call: str, outs: list):
    """(Numba result type, shim body) of `call`: its result, and the out_return locals
    `outs` [(Numba type, C++ type, name)] after it as a tuple."""
    if not outs:
        return rtype, f"{call};" if rtype == types.void else cxx.construct(rcpp, call)
    void = rtype == types.void
    body = cxx.out_return_body(None if void else rcpp, call, [(c, n) for _, c, n in outs])
    members = ([] if void else [rtype]) + [ot for ot, _, _ in outs]
    return (members[0] if len(members) == 1 else types.Tuple(members)), body


def specialized(host: TemplateHost, p: tables.Specialized):
    """The Numba type of the specialization a Specialized slot names (NVRTC asked once)."""
    found = host.type_from_cpp(p.cpp)
    if found is None:
        raise Rejected(f"{p.cpp} is no specialization of a bound class template")
    return found


def ref_matches(host: TemplateHost, p: tables.RefTo, a, deduced: dict) -> bool:
    """Whether `a` (an array or a pointer) passes for the reference `p`, deducing its
    template parameter."""
    elem = pointee(a)
    if elem is None:
        return False
    if isinstance(p.of, tables.TemplateArg):
        return deduced.setdefault(p.of.name, elem) == elem
    return elem == host.type_of(p.of.type)


def match(host: TemplateHost, params, args, deduced: dict):
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
            cpps.append(ArrayArg(cpp_spelling(elem), count))
            argtypes.append(a)
        elif isinstance(p, tables.PointerTo):
            elem = pointee(a)
            if elem is None or deduced.setdefault(p.of, elem) != elem:
                return None
            argtypes.append(a)
            cpps.append(f"{cpp_spelling(elem)} *")
        elif isinstance(p, tables.RefTo):  # written through: an array or a pointer
            if not ref_matches(host, p, a, deduced):
                return None
            argtypes.append(a)
            cpps.append(RefArg(cpp_spelling(pointee(a))))
        elif isinstance(p, tables.Specialized):
            want = specialized(host, p)
            if a != want:
                return None
            argtypes.append(want)
            cpps.append(want.cpp)
        elif isinstance(p, tables.TemplateArg):
            have = deduced.setdefault(p.name, a)
            if have != a and can_convert(a, have) is None:
                return None
            argtypes.append(have)
            cpps.append(cpp_spelling(have))
        else:
            want = host.type_of(p.type)
            if not passes_as(a, want):
                return None
            argtypes.append(a if isinstance(a, types.Array) else want)
            cpps.append(MovedArg(p.cpp) if p.moved else p.cpp)
    if None in cpps:
        return None
    return deduced, argtypes, cpps


class ArrayArg(str):
    """The C++ argument spelling of `T (&)[N]` passed from an array's data pointer."""

    def __new__(cls, elem: str, count):
        self = super().__new__(cls, f"{elem} (&)[{count}]")
        self.elem, self.count = elem, count
        return self


class RefArg(str):
    """The C++ argument spelling of a reference passed as an array's or pointer's first
    element (inout_ptr / out_ptr)."""

    def __new__(cls, elem: str):
        self = super().__new__(cls, f"{elem} &")
        self.elem = elem
        return self


class MovedArg(str):
    """The C++ argument spelling of a `T &&` parameter of a fixed type: the shim's value
    passed as an rvalue."""

    def __new__(cls, cpp: str):
        self = super().__new__(cls, f"{cpp} &&")
        self.value = cpp
        return self


def arg_expr(cpp: str, k: int) -> str:
    """The shim's expression for its argument `a<k>`, of the C++ spelling `cpp`."""
    if isinstance(cpp, MovedArg):
        return cxx.moved(cpp.value, k)
    if isinstance(cpp, RefArg):
        return f"**static_cast<{cpp.elem} **>(a{k})"
    if isinstance(cpp, ArrayArg):
        e = cpp.elem
        return f"*reinterpret_cast<{e} (*)[{cpp.count}]>(*static_cast<{e} **>(a{k}))"
    return cxx.arg(cpp, k)


def passes_as(a, want) -> bool:
    """Whether an argument of Numba type `a` passes for a parameter of the fixed type `want`:
    converted, or, for a pointer, a contiguous array of its element (its data pointer)."""
    if isinstance(want, types.CPointer) and isinstance(a, types.Array):
        return pointee(a) == want.dtype
    return can_convert(a, want) is not None


def pointee(t):
    """The element type of what may pass as `T *`: a contiguous device or local array (its
    data pointer), a pointer."""
    if isinstance(t, types.Array) and t.layout == "C":
        return t.dtype
    if isinstance(t, types.CPointer):
        return t.dtype
    return None


def value_cpp(t) -> str | None:
    """The C++ type a Numba value passes as: a device or local array as its data pointer
    (CUB's iterators), anything else as `cpp_spelling` says."""
    if isinstance(t, types.Array):
        inner = cpp_spelling(t.dtype)
        return f"{inner} *" if inner else None
    return cpp_spelling(t)


def _strip_file(line: str) -> str:
    """A compiler error line without the probe's file and line."""
    return re.sub(r"^\S+\(\d+\): ", "", line)
