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

from . import cxx

TABLE_VERSION = (1, 8)

_MISSING = object()


class Row:
    """Base of every table class: fields from the class annotations (defaults from the class
    body), immutable, compared and hashed by class and values. Hand-written instead of
    dataclasses because a generated module builds thousands of rows at import, and defining
    the classes costs a dataclass decorator ten times more."""

    FIELDS: tuple[str, ...] = ()
    FIELDSET: frozenset[str] = frozenset()
    DEFAULTS: dict[str, object] = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        fields = list(cls.FIELDS)
        defaults = dict(cls.DEFAULTS)
        for name in cls.__dict__.get("__annotations__", {}):
            if name in ("FIELDS", "FIELDSET", "DEFAULTS"):
                continue
            if name not in fields:
                fields.append(name)
            if name in cls.__dict__:
                defaults[name] = cls.__dict__[name]
                delattr(cls, name)
            elif name in defaults:
                del defaults[name]
        cls.FIELDS = tuple(fields)
        cls.FIELDSET = frozenset(fields)
        cls.DEFAULTS = defaults

    def __init__(self, *args, **kwargs):
        names, defaults = self.FIELDS, self.DEFAULTS
        # Fast paths (a module builds thousands of rows): all by position, or by keyword.
        if not kwargs and len(args) == len(names):
            object.__setattr__(self, "__dict__", dict(zip(names, args, strict=True)))
            return
        if not args:
            values = {**defaults, **kwargs}
            if len(values) == len(names) and kwargs.keys() <= self.FIELDSET:
                object.__setattr__(self, "__dict__", values)
                return
        if len(args) > len(names):
            raise TypeError(f"{type(self).__name__}: too many arguments")
        given = dict(zip(names, args, strict=False))  # the rest by keyword or default
        for key in kwargs.keys() & given.keys() or kwargs.keys() - self.FIELDSET:
            raise TypeError(f"{type(self).__name__}: bad or repeated field {key!r}")
        given.update(kwargs)
        values = {}
        for name in names:
            if name in given:
                values[name] = given[name]
            elif name in defaults:
                values[name] = defaults[name]
            else:
                raise TypeError(f"{type(self).__name__}: missing field {name!r}")
        object.__setattr__(self, "__dict__", values)

    def values(self) -> tuple:
        return tuple(self.__dict__[n] for n in self.FIELDS)

    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __eq__(self, other):
        return type(self) is type(other) and self.__dict__ == other.__dict__

    def __hash__(self):
        return hash((type(self).__name__, self.values()))

    def __repr__(self):
        inner = ", ".join(f"{n}={self.__dict__[n]!r}" for n in self.FIELDS)
        return f"{type(self).__name__}({inner})"


def replace(row: Row, **changes) -> Row:
    """A copy of `row` with some fields changed."""
    return type(row)(**{**row.__dict__, **changes})


# -- types ------------------------------------------------------------------------------------


