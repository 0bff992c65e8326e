"""Functions, function templates and member functions: their signatures and qualifiers."""

from __future__ import annotations

import re

from numbast import ir

from ..comments import doc_comment
from ..libclang import evaluate
from .context import Place, WalkContext
from .kinds import ATTRIBUTE, OPERATOR, kinds
from .templates import split_default, template_args, template_kind, template_params

_ROLES = {
    "CONSTRUCTOR": "constructor",
    "DESTRUCTOR": "destructor",
    "CONVERSION_FUNCTION": "conversion",
}
_REF_QUALIFIERS = {"LVALUE": "lvalue", "RVALUE": "rvalue"}


def function(ctx: WalkContext, cursor, at: Place, friend_of: str | None = None) -> str:
    """A namespace-scope function or function template (or a friend declared in a record)."""
    ident = ctx.ids.of(cursor)
    if ident in ctx.decls or ident in ctx.member_ids:
        return ident
    is_template = cursor.kind == kinds().CK.FUNCTION_TEMPLATE
    base = dict(
        **ctx.identity(cursor, Place(at.scope)),  # a function is never a record's member
        return_type=ctx.types.ref(result_of(cursor)),
        friend_of=friend_of,
        static=cursor.storage_class == kinds().ci.StorageClass.STATIC,
        **_common(ctx, cursor, is_template),
    )
    if is_template:
        decl = ir.FunctionTemplate(template_params=template_params(ctx, cursor), **base)
    else:
        tmpl = cursor.specialized_template
        if tmpl is not None and not tmpl.kind.is_invalid():
            base["specializes"] = ctx.ids.of(tmpl)
            base["template_args"] = template_args(ctx, cursor)
        decl = ir.Function(**base)
    ctx.add(decl)
    signature_edges(ctx, ident, decl.return_type, decl.params)
    ctx.member_of(ident, friend_of)
    if getattr(decl, "specializes", None):
        ctx.edge(ident, decl.specializes, "specializes")
    return ident


def foreign_constructor(ctx: WalkContext, cursor, at: Place) -> str | None:
    """`__half::__half(const __nv_bfloat16 f) {...}` in cuda_bf16.h: the out-of-line definition
    of a constructor whose record another header declares (one this header's records would
    otherwise lack). A retained record's own out-of-line members come with the record."""
    ident = ctx.ids.of(cursor)
    record = cursor.semantic_parent
    if at.parent is not None or ident in ctx.decls or ident in ctx.member_ids:
        return None
    if record is None or record.kind not in kinds().record_tags or ctx.retained(record):
        return None
    common = _common(ctx, cursor, False)
    common.pop("operator")
    result = ctx.types.ref(record.type)
    identity = ctx.identity(cursor, Place(at.scope))
    identity["qualified_name"] = f"{result.qualified}::{cursor.spelling}"
    decl = ir.Function(
        **identity,
        return_type=result,
        constructs=ctx.ids.of(record),
        explicit=cursor.canonical.is_explicit_method(),
        **common,
    )
    ctx.add(decl)
    signature_edges(ctx, ident, decl.return_type, decl.params)
    return ident


def method(ctx: WalkContext, c, access: str, in_template: bool) -> ir.Method:
    """A constructor, destructor, conversion, operator or method of a record."""
    k = kinds()
    is_template = c.kind == k.CK.FUNCTION_TEMPLATE
    target = template_kind(c) if is_template else c.kind
    role = _ROLES.get(target.name, "method")
    common = _common(ctx, c, in_template)
    if role == "method" and common["operator"]:
        role = "operator"
    ref_q = c.type.get_ref_qualifier() if not is_template else None
    _, tail = ctx.printed(c)
    ident = ctx.ids.of(c)
    ctx.member_ids.add(ident)
    common.pop("attributes")
    return ir.Method(
        id=ident,
        name=c.spelling,
        role=role,
        location=ctx.location(c),
        doc=doc_comment(c),
        return_type=ctx.types.ref(result_of(c)),
        access=access,
        ctor_kind=_ctor_kind(c) if role == "constructor" else None,
        const=c.is_const_method(),
        volatile=bool(re.search(r"\)\s*(const\s*)?volatile\b", tail)),
        ref_qualifier=_REF_QUALIFIERS.get(ref_q.name if ref_q is not None else "", "none"),
        static=c.is_static_method(),
        virtual=c.is_virtual_method(),
        pure=c.is_pure_virtual_method(),
        defaulted=c.is_default_method(),
        explicit=c.is_explicit_method() if role in ("constructor", "conversion") else False,
        template_params=template_params(ctx, c) if is_template else None,
        **common,
    )


