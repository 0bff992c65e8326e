"""The C++ side of bindings, as data: scalar and vector type names, operators, shim text.

One home for each: the planner and the runtime both read these (this module imports nothing
of Numba, so `numbast emit` runs without it).
"""

from __future__ import annotations

import hashlib

# C++ builtin types (canonical spelling, no qualifiers) -> scalar names of the tables.
BUILTINS = {
    "bool": "bool",
    "char": "int8",
    "signed char": "int8",
    "unsigned char": "uint8",
    "short": "int16",
    "unsigned short": "uint16",
    "int": "int32",
    "unsigned int": "uint32",
    "long": "int64",
    "unsigned long": "uint64",
    "long long": "int64",
    "unsigned long long": "uint64",
    "float": "float32",
    "double": "float64",
    "__fp16": "float16",
    "_Float16": "float16",
    "__bf16": "bfloat16",
    "void": "void",
}

# The scalar names of the tables; all but bool and void are numbers.
SCALAR_NAMES = (
    "bool",
    "int8",
    "uint8",
    "int16",
    "uint16",
    "int32",
    "uint32",
    "int64",
    "uint64",
    "float16",
    "bfloat16",
    "float32",
    "float64",
    "void",
)
NUMBER_NAMES = SCALAR_NAMES[1:-1]

# Scalar names -> the C++ type a shim spells them as (template arguments, locals).
SCALAR_CPP = {
    "bool": "bool",
    "int8": "signed char",
    "uint8": "unsigned char",
    "int16": "short",
    "uint16": "unsigned short",
    "int32": "int",
    "uint32": "unsigned int",
    "int64": "long long",
    "uint64": "unsigned long long",
    "float16": "__half",
    "float32": "float",
    "float64": "double",
    "bfloat16": "__nv_bfloat16",
}

# CUDA records that Numba already has: C++ name -> scalar name.
# What `[shim] link` files may be, by suffix: the cuda.core ObjectCode constructor of each.
LINKABLE_SUFFIXES = {
    ".ltoir": "from_ltoir",
    ".ptx": "from_ptx",
    ".o": "from_object",
    ".a": "from_library",
    ".lib": "from_library",
    ".cubin": "from_cubin",
    ".fatbin": "from_fatbin",
}

CUDA_SCALARS = {"__half": "float16", "__nv_bfloat16": "bfloat16"}
# Their storage records (one unsigned short of the same bits), where no module in use binds
# them: passed and returned as the Numba scalar of the same bits.
RAW_SCALARS = {"__half_raw": "float16", "__nv_bfloat16_raw": "bfloat16"}
# Their pairs (two unsigned shorts `x`, `y`): Numba's uint16x2 has the same fields and layout.
RAW_VECTORS = {"__half2_raw": "uint16x2", "__nv_bfloat162_raw": "uint16x2"}

# CUDA vector element spellings (`uint` of `uint2`) -> scalar names; `uint2` is `uint32x2`.
VECTOR_ELEMENTS = {
    "char": "int8",
    "uchar": "uint8",
    "short": "int16",
    "ushort": "uint16",
    "int": "int32",
    "uint": "uint32",
    "long": "int64",
    "ulong": "uint64",
    "longlong": "int64",
    "ulonglong": "uint64",
    "float": "float32",
    "double": "float64",
}
VECTORS = {  # C++ name -> Numba vector name
    f"{base}{n}": f"{scalar}x{n}" for base, scalar in VECTOR_ELEMENTS.items() for n in (1, 2, 3, 4)
}
# CUDA 13's over-aligned 4-vectors of 8-byte elements are Numba's 4-vectors too: the runtime
# gives every vector argument and result storage aligned for them.
VECTORS.update(
    {
        f"{base}4_{align}a": f"{VECTOR_ELEMENTS[base]}x4"
        for base in ("long", "ulong", "longlong", "ulonglong", "double")
        for align in (16, 32)
    }
)
# `dim3` (3 unsigned ints, as `uint3`, with constructors): Numba's uint32x3 stands for it.
VECTORS["dim3"] = "uint32x3"
VECTOR_ALIGN = 32
# Numba vector name -> C++ name (`long2` and `longlong2` are both int64x2: Numba's is the latter).
VECTOR_CPP = {
    f"{scalar}x{n}": f"{base}{n}"
    for base, scalar in VECTOR_ELEMENTS.items()
    if base not in ("long", "ulong")
    for n in (1, 2, 3, 4)
}

