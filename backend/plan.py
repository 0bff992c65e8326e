"""IR + binding config -> the binding tables a module is made of, and what was skipped and why.

The tables are plain data (JSON-able): static mode writes them into the module, dynamic mode
hands them to the same runtime in memory. Every name and type spelling that reaches C++ shim
text or Python code is checked here first.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

import msgspec

from numbast import ir

from . import names
from .config import BindConfig
from .errors import EmitError

# C++ builtin types (canonical spelling, no qualifiers) -> runtime type specs.
_BUILTINS = {
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
# CUDA's own types that Numba already has.
_STANDARD = {"__half": "float16", "__nv_bfloat16": "bfloat16"}
_VECTOR_BASE = {
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
for _base, _num in _VECTOR_BASE.items():
    for _n in (1, 2, 3, 4):
        _STANDARD[f"{_base}{_n}"] = f"vec:{_num}x{_n}"

_PY_UNARY = {"-": "u-", "+": "u+", "~": "u~"}
_PY_BINARY = {
    "+",
    "-",
    "*",
    "/",
    "%",
    "&",
    "|",
    "^",
    "<<",
    ">>",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "+=",
    "-=",
    "*=",
    "/=",
    "%=",
    "&=",
    "|=",
    "^=",
    "<<=",
    ">>=",
}


_ARRAY_REF = re.compile(r"^(const )?(?P<elem>\w+) \(&\)\[(?P<count>\w+)\]$")


class Unsupported(Exception):
    """A declaration cannot be bound; the message is the reason shown to the user."""


@dataclass
class Plan:
    tables: dict
    bound: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    # Non-const reference parameters bound as `in`: their changes are dropped unless the config
    # gives them an intent.
    dropped_refs: list[str] = field(default_factory=list)


@dataclass
class CallParts:
    """What a shim needs to call a C++ callable with the config's argument intents applied."""

    specs: list[str]  # Python-visible argument types
    exprs: list[str]  # C++ argument expressions
    locals_: list[str]  # declarations of out_return locals
    outs: list[tuple[str, str, str]]  # (spec, C++ type, local name) of out_return results


def shim_name(ident: str, variant: str = "") -> str:
    """Extern "C" name of a shim, from the declaration's stable id: unique across modules."""
    digest = hashlib.sha256(f"{ident}|{variant}".encode()).hexdigest()[:20]
    return f"nbst_{digest}"


def _value_cpp(t: ir.TypeRef, path: str) -> str:
    """The C++ object type a shim stores an argument or result as."""
    base = t.pointee if t.kind in ("lvalue_reference", "rvalue_reference") and t.pointee else t
    text = base.qualified.strip()
    for q in ("const ", "volatile "):
        while text.startswith(q):
            text = text[len(q) :]
    while text.endswith((" const", " volatile")):
        text = text.rsplit(" ", 1)[0]
    return names.cpp_type(text, path)


