"""Records, class templates and their specializations: layout, members and triviality."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from numbast import ir

from .context import Place, WalkContext
from .functions import function, method, signature_edges
from .kinds import kinds
from .scopes import is_anonymous, name_anonymous
from .templates import (
    is_specialization,
    note_instantiation,
    partial_args,
    template_args,
    template_kind,
    template_params,
)


def record(ctx: WalkContext, cursor, at: Place, implicit: bool = False) -> str | None:
    """A struct, class or union; a class template or partial specialization; a specialization
    the header names (`implicit`: instantiated, never written as such)."""
    k = kinds()
    kind = cursor.kind
    if (kind in k.record_tags or kind == k.CK.CLASS_TEMPLATE) and not cursor.is_definition():
        definition = cursor.get_definition()
        if definition is not None and not definition.kind.is_invalid():
            if not ctx.retained(definition):
                return None
            if definition != cursor:
                return ctx.ids.of(definition)  # reached where it is defined
    ident = ctx.ids.of(cursor)
    if ident in ctx.decls:
        return ident
    if kind in k.template_records:
        tag = k.record_tags.get(template_kind(cursor), "class")
    else:
        tag = k.record_tags[kind]
    specialization = is_specialization(cursor)
    spelled = specialization or kind == k.CK.CLASS_TEMPLATE_PARTIAL_SPECIALIZATION
    name = at.anon_name or (cursor.displayname if spelled else cursor.spelling)
    in_template = kind not in k.record_tags or at.parent in ctx.template_stack
    body = _members(ctx, cursor, at.inner(name, ident), in_template)
    t = cursor.type
    size = t.get_size() if not in_template else -1
    align = t.get_align() if not in_template else -1
    common = dict(
        **ctx.identity(cursor, at, name),
        tag=tag,
        size=size if size >= 0 else None,
        align=align if align >= 0 else None,
        anonymous=cursor.get_usr() in ctx.ids.assigned,
        abstract=cursor.is_abstract_record() if not in_template else False,
        **{member: getattr(body, member) for member in _MEMBERS},
    )
    if not in_template and size >= 0:
        tc, td = trivial(ctx, cursor)
        common["trivially_copyable"], common["trivially_destructible"] = tc, td
    if kind == k.CK.CLASS_TEMPLATE:
        decl = ir.ClassTemplate(template_params=template_params(ctx, cursor), **common)
    elif kind == k.CK.CLASS_TEMPLATE_PARTIAL_SPECIALIZATION:
        decl = ir.ClassTemplatePartialSpecialization(
            template_params=template_params(ctx, cursor),
            specializes=ctx.ids.of(cursor.specialized_template),
            template_args=partial_args(cursor),
            **common,
        )
    elif specialization:
        decl = ir.Record(
            specializes=ctx.ids.of(cursor.specialized_template),
            template_args=template_args(ctx, cursor),
            implicit=implicit,
            **common,
        )
    else:
        decl = ir.Record(**common)
    ctx.add(decl)
    _record_edges(ctx, decl)
    return ident


def _record_edges(ctx: WalkContext, decl) -> None:
    ident = decl.id
    ctx.member_of(ident, decl.parent)
    if getattr(decl, "specializes", None):
        ctx.edge(ident, decl.specializes, "specializes")
    for f in decl.fields:
        ctx.type_edges(ident, f.type, "field_type")
    for b in decl.bases:
        ctx.type_edges(ident, b.type, "base")
    destructor = [decl.destructor] if decl.destructor else []
    for m in [*decl.constructors, *decl.methods, *destructor]:
        ctx.edge(m.id, ident, "member_of")
        signature_edges(ctx, m.id, m.return_type, m.params)


@dataclass
class _Body:
    """The members of one record, collected child by child."""

    cursor: object
    at: Place  # the place of the record's members
    dependent: bool  # inside a template: no layout, no mangled names
    children: list
    fields: list[ir.Field] = field(default_factory=list)
    bases: list[ir.Base] = field(default_factory=list)
    constructors: list[ir.Method] = field(default_factory=list)
    destructor: ir.Method | None = None
    methods: list[ir.Method] = field(default_factory=list)
    nested: list[str] = field(default_factory=list)


_MEMBERS = ("fields", "bases", "constructors", "destructor", "methods", "nested")


def _members(ctx: WalkContext, cursor, at: Place, in_template: bool) -> _Body:
    k = kinds()
    dependent = in_template or cursor.kind in k.template_records
    if dependent:
        ctx.template_stack.add(at.parent)
    body = _Body(cursor, at, dependent, list(cursor.get_children()))
    handlers = _member_handlers()
    for i, c in enumerate(body.children):
        access = k.access.get(c.access_specifier, "public")
        handlers.get(c.kind, _nested)(ctx, body, i, c, access)
    ctx.template_stack.discard(at.parent)
    return body


def _field(ctx: WalkContext, body: _Body, i: int, c, access: str) -> None:
    offset = c.get_field_offsetof() if not body.dependent else -1
    body.fields.append(
        ir.Field(
            name=c.spelling,
            type=ctx.types.ref(c.type),
            offset=offset if offset >= 0 else None,
            bitfield_width=c.get_bitfield_width() if c.is_bitfield() else None,
            access=access,
            mutable=c.is_mutable_field(),
        )
    )


def _base(ctx: WalkContext, body: _Body, i: int, c, access: str) -> None:
    note_instantiation(ctx, c.type)
    off = -1
    if not body.dependent:
        try:
            off = c.get_base_offsetof(body.cursor)
        except Exception as exc:  # libclang refuses some bases (a virtual one's offset)
            ctx.skipped(c, "base offset", exc)
    body.bases.append(
        ir.Base(
            type=ctx.types.ref(c.type),
            access=access,
            virtual=c.is_virtual_base(),
            offset=off // 8 if off >= 0 else None,
        )
    )


def _member_function(ctx: WalkContext, body: _Body, i: int, c, access: str) -> None:
    m = method(ctx, c, access, body.dependent)
    if m.role == "constructor":
        body.constructors.append(m)
    elif m.role == "destructor":
        body.destructor = m
    else:
        body.methods.append(m)


def _friends(ctx: WalkContext, body: _Body, i: int, c, access: str) -> None:
    CK = kinds().CK
    outer = Place(body.at.scope[:-1])
    for f in c.get_children():
        if f.kind in (CK.FUNCTION_DECL, CK.FUNCTION_TEMPLATE):
            function(ctx, f, outer, friend_of=body.at.parent)


def _nested(ctx: WalkContext, body: _Body, i: int, c, access: str) -> None:
    """A nested record, enum, typedef or variable; an anonymous one also makes a field when
    no declarator follows it (`union { float f; int i; };`)."""
    at = body.at._replace(access=access)
    if not is_anonymous(c):
        sub = ctx.declare(ctx, c, at)
        if sub and sub not in body.nested:
            body.nested.append(sub)
        return
    name = name_anonymous(ctx, c, body.at.parent, body.at.scope)
    sub = ctx.declare(ctx, c, at._replace(anon_name=name))
    if not sub:
        return
    body.nested.append(sub)
    if c.kind in kinds().record_tags and not _has_declarator(body.children, i, c):
        body.fields.append(_anonymous_member(ctx, body, c, name, access))


@cache
def _member_handlers() -> dict:
    CK = kinds().CK
    handlers = {CK.FIELD_DECL: _field, CK.CXX_BASE_SPECIFIER: _base, CK.FRIEND_DECL: _friends}
    for kind in (*kinds().member_functions, CK.FUNCTION_TEMPLATE):
        handlers[kind] = _member_function
    return handlers


def _anonymous_member(ctx: WalkContext, body: _Body, c, name: str, access: str) -> ir.Field:
    """An anonymous union/struct member: a field named after its derived record name."""
    offset = None
    if not body.dependent:
        rtype = body.cursor.type
        offsets = [rtype.get_offset(f.spelling) for f in c.type.get_fields() if f.spelling]
        offsets = [o for o in offsets if o >= 0]
        offset = min(offsets) if offsets else None
    return ir.Field(name=name, type=ctx.types.ref(c.type), offset=offset, access=access)


def _has_declarator(children, i, c) -> bool:
    """`union { ... } u;` declares a named field right after the record; anonymous members don't."""
    nxt = children[i + 1] if i + 1 < len(children) else None
    return (
        nxt is not None
        and nxt.kind == kinds().CK.FIELD_DECL
        and nxt.type.get_canonical().get_declaration() == c
    )


