"""`numbast check`: prove, without a GPU, that every binding of a module type-checks, compiles
and links: numba-cuda compiles probe kernels calling each binding to LTO-IR, NVRTC compiles the
shims they use to LTO-IR, and nvJitLink links both into a cubin for the target arch."""

from __future__ import annotations

import importlib.util
import operator
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from numbast.ir.arch import DEFAULT, Arch

from .runtime.compiler import first_error


@dataclass
class Probe:
    """One call to check: a label, the Python statement, and the argument types it needs."""

    label: str
    args: list  # Numba types of the pointer parameters, result first when not void
    statement: str  # uses p0, p1, ... and the names in `env`
    env: dict
    archs: tuple[str, ...] = ()  # of a multi-arch module's archs, those that declare it


@dataclass
class CheckResult:
    label: str
    ok: bool
    error: str = ""


@dataclass
class CheckReport:
    results: list[CheckResult]
    unchecked: list[str]  # templates no `[check]` specialization reached
    # Bindings only an arch-specific target declares (numba-cuda compiles for the plain arch).
    arch_specific: list[str] = field(default_factory=list)


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
    for op in b.operators:  # numba-cuda's own operators are not ours to check
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
        return [_holding(b.type_of(s)) for s in specs]

    def call_probe(label, call, o, env):
        args = ", ".join(f"p{k + 1}[0]" for k in range(len(o.args)))
        stmt = call.format(args=args)
        archs = getattr(o, "archs", ())
        if o.result == T.Scalar("void"):
            out.append(Probe(label, ptrs([T.Scalar("int32"), *o.args]), stmt, env, archs))
        else:
            stmt = _store(o.result, stmt)
            out.append(Probe(label, ptrs([o.result, *o.args]), stmt, env, archs))

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
                stmt = stmt if void else _store(o.result, stmt)
                out.append(Probe(label, typs, stmt, {}, o.archs))
        for c in r.casts:
            stmt = "p0[0] = 1 if p1[0] else 0" if c.target == T.Scalar("bool") else "p0[0] = p1[0]"
            out.append(Probe(f"{r.name} -> {text(c.target)}", ptrs([c.target, me]), stmt, {}))
        for c in r.implicit:
            out.append(
                Probe(f"{text(c.source)} -> {r.name}", ptrs([me, c.source]), "p0[0] = p1[0]", {})
            )
    for op in b.operators:  # numba-cuda's own operators are not ours to check
        for o in op.overloads:
            label = f"operator{op.op}({sig(o)})"
            if op.op in cxx.UNARY.values():
                stmt = _store(o.result, f"{op.op[1:]}p1[0]")
            elif cxx.is_inplace(op.op):
                stmt = f"x = p1[0]\n    x {op.op} p2[0]\n    " + _store(o.result, "x")
            else:
                stmt = _store(o.result, f"p1[0] {op.op} p2[0]")
            out.append(Probe(label, ptrs([o.result, *o.args]), stmt, {}, getattr(o, "archs", ())))
    return out


class _Names:
    """Unique names for probe statements (several probes share one kernel)."""

    def __init__(self):
        self.n = 0

    def __call__(self, stem: str) -> str:
        self.n += 1
        return f"{stem}{self.n}"


