"""NVIDIA Numbast's YAML binding configs (as numba-cuda's `configs/cuda_*.yml` use them) read
into our TOML config, so a project that uses Numbast switches with one command."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from numbast.backend.config import BindConfig, ModuleConfig, ShimConfig
from numbast.backend.errors import EmitError

# Keys that name the project or tune Numbast's own code generation; our bindings need none of
# them (one runtime per process, LTO through numba-cuda, registries of our own).
_INFORMATIONAL = {
    "Name",
    "Version",
    "Output Name",
    "Use Separate Registry",
    "Require Pynvjitlink",
    "Types",  # every bound record converts with T(x) and gets the model its layout allows
    # Numbast keeps functions a macro declares in a listed file only by these prefixes; the
    # dump keeps every declaration by where its macro is expanded.
    "Macro-expanded Function Prefixes",
}
# Keys with no counterpart here: refused unless empty.
_UNSUPPORTED = {
    "Module Link Variables Used": "needs Numbast's MLIR backend",
}
_HANDLED = {
    "Entry Point",
    "File List",
    "GPU Arch",
    "Clang Include Paths",
    "Predefined Macros",
    "Exclude",
    "Data Models",
    "API Prefix Removal",
    "Skip Prefix",
    "Shim Include Override",
    "Function Argument Intents",
    "MLIR Backend",
    "Additional Import",  # [module] imports
    "Module Callbacks",  # [module] setup / teardown, from `lambda x: pkg.f(int(x))`
    "Cooperative Launch Required Functions Regex",  # cooperative_launch
    # Ours, for a library's implementation (as the TOML config's [shim] sources and link):
    "Source Files",  # .cu files compiled with the shims
    "Link Files",  # .ltoir, .ptx, .o, .a, .cubin, .fatbin files linked
}


_INTENTS = ("in", "inout_ptr", "out_ptr", "out_return")


@dataclass
class NumbastConfig:
    """What a Numbast YAML config says: the binding config, and how to dump the header."""

    config: BindConfig
    entry_point: str | None = None
    retain: list[str] = field(default_factory=list)
    include_dirs: list[str] = field(default_factory=list)
    defines: list[str] = field(default_factory=list)
    arch: str | None = None


def _list(value, key: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise EmitError(f"expected a list of strings, got {type(value).__name__}", key)


def _beside(folder: Path, given: str) -> str:
    """A path of the config: relative to the config's folder where it lies there (a header of
    the user's own), else as given (a name under the CUDA include roots, `cuda_fp8.h`)."""
    candidate = folder / given
    return str(candidate) if not Path(given).is_absolute() and candidate.exists() else given


def _callback(text, where: str) -> str:
    """The dotted name a Numbast module callback calls: `lambda x: pkg.mod.f(int(x))` (or
    `f(x)`) is read, never run; any other code is refused."""
    import ast

    if not text:
        return ""
    refused = EmitError(
        "expected `lambda x: package.function(int(x))`: other code is not run", where
    )
    try:
        node = ast.parse(str(text), mode="eval").body
    except SyntaxError:
        raise refused from None
    if not (
        isinstance(node, ast.Lambda)
        and len(node.args.args) == 1
        and not (node.args.vararg or node.args.kwarg or node.args.kwonlyargs)
        and isinstance(node.body, ast.Call)
        and len(node.body.args) == 1
        and not node.body.keywords
    ):
        raise refused
    param = node.args.args[0].arg
    arg = node.body.args[0]
    if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Name) and arg.func.id == "int":
        arg = arg.args[0] if len(arg.args) == 1 and not arg.keywords else None
    if not (isinstance(arg, ast.Name) and arg.id == param):
        raise refused
    parts, func = [], node.body.func
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if not isinstance(func, ast.Name):
        raise refused
    return ".".join([func.id, *reversed(parts)])


