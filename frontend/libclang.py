"""Loading libclang from the libclang-ng wheel, plus the few C entry points its bindings lack."""

from __future__ import annotations

import ctypes
from functools import cache

from .errors import FrontendError

ci = None  # clang.cindex, imported on first use (a dump answered from the cache needs none)


def cindex():
    """The configured `clang.cindex` module."""
    global ci
    if ci is None:
        try:
            import clang.cindex as module
        except ImportError:  # pragma: no cover - depends on the install
            raise FrontendError("libclang is not installed: pip install numbast") from None
        # The wheel's bundled libc++ must not mix with the libstdc++ the CUDA headers expect.
        module.Config.libcxx_dir = None
        ci = module
    return ci


# The C entry points the bindings lack: name -> (argument types, result type).
_EVAL = ctypes.c_void_p
_SIGNATURES = {
    "clang_Cursor_isInlineNamespace": ("cursor", ctypes.c_uint),
    "clang_Cursor_isMacroFunctionLike": ("cursor", ctypes.c_uint),
    "clang_Cursor_Evaluate": ("cursor", _EVAL),
    "clang_EvalResult_getKind": (_EVAL, ctypes.c_int),
    "clang_EvalResult_isUnsignedInt": (_EVAL, ctypes.c_uint),
    "clang_EvalResult_getAsUnsigned": (_EVAL, ctypes.c_ulonglong),
    "clang_EvalResult_getAsLongLong": (_EVAL, ctypes.c_longlong),
    "clang_EvalResult_getAsDouble": (_EVAL, ctypes.c_double),
    "clang_EvalResult_getAsStr": (_EVAL, ctypes.c_char_p),
    "clang_EvalResult_dispose": (_EVAL, None),
}


@cache
def _lib():
    lib = cindex().conf.lib
    lib.clang_getClangVersion.restype = ci._CXString
    lib.clang_getAllSkippedRanges.argtypes = [ci.TranslationUnit]
    lib.clang_getAllSkippedRanges.restype = ctypes.c_void_p
    lib.clang_disposeSourceRangeList.argtypes = [ctypes.c_void_p]
    lib.clang_disposeSourceRangeList.restype = None
    for name, (arg, result) in _SIGNATURES.items():
        function = getattr(lib, name)
        function.argtypes = [ci.Cursor if arg == "cursor" else arg]
        function.restype = result
    return lib


class _RangeList(ctypes.Structure):
    _fields_ = [("count", ctypes.c_uint), ("ranges", ctypes.c_void_p)]


def skipped_ranges(tu, is_retained) -> frozenset[tuple[str, int, int]]:
    """(file, first line, last line) of each range the preprocessor skipped (a branch of an
    `#if` not taken) in the files `is_retained` accepts: what differs between two parses of
    the same headers for different archs."""
    lib = _lib()
    ranges = ctypes.cast(lib.clang_getAllSkippedRanges(tu), ctypes.POINTER(_RangeList))
    if not ranges:
        return frozenset()
    names: dict[int | None, str | None] = {None: None}  # file handle -> name, if retained
    handle, line = ci.c_object_p(), ctypes.c_uint()

    def place(location) -> tuple[str | None, int]:
        lib.clang_getInstantiationLocation(
            location, ctypes.byref(handle), ctypes.byref(line), None, None
        )
        key = ctypes.cast(handle, ctypes.c_void_p).value
        if key not in names:
            name = ci.File(ctypes.cast(ctypes.c_void_p(key), ci.c_object_p)).name
            names[key] = name if is_retained(name) else None
        return names[key], line.value

    try:
        items = ctypes.cast(ranges.contents.ranges, ctypes.POINTER(ci.SourceRange))
        found = set()
        for k in range(ranges.contents.count):
            name, first = place(lib.clang_getRangeStart(items[k]))
            if name is not None:
                found.add((name, first, place(lib.clang_getRangeEnd(items[k]))[1]))
        return frozenset(found)
    finally:
        lib.clang_disposeSourceRangeList(ranges)


def clang_version() -> str:
    """`clang version 22.1.4 ...` of the loaded libclang."""
    lib = _lib()
    return ci._CXString.from_result(lib.clang_getClangVersion())


def is_inline_namespace(cursor) -> bool:
    return bool(_lib().clang_Cursor_isInlineNamespace(cursor))


def is_function_like_macro(cursor) -> bool:
    return bool(_lib().clang_Cursor_isMacroFunctionLike(cursor))


# CXEvalResultKind
_EVAL_INT, _EVAL_FLOAT, _EVAL_STR = 1, 2, 4


def evaluate(cursor) -> tuple[str, str] | None:
    """Evaluate a constant initializer: ("int", "42"), ("float", "0.5"), ("string", ...)."""
    lib = _lib()
    res = lib.clang_Cursor_Evaluate(cursor)
    if not res:
        return None
    try:
        kind = lib.clang_EvalResult_getKind(res)
        if kind == _EVAL_INT:
            if lib.clang_EvalResult_isUnsignedInt(res):
                return "int", str(lib.clang_EvalResult_getAsUnsigned(res))
            return "int", str(lib.clang_EvalResult_getAsLongLong(res))
        if kind == _EVAL_FLOAT:
            return "float", repr(lib.clang_EvalResult_getAsDouble(res))
        if kind == _EVAL_STR:
            raw = lib.clang_EvalResult_getAsStr(res)
            return "string", raw.decode("utf-8", "replace") if raw is not None else ""
        return None
    finally:
        lib.clang_EvalResult_dispose(res)


# Preprocessing entities the walk never looks at: a header's macro expansions (most of the
# top-level cursors of a CUDA translation unit) and its #include lines.
_SKIPPED_KINDS = frozenset({502, 503})  # CXCursor_MacroExpansion, CXCursor_InclusionDirective


def scope_children(cursor) -> list:
    """The children of a translation unit or namespace cursor, less macro expansions and
    #include lines. (clang.cindex's `get_children` builds and null-checks every cursor.)"""
    tu = cursor._tu
    children: list = []
    append = children.append

    def visit(child, _parent, _data) -> int:
        if child._kind_id not in _SKIPPED_KINDS:
            child._tu = tu
            append(child)
        return 1  # CXChildVisit_Continue

    cindex().conf.lib.clang_visitChildren(cursor, ci.cursor_visit_callback(visit), None)
    return children


class FileIndex:
    """Answers "is this cursor's expansion location in a retained file?" without building
    Python objects per cursor: the walk asks it for every top-level cursor of the TU."""

    def __init__(self, is_retained):
        self._is_retained = is_retained  # file name -> bool
        self._by_handle: dict[int | None, bool] = {None: False}
        self._lib = cindex().conf.lib
        self._file = ci.c_object_p()

    def file_handle(self, cursor) -> int | None:
        loc = self._lib.clang_getCursorLocation(cursor)
        self._lib.clang_getInstantiationLocation(loc, ctypes.byref(self._file), None, None, None)
        return ctypes.cast(self._file, ctypes.c_void_p).value

    def retained(self, cursor) -> bool:
        handle = self.file_handle(cursor)
        hit = self._by_handle.get(handle)
        if hit is None:
            name = ci.File(ctypes.cast(ctypes.c_void_p(handle), ci.c_object_p)).name
            hit = self._by_handle[handle] = self._is_retained(name)
        return hit


def token_spellings(cursor) -> list[str] | None:
    """The spellings of a cursor's tokens, or None when one is not UTF-8 (a string literal
    written in another encoding): libclang's bindings cannot decode it."""
    try:
        return [t.spelling for t in cursor.get_tokens()]
    except UnicodeDecodeError:
        return None