class _Planner:
    def __init__(self, doc: ir.APIDocument, config: BindConfig):
        self.doc = doc
        self.config = config
        self.by_id = {d.id: d for d in doc.declarations}
        self.paths = {d.id: f"$.declarations[{i}]" for i, d in enumerate(doc.declarations)}
        self.records: dict[str, str] = {}  # record id -> python name (bound records)
        self.by_ref: set[str] = set()
        self.enums: dict[str, str] = {}  # enum id -> python name
        self.plan = Plan(tables={})
        self.used_names: dict[str, str] = {}  # python name -> qualified C++ name
        self.shims: dict[str, str] = {}

    # -- names -------------------------------------------------------------------------------

    def check_names(self) -> None:
        for i, d in enumerate(self.doc.declarations):
            p = f"$.declarations[{i}]"
            if isinstance(d, ir.Macro):
                names.cpp_name(d.name, f"{p}.name")
                continue
            if not ir.decl_kind(d).startswith("class_template") and "<" not in d.name:
                names.cpp_name(d.name, f"{p}.name")
                names.cpp_qualified(d.qualified_name, f"{p}.qualified_name")
            if isinstance(d, ir.model.RECORD_KINDS):
                for j, f in enumerate(d.fields):
                    if f.name:
                        names.cpp_name(f.name, f"{p}.fields[{j}].name")
                for group in ("constructors", "methods"):
                    for j, m in enumerate(getattr(d, group)):
                        if not m.name.startswith("operator ") and "<" not in m.name:
                            names.cpp_name(m.name, f"{p}.{group}[{j}].name")
            if isinstance(d, ir.Enum):
                for j, e in enumerate(d.enumerators):
                    names.cpp_name(e.name, f"{p}.enumerators[{j}].name")

    def python_name(self, d, suffix: str = "") -> str | None:
        base = names.python_safe(self.config.python_name(d.name, d.qualified_name)) + suffix
        names.python_name(base, self.paths.get(d.id, "$") + ".name")
        owner = self.used_names.get(base)
        if owner is None or owner == d.qualified_name:
            self.used_names[base] = d.qualified_name
            return base
        alt = names.python_safe(d.qualified_name.replace("::", "_")) + suffix
        if alt.isidentifier() and self.used_names.get(alt) in (None, d.qualified_name):
            self.used_names[alt] = d.qualified_name
            return alt
        return None

    def skip(self, d, reason: str) -> None:
        self.plan.skipped.append((d.qualified_name, reason))

    # -- types -------------------------------------------------------------------------------

    def spec(self, t: ir.TypeRef, allow_ref: bool = True) -> str:
        if t.kind in ("lvalue_reference", "rvalue_reference"):
            if not allow_ref or t.pointee is None:
                raise Unsupported(f"reference type {t.spelling}")
            return self.spec(t.pointee, allow_ref=False)
        if t.kind in ("builtin", "void"):
            base = t.canonical.replace("const ", "").replace("volatile ", "").strip()
            if base in _BUILTINS:
                return _BUILTINS[base]
            raise Unsupported(f"type {t.spelling}")
        if t.kind == "pointer" and t.pointee is not None:
            inner = t.pointee
            if inner.kind == "function":
                raise Unsupported(f"function pointer {t.spelling}")
            if (
                inner.kind == "record"
                and inner.decl not in self.records
                and self._standard(inner) is None
            ):
                raise Unsupported(f"pointer to unbound record {inner.spelling}")
            return "ptr:" + self.spec(inner, allow_ref=False)
        if t.kind == "record":
            std = self._standard(t)
            if std is not None:
                return std
            if t.decl in self.records:
                return f"rec:{self.records[t.decl]}"
            raise Unsupported(f"record {t.spelling} is not bound")
        if t.kind == "enum":
            base = {1: "int8", 2: "int16", 4: "int32", 8: "int64"}.get(t.size or 4, "int32")
            if t.decl in self.enums:
                return f"enum:{self.enums[t.decl]}:{base}"
            return base
        if t.kind == "array" and t.element is not None and t.count:
            return f"tuple:{t.count}:{self.spec(t.element, allow_ref=False)}"
        raise Unsupported(f"{t.kind} type {t.spelling}")

    def _standard(self, t: ir.TypeRef) -> str | None:
        d = self.by_id.get(t.decl or "")
        name = d.qualified_name if d is not None else t.canonical.replace("const ", "").strip()
        return _STANDARD.get(name)

    # -- shims -------------------------------------------------------------------------------

    def _call_parts(
        self, owner: str, params: list[ir.Param], path: str, start: int = 0
    ) -> CallParts:
        """Arguments under the config's intents for `owner` (a qualified callable name)."""
        parts = CallParts([], [], [], [])
        slot = start
        for k, p in enumerate(params):
            ppath = f"{path}.params[{k}].type"
            intent = self.config.intent(owner, p.name, k)
            t = p.type
            is_ref = t.kind in ("lvalue_reference", "rvalue_reference") and t.pointee is not None
            mutable_ref = (
                t.kind == "lvalue_reference" and t.pointee is not None and not t.pointee.const
            )
            if intent == "in":
                if mutable_ref and not self._by_ref_record(t.pointee):
                    self.plan.dropped_refs.append(f"{owner}({p.name or k})")
                parts.specs.append(self.spec(t))
                cpp = _value_cpp(t, ppath)
                parts.exprs.append(f"*static_cast<{cpp} *>(a{slot})")
                slot += 1
                continue
            if not (mutable_ref or t.kind == "pointer"):
                raise Unsupported(
                    f"intent {intent} on parameter {p.name or k}, which is not "
                    "a non-const reference or a pointer"
                )
            if intent in ("inout_ptr", "out_ptr"):
                if is_ref:
                    cpp = _value_cpp(t, ppath)
                    parts.specs.append("ptr:" + self.spec(t.pointee, allow_ref=False))
                    parts.exprs.append(f"**static_cast<{cpp} **>(a{slot})")
                else:
                    parts.specs.append(self.spec(t))
                    parts.exprs.append(f"*static_cast<{_value_cpp(t, ppath)} *>(a{slot})")
                slot += 1
                continue
            # out_return: a local the callee writes, handed back as a result
            target = t.pointee if t.pointee is not None else t
            spec = self.spec(target, allow_ref=False)
            if spec in ("bool", "void") or spec.startswith(("rec:", "tuple:", "ptr:")):
                raise Unsupported(f"out_return of {target.spelling} (numeric types only)")
            cpp = _value_cpp(target, ppath)
            local = f"o{k}"
            parts.locals_.append(f"{cpp} {local}{{}};")
            parts.exprs.append(local if is_ref else f"&{local}")
            parts.outs.append((spec, cpp, local))
        return parts

    def _operator_args(self, owner, params, path, start) -> tuple[list[str], list[str]]:
        """Operator operands under the config's intents (results stay the operator's own)."""
        parts = self._call_parts(owner, params, path, start)
        if parts.outs:
            raise Unsupported("out_return on an operator operand")
        return parts.specs, parts.exprs

    def _by_ref_record(self, t: ir.TypeRef) -> bool:
        return t.kind == "record" and t.decl in self.by_ref

    def _call_result(
        self, ret: ir.TypeRef, call: str, path: str, parts: CallParts
    ) -> tuple[str, str]:
        """The shim body and Python result spec of a call, out_return results included."""
        if not parts.outs:
            spec, body = self._result(ret, call, path)
            return spec, " ".join([*parts.locals_, body])
        rspec = self.spec(ret)
        members, specs = [], []
        if rspec != "void":
            if rspec == "bool" or rspec.startswith(("rec:", "tuple:")):
                raise Unsupported("out_return with a non-numeric return value")
            members.append((rspec, _value_cpp(ret, f"{path}.return_type"), "r"))
            specs.append(rspec)
        members += [(s, c, n) for s, c, n in parts.outs]
        specs += [s for s, _, _ in parts.outs]
        fields = " ".join(f"{c} {n};" for _, c, n in members)
        lines = [*parts.locals_, f"struct R {{ {fields} }}; R *res = static_cast<R *>(out);"]
        lines.append(f"res->r = {call};" if rspec != "void" else f"{call};")
        lines += [f"res->{n} = {n};" for _, _, n in parts.outs]
        # One result alone comes back as itself, several as a tuple (return value first).
        return ("tup:" + "|".join(specs) if len(specs) > 1 else specs[0]), " ".join(lines)

    def _shim(self, name: str, nargs: int, body: str) -> str:
        params = ", ".join(["void *out"] + [f"void *a{k}" for k in range(nargs)])
        text = f'extern "C" __device__ int {name}({params}) {{\n  {body}\n  return 0;\n}}\n'
        self.shims[name] = text
        return name

    def _result(self, ret: ir.TypeRef, call: str, path: str) -> tuple[str, str]:
        spec = self.spec(ret)
        if spec == "void":
            return spec, f"{call};"
        cpp = _value_cpp(ret, f"{path}.return_type")
        return spec, f"::new (out) {cpp}({call});"

    def _arities(self, params: list[ir.Param]) -> list[int]:
        """A C++ call may leave out trailing defaulted parameters: one case per arity."""
        n = len(params)
        k = n
        while k > 0 and params[k - 1].has_default:
            k -= 1
        return list(range(k, n + 1))

    # -- declarations ------------------------------------------------------------------------

    def run(self) -> Plan:
        self.check_names()
        order = [
            self.by_id[i] for i in ir.DependencyGraph(self.doc).emit_order() if i in self.by_id
        ]
        for d in order:
            if isinstance(d, ir.Enum):
                self.enum(d)
        for d in order:
            if isinstance(d, ir.Record):
                self.declare_record(d)
        records = [
            self.record(d) for d in order if isinstance(d, ir.Record) and d.id in self.records
        ]
        functions: dict[str, list] = {}
        operators: dict[str, list] = {}
        templates: list[ir.FunctionTemplate] = []
        class_templates: list[ir.ClassTemplate] = []
        for d in order:
            if isinstance(d, ir.Function):
                self.function(d, functions, operators)
            elif isinstance(d, ir.FunctionTemplate):
                templates.append(d)
            elif isinstance(d, ir.ClassTemplate):
                class_templates.append(d)
            elif isinstance(d, ir.ClassTemplatePartialSpecialization):
                self.skip(d, "partial specialization (C++ picks it for matching arguments)")
        for r, d in records:
            self.members(r, d, functions, operators)
        aliases, constants = {}, {}
        for d in order:
            if isinstance(d, ir.Typedef):
                self.typedef(d, aliases)
            elif isinstance(d, (ir.Variable, ir.Macro)):
                self.constant(d, constants)
            elif isinstance(d, ir.AliasTemplate):
                self.skip(d, "alias template")
        t = self.plan.tables
        t["records"] = [r for r, _ in records]
        t["functions"] = [{"name": n, "cases": c} for n, c in functions.items()]
        function_templates: dict[str, list] = {}
        for d in templates:
            self.function_template(d, functions, function_templates)
        t["function_templates"] = [
            {"name": n, "overloads": o} for n, o in function_templates.items()
        ]
        t["class_templates"] = [e for e in (self.class_template(d) for d in class_templates) if e]
        t["operators"] = [{"op": op, "cases": c} for op, c in sorted(operators.items())]
        t["aliases"] = aliases
        t["constants"] = constants
        t["shims"] = dict(sorted(self.shims.items()))
        return self.plan

    def enum(self, d: ir.Enum) -> None:
        if not self.config.selects(d.name, d.qualified_name):
            return
        if d.anonymous:
            consts = self.plan.tables.setdefault("enum_constants", {})
            for e in d.enumerators:
                py = names.python_safe(e.name)
                if names.python_name(py, self.paths[d.id]) and py not in self.used_names:
                    self.used_names[py] = e.name
                    consts[py] = e.value
                else:
                    self.plan.skipped.append((e.name, "Python name collides"))
            self.plan.bound.append(d.qualified_name)
            return
        py = self.python_name(d)
        if py is None:
            return self.skip(d, "Python name collides with another declaration")
        self.enums[d.id] = py
        members = {names.python_safe(e.name): e.value for e in d.enumerators}
        self.plan.tables.setdefault("enums", []).append({"name": py, "members": members})
        self.plan.bound.append(d.qualified_name)

    def declare_record(self, d: ir.Record) -> None:
        if not self.config.selects(d.name, d.qualified_name):
            return
        if d.qualified_name in _STANDARD:
            return self.skip(d, f"maps onto Numba's {_STANDARD[d.qualified_name]}")
        if d.anonymous:
            return self.skip(d, "anonymous record (reach it through its enclosing record)")
        if d.size is None or d.align is None:
            return self.skip(d, "incomplete record (no size known)")
        if d.specializes is not None and d.implicit:
            return self.skip(d, "template instantiation (templates arrive with the template issue)")
        py = self.python_name(d)
        if py is None:
            return self.skip(d, "Python name collides with another declaration")
        self.records[d.id] = py
        mutating = [
            m
            for m in d.methods
            if m.access == "public"
            and not m.static
            and not m.const
            and not m.deleted
            and m.role in ("method", "operator")
            and m.operator != "="
        ]
        if mutating:
            self.by_ref.add(d.id)

    def record(self, d: ir.Record) -> tuple[dict, ir.Record]:
        py = self.records[d.id]
        path = self.paths[d.id]
        fields, attrs = [], {}
        opaque = d.name in self.config.opaque or d.qualified_name in self.config.opaque
        if not opaque:
            for f in d.fields:
                try:
                    if f.offset is None or f.bitfield_width is not None or not f.name:
                        raise Unsupported("bitfield or unnamed")
                    spec = self.spec(f.type, allow_ref=False)
                except Unsupported:
                    fields, attrs = [], {}
                    break
                fields.append([f.name, spec, f.offset])
                if f.access == "public":
                    attrs[names.python_safe(f.name)] = f.name
        cpp = names.cpp_qualified(d.qualified_name, f"{path}.qualified_name")
        ctors, implicit = [], []
        for j, c in enumerate(d.constructors):
            if c.access != "public":
                continue
            if c.deleted or c.ctor_kind == "move":
                why = "deleted" if c.deleted else "move constructor (the copy constructor serves)"
                self.plan.skipped.append((f"{d.qualified_name}::{c.name}({_sig(c)})", why))
                continue
            mpath = f"{path}.constructors[{j}]"
            for arity in self._arities(c.params):
                try:
                    parts = self._call_parts(
                        f"{d.qualified_name}::{c.name}", c.params[:arity], mpath
                    )
                    if parts.outs:
                        raise Unsupported("out_return on a constructor parameter")
                except Unsupported as exc:
                    self.plan.skipped.append((f"{d.qualified_name}::{c.name}", str(exc)))
                    break
                specs = parts.specs
                shim = self._shim(
                    shim_name(c.id, str(arity)),
                    len(specs),
                    f"::new (out) {cpp}({', '.join(parts.exprs)});",
                )
                ctors.append([shim, specs])
                if c.ctor_kind == "converting" and arity == 1 and not c.explicit:
                    implicit.append([shim, specs[0]])
        table = {
            "name": py,
            "cpp": cpp,
            "size": d.size,
            "align": d.align,
            "by_ref": d.id in self.by_ref,
            "fields": fields,
            "attrs": attrs,
            "ctors": ctors,
            "implicit": implicit,
            "casts": [],
            "methods": {},
        }
        self.plan.bound.append(d.qualified_name)
        return table, d

    def members(self, table: dict, d: ir.Record, functions: dict, operators: dict) -> None:
        path = self.paths[d.id]
        cpp = table["cpp"]
        for j, m in enumerate(d.methods):
            mpath = f"{path}.methods[{j}]"
            label = f"{d.qualified_name}::{m.name}"
            if m.access != "public":
                continue
            if m.deleted:
                self.plan.skipped.append((label, "deleted"))
                continue
            if m.exec_space not in ("device", "host_device"):
                self.plan.skipped.append((label, f"{m.exec_space}-only method"))
                continue
            try:
                if m.role == "conversion":
                    target = self.spec(m.return_type)
                    shim = self._shim(
                        shim_name(m.id),
                        1,
                        f"::new (out) {_value_cpp(m.return_type, mpath)}"
                        f"(static_cast<{_value_cpp(m.return_type, mpath)}>"
                        f"(*static_cast<{cpp} *>(a0)));",
                    )
                    if any(c[1] == target for c in table["casts"]):
                        raise Unsupported(f"same Numba type {target} as another conversion")
                    table["casts"].append([shim, target, m.explicit])
                elif m.role == "operator":
                    self.member_operator(table, d, m, mpath, operators)
                elif m.static:
                    self.static_method(table, d, m, mpath, functions)
                else:
                    cases = table["methods"].setdefault(names.python_safe(m.name), [])
                    for arity in self._arities(m.params):
                        parts = self._call_parts(label, m.params[:arity], mpath, start=1)
                        ret, body = self._call_result(
                            m.return_type,
                            f"static_cast<{cpp} *>(a0)->{m.name}({', '.join(parts.exprs)})",
                            mpath,
                            parts,
                        )
                        shim = self._shim(shim_name(m.id, str(arity)), len(parts.specs) + 1, body)
                        cases.append([shim, ret, parts.specs, {}])
                self.plan.bound.append(label)
            except Unsupported as exc:
                self.plan.skipped.append((label, str(exc)))
        table["methods"] = {k: v for k, v in table["methods"].items() if v}

    def _template_type(
        self, t: ir.TypeRef, tparams: set[str], path: str, self_id: str | None = None
    ) -> dict:
        """A parameter or result of a template: a template parameter, the class template's own
        specialization (`self`), or a spec."""
        base = t.pointee if t.kind in ("lvalue_reference", "rvalue_reference") and t.pointee else t
        if self_id is not None and base.decl == self_id:
            if t.kind == "lvalue_reference" and not base.const:
                raise Unsupported(f"non-const reference {t.spelling}")
            return {"self": True}
        if base.kind == "template_parameter":
            name = base.spelling.replace("const ", "").replace("volatile ", "").strip()
            if name not in tparams:
                raise Unsupported(f"type {t.spelling} names no template parameter")
            if t.kind == "lvalue_reference" and not base.const:
                raise Unsupported(f"non-const reference {t.spelling} to a template parameter")
            return {"tparam": name}
        if base.kind == "dependent":
            raise Unsupported(f"dependent type {t.spelling} (needs an NVRTC query)")
        spec = self.spec(t)
        if spec == "void":
            return {"spec": "void"}
        return {"spec": spec, "cpp": _value_cpp(t, path)}

    def function_template(self, d: ir.FunctionTemplate, functions: dict, out: dict) -> None:
        """A function template: deduced at typing time from the Numba argument types (or given
        as keywords), one shim per instantiation, C++ choosing specializations."""
        path = self.paths[d.id]
        if not self.config.selects(d.name, d.qualified_name):
            return
        if d.exec_space not in ("device", "host_device"):
            return self.skip(d, f"{d.exec_space} function template")
        if self.config.is_internal(d.name) or d.operator is not None or d.deleted:
            return self.skip(d, "operator, deleted or internal function template")
        try:
            tparams = []
            for k, tp in enumerate(d.template_params):
                if tp.kind != "type" or tp.pack:
                    raise Unsupported(f"template parameter {tp.name or k} is not a plain type")
                default = None
                if tp.default is not None:
                    base = tp.default.strip()
                    default = _BUILTINS.get(base) or _STANDARD.get(base)
                    if default is None:
                        raise Unsupported(f"default {tp.default} of {tp.name} is not a known type")
                tparams.append(
                    {
                        "name": names.cpp_name(tp.name, f"{path}.template_params[{k}]"),
                        "default": default,
                    }
                )
            pnames = {tp["name"] for tp in tparams}
            params = [
                self._template_type(p.type, pnames, f"{path}.params[{k}].type")
                for k, p in enumerate(d.params)
            ]
            ret = self._template_type(d.return_type, pnames, f"{path}.return_type")
        except Unsupported as exc:
            return self.skip(d, str(exc))
        py = self.python_name(d)
        if py is None or py in functions:
            return self.skip(d, "Python name shared with a non-template overload")
        callee = names.cpp_qualified(d.qualified_name, f"{path}.qualified_name")
        out.setdefault(py, []).append(
            {"id": d.id, "callee": callee, "tparams": tparams, "params": params, "ret": ret}
        )
        self.plan.bound.append(d.qualified_name)

    def class_template(self, d: ir.ClassTemplate) -> dict | None:
        """A class template: specializations are made at typing time (`Box(T=float32)`, or
        deduced from constructor arguments), their size and alignment asked of NVRTC."""
        path = self.paths[d.id]
        if not self.config.selects(d.name, d.qualified_name):
            return None
        try:
            tparams = []
            for k, tp in enumerate(d.template_params):
                tpath = f"{path}.template_params[{k}]"
                if tp.pack or tp.kind == "template":
                    raise Unsupported(f"template parameter {tp.name} is a pack or a template")
                if tp.kind == "type":
                    default = None
                    if tp.default is not None:
                        default = _BUILTINS.get(tp.default.strip()) or _STANDARD.get(
                            tp.default.strip()
                        )
                        if default is None:
                            raise Unsupported(f"default {tp.default} of {tp.name} is not known")
                    tparams.append(
                        {"name": names.cpp_name(tp.name, tpath), "kind": "type", "default": default}
                    )
                    continue
                entry = {"name": names.cpp_name(tp.name, tpath), "kind": "int", "default": None}
                enum = self.by_id.get(tp.type.decl or "") if tp.type is not None else None
                if isinstance(enum, ir.Enum):
                    # An enum parameter: given as its integer value, spelled as a cast.
                    entry["enum"] = names.cpp_qualified(enum.qualified_name, tpath)
                    values = {e.name: e.value for e in enum.enumerators}
                    entry["enumerators"] = values
                    if tp.default is not None:
                        last = tp.default.strip().rsplit("::", 1)[-1]
                        if last not in values:
                            raise Unsupported(f"default {tp.default} of {tp.name} is not known")
                        entry["default"] = values[last]
                else:
                    spec = self.spec(tp.type) if tp.type is not None else None
                    if spec is None or not spec.startswith(("int", "uint")):
                        raise Unsupported(
                            f"non-type template parameter {tp.name} is not an integer or an enum"
                        )
                    if tp.default is not None:
                        try:
                            entry["default"] = int(tp.default.rstrip("uUlL"), 0)
                        except ValueError:
                            raise Unsupported(
                                f"default {tp.default} of {tp.name} is an expression"
                            ) from None
                tparams.append(entry)
        except Unsupported as exc:
            self.skip(d, str(exc))
            return None
        pnames = {tp["name"] for tp in tparams if tp["kind"] == "type"}
        int_names = {tp["name"] for tp in tparams if tp["kind"] == "int"}
        ctors = []
        for j, c in enumerate(d.constructors):
            if c.access != "public" or c.deleted or c.ctor_kind in ("copy", "move"):
                continue
            try:
                ctors.append(
                    [
                        self._template_type(p.type, pnames, f"{path}.constructors[{j}]")
                        for p in c.params
                    ]
                )
            except Unsupported as exc:
                self.plan.skipped.append((f"{d.qualified_name}::{c.name}", str(exc)))
        if not d.constructors:
            ctors.append([])  # the implicit default constructor
        methods: dict[str, list] = {}
        by_ref = False
        for j, m in enumerate(d.methods):
            mpath = f"{path}.methods[{j}]"
            label = f"{d.qualified_name}::{m.name}"
            if m.access != "public" or m.deleted or m.static or m.role != "method":
                continue
            try:
                if m.exec_space not in ("device", "host_device"):
                    raise Unsupported(f"{m.exec_space}-only method")
                fixed = self.config.arguments.get(label, {})
                member_tparams = {tp.name for tp in m.template_params or []}
                params = []
                for k, p in enumerate(m.params):
                    ppath = f"{mpath}.params[{k}].type"
                    if p.name in fixed:
                        expr = names.cpp_expression(fixed[p.name], f"$.arguments.{label}")
                        params.append({"fixed": expr})
                        continue
                    base = p.type.pointee if p.type.pointee is not None else p.type
                    if p.type.kind == "template_parameter" and p.type.spelling in member_tparams:
                        # By value: C++ deduces it from what the kernel passes (a device array
                        # passes its data pointer, e.g. a CUB iterator).
                        params.append({"deduced": True})
                        continue
                    if base.spelling.replace("const ", "").strip() in member_tparams:
                        raise Unsupported(
                            f"member template parameter {base.spelling} of "
                            f"{p.name} (fix it in the config's [arguments])"
                        )
                    array = _ARRAY_REF.match(p.type.spelling)
                    if array and array["elem"] in pnames and array["count"] in int_names:
                        # `T (&)[ITEMS]`: a local or device array of exactly ITEMS elements.
                        params.append({"array_of": array["elem"], "count": array["count"]})
                        continue
                    if self.config.intent(label, p.name, k) == "out_return":
                        if p.type.kind != "lvalue_reference" or p.type.pointee is None:
                            raise Unsupported(f"out_return on {p.name}, not a reference")
                        inner = msgspec.structs.replace(p.type.pointee, const=True)
                        params.append({**self._template_type(inner, pnames, ppath), "out": True})
                    else:
                        params.append(self._template_type(p.type, pnames, ppath))
                ret = self._template_type(m.return_type, pnames, f"{mpath}.return_type")
            except Unsupported as exc:
                self.plan.skipped.append((label, str(exc)))
                continue
            methods.setdefault(names.python_safe(m.name), []).append(
                {"name": names.cpp_name(m.name, f"{mpath}.name"), "params": params, "ret": ret}
            )
            by_ref = by_ref or not m.const
        operators = []
        for j, m in enumerate(d.methods):
            mpath = f"{path}.methods[{j}]"
            if m.access != "public" or m.deleted or m.role != "operator" or m.template_params:
                continue
            op = m.operator if m.params else _PY_UNARY.get(m.operator or "")
            if op is None or (m.params and (len(m.params) != 1 or op not in _PY_BINARY)):
                continue
            try:
                params = [
                    self._template_type(p.type, pnames, f"{mpath}.params[{k}].type", d.id)
                    for k, p in enumerate(m.params)
                ]
                ret = self._template_type(m.return_type, pnames, f"{mpath}.return_type", d.id)
            except Unsupported as exc:
                self.plan.skipped.append((f"{d.qualified_name}::{m.name}", str(exc)))
                continue
            operators.append({"op": op, "cpp": m.operator, "params": params, "ret": ret})
            by_ref = by_ref or (not m.const and op.endswith("=") and op not in ("==", "!="))
        fields = []
        for j, f in enumerate(d.fields):
            if f.access != "public" or not f.name or f.bitfield_width is not None:
                continue
            try:
                desc = self._template_type(f.type, pnames, f"{path}.fields[{j}].type")
            except Unsupported:
                continue
            fields.append({"name": names.cpp_name(f.name, f"{path}.fields[{j}].name"), **desc})
        py = self.python_name(d)
        if py is None:
            self.skip(d, "Python name collides with another declaration")
            return None
        self.plan.bound.append(d.qualified_name)
        return {
            "name": py,
            "id": d.id,
            "cpp": names.cpp_qualified(d.qualified_name, path),
            "tparams": tparams,
            "ctors": ctors,
            "methods": methods,
            "operators": operators,
            "fields": fields,
            "by_ref": by_ref,
        }

    def static_method(self, table, d, m, mpath, functions) -> None:
        py = f"{table['name']}_{names.python_safe(m.name)}"
        names.python_name(py, f"{mpath}.name")
        label = f"{d.qualified_name}::{m.name}"
        for arity in self._arities(m.params):
            parts = self._call_parts(label, m.params[:arity], mpath)
            ret, body = self._call_result(
                m.return_type, f"{table['cpp']}::{m.name}({', '.join(parts.exprs)})", mpath, parts
            )
            shim = self._shim(shim_name(m.id, str(arity)), len(parts.specs), body)
            functions.setdefault(py, []).append([shim, ret, parts.specs, {}])

    def member_operator(self, table, d, m, mpath, operators) -> None:
        op = m.operator
        nparams = len(m.params)
        self_spec = f"rec:{table['name']}"
        this = f"(*static_cast<{table['cpp']} *>(a0))"
        if nparams == 0 and op in _PY_UNARY:
            ret, body = self._result(m.return_type, f"{op}{this}", mpath)
            operators.setdefault(_PY_UNARY[op], []).append(
                [self._shim(shim_name(m.id), 1, body), ret, [self_spec], {}]
            )
            return
        if nparams != 1 or op not in _PY_BINARY:
            raise Unsupported(f"operator{op} has no Python operator")
        specs, exprs = self._operator_args(f"{d.qualified_name}::{m.name}", m.params, mpath, 1)
        if op.endswith("=") and op not in ("==", "!=", "<=", ">="):
            if table["by_ref"]:
                body = f"{this} {op} {exprs[0]};"
                shim = self._shim(shim_name(m.id), 2, body)
                operators.setdefault(op, []).append(
                    [shim, self_spec, [self_spec, *specs], {"self_result": True}]
                )
                return
            body = (
                f"{table['cpp']} tmp = {this}; tmp {op} {exprs[0]}; "
                f"::new (out) {table['cpp']}(tmp);"
            )
            operators.setdefault(op, []).append(
                [self._shim(shim_name(m.id), 2, body), self_spec, [self_spec, *specs], {}]
            )
            return
        ret, body = self._result(m.return_type, f"{this} {op} {exprs[0]}", mpath)
        operators.setdefault(op, []).append(
            [self._shim(shim_name(m.id), 2, body), ret, [self_spec, *specs], {}]
        )

    def function(self, d: ir.Function, functions: dict, operators: dict) -> None:
        path = self.paths[d.id]
        if not self.config.selects(d.name, d.qualified_name):
            return
        if d.exec_space not in ("device", "host_device"):
            return self.skip(d, f"{d.exec_space} function (not callable from a kernel)")
        if self.config.is_internal(d.name):
            return self.skip(d, "implementation helper (config `internal`)")
        if d.deleted:
            return self.skip(d, "deleted function")
        if d.variadic:
            return self.skip(d, "C variadic function")
        if d.specializes is not None:
            return self.skip(d, "function template specialization")
        try:
            if d.operator is not None:
                return self.free_operator(d, path, operators)
            callee = names.cpp_qualified(d.qualified_name, f"{path}.qualified_name")
            cases = []
            for arity in self._arities(d.params):
                parts = self._call_parts(d.qualified_name, d.params[:arity], path)
                ret, body = self._call_result(
                    d.return_type, f"{callee}({', '.join(parts.exprs)})", path, parts
                )
                shim = self._shim(shim_name(d.id, str(arity)), len(parts.specs), body)
                cases.append([shim, ret, parts.specs, {}])
        except Unsupported as exc:
            return self.skip(d, str(exc))
        py = self.python_name(d)
        if py is None:
            return self.skip(d, "Python name collides with another declaration")
        have = {tuple(c[2]) for c in functions.get(py, [])}
        fresh = [c for c in cases if tuple(c[2]) not in have]
        if not fresh:
            return self.skip(d, "same Numba signature as another overload")
        functions.setdefault(py, []).extend(fresh)
        self.plan.bound.append(d.qualified_name)

    def free_operator(self, d: ir.Function, path: str, operators: dict) -> None:
        op = d.operator
        n = len(d.params)
        specs, exprs = self._operator_args(d.qualified_name, d.params, path, 0)
        if all(not s.startswith("rec:") for s in specs):
            return self.skip(d, f"operator{op} on {', '.join(specs)}: Numba already implements it")
        if n == 1 and op in _PY_UNARY:
            ret, body = self._result(d.return_type, f"{op}({exprs[0]})", path)
            operators.setdefault(_PY_UNARY[op], []).append(
                [self._shim(shim_name(d.id), 1, body), ret, specs, {}]
            )
        elif n == 2 and op in _PY_BINARY:
            if op.endswith("=") and op not in ("==", "!=", "<=", ">="):
                cpp = _value_cpp(d.params[0].type, f"{path}.params[0].type")
                body = f"{cpp} tmp = {exprs[0]}; tmp {op} {exprs[1]}; ::new (out) {cpp}(tmp);"
                operators.setdefault(op, []).append(
                    [self._shim(shim_name(d.id), 2, body), specs[0], specs, {}]
                )
            else:
                ret, body = self._result(d.return_type, f"({exprs[0]}) {op} ({exprs[1]})", path)
                operators.setdefault(op, []).append(
                    [self._shim(shim_name(d.id), 2, body), ret, specs, {}]
                )
        else:
            return self.skip(d, f"operator{op} with {n} operands has no Python operator")
        self.plan.bound.append(d.qualified_name)

    def typedef(self, d: ir.Typedef, aliases: dict) -> None:
        if not self.config.selects(d.name, d.qualified_name):
            return
        t = d.target
        try:
            if t.kind == "record" and t.decl in self.records:
                target = self.records[t.decl]
            elif t.kind == "enum" and t.decl in self.enums:
                target = self.enums[t.decl]
            else:
                target = self.spec(t, allow_ref=False)
        except Unsupported as exc:
            return self.skip(d, str(exc))
        py = self.python_name(d)
        if py is None or py == target:
            return None if py == target else self.skip(d, "Python name collides")
        aliases[py] = target
        self.plan.bound.append(d.qualified_name)

    def constant(self, d, constants: dict) -> None:
        if not self.config.selects(d.name, d.qualified_name) or d.value is None:
            return None if d.value is not None else self.skip(d, "no constant value")
        v = d.value
        if v.kind == "int":
            value: object = int(v.value)
        elif v.kind == "float":
            value = float(v.value)
        elif v.kind == "bool":
            value = v.value == "true"
        else:
            return self.skip(d, f"{v.kind} constant (not usable in kernels)")
        py = self.python_name(d)
        if py is None:
            return self.skip(d, "Python name collides with another declaration")
        constants[py] = value
        self.plan.bound.append(d.qualified_name)


