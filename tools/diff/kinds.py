"""The catalog of API change kinds: a stable id, a one-line description, a default class.

`breaking`: existing users' source or layout breaks. `compatible`: additive. `info`: worth a
reviewer's eye, breaks nothing by itself. A change may be classed differently from its kind's
default when its direction decides (a parameter added *with* a default is compatible).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ChangeClass = Literal["breaking", "compatible", "info"]


@dataclass(frozen=True)
class ChangeKind:
    id: str
    description: str
    default_class: ChangeClass


_CATALOG = [
    ChangeKind("decl.added", "declaration added", "compatible"),
    ChangeKind("decl.removed", "declaration removed", "breaking"),
    ChangeKind("overload.added", "overload added to an existing name", "compatible"),
    ChangeKind(
        "overload.removed", "overload removed; other overloads of the name remain", "breaking"
    ),
    ChangeKind("param.added", "function parameter added", "breaking"),
    ChangeKind("param.removed", "function parameter removed", "breaking"),
    ChangeKind("param.renamed", "function parameter renamed", "info"),
    ChangeKind("param.type_changed", "function parameter type changed", "breaking"),
    ChangeKind("param.default_added", "default argument added", "compatible"),
    ChangeKind("param.default_removed", "default argument removed", "breaking"),
    ChangeKind("param.default_changed", "default argument changed", "info"),
    ChangeKind("return.type_changed", "return type changed", "breaking"),
    ChangeKind("exec_space.changed", "execution space changed (__host__ / __device__)", "breaking"),
    ChangeKind("noexcept.changed", "noexcept added or removed", "breaking"),
    ChangeKind("constexpr.changed", "constexpr added or removed", "breaking"),
    ChangeKind("deleted.changed", "= delete added or removed", "breaking"),
    ChangeKind("record.size_changed", "record size changed", "breaking"),
    ChangeKind("record.align_changed", "record alignment changed", "breaking"),
    ChangeKind("record.tag_changed", "struct / class / union changed", "breaking"),
    ChangeKind("field.added", "field added", "breaking"),
    ChangeKind("field.removed", "field removed", "breaking"),
    ChangeKind("field.offset_changed", "field offset changed", "breaking"),
    ChangeKind("field.type_changed", "field type changed", "breaking"),
    ChangeKind("base.changed", "base classes changed", "breaking"),
    ChangeKind("method.added", "method added", "compatible"),
    ChangeKind("method.removed", "method removed", "breaking"),
    ChangeKind("method.changed", "method signature or qualifiers changed", "breaking"),
    ChangeKind("enumerator.added", "enumerator added", "compatible"),
    ChangeKind("enumerator.removed", "enumerator removed", "breaking"),
    ChangeKind("enumerator.value_changed", "enumerator value changed", "breaking"),
    ChangeKind("enum.underlying_changed", "enum underlying type changed", "breaking"),
    ChangeKind("enum.scoped_changed", "enum became scoped or unscoped", "breaking"),
    ChangeKind("typedef.target_changed", "typedef / alias target changed", "breaking"),
    ChangeKind("template_param.added", "template parameter added", "breaking"),
    ChangeKind("template_param.removed", "template parameter removed", "breaking"),
    ChangeKind("template_param.default_changed", "template parameter default changed", "breaking"),
    ChangeKind("constant.value_changed", "constant or macro value changed", "breaking"),
    ChangeKind(
        "availability.changed", "__CUDA_ARCH__ guard of the declaration changed", "breaking"
    ),
]

KINDS: dict[str, ChangeKind] = {k.id: k for k in _CATALOG}