def template_probes(module) -> tuple[list[Probe], list[CheckResult], list[str]]:
    """Probes of the specializations the module's config names in `[check]`: each class
    template constructed and each of its methods called, each function template called; the
    specializations that cannot even be probed (failures); and the Python names of the
    templates no specialization reaches (not checked)."""
    from .names import python_name

    b = module._bindings
    t = b.tables
    # Probe kernels are Python source: only names that pass the grammar reach it.
    for c in t.class_templates:
        for name, _ in c.methods:
            python_name(name, f"{c.name}.{name}")
    for spec in t.checks:
        for k, _ in spec.args:
            python_name(k, f"checks.{spec.template}")
    fresh = _Names()
    out: list[Probe] = []
    failed: list[CheckResult] = []
    checked: set[str] = set()
    classes = {c.name: c for c in t.class_templates}
    functions = {f.name: f for f in t.function_templates}
    for spec in t.checks:
        targs = {k: _template_value(b, v) for k, v in spec.args}
        label = f"{spec.template}<{', '.join(f'{k}={v}' for k, v in spec.args)}>"
        before = len(out)
        if spec.template in classes:
            made = _class_probes(b, classes[spec.template], targs, label, fresh)
            if made is None:
                why = "no constructor can be called from the template arguments alone"
                failed.append(CheckResult(label, False, why))
                checked.add(spec.template)
                continue
            out += made
            out += _operator_probes(b, classes[spec.template], targs, label, checked)
        elif spec.template in functions:
            out += _function_probes(b, functions[spec.template], targs, label, fresh)
        if len(out) > before:
            checked.add(spec.template)
    by_id = {c.id: c for c in t.class_templates}
    for a in t.aliases:  # a typedef of a specialization: that specialization, constructed
        if not a.specialization:
            continue
        inst = b.templates.instance_named(a.specialization)
        c = by_id.get(getattr(inst, "template_id", None))
        if c is None:
            failed.append(CheckResult(a.name, False, f"{a.specialization}: no class template"))
            continue
        made = _class_probes(b, c, dict(inst.template_args), a.name, fresh, b.exports[a.name])
        if made is None:
            failed.append(CheckResult(a.name, False, "no constructor takes no template argument"))
        else:
            out += made
        checked.add(c.name)
    for f in t.function_templates:  # of no template parameters: nothing for [check] to name
        if f.name not in checked and all(not o.tparams for o in f.overloads):
            made = _function_probes(b, f, {}, f.name, fresh)
            out += made
            if made:
                checked.add(f.name)
    unchecked = sorted((set(classes) | set(functions)) - checked)
    return out, failed, unchecked


def _template_value(b, value):
    """A template argument of `[check]`: an integer, or a type: a Numba type or a bound
    record by name, `T[::1]` a contiguous array of it (an iterator), `T*` a pointer."""
    from numba.cuda import types

    if isinstance(value, int):
        return value
    name = value.removesuffix("[::1]").removesuffix("*")
    found = getattr(types, name, None)
    if not isinstance(found, types.Type):
        found = next((b.records[r.id] for r in b.tables.records if r.name == name), None)
    if found is None:
        from .errors import EmitError

        raise EmitError(f"{value!r} names neither a Numba type nor a record of this module")
    if value.endswith("[::1]"):
        return types.Array(found, 1, "C")
    return types.CPointer(found) if value.endswith("*") else found


def _keywords(targs: dict, names: set[str], env: dict, fresh) -> str:
    """`T=ty1, N=128` for the template arguments a call gives by keyword."""
    parts = []
    for k, v in targs.items():
        if k not in names:
            continue
        if isinstance(v, int):
            parts.append(f"{k}={v}")
        else:
            alias = fresh("ty")
            env[alias] = v
            parts.append(f"{k}={alias}")
    return ", ".join(parts)


