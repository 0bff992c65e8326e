"""Runtime of generated bindings: typing and lowering of C++ declarations described by tables.

This file imports only numba-cuda (and llvmlite, which it brings). `numbast emit` copies its
text into every static module, so a generated module needs nothing of numbast at run time; the
dynamic mode imports it directly. Both therefore share this one code path.

How a call reaches C++: each bound callable has an extern "C" __device__ shim (its text is in
the module's tables) with the signature `int shim(void *out, void *arg0, ...)`: arguments are
passed by pointer and the result is constructed in place at `out`. Lowering declares the shim in
the kernel's LLVM module and calls it; the shims a process actually uses are gathered in one
CUDA source (`ShimBundle`) that numba-cuda compiles with NVRTC and links with LTO, so the call
inlines and only used shims are ever compiled.
"""

from __future__ import annotations

import enum
import hashlib
import operator
import os
import re

import numba
from llvmlite import ir as llir
from numba import cuda
from numba.cuda import cgutils, types
from numba.cuda.cudadecl import registry as _typing
from numba.cuda.cudadrv.linkable_code import CUSource
from numba.cuda.cudaimpl import registry as _lowering
from numba.cuda.datamodel import models as _models
from numba.cuda.extending import register_model
from numba.cuda.typeconv import Conversion
from numba.cuda.typing import signature
from numba.cuda.typing.templates import AbstractTemplate, AttributeTemplate, ConcreteTemplate
from numba.cuda.vector_types import vector_types

SUPPORTED_NUMBA_CUDA = ((0, 30), (0, 99))  # [lowest, highest] (major, minor) tested


def check_numba_cuda(version: str, module: str) -> None:
    """Fail with a clear message on a numba-cuda these bindings were not made for."""
    nums = tuple(int(p) for p in re.findall(r"\d+", version)[:2])
    low, high = SUPPORTED_NUMBA_CUDA
    if not (low <= nums <= high):
        raise ImportError(
            f"{module}: generated for numba-cuda {low[0]}.{low[1]}-{high[0]}.{high[1]}, "
            f"found {version}; regenerate the bindings with `numbast emit`"
        )


# ---------------------------------------------------------------------------------------------
# Shims: gathered lazily into one CUDA source per module
# ---------------------------------------------------------------------------------------------


class ShimBundle(CUSource):
    """The CUDA source of the shims used so far. numba-cuda reads `data` at link time, after
    every call has been lowered, and compiles it with NVRTC (LTO-IR when LTO is on)."""

    def __init__(self, prelude: str, shims: dict[str, str], name: str):
        super().__init__("", name=name)
        self.prelude = prelude
        self.shims = shims
        self.used: set[str] = set()

    def require(self, shim: str) -> None:
        self.used.add(shim)

    def source(self, names=None) -> str:
        chosen = sorted(self.used if names is None else names)
        return self.prelude + "\n" + "\n".join(self.shims[n] for n in chosen)

    @property
    def data(self):
        return self.source()


def _declare_shim(builder, name: str, nargs: int):
    i8p = llir.IntType(8).as_pointer()
    fnty = llir.FunctionType(llir.IntType(32), [i8p] * (nargs + 1))
    return cgutils.get_or_insert_function(builder.module, fnty, name)


# ---------------------------------------------------------------------------------------------
# Record types
# ---------------------------------------------------------------------------------------------


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
        super().__init__(name=f"{name}")

    @property
    def mutable(self) -> bool:
        # Numba lowers `a += b` with operator.iadd only for mutable types.
        return self.by_ref

    def can_convert_to(self, typingctx, other):
        return self.casts_to.get(other)

    def can_convert_from(self, typingctx, other):
        return self.casts_from.get(other)


class _StructRecordModel(_models.StructModel):
    def __init__(self, dmm, fe_type):
        super().__init__(dmm, fe_type, [(n, t) for n, t, _ in fe_type.fields])


class _OpaqueRecordModel(_models.PrimitiveModel):
    """Bytes of the record's size; alignment is applied where storage is allocated."""

    def __init__(self, dmm, fe_type):
        super().__init__(dmm, fe_type, llir.ArrayType(llir.IntType(8), fe_type.size))


class _RefRecordModel(_models.PrimitiveModel):
    """A pointer to the record's storage."""

    def __init__(self, dmm, fe_type):
        super().__init__(dmm, fe_type, llir.ArrayType(llir.IntType(8), fe_type.size).as_pointer())


def _storage(builder, rt: RecordType):
    ptr = cgutils.alloca_once(builder, llir.ArrayType(llir.IntType(8), rt.size))
    ptr.align = rt.alignof_
    return ptr


# ---------------------------------------------------------------------------------------------
# Type specs of the tables -> Numba types
# ---------------------------------------------------------------------------------------------

_SCALARS = {
    "bool": types.boolean,
    "int8": types.int8,
    "uint8": types.uint8,
    "int16": types.int16,
    "uint16": types.uint16,
    "int32": types.int32,
    "uint32": types.uint32,
    "int64": types.int64,
    "uint64": types.uint64,
    "float16": types.float16,
    "float32": types.float32,
    "float64": types.float64,
    "bfloat16": getattr(types, "bfloat16", None),
    "void": types.void,
}