def signature_edges(ctx: WalkContext, ident: str, ret: ir.TypeRef, params: list[ir.Param]) -> None:
    ctx.type_edges(ident, ret, "return_type")
    for p in params:
        ctx.type_edges(ident, p.type, "param_type")


def result_of(cursor):
    """The return type (a function template's `type` is the templated function's)."""
    if cursor.kind != kinds().CK.FUNCTION_TEMPLATE:
        return cursor.result_type
    t = cursor.type
    return t.get_result() if t.kind == kinds().ci.TypeKind.FUNCTIONPROTO else cursor.result_type


def _common(ctx: WalkContext, cursor, in_template: bool) -> dict:
    """The fields functions and methods share."""
    k = kinds()
    head, tail = ctx.printed(cursor)
    attributes = sorted(
        {a for a in ATTRIBUTE.findall(head) if a not in ("host", "device", "global")}
    )
    op = OPERATOR.match(cursor.spelling)
    t = cursor.type
    return dict(
        params=_params(ctx, cursor),
        exec_space=_exec_space(cursor),
        mangled_name=_mangled(ctx, cursor, in_template),
        operator=op.group(1).strip() if op and cursor.kind != k.CK.CONVERSION_FUNCTION else None,
        variadic=t.kind == k.ci.TypeKind.FUNCTIONPROTO and t.is_function_variadic(),
        noexcept=cursor.exception_specification_kind in k.noexcept,
        deleted=bool(re.search(r"=\s*delete\s*$", tail)),
        constexpr=bool(re.search(r"\bconstexpr\b", head)),
        inline=cursor.is_function_inlined() or bool(re.search(r"\binline\b", head)),
        attributes=attributes,
    )


def _params(ctx: WalkContext, cursor) -> list[ir.Param]:
    out = []
    for arg in cursor.get_children():
        if arg.kind != kinds().CK.PARM_DECL:
            continue
        text = ctx.source(arg.extent)
        if text and _spells(text, arg.spelling):
            default = split_default(text)
            has_default = default is not None
        else:  # spelled inside a macro expansion: the AST says whether it has a default
            default, has_default = _expanded_default(arg)
        out.append(
            ir.Param(
                name=arg.spelling,
                type=ctx.types.ref(arg.type),
                has_default=has_default,
                default=default,
            )
        )
    return out


def _spells(text: str, name: str) -> bool:
    """Whether a parameter's source text is its declaration (not the macro invocation that
    expands to it, which is what clang's extent covers then)."""
    return not name or re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text) is not None


def _expanded_default(arg) -> tuple[str | None, bool]:
    """(default, has one) of a parameter a macro spells: its value when clang can evaluate
    it, else only that it has one (the tokens clang gives are the macro's, not the call's)."""
    exprs = [sub for sub in arg.get_children() if sub.kind.is_expression()]
    if not exprs:
        return None, False
    value = evaluate(exprs[-1])
    return (value[1] if value is not None and value[0] in ("int", "float") else None), True


def _exec_space(cursor) -> str:
    k = kinds()
    CK = k.CK
    attrs = {c.kind for c in cursor.get_children() if c.kind in k.exec_attrs}
    if CK.CUDAGLOBAL_ATTR in attrs:
        return "global"
    if CK.CUDADEVICE_ATTR in attrs:
        return "host_device" if CK.CUDAHOST_ATTR in attrs else "device"
    return "host"


def _mangled(ctx: WalkContext, cursor, in_template: bool) -> str | None:
    if in_template or cursor.kind == kinds().CK.FUNCTION_TEMPLATE:
        return None
    try:
        return cursor.mangled_name or None
    except UnicodeDecodeError as exc:  # a name libclang's bindings cannot decode
        ctx.skipped(cursor, "mangled name", exc)
        return None


def _ctor_kind(c) -> str:
    if c.is_default_constructor():
        return "default"
    if c.is_copy_constructor():
        return "copy"
    if c.is_move_constructor():
        return "move"
    if c.is_converting_constructor():
        return "converting"
    return "other"
