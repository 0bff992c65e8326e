"""The one gate between IR text and generated code: every C++ name, type spelling and argument
expression is checked against a grammar here before it reaches shim C++, and every Python name
before it reaches generated Python. Nothing else from an IR file reaches code unquoted.

The names bindings can spell are a part of those an IR may hold (`numbast.ir.cpp_names`):
a valid name outside that part is skipped by the planner, never an error."""

from __future__ import annotations

import keyword
import re

from numbast.ir import cpp_names

from .errors import EmitError

_CPP_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# Type spellings: names, template arguments, pointers, references, arrays, qualifiers.
_CPP_TYPE = re.compile(r"[A-Za-z0-9_:<>,*&()\[\] .+-]*\Z")
_CPP_EXPR = re.compile(r"[A-Za-z0-9_:<>(){}, .+-]*\Z")


def _component(part: str, last: bool) -> bool:
    """`name` or `name<args>` (an operator name only as the last component)."""
    if last and cpp_names.OPERATOR.match(part):
        return True
    m = re.match(r"[A-Za-z_][A-Za-z0-9_]*", part)
    if m is None:
        return False
    rest = part[m.end() :]
    return not rest or (rest.startswith("<") and cpp_names.template_args(rest))


def cpp_name(name: str, path: str) -> str:
    """An unqualified C++ name: identifier, template-id or operator name."""
    if _component(name, last=True):
        return name
    raise EmitError(f"not a C++ name: {name!r}", path)


def cpp_qualified(name: str, path: str) -> str:
    """A qualified C++ name; components may carry template arguments."""
    parts = cpp_names.split_qualified(name.removeprefix("::"))
    if parts and all(_component(p, last=(k == len(parts) - 1)) for k, p in enumerate(parts)):
        return name
    raise EmitError(f"not a qualified C++ name: {name!r}", path)


def cpp_identifier(name: str, path: str) -> str:
    """A plain C++ identifier (fields, template parameters, macro and #define names)."""
    if _CPP_ID.match(name):
        return name
    raise EmitError(f"not a C++ identifier: {name!r}", path)


def file_path(text: str, path: str) -> str:
    """A folder or file path that reaches C++ inside `#include "..."` and NVRTC's options:
    printable, without the quote, backslash or newline that would end or escape the string."""
    if text and text.isprintable() and not any(c in text for c in '"\\<>'):
        return text
    raise EmitError(f"not a usable path (a quote, backslash or control character): {text!r}", path)


def cpp_type(spelling: str, path: str) -> str:
    if _CPP_TYPE.match(spelling) and "//" not in spelling and "/*" not in spelling:
        return spelling
    raise EmitError(f"not a C++ type spelling: {spelling!r}", path)


def cpp_expression(text: str, path: str) -> str:
    """A C++ argument expression from the config: names, literals, calls, braces; nothing
    that could end a statement or open a comment or a string."""
    if text.strip() and _CPP_EXPR.match(text):
        return text
    raise EmitError(f"not an argument expression: {text!r}", path)


def python_name(name: str, path: str) -> str:
    if name.isidentifier() and name.isascii() and not keyword.iskeyword(name):
        return name
    raise EmitError(f"not a valid Python name: {name!r}", path)


# Names a generated module defines for itself; a binding of the same name gets a trailing `_`.
MODULE_INTERNALS = frozenset(
    {
        "_GENERATOR",
        "_RUNTIME",
        "_HEADERS",
        "_CUDA",
        "_ARCH",
        "_COMMAND",
        "_IR_DIGEST",
        "_PRELUDE",
        "_TABLES",
        "_NOT_BOUND",
        "_load_runtime",
        "_rt",
        "_t",
        "_bindings",
        "annotations",
        "__all__",
        "__name__",
        "__file__",
        "__doc__",
        "__spec__",
        "__loader__",
        "__builtins__",
        "__package__",
        "__path__",
        "__cached__",
    }
)


def python_dotted(name: str) -> bool:
    """Whether `name` is a dotted Python name (`nvshmem.bindings.cumodule_init`): what a
    config may give as a module or callable the bindings import by name (the runtime asks
    the same of a module's tables)."""
    from .runtime.environment import is_dotted

    return is_dotted(name)


def python_parameter(name: str) -> str:
    """A C++ parameter name as a Python keyword argument, or "" when Python cannot spell it
    (unnamed, a Python keyword such as `lambda`, outside ASCII): then it is positional only."""
    ok = name.isidentifier() and name.isascii() and not keyword.iskeyword(name)
    return name if ok and not name.startswith("_") else ""


def python_safe(name: str) -> str:
    """A C++ identifier that is a Python keyword (`lambda`, `None`) or a name the generated
    module uses itself (`_bindings`) gets a trailing `_`."""
    return name + "_" if keyword.iskeyword(name) or name in MODULE_INTERNALS else name
