"""The planner's state and what every construct shares: names, types, shims, argument
intents. The construct modules (`records`, `functions`, `templates`, `values`) build on it."""

from __future__ import annotations

from dataclasses import dataclass, field

from numbast import ir

from .. import names
from ..config import BindConfig
from ..runtime import cxx
from ..runtime import tables as T


class Unsupported(Exception):
    """A declaration cannot be bound; the message is the reason shown to the user."""


@dataclass
class Plan:
    tables: T.Module
    bound: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    # Non-const reference parameters bound as `in`: their changes are dropped unless the config
    # gives them an intent.
    dropped_refs: list[str] = field(default_factory=list)
    # Record id -> Python name, of this module's records and those of modules in use.
    record_names: dict[str, str] = field(default_factory=dict)
    # Templates the config's [check] names that this module does not bind (a config shared
    # by several modules names them all).
    unknown_checks: list[str] = field(default_factory=list)


@dataclass
class CallParts:
    """What a shim needs to call a C++ callable with the config's argument intents applied."""

    args: list[T.Type] = field(default_factory=list)  # Python-visible argument types
    names: list[str] = field(default_factory=list)  # their C++ names, for keyword calls
    exprs: list[str] = field(default_factory=list)  # C++ argument expressions
    outs: list[tuple[T.Type, str, str]] = field(default_factory=list)  # out_return results


def referred(t: ir.TypeRef) -> ir.TypeRef:
    """The type a reference refers to; any other type itself."""
    return t.pointee if t.kind in ("lvalue_reference", "rvalue_reference") and t.pointee else t


def value_cpp(t: ir.TypeRef, path: str, canonical: bool = False) -> str:
    """The C++ object type a shim stores an argument or result as (`canonical`: as clang
    spells it in full, every name qualified)."""
    base = referred(t)
    text = (base.canonical if canonical else base.qualified).strip()
    for q in ("const ", "volatile "):
        while text.startswith(q):
            text = text[len(q) :]
    while text.endswith((" const", " volatile")):
        text = text.rsplit(" ", 1)[0]
    return names.cpp_type(text, path)


def is_numeric(t: T.Type) -> bool:
    """A plain number: what an out_return result may be."""
    if isinstance(t, T.Scalar):
        return t.name not in ("bool", "void")
    return isinstance(t, (T.EnumRef, T.Vector))