def _sig(m: ir.Method) -> str:
    return ", ".join(p.type.spelling for p in m.params)


def plan_bindings(doc: ir.APIDocument, config: BindConfig | None = None) -> Plan:
    """Decide what to bind and build the tables. Raises EmitError on hostile or bad input."""
    config = config or BindConfig()
    planner = _Planner(doc, config)
    plan = planner.run()
    t = plan.tables
    t["prelude"] = prelude(doc, config)
    t["include_dirs"] = list(config.shim.include_dirs)
    for name, value in t.pop("enum_constants", {}).items():
        t["constants"].setdefault(name, value)
    return plan


def prelude(doc: ir.APIDocument, config: BindConfig) -> str:
    """#defines and #includes every shim needs: by include-root-relative name, never by the
    absolute path of the machine that generated the module."""
    lines = []
    for k, v in sorted(config.shim.defines.items()):
        names.cpp_name(k, f"$.shim.defines.{k}")
        if "\n" in v:
            raise EmitError("a #define value spans lines", f"$.shim.defines.{k}")
        lines.append(f"#define {k} {v}")
    includes = config.shim.includes or [f"<{i.path}>" for i in doc.header.inputs if i.requested]
    for inc in includes:
        if (
            not (
                inc.startswith("<")
                and inc.endswith(">")
                or inc.startswith('"')
                and inc.endswith('"')
            )
            or "\n" in inc
            or ">" in inc[1:-1]
        ):
            raise EmitError(f"not an #include target: {inc!r}", "$.shim.includes")
        lines.append(f"#include {inc}")
    return "\n".join(lines) + "\n"
