"""Enums, typedefs and alias templates, variables and constant macros."""

from __future__ import annotations

import re

from numbast import ir

from ..comments import doc_comment
from ..constants import macro_constant
from ..libclang import evaluate, is_function_like_macro, token_spellings
from .context import Place, WalkContext
from .kinds import kinds
from .templates import note_instantiation, template_params


def enum(ctx: WalkContext, cursor, at: Place) -> str | None:
    if not cursor.is_definition():
        return None
    ident = ctx.ids.of(cursor)
    name = at.anon_name or cursor.spelling
    CK = kinds().CK
    decl = ir.Enum(
        **ctx.identity(cursor, at, name),
        scoped=cursor.is_scoped_enum(),
        underlying=ctx.types.ref(cursor.enum_type),
        enumerators=[
            ir.Enumerator(name=e.spelling, value=e.enum_value)
            for e in cursor.get_children()
            if e.kind == CK.ENUM_CONSTANT_DECL
        ],
        anonymous=at.anon_name is not None,
    )
    ctx.add(decl)
    ctx.member_of(ident, at.parent)
    return ident


def typedef(ctx: WalkContext, cursor, at: Place) -> str:
    ident = ctx.ids.of(cursor)
    target = ctx.types.ref(cursor.underlying_typedef_type)
    decl = ir.Typedef(
        **ctx.identity(cursor, at),
        target=target,
        using=cursor.kind == kinds().CK.TYPE_ALIAS_DECL,
    )
    ctx.add(decl)
    ctx.type_edges(ident, target, "aliases")
    ctx.member_of(ident, at.parent)
    note_instantiation(ctx, cursor.underlying_typedef_type)
    return ident


def alias_template(ctx: WalkContext, cursor, at: Place) -> str:
    ident = ctx.ids.of(cursor)
    target = None
    for c in cursor.get_children():
        if c.kind == kinds().CK.TYPE_ALIAS_DECL:
            target = ctx.types.ref(c.underlying_typedef_type)
    decl = ir.AliasTemplate(
        **ctx.identity(cursor, at),
        target=target or ir.TypeRef(kind="other", spelling="", canonical="", qualified=""),
        template_params=template_params(ctx, cursor),
    )
    ctx.add(decl)
    ctx.member_of(ident, at.parent)
    return ident


def variable(ctx: WalkContext, cursor, at: Place) -> str:
    ci = kinds().ci
    ident = ctx.ids.of(cursor)
    head, _ = ctx.printed(cursor)
    constexpr = bool(re.search(r"\bconstexpr\b", head))
    value = None
    if constexpr or cursor.type.is_const_qualified():
        got = evaluate(cursor)
        if got is not None:
            kind, text = got
            if cursor.type.get_canonical().kind == ci.TypeKind.BOOL and kind == "int":
                kind, text = "bool", "true" if text != "0" else "false"
            value = ir.Constant(kind=kind, value=text)
    decl = ir.Variable(
        **ctx.identity(cursor, at),
        type=ctx.types.ref(cursor.type),
        constexpr=constexpr,
        static=cursor.storage_class == ci.StorageClass.STATIC,
        value=value,
    )
    ctx.add(decl)
    ctx.member_of(ident, at.parent)
    return ident


def macro(ctx: WalkContext, cursor) -> None:
    """An object-like macro whose tokens are one constant (`#define N 4`)."""
    if getattr(cursor, "is_macro_builtin", None) is not None and cursor.is_macro_builtin():
        return
    if is_function_like_macro(cursor):
        return
    tokens = token_spellings(cursor)
    value = macro_constant(tokens[1:]) if tokens else None
    if value is None:
        return
    name = cursor.spelling
    ctx.add(
        ir.Macro(
            id=f"c:@macro@{name}",
            name=name,
            qualified_name=name,
            location=ctx.location(cursor),
            doc=doc_comment(cursor),
            value=value,
        )
    )