def trivial(ctx: WalkContext, cursor) -> tuple[bool, bool]:
    """(trivially copyable, trivially destructible), from the rules of [class.prop]."""
    usr = cursor.get_usr()
    hit = ctx.triviality.get(usr)
    if hit is not None:
        return hit
    ctx.triviality[usr] = (True, True)  # break recursion through pointers' pointees
    CK = kinds().CK
    copyable, destructible = True, True
    for c in cursor.get_children():
        k = c.kind
        if k == CK.CXX_METHOD and c.is_virtual_method():
            copyable = False
        if k == CK.DESTRUCTOR:
            if c.is_virtual_method() or not (c.is_default_method() or c.is_deleted_method()):
                copyable = destructible = False
            if c.is_deleted_method():
                destructible = False
        special = k == CK.CONSTRUCTOR and (c.is_copy_constructor() or c.is_move_constructor())
        special |= k == CK.CXX_METHOD and (
            c.is_copy_assignment_operator_method() or c.is_move_assignment_operator_method()
        )
        if special and not c.is_deleted_method() and not c.is_default_method():
            copyable = False
        if k == CK.CXX_BASE_SPECIFIER and c.is_virtual_base():
            copyable = False
        if k in (CK.CXX_BASE_SPECIFIER, CK.FIELD_DECL):
            tc, td = _trivial_type(ctx, c.type)
            copyable, destructible = copyable and tc, destructible and td
    result = (copyable, destructible)
    ctx.triviality[usr] = result
    return result


def _trivial_type(ctx: WalkContext, t) -> tuple[bool, bool]:
    ci = kinds().ci
    canon = t.get_canonical()
    while canon.kind in (ci.TypeKind.CONSTANTARRAY, ci.TypeKind.INCOMPLETEARRAY):
        canon = canon.element_type.get_canonical()
    if canon.kind == ci.TypeKind.RECORD:
        return trivial(ctx, canon.get_declaration())
    return True, True