def _arguments(b, slots, targs: dict, start: int):
    """(Numba types of the probe's parameters, argument expressions) of the slots a call
    passes, or None when one cannot be made from the template arguments alone."""
    from numba.cuda import types

    from .runtime import tables as T

    params, exprs = [], []
    for s in slots:
        if isinstance(s, (T.Fixed, T.OutReturn)):
            continue
        k = start + len(params)
        if isinstance(s, T.Known):
            params.append(_holding(b.type_of(s.type)))
            exprs.append(f"p{k}[0]")
        elif isinstance(s, T.TemplateArg) and isinstance(targs.get(s.name), types.Array):
            params.append(targs[s.name])  # an iterator: the array passes as its data pointer
            exprs.append(f"p{k}")
        elif isinstance(s, T.TemplateArg) and isinstance(targs.get(s.name), types.Type):
            params.append(_holding(targs[s.name]))
            exprs.append(f"p{k}[0]")
        elif isinstance(s, T.Specialized):  # `barrier<thread_scope_block> &`
            from numba.core.errors import TypingError

            from .runtime.template_calls import Rejected, specialized

            try:
                params.append(_holding(specialized(b, s)))
            except (Rejected, TypingError):  # C++ refuses it: nothing can be passed
                return None
            exprs.append(f"p{k}[0]")
        elif isinstance(s, T.SpecializationOf):  # `const complex<T> &`: that specialization
            inst = b.templates.specialization(s.template, s.args, targs)
            if inst is None:
                return None
            if s.pointer:  # `barrier<...> *`: an array of it
                params.append(types.Array(inst, 1, "C"))
                exprs.append(f"p{k}")
            else:
                params.append(_holding(inst))
                exprs.append(f"p{k}[0]")
        elif isinstance(s, (T.PointerTo, T.RefTo, T.ArrayOf)):
            of = s.of.name if isinstance(s, T.RefTo) and isinstance(s.of, T.TemplateArg) else s.of
            elem = b.type_of(s.of.type) if isinstance(of, T.Known) else targs.get(of)
            if not isinstance(elem, types.Type):
                return None
            params.append(types.Array(elem, 1, "C"))  # an array passes where C++ takes these
            exprs.append(f"p{k}")
        else:  # the specialization itself, a member template's own parameter
            return None
    return params, exprs


def _holding(t):
    """The probe parameter whose first element passes a `t` value: a pointer to it, or, for
    a record whose Numba values are references, an array of it (Numba reads an array's
    element in place; a pointer's as a plain load)."""
    from numba.cuda import types

    if getattr(t, "by_ref", False):
        return types.Array(t, 1, "C")
    return types.CPointer(_storable(t, types))


def _shown(params, exprs) -> str:
    """A probe's parameters as the call passes them: the value a pointer (or an array of
    references) holds where the call reads its first element, else the array."""
    return ", ".join(
        str(p.dtype) if e.endswith("[0]") else str(p) for p, e in zip(params, exprs, strict=True)
    )


def _class_probes(b, c, targs: dict, label: str, fresh, cls=None) -> list[Probe] | None:
    """The specialization constructed (by its first constructor the template arguments
    determine, or by `cls`, the class of a typedef of it), then each method called on it;
    None when no constructor can be called."""
    names = {tp.name for tp in c.tparams} if cls is None else set()
    for ctor in c.constructors:
        made = _arguments(b, ctor, targs, 0)
        if made is not None:
            break
    else:
        return None
    cparams, cexprs = made
    env = {"cls": b.exports[c.name] if cls is None else cls}
    keywords = _keywords(targs, names, env, fresh)
    obj = fresh("o")
    make = f"{obj} = cls({', '.join([*cexprs, keywords] if keywords else cexprs)})"
    out = [Probe(f"{label}()", cparams, make, env)]
    for name, overloads in c.methods:
        for o in overloads:
            called = _arguments(b, o.params, targs, len(cparams))
            if called is None:
                continue
            mparams, mexprs = called
            sig = _shown(mparams, mexprs)
            stmt = f"{make}\n    {obj}.{name}({', '.join(mexprs)})"
            out.append(Probe(f"{label}.{name}({sig})", cparams + mparams, stmt, dict(env)))
    for name in c.statics:  # read, and used (of any type, a dim3's too): the shim is linked
        stmt = f"{make}\n    if {obj}.{name} is None:\n        pass"
        out.append(Probe(f"{label}.{name}", cparams, stmt, dict(env)))
    return out


def _function_probes(b, f, targs: dict, label: str, fresh) -> list[Probe]:
    out = []
    for o in f.overloads:
        names = {tp.name for tp in o.tparams}
        if not set(targs) <= names:
            continue
        called = _arguments(b, o.params, targs, 0)
        if called is None:
            continue
        params, exprs = called
        env = {"fn": b.exports[f.name]}
        keywords = _keywords(targs, names, env, fresh)
        call = f"fn({', '.join([*exprs, keywords] if keywords else exprs)})"
        sig = _shown(params, exprs)
        out.append(Probe(f"{label}({sig})", params, call, env))
    return out