class Bindings:
    """Everything one module binds: its records, enums and callables, and their shims."""

    def __init__(self, module: str, prelude: str, shims: dict[str, str]):
        self.module = module
        self.bundle = ShimBundle(prelude, shims, name=f"{module}_shims.cu")
        self.records: dict[str, RecordType] = {}
        self.classes: dict[str, type] = {}
        self.enums: dict[str, type] = {}
        self._callables: dict[object, list] = {}
        self.exports: dict[str, object] = {}
        self.include_dirs: list[str] = []

    @classmethod
    def from_tables(cls, module: str, module_file: str | None, tables: dict) -> Bindings:
        """Bind everything the tables describe; `exports` then maps Python names to objects."""
        dirs = include_dirs_near(module_file, tables.get("include_dirs", []))
        add_include_dirs(dirs)
        b = cls(
            module, resolve_includes(tables["prelude"], dirs + cuda_include_dirs()), tables["shims"]
        )
        exports: dict[str, object] = {}
        for e in tables.get("enums", []):
            exports[e["name"]] = b.enum(e["name"], e["members"])
        for r in tables.get("records", []):
            exports[r["name"]] = b.record(r["name"], r["cpp"], r["size"], r["align"], r["by_ref"])
        for r in tables.get("records", []):
            b.layout(r["name"], r["fields"], r["attrs"])
        for r in tables.get("records", []):
            name = r["name"]
            if r["ctors"]:
                b.callable(b.classes[name], [(s, "void", a, {"ctor": name}) for s, a in r["ctors"]])
            b.implicit_constructors(name, r.get("implicit", []))
            b.conversions(name, r.get("casts", []))
            if r.get("methods"):
                b.methods(name, r["methods"])
        for f in tables.get("functions", []):
            stub = _device_stub(f["name"], f.get("doc", ""), module)
            exports[f["name"]] = stub
            b.callable(stub, f["cases"])
        for f in tables.get("function_templates", []):
            stub = _device_stub(f["name"], f.get("doc", ""), module)
            exports[f["name"]] = stub
            b.function_template(stub, f["overloads"])
        for c in tables.get("class_templates", []):
            exports[c["name"]] = b.class_template(c)
        operators = tables.get("operators", [])
        for o in operators:
            b.operator(OPERATORS[o["op"]], o["cases"])
        # Numba lowers `a += b` on immutable (by-value) types with the binary operator: give
        # in-place operators of such types a binary form when the header has none.
        have = {(o["op"], tuple(c[2])) for o in operators for c in o["cases"]}
        for o in operators:
            base = o["op"][:-1]
            if o["op"].endswith("=") and base in OPERATORS and base not in ("=", "!", "<", ">"):
                extra = [
                    c
                    for c in o["cases"]
                    if (base, tuple(c[2])) not in have and not b._by_ref_spec(c[2][0])
                ]
                if extra:
                    b.operator(OPERATORS[base], extra)
        for alias, target in tables.get("aliases", {}).items():
            exports[alias] = exports.get(target) or b.type_of(target)
        exports.update(tables.get("constants", {}))
        b.exports = exports
        return b

    def _by_ref_spec(self, spec: str) -> bool:
        return spec.startswith("rec:") and self.records[spec[4:]].by_ref

    # -- types ----------------------------------------------------------------------------

    def type_of(self, spec: str):
        kind, _, rest = spec.partition(":")
        if not rest:
            t = _SCALARS.get(kind)
            if t is None:
                raise TypeError(f"{self.module}: unsupported type spec {spec!r}")
            return t
        if kind == "ptr":
            inner = self.type_of(rest)
            return types.CPointer(types.uint8 if inner == types.void else inner)
        if kind == "rec":
            return self.records[rest]
        if kind == "enum":
            name, _, base = rest.partition(":")
            return self.type_of(base)
        if kind == "vec":
            return vector_types[rest]
        if kind == "tuple":
            count, _, inner = rest.partition(":")
            return types.UniTuple(self.type_of(inner), int(count))
        if kind == "tup":  # results of out_return intents: (return value, out1, ...)
            return types.Tuple([self.type_of(p) for p in rest.split("|")])
        raise TypeError(f"{self.module}: unsupported type spec {spec!r}")

    # -- records --------------------------------------------------------------------------

    def record(self, name: str, cpp: str, size: int, align: int, by_ref: bool):
        """Declare a record's Numba type; return its Python stand-in class (call it in a
        kernel to construct). Fields come later, in `layout`, once every record exists."""
        typ_cls = type(f"_{name}_type", (RecordType,), {})
        rt = typ_cls(name, cpp, size, align, by_ref)
        self.records[name] = rt
        py = type(name, (), {"_numba_type_": rt, "__doc__": f"C++ `{cpp}` for @cuda.jit code."})
        self.classes[name] = py
        return py

    def layout(self, name: str, fields: list, attr_names: dict[str, str]) -> None:
        """Fields [(C++ name, type spec, bit offset)]; `attr_names` python -> C++ name of the
        fields readable from kernels."""
        rt = self.records[name]
        resolved = [(f, self.type_of(spec), off) for f, spec, off in fields]
        rt.fields = resolved
        rt.struct = (
            bool(resolved)
            and not rt.by_ref
            and _natural_layout(resolved, rt.size, rt.alignof_, self)
        )
        model = (
            _RefRecordModel
            if rt.by_ref
            else (_StructRecordModel if rt.struct else _OpaqueRecordModel)
        )
        register_model(type(rt))(model)
        self._attributes(rt, type(rt), resolved, attr_names)

    def _attributes(self, rt, typ_cls, fields, attr_names):
        by_name = {f: (t, off) for f, t, off in fields}
        visible = {py: by_name[c] for py, c in attr_names.items() if c in by_name}

        class _Attrs(AttributeTemplate):
            key = rt

            def generic_resolve(self, typ, attr):
                hit = visible.get(attr)
                return hit[0] if hit else None

        _typing.register_attr(_Attrs)
        names = {py: c for py, c in attr_names.items() if c in by_name}

        @_lowering.lower_getattr_generic(typ_cls)
        def _get(context, builder, typ, value, attr):
            ftype, offset = by_name[names[attr]]
            if typ.struct:
                idx = [f for f, _, _ in typ.fields].index(names[attr])
                return builder.extract_value(value, idx)
            base = value if typ.by_ref else _spill(builder, typ, value)
            raw = builder.gep(
                builder.bitcast(base, llir.IntType(8).as_pointer()),
                [llir.Constant(llir.IntType(32), offset // 8)],
            )
            ptr = builder.bitcast(raw, context.get_value_type(ftype).as_pointer())
            return builder.load(ptr)

    # -- callables ------------------------------------------------------------------------

    def callable(self, key, cases) -> None:
        """Bind overloads `cases` [(shim, ret spec, [arg specs], flags)] to `key`: a Python
        object (function stand-in, record class, or an `operator` function)."""
        sigs = []
        for shim, ret, args, flags in cases:
            rtype = self.type_of(ret)
            atypes = [self.type_of(a) for a in args]
            if flags.get("ctor"):
                rtype = self.records[flags["ctor"]]
            sig = signature(rtype, *atypes)
            sigs.append(sig)
            self._lower_call(key, sig, shim, flags)
            if any(isinstance(a, types.CPointer) for a in atypes):
                # A device array (its data pointer) may be passed where C++ takes `T *`.
                arrays = [
                    types.Array(a.dtype, 1, "A") if isinstance(a, types.CPointer) else a
                    for a in atypes
                ]
                sigs.append(signature(rtype, *arrays))
                lowered = [types.Array if isinstance(a, types.Array) else a for a in arrays]
                _lowering.lower(key, *lowered)(self._call_impl(shim, flags))
        bucket = self._callables.setdefault(key, [])
        bucket.extend(sigs)
        if len(bucket) == len(sigs):  # first registration of this key

            class _Template(ConcreteTemplate):
                pass

            _Template.key = key
            _Template.cases = bucket
            _typing.register_global(key, types.Function(_Template))

    def operator(self, op, cases) -> None:
        """C++ operators onto Python's `operator` functions."""
        sigs = []
        for shim, ret, args, flags in cases:
            sig = signature(self.type_of(ret), *[self.type_of(a) for a in args])
            sigs.append(sig)
            self._lower_call(op, sig, shim, flags)

        class _Template(ConcreteTemplate):
            key = op
            cases = sigs

        # The typing context augments the existing Function type of `op` with these cases.
        _typing.register_global(op, types.Function(_Template))

    def methods(self, record: str, methods: dict) -> None:
        """Bind methods {python name: [(shim, ret, [arg specs], flags)]} of a record."""
        rt = self.records[record]
        resolvers = {}
        for pyname, cases in methods.items():
            key = f"{self.module}.{record}.{pyname}"
            sigs = []
            for shim, ret, args, flags in cases:
                sig = signature(self.type_of(ret), *[self.type_of(a) for a in args])
                sig = sig.replace(recvr=rt)
                sigs.append(sig)
                self._lower_call(
                    key, signature(sig.return_type, rt, *sig.args), shim, dict(flags, method=True)
                )
            resolvers[pyname] = (key, sigs)

        class _Methods(AttributeTemplate):
            key = rt

            def generic_resolve(self, typ, attr):
                hit = resolvers.get(attr)
                if hit is None:
                    return None
                mkey, msigs = hit

                class _M(AbstractTemplate):
                    key = mkey

                    def generic(self, args, kws):
                        if kws:
                            return None
                        for s in msigs:
                            if len(s.args) == len(args) and all(
                                self.context.can_convert(a, b) is not None
                                for a, b in zip(args, s.args, strict=True)
                            ):
                                return s
                        return None

                return types.BoundFunction(_M, typ)

        _typing.register_attr(_Methods)

    def _lower_call(self, key, sig, shim, flags) -> None:
        _lowering.lower(key, *sig.args)(self._call_impl(shim, flags))

    def _call_impl(self, shim, flags):
        bundle = self.bundle

        def _impl(context, builder, sig_, args):
            context.active_code_library.add_linking_file(bundle)
            bundle.require(shim)
            ret = sig_.return_type
            ptrs = []
            for ty, val in zip(sig_.args, args, strict=True):
                ptrs.append(_as_pointer(context, builder, ty, val))
            by_ref_ret = isinstance(ret, RecordType) and ret.by_ref
            if ret == types.void:
                out = llir.Constant(llir.IntType(8).as_pointer(), None)
            elif isinstance(ret, RecordType):
                out = _storage(builder, ret)
            else:
                out = cgutils.alloca_once(builder, context.get_value_type(ret))
            fn = _declare_shim(builder, shim, len(ptrs))
            i8p = llir.IntType(8).as_pointer()
            builder.call(fn, [builder.bitcast(out, i8p), *[builder.bitcast(p, i8p) for p in ptrs]])
            if flags.get("self_result") and ptrs:
                return args[0]  # in-place operators of by-reference records
            if ret == types.void:
                return context.get_dummy_value()
            if by_ref_ret:
                return out
            typed = builder.bitcast(out, context.get_value_type(ret).as_pointer())
            return builder.load(typed)

        return _impl

    def function_template(self, key, overloads: list[dict]) -> None:
        """Bind C++ function templates: at typing time the template arguments are deduced from
        the Numba argument types (or given as keywords, `f(x, U=float64)`), an overload is chosen
        by arity and deduction, and one shim per instantiation is added to the bundle."""
        bindings = self
        chosen: dict[tuple, str] = {}  # argument types -> shim of that instantiation

        class _Template(AbstractTemplate):
            def generic(self, args, kws):
                hits = [h for h in (bindings._instantiate(o, args, kws) for o in overloads) if h]
                if len(hits) > 1:
                    from numba.cuda.core.errors import TypingError

                    names = ", ".join(h[2] for h in hits)
                    raise TypingError(f"ambiguous call: {names} all match {args}")
                if not hits:
                    return None
                sig, shim, _ = hits[0]
                sig = _with_keywords(sig, args, kws)  # template arguments given as keywords
                chosen[tuple(sig.args)] = (shim, len(args))
                return sig

        _Template.key = key
        _typing.register_global(key, types.Function(_Template))

        @_lowering.lower(key, types.VarArg(types.Any))
        def _impl(context, builder, sig, args):
            shim, n = chosen[tuple(sig.args)]
            call_sig = signature(sig.return_type, *sig.args[:n])
            return bindings._call_impl(shim, {})(context, builder, call_sig, args[:n])

    def _instantiate(self, overload: dict, args, kws):
        """(signature, shim name, label) of one template overload for these arguments, or None."""
        if len(args) != len(overload["params"]):
            return None
        tparams = {tp["name"]: tp for tp in overload["tparams"]}
        deduced: dict[str, types.Type] = {}
        for name, value in (kws or {}).items():
            if name not in tparams:
                return None
            deduced[name] = getattr(value, "instance_type", value)
        argtypes = []
        for p, a in zip(overload["params"], args, strict=True):
            a = types.unliteral(a)
            if "tparam" in p:
                have = deduced.setdefault(p["tparam"], a)
                if have != a:
                    return None
                argtypes.append(a)
            else:
                want = self.type_of(p["spec"])
                if self_conv(a, want) is None:
                    return None
                argtypes.append(want)
        for name, tp in tparams.items():
            if name not in deduced:
                if tp["default"] is None:
                    return None
                deduced[name] = self.type_of(tp["default"])
        targs = [_cpp_spelling(deduced[tp["name"]]) for tp in overload["tparams"]]
        if None in targs:
            return None
        ret = overload["ret"]
        rtype = deduced[ret["tparam"]] if "tparam" in ret else self.type_of(ret["spec"])
        rcpp = _cpp_spelling(rtype) if "tparam" in ret else ret.get("cpp")
        call_args = []
        for k, (p, a) in enumerate(zip(overload["params"], argtypes, strict=True)):
            cpp = _cpp_spelling(a) if "tparam" in p else p["cpp"]
            call_args.append(f"*static_cast<{cpp} *>(a{k})")
        call = f"{overload['callee']}<{', '.join(targs)}>({', '.join(call_args)})"
        digest = hashlib.sha256(f"{overload['id']}|{'|'.join(targs)}".encode()).hexdigest()[:20]
        shim = f"nbst_{digest}"
        body = f"{call};" if rtype == types.void else f"::new (out) {rcpp}({call});"
        params = ", ".join(["void *out"] + [f"void *a{k}" for k in range(len(args))])
        self.bundle.shims[shim] = (
            f'extern "C" __device__ int {shim}({params}) {{\n  {body}\n  return 0;\n}}\n'
        )
        return signature(rtype, *argtypes), shim, f"{overload['callee']}<{', '.join(targs)}>"

    # -- class templates ------------------------------------------------------------------

    def class_template(self, table: dict):
        """Bind a class template. Calling the returned stand-in in a kernel constructs a
        specialization: template arguments as keywords (`Box(T=float32, N=8)`) or deduced from
        the constructor's arguments (`Pair(a, b)`); its size and alignment come from NVRTC."""
        bindings = self
        stub = type(table["name"], (), {"__doc__": f"C++ class template `{table['cpp']}`."})
        inst_cls = type(f"_{table['name']}_instance", (RecordType,), {})
        register_model(inst_cls)(_RefRecordModel if table["by_ref"] else _OpaqueRecordModel)
        instances: dict[str, RecordType] = {}
        chosen: dict[tuple, tuple[str, int]] = {}

        def instance(targs: dict) -> RecordType:
            spelled = _spell_specialization(table, targs)
            rt = instances.get(spelled)
            if rt is None:
                size, align = bindings.query_layout(spelled)
                rt = inst_cls(spelled, spelled, size, align, table["by_ref"])
                rt.template_args = targs
                instances[spelled] = rt
            return rt

        class _Ctor(AbstractTemplate):
            def generic(self, args, kws):
                targs = _explicit_template_args(table["tparams"], kws)
                if targs is None:
                    return None
                for params in table["ctors"]:
                    hit = bindings._match(params, args, dict(targs))
                    if hit is None:
                        continue
                    deduced, argtypes, cpps = hit
                    full = _complete_template_args(table["tparams"], deduced, bindings)
                    if full is None:
                        continue
                    rt = instance(full)
                    shim = bindings._template_shim(
                        f"{table['id']}|ctor|{rt.cpp}|{'|'.join(cpps)}",
                        f"::new (out) {rt.cpp}({_call_args(cpps)});",
                        len(args),
                    )
                    sig = _with_keywords(signature(rt, *argtypes), args, kws)
                    chosen[tuple(sig.args)] = (shim, len(args))
                    return sig
                return None

        _Ctor.key = stub
        _typing.register_global(stub, types.Function(_Ctor))

        @_lowering.lower(stub, types.VarArg(types.Any))
        def _construct(context, builder, sig, args):
            shim, n = chosen[tuple(sig.args)]
            call_sig = signature(sig.return_type, *sig.args[:n])
            return bindings._call_impl(shim, {})(context, builder, call_sig, args[:n])

        fields = {f["name"]: f for f in table.get("fields", [])}
        method_keys = {}
        for pyname, overloads in table["methods"].items():
            key = f"{self.module}.{table['name']}.{pyname}"
            method_keys[pyname] = (key, overloads)

            def lower_method(context, builder, sig, args, _key=key):
                shim = chosen[(_key, *sig.args)][0]
                return bindings._call_impl(shim, {})(context, builder, sig, args)

            _lowering.lower(key, types.VarArg(types.Any))(lower_method)

        class _Methods(AttributeTemplate):
            key = inst_cls

            def generic_resolve(self, typ, attr):
                field = fields.get(attr)
                if field is not None:
                    return bindings._resolve_desc(field, typ)[0]
                hit = method_keys.get(attr)
                if hit is None:
                    return None
                mkey, overloads = hit

                class _M(AbstractTemplate):
                    key = mkey

                    def generic(_, args, kws):
                        if kws:
                            return None
                        for o in overloads:
                            m = bindings._match(o["params"], args, dict(typ.template_args))
                            if m is None:
                                continue
                            _, argtypes, cpps = m
                            targs = typ.template_args

                            def resolve(d, targs=targs):
                                if "tparam" in d:
                                    t = targs[d["tparam"]]
                                    return t, _cpp_spelling(t)
                                return bindings.type_of(d["spec"]), d.get("cpp")

                            rtype, rcpp = resolve(o["ret"])
                            exprs, outs, k = [], [], 1
                            for p in o["params"]:
                                if "fixed" in p:
                                    exprs.append(p["fixed"])
                                elif p.get("out"):
                                    t, c = resolve(p)
                                    outs.append((t, c, f"o{len(outs)}"))
                                    exprs.append(outs[-1][2])
                                else:
                                    exprs.append(_arg_expr(cpps[k - 1], k))
                                    k += 1
                            call = f"static_cast<{typ.cpp} *>(a0)->{o['name']}({', '.join(exprs)})"
                            if outs:
                                rtype, body = _out_return_body(rtype, rcpp, call, outs)
                            else:
                                body = (
                                    f"{call};"
                                    if rtype == types.void
                                    else f"::new (out) {rcpp}({call});"
                                )
                            shim = bindings._template_shim(
                                f"{table['id']}|{o['name']}|{typ.cpp}|{'|'.join(cpps)}",
                                body,
                                len(args) + 1,
                            )
                            chosen[(mkey, typ, *argtypes)] = (shim, len(args) + 1)
                            return signature(rtype, *argtypes).replace(recvr=typ)
                        return None

                return types.BoundFunction(_M, typ)

        _typing.register_attr(_Methods)

        @_lowering.lower_getattr_generic(inst_cls)
        def _get_field(context, builder, typ, value, attr):
            ftype = bindings._resolve_desc(fields[attr], typ)[0]
            offset = bindings.query_layout(typ.cpp, attr)[0]
            base = value if typ.by_ref else _spill(builder, typ, value)
            raw = builder.gep(
                builder.bitcast(base, llir.IntType(8).as_pointer()),
                [llir.Constant(llir.IntType(32), offset)],
            )
            return builder.load(builder.bitcast(raw, context.get_value_type(ftype).as_pointer()))

        for o in table.get("operators", []):
            self._class_template_operator(inst_cls, o, chosen)
        return stub

    def _resolve_desc(self, d: dict, typ):
        """(Numba type, C++ spelling) of a template-aware type for the instance `typ`."""
        if d.get("self"):
            return typ, typ.cpp
        if "tparam" in d:
            t = typ.template_args[d["tparam"]]
            return t, _cpp_spelling(t)
        return self.type_of(d["spec"]), d.get("cpp")

    def _class_template_operator(self, inst_cls, o: dict, chosen: dict) -> None:
        bindings = self
        fn = OPERATORS[o["op"]]
        unary = not o["params"]

        class _Op(AbstractTemplate):
            def generic(self, args, kws):
                if kws or not args or not isinstance(args[0], inst_cls):
                    return None
                typ = args[0]
                if len(args) != len(o["params"]) + 1:
                    return None
                argtypes, exprs = [typ], []
                for k, (p, a) in enumerate(zip(o["params"], args[1:], strict=True), start=1):
                    want, cpp = bindings._resolve_desc(p, typ)
                    if self_conv(types.unliteral(a), want) is None:
                        return None
                    argtypes.append(want)
                    exprs.append(f"*static_cast<{cpp} *>(a{k})")
                rtype, rcpp = bindings._resolve_desc(o["ret"], typ)
                this = f"(*static_cast<{typ.cpp} *>(a0))"
                expr = f"{o['cpp']}{this}" if unary else f"{this} {o['cpp']} ({exprs[0]})"
                shim = bindings._template_shim(
                    f"{typ.cpp}|operator{o['cpp']}|{unary}",
                    f"::new (out) {rcpp}({expr});",
                    len(argtypes),
                )
                chosen[(fn, *argtypes)] = (shim, len(argtypes))
                return signature(rtype, *argtypes)

        _Op.key = fn
        _typing.register_global(fn, types.Function(_Op))

        def lower_op(context, builder, sig, args):
            shim = chosen[(fn, *sig.args)][0]
            return bindings._call_impl(shim, {})(context, builder, sig, args)

        formals = (inst_cls,) if unary else (inst_cls, types.Any)
        _lowering.lower(fn, *formals)(lower_op)

    def _match(self, params: list[dict], args, deduced: dict):
        """Match template-aware parameters against argument types: (deduced, types, C++).
        `out` parameters (out_return intent) take no argument."""
        params = [p for p in params if not p.get("out") and "fixed" not in p]
        if len(params) != len(args):
            return None
        argtypes, cpps = [], []
        for p, a in zip(params, args, strict=True):
            a = types.unliteral(a)
            if p.get("deduced"):
                inner = _cpp_spelling(a.dtype) if isinstance(a, types.Array) else None
                cpps.append(f"{inner} *" if inner else _cpp_spelling(a))
                argtypes.append(a)
                continue
            if "array_of" in p:
                elem = deduced.get(p["array_of"])
                count = deduced.get(p["count"])
                if not isinstance(a, types.Array) or elem is None or a.dtype != elem:
                    return None
                cpps.append(f"@array:{_cpp_spelling(elem)}:{count}")
                argtypes.append(a)
                continue
            if "tparam" in p:
                have = deduced.setdefault(p["tparam"], a)
                if have != a and self_conv(a, have) is None:
                    return None
                argtypes.append(have)
                cpps.append(_cpp_spelling(have))
            else:
                want = self.type_of(p["spec"])
                if self_conv(a, want) is None:
                    return None
                argtypes.append(want)
                cpps.append(p["cpp"])
        if None in cpps:
            return None
        return deduced, argtypes, cpps

    def _template_shim(self, key: str, body: str, nargs: int) -> str:
        shim = "nbst_" + hashlib.sha256(key.encode()).hexdigest()[:20]
        params = ", ".join(["void *out"] + [f"void *a{k}" for k in range(nargs)])
        self.bundle.shims[shim] = (
            f'extern "C" __device__ int {shim}({params}) {{\n  {body}\n  return 0;\n}}\n'
        )
        return shim

    def query_layout(self, cpp: str, field: str | None = None) -> tuple[int, int]:
        """sizeof and alignof of a C++ type, or (offsetof, 0) of one of its fields, asked of
        NVRTC (no GPU needed). Answers are cached in memory and on disk, keyed by the query,
        the shim prelude and the size and mtime of the headers it includes."""
        key = cpp if field is None else f"{cpp}::{field}"
        hit = _LAYOUTS.get((self.bundle.prelude, key))
        if hit is not None:
            return hit
        disk_key = _layout_cache_key(self.bundle.prelude, key)
        hit = _disk_layouts().get(disk_key)
        if hit is None:
            from cuda.core import Program, ProgramOptions

            src = (
                self.bundle.prelude + "\ntemplate <unsigned long long S, unsigned long long A>"
                " __global__ void numbast_layout() {}\n"
            )
            expr = (
                f"&numbast_layout<sizeof({cpp}), alignof({cpp})>"
                if field is None
                else f"&numbast_layout<__builtin_offsetof({cpp}, {field}), 0>"
            )
            opts = ProgramOptions(
                arch="sm_90", std="c++17", include_path=self.include_dirs + cuda_include_dirs()
            )
            obj = Program(src, "c++", options=opts).compile("cubin", name_expressions=[expr])
            mangled = obj.symbol_mapping[expr]
            mangled = mangled.decode() if isinstance(mangled, bytes) else mangled
            hit = tuple(int(v) for v in re.findall(r"Ly(\d+)E", mangled)[:2])
            _store_disk_layout(disk_key, hit)
        hit = _LAYOUTS[(self.bundle.prelude, key)] = (int(hit[0]), int(hit[1]))
        return hit

    def conversions(self, record: str, casts: list) -> None:
        """C++ conversion operators [(shim, target spec, explicit)] as Numba casts."""
        rt = self.records[record]
        for shim, target, explicit in casts:
            tt = self.type_of(target)
            rt.casts_to[tt] = Conversion.unsafe if explicit else Conversion.safe
            self._lower_cast(rt, tt, shim)
            if tt == types.boolean:  # `if x:` and bool(x) use operator bool
                for key in (operator.truth, bool):
                    self.callable(key, [(shim, "bool", [f"rec:{record}"], {})])

    def implicit_constructors(self, record: str, ctors: list) -> None:
        """Non-explicit one-argument constructors [(shim, arg spec)] as implicit conversions."""
        rt = self.records[record]
        for shim, arg in ctors:
            at = self.type_of(arg)
            rt.casts_from[at] = Conversion.safe
            self._lower_cast(at, rt, shim)

    def _lower_cast(self, from_t, to_t, shim) -> None:
        impl = self._call_impl(shim, {})

        @_lowering.lower_cast(from_t, to_t)
        def _cast(context, builder, fromty, toty, val):
            return impl(context, builder, signature(toty, fromty), [val])

    # -- enums ----------------------------------------------------------------------------

    def enum(self, name: str, members: dict[str, int]):
        cls = enum.IntEnum(name, members)
        cls.__module__ = self.module
        self.enums[name] = cls
        return cls


_LAYOUTS: dict[tuple[str, str], tuple[int, int]] = {}
_DISK: dict | None = None


def _layout_cache_file() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "numbast", "layouts.json")


def _layout_cache_key(prelude: str, query: str) -> str:
    stamps = []
    for path in re.findall(r'^#include "([^"]+)"$', prelude, re.M):
        try:
            st = os.stat(path)
            stamps.append(f"{path}:{st.st_size}:{st.st_mtime_ns}")
        except OSError:
            stamps.append(path)
    text = "\n".join([prelude, query, *stamps, numba_cuda_version()])
    return hashlib.sha256(text.encode()).hexdigest()


def _disk_layouts() -> dict:
    global _DISK
    if _DISK is None:
        try:
            import json

            with open(_layout_cache_file()) as fh:
                _DISK = json.load(fh)
        except (OSError, ValueError):
            _DISK = {}
    return _DISK


def _store_disk_layout(key: str, value) -> None:
    """Remember an answer on disk (atomically; a cache failure is never an error)."""
    import json
    import tempfile

    cache = _disk_layouts()
    cache[key] = list(value)
    path = _layout_cache_file()
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
        with os.fdopen(fd, "w") as fh:
            json.dump(cache, fh)
        os.replace(tmp, path)
    except OSError:
        pass


def _spell_specialization(table: dict, targs: dict) -> str:
    parts = []
    for tp in table["tparams"]:
        v = targs[tp["name"]]
        if tp["kind"] == "int":
            parts.append(f"({tp['enum']}){v}" if tp.get("enum") else str(v))
        else:
            parts.append(_cpp_spelling(v))
    return f"{table['cpp']}<{', '.join(parts)}>"


def _explicit_template_args(tparams: list[dict], kws) -> dict | None:
    """Template arguments given as keywords: types (`T=float32`) or integer literals (`N=8`)."""
    out = {}
    kinds = {tp["name"]: tp["kind"] for tp in tparams}
    by_name = {tp["name"]: tp for tp in tparams}
    for name, value in (kws or {}).items():
        if name not in kinds:
            return None
        if kinds[name] == "int":
            literal = getattr(value, "literal_value", None)
            enumerators = by_name[name].get("enumerators") or {}
            if isinstance(literal, str) and literal in enumerators:
                literal = enumerators[literal]  # an enum parameter given by enumerator name
            if not isinstance(literal, int) or isinstance(literal, bool):
                return None
            out[name] = literal
        else:
            out[name] = getattr(value, "instance_type", value)
    return out


def _complete_template_args(tparams: list[dict], deduced: dict, bindings) -> dict | None:
    full = dict(deduced)
    for tp in tparams:
        if tp["name"] not in full:
            if tp["default"] is None:
                return None
            full[tp["name"]] = (
                tp["default"] if tp["kind"] == "int" else bindings.type_of(tp["default"])
            )
    return full


def _out_return_body(rtype, rcpp, call, outs):
    """Shim body and result type of a call whose out_return locals come back as results."""
    members = ([] if rtype == types.void else [(rtype, rcpp, "r")]) + outs
    fields = " ".join(f"{c} {n};" for _, c, n in members)
    lines = [f"{c} {n}{{}};" for _, c, n in outs]
    lines.append(f"struct R {{ {fields} }}; R *res = static_cast<R *>(out);")
    lines.append(f"{call};" if rtype == types.void else f"res->r = {call};")
    lines += [f"res->{n} = {n};" for _, _, n in outs]
    result = members[0][0] if len(members) == 1 else types.Tuple([t for t, _, _ in members])
    return result, " ".join(lines)


def _arg_expr(cpp: str, k: int) -> str:
    """The C++ argument read from shim parameter a<k> (a pointer to the value)."""
    if cpp.startswith("@array:"):  # `T (&)[N]` from an array's data pointer
        _, elem, count = cpp.split(":")
        return f"*reinterpret_cast<{elem} (*)[{count}]>(*static_cast<{elem} **>(a{k}))"
    return f"*static_cast<{cpp} *>(a{k})"


def _call_args(cpps: list[str], start: int = 0) -> str:
    return ", ".join(f"*static_cast<{c} *>(a{k + start})" for k, c in enumerate(cpps))


def _with_keywords(sig, args, kws):
    """Fold keyword arguments (template arguments) after the positional ones."""
    if not kws:
        return sig
    import inspect

    names = list(kws)
    P = inspect.Parameter
    sig = signature(sig.return_type, *sig.args, *[kws[k] for k in names])
    return sig.replace(
        pysig=inspect.Signature(
            [P(f"a{i}", P.POSITIONAL_OR_KEYWORD) for i in range(len(args))]
            + [P(k, P.POSITIONAL_OR_KEYWORD) for k in names]
        )
    )


def self_conv(have, want):
    """Whether an argument of type `have` may be passed where `want` is expected."""
    from numba.cuda.descriptor import cuda_target

    return cuda_target.typing_context.can_convert(have, want)


_CPP_SCALARS = {
    types.boolean: "bool",
    types.int8: "signed char",
    types.uint8: "unsigned char",
    types.int16: "short",
    types.uint16: "unsigned short",
    types.int32: "int",
    types.uint32: "unsigned int",
    types.int64: "long long",
    types.uint64: "unsigned long long",
    types.float16: "__half",
    types.float32: "float",
    types.float64: "double",
}
if getattr(types, "bfloat16", None) is not None:
    _CPP_SCALARS[types.bfloat16] = "__nv_bfloat16"
_VECTOR_CPP = {
    "int8": "char",
    "uint8": "uchar",
    "int16": "short",
    "uint16": "ushort",
    "int32": "int",
    "uint32": "uint",
    "int64": "longlong",
    "uint64": "ulonglong",
    "float32": "float",
    "float64": "double",
}


def _cpp_spelling(t) -> str | None:
    """The C++ type a Numba type stands for, for template arguments of shims."""
    if isinstance(t, RecordType):
        return t.cpp
    if t in _CPP_SCALARS:
        return _CPP_SCALARS[t]
    for name, vt in vector_types.items():
        if vt == t:
            base, _, n = name.rpartition("x")
            return f"{_VECTOR_CPP[base]}{n}"
    return None


def _device_stub(name: str, doc: str, module: str):
    def stub(*args, **kwargs):
        raise TypeError(f"{name} is a CUDA device function: call it inside @cuda.jit code")

    stub.__name__ = stub.__qualname__ = name
    stub.__module__ = module
    stub.__doc__ = doc or f"C++ `{name}`, callable in @cuda.jit code."
    return stub


def _spill(builder, typ, value):
    ptr = _storage(builder, typ)
    builder.store(value, builder.bitcast(ptr, value.type.as_pointer()))
    return ptr


def _as_pointer(context, builder, ty, val):
    if isinstance(ty, RecordType) and ty.by_ref:
        return val
    if isinstance(ty, types.Array):  # passed as its data pointer
        data = context.make_array(ty)(context, builder, val).data
        ptr = cgutils.alloca_once(builder, data.type)
        builder.store(data, ptr)
        return ptr
    ptr = cgutils.alloca_once(builder, context.get_value_type(ty))
    if isinstance(ty, RecordType):
        ptr.align = ty.alignof_
    builder.store(val, ptr)
    return ptr


def _natural_layout(fields, size, align, bindings) -> bool:
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


def numba_cuda_version() -> str:
    return getattr(numba.cuda, "__version__", None) or _dist_version()


def _dist_version() -> str:
    from importlib.metadata import version

    try:
        return version("numba-cuda")
    except Exception:
        return "0.0"


def add_include_dirs(dirs: list[str]) -> None:
    """Make `#include`s of the shims resolvable: NVRTC searches these folders too."""
    cfg = cuda.config
    have = [p for p in (cfg.CUDA_NVRTC_EXTRA_SEARCH_PATHS or "").split(":") if p]
    for d in dirs:
        if d and d not in have:
            have.append(d)
    cfg.CUDA_NVRTC_EXTRA_SEARCH_PATHS = ":".join(have)


def include_dirs_near(module_file: str | None, relative: list[str]) -> list[str]:
    """The module's include folders (relative to its file) and $NUMBAST_INCLUDE_PATH."""
    env = [p for p in os.environ.get("NUMBAST_INCLUDE_PATH", "").split(os.pathsep) if p]
    if module_file is None:
        return env
    here = os.path.dirname(os.path.abspath(module_file))
    return [os.path.normpath(os.path.join(here, r)) for r in relative] + env


def cuda_include_dirs() -> list[str]:
    """The CUDA toolkit's include folders on this machine (pip wheels or CUDA_HOME)."""
    try:
        from cuda import pathfinder
    except ImportError:
        return []
    found = []
    for lib in ("cudart", "cccl"):
        try:
            hit = pathfinder.locate_nvidia_header_directory(lib)
        except Exception:
            hit = None
        if hit is not None:
            found.append(hit.abs_path)
    return found


_INCLUDE = re.compile(r"^#include <([^>]+)>$", re.M)


def resolve_includes(prelude: str, dirs: list[str]) -> str:
    """Point `#include <h>` at the first of `dirs` holding h, resolved on this machine at
    import: NVRTC would otherwise prefer the older copies of some CUDA headers that numba-cuda
    ships, which can lack what the bindings were generated from. Unfound names stay as they
    are, for NVRTC's own search."""

    def pick(m: re.Match) -> str:
        for d in dirs:
            path = os.path.join(d, m.group(1))
            if os.path.isfile(path):
                return f'#include "{path}"'
        return m.group(0)

    return _INCLUDE.sub(pick, prelude)


OPERATORS = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "%": operator.mod,
    "&": operator.and_,
    "|": operator.or_,
    "^": operator.xor,
    "<<": operator.lshift,
    ">>": operator.rshift,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "+=": operator.iadd,
    "-=": operator.isub,
    "*=": operator.imul,
    "/=": operator.itruediv,
    "%=": operator.imod,
    "&=": operator.iand,
    "|=": operator.ior,
    "^=": operator.ixor,
    "<<=": operator.ilshift,
    ">>=": operator.irshift,
    "u-": operator.neg,
    "u+": operator.pos,
    "u~": operator.invert,
}
