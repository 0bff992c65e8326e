"""Bound C++ records in Numba: the type, its data models, storage and field reads."""

from __future__ import annotations

from llvmlite import ir as llir
from numba.cuda import cgutils, types
from numba.cuda.cudadecl import registry as typing_registry
from numba.cuda.cudaimpl import registry as lowering_registry
from numba.cuda.datamodel import models
from numba.cuda.extending import register_model
from numba.cuda.typing.templates import AttributeTemplate
from numba.cuda.vector_types import VectorType

from .cxx import VECTOR_ALIGN

_I8P = llir.IntType(8).as_pointer()


class RecordType(types.Type):
    """The Numba type of a bound C++ record. `by_ref` records (those with methods that modify
    them) are values that point at their storage, so `c.bump()` changes `c`."""

    def __init__(self, name: str, cpp: str, size: int, align: int, by_ref: bool):
        self.cpp = cpp
        self.size = size
        self.alignof_ = align
        self.by_ref = by_ref
        self.fields: list[tuple[str, types.Type, int]] = []
        self.struct = False  # fields laid out as a StructModel
        self.casts_to: dict = {}  # Numba type -> Conversion (C++ conversion operators)
        self.casts_from: dict = {}  # Numba type -> Conversion (non-explicit constructors)
        super().__init__(name=name)

    @property
    def mutable(self) -> bool:
        # Numba lowers `a += b` with operator.iadd only for mutable types.
        return self.by_ref

    def can_convert_to(self, typingctx, other):
        return self.casts_to.get(other)

    def can_convert_from(self, typingctx, other):
        return self.casts_from.get(other)


class StructRecordModel(models.StructModel):
    """The fields as LLVM struct members. Pointer fields are plain `void *` members: a record
    pointing at its own type (`curandDiscreteDistribution_st::self_host_ptr`) would otherwise
    need its own model to build its model. (Field access reads at the field's offset, as its
    declared type.)"""

    def __init__(self, dmm, fe_type):
        members = [
            (n, types.voidptr if isinstance(t, types.CPointer) else t) for n, t, _ in fe_type.fields
        ]
        super().__init__(dmm, fe_type, members)


