"""clang types -> structured IR `TypeRef`s."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from numbast.ir import TypeRef

from .libclang import cindex


@dataclass(frozen=True)
class _Tables:
    TK: Any
    builtin: frozenset  # arithmetic types
    simple: dict  # TypeKind -> TypeRef kind
    no_decl: Any  # CursorKind.NO_DECL_FOUND


@cache
def _tables() -> _Tables:
    """Built on the first type converted: importing this module loads no libclang."""
    ci = cindex()
    TK = ci.TypeKind
    builtin = frozenset(
        {
            TK.BOOL,
            TK.CHAR_U,
            TK.UCHAR,
            TK.CHAR16,
            TK.CHAR32,
            TK.USHORT,
            TK.UINT,
            TK.ULONG,
            TK.ULONGLONG,
            TK.UINT128,
            TK.CHAR_S,
            TK.SCHAR,
            TK.WCHAR,
            TK.SHORT,
            TK.INT,
            TK.LONG,
            TK.LONGLONG,
            TK.INT128,
            TK.FLOAT,
            TK.DOUBLE,
            TK.LONGDOUBLE,
            TK.HALF,
            TK.FLOAT16,
            TK.FLOAT128,
            TK.BFLOAT16,
            TK.IBM128,
        }
    )
    simple = {
        TK.VOID: "void",
        TK.POINTER: "pointer",
        TK.LVALUEREFERENCE: "lvalue_reference",
        TK.RVALUEREFERENCE: "rvalue_reference",
        TK.MEMBERPOINTER: "member_pointer",
        TK.CONSTANTARRAY: "array",
        TK.INCOMPLETEARRAY: "array",
        TK.VARIABLEARRAY: "array",
        TK.DEPENDENTSIZEDARRAY: "array",
        TK.VECTOR: "vector",
        TK.EXTVECTOR: "vector",
        TK.RECORD: "record",
        TK.ENUM: "enum",
        TK.FUNCTIONPROTO: "function",
        TK.FUNCTIONNOPROTO: "function",
        TK.NULLPTR: "nullptr",
        TK.AUTO: "auto",
        TK.DEPENDENT: "dependent",
    }
    return _Tables(TK, builtin, simple, ci.CursorKind.NO_DECL_FOUND)


_ANONYMOUS = re.compile(
    r"(?:[\w:]*::)?\((?:anonymous|unnamed)(?: (?:struct|union|class|enum))? at (.+?):(\d+):(\d+)\)"
)
_TEMPLATE_PARM = re.compile(r"^(const |volatile )*type-parameter-\d+-\d+$")


def _structural(t):
    """Strip typedef / elaborated / attributed sugar down to the type that has structure."""
    TK = _tables().TK
    for _ in range(32):
        k = t.kind
        if k == TK.ELABORATED:
            t = t.get_named_type()
        elif k == TK.TYPEDEF:
            t = t.get_declaration().underlying_typedef_type
        elif k in (TK.ATTRIBUTED, TK.UNEXPOSED):
            canon = t.get_canonical()
            if canon.kind == t.kind and canon.spelling == t.spelling:
                return t
            t = canon
        else:
            return t
    return t


def _layout(value: int) -> int | None:
    return value if value >= 0 else None


class TypeMapper:
    """Builds TypeRefs. `decl_id` maps a declaration cursor to its stable id;
    `qualify` strips what ids also strip (inline namespaces) from qualified spellings."""

    def __init__(self, tu, decl_id: Callable, qualify: Callable[[str], str], relative):
        self._decl_id = decl_id
        self._qualify = qualify
        self._relative = relative  # file name -> (root, relative path)
        # (real path, line, column) of an anonymous record -> its derived qualified name
        self.anonymous: dict[tuple[str, int, int], str] = {}
        # Enums the converted types name, by id -> their defining cursor: a library's enum a
        # retained signature uses is part of its API even where its file is not retained.
        self.enums_named: dict[str, object] = {}
        self._policy = cindex().PrintingPolicy.create(tu.cursor)

    def qualified(self, t) -> str:
        try:
            return self._qualify(self.clean(t.get_fully_qualified_name(self._policy)))
        except Exception:  # libclang returns nothing useful for a few dependent types
            return self._qualify(self.clean(t.spelling))

    def clean(self, spelling: str) -> str:
        """Replace clang's `(anonymous union at /abs/file.h:3:5)` by the derived name."""
        if "(anonymous" not in spelling and "(unnamed" not in spelling:
            return spelling
        return _ANONYMOUS.sub(self._anonymous_name, spelling)

    def _anonymous_name(self, m: re.Match) -> str:
        import os

        key = (os.path.realpath(m.group(1)), int(m.group(2)), int(m.group(3)))
        name = self.anonymous.get(key)
        if name is None:
            name = f"(anonymous at {self._relative(m.group(1))[1]}:{m.group(2)}:{m.group(3)})"
        return name

    def ref(self, t) -> TypeRef:
        tables = _tables()
        TK, _SIMPLE, _BUILTIN = tables.TK, tables.simple, tables.builtin
        s = _structural(t)
        canon = t.get_canonical()
        kind = _SIMPLE.get(s.kind) or ("builtin" if s.kind in _BUILTIN else None)
        if kind is None:
            if _TEMPLATE_PARM.match(canon.spelling):
                kind = "template_parameter"
            elif canon.kind in (TK.UNEXPOSED, TK.DEPENDENT) or s.kind == TK.UNEXPOSED:
                kind = "dependent"
            else:
                kind = _SIMPLE.get(canon.kind) or ("builtin" if canon.kind in _BUILTIN else "other")
        fields: dict = {}
        dependent = kind in ("template_parameter", "dependent")
        if not dependent and kind not in ("void", "function"):
            fields["size"] = _layout(t.get_size())
            fields["align"] = _layout(t.get_align())
        if kind in ("pointer", "lvalue_reference", "rvalue_reference", "member_pointer"):
            fields["pointee"] = self.ref(s.get_pointee())
        elif kind in ("array", "vector"):
            fields["element"] = self.ref(s.element_type)
            if s.kind in (TK.CONSTANTARRAY, TK.VECTOR, TK.EXTVECTOR):
                fields["count"] = s.element_count
        elif kind == "function":
            fields["result"] = self.ref(s.get_result())
            fields["params"] = [self.ref(a) for a in s.argument_types()]
        if kind in ("record", "enum", "dependent"):
            decl = s.get_declaration()
            if decl.kind != tables.no_decl:
                fields["decl"] = self._decl_id(decl)
                if kind == "enum":
                    self.enums_named.setdefault(fields["decl"], decl)
        named = t.get_named_type() if t.kind == TK.ELABORATED else t
        if named.kind == TK.TYPEDEF:
            fields["typedef"] = self._decl_id(named.get_declaration())
        return TypeRef(
            kind=kind,
            spelling=self.clean(t.spelling),
            canonical=self.clean(canon.spelling),
            qualified=self.qualified(t),
            const=t.is_const_qualified(),
            volatile=t.is_volatile_qualified(),
            restrict=t.is_restrict_qualified(),
            **fields,
        )


def referenced_ids(t: TypeRef | None) -> Iterator[str]:
    """Every declaration id a type names, through pointers, arrays and function types."""
    while t is not None:
        if t.decl:
            yield t.decl
        if t.typedef:
            yield t.typedef
        if t.result is not None:
            yield from referenced_ids(t.result)
        for p in t.params:
            yield from referenced_ids(p)
        t = t.pointee or t.element
