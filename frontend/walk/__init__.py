"""The walk over clang's cursors of the retained headers, producing IR declarations and edges.

One module per declaration family (records, functions, templates, values, scopes), each a set
of functions of a cursor and the shared `WalkContext`; `declare` dispatches a cursor to its
family by kind.
"""

from __future__ import annotations

from functools import cache

from .context import Place, WalkContext
from .functions import foreign_constructor, function
from .kinds import kinds
from .records import record
from .scopes import library_enums, visit_scope
from .values import alias_template, enum, typedef, variable

__all__ = ["Place", "WalkContext", "walk"]


def walk(tu, sources) -> WalkContext:
    """Walk a parsed translation unit; the context holds the declarations and edges found."""
    ctx = WalkContext(tu, sources, declare)
    visit_scope(ctx, tu.cursor, (), None)
    for cursor in ctx.pending_specializations:
        if ctx.ids.of(cursor) not in ctx.decls:
            record(ctx, cursor, Place(), implicit=True)
    library_enums(ctx)
    return ctx


def declare(ctx: WalkContext, cursor, at: Place) -> str | None:
    """Declare one cursor through its family's handler (None: not a declaration we keep)."""
    handler = _handlers().get(cursor.kind)
    return handler(ctx, cursor, at) if handler is not None else None


def _function_template(ctx: WalkContext, cursor, at: Place) -> str | None:
    # A member function template comes with its record (see records._member_function).
    return function(ctx, cursor, at) if at.parent is None else None


@cache
def _handlers() -> dict:
    k = kinds()
    CK = k.CK
    handlers = dict.fromkeys([*k.record_tags, *k.template_records], record)
    handlers.update(
        {
            CK.FUNCTION_DECL: function,
            CK.CONSTRUCTOR: foreign_constructor,
            CK.FUNCTION_TEMPLATE: _function_template,
            CK.ENUM_DECL: enum,
            CK.TYPEDEF_DECL: typedef,
            CK.TYPE_ALIAS_DECL: typedef,
            CK.TYPE_ALIAS_TEMPLATE_DECL: alias_template,
            CK.VAR_DECL: variable,
        }
    )
    return handlers
