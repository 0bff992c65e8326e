"""IR + binding config -> the binding tables of one module, and what was skipped and why.

The tables (`numbast.backend.runtime.tables`) are typed data: static mode writes them into
the module as constructor calls, dynamic mode hands them to the same runtime in memory. Every
name and type spelling that reaches C++ shim text or Python code is checked here first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from numbast import ir

from .. import names
from ..config import BindConfig
from ..errors import EmitError
from ..runtime import tables as T
from . import class_templates, functions, records, templates, values
from .core import Plan, Planner, Unsupported

__all__ = ["Plan", "Unsupported", "UsedModule", "ir_digest", "plan_bindings", "prelude"]


@dataclass
class UsedModule:
    """Another bindings module this one is emitted against: its IR and its import name."""

    doc: ir.APIDocument
    module: str


def ir_digest(doc: ir.APIDocument) -> str:
    """sha256 of the document's canonical bytes: how modules recognise each other's IR
    (wherever the IR file lies: its user include folders' locations are left out)."""
    import hashlib

    import msgspec

    roots = [msgspec.structs.replace(r, dir=None) for r in doc.header.include_roots]
    header = msgspec.structs.replace(doc.header, include_roots=roots)
    return hashlib.sha256(ir.dumps(msgspec.structs.replace(doc, header=header))).hexdigest()


def used_module(path: str | Path, module: str | None = None) -> UsedModule:
    """`--use IR[=MODULE]`: MODULE defaults to the IR file's stem."""
    path = Path(path)
    name = module or path.stem
    if not all(part.isidentifier() for part in name.split(".")):
        raise EmitError(f"not a Python module name: {name!r} (give one: --use IR=MODULE)")
    return UsedModule(ir.load(path), name)


def _check_names(doc: ir.APIDocument) -> dict[str, str]:
    """The declarations (id -> reason) whose names the bindings cannot spell: valid C++ (the
    IR's checks, run first, refuse anything else) outside the part that reaches shims and
    Python, such as identifiers outside ASCII and literal or allocation operators."""
    skip: dict[str, str] = {}

    def check(name: str, path: str, owner: str, validate) -> None:
        try:
            validate(name, path)
        except EmitError:
            skip.setdefault(owner, _unspellable(name))

    for i, d in enumerate(doc.declarations):
        p = f"$.declarations[{i}]"
        if isinstance(d, ir.Macro):
            check(d.name, f"{p}.name", d.id, names.cpp_identifier)
            continue
        check(d.name, f"{p}.name", d.id, names.cpp_name)
        check(d.qualified_name, f"{p}.qualified_name", d.id, names.cpp_qualified)
        if isinstance(d, ir.model.RECORD_KINDS):
            for j, f in enumerate(d.fields):
                if f.name:
                    check(f.name, f"{p}.fields[{j}].name", d.id, names.cpp_identifier)
            for j, m in enumerate(d.methods):
                if m.role == "method":  # other members reach C++ by operator or type
                    check(m.name, f"{p}.methods[{j}].name", d.id, names.cpp_name)
        if isinstance(d, ir.Enum):
            for j, e in enumerate(d.enumerators):
                check(e.name, f"{p}.enumerators[{j}].name", d.id, names.cpp_identifier)
    return skip


def _unspellable(name: str) -> str:
    """Why a valid C++ name is not bound."""
    last = name.rsplit("::", 1)[-1]
    if '""' in last:
        return "user-defined literal operator (no Python spelling)"
    if last.startswith("operator"):
        return f"{last} has no Python spelling"
    return f"non-ASCII name {name!r} (not bound)"


def _check_document(doc: ir.APIDocument) -> None:
    """The semantic checks of `canopy validate`: IR it rejects is never planned."""
    problems = ir.check(doc)
    if problems:
        first = problems[0]
        more = (
            f" (and {len(problems) - 1} more; run `canopy validate`)" if len(problems) > 1 else ""
        )
        raise EmitError(first.message + more, first.path)


def _foreign_records(uses: list[UsedModule]) -> tuple[dict[str, str], dict[str, int]]:
    """Records bound by the modules in use: id -> Python name, and id -> which module."""
    names_, owner = {}, {}
    for k, use in enumerate(uses):
        for r in plan_bindings(use.doc).tables.records:
            if r.id not in owner:
                names_[r.id], owner[r.id] = r.name, k
    return names_, owner


def emit_order(doc: ir.APIDocument, digest: str | None = None) -> list[str]:
    """The IR's declarations in emit order (ir.DependencyGraph's), kept in the user cache by
    the document's digest and the graph code's: a repeat emit neither builds the graph nor
    imports networkx (a seventh of a warm emit)."""
    import hashlib
    import json
    import os
    from pathlib import Path

    from ..runtime.environment import cache_dir, write_cache_file

    code = hashlib.sha256((Path(ir.__file__).parent / "graph.py").read_bytes()).hexdigest()
    key = hashlib.sha256(f"{digest or ir_digest(doc)}\n{code}".encode()).hexdigest()
    path = os.path.join(cache_dir(), "order", key + ".json")
    try:
        with open(path) as fh:
            order = json.load(fh)
        if isinstance(order, list) and all(isinstance(i, str) for i in order):
            return order
    except (OSError, ValueError):
        pass
    order = ir.DependencyGraph(doc).emit_order()
    write_cache_file(path, json.dumps(order).encode())
    return order


def plan_bindings(
    doc: ir.APIDocument, config: BindConfig | None = None, uses: list[UsedModule] = ()
) -> Plan:
    """Decide what to bind and build the tables. Raises EmitError on hostile or bad input."""
    config = config or BindConfig()
    _check_document(doc)
    unbindable = _check_names(doc)
    foreign, owner = _foreign_records(list(uses))
    p = Planner(doc, config, foreign)
    digest = ir_digest(doc)
    order = []
    for i in emit_order(doc, digest):
        d = p.by_id.get(i)
        if d is not None and i in unbindable:
            p.skip(d.qualified_name, unbindable[i])
        elif d is not None:
            order.append(d)
    enums, constants = [], []
    for d in order:
        if isinstance(d, ir.Enum):
            values.enum(p, d, enums, constants)
    for d in order:
        if isinstance(d, ir.Record):
            records.declare(p, d)
    bound_records = [d for d in order if isinstance(d, ir.Record) and d.id in p.records]
    funcs: dict[str, list] = {}
    operators: dict[str, list] = {}
    ftemplates: dict[str, list] = {}
    for d in order:
        if isinstance(d, ir.Function):
            functions.plan(p, d, funcs, operators, ftemplates)
        elif isinstance(d, ir.ClassTemplatePartialSpecialization):
            p.skip(d.qualified_name, "partial specialization (C++ picks it for matching arguments)")
    record_tables = [records.plan(p, d, funcs, operators) for d in bound_records]
    for d in order:
        if isinstance(d, ir.FunctionTemplate):
            templates.function_template(p, d, ftemplates)
    ctemplates = [
        t
        for d in order
        if isinstance(d, ir.ClassTemplate)
        if (t := class_templates.class_template(p, d))
    ]
    aliases = []
    for d in order:
        if d.id in p.served:  # `__nv_bfloat16`: Numba's bfloat16, exported by its C++ name
            py = p.python_name(d)
            if py is not None:
                aliases.append(T.Alias(py, "", p.served[d.id]))
                p.bound.append(d.qualified_name)
        if isinstance(d, ir.Typedef):
            values.typedef(p, d, aliases)
        elif isinstance(d, (ir.Variable, ir.Macro)):
            values.constant(p, d, constants)
        elif isinstance(d, ir.AliasTemplate):
            p.skip(d.qualified_name, "alias template (use the template it names)")
    aliases += [T.Alias(py, "", t) for py, t in p.served_names.items()]
    use_tables = []
    unknown_checks: list[str] = []
    for k, use in enumerate(uses):
        needed = tuple(sorted(i for i in p.used_foreign if owner[i] == k))
        if needed:
            use_tables.append(T.Use(use.module, ir_digest(use.doc), needed))
    tables = _with_sources(
        T.Module(
            version=T.TABLE_VERSION,
            ir_digest=digest,
            prelude=prelude(doc, config),
            include_dirs=tuple(config.shim.include_dirs),
            uses=tuple(use_tables),
            enums=tuple(enums),
            records=tuple(record_tables),
            functions=tuple(T.Function(n, tuple(o), p.docs.get(n, "")) for n, o in funcs.items()),
            operators=tuple(T.Operator(op, tuple(o)) for op, o in sorted(operators.items())),
            function_templates=tuple(
                T.FunctionTemplate(n, tuple(o), p.docs.get(n, "")) for n, o in ftemplates.items()
            ),
            class_templates=tuple(ctemplates),
            aliases=tuple(aliases),
            constants=tuple(sorted(constants, key=lambda c: c.name)),
            checks=_checks(config, ctemplates, ftemplates, unknown_checks),
            imports=tuple(config.module.imports),
            setup=config.module.setup,
            teardown=config.module.teardown,
            cooperative=tuple(sorted(p.cooperative)),
            archs=tuple(doc.header.archs),
            conversions=tuple(p.conversions),
            operator_templates=tuple(
                T.OperatorTemplate(op, tuple(o)) for op, o in sorted(p.operator_templates.items())
            ),
        ),
        p.shims,
    )
    tables = T.replace(tables, version=tables.required_version())
    if doc.header.archs:
        tables = _with_archs(tables, p, doc)
    record_names = dict(p.records)
    record_names.update({i: foreign[i] for i in p.used_foreign})
    # Warn only about what was bound (a callable skipped for another reason drops nothing).
    bound = set(p.bound)
    dropped = [
        r
        for r in dict.fromkeys(p.dropped_refs)
        if {_owner(r), _owner(r).rsplit("::", 1)[0]} & bound
    ]
    return Plan(tables, p.bound, p.skipped, dropped, record_names, unknown_checks)


def _with_archs(tables: T.Module, p: Planner, doc: ir.APIDocument) -> T.Module:
    """Each binding of a declaration that only some of the dumped archs have lists them: a
    member as its record, a shim as the declaration it calls."""
    archs = {d.id: tuple(d.archs) for d in doc.declarations if d.archs}
    for d in doc.declarations:
        if isinstance(d, ir.RECORD_KINDS) and d.id in archs:
            members = [*d.constructors, *d.methods, *([d.destructor] if d.destructor else [])]
            archs.update((m.id, archs[d.id]) for m in members)
    if not archs:
        return tables

    def overload(o: T.Overload) -> T.Overload:
        have = archs.get(p.shim_owners.get(o.shim, ""))
        return T.replace(o, archs=have) if have else o

    return T.replace(
        tables.replacing_overloads(overload),
        function_templates=tuple(
            T.replace(
                f,
                overloads=tuple(
                    T.replace(o, archs=archs[o.id]) if o.id in archs else o for o in f.overloads
                ),
            )
            for f in tables.function_templates
        ),
        class_templates=tuple(
            T.replace(c, archs=archs[c.id]) if c.id in archs else c for c in tables.class_templates
        ),
    )


_CHECK_TYPE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\[::1\]|\*)?\Z")