def read_numbast_yaml(path: str | Path) -> NumbastConfig:
    """Read a Numbast YAML config; unknown or unsupported keys are errors naming the key."""
    import msgspec
    import yaml

    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise EmitError(f"cannot read: {exc.strerror}", str(path)) from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise EmitError(f"not valid YAML: {getattr(exc, 'problem', exc)}", where) from None
    if not isinstance(raw, dict):
        raise EmitError("expected a mapping of Numbast config keys", str(path))
    for key, value in raw.items():
        if key in _UNSUPPORTED and value:
            raise EmitError(f"not supported: {_UNSUPPORTED[key]}", f"{path}: {key!r}")
        if key not in _INFORMATIONAL | set(_UNSUPPORTED) | _HANDLED:
            raise EmitError("not a Numbast config key this version knows", f"{path}: {key!r}")
    if raw.get("MLIR Backend"):
        raise EmitError("not supported: Numbast's MLIR backend", f"{path}: 'MLIR Backend'")

    exclude = raw.get("Exclude") or {}
    if not isinstance(exclude, dict):
        raise EmitError("expected a mapping with Function and Struct lists", f"{path}: 'Exclude'")
    excluded = _list(exclude.get("Function"), "Exclude.Function")
    excluded += _list(exclude.get("Struct"), "Exclude.Struct")

    prefixes = raw.get("API Prefix Removal") or {}
    # Each kind's prefixes leave only that kind's names: nvshmem4py's `Function: nvshmemx_`
    # keeps the enum `nvshmemx_smem_amount_t` whole. Enum prefixes leave enums' names and
    # their enumerators'.
    by_kind: dict[str, list[str]] = {"Function": [], "Struct": [], "Enum": []}
    for kind, values in prefixes.items():
        if kind not in by_kind:
            raise EmitError("expected Function, Struct or Enum", f"{path}: 'API Prefix Removal'")
        for prefix in _list(values, f"API Prefix Removal.{kind}"):
            if prefix not in by_kind[kind]:
                by_kind[kind].append(prefix)

    models = raw.get("Data Models") or {}
    opaque = sorted(name for name, model in models.items() if model == "PrimitiveModel")
    for name, model in models.items():
        if model not in ("PrimitiveModel", "StructModel"):
            raise EmitError(f"data model {model!r} is not supported", f"Data Models.{name}")

    intents = {}
    for func, given in (raw.get("Function Argument Intents") or {}).items():
        where = f"{path}: 'Function Argument Intents'.{func}"
        if not isinstance(given, dict):
            raise EmitError("expected a mapping of parameter to intent", where)
        for param, intent in given.items():
            if intent not in _INTENTS:
                raise EmitError(
                    f"intent {intent!r} of {param} is not one of {', '.join(_INTENTS)}", where
                )
        intents[str(func)] = {str(k): v for k, v in given.items()}

    skip = raw.get("Skip Prefix")
    internal = BindConfig().internal
    if skip and f"{skip}*" not in internal:
        internal = [*internal, f"{skip}*"]
    # `"cuda_fp8.h"` as `<cuda_fp8.h>`: resolved at import against this machine's CUDA
    # headers first (numba-cuda ships older copies of some that NVRTC would find first).
    includes = [
        f"<{inc[1:-1]}>" if len(inc) > 2 and inc[0] == inc[-1] == '"' else inc
        for inc in _list(raw.get("Shim Include Override"), "Shim Include Override")
    ]
    here = Path(path).resolve().parent
    include_dirs = [
        _beside(here, d) for d in _list(raw.get("Clang Include Paths"), "Clang Include Paths")
    ]
    entry = raw.get("Entry Point")
    if entry is not None and not isinstance(entry, str):
        raise EmitError("expected a header path", f"{path}: 'Entry Point'")
    entry = _beside(here, entry) if entry else None
    # An override header of the project's own (nvshmem4py's "entry_point.h") lies beside the
    # Entry Point, or beside the config: the shims look there too.
    shim_dirs = list(include_dirs)
    for inc in includes:
        for folder in ([Path(entry).parent] if entry else []) + [here]:
            if (folder / inc[1:-1]).is_file() and str(folder) not in shim_dirs:
                shim_dirs.append(str(folder))
                break
    callbacks = raw.get("Module Callbacks") or {}
    if not isinstance(callbacks, dict) or set(callbacks) - {"setup", "teardown"}:
        raise EmitError("expected setup and teardown", f"{path}: 'Module Callbacks'")
    setup, teardown = (
        _callback(callbacks.get(k), f"{path}: 'Module Callbacks'.{k}")
        for k in ("setup", "teardown")
    )
    try:
        config = BindConfig(
            cooperative_launch=_list(
                raw.get("Cooperative Launch Required Functions Regex"),
                "Cooperative Launch Required Functions Regex",
            ),
            module=ModuleConfig(
                imports=_list(raw.get("Additional Import"), "Additional Import"),
                setup=setup,
                teardown=teardown,
            ),
            exclude=excluded,
            internal=internal,
            strip_prefix_of={
                k: v
                for k, v in (
                    ("function", by_kind["Function"]),
                    ("record", by_kind["Struct"]),
                    ("enum", by_kind["Enum"]),
                )
                if v
            },
            strip_enumerator_prefix=by_kind["Enum"],
            opaque=opaque,
            intents=intents,
            shim=ShimConfig(
                includes=includes,
                include_dirs=shim_dirs,
                sources=_list(raw.get("Source Files"), "Source Files"),
                link=_list(raw.get("Link Files"), "Link Files"),
            ),
        )
        config = msgspec.convert(msgspec.to_builtins(config), BindConfig)  # checks intents
    except msgspec.ValidationError as exc:
        raise EmitError(f"{exc}", str(path)) from None
    arch = _list(raw.get("GPU Arch"), "GPU Arch")
    if len(arch) > 1:
        raise EmitError("one GPU architecture per module", f"{path}: 'GPU Arch'")
    return NumbastConfig(
        config=config,
        entry_point=entry,
        retain=[_beside(here, f) for f in _list(raw.get("File List"), "File List")],
        include_dirs=include_dirs,
        defines=_list(raw.get("Predefined Macros"), "Predefined Macros"),
        arch=arch[0] if arch else None,
    )


def to_toml(cfg: NumbastConfig) -> str:
    """Our TOML config equivalent to a Numbast YAML config (defaults left out)."""
    import msgspec
    import tomli_w

    data = msgspec.to_builtins(cfg.config)
    default = msgspec.to_builtins(BindConfig())
    kept = {k: v for k, v in data.items() if v != default.get(k)}
    if "shim" in kept:
        kept["shim"] = {k: v for k, v in kept["shim"].items() if v}
    header = ["# Converted from a Numbast YAML config by `numbast config convert`."]
    if cfg.entry_point:
        dump = ["canopy dump", cfg.entry_point]
        dump += [f"--retain {f}" for f in cfg.retain if f != cfg.entry_point]
        dump += [f"-I {d}" for d in cfg.include_dirs] + [f"-D {m}" for m in cfg.defines]
        dump += [f"--arch {cfg.arch}"] if cfg.arch else []
        header.append("# Dump its header with: " + " ".join(dump))
    return "\n".join(header) + "\n\n" + tomli_w.dumps(kept)
