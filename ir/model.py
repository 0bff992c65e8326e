"""The IR model: msgspec Structs for the header, declarations, types and dependency edges.

Every Struct is frozen, rejects unknown fields, and omits fields left at their default, so the
JSON stays small and a hand edit with a misspelt field fails with its JSON path. Declarations are
a tagged union on the field `kind`.
"""

from __future__ import annotations

from typing import Literal

import msgspec


class _Node(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, omit_defaults=True
):
    """Base of every IR Struct."""


# ---------------------------------------------------------------------------------------------
# The file header
# ---------------------------------------------------------------------------------------------


class Generator(_Node, kw_only=True):
    """The tool that wrote the document."""

    name: str
    version: str


class CudaInfo(_Node, kw_only=True):
    """The CUDA headers the parse used: version from CUDART_VERSION, and how they were found."""

    version: str | None = None
    found_via: str | None = None  # "site-packages", "CUDA_HOME", ...


class IncludeRoot(_Node, kw_only=True):
    """A folder locations are relative to. `name` labels it; `path` is never absolute."""

    name: str  # "cuda", "cccl", "input", "I0", ...
    path: str  # "include", "include/cccl", or a user folder's name
    # IR 1.3, user folders only (-I and the inputs' own): where the folder lies, relative to
    # the folder of the IR file (of the current folder for standard input), so that bindings
    # find the user's headers. Absolute only in memory, before the document is written.
    dir: str | None = None


class InputHeader(_Node, kw_only=True):
    """A retained header file and the sha256 of its bytes."""

    path: str  # relative to its include root
    root: str  # IncludeRoot.name
    sha256: str
    # IR 1.1: False for companions (cuda_bf16.hpp) and --retain files, which the requested
    # headers include themselves; bindings #include only the requested ones.
    requested: bool = True


class Diagnostic(_Node, kw_only=True):
    """A clang diagnostic kept with `--keep-going`."""

    severity: Literal["warning", "error", "fatal"]
    location: str  # "file:line:col", relative to an include root
    message: str


class Header(_Node, kw_only=True):
    """What produced the declarations: tools, CUDA, target and inputs."""

    format: str  # always IR_FORMAT; required so it is always written
    version: str  # IR_VERSION of the writer
    generator: Generator
    clang_version: str
    cuda: CudaInfo
    arch: str  # "sm_90"; of a multi-arch dump, the one whose parse gave the declarations
    std: str  # "c++17"
    defines: list[str] = []
    include_roots: list[IncludeRoot] = []
    inputs: list[InputHeader] = []
    diagnostics: list[Diagnostic] = []
    # IR 1.4: every arch the dump parsed for, sorted (empty: only `arch`).
    archs: list[str] = []


# ---------------------------------------------------------------------------------------------
# Types
# ---------------------------------------------------------------------------------------------

TypeKind = Literal[
    "void",
    "builtin",
    "pointer",
    "lvalue_reference",
    "rvalue_reference",
    "member_pointer",
    "array",
    "vector",
    "record",
    "enum",
    "function",
    "template_parameter",
    "dependent",
    "auto",
    "nullptr",
    "other",
]


class TypeRef(_Node, kw_only=True):
    """A structured C++ type.

    `kind` is what the type is after removing typedef sugar; `spelling` is as written;
    `qualified` is fully qualified (`cub::BlockScan<T, 128>::TempStorage &`), so no consumer
    needs to parse C++ spellings. `decl` is the id of the record / enum / template named by the
    type (possibly outside the retained headers); `typedef` the id of the typedef written.
    """

    kind: TypeKind
    spelling: str
    canonical: str
    qualified: str
    const: bool = False
    volatile: bool = False
    restrict: bool = False
    size: int | None = None  # bytes
    align: int | None = None  # bytes
    pointee: TypeRef | None = None  # pointers, references, member pointers
    element: TypeRef | None = None  # arrays and vectors
    count: int | None = None  # array / vector length; None for `T[]`
    decl: str | None = None
    typedef: str | None = None
    result: TypeRef | None = None  # function types
    params: list[TypeRef] = []  # function types


class Location(_Node, kw_only=True):
    """A position in a header, relative to an include root (`cuda_bf16.h`, line 1203)."""

    file: str
    line: int
    column: int


# ---------------------------------------------------------------------------------------------
# Pieces of declarations
# ---------------------------------------------------------------------------------------------

Access = Literal["public", "protected", "private"]
ExecSpace = Literal["host", "device", "host_device", "global"]


class Constant(_Node, kw_only=True):
    """A compile-time value, kept losslessly as text.

    `kind` int: decimal digits (any width); float: Python `repr` of the double (round-trips
    exactly); bool: "true"/"false"; char and string: the literal as written.
    """

    kind: Literal["int", "float", "bool", "char", "string"]
    value: str
    spelling: str | None = None  # the literal as written, when it came from tokens


