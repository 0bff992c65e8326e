"""`numbast check`: prove, without a GPU, that every binding of a module type-checks, compiles
and links: numba-cuda compiles probe kernels calling each binding to LTO-IR, NVRTC compiles the
shims they use to LTO-IR, and nvJitLink links both into a cubin for the target arch."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path

from .runtime.compiler import cc_of, first_error


@dataclass
class Probe:
    """One call to check: a label, the Python statement, and the argument types it needs."""

    label: str
    args: list  # Numba types of the pointer parameters, result first when not void
    statement: str  # uses p0, p1, ... and the names in `env`
    env: dict


@dataclass
class CheckResult:
    label: str
    ok: bool
    error: str = ""


def load_module(path: str | Path):
    path = Path(path).resolve()
    # Modules it uses (`--use`) are imported by name: look beside it first.
    if str(path.parent) not in sys.path:
        sys.path.insert(0, str(path.parent))
    name = f"_numbast_checked_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise OSError(f"{path}: cannot import")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def probes(module) -> list[Probe]:
    """A probe per overload of every function, constructor, method, operator and cast."""
    from numba.cuda import types

    from .errors import EmitError
    from .names import python_name
    from .runtime import cxx
    from .runtime import tables as T

    b = module._bindings
    t = b.tables
    out: list[Probe] = []
    # Probe kernels are Python source: only names that pass the grammar reach it (a module
    # may have been edited by hand).
    for r in t.records:
        for m in r.methods:
            python_name(m.name, f"{r.name}.{m.name}")
    for op in t.operators:
        if op.op not in cxx.OPERATORS:
            raise EmitError(f"not an operator: {op.op!r}", "operators")
    rec = {r.id: r.name for r in t.records}

    def text(x) -> str:
        if isinstance(x, T.RecordRef):
            return rec.get(x.id, "record")
        if isinstance(x, T.Pointer):
            return f"ptr:{text(x.to)}"
        if isinstance(x, T.Results):
            return "tup:" + "|".join(text(i) for i in x.items)
        return getattr(x, "name", type(x).__name__)

    def ptrs(specs):
        return [types.CPointer(_storable(b.type_of(s), types)) for s in specs]

    def call_probe(label, call, o, env):
        args = ", ".join(f"p{k + 1}[0]" for k in range(len(o.args)))
        stmt = call.format(args=args)
        if o.result == T.Scalar("void"):
            out.append(Probe(label, ptrs([T.Scalar("int32"), *o.args]), stmt, env))
        else:
            out.append(Probe(label, ptrs([o.result, *o.args]), _store(o.result, stmt), env))

    def sig(o) -> str:
        return ", ".join(text(a) for a in o.args)

    for f in t.functions:
        fn = b.exports[f.name]
        for o in f.overloads:
            call_probe(f"{f.name}({sig(o)})", "fn({args})", o, {"fn": fn})
    for r in t.records:
        cls = b.classes[r.name]
        me = T.RecordRef(r.id)
        for o in r.constructors:
            call_probe(f"{r.name}({sig(o)})", "cls({args})", o, {"cls": cls})
        for m in r.methods:
            for o in m.overloads:
                args = ", ".join(f"p{k + 2}[0]" for k in range(len(o.args)))
                stmt = f"p1[0].{m.name}({args})"
                label = f"{r.name}.{m.name}({sig(o)})"
                void = o.result == T.Scalar("void")
                typs = ptrs([T.Scalar("int32") if void else o.result, me, *o.args])
                out.append(Probe(label, typs, stmt if void else _store(o.result, stmt), {}))
        for c in r.casts:
            stmt = "p0[0] = 1 if p1[0] else 0" if c.target == T.Scalar("bool") else "p0[0] = p1[0]"
            out.append(Probe(f"{r.name} -> {text(c.target)}", ptrs([c.target, me]), stmt, {}))
        for c in r.implicit:
            out.append(
                Probe(f"{text(c.source)} -> {r.name}", ptrs([me, c.source]), "p0[0] = p1[0]", {})
            )
    for op in t.operators:
        for o in op.overloads:
            label = f"operator{op.op}({sig(o)})"
            if op.op in cxx.UNARY.values():
                stmt = _store(o.result, f"{op.op[1:]}p1[0]")
            elif cxx.is_inplace(op.op):
                stmt = f"x = p1[0]\n    x {op.op} p2[0]\n    " + _store(o.result, "x")
            else:
                stmt = _store(o.result, f"p1[0] {op.op} p2[0]")
            out.append(Probe(label, ptrs([o.result, *o.args]), stmt, {}))
    return out


def _storable(t, types):
    """Numba stores booleans as bytes; a CPointer(boolean) store would not convert."""
    return types.uint8 if t in (types.boolean, types.void) else t


def _store(ret, expr: str) -> str:
    from .runtime import tables as T

    return f"p0[0] = 1 if {expr} else 0" if ret == T.Scalar("bool") else f"p0[0] = {expr}"


def _kernel(probes_: list[Probe]):
    """One kernel holding the statements of several probes, with its signature."""
    from numba.cuda import types

    params, body, env, offset = [], [], {}, 0
    for i, pr in enumerate(probes_):
        names = {f"p{k}": f"q{offset + k}" for k in range(len(pr.args))}
        stmt = pr.statement
        for k in sorted(names, key=lambda s: -int(s[1:])):
            stmt = stmt.replace(k, names[k])
        for key, value in pr.env.items():
            alias = f"{key}_{i}"
            stmt = stmt.replace(f"{key}(", f"{alias}(")
            env[alias] = value
        params += list(names.values())
        body.append("    " + stmt.replace("\n    ", "\n    "))
        offset += len(pr.args)
    src = f"def probe({', '.join(params)}):\n" + "\n".join(body) + "\n"
    scope: dict = dict(env)
    exec(compile(src, "<numbast-probe>", "exec"), scope)
    sig = types.void(*[a for pr in probes_ for a in pr.args])
    return scope["probe"], sig


def _compile(probes_: list[Probe], cc) -> bytes:
    from numba import cuda

    fn, sig = _kernel(probes_)
    ltoir, _ = cuda.compile(fn, sig, cc=cc, device=False, abi="numba", output="ltoir")
    return ltoir


def _link(kernels: list[bytes], shim_ltoir: bytes, arch: str, extra=()) -> None:
    """Link kernels, shims and the libraries' implementation (`extra`: ObjectCodes)."""
    from cuda.core import Linker, LinkerOptions, ObjectCode

    objs = [ObjectCode.from_ltoir(k) for k in kernels] + [ObjectCode.from_ltoir(shim_ltoir)]
    objs += list(extra)
    Linker(*objs, options=LinkerOptions(arch=arch, link_time_optimization=True)).link("cubin")


