"""clang's cursor kinds as the walk groups them, built when the first walk starts (importing
the frontend loads no libclang: a dump answered from the cache needs none)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from ..libclang import cindex

ATTRIBUTE = re.compile(r"__attribute__\(\((\w+)")
OPERATOR = re.compile(r"^operator\s*(?![A-Za-z_])(.+)$")


@dataclass(frozen=True)
class Kinds:
    """The `clang.cindex` module and the kind tables of the walk."""

    ci: Any
    CK: Any
    record_tags: dict  # STRUCT_DECL -> "struct", CLASS_DECL -> "class", UNION_DECL -> "union"
    template_records: frozenset  # class templates and their partial specializations
    scopes: frozenset  # namespace, extern "C", unexposed: walked through, never declared
    scope_ids: frozenset[int]
    macro_id: int
    named_type_ids: frozenset[int]  # records and enums: the cursors that can be anonymous
    member_functions: frozenset
    access: dict  # AccessSpecifier -> "public" / "protected" / "private"
    noexcept: frozenset
    exec_attrs: frozenset


@cache
def kinds() -> Kinds:
    ci = cindex()
    CK = ci.CursorKind
    records = {CK.STRUCT_DECL: "struct", CK.CLASS_DECL: "class", CK.UNION_DECL: "union"}
    scopes = frozenset({CK.NAMESPACE, CK.LINKAGE_SPEC, CK.UNEXPOSED_DECL})
    ESK = ci.ExceptionSpecificationKind
    return Kinds(
        ci=ci,
        CK=CK,
        record_tags=records,
        template_records=frozenset({CK.CLASS_TEMPLATE, CK.CLASS_TEMPLATE_PARTIAL_SPECIALIZATION}),
        scopes=scopes,
        scope_ids=frozenset(k.value for k in scopes),
        macro_id=CK.MACRO_DEFINITION.value,
        named_type_ids=frozenset(k.value for k in (*records, CK.ENUM_DECL)),
        member_functions=frozenset(
            {CK.CONSTRUCTOR, CK.DESTRUCTOR, CK.CXX_METHOD, CK.CONVERSION_FUNCTION}
        ),
        access={
            ci.AccessSpecifier.PUBLIC: "public",
            ci.AccessSpecifier.PROTECTED: "protected",
            ci.AccessSpecifier.PRIVATE: "private",
        },
        noexcept=frozenset({ESK.BASIC_NOEXCEPT, ESK.DYNAMIC_NONE, ESK.NOTHROW}),
        exec_attrs=frozenset({CK.CUDAHOST_ATTR, CK.CUDADEVICE_ATTR, CK.CUDAGLOBAL_ATTR}),
    )