class Planner:
    """What the construct planners share while one IR document is planned."""

    def __init__(self, doc: ir.APIDocument, config: BindConfig, foreign: dict[str, str]):
        self.doc = doc
        self.config = config
        self.by_id = {d.id: d for d in doc.declarations}
        self.paths = {d.id: f"$.declarations[{i}]" for i, d in enumerate(doc.declarations)}
        self.records: dict[str, str] = {}  # record id -> Python name (bound here)
        self.foreign = dict(foreign)  # record id -> Python name (bound by a module in use)
        self.by_ref: set[str] = set()
        self.shim_owners: dict[str, str] = {}  # shim name -> the id it calls
        self.served: dict[str, T.Type] = {}  # record id -> Numba's own type standing for it
        self.enums: dict[str, str] = {}  # enum id -> Python name
        self.scoped: set[str] = set()  # ids of bound `enum class`es
        self.used_foreign: set[str] = set()
        self.used_names: dict[str, str] = {}  # Python name -> qualified C++ name
        self.shims: dict[str, str] = {}
        self.bound: list[str] = []
        self.skipped: list[tuple[str, str]] = []
        self.dropped_refs: list[str] = []
        self.docs: dict[str, str] = {}  # Python name of a function -> its doc comment
        # template id -> its partial and explicit specializations; class templates by name
        self.specializations: dict[str, list] = {}
        # record or template id -> its static data members (Variables the IR gives a parent)
        self.statics: dict[str, list] = {}
        for d in doc.declarations:
            if isinstance(d, ir.RECORD_KINDS) and getattr(d, "specializes", None):
                self.specializations.setdefault(d.specializes, []).append(d)
            if isinstance(d, ir.Variable) and d.static and d.parent:
                self.statics.setdefault(d.parent, []).append(d)
        self.cooperative: set[str] = set()  # shims whose callers need a cooperative launch
        self.conversions: list[T.Conversion] = []  # constructors of Numba's own types
        self.served_names: dict[str, T.Type] = {}  # their C++ names -> those types
        # operator key -> the overloads of free operator templates over class templates
        self.operator_templates: dict[str, list[T.FunctionTemplateOverload]] = {}
        # qualified name -> class template
        self.class_templates = {
            d.qualified_name: d for d in doc.declarations if isinstance(d, ir.ClassTemplate)
        }

    # -- names ------------------------------------------------------------------------------

    def python_name(self, d, suffix: str = "") -> str | None:
        """A Python name for `d` (config renames and prefixes applied), or None if taken."""
        py = self.config.python_name(d.name, d.qualified_name, ir.decl_kind(d))
        base = names.python_safe(py) + suffix
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

    def skip(self, label: str, reason: str) -> None:
        self.skipped.append((label, reason))

    def where(self, loc: ir.Location) -> str:
        return f"{loc.file}:{loc.line}"

    # -- types ------------------------------------------------------------------------------

    def type(self, t: ir.TypeRef, allow_ref: bool = True) -> T.Type:
        """The table type of an IR type; Unsupported says why there is none."""
        if t.kind in ("lvalue_reference", "rvalue_reference"):
            if not allow_ref or t.pointee is None:
                raise Unsupported(f"reference type {t.spelling}")
            return self.type(t.pointee, allow_ref=False)
        if t.kind in ("builtin", "void"):
            base = t.canonical.replace("const ", "").replace("volatile ", "").strip()
            if base in cxx.BUILTINS:
                return T.Scalar(cxx.BUILTINS[base])
            raise Unsupported(f"type {t.spelling}")
        if t.kind == "pointer" and t.pointee is not None:
            inner = t.pointee
            if inner.kind == "function":
                raise Unsupported(f"function pointer {t.spelling}")
            if inner.kind == "record" and self.standard(inner) is None and not self.is_bound(inner):
                raise Unsupported(f"pointer to unbound record {inner.spelling}")
            return T.Pointer(self.type(inner, allow_ref=False))
        if t.kind == "record":
            std = self.standard(t)
            if std is not None:
                return std
            if self.is_bound(t):
                if t.decl in self.foreign:
                    self.used_foreign.add(t.decl)
                return T.RecordRef(t.decl)
            name = t.qualified.replace("const ", "").strip()
            if (t.decl or "") not in self.by_id and name in cxx.RAW_SCALARS:
                # `__nv_bfloat16_raw` of a header that is not bound here (cuda_fp8.h's
                # conversions): the bits of Numba's own bfloat16, as C++'s
                # `__nv_bfloat16(raw)` and `operator __nv_bfloat16_raw()` convert them.
                return T.Scalar(cxx.RAW_SCALARS[name])
            if (t.decl or "") not in self.by_id and name in cxx.RAW_VECTORS:
                return T.Vector(cxx.RAW_VECTORS[name])  # the pair's bits, fields x and y
            raise Unsupported(
                f"record {t.spelling} is not bound (emit with --use of the module that binds it)"
            )
        if t.kind == "enum":
            base = T.Scalar(
                {1: "int8", 2: "int16", 4: "int32", 8: "int64"}.get(t.size or 4, "int32")
            )
            if t.decl in self.enums:
                return T.EnumRef(self.enums[t.decl], base, t.decl in self.scoped)
            return base
        if t.kind == "array" and t.element is not None and t.count:
            return T.Array(self.type(t.element, allow_ref=False), t.count)
        raise Unsupported(f"{t.kind} type {t.spelling}")

    def is_bound(self, t: ir.TypeRef) -> bool:
        return t.decl in self.records or t.decl in self.foreign

    def standard(self, t: ir.TypeRef) -> T.Type | None:
        """Numba's own type for CUDA's `__half`, `__nv_bfloat16` and vector types."""
        d = self.by_id.get(t.decl or "")
        name = d.qualified_name if d is not None else t.canonical.replace("const ", "").strip()
        return standard_type(name)

    def by_ref_record(self, t: ir.TypeRef) -> bool:
        return t.kind == "record" and t.decl in self.by_ref

    # -- shims ------------------------------------------------------------------------------

    def shim(self, key: str, nargs: int, body: str) -> str:
        name = cxx.shim_name(key)
        self.shims[name] = cxx.shim_source(name, nargs, body)
        self.shim_owners[name] = key.split("|", 1)[0]  # a declaration's or member's id
        return name

    def call_parts(
        self, owner: str, params: list[ir.Param], path: str, start: int = 0
    ) -> CallParts:
        """Arguments under the config's intents for `owner` (a qualified callable name)."""
        parts = CallParts()
        slot = start
        for k, p in enumerate(params):
            ppath = f"{path}.params[{k}].type"
            intent = self.config.intent(owner, p.name, k)
            t = p.type
            is_ref = t.kind in ("lvalue_reference", "rvalue_reference") and t.pointee is not None
            mutable_ref = (
                t.kind == "lvalue_reference" and t.pointee is not None and not t.pointee.const
            )
            if intent == "in" and t.kind == "array" and t.element is not None:
                # C++ adjusts a parameter of array type to a pointer ([dcl.fct]): it takes a
                # device or local array, as the pointer does.
                parts.args.append(T.Pointer(self.type(t.element, allow_ref=False)))
                parts.names.append(names.python_parameter(p.name))
                parts.exprs.append(cxx.arg(value_cpp(t.element, ppath) + " *", slot))
                slot += 1
                continue
            if intent == "in":
                # Operators assign their result back (`x += y`): nothing is dropped there.
                operator = owner.rsplit("::", 1)[-1].startswith("operator")
                arg = self.type(t)  # first: a type it cannot bind drops nothing
                if mutable_ref and not operator and not self.by_ref_record(t.pointee):
                    self.dropped_refs.append(f"{owner}({p.name or k})")
                parts.args.append(arg)
                parts.names.append(names.python_parameter(p.name))
                cpp = value_cpp(t, ppath)
                if isinstance(arg, T.EnumRef) and arg.scoped:  # a member: its value as int64
                    parts.exprs.append(f"static_cast<{cpp}>(*static_cast<long long *>(a{slot}))")
                elif t.kind == "rvalue_reference":
                    parts.exprs.append(cxx.moved(cpp, slot))
                else:
                    parts.exprs.append(cxx.arg(cpp, slot))
                slot += 1
                continue
            if not (mutable_ref or t.kind == "pointer"):
                raise Unsupported(
                    f"intent {intent} on parameter {p.name or k}, which is not "
                    "a non-const reference or a pointer"
                )
            if intent in ("inout_ptr", "out_ptr"):
                if is_ref:
                    cpp = value_cpp(t, ppath)
                    parts.args.append(T.Pointer(self.type(t.pointee, allow_ref=False)))
                    parts.names.append(names.python_parameter(p.name))
                    parts.exprs.append(f"**static_cast<{cpp} **>(a{slot})")
                else:
                    parts.args.append(self.type(t))
                    parts.names.append(names.python_parameter(p.name))
                    parts.exprs.append(cxx.arg(value_cpp(t, ppath), slot))
                slot += 1
                continue
            # out_return: a local the callee writes, handed back as a result
            target = t.pointee if t.pointee is not None else t
            result = self.type(target, allow_ref=False)
            if not is_numeric(result):
                raise Unsupported(f"out_return of {target.spelling} (numeric types only)")
            cpp = value_cpp(target, ppath)
            local = f"o{k}"
            parts.exprs.append(local if is_ref else f"&{local}")
            parts.outs.append((result, cpp, local))
        return parts

    def call_result(self, ret: ir.TypeRef, call: str, path: str, parts: CallParts):
        """(result type, shim body) of a call, out_return results included."""
        if not parts.outs:
            return self.result(ret, call, path)
        rtype = self.type(ret)
        void = rtype == T.Scalar("void")
        if not void and not (is_numeric(rtype) or isinstance(rtype, T.Pointer)):
            raise Unsupported("out_return with a non-numeric return value")
        rcpp = None if void else value_cpp(ret, f"{path}.return_type")
        body = cxx.out_return_body(rcpp, call, [(c, n) for _, c, n in parts.outs])
        items = ([] if void else [rtype]) + [t for t, _, _ in parts.outs]
        # One result alone comes back as itself, several as a tuple (return value first).
        return (T.Results(tuple(items)) if len(items) > 1 else items[0]), body

    def result(self, ret: ir.TypeRef, call: str, path: str):
        rtype = self.type(ret)
        if isinstance(rtype, T.EnumRef):  # results are their integer value
            rtype = rtype.base
        if rtype == T.Scalar("void"):
            return rtype, f"{call};"
        return rtype, cxx.construct(value_cpp(ret, f"{path}.return_type"), call)

    @staticmethod
    def arities(params: list[ir.Param]) -> list[int]:
        """A C++ call may leave out trailing defaulted parameters: one case per arity."""
        k = len(params)
        while k > 0 and params[k - 1].has_default:
            k -= 1
        return list(range(k, len(params) + 1))


def standard_type(qualified_name: str) -> T.Type | None:
    if qualified_name in cxx.CUDA_SCALARS:
        return T.Scalar(cxx.CUDA_SCALARS[qualified_name])
    if qualified_name in cxx.VECTORS:
        return T.Vector(cxx.VECTORS[qualified_name])
    return None


def decl_text(ret: ir.TypeRef | None, qualified: str, params: list[ir.Param], suffix="") -> str:
    """`float hsqrt(const float x)`: the C++ a binding calls, for docs and reviewers."""
    plist = ", ".join(f"{p.type.spelling} {p.name}".strip() for p in params)
    head = f"{ret.spelling} " if ret is not None else ""
    return f"{head}{qualified}({plist}){suffix}"