# C++ operator spellings -> names in Python's `operator` module (`u-` is unary minus).
OPERATORS = {
    "+": "add",
    "-": "sub",
    "*": "mul",
    "/": "truediv",
    "%": "mod",
    "&": "and_",
    "|": "or_",
    "^": "xor",
    "<<": "lshift",
    ">>": "rshift",
    "==": "eq",
    "!=": "ne",
    "<": "lt",
    "<=": "le",
    ">": "gt",
    ">=": "ge",
    "+=": "iadd",
    "-=": "isub",
    "*=": "imul",
    "/=": "itruediv",
    "%=": "imod",
    "&=": "iand",
    "|=": "ior",
    "^=": "ixor",
    "<<=": "ilshift",
    ">>=": "irshift",
    "u-": "neg",
    "u+": "pos",
    "u~": "invert",
}
UNARY = {"-": "u-", "+": "u+", "~": "u~"}  # C++ unary operator -> its OPERATORS key
BINARY = {op for op in OPERATORS if not op.startswith("u")}


def is_inplace(op: str) -> bool:
    """`+=` and friends (not the comparisons that also end in `=`)."""
    return op.endswith("=") and op not in ("==", "!=", "<=", ">=")


def shim_name(key: str) -> str:
    """Extern "C" name of a shim, from a stable key (declaration id and variant): the same in
    every module and process, distinct across declarations."""
    return "nbst_" + hashlib.sha256(key.encode()).hexdigest()[:20]


# Device helpers every shim source has after its includes (the runtime's own C++, no input in
# it): `numbast::block_storage{}` / `numbast::warp_storage{}` bind to the `TempStorage &` a
# CUB-style constructor takes (a config's [arguments] gives them), with shared memory for the
# block, or for each 32-thread warp of it.
DEVICE_HELPERS = """
namespace numbast {
template <bool B> struct only_if {};
template <> struct only_if<true> { using type = int; };
// Converts only to storage types (trivially constructible: a TempStorage, not the class
// whose constructor takes it, so its copy constructor is no candidate).
#define NUMBAST_STORAGE template <class S, typename only_if<__has_trivial_constructor(S)>::type = 0>
struct block_storage {
  NUMBAST_STORAGE __device__ operator S &() const {
    __shared__ S storage;
    return storage;
  }
};
struct warp_storage {
  NUMBAST_STORAGE __device__ operator S &() const {
    __shared__ S storage[32];
    unsigned t = threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z);
    return storage[t / 32];
  }
};
#undef NUMBAST_STORAGE
}  // namespace numbast
"""


def with_helpers(prelude: str) -> str:
    """A module's prelude (its #includes) followed by the runtime's device helpers."""
    return prelude + "\n" + DEVICE_HELPERS


def shim_source(name: str, nargs: int, body: str) -> str:
    """The C++ of one shim: `int name(void *out, void *a0, ...)` running `body`."""
    params = ", ".join(["void *out"] + [f"void *a{k}" for k in range(nargs)])
    return f'extern "C" __device__ int {name}({params}) {{\n  {body}\n  return 0;\n}}\n'


def arg(cpp: str, k: int) -> str:
    """The C++ argument read from shim parameter a<k> (a pointer to a `cpp` value)."""
    return f"*static_cast<{cpp} *>(a{k})"


def moved(cpp: str, k: int) -> str:
    """The argument for a `cpp &&` parameter: the shim's value passed as an rvalue (as
    `std::move(x)` passes it)."""
    return f"static_cast<{cpp} &&>({arg(cpp, k)})"


def construct(cpp: str, expr: str) -> str:
    """A shim statement that builds the result `expr` (of C++ type `cpp`) at `out` (a
    pointer type in parentheses: `new (out) T *(x)` does not parse)."""
    if cpp.rstrip().endswith("*"):
        return f"::new (out) ({cpp})({expr});"
    return f"::new (out) {cpp}({expr});"


def out_return_body(result_cpp: str | None, call: str, outs: list[tuple[str, str]]) -> str:
    """Shim body of a call whose out_return locals [(C++ type, local name)] come back as
    results after the return value (`result_cpp` None when void)."""
    members = ([] if result_cpp is None else [(result_cpp, "r")]) + outs
    fields = " ".join(f"{c} {n};" for c, n in members)
    lines = [f"{c} {n}{{}};" for c, n in outs]
    lines.append(f"struct R {{ {fields} }}; R *res = static_cast<R *>(out);")
    lines.append(f"{call};" if result_cpp is None else f"res->r = {call};")
    lines += [f"res->{n} = {n};" for _, n in outs]
    return " ".join(lines)


def split_template_args(text: str) -> list[str]:
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