def _operator_probes(b, c, targs: dict, label: str, checked: set) -> list[Probe]:
    """Each free operator template over the class template `c`, and each hidden friend of
    it (`init(barrier *, ptrdiff_t)`), on its specialization `targs`: their parameters named
    after the class template's. The friends' Python names go into `checked`."""
    from .runtime import cxx

    out = []
    for group in b.tables.operator_templates:
        symbol = next((k for k, v in cxx.UNARY.items() if v == group.op), group.op)
        env = {"op": getattr(operator, cxx.OPERATORS[group.op])}  # a call: never dropped
        for o in group.overloads:
            called = _arguments_over(b, c, o, targs)
            if called is not None:
                params, exprs = called
                shown = f"operator{symbol}({_shown(params, exprs)})"
                out.append(Probe(f"{label} {shown}", params, f"op({', '.join(exprs)})", env))
    for f in b.tables.function_templates:
        for o in f.overloads:
            called = _arguments_over(b, c, o, targs) if o.friend else None
            if called is not None:
                params, exprs = called
                shown = f"{f.name}({_shown(params, exprs)})"
                env = {"fn": b.exports[f.name]}
                out.append(Probe(f"{label} {shown}", params, f"fn({', '.join(exprs)})", env))
                checked.add(f.name)
    return out


def _arguments_over(b, c, o, targs: dict):
    """`_arguments` of a function template overload `o` taking a specialization of `c`, its
    template parameters given by `c`'s arguments `targs`; None when it takes none."""
    from .runtime import tables as T

    mine = {}
    for s in o.params:
        if isinstance(s, T.SpecializationOf) and s.template == c.id:
            mine.update(
                (name, targs[tp.name])
                for tp, name in zip(c.tparams, s.args, strict=False)
                if name and tp.name in targs
            )
    return _arguments(b, o.params, mine, 0) if mine else None


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
            stmt = re.sub(rf"\b{re.escape(key)}\b", alias, stmt)
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
    ltoir, _ = cuda.compile(fn, sig, cc=cc[:2], device=False, abi="numba", output="ltoir")
    return ltoir


def _link(kernels: list[bytes], shim_ltoir: bytes, arch: str, extra=()) -> None:
    """Link kernels, shims and the libraries' implementation (`extra`: ObjectCodes)."""
    from cuda.core import ObjectCode

    from .runtime.compiler import link_cubin

    objs = [ObjectCode.from_ltoir(k) for k in kernels] + [ObjectCode.from_ltoir(shim_ltoir)]
    link_cubin([*objs, *extra], arch)


def compile_shims(bundle, names, cc) -> bytes:
    from .runtime.compiler import compile_ltoir

    return compile_ltoir(bundle.source(names), cc, (), bundle.options)[0]


def link_kernel(pyfunc, argtypes, bundle, arch: str = str(DEFAULT)) -> str:
    """Compile a kernel using bindings to LTO-IR, the shims it used with NVRTC, and link both
    into a cubin with nvJitLink, as a launch would but without a GPU. `bundle` is a module's
    shim bundle, or a list of them when the kernel uses several modules. Returns the shim
    source."""
    from numba import cuda

    target = Arch.parse(arch).target  # the shims': a suffix (sm_90a) kept
    bundles = bundle if isinstance(bundle, (list, tuple)) else [bundle]
    ltoir, _ = cuda.compile(
        pyfunc, tuple(argtypes), cc=target[:2], device=False, abi="numba", output="ltoir"
    )
    # A shim's name is that of the declaration it calls: two modules binding one declaration
    # (two dumps of a header) name its shim alike, and the first bundle's serves both.
    own, taken = [], set()
    for b in bundles:
        names = set(b.used) - taken
        taken |= names
        if names:
            own.append((b, names))
    shims = [compile_shims(b, names, target) for b, names in own]
    extra = [code for b, _ in own for code in b.object_codes(target)]
    _link([ltoir, *shims[:-1]], shims[-1], arch, extra)
    return "\n".join(b.source(names) for b, names in own)


