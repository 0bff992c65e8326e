"""The binding config (TOML, decoded strictly with msgspec): what to emit and how.

```toml
include = ["__h*", "Counter"]          # globs over C++ names (qualified or not); default all
exclude = ["*_debug*"]
internal = ["__internal*"]             # implementation helpers skipped (default: CUDA's)
strip_prefix = ["__"]                  # Python names lose these prefixes
strip_prefix_of = { function = ["mylib_"], enum = ["MYLIB_"] }   # only that kind's names:
                                       # function (templates too), record (class templates
                                       # too), enum
strip_enumerator_prefix = ["__NV_"]    # enumerators lose these (`saturation_t.NOSAT`)
opaque = ["Plain"]                     # records given an opaque model (no field layout)

[rename]                               # C++ name -> Python name (enumerators:
"__nv_bfloat16_raw" = "bf16_raw"       # "Enum::NAME" or "NAME")

[arguments]                            # fixed C++ arguments, gone from the Python call
"cub::BlockReduce::Reduce" = { reduction_op = "::cuda::maximum<>{}" }

[intents]                              # reference parameters: in (default), inout_ptr,
divmod = { rem = "out_return" }        # out_ptr (pass a pointer/array), out_return (returned)
"Counter::bump" = { 0 = "in" }

[check]                                # specializations `numbast check` compiles and links:
"cub::BlockReduce" = [{ T = "int32", BlockDimX = 128 }]   # types by Numba name, integers
"clamp_to" = [{ T = "float32" }]       # function templates too

cooperative_launch = ["_collective"]   # functions (regexes searched in C++ names) that need
                                       # a cooperative launch: a kernel calling one gets it

[module]                               # what the library's Python side needs (NVSHMEM's):
imports = ["nvshmem.bindings"]         # imported with the bindings module
setup = "nvshmem.bindings.cumodule_init"        # called with each loaded CUDA module
teardown = "nvshmem.bindings.cumodule_finalize" # (its handle, an int) before its first
                                       # launch and before it is unloaded

[shim]
includes = ["<cuda_bf16.h>"]           # replaces the default #include of the dumped headers
include_dirs = ["../include"]          # searched by NVRTC first; relative to this file
defines = { MY_FLAG = "1" }
sources = ["../src/mylib.cu"]          # the library's implementation, compiled with the shims
link = ["../lib/libmylib.a"]           # linked as they are: .ltoir .ptx .o .a .cubin .fatbin
nvrtc_options = ["-default-device"]    # for headers with unannotated functions
```
"""

from __future__ import annotations

import difflib
import fnmatch
import re
from pathlib import Path
from typing import Literal

import msgspec

from .errors import EmitError

Intent = Literal["in", "inout_ptr", "out_ptr", "out_return"]
PrefixKind = Literal["function", "record", "enum"]
_PREFIX_KINDS = {  # ir.decl_kind -> the `strip_prefix_of` key
    "function": "function",
    "function_template": "function",
    "record": "record",
    "class_template": "record",
    "enum": "enum",
}


