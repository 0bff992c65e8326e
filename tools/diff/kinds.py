"""The catalog of API change kinds: a stable id, a one-line description, a default class.

Each kind is a member of `ChangeKind` (its value the stable id that reports carry); the rules
that find them are rows of `rules.py`.

`breaking`: existing users' source or layout breaks. `compatible`: additive. `info`: worth a
reviewer's eye, breaks nothing by itself. A change may be classed differently from its kind's
default when its direction decides (a parameter added *with* a default is compatible).
"""

from __future__ import annotations

from enum import Enum
from typing import Literal

ChangeClass = Literal["breaking", "compatible", "info"]


class ChangeKind(str, Enum):
    """A kind of API change: its id (the value), what it means, and its usual class."""

    description: str
    default_class: ChangeClass

    def __new__(cls, ident: str, description: str, default_class: ChangeClass):
        member = str.__new__(cls, ident)
        member._value_ = ident
        member.description = description
        member.default_class = default_class
        return member

    def __str__(self) -> str:
        return self.value

    DECL_ADDED = "decl.added", "declaration added", "compatible"
    DECL_REMOVED = "decl.removed", "declaration removed", "breaking"
    OVERLOAD_ADDED = "overload.added", "overload added to an existing name", "compatible"
    OVERLOAD_REMOVED = (
        "overload.removed",
        "overload removed; other overloads of the name remain",
        "breaking",
    )
    PARAM_ADDED = "param.added", "function parameter added", "breaking"
    PARAM_REMOVED = "param.removed", "function parameter removed", "breaking"
    PARAM_RENAMED = "param.renamed", "function parameter renamed", "info"
    PARAM_TYPE_CHANGED = "param.type_changed", "function parameter type changed", "breaking"
    PARAM_DEFAULT_ADDED = "param.default_added", "default argument added", "compatible"
    PARAM_DEFAULT_REMOVED = "param.default_removed", "default argument removed", "breaking"
    PARAM_DEFAULT_CHANGED = "param.default_changed", "default argument changed", "info"
    RETURN_TYPE_CHANGED = "return.type_changed", "return type changed", "breaking"
    EXEC_SPACE_CHANGED = (
        "exec_space.changed",
        "execution space changed (__host__ / __device__)",
        "breaking",
    )
    NOEXCEPT_CHANGED = "noexcept.changed", "noexcept added or removed", "breaking"
    CONSTEXPR_CHANGED = "constexpr.changed", "constexpr added or removed", "breaking"
    DELETED_CHANGED = "deleted.changed", "= delete added or removed", "breaking"
    RECORD_SIZE_CHANGED = "record.size_changed", "record size changed", "breaking"
    RECORD_ALIGN_CHANGED = "record.align_changed", "record alignment changed", "breaking"
    RECORD_TAG_CHANGED = "record.tag_changed", "struct / class / union changed", "breaking"
    FIELD_ADDED = "field.added", "field added", "breaking"
    FIELD_REMOVED = "field.removed", "field removed", "breaking"
    FIELD_OFFSET_CHANGED = "field.offset_changed", "field offset changed", "breaking"
    FIELD_TYPE_CHANGED = "field.type_changed", "field type changed", "breaking"
    BASE_CHANGED = "base.changed", "base classes changed", "breaking"
    METHOD_ADDED = "method.added", "method added", "compatible"
    METHOD_REMOVED = "method.removed", "method removed", "breaking"
    METHOD_CHANGED = "method.changed", "method signature or qualifiers changed", "breaking"
    ENUMERATOR_ADDED = "enumerator.added", "enumerator added", "compatible"
    ENUMERATOR_REMOVED = "enumerator.removed", "enumerator removed", "breaking"
    ENUMERATOR_VALUE_CHANGED = "enumerator.value_changed", "enumerator value changed", "breaking"
    ENUM_UNDERLYING_CHANGED = "enum.underlying_changed", "enum underlying type changed", "breaking"
    ENUM_SCOPED_CHANGED = "enum.scoped_changed", "enum became scoped or unscoped", "breaking"
    TYPEDEF_TARGET_CHANGED = "typedef.target_changed", "typedef / alias target changed", "breaking"
    TEMPLATE_PARAM_ADDED = "template_param.added", "template parameter added", "breaking"
    TEMPLATE_PARAM_REMOVED = "template_param.removed", "template parameter removed", "breaking"
    TEMPLATE_PARAM_DEFAULT_CHANGED = (
        "template_param.default_changed",
        "template parameter default changed",
        "breaking",
    )
    CONSTANT_VALUE_CHANGED = "constant.value_changed", "constant or macro value changed", "breaking"
    ARCHS_CHANGED = (
        "archs.changed",
        "GPU archs whose headers declare it changed (multi-arch dumps)",
        "breaking",
    )
    AVAILABILITY_CHANGED = (
        "availability.changed",
        "__CUDA_ARCH__ guard of the declaration changed",
        "breaking",
    )


KINDS: dict[str, ChangeKind] = {k.value: k for k in ChangeKind}