class _Interned(type):
    """Types are made once per value: a module names `Scalar("float32")` hundreds of times."""

    def __init__(cls, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cls._interned = {}

    def __call__(cls, *args, **kwargs):
        if kwargs:
            return super().__call__(*args, **kwargs)
        hit = cls._interned.get(args)
        if hit is None:
            hit = cls._interned[args] = super().__call__(*args)
        return hit


class Type(Row, metaclass=_Interned):
    """A C++ type as the runtime sees it (a Numba type once resolved)."""


class Scalar(Type):
    """A Numba scalar: `bool`, `int8` ... `uint64`, `float16`, `bfloat16`, `float32`,
    `float64`, or `void` (no value)."""

    name: str


class _Scalars:
    """`S.float32` is `Scalar("float32")`: the short spelling generated modules use."""

    NAMES = cxx.SCALAR_NAMES

    def __init__(self):
        for name in self.NAMES:
            setattr(self, name, Scalar(name))


S = _Scalars()


class Vector(Type):
    """A CUDA vector type as Numba's own (`float32x2` is C++ `float2`)."""

    name: str


class Pointer(Type):
    """`T *`: a Numba CPointer; a device array may be passed for it."""

    to: Type


class RecordRef(Type):
    """A bound C++ record, by its IR id: bound in this module or in a module it uses."""

    id: str


class EnumRef(Type):
    """A C++ enum of this module: an argument takes its members (and, unless `scoped`, any
    integer); the shim reads a scoped enum's member from a 64-bit slot."""

    name: str
    base: Scalar
    scoped: bool


class Array(Type):
    """`T[count]` by value: a Numba UniTuple."""

    of: Type
    count: int


class Results(Type):
    """Several results of one call (return value first, then out_return parameters): a tuple."""

    items: tuple[Type, ...]


# -- callables ----------------------------------------------------------------------------------


class Overload(Row):
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
    # The C++ names of `args` (1.3): `f(x, t=0.5)` passes them by keyword ("" for a
    # parameter Python cannot name).
    names: tuple[str, ...] = ()
    archs: tuple[str, ...] = ()  # of the module's `archs`, those that have it, when not all (1.5)


class Function(Row):
    """A free function (or static method, named `Record_method`) with all its overloads."""

    name: str
    overloads: tuple[Overload, ...]
    doc: str = ""


class Operator(Row):
    """C++ operators bound onto Python's: `op` is the C++ spelling (`+`, `+=`), or `u-`, `u+`,
    `u~` for the unary forms."""

    op: str
    overloads: tuple[Overload, ...]


class Enum(Row):
    """A C++ enum: an IntEnum, or for `enum class` an Enum (its members are no integers)."""

    name: str
    members: tuple[tuple[str, int], ...]
    doc: str = ""
    scoped: bool = False


# -- records ------------------------------------------------------------------------------------


class Field(Row):
    """A data member: C++ name, type, offset in bits; `attr` is its Python attribute name when
    kernels may read it (public), else empty."""

    name: str
    type: Type
    offset: int
    attr: str = ""


class Cast(Row):
    """A C++ conversion operator: the record converts to `target` (`explicit`: only by cast)."""

    shim: str
    target: Type
    explicit: bool
    decl: str = ""
    source: str = ""  # the shim's C++ source


class Conversion(Row):
    """A constructor of a record Numba's own type stands for, declared by another header and
    taking one argument (1.6): `__half(__nv_bfloat16)` of cuda_bf16.h is `float16(x)` on a
    bfloat16 `x`, through the C++ constructor."""

    shim: str
    origin: Type  # the argument's type
    target: Type
    explicit: bool
    decl: str = ""
    where: str = ""
    source: str = ""  # the shim's C++ source


class Implicit(Row):
    """A non-explicit one-argument constructor: `source` converts to the record implicitly."""

    shim: str
    source: Type


class Method(Row):
    """A non-static member function with its overloads (the record itself is not in `args`)."""

    name: str
    overloads: tuple[Overload, ...]
    doc: str = ""


class Record(Row):
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


class Known(Row):
    """A parameter or result of a fixed type, with the C++ spelling the shim stores it as;
    `moved` (1.8): a parameter `T &&`, passed the shim's value as an rvalue."""

    type: Type
    cpp: str = ""
    moved: bool = False


class TemplateArg(Row):
    """A parameter or result whose type is the template parameter `name`; `forwarding`: a
    parameter `T &&` (deduced from an lvalue as `T &`, 1.2)."""

    name: str
    forwarding: bool = False


class SelfType(Row):
    """The class template specialization itself (operators taking `const Box &`)."""


class Fixed(Row):
    """An argument the shim supplies (config `[arguments]`); absent from the Python call."""

    expr: str


class Deduced(Row):
    """A member template parameter C++ deduces from what the kernel passes (a device array
    passes its data pointer)."""


class ArrayOf(Row):
    """`T (&)[N]`: a local or device array of exactly `count` elements of `of`."""

    of: str  # template parameter name of the element type
    count: str  # template parameter name of the extent


class PointerTo(Row):
    """`T *` (or `const T *`) for the template parameter `of`: a device or local array (its
    data pointer) or a pointer; T is their element type (1.2)."""

    of: str


class OutReturn(Row):
    """An out_return parameter: a local the callee writes, handed back as a result."""

    of: Known | TemplateArg


class RefTo(Row):
    """A reference parameter (`T &`, `float &`) under the intent inout_ptr or out_ptr: a
    device or local array, or a pointer, whose first element the callee reads and writes
    (1.3). `of` is the element: a template parameter or a known type."""

    of: Known | TemplateArg


class SpecializationOf(Row):
    """A parameter of a function template that is a specialization of one of the module's
    class templates (`const complex<_Tp> &`, 1.6): an argument of that class template's
    specializations, deducing from its template arguments the function template's parameters
    `args` names (one per class template parameter; "" where the argument deduces none)."""

    template: str  # the class template's IR id
    args: tuple[str, ...]
    # `barrier<_Sco, _CompletionF> *` (1.8): an array (or pointer) of the specialization,
    # passed as its data pointer.
    pointer: bool = False


class Specialized(Row):
    """A parameter of one specialization of one of the module's class templates, named by
    its C++ spelling (`cuda::barrier<thread_scope_block> &` of `barrier_arrive_tx`, 1.8):
    that specialization's Numba type, passed as the object itself."""

    cpp: str


class FromCpp(Row):
    """A result whose type only C++ knows (`decltype(...)`, `auto`, a specialization of a
    class template): asked of NVRTC at typing time for the arguments of the call (1.2)."""


TemplateSlot = (
    Known
    | TemplateArg
    | SelfType
    | Fixed
    | Deduced
    | ArrayOf
    | PointerTo
    | OutReturn
    | RefTo
    | FromCpp
    | SpecializationOf
    | Specialized
)


class TypeParam(Row):
    """A template parameter of a function template: a type (`default` a type or None) or,
    with `kind="int"` (1.2), an integer given as a keyword literal (`Size=32`).
    `cpp_default` (1.3): C++ supplies it when not given (a default the tables cannot hold,
    an integer's included): it is then left out of the call, with every parameter after it."""

    name: str
    default: Type | None = None
    kind: str = "type"
    cpp_default: bool = False


class FunctionTemplateOverload(Row):
    """One C++ function template: deduced from the Numba argument types at typing time."""

    id: str
    callee: str
    tparams: tuple[TypeParam, ...]
    params: tuple[TemplateSlot, ...]
    result: TemplateSlot
    decl: str = ""
    where: str = ""
    names: tuple[str, ...] = ()  # C++ names of the parameters a call passes (1.3)
    archs: tuple[str, ...] = ()  # of the module's `archs`, those that have it (1.5)
    # A hidden friend of a class template (1.8): not a template itself, so called by its
    # plain name (C++ finds it through its argument) and never with template arguments;
    # `tparams` are the class template's, deduced from the specialization it takes.
    friend: bool = False


class FunctionTemplate(Row):
    name: str
    overloads: tuple[FunctionTemplateOverload, ...]
    doc: str = ""


class ClassTemplateParam(Row):
    """A class template parameter: a type (`kind="type"`, `default` a Type) or an integer
    (`kind="int"`, `default` an int; `enum` the C++ enum (or `bool`) it is spelled as, with
    `enumerators` by name). `cpp_default`: C++ has a default the tables cannot describe (an
    expression, a type of no bound header): left out of the spelled specialization, with every
    parameter after it (1.1). `kind="pack"` (1.8): a trailing parameter pack, never given by
    keyword (specializations are named by their C++ spelling)."""

    name: str
    kind: str
    default: Type | int | None = None
    enum: str = ""
    enumerators: tuple[tuple[str, int], ...] = ()
    cpp_default: bool = False


class TemplateMethod(Row):
    """A member of a class template, resolved for each specialization at typing time."""

    name: str
    params: tuple[TemplateSlot, ...]
    result: TemplateSlot


class TemplateOperator(Row):
    op: str  # the Python-side key, as in Operator.op
    cpp: str  # the C++ operator spelling
    params: tuple[TemplateSlot, ...]
    result: TemplateSlot


class OperatorTemplate(Row):
    """Free operator templates over the module's class templates (`operator+(const
    complex<T> &, const T &)`), as function template overloads under an operator (1.6)."""

    op: str  # the Python-side key, as in Operator.op
    overloads: tuple[FunctionTemplateOverload, ...]


class TemplateField(Row):
    name: str
    type: TemplateSlot


class ClassTemplate(Row):
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
    # (Python name, C++ name) of public methods the tables cannot describe (member templates,
    # methods of base class templates): C++ resolves each call, NVRTC says its type (1.2).
    cpp_methods: tuple[tuple[str, str], ...] = ()
    # The C++ names of each constructor's parameters a call passes, in `constructors`' order
    # (1.3): `Accum(x, scale=2.0)`.
    constructor_names: tuple[tuple[str, ...], ...] = ()
    archs: tuple[str, ...] = ()  # of the module's `archs`, those that have it (1.5)
    # Public static data members of it and the class templates it derives from
    # (`numeric_limits(_Tp=float32).digits`): read on a specialization, C++ giving the type
    # and the value (1.7).
    statics: tuple[str, ...] = ()

    def constructor_calls(self):
        """Each public constructor: (its parameter slots, the C++ names a call may pass)."""
        names = self.constructor_names or ((),) * len(self.constructors)
        return list(zip(self.constructors, names, strict=True))

    def method_groups(self):
        """Each public method name: (Python name, the overloads the tables describe, the C++
        name of a call C++ resolves, or None)."""
        described, resolved = dict(self.methods), dict(self.cpp_methods)
        return [
            (name, described.get(name, ()), resolved.get(name))
            for name in dict.fromkeys([*described, *resolved])
        ]


# -- the module ---------------------------------------------------------------------------------


class Alias(Row):
    """A typedef: another name for an export of this module (`export`) or for a type; or
    (1.8) for a specialization of one of the module's class templates, by its C++ spelling
    (`using FFT = decltype(Size<128>() + ...)`)."""

    name: str
    export: str = ""
    type: Type | None = None
    specialization: str = ""


class Constant(Row):
    name: str
    value: int | float | bool


class Use(Row):
    """Another bindings module whose records this one uses: imported by `module`, made from
    the IR whose canonical sha256 is `ir_digest`."""

    module: str
    ir_digest: str
    records: tuple[str, ...] = ()  # the record ids this module needs from it


class Specialization(Row):
    """A specialization `numbast check` instantiates (1.3): the Python name of a class or
    function template of this module, and its template arguments (a Numba type's name, the
    Python name of a bound record, or an integer)."""

    template: str
    args: tuple[tuple[str, str | int], ...]


class Module(Row):
    """Everything one bindings module binds."""

    version: tuple[int, int]
    ir_digest: str
    prelude: str  # the #defines and #includes every shim needs
    include_dirs: tuple[str, ...] = ()  # searched by NVRTC; relative to the module's file
    # The library's implementation (1.3), relative to the module's file or absolute: .cu
    # files compiled with the shims, and LTO-IR / PTX / object / library files linked.
    sources: tuple[str, ...] = ()
    link: tuple[str, ...] = ()
    nvrtc_options: tuple[str, ...] = ()  # the module's own NVRTC options (1.3)
    uses: tuple[Use, ...] = ()
    enums: tuple[Enum, ...] = ()
    records: tuple[Record, ...] = ()
    functions: tuple[Function, ...] = ()
    operators: tuple[Operator, ...] = ()
    function_templates: tuple[FunctionTemplate, ...] = ()
    class_templates: tuple[ClassTemplate, ...] = ()
    aliases: tuple[Alias, ...] = ()
    constants: tuple[Constant, ...] = ()
    checks: tuple[Specialization, ...] = ()  # what `numbast check` instantiates (1.3)
    # The library's Python side (1.4): modules imported with the bindings, callables (dotted
    # names) given each loaded CUDA module's handle, and the shims whose callers need a
    # cooperative launch.
    imports: tuple[str, ...] = ()
    setup: str = ""
    teardown: str = ""
    cooperative: tuple[str, ...] = ()
    # Every GPU arch the module was made for, sorted (1.5): a binding whose `archs` lists
    # some of them is refused at typing for a GPU whose newest arch among these lacks it.
    archs: tuple[str, ...] = ()
    conversions: tuple[Conversion, ...] = ()  # (1.6)
    operator_templates: tuple[OperatorTemplate, ...] = ()  # (1.6)

    def required_version(self) -> tuple[int, int]:
        """The oldest table version that holds these tables: 1.8 with hidden friends of
        class templates, pointers to or fixed specializations, or rvalue references; 1.7
        with static members of class templates; 1.6 with conversions or specialization
        parameters; 1.5 for a multi-arch module; else 1.4."""
        template_overloads = [
            o for f in (*self.function_templates, *self.operator_templates) for o in f.overloads
        ]
        if any(tp.kind == "pack" for t in self.class_templates for tp in t.tparams) or any(
            a.specialization for a in self.aliases
        ):
            return (TABLE_VERSION[0], 8)
        if any(o.friend for o in template_overloads) or any(
            (isinstance(s, SpecializationOf) and s.pointer)
            or (isinstance(s, Known) and s.moved)
            or isinstance(s, Specialized)
            for s in self._template_slots()
        ):
            return (TABLE_VERSION[0], 8)
        if any(t.statics for t in self.class_templates):
            return (TABLE_VERSION[0], 7)
        if (
            self.conversions
            or self.operator_templates
            or any(isinstance(s, SpecializationOf) for o in template_overloads for s in o.params)
        ):
            return (TABLE_VERSION[0], 6)
        return (TABLE_VERSION[0], 5 if self.archs else 4)

    def _template_slots(self):
        """Every parameter slot of the templates' constructors, methods and overloads."""
        for f in (*self.function_templates, *self.operator_templates):
            for o in f.overloads:
                yield from o.params
        for t in self.class_templates:
            for ctor in t.constructors:
                yield from ctor
            for _, methods in t.methods:
                for m in methods:
                    yield from m.params
            for o in t.operators:
                yield from o.params

    def overloads(self):
        """Every Overload row: constructors, methods, functions, operators."""
        for r in self.records:
            yield from r.constructors
            for m in r.methods:
                yield from m.overloads
        for f in (*self.functions, *self.operators):
            yield from f.overloads

    def replacing_overloads(self, change) -> Module:
        """A copy with `change(row)` in place of every Overload row."""

        def rows(overloads):
            return tuple(change(o) for o in overloads)

        return replace(
            self,
            functions=tuple(replace(f, overloads=rows(f.overloads)) for f in self.functions),
            operators=tuple(replace(f, overloads=rows(f.overloads)) for f in self.operators),
            records=tuple(
                replace(
                    r,
                    constructors=rows(r.constructors),
                    methods=tuple(replace(m, overloads=rows(m.overloads)) for m in r.methods),
                )
                for r in self.records
            ),
        )

    def shims(self) -> dict[str, str]:
        """Every shim's C++ source, by its extern "C" name."""
        found = {o.shim: o.source for o in self.overloads()}
        found.update((c.shim, c.source) for r in self.records for c in r.casts)
        found.update((c.shim, c.source) for c in self.conversions)
        return found

    def exports(self) -> list[str]:
        """The Python names the module defines, sorted."""
        names = [e.name for e in self.enums] + [r.name for r in self.records]
        names += [f.name for f in self.functions] + [f.name for f in self.function_templates]
        names += [c.name for c in self.class_templates] + [a.name for a in self.aliases]
        names += [c.name for c in self.constants]
        return sorted(set(names))