class TemplateParam(_Node, kw_only=True):
    """`typename T = int`, `int N = 3`, `template <class> class TT`, or a pack of any of them."""

    kind: Literal["type", "non_type", "template"]
    name: str
    pack: bool = False
    default: str | None = None  # the default argument as written
    type: TypeRef | None = None  # non_type only
    params: list[TemplateParam] = []  # template only


class TemplateArg(_Node, kw_only=True):
    """One argument of a specialization: `float`, `3`, ..."""

    kind: Literal["type", "integral", "pack", "other"]
    spelling: str
    type: TypeRef | None = None
    value: str | None = None  # integral arguments, as decimal text


class Param(_Node, kw_only=True):
    """A function parameter."""

    name: str  # "" when unnamed
    type: TypeRef
    has_default: bool = False
    default: str | None = None  # the default argument as written


class Field(_Node, kw_only=True):
    """A non-static data member. `offset` is in bits, as C++ bitfields need."""

    name: str  # anonymous members get the derived name of their anonymous record
    type: TypeRef
    offset: int | None = None  # bits from the start of the record
    bitfield_width: int | None = None
    access: Access = "public"
    mutable: bool = False


class Base(_Node, kw_only=True):
    """A base class: `struct D : public B<D>`."""

    type: TypeRef
    access: Access = "public"
    virtual: bool = False
    offset: int | None = None  # bytes


class Method(_Node, kw_only=True):
    """A member function: constructor, destructor, conversion, operator or plain method.

    `ctor_kind` tells default / copy / move / converting constructors apart.
    """

    id: str
    name: str
    role: Literal["method", "constructor", "destructor", "conversion", "operator"]
    location: Location
    doc: str | None = None  # IR 1.2: the doc comment, without comment markers
    return_type: TypeRef
    params: list[Param] = []
    access: Access = "public"
    exec_space: ExecSpace = "host"
    mangled_name: str | None = None
    operator: str | None = None  # "+", "+=", "()", "[]", ...
    ctor_kind: Literal["default", "copy", "move", "converting", "other"] | None = None
    const: bool = False
    volatile: bool = False
    ref_qualifier: Literal["none", "lvalue", "rvalue"] = "none"
    static: bool = False
    virtual: bool = False
    pure: bool = False
    deleted: bool = False
    defaulted: bool = False
    explicit: bool = False
    noexcept: bool = False
    constexpr: bool = False
    inline: bool = False
    variadic: bool = False
    template_params: list[TemplateParam] | None = None  # member templates


class Enumerator(_Node, kw_only=True):
    """One `NAME = value` of an enum."""

    name: str
    value: int


# ---------------------------------------------------------------------------------------------
# Declarations (tagged union on `kind`)
# ---------------------------------------------------------------------------------------------


class _Decl(_Node, tag_field="kind", kw_only=True):
    """Fields every declaration has.

    `id` is stable across runs, machines and CUDA releases (clang's USR, with file names,
    inline namespaces and anonymous-record numbering removed). `parent` is the enclosing
    record's id for nested declarations. `arch_guard` (IR 1.1) is set when the declaration
    exists only under a preprocessor condition on `__CUDA_ARCH__`.
    """

    id: str
    name: str
    qualified_name: str
    location: Location
    doc: str | None = None  # IR 1.2: the doc comment, without comment markers
    parent: str | None = None
    access: Access | None = None
    # IR 1.1: the `#if` conditions mentioning __CUDA_ARCH__ that enclose the declaration.
    arch_guard: str | None = None
    # IR 1.4: the archs of a multi-arch dump (`header.archs`) whose parse has it, when not
    # all of them: what the preprocessor kept for each arch, not a reading of the guard.
    archs: list[str] | None = None


class _FunctionFields(_Decl, kw_only=True):
    return_type: TypeRef
    params: list[Param] = []
    exec_space: ExecSpace = "host"
    mangled_name: str | None = None  # None where clang gives none (dependent signatures)
    operator: str | None = None
    friend_of: str | None = None  # id of the record declaring this hidden friend
    variadic: bool = False
    noexcept: bool = False
    deleted: bool = False
    constexpr: bool = False
    inline: bool = False
    static: bool = False  # internal linkage
    attributes: list[str] = []


