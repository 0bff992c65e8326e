"""The binding tables: the typed, versioned contract between the planner and the runtime.

The planner (`numbast emit`, `numbast.bind`) builds these objects from the IR; a static module
holds them as Python constructor calls; the runtime turns them into Numba types, typing and
lowering. Everything here is plain data (frozen dataclasses of str, int, float, bool, tuples and
the classes below), with no behaviour and no import of Numba.

Version rules (TABLE_VERSION = (MAJOR, MINOR)): a MINOR bump only adds fields with defaults; a
MAJOR bump may change meaning. A runtime accepts every MINOR up to its own of its MAJOR, and
refuses anything else at import with a message naming what to regenerate.
"""

from __future__ import annotations

from dataclasses import dataclass, field

TABLE_VERSION = (1, 0)


# -- types ------------------------------------------------------------------------------------


class Type:
    """A C++ type as the runtime sees it (a Numba type once resolved)."""


@dataclass(frozen=True)
class Scalar(Type):
    """A Numba scalar: `bool`, `int8` ... `uint64`, `float16`, `bfloat16`, `float32`,
    `float64`, or `void` (no value)."""

    name: str


@dataclass(frozen=True)
class Vector(Type):
    """A CUDA vector type as Numba's own (`float32x2` is C++ `float2`)."""

    name: str


@dataclass(frozen=True)
class Pointer(Type):
    """`T *`: a Numba CPointer; a device array may be passed for it."""

    to: Type


@dataclass(frozen=True)
class RecordRef(Type):
    """A bound C++ record, by its IR id: bound in this module or in a module it uses."""

    id: str


@dataclass(frozen=True)
class EnumRef(Type):
    """A C++ enum, passed as its underlying integer (`base`)."""

    name: str
    base: Scalar


@dataclass(frozen=True)
class Array(Type):
    """`T[count]` by value: a Numba UniTuple."""

    of: Type
    count: int


@dataclass(frozen=True)
class Results(Type):
    """Several results of one call (return value first, then out_return parameters): a tuple."""

    items: tuple[Type, ...]


# -- callables ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Overload:
    """One C++ signature reachable from Python through the extern "C" shim `shim`.

    The shim is `int shim(void *out, void *a0, ...)`: arguments by pointer, the result built
    in place at `out`. Methods receive the record as `a0`; `args` then lists the others.
    """

    shim: str
    result: Type
    args: tuple[Type, ...]
    decl: str = ""  # the C++ declaration the shim calls
    where: str = ""  # its header:line
    self_result: bool = False  # in-place operator of a by-reference record: yields its left side
    source: str = ""  # the shim's C++ source


@dataclass(frozen=True)
class Function:
    """A free function (or static method, named `Record_method`) with all its overloads."""

    name: str
    overloads: tuple[Overload, ...]
    doc: str = ""


@dataclass(frozen=True)
class Operator:
    """C++ operators bound onto Python's: `op` is the C++ spelling (`+`, `+=`), or `u-`, `u+`,
    `u~` for the unary forms."""

    op: str
    overloads: tuple[Overload, ...]


@dataclass(frozen=True)
class Enum:
    """A C++ enum as a Python IntEnum."""

    name: str
    members: tuple[tuple[str, int], ...]
    doc: str = ""


