"""The diff's rules as data: each row says which change kind it finds, what it compares, how
the change shows, and its class when the direction decides.

A rule compares one fact of a matched pair (two versions of a declaration, a parameter, a
field, an enumerator): by default a change is found when `value(old) != value(new)`; `when`
replaces that test where the kind depends on the direction (a default added vs removed).
Adding a kind is one row here, one member of `ChangeKind`, and one row of the diff tests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from numbast import ir

from .kinds import ChangeClass, ChangeKind

K = ChangeKind


def canonical(t: ir.TypeRef | None) -> str | None:
    """What decides whether a type changed: its canonical spelling."""
    return None if t is None else t.canonical


def shown(t: ir.TypeRef | None) -> str | None:
    """How a type shows in a change: as the header spells it."""
    return None if t is None else t.spelling


@dataclass(frozen=True)
class Rule:
    kind: ChangeKind
    value: Callable[[Any], object]  # what it compares
    # How it shows: a format string (or a function) of `name`, and `old` / `new` as shown.
    message: str | Callable[[str, Any, Any], str]
    shown: Callable[[Any], object] | None = None  # old / new as the change carries them
    when: Callable[[Any, Any], bool] | None = None  # instead of value(old) != value(new)
    classify: Callable[[Any, Any], ChangeClass] | None = None  # else the kind's default
    affects: bool = False  # list the functions and templates that reach the declaration

    def changed(self, old, new) -> bool:
        if self.when is not None:
            return self.when(old, new)
        return self.value(old) != self.value(new)

    def show(self, item) -> object:
        return (self.shown or self.value)(item)

    def text(self, name: str, old, new) -> str:
        if callable(self.message):
            return self.message(name, old, new)
        return self.message.format(name=name, old=old, new=new)

    def change_class(self, old, new) -> ChangeClass:
        return self.classify(old, new) if self.classify else self.kind.default_class


def _flag(name: str) -> Rule:
    """A qualifier added or removed (`noexcept`, `constexpr`, `= delete`)."""
    kind = {"noexcept": K.NOEXCEPT_CHANGED, "constexpr": K.CONSTEXPR_CHANGED}.get(
        name, K.DELETED_CHANGED
    )
    safe_when = name != "deleted"  # adding noexcept or constexpr breaks nobody

    def value(f):
        return getattr(f, name)

    return Rule(
        kind,
        value,
        lambda label, old, new: f"{label}: {name} {'added' if new == 'true' else 'removed'}",
        shown=lambda f: str(value(f)).lower(),
        classify=lambda o, n: "compatible" if value(n) == safe_when else "breaking",
    )


_SPACES = {
    "host": {"host"},
    "device": {"device"},
    "global": {"global"},
    "host_device": {"host", "device"},
}


def _guard(text: str | None) -> str:
    return text or "no guard"


# Every declaration, first.
AVAILABILITY = Rule(
    K.AVAILABILITY_CHANGED,
    lambda d: d.arch_guard,
    lambda name, old, new: f"{name} now under `{_guard(new)}` (was `{_guard(old)}`)",
    classify=lambda o, n: "compatible" if n.arch_guard is None else "breaking",
)

# The archs that declare it, of those both documents were dumped for (see engine.archs).
ARCHS = Rule(
    K.ARCHS_CHANGED,
    lambda have: have,
    "{name} declared for {new} (was {old})",
    shown=lambda have: ", ".join(map(str, sorted(have))) or "none",
    classify=lambda o, n: "compatible" if o <= n else "breaking",
)

# A function, a function template, or a method (`name` then carries the record's).
FUNCTION = (
    Rule(
        K.RETURN_TYPE_CHANGED,
        lambda f: canonical(f.return_type),
        "{name} returns {new} (was {old})",
        shown=lambda f: shown(f.return_type),
    ),
    Rule(
        K.EXEC_SPACE_CHANGED,
        lambda f: f.exec_space,
        "{name}: {old} -> {new}",
        classify=lambda o, n: (
            "compatible" if _SPACES[o.exec_space] < _SPACES[n.exec_space] else "breaking"
        ),
    ),
    _flag("noexcept"),
    _flag("constexpr"),
    _flag("deleted"),
)

# A parameter at the same position (`name` is "f: parameter 2 (b)").
PARAMETER = (
    Rule(K.PARAM_RENAMED, lambda p: p.name, lambda name, old, new: f"{name} renamed from {old!r}"),
    Rule(
        K.PARAM_TYPE_CHANGED,
        lambda p: canonical(p.type),
        "{name}: {old} -> {new}",
        shown=lambda p: shown(p.type),
    ),
    Rule(
        K.PARAM_DEFAULT_ADDED,
        lambda p: p.default,
        "{name}: default added",
        when=lambda o, n: n.has_default and not o.has_default,
    ),
    Rule(
        K.PARAM_DEFAULT_REMOVED,
        lambda p: p.default,
        "{name}: default removed",
        when=lambda o, n: o.has_default and not n.has_default,
    ),
    Rule(
        K.PARAM_DEFAULT_CHANGED,
        lambda p: p.default,
        "{name}: default {old} -> {new}",
        when=lambda o, n: o.has_default and n.has_default and o.default != n.default,
    ),
)

RECORD = (
    Rule(K.RECORD_TAG_CHANGED, lambda r: r.tag, "{name}: {old} -> {new}", affects=True),
    Rule(
        K.RECORD_SIZE_CHANGED, lambda r: r.size, "{name}: size {old} -> {new} bytes", affects=True
    ),
    Rule(
        K.RECORD_ALIGN_CHANGED,
        lambda r: r.align,
        "{name}: align {old} -> {new} bytes",
        affects=True,
    ),
)
BASES = Rule(
    K.BASE_CHANGED,
    lambda r: [canonical(b.type) for b in r.bases],
    lambda name, old, new: f"{name}: bases {new or 'none'} (were {old or 'none'})",
    shown=lambda r: ", ".join(canonical(b.type) for b in r.bases),
    affects=True,
)

# A field of the same name (`name` is "S::x").
FIELD = (
    Rule(
        K.FIELD_OFFSET_CHANGED,
        lambda f: f.offset,
        "{name}: offset {old} -> {new} bits",
        affects=True,
    ),
    Rule(
        K.FIELD_TYPE_CHANGED,
        lambda f: canonical(f.type),
        "{name}: {old} -> {new}",
        shown=lambda f: shown(f.type),
        affects=True,
    ),
)

ENUM = (
    Rule(
        K.ENUM_UNDERLYING_CHANGED,
        lambda e: canonical(e.underlying),
        "{name}: underlying {old} -> {new}",
        shown=lambda e: shown(e.underlying),
        affects=True,
    ),
    Rule(
        K.ENUM_SCOPED_CHANGED,
        lambda e: e.scoped,
        lambda name, old, new: f"{name}: {'scoped' if new == 'true' else 'unscoped'} now",
        shown=lambda e: str(e.scoped).lower(),
    ),
)
ENUMERATOR = Rule(K.ENUMERATOR_VALUE_CHANGED, lambda e: e.value, "{name}: {old} -> {new}")

TYPEDEF = Rule(
    K.TYPEDEF_TARGET_CHANGED,
    lambda t: canonical(t.target),
    "{name} now names {new} (was {old})",
    shown=lambda t: shown(t.target),
    affects=True,
)
CONSTANT = Rule(
    K.CONSTANT_VALUE_CHANGED,
    lambda v: v.value.value if v.value else None,
    "{name} = {new} (was {old})",
)

# A template parameter at the same position (`name` is "Box: template parameter T").
TEMPLATE_PARAMETER = Rule(
    K.TEMPLATE_PARAM_DEFAULT_CHANGED, lambda p: p.default, "{name} default {old} -> {new}"
)

# The qualifiers of a method, reported together as one `method.changed`.
METHOD_QUALIFIERS = ("const", "static", "virtual", "explicit", "ref_qualifier", "access")
