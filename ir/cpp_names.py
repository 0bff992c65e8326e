"""The grammar of the C++ names an IR document may hold: identifiers (any Unicode C++ allows),
template-ids, and every kind of operator name (literal, allocation and conversion operators
included). `canopy validate` and `numbast emit` both reject what it rejects; what it accepts
but the bindings cannot spell is skipped by emit with a reason, never an error."""

from __future__ import annotations

import re

# Operators Python has a counterpart for (or C++ calls through one).
OPERATOR = re.compile(
    r"operator\s*(\+|-|\*|/|%|\^|&|\||~|!|=|<|>|\+=|-=|\*=|/=|%=|\^=|&=|"
    r"\|=|<<|>>|>>=|<<=|==|!=|<=|>=|<=>|&&|\|\||\+\+|--|,|->\*|->|\(\)|\[\])\Z"
)
# Operator names C++ has that no Python call spells.
_OTHER_OPERATOR = re.compile(
    r'operator\s*(""\s*[A-Za-z_][A-Za-z0-9_]*'  # literal operators: operator""_km
    r"|(new|delete)(\s*\[\s*\])?|co_await)\Z"
)
# `operator T` (conversion functions): a type spelling of names, template arguments, pointers,
# references, arrays and qualifiers (clang spells dependent ones `type-parameter-0-0`). No
# quote, semicolon, brace, slash or backslash.
_CONVERSION = re.compile(r"operator\s+[A-Za-z_][A-Za-z0-9_:<>,*&() \[\].-]*\Z")
# Tokens of a template argument list: names, integer literals, and the punctuation of types and
# constant expressions. No `;`, braces, quotes, `#`, `/` or backslash: nothing that ends a
# statement, opens a comment or a string, or continues a line.
_ARG_TOKEN = re.compile(r"\s+|[A-Za-z_][A-Za-z0-9_]*|[0-9]+[uUlL]*|::|[<>,*&()\[\]+\-.]")
_IDENT_START = re.compile(r"[^\W\d]\w*", re.UNICODE)


def template_args(text: str) -> bool:
    """`<...>` with balanced brackets (parentheses only inside it) and only argument tokens."""
    depth, parens, pos = 0, 0, 0
    while pos < len(text):
        m = _ARG_TOKEN.match(text, pos)
        if m is None:
            return False
        tok = m.group()
        pos = m.end()
        if tok == "<":
            depth += 1
        elif tok == ">":
            depth -= 1
            if depth < 0 or (depth == 0 and pos != len(text)):
                return False
        elif tok in "()":
            parens += 1 if tok == "(" else -1
            if parens < 0:
                return False
        elif depth == 0:
            return False
    return depth == 0 and parens == 0


def split_qualified(name: str) -> list[str]:
    """Components of `a::b<c::d>::e`, splitting only at `::` outside template arguments."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(name):
        ch = name[i]
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth -= 1
        elif depth == 0 and name.startswith("::", i):
            parts.append(name[start:i])
            i += 2
            start = i
            continue
        i += 1
    parts.append(name[start:])
    return parts


def is_operator_name(name: str) -> bool:
    """Any operator name C++ allows (the last component of a qualified name)."""
    return bool(OPERATOR.match(name) or _OTHER_OPERATOR.match(name) or _CONVERSION.match(name))


def is_identifier(name: str) -> bool:
    """A C++ identifier (C++ allows letters outside ASCII)."""
    return name.isidentifier()


def is_name(name: str, last: bool = True) -> bool:
    """`name`, `name<args>`, or (as the last component) an operator name."""
    if last and is_operator_name(name):
        return True
    m = _IDENT_START.match(name)
    if m is None:
        return False
    rest = name[m.end() :]
    return not rest or (rest.startswith("<") and template_args(rest))


def is_qualified(name: str) -> bool:
    """A qualified C++ name whose components may carry template arguments."""
    parts = split_qualified(name.removeprefix("::"))
    return bool(parts) and all(is_name(p, last=(k == len(parts) - 1)) for k, p in enumerate(parts))