class Function(_FunctionFields, tag="function", kw_only=True):
    """A free function: `__device__ __nv_bfloat16 __hadd(__nv_bfloat16 a, __nv_bfloat16 b);`.

    An explicit specialization of a function template sets `specializes` and `template_args`.

    IR 1.5: a constructor of a record of another header, defined out of line in a retained
    one (`__half::__half(const __nv_bfloat16)` in cuda_bf16.h, declared in cuda_fp16.h), sets
    `constructs` to that record's id; its `return_type` is the record, and `explicit` is the
    declaration's.
    """

    specializes: str | None = None
    template_args: list[TemplateArg] = []
    constructs: str | None = None
    explicit: bool = False


class FunctionTemplate(_FunctionFields, tag="function_template", kw_only=True):
    """`template <typename T> __device__ T clamp(T x, T lo = T(0), T hi = T(1));`"""

    template_params: list[TemplateParam] = []


class _RecordFields(_Decl, kw_only=True):
    tag: Literal["struct", "class", "union"] = "struct"
    size: int | None = None  # bytes; None while incomplete or dependent
    align: int | None = None
    anonymous: bool = False
    fields: list[Field] = []
    bases: list[Base] = []
    constructors: list[Method] = []
    destructor: Method | None = None
    methods: list[Method] = []
    nested: list[str] = []  # ids of nested records, enums, typedefs, templates
    trivially_copyable: bool | None = None
    trivially_destructible: bool | None = None
    abstract: bool = False


class Record(_RecordFields, tag="record", kw_only=True):
    """`struct __nv_bfloat162 { __nv_bfloat16 x, y; ... };`, a union, or a class.

    A specialization named by the header (`typedef Storage<float, 3> F3;`, or
    `template <> struct Storage<bool, 1> {...}`) sets `specializes` and `template_args`;
    `implicit` tells an instantiation from an explicit specialization.
    """

    specializes: str | None = None
    template_args: list[TemplateArg] = []
    implicit: bool = False


class ClassTemplate(_RecordFields, tag="class_template", kw_only=True):
    """`template <typename T, int BLOCK_DIM_X, ...> class BlockScan {...};`"""

    template_params: list[TemplateParam] = []


class ClassTemplatePartialSpecialization(_RecordFields, tag="class_template_partial", kw_only=True):
    """`template <typename T> struct Storage<T, 1> {...};`"""

    template_params: list[TemplateParam] = []
    specializes: str
    template_args: list[TemplateArg] = []


class Enum(_Decl, tag="enum", kw_only=True):
    """`enum class cudaRoundMode : int { cudaRoundNearest, ... };`"""

    scoped: bool = False
    underlying: TypeRef
    enumerators: list[Enumerator] = []
    anonymous: bool = False


class Typedef(_Decl, tag="typedef", kw_only=True):
    """`typedef struct __nv_bfloat16 nv_bfloat16;` or `using F3 = Storage<float, 3>;`"""

    target: TypeRef
    using: bool = False


class AliasTemplate(_Decl, tag="alias_template", kw_only=True):
    """`template <typename T> using Vec = Storage<T, 4>;`"""

    target: TypeRef
    template_params: list[TemplateParam] = []


class Variable(_Decl, tag="variable", kw_only=True):
    """`constexpr int kWarp = 32;` or `static const float kPi = 3.14f;` (value when known)."""

    type: TypeRef
    constexpr: bool = False
    static: bool = False
    value: Constant | None = None


class Macro(_Decl, tag="macro", kw_only=True):
    """`#define CUDART_INF_BF16 ...` whose expansion is one literal (object-like macros only)."""

    value: Constant


Declaration = (
    Function
    | FunctionTemplate
    | Record
    | ClassTemplate
    | ClassTemplatePartialSpecialization
    | Enum
    | Typedef
    | AliasTemplate
    | Variable
    | Macro
)


def decl_kind(decl: _Decl) -> str:
    """The `kind` tag of a declaration (`"function"`, `"record"`, ...)."""
    return type(decl).__struct_config__.tag


RECORD_KINDS = (Record, ClassTemplate, ClassTemplatePartialSpecialization)
FUNCTION_KINDS = (Function, FunctionTemplate)

# ---------------------------------------------------------------------------------------------
# Dependency edges and the document
# ---------------------------------------------------------------------------------------------

EdgeKind = Literal[
    "param_type",  # a function or method parameter uses the type
    "return_type",
    "field_type",
    "base",
    "member_of",  # a method, nested declaration or hidden friend belongs to a record
    "aliases",  # a typedef / alias names the type
    "specializes",  # a specialization or instantiation of a template
]


class Edge(_Node, kw_only=True):
    """`source` depends on `target` (e.g. a function on the record its parameter names)."""

    source: str = msgspec.field(name="from")
    target: str = msgspec.field(name="to")
    kind: EdgeKind


class APIDocument(_Node, kw_only=True):
    """One api.json: the header, the declarations in source order, the dependency edges."""

    header: Header
    declarations: list[Declaration] = []
    edges: list[Edge] = []