class ShimConfig(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    includes: list[str] = []
    include_dirs: list[str] = []
    defines: dict[str, str] = {}
    sources: list[str] = []  # .cu files (relative to the config file)
    link: list[str] = []  # .ltoir, .ptx, .o, .a/.lib, .cubin, .fatbin files
    nvrtc_options: list[str] = []  # e.g. "-default-device" (runtime/compiler.py lists them)


class ModuleConfig(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    imports: list[str] = []  # dotted module names
    setup: str = ""  # dotted name of a callable
    teardown: str = ""


# CUDA's headers define implementation helpers next to their API; several of them do not
# compile under NVRTC (they rely on nvcc-only paths). Not bound unless a config says otherwise.
CUDA_INTERNALS = ["__internal*", "*_internal", "__float_simpl_*"]


class BindConfig(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    include: list[str] = []
    exclude: list[str] = []
    internal: list[str] = msgspec.field(default_factory=lambda: list(CUDA_INTERNALS))
    strip_prefix: list[str] = []
    strip_prefix_of: dict[PrefixKind, list[str]] = {}
    strip_enumerator_prefix: list[str] = []
    opaque: list[str] = []
    rename: dict[str, str] = {}
    # Qualified callable name ("divmod", "Counter::bump", "Counter::Counter") -> parameter name
    # or 0-based index -> intent. Reference parameters default to `in` (a copy: changes dropped).
    intents: dict[str, dict[str, Intent]] = {}
    # Qualified callable name -> parameter name -> a C++ expression the shim passes for it; the
    # parameter then disappears from the Python signature (e.g. a functor: cuda::maximum<>{}).
    arguments: dict[str, dict[str, str]] = {}
    # Template (C++ or Python name) -> the template arguments of each specialization that
    # `numbast check` instantiates: a Numba type name ("int32", "float32"), the Python name of
    # a bound record, or an integer.
    check: dict[str, list[dict[str, str | int]]] = {}
    cooperative_launch: list[str] = []  # regexes searched in functions' C++ names
    module: ModuleConfig = msgspec.field(default_factory=ModuleConfig)
    shim: ShimConfig = msgspec.field(default_factory=ShimConfig)

    def __post_init__(self):
        from .names import python_dotted

        for k, pattern in enumerate(self.cooperative_launch):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise msgspec.ValidationError(
                    f"not a regular expression ({exc}) - at `$.cooperative_launch[{k}]`"
                ) from None
        m = self.module
        for where, name in [
            *((f"$.module.imports[{k}]", n) for k, n in enumerate(m.imports)),
            *(("$.module." + f, getattr(m, f)) for f in ("setup", "teardown") if getattr(m, f)),
        ]:
            if not python_dotted(name):
                raise msgspec.ValidationError(f"not a dotted Python name: {name!r} - at `{where}`")

    def cooperative(self, name: str) -> bool:
        """Whether a function of this C++ name needs a cooperative launch."""
        return any(re.search(p, name) for p in self.cooperative_launch)

    def intent(self, callable_name: str, param: str, index: int) -> str:
        given = self.intents.get(callable_name, {})
        return given.get(param) or given.get(str(index)) or "in"

    def selects(self, name: str, qualified: str) -> bool:
        def hit(patterns):
            return any(fnmatch.fnmatchcase(n, p) for p in patterns for n in (name, qualified))

        return (not self.include or hit(self.include)) and not hit(self.exclude)

    def is_internal(self, name: str) -> bool:
        return any(fnmatch.fnmatchcase(name, p) for p in self.internal)

    def enumerator_name(self, name: str, qualified: str) -> str:
        """An enumerator's Python name (`[rename]` by "Enum::NAME" or "NAME", then
        `strip_enumerator_prefix`)."""
        return self._renamed(name, qualified, self.strip_enumerator_prefix)

    def python_name(self, name: str, qualified: str, kind: str = "") -> str:
        """The Python name of a declaration of `kind` (ir.decl_kind's: "function", ...):
        `[rename]`, then the prefixes stripped from every name and from that kind's."""
        own = self.strip_prefix_of.get(_PREFIX_KINDS.get(kind, ""), [])
        return self._renamed(name, qualified, [*self.strip_prefix, *own])

    def _renamed(self, name: str, qualified: str, prefixes: list[str]) -> str:
        for key in (qualified, name):
            if key in self.rename:
                return self.rename[key]
        for prefix in prefixes:
            if name.startswith(prefix) and len(name) > len(prefix):
                return name[len(prefix) :]
        return name


_UNKNOWN = re.compile(r"Object contains unknown field `(?P<key>[^`]*)`")


def _explained(msg: str, where: str) -> str:
    """msgspec's message in the config's words: an unknown key names the keys it may have
    meant (the section's keys closest to it)."""
    m = _UNKNOWN.fullmatch(msg)
    if m is None:
        return msg
    section = ShimConfig if where.startswith("$.shim") else BindConfig
    close = difflib.get_close_matches(m["key"], section.__struct_fields__, n=2, cutoff=0.6)
    hint = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
    return f"unknown key {m['key']!r}{hint}"


def load_config(path: str | Path | None) -> BindConfig:
    if path is None:
        return BindConfig()
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise EmitError(f"cannot read: {exc.strerror}", str(path)) from None
    try:
        return msgspec.toml.decode(data, type=BindConfig)
    except msgspec.ValidationError as exc:
        text = str(exc)
        msg, _, where = text.partition(" - at `")
        where = where.rstrip("`") or "$"
        raise EmitError(f"{where}: {_explained(msg, where)}", str(path)) from None
    except msgspec.DecodeError as exc:
        raise EmitError(f"{path}: not valid TOML: {exc}") from None