def compile_shims(bundle, names, cc) -> bytes:
    from .runtime.compiler import compile_ltoir

    return compile_ltoir(bundle.source(names), cc)[0]


def link_kernel(pyfunc, argtypes, bundle, arch: str = "sm_90") -> str:
    """Compile a kernel using bindings to LTO-IR, the shims it used with NVRTC, and link both
    into a cubin with nvJitLink, as a launch would but without a GPU. `bundle` is a module's
    shim bundle, or a list of them when the kernel uses several modules. Returns the shim
    source."""
    from numba import cuda

    cc = cc_of(arch)
    bundles = bundle if isinstance(bundle, (list, tuple)) else [bundle]
    ltoir, _ = cuda.compile(
        pyfunc, tuple(argtypes), cc=cc, device=False, abi="numba", output="ltoir"
    )
    shims = [compile_shims(b, set(b.used), cc) for b in bundles if b.used]
    extra = [code for b in bundles if b.used for code in b.object_codes(cc)]
    _link([ltoir, *shims[:-1]], shims[-1], arch, extra)
    return "\n".join(b.source(set(b.used)) for b in bundles)


def check_module(
    path, arch: str = "sm_90", only: list[str] | None = None, chunk: int = 24
) -> list[CheckResult]:
    """Compile and link every binding of a module; a failure is isolated to its binding."""
    module = load_module(path)
    bundle = module._bindings.bundle
    cc = cc_of(arch)
    all_probes = probes(module)
    if only:
        all_probes = [p for p in all_probes if any(p.label.startswith(o) for o in only)]
    results: dict[str, CheckResult] = {}
    kernels: list[tuple[list[Probe], bytes]] = []
    for start in range(0, len(all_probes), chunk):
        group = all_probes[start : start + chunk]
        try:
            kernels.append((group, _compile(group, cc)))
        except Exception:
            for pr in group:  # isolate the failures
                try:
                    kernels.append(([pr], _compile([pr], cc)))
                except Exception as exc:
                    results[pr.label] = CheckResult(pr.label, False, first_error(exc))
    used = set(bundle.used)
    extra = bundle.object_codes(cc)  # a library's own .cu that does not compile: an error
    try:
        shim = compile_shims(bundle, used, cc)
        _link([k for _, k in kernels], shim, arch, extra)
        for group, _ in kernels:
            for pr in group:
                results.setdefault(pr.label, CheckResult(pr.label, True))
    except Exception:
        _bisect(kernels, bundle, cc, arch, results, extra)
    return [results[p.label] for p in all_probes if p.label in results]


def _bisect(kernels, bundle, cc, arch, results, extra=()) -> None:
    """Link probe by probe with only its shims, to name the bindings that fail."""
    for group, _ in kernels:
        for pr in group:
            bundle.used.clear()
            try:
                k = _compile([pr], cc)
                _link([k], compile_shims(bundle, set(bundle.used), cc), arch, extra)
                results[pr.label] = CheckResult(pr.label, True)
            except Exception as exc:
                results[pr.label] = CheckResult(pr.label, False, first_error(exc))


def render_results(results: list[CheckResult], failures_only: bool = False) -> str:
    """A table of every binding (or only the failures) and the closing counts."""
    from io import StringIO

    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    buf = StringIO()
    console = Console(file=buf, width=120, color_system=None)
    failed = [r for r in results if not r.ok]
    shown = failed if failures_only else results
    if shown:
        table = Table(title="numbast check")
        table.add_column("binding", overflow="fold")
        table.add_column("result", no_wrap=True)
        table.add_column("error", overflow="fold")
        for r in shown:  # text, never rich markup (compiler messages hold `[...]`)
            table.add_row(Text(r.label), "pass" if r.ok else "FAIL", Text(r.error))
        console.print(table)
    console.print(
        f"numbast check: {len(results) - len(failed)} bindings passed, {len(failed)} failed",
        markup=False,
    )
    return buf.getvalue().rstrip()
