"""One module's bindings built from its tables, and the process-wide registry of modules
(so a module can use the records of another: one Numba type per C++ record per process)."""

from __future__ import annotations

import enum
import importlib
import re

from numba.cuda import types

from . import calls, cxx, environment, tables
from .calls import Callables, python_operator
from .numba_types import dim3, resolve
from .records import RecordType, new_record_type, set_layout
from .shims import ShimBundle

# Trailing references and cv-qualifiers of a C++ type.
_CV_REF = re.compile(r"(\s*(&&?|\bconst\b|\bvolatile\b))+$")


# IR digest -> the Bindings made from that IR in this process.
_MODULES: dict[str, Bindings] = {}


class Bindings:
    """Everything one module binds: Numba types of its records, typing and lowering of its
    callables, and the bundle of its shims. `exports` maps Python names to objects."""

    def __init__(self, module: str, module_file: str | None, t: tables.Module):
        self.module = module
        self.tables = t
        dirs = environment.include_dirs_near(module_file, t.include_dirs)
        environment.add_include_dirs(dirs)
        self.include_dirs = dirs
        prelude = environment.compile_prelude(t.prelude, dirs)
        bundle = ShimBundle(
            prelude,
            t.shims(),
            name=f"{module}_shims.cu",
            sources=environment.files_near(module_file, t.sources),
            link=environment.files_near(module_file, t.link),
            options=t.nvrtc_options,
            labels={o.shim: o.decl for o in t.overloads() if o.decl},
        )
        # The library's Python side: what it imports, its module callbacks (NVSHMEM's
        # initialise each CUDA module a kernel loads), its cooperative functions.
        for name in t.imports:
            environment.resolve_dotted(name)
        if t.setup:
            bundle.setup_callback = environment.module_callback(t.setup)
        if t.teardown:
            bundle.teardown_callback = environment.module_callback(t.teardown)
        bundle.cooperative = set(t.cooperative)
        # The same IR bound twice in a process (a static module and `numbast.bind`) names its
        # shims alike: one bundle for both, so a kernel using both defines each shim once.
        twin = _MODULES.get(t.ir_digest)
        if twin is not None and _same_bundle(twin.bundle, bundle):
            twin.bundle.shims.update(bundle.shims)
            twin.bundle.labels.update(bundle.labels)
            twin.bundle.cooperative |= bundle.cooperative
            bundle = twin.bundle
        self.bundle = bundle
        self.records: dict[str, RecordType] = {}  # IR id -> Numba type (own records)
        self.classes: dict[str, type] = {}  # Python name -> stand-in class
        self.enums: dict[str, type] = {}  # Python name -> enum class (scoped enum arguments)
        self.used: dict[str, Bindings] = {}  # IR id of a used record -> its module's Bindings
        self.exports: dict[str, object] = {}
        self.archs = t.archs  # the GPU archs the module was made for (several, or none)
        self.calls = Callables(self.bundle, self.type_of, self.archs)
        self.operators: tuple = ()  # the operator tables bound (numba-cuda's own left out)
        self._templates = None
        self._by_cpp: dict[str, RecordType] | None = None  # C++ spelling -> record type

    @property
    def templates(self):
        """Template typing, loaded only by modules that bind templates."""
        if self._templates is None:
            from .templates import Templates

            self._templates = Templates(self)
        return self._templates

    # -- types --------------------------------------------------------------------------------

    def type_of(self, t):
        """The Numba type of a table type (a Numba type passes through)."""
        if isinstance(t, tables.Type):
            return resolve(t, self.record_type, self.enums.__getitem__)
        return t

    def record_type(self, ident: str) -> RecordType:
        found = self.records.get(ident)
        if found is None:
            owner = self.used.get(ident)
            found = owner.records.get(ident) if owner is not None else None
        if found is None:
            raise TypeError(f"{self.module}: record {ident!r} is bound by no module in use")
        return found

    def query_layout(self, cpp: str, field: str | None = None) -> tuple[int, int]:
        """sizeof/alignof of a C++ type (or a field's offset) after this module's includes."""
        from .layout import query_layout

        return query_layout(self.bundle.prelude, cpp, field, self.include_dirs, self.bundle.options)

    def query_specialization(self, cpp: str) -> tuple[int, int, str]:
        """(sizeof, alignof, C++'s spelling) of a class template specialization."""
        from .layout import query_specialization

        return query_specialization(
            self.bundle.prelude, cpp, self.include_dirs, self.bundle.options
        )

    def query_result(self, call: str, nargs: int) -> tuple[str, str]:
        """("type", C++ type) of a shim's call expression, or ("error", why it fails)."""
        from .layout import query_result

        return query_result(
            self.bundle.prelude, call, nargs, self.include_dirs, self.bundle.options
        )

    def type_from_cpp(self, spelled: str):
        """The Numba type of a C++ type as NVRTC spells it (a call's result: references and
        top-level cv-qualifiers dropped, as the value is copied out), or None when no bound
        type stands for it."""
        s = _CV_REF.sub("", spelled.strip())
        s = s[len("const ") :] if s.startswith("const ") else s
        if s.endswith("*"):
            inner = s[:-1].strip()
            if inner in ("void", "const void"):
                return types.voidptr
            target = self.type_from_cpp(inner)
            return None if target is None else types.CPointer(target)
        if s in cxx.BUILTINS:
            return self.type_of(tables.Scalar(cxx.BUILTINS[s]))
        if s == "dim3":
            return dim3()
        if self._by_cpp is None:
            self._by_cpp = {rt.cpp: rt for rt in self.records.values()}
            for owner in self.used.values():
                self._by_cpp.update((rt.cpp, rt) for rt in owner.records.values())
        found = self._by_cpp.get(s)
        if found is None and self._templates is not None:
            found = self._templates.instance_named(s)
        return found

    # -- building -----------------------------------------------------------------------------

    def build(self) -> None:
        t = self.tables
        exports = self.exports
        if t.conversions or any(r.casts for r in t.records):
            from . import casts

            casts.enable()
        for e in t.enums:
            exports[e.name] = self._enum(e)
        for r in t.records:
            rt = new_record_type(r.name, r.cpp, r.size, r.align, r.by_ref)
            self.records[r.id] = rt
            doc = _doc(r.doc, r.decl, r.where, f"C++ `{r.cpp}` for @cuda.jit code.")
            exports[r.name] = self.classes[r.name] = type(
                r.name, (), {"_numba_type_": rt, "__doc__": doc, "__module__": self.module}
            )
        if t.records:
            calls.enable_isinstance()
        for r in t.records:  # fields may be records declared later
            fields = [(f.name, self.type_of(f.type), f.offset) for f in r.fields]
            set_layout(self.records[r.id], fields, {f.attr: f.name for f in r.fields if f.attr})
        for r in t.records:
            rt, cls = self.records[r.id], self.classes[r.name]
            self.calls.constructors(cls, rt, r.constructors)  # also a dtype, with or without
            self.calls.implicit(rt, r.implicit)
            self.calls.casts(rt, r.casts)
            if r.methods:
                self.calls.methods(rt, r.methods)
                for m in r.methods:
                    setattr(cls, m.name, _stub(f"{r.name}.{m.name}", m.doc, m.overloads, self))
        self.calls.conversions(t.conversions)
        for f in t.functions:
            exports[f.name] = _stub(f.name, f.doc, f.overloads, self)
            self.calls.function(exports[f.name], f.overloads)
        for f in t.function_templates:
            stub = _stub(f.name, f.doc, f.overloads, self)
            if f.name in exports:  # it shares the name of non-template overloads
                exports[f.name].__doc__ += "\n\n" + stub.__doc__
            else:
                exports[f.name] = stub
            self.templates.function_template(exports[f.name], f.overloads)
        for c in t.class_templates:
            doc = _doc(c.doc, c.decl, c.where, f"C++ class template `{c.cpp}`.")
            exports[c.name] = type(c.name, (), {"__doc__": doc, "__module__": self.module})
            self.templates.class_template(c, exports[c.name])
        for o in t.operator_templates:
            self.templates.operator_template(python_operator(o.op), o.overloads)
        self._operators(t.operators)
        for a in t.aliases:
            if a.specialization:
                doc = f"C++ `{a.specialization}` for @cuda.jit code."
                exports[a.name] = self.templates.specialization_class(
                    a.name, self.module, doc, a.specialization
                )
            else:
                exports[a.name] = exports[a.export] if a.export else self.type_of(a.type)
        for c in t.constants:
            exports[c.name] = c.value

    def _operators(self, operators) -> None:
        # Operators between Numba's own types (`float16 + float16`, `float32x2 + float32x2`)
        # only where numba-cuda's typing has none: its own implementation stays.
        # Refreshed once, only when an operator is between Numba types alone: nothing
        # registers before the filtering ends.
        plain = any(self._numba_args(c) is not None for o in operators for c in o.overloads)
        context = _numba_typing_context() if plain else None
        operators = [
            tables.replace(
                o,
                overloads=tuple(
                    c
                    for c in o.overloads
                    if not _numba_implements(context, o.op, self._numba_args(c))
                ),
            )
            for o in operators
        ]
        operators = [o for o in operators if o.overloads]
        self.operators = tuple(operators)  # those bound here (`numbast check` probes them)
        for o in operators:
            self.calls.function(python_operator(o.op), o.overloads)
        # Numba lowers `a += b` on immutable (by-value) types with the binary operator: give
        # in-place operators of such types a binary form when the header has none.
        have = {(o.op, o.overloads[i].args) for o in operators for i in range(len(o.overloads))}
        for o in operators:
            base = o.op[:-1]
            if cxx.is_inplace(o.op) and base in cxx.OPERATORS:
                extra = [
                    c
                    for c in o.overloads
                    if (base, c.args) not in have and not self._by_ref(c.args[0])
                ]
                if extra:
                    self.calls.function(python_operator(base), extra)

    def _numba_args(self, overload) -> tuple | None:
        """The Numba argument types of an operator overload when none is a bound record."""
        if any(isinstance(a, tables.RecordRef) for a in overload.args):
            return None
        return tuple(self.type_of(a) for a in overload.args)

    def _by_ref(self, t) -> bool:
        return isinstance(t, tables.RecordRef) and self.record_type(t.id).by_ref

    def _enum(self, e: tables.Enum):
        cls = (enum.Enum if e.scoped else enum.IntEnum)(e.name, list(e.members))
        cls.__module__ = self.module
        if e.doc:
            cls.__doc__ = e.doc
        self.enums[e.name] = cls
        return cls

    # -- modules in use -----------------------------------------------------------------------

    def link_uses(self) -> None:
        """Find (importing where needed) the modules whose records this one uses."""
        for use in self.tables.uses:
            owner = _MODULES.get(use.ir_digest)
            if owner is None:
                try:
                    importlib.import_module(use.module)
                except ImportError as exc:
                    raise ImportError(
                        f"{self.module}: needs the bindings module {use.module!r} for its "
                        f"records, which cannot be imported ({exc}); put it on sys.path or "
                        "regenerate with the right `--use IR=MODULE`"
                    ) from None
                owner = _MODULES.get(use.ir_digest)
            if owner is None:
                raise ImportError(
                    f"{self.module}: module {use.module!r} was generated from another IR than "
                    f"the one this module was emitted against (sha256 {use.ir_digest[:16]}); "
                    "regenerate both from the same IR files"
                )
            for ident in use.records:
                if ident not in owner.records:
                    raise ImportError(
                        f"{self.module}: module {use.module!r} does not bind record {ident!r}; "
                        "regenerate it without excluding that record"
                    )
                self.used[ident] = owner