def _checks(
    config: BindConfig, ctemplates, ftemplates: dict, unknown: list[str]
) -> tuple[T.Specialization, ...]:
    """The config's `[check]` as table rows: each template named by its C++ or Python name
    (those this module does not bind go to `unknown`), each argument name a C++ identifier,
    each value an integer or a type's name."""
    known = {c.cpp: c.name for c in ctemplates} | {c.name: c.name for c in ctemplates}
    for py, overloads in ftemplates.items():
        known[py] = py
        known.update((o.callee, py) for o in overloads)
    out = []
    for given, specs in sorted(config.check.items()):
        where = f"$.check.{given}"
        py = known.get(given) or known.get(given.removeprefix("::"))
        if py is None:
            unknown.append(given)
            continue
        for i, spec in enumerate(specs):
            args = []
            for name, value in spec.items():
                names.cpp_identifier(name, f"{where}[{i}]")
                if not isinstance(value, int) and not _CHECK_TYPE.match(value):
                    raise EmitError(
                        f"expected an integer or a type (int32, float32[::1], int32*, a "
                        f"record's Python name), got {value!r}",
                        f"{where}[{i}].{name}",
                    )
                args.append((name, value))
            out.append(T.Specialization(py, tuple(args)))
    return tuple(out)


def _owner(dropped_ref: str) -> str:
    """`Counter::bump` of `Counter::bump(times)`."""
    return dropped_ref.rsplit("(", 1)[0]