# -- records ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """A data member: C++ name, type, offset in bits; `attr` is its Python attribute name when
    kernels may read it (public), else empty."""

    name: str
    type: Type
    offset: int
    attr: str = ""


@dataclass(frozen=True)
class Cast:
    """A C++ conversion operator: the record converts to `target` (`explicit`: only by cast)."""

    shim: str
    target: Type
    explicit: bool
    decl: str = ""
    source: str = ""  # the shim's C++ source


@dataclass(frozen=True)
class Implicit:
    """A non-explicit one-argument constructor: `source` converts to the record implicitly."""

    shim: str
    source: Type


@dataclass(frozen=True)
class Method:
    """A non-static member function with its overloads (the record itself is not in `args`)."""

    name: str
    overloads: tuple[Overload, ...]
    doc: str = ""


@dataclass(frozen=True)
class Record:
    """A C++ struct, class or union with a Numba type.

    `fields` is empty when the record gets an opaque model (only its size and alignment);
    `by_ref` records (with methods that modify them) are held as a pointer to their storage.
    """

    id: str
    name: str
    cpp: str
    size: int
    align: int
    by_ref: bool
    fields: tuple[Field, ...] = ()
    constructors: tuple[Overload, ...] = ()
    implicit: tuple[Implicit, ...] = ()
    casts: tuple[Cast, ...] = ()
    methods: tuple[Method, ...] = ()
    doc: str = ""
    decl: str = ""
    where: str = ""


# -- templates ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Known:
    """A parameter or result of a fixed type, with the C++ spelling the shim stores it as."""

    type: Type
    cpp: str = ""


@dataclass(frozen=True)
class TemplateArg:
    """A parameter or result whose type is the template parameter `name`."""

    name: str


@dataclass(frozen=True)
class SelfType:
    """The class template specialization itself (operators taking `const Box &`)."""


@dataclass(frozen=True)
class Fixed:
    """An argument the shim supplies (config `[arguments]`); absent from the Python call."""

    expr: str


@dataclass(frozen=True)
class Deduced:
    """A member template parameter C++ deduces from what the kernel passes (a device array
    passes its data pointer)."""


@dataclass(frozen=True)
class ArrayOf:
    """`T (&)[N]`: a local or device array of exactly `count` elements of `of`."""

    of: str  # template parameter name of the element type
    count: str  # template parameter name of the extent


@dataclass(frozen=True)
class OutReturn:
    """An out_return parameter: a local the callee writes, handed back as a result."""

    of: Known | TemplateArg


TemplateSlot = Known | TemplateArg | SelfType | Fixed | Deduced | ArrayOf | OutReturn


@dataclass(frozen=True)
class TypeParam:
    """A template parameter of a function template; `default` is a type or None."""

    name: str
    default: Type | None = None


@dataclass(frozen=True)
class FunctionTemplateOverload:
    """One C++ function template: deduced from the Numba argument types at typing time."""

    id: str
    callee: str
    tparams: tuple[TypeParam, ...]
    params: tuple[TemplateSlot, ...]
    result: TemplateSlot
    decl: str = ""
    where: str = ""


@dataclass(frozen=True)
class FunctionTemplate:
    name: str
    overloads: tuple[FunctionTemplateOverload, ...]
    doc: str = ""


@dataclass(frozen=True)
class ClassTemplateParam:
    """A class template parameter: a type (`kind="type"`, `default` a Type) or an integer
    (`kind="int"`, `default` an int; `enum` the C++ enum it is spelled as, with `enumerators`
    by name)."""

    name: str
    kind: str
    default: Type | int | None = None
    enum: str = ""
    enumerators: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class TemplateMethod:
    """A member of a class template, resolved for each specialization at typing time."""

    name: str
    params: tuple[TemplateSlot, ...]
    result: TemplateSlot


@dataclass(frozen=True)
class TemplateOperator:
    op: str  # the Python-side key, as in Operator.op
    cpp: str  # the C++ operator spelling
    params: tuple[TemplateSlot, ...]
    result: TemplateSlot


@dataclass(frozen=True)
class TemplateField:
    name: str
    type: TemplateSlot


@dataclass(frozen=True)
class ClassTemplate:
    """A C++ class template: specializations are made at typing time, their layout asked of
    NVRTC."""

    id: str
    name: str
    cpp: str
    tparams: tuple[ClassTemplateParam, ...]
    constructors: tuple[tuple[TemplateSlot, ...], ...]
    methods: tuple[tuple[str, tuple[TemplateMethod, ...]], ...] = ()
    operators: tuple[TemplateOperator, ...] = ()
    fields: tuple[TemplateField, ...] = ()
    by_ref: bool = False
    doc: str = ""
    decl: str = ""
    where: str = ""


# -- the module ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Alias:
    """A typedef: another name for an export of this module (`export`) or for a type."""

    name: str
    export: str = ""
    type: Type | None = None


@dataclass(frozen=True)
class Constant:
    name: str
    value: int | float | bool


@dataclass(frozen=True)
class Use:
    """Another bindings module whose records this one uses: imported by `module`, made from
    the IR whose canonical sha256 is `ir_digest`."""

    module: str
    ir_digest: str
    records: tuple[str, ...] = ()  # the record ids this module needs from it


@dataclass(frozen=True)
class Module:
    """Everything one bindings module binds."""

    version: tuple[int, int]
    ir_digest: str
    prelude: str  # the #defines and #includes every shim needs
    include_dirs: tuple[str, ...] = ()  # searched by NVRTC; relative to the module's file
    uses: tuple[Use, ...] = ()
    enums: tuple[Enum, ...] = ()
    records: tuple[Record, ...] = ()
    functions: tuple[Function, ...] = ()
    operators: tuple[Operator, ...] = ()
    function_templates: tuple[FunctionTemplate, ...] = ()
    class_templates: tuple[ClassTemplate, ...] = ()
    aliases: tuple[Alias, ...] = ()
    constants: tuple[Constant, ...] = ()
    skipped: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    def shims(self) -> dict[str, str]:
        """Every shim's C++ source, by its extern "C" name."""
        found = {}
        for r in self.records:
            found.update((o.shim, o.source) for o in r.constructors)
            found.update((c.shim, c.source) for c in r.casts)
            for m in r.methods:
                found.update((o.shim, o.source) for o in m.overloads)
        for f in (*self.functions, *self.operators):
            found.update((o.shim, o.source) for o in f.overloads)
        return found

    def exports(self) -> list[str]:
        """The Python names the module defines, sorted."""
        names = [e.name for e in self.enums] + [r.name for r in self.records]
        names += [f.name for f in self.functions] + [f.name for f in self.function_templates]
        names += [c.name for c in self.class_templates] + [a.name for a in self.aliases]
        names += [c.name for c in self.constants]
        return sorted(set(names))