def bind_module(t: tables.Module, module: str, module_file: str | None) -> Bindings:
    """Bind what the tables describe; register the module for others that use its records."""
    if not isinstance(t, tables.Module):
        raise TypeError(f"{module}: not binding tables: {type(t).__name__}")
    b = Bindings(module, module_file, t)
    b.link_uses()
    b.build()
    _MODULES.setdefault(t.ir_digest, b)
    return b


def _same_bundle(a: ShimBundle, b: ShimBundle) -> bool:
    """Whether two bundles compile their shims alike (prelude, options, implementation)."""
    return (a.prelude, a.options, a.link, [x.path for x in a.sources]) == (
        b.prelude,
        b.options,
        b.link,
        [x.path for x in b.sources],
    )


def _numba_typing_context():
    """numba-cuda's typing context, aware of every registration made so far."""
    from numba.cuda.descriptor import cuda_target

    context = cuda_target.typing_context
    context.refresh()
    return context


def _numba_implements(context, op: str, args: tuple | None) -> bool:
    """Whether numba-cuda (or a module bound earlier) types `op` on `args` (Numba types;
    None: a bound record)."""
    if args is None:
        return False
    try:
        return context.resolve_function_type(python_operator(op), args, {}) is not None
    except Exception:  # Numba's own typing refused: not implemented there
        return False


def _doc(doc: str, decl: str, where: str, fallback: str) -> str:
    head = f"C++ `{decl}`" + (f" ({where})" if where else "") if decl else fallback
    return head + ("\n\n" + doc if doc else "")


def _stub(name: str, doc: str, overloads, b: Bindings):
    """The Python object standing for a device function: its doc shows the C++ it calls."""

    def stub(*args, **kwargs):
        raise TypeError(f"{name} is a CUDA device function: call it inside @cuda.jit code")

    decls = []
    for o in overloads:
        line = f"C++ `{o.decl}`" + (f" ({o.where})" if o.where else "") if o.decl else ""
        if line and line not in decls:
            decls.append(line)
    text = "\n".join(decls) or f"C++ `{name}`, callable in @cuda.jit code."
    stub.__name__ = stub.__qualname__ = name.rsplit(".", 1)[-1]
    stub.__module__ = b.module
    stub.__doc__ = text + ("\n\n" + doc if doc else "")
    return stub


__all__ = ["Bindings", "bind_module"]