def _with_sources(t: T.Module, shims: dict[str, str]) -> T.Module:
    """Each overload and cast carries its shim's C++, so a binding reads as one block."""

    def fill(items):
        return tuple(T.replace(i, source=shims[i.shim]) for i in items)

    records = tuple(
        T.replace(
            r,
            constructors=fill(r.constructors),
            casts=fill(r.casts),
            methods=tuple(T.replace(m, overloads=fill(m.overloads)) for m in r.methods),
        )
        for r in t.records
    )
    return T.replace(
        t,
        records=records,
        conversions=fill(t.conversions),
        functions=tuple(T.replace(f, overloads=fill(f.overloads)) for f in t.functions),
        operators=tuple(T.replace(o, overloads=fill(o.overloads)) for o in t.operators),
    )


_UNSAFE_DEFINE = re.compile(r"[\x00-\x1f\x7f]|/\*|\*/|//")
_INCLUDE_PATH = re.compile(r"[A-Za-z0-9_.+\-/]+\Z")  # header names as CUDA and CUB spell them


def _defines(doc: ir.APIDocument, config: BindConfig) -> dict[str, tuple[str, str]]:
    """Macro -> (value, where it was given): the dump's `-D`s (the header was parsed with
    them, so the shims need them too), overridden by the config's `[shim] defines`."""
    found = {}
    for i, given in enumerate(doc.header.defines):
        name, eq, value = given.partition("=")
        found[name] = (value if eq else "1", f"$.header.defines[{i}]")
    for k, v in sorted(config.shim.defines.items()):
        found[k] = (v, f"$.shim.defines.{k}")
    return found


def prelude(doc: ir.APIDocument, config: BindConfig) -> str:
    """#defines and #includes every shim needs: by include-root-relative name, never by the
    absolute path of the machine that generated the module."""
    lines = []
    for k, (v, where) in sorted(_defines(doc, config).items()):
        names.cpp_identifier(k, where)
        if _UNSAFE_DEFINE.search(v) or v.endswith("\\"):
            raise EmitError(
                "a #define value must be one line, without a comment or a trailing backslash",
                where,
            )
        lines.append(f"#define {k} {v}".rstrip())
    includes = config.shim.includes or [f"<{i.path}>" for i in doc.header.inputs if i.requested]
    for inc in includes:
        quoted = (inc.startswith("<") and inc.endswith(">")) or (
            inc.startswith('"') and inc.endswith('"')
        )
        path = inc[1:-1]
        if not quoted or not _INCLUDE_PATH.match(path) or "//" in path:
            raise EmitError(f"not an #include target: {inc!r}", "$.shim.includes")
        lines.append(f"#include {inc}")
    return "\n".join(lines) + "\n"
