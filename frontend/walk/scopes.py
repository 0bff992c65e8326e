"""Namespaces and the translation unit: which cursors are walked, and the names given to
anonymous records and enums."""

from __future__ import annotations

from ..libclang import is_inline_namespace, scope_children
from .context import Place, WalkContext
from .kinds import kinds
from .values import enum, macro


def visit_scope(ctx: WalkContext, cursor, scope: tuple[str, ...], parent: str | None) -> None:
    """Declare the retained children of a translation unit or namespace."""
    k = kinds()
    children = scope_children(cursor)
    for i, child in enumerate(children):
        # Most top-level cursors (macros, libc++, CUDA's own headers) are not retained:
        # look at the raw kind id and file handle before building anything else.
        kid = child._kind_id
        if kid in k.scope_ids:
            _visit_namespace(ctx, child, scope, parent)
            continue
        if not ctx.retained(child):
            continue
        if kid == k.macro_id:
            macro(ctx, child)
            continue
        anon_name = None
        if is_anonymous(child):
            anon_name = _typedef_name_for(child, children[i + 1 : i + 2])
            if anon_name is None:
                anon_name = name_anonymous(ctx, child, parent or _scope_id(scope), scope)
        ctx.declare(ctx, child, Place(scope, parent, None, anon_name))


def _visit_namespace(ctx: WalkContext, child, scope: tuple[str, ...], parent) -> None:
    inner = scope
    if child.kind == kinds().CK.NAMESPACE:
        if is_inline_namespace(child):
            ctx.ids.add_inline_namespace(child.spelling)
        else:
            inner = (*scope, child.spelling or "(anonymous namespace)")
    if ctx.sources.extent_retained(child.extent):
        visit_scope(ctx, child, inner, parent)


def is_anonymous(cursor) -> bool:
    """A record or enum without a name (`union { ... };`, `enum { A, B };`)."""
    if cursor._kind_id not in kinds().named_type_ids:
        return False
    return not cursor.spelling or cursor.spelling.startswith("(") or cursor.is_anonymous()


def name_anonymous(ctx: WalkContext, cursor, scope_id: str, scope: tuple[str, ...]) -> str:
    """Name an anonymous record or enum by its position among its scope's anonymous ones."""
    n = ctx.anon_count.get(scope_id, 0)
    ctx.anon_count[scope_id] = n + 1
    name = f"anon_{_tag_of(cursor)}_{n}"
    ctx.ids.assigned[cursor.get_usr()] = f"{scope_id}@anon{n}"
    loc = cursor.location
    ctx.types.anonymous[(ctx.sources.real(loc.file.name), loc.line, loc.column)] = Place(
        scope
    ).qualified(name)
    return name


def _typedef_name_for(cursor, following) -> str | None:
    """`typedef struct {...} Name;`: the record takes the typedef's name, as C++ does."""
    for nxt in following:
        if nxt.kind == kinds().CK.TYPEDEF_DECL:
            decl = nxt.underlying_typedef_type.get_canonical().get_declaration()
            if decl == cursor:
                return nxt.spelling
    return None


def library_enums(ctx: WalkContext) -> None:
    """Enums that retained declarations use, defined in a file that is not retained: part of
    the API all the same, described where they are used, as records of other headers are.
    NVSHMEM's `nvshmemx_smem_amount_t` lives in device_host/nvshmem_types.h, its function in
    device/nvshmemx_defines.h; cuda_fp8.h's `__nv_cvt_float_to_e8m0` takes the runtime's
    `cudaRoundMode`."""
    k = kinds()
    for ident, cursor in sorted(ctx.types.enums_named.items()):
        if ident in ctx.decls or cursor.semantic_parent is None:
            continue
        if cursor.location.file is None:
            continue
        parent = cursor.semantic_parent
        if parent.kind != k.CK.TRANSLATION_UNIT and parent.kind not in k.scopes:
            continue  # a member enum comes with its record
        scope: list[str] = []
        while parent is not None and parent.kind != k.CK.TRANSLATION_UNIT:
            if parent.kind == k.CK.NAMESPACE and not is_inline_namespace(parent):
                scope.insert(0, parent.spelling or "(anonymous namespace)")
            parent = parent.semantic_parent
        definition = cursor.get_definition() or cursor
        if not definition.spelling or is_anonymous(definition):
            continue
        enum(ctx, definition, Place(tuple(scope)))


def _scope_id(scope: tuple[str, ...]) -> str:
    return "c:" + "".join(f"@N@{n}" for n in scope) if scope else "c:"


def _tag_of(cursor) -> str:
    k = kinds()
    return "enum" if cursor.kind == k.CK.ENUM_DECL else k.record_tags.get(cursor.kind, "struct")
