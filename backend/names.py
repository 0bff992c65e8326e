"""Identifier checks: nothing from an api.json reaches generated code unless it is a valid
C++ name, type spelling, or Python identifier."""

from __future__ import annotations

import keyword
import re

from .errors import EmitError

_CPP_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CPP_QUALIFIED = re.compile(r"^(::)?[A-Za-z_][A-Za-z0-9_]*(::[A-Za-z_][A-Za-z0-9_]*)*$")
# Type spellings: names, template arguments, pointers, references, arrays, qualifiers.
_CPP_TYPE = re.compile(r"^[A-Za-z0-9_:<>,*&()\[\] .+-]*$")
_OPERATOR = re.compile(
    r"^operator\s*(\+|-|\*|/|%|\^|&|\||~|!|=|<|>|\+=|-=|\*=|/=|%=|\^=|&=|"
    r"\|=|<<|>>|>>=|<<=|==|!=|<=|>=|<=>|&&|\|\||\+\+|--|,|->\*|->|\(\)|\[\])$"
)


def cpp_name(name: str, path: str) -> str:
    if _CPP_ID.match(name) or _OPERATOR.match(name):
        return name
    raise EmitError(f"not a C++ identifier: {name!r}", path)


def cpp_qualified(name: str, path: str) -> str:
    last = name.rsplit("::", 1)[-1]
    head = name[: -len(last)].rstrip(":")
    if (not head or _CPP_QUALIFIED.match(head)) and (_CPP_ID.match(last) or _OPERATOR.match(last)):
        return name
    raise EmitError(f"not a qualified C++ name: {name!r}", path)


def cpp_type(spelling: str, path: str) -> str:
    if _CPP_TYPE.match(spelling) and "//" not in spelling and "/*" not in spelling:
        return spelling
    raise EmitError(f"not a C++ type spelling: {spelling!r}", path)


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


def python_safe(name: str) -> str:
    """A C++ identifier that is a Python keyword (`lambda`, `None`) or a name the generated
    module uses itself (`_bindings`) gets a trailing `_`."""
    return name + "_" if keyword.iskeyword(name) or name in MODULE_INTERNALS else name


_CPP_EXPR = re.compile(r"^[A-Za-z0-9_:<>(){}, .+-]*$")


def cpp_expression(text: str, path: str) -> str:
    """A C++ argument expression from the config: names, literals, calls, braces; nothing
    that could end a statement or open a comment or a string."""
    if text.strip() and _CPP_EXPR.match(text):
        return text
    raise EmitError(f"not an argument expression: {text!r}", path)
