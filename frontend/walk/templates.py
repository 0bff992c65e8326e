"""Template parameters and arguments, and the specializations a header names."""

from __future__ import annotations

import msgspec

from numbast import ir

from .context import WalkContext
from .kinds import kinds


def template_kind(cursor):
    """What a template cursor declares: STRUCT_DECL, CXX_METHOD, CONSTRUCTOR, ..."""
    k = kinds()
    return k.CK.from_id(k.ci.conf.lib.clang_getTemplateCursorKind(cursor))


def split_default(text: str) -> str | None:
    """The default of a template parameter as written: `typename T = int` -> `int`."""
    depth = 0
    for i, ch in enumerate(text):
        if ch in "<([{":
            depth += 1
        elif ch in ">)]}":
            depth -= 1
        elif (
            ch == "="
            and depth == 0
            and text[i + 1 : i + 2] != "="
            and text[i - 1 : i] not in "<>!="
        ):
            return text[i + 1 :].strip()
    return None


def split_arguments(inner: str) -> list[str]:
    """Top-level comma-separated pieces of a template argument list's text."""
    out, depth, cur = [], 0, ""
    for ch in inner:
        if ch in "<([":
            depth += 1
        elif ch in ">)]":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


def template_params(ctx: WalkContext, cursor) -> list[ir.TemplateParam]:
    """The template parameters of a template declaration, with the defaults an earlier
    declaration gave (`template <thread_scope _Sco, class _CompletionF = __empty_completion>
    class barrier;` before the definition)."""
    out = _declared_params(ctx, cursor)
    first = cursor.canonical
    if first != cursor and any(tp.default is None for tp in out):
        earlier = _declared_params(ctx, first)
        if len(earlier) == len(out):
            out = [
                msgspec.structs.replace(tp, default=e.default)
                if tp.default is None and e.default is not None and e.kind == tp.kind
                else tp
                for tp, e in zip(out, earlier, strict=True)
            ]
    return out


def _declared_params(ctx: WalkContext, cursor) -> list[ir.TemplateParam]:
    CK = kinds().CK
    out = []
    for c in cursor.get_children():
        if c.kind == CK.TEMPLATE_TYPE_PARAMETER:
            kind, extra = "type", {}
        elif c.kind == CK.TEMPLATE_NON_TYPE_PARAMETER:
            kind, extra = "non_type", {"type": ctx.types.ref(c.type)}
        elif c.kind == CK.TEMPLATE_TEMPLATE_PARAMETER:
            kind, extra = "template", {"params": template_params(ctx, c)}
        else:
            continue
        text = ctx.source(c.extent)
        before = text.split("=", 1)[0]
        if kind == "template":
            before = before.rsplit(">", 1)[-1]
        default = split_default(text.rsplit(">", 1)[-1] if kind == "template" else text)
        if kind == "non_type" and default is None and _by_macro(text, c.spelling):
            default = _expanded_default(c)  # a macro spells it (CCCL's _CCCL_TEMPLATE)
        out.append(
            ir.TemplateParam(
                kind=kind, name=c.spelling, pack="..." in before, default=default, **extra
            )
        )
    return out


def _by_macro(text: str, name: str) -> bool:
    """Whether a macro spells a parameter: its source text does not name it, or (unnamed)
    is a macro call (`_CCCL_REQUIRES(...)`)."""
    import re

    if not text:
        return True
    if name:
        return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text) is None
    return re.match(r"[A-Z_][A-Z0-9_]*\s*\(", text) is not None


def _expanded_default(cursor) -> str | None:
    """The default of a non-type template parameter a macro spells (`bool __cccl_true_ =
    true`, `enable_if_t<...> = 0` of `_CCCL_REQUIRES`): its integer value, from the AST."""
    from ..libclang import evaluate

    exprs = [sub for sub in cursor.get_children() if sub.kind.is_expression()]
    if not exprs:
        return None
    value = evaluate(exprs[-1])  # `true` is 1
    return value[1] if value is not None and value[0] == "int" else None


def template_args(ctx: WalkContext, cursor) -> list[ir.TemplateArg]:
    """The arguments of a full specialization, as clang resolved them."""
    TAK = kinds().ci.TemplateArgumentKind
    out = []
    for i in range(max(cursor.get_num_template_arguments(), 0)):
        k = cursor.get_template_argument_kind(i)
        if k == TAK.TYPE:
            t = cursor.get_template_argument_type(i)
            out.append(ir.TemplateArg(kind="type", spelling=t.spelling, type=ctx.types.ref(t)))
        elif k == TAK.INTEGRAL:
            value = cursor.get_template_argument_value(i)
            if value == -1 and cursor.get_template_argument_unsigned_value(i) == 1:
                value = 1  # `true`: libclang reads a bool's one bit as signed
            v = str(value)
            out.append(ir.TemplateArg(kind="integral", spelling=v, value=v))
        else:
            out.append(ir.TemplateArg(kind="other", spelling=""))
    return out


def partial_args(cursor) -> list[ir.TemplateArg]:
    """Arguments of a partial specialization, as written: `Storage<T, 1>` -> `T`, `1`."""
    text = cursor.displayname
    inner = text[text.find("<") + 1 : text.rfind(">")] if "<" in text else ""
    return [ir.TemplateArg(kind="other", spelling=a) for a in split_arguments(inner)]


def is_specialization(cursor) -> bool:
    """A record that is a specialization of a class template (explicit or implicit)."""
    if cursor.kind not in kinds().record_tags:
        return False
    tmpl = cursor.specialized_template
    return tmpl is not None and not tmpl.kind.is_invalid()


def note_instantiation(ctx: WalkContext, t) -> None:
    """A specialization the header names (`typedef Storage<float, 3> F3;`) is recorded."""
    k = kinds()
    canon = t.get_canonical()
    if canon.kind != k.ci.TypeKind.RECORD:
        return
    decl = canon.get_declaration()
    if is_specialization(decl):
        tmpl = decl.specialized_template
        if tmpl is not None and ctx.retained(tmpl):
            ctx.pending_specializations.append(decl)