def check_module(
    path, arch: str = str(DEFAULT), only: list[str] | None = None, chunk: int = 24
) -> list[CheckResult]:
    """Compile and link every binding of a module; a failure is isolated to its binding."""
    return check_report(path, arch, only, chunk).results


def check_report(
    path, arch: str = str(DEFAULT), only: list[str] | None = None, chunk: int = 24
) -> CheckReport:
    """`check_module`'s results, and the templates no `[check]` specialization reached."""
    return check_loaded(load_module(path), arch, only, chunk)


def check_loaded(
    module, arch: str = str(DEFAULT), only: list[str] | None = None, chunk: int = 24
) -> CheckReport:
    """`check_report` of a module already imported (checked for one arch after another)."""
    bundle = module._bindings.bundle
    bundle.used.clear()  # the shims this arch's probes use, not an earlier arch's
    cc = Arch.parse(arch).target
    extra, failed, unchecked = template_probes(module)
    # A multi-arch module's bindings are checked on the archs that declare them; one only
    # an arch-specific target (sm_90a) declares is refused at typing: numba-cuda compiles
    # kernels for the plain arch.
    target = Arch.parse(arch)
    plain = str(Arch(target.major, target.minor))
    all_probes, arch_specific = [], []
    for p in probes(module) + extra:
        if p.archs and arch not in p.archs:
            continue
        if p.archs and plain not in p.archs:
            arch_specific.append(p.label)
            continue
        all_probes.append(p)
    if only:
        all_probes = [p for p in all_probes if any(p.label.startswith(o) for o in only)]
        failed = [r for r in failed if any(r.label.startswith(o) for o in only)]
    results: dict[str, CheckResult] = {}
    kernels: list[tuple[list[Probe], bytes]] = []
    for start in range(0, len(all_probes), chunk):
        group = all_probes[start : start + chunk]
        try:
            kernels.append((group, _compile(group, cc)))
        except Exception:  # Numba's typing or lowering refused one: each probe's own verdict
            for pr in group:
                try:
                    kernels.append(([pr], _compile([pr], cc)))
                except Exception as exc:  # kept as the probe's failure
                    results[pr.label] = CheckResult(pr.label, False, first_error(exc))
    used = set(bundle.used)
    extra = bundle.object_codes(cc)  # a library's own .cu that does not compile: an error
    try:
        shim = compile_shims(bundle, used, cc)
        _link([k for _, k in kernels], shim, arch, extra)
        for group, _ in kernels:
            for pr in group:
                results.setdefault(pr.label, CheckResult(pr.label, True))
    except Exception:  # the link named no binding: each probe's own verdict
        _bisect(kernels, bundle, cc, arch, results, extra)
    found = [results[p.label] for p in all_probes if p.label in results]
    return CheckReport(found + failed, unchecked, arch_specific)


def _bisect(kernels, bundle, cc, arch, results, extra=()) -> None:
    """Link probe by probe with only its shims, to name the bindings that fail."""
    for group, _ in kernels:
        for pr in group:
            bundle.used.clear()
            try:
                k = _compile([pr], cc)
                _link([k], compile_shims(bundle, set(bundle.used), cc), arch, extra)
                results[pr.label] = CheckResult(pr.label, True)
            except Exception as exc:  # kept as the probe's failure
                results[pr.label] = CheckResult(pr.label, False, first_error(exc))


def render_results(
    results: list[CheckResult], failures_only: bool = False, unchecked: list[str] = ()
) -> str:
    """A table of every binding (or only the failures), the closing counts, and the
    templates that were not checked."""
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
    if unchecked:
        shown = ", ".join(unchecked[:10]) + (", ..." if len(unchecked) > 10 else "")
        console.print(
            f"numbast check: {len(unchecked)} templates not checked ({shown}): name "
            "specializations in the config's [check] and emit again",
            markup=False,
        )
    return buf.getvalue().rstrip()