def _storage_members(rt) -> list:
    """A record's bytes as one member of unsigned integers as wide as its alignment (up to
    8 bytes; more is applied where storage is allocated), dividing its size."""
    width = min(max(rt.alignof_, 1), 8)
    while rt.size % width:
        width //= 2
    unit = {1: types.uint8, 2: types.uint16, 4: types.uint32, 8: types.uint64}[width]
    return [("bytes", types.UniTuple(unit, rt.size // width))]


class OpaqueRecordModel(models.StructModel):
    """The record's bytes as one member of unsigned integers as wide as its alignment. A
    struct, so that local and shared arrays of the record can be made."""

    def __init__(self, dmm, fe_type):
        super().__init__(dmm, fe_type, _storage_members(fe_type))


class RefRecordModel(models.StructModel):
    """A pointer to the record's storage. In memory (an element of a local or shared array)
    the record is its bytes, as OpaqueRecordModel lays them out, and reading an element gives
    a pointer to it: `bar[0].wait(t)` acts on the array's element, as numba-cuda's own records
    do. (A StructModel for its data, so that numba-cuda makes arrays of it.)"""

    def __init__(self, dmm, fe_type):
        super().__init__(dmm, fe_type, _storage_members(fe_type))
        self._pointer = llir.ArrayType(llir.IntType(8), fe_type.size).as_pointer()

    def get_value_type(self):
        return self._pointer

    def get_argument_type(self):
        return self._pointer

    def get_return_type(self):
        return self._pointer

    def as_data(self, builder, value):
        return builder.load(builder.bitcast(value, self.get_data_type().as_pointer()))

    def from_data(self, builder, value):
        ptr = cgutils.alloca_once(builder, self.get_data_type())
        builder.store(value, ptr)
        return builder.bitcast(ptr, self._pointer)

    def load_from_data_pointer(self, builder, ptr, align=None):
        return builder.bitcast(ptr, self._pointer)

    def as_argument(self, builder, value):
        return value

    def from_argument(self, builder, value):
        return value

    def as_return(self, builder, value):
        return value

    def from_return(self, builder, value):
        return value

    def traverse(self, builder):
        return []


def new_record_type(name: str, cpp: str, size: int, align: int, by_ref: bool) -> RecordType:
    """A record type of its own class (Numba registers models and attributes per class)."""
    cls = type(f"_{name}_type", (RecordType,), {})
    return cls(name, cpp, size, align, by_ref)


def storage(builder, rt: RecordType):
    """Aligned stack storage for one value of `rt`, in the function's entry block."""
    ptr = cgutils.alloca_once(builder, llir.ArrayType(llir.IntType(8), rt.size))
    ptr.align = rt.alignof_
    return ptr


def spill(builder, typ, value):
    ptr = storage(builder, typ)
    builder.store(value, builder.bitcast(ptr, value.type.as_pointer()))
    return ptr


def as_pointer(context, builder, ty, val):
    """A pointer to the value, as shims take every argument."""
    if isinstance(ty, RecordType) and ty.by_ref:
        return val
    if isinstance(ty, types.Array):  # passed as its data pointer
        data = context.make_array(ty)(context, builder, val).data
        ptr = cgutils.alloca_once(builder, data.type)
        builder.store(data, ptr)
        return ptr
    ptr = value_storage(context, builder, ty)
    builder.store(val, ptr)
    return ptr


def value_storage(context, builder, ty):
    """Stack storage for a value of `ty` handed to or returned by a shim, aligned as C++
    needs it (vector types as strictly as CUDA's most aligned ones)."""
    ptr = cgutils.alloca_once(builder, context.get_value_type(ty))
    if isinstance(ty, RecordType):
        ptr.align = ty.alignof_
    elif isinstance(ty, VectorType):
        ptr.align = VECTOR_ALIGN
    return ptr


def load_at(context, builder, base, offset_bytes: int, ftype):
    """The `ftype` value `offset_bytes` into the storage at `base`."""
    raw = builder.gep(builder.bitcast(base, _I8P), [llir.Constant(llir.IntType(32), offset_bytes)])
    return builder.load(builder.bitcast(raw, context.get_value_type(ftype).as_pointer()))


def set_layout(rt: RecordType, fields: list[tuple[str, types.Type, int]], attrs: dict) -> None:
    """Give `rt` its data model from its fields [(C++ name, Numba type, bit offset)], and make
    the fields named in `attrs` (Python name -> C++ name) readable in kernels."""
    rt.fields = fields
    rt.struct = bool(fields) and not rt.by_ref and natural_layout(fields, rt.size, rt.alignof_)
    if rt.by_ref:
        model = RefRecordModel
    else:
        model = StructRecordModel if rt.struct else OpaqueRecordModel
    register_model(type(rt))(model)
    by_name = {f: (t, off) for f, t, off in fields}
    visible = {py: c for py, c in attrs.items() if c in by_name}

    class _Attrs(AttributeTemplate):
        key = rt

        def generic_resolve(self, typ, attr):
            c = visible.get(attr)
            return by_name[c][0] if c else None

    typing_registry.register_attr(_Attrs)

    @lowering_registry.lower_getattr_generic(type(rt))
    def _get(context, builder, typ, value, attr):
        ftype, offset = by_name[visible[attr]]
        if typ.struct:
            idx = [f for f, _, _ in typ.fields].index(visible[attr])
            return builder.extract_value(value, idx)
        base = value if typ.by_ref else spill(builder, typ, value)
        return load_at(context, builder, base, offset // 8, ftype)


def natural_layout(fields, size: int, align: int) -> bool:
    """True when C++'s layout equals what a StructModel of the fields gives (no bitfields,
    no extra alignment): then fields are plain struct members."""
    offset = 0
    biggest = 1
    for _, t, off in fields:
        tsize, talign = _size_align(t)
        if tsize is None:
            return False
        offset = (offset + talign - 1) // talign * talign
        if offset * 8 != off:
            return False
        offset += tsize
        biggest = max(biggest, talign)
    total = (offset + biggest - 1) // biggest * biggest
    return total == size and biggest == align


def _size_align(t):
    if isinstance(t, RecordType):
        return (t.size, t.alignof_) if t.struct else (None, None)
    if isinstance(t, (types.Integer, types.Float, types.Boolean)):
        n = max(t.bitwidth // 8, 1)
        return n, n
    if isinstance(t, types.CPointer):
        return 8, 8
    return None, None
