"""Table types <-> Numba types, and the C++ spelling of a Numba type."""

from __future__ import annotations

from numba.cuda import types
from numba.cuda.vector_types import vector_types

from . import cxx, tables

SCALARS = {
    "bool": types.boolean,
    "int8": types.int8,
    "uint8": types.uint8,
    "int16": types.int16,
    "uint16": types.uint16,
    "int32": types.int32,
    "uint32": types.uint32,
    "int64": types.int64,
    "uint64": types.uint64,
    "float16": types.float16,
    "float32": types.float32,
    "float64": types.float64,
    "void": types.void,
}
if getattr(types, "bfloat16", None) is not None:
    SCALARS["bfloat16"] = types.bfloat16
_SCALAR_NAMES = {t: n for n, t in SCALARS.items() if n != "void"}
_VECTOR_NAMES = {t: n for n, t in vector_types.items()}


def resolve(t: tables.Type, record, enum=None):
    """The Numba type of `t`; `record(id)` gives the Numba type of a bound record, `enum(name)`
    the Python class of a bound enum."""
    kind = type(t)
    if kind is tables.Scalar:
        found = SCALARS.get(t.name)
        if found is None:
            raise TypeError(f"unknown scalar {t.name!r} in binding tables")
        return found
    if kind is tables.RecordRef:
        return record(t.id)
    if kind is tables.Pointer:
        inner = resolve(t.to, record, enum)
        # `void *` takes any array or pointer, as C++ converts any object pointer to it.
        return types.voidptr if inner == types.void else types.CPointer(inner)
    if kind is tables.Vector:
        return vector_types[t.name]
    if kind is tables.EnumRef:
        if t.scoped and enum is not None:
            return types.EnumMember(enum(t.name), types.int64)
        return resolve(t.base, record)
    if kind is tables.Array:
        return types.UniTuple(resolve(t.of, record, enum), t.count)
    if kind is tables.Results:
        return types.Tuple([resolve(i, record, enum) for i in t.items])
    raise TypeError(f"unknown type {t!r} in binding tables")


def cpp_spelling(t) -> str | None:
    """The C++ type a Numba type stands for (template arguments of shims), or None."""
    cpp = getattr(t, "cpp", None)  # bound records
    if isinstance(cpp, str):
        return cpp
    if t == dim3():
        return "dim3"
    if isinstance(t, types.CPointer):
        inner = "void" if t.dtype == types.void else cpp_spelling(t.dtype)
        return None if inner is None else f"{inner} *"
    if t == types.voidptr:
        return "void *"
    name = _SCALAR_NAMES.get(t)
    if name is not None:
        return cxx.SCALAR_CPP[name]
    vec = _VECTOR_NAMES.get(t)
    return cxx.VECTOR_CPP.get(vec) if vec else None


def dim3():
    """numba-cuda's type of `cuda.blockDim`: three 32-bit integers, as CUDA's `dim3` is
    three unsigned ones (cuFFTDx's `FFT::block_dim`)."""
    from numba.cuda.types.ext_types import dim3 as numba_dim3

    return numba_dim3


def can_convert(have, want):
    """Whether an argument of type `have` may be passed where `want` is expected."""
    from numba.cuda.descriptor import cuda_target

    return cuda_target.typing_context.can_convert(have, want)
