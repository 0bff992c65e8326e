"""Literal values of object-like macros, kept losslessly (`#define WARP 32` -> int "32")."""

from __future__ import annotations

import re

from numbast.ir import Constant

_INT = re.compile(r"^(0[xX][0-9a-fA-F']+|0[bB][01']+|0[0-7']*|[1-9][0-9']*)([uUlLzZ]*)$")
_FLOAT = re.compile(
    r"^((\d[\d']*\.?[\d']*|\.\d[\d']*)([eE][+-]?\d+)?|0[xX][0-9a-fA-F.']+[pP][+-]?\d+)([fFlL]|f16|bf16)?$"
)


def _int_value(text: str) -> int | None:
    m = _INT.match(text)
    if not m:
        return None
    digits = m.group(1).replace("'", "")
    if digits.lower().startswith("0x"):
        return int(digits, 16)
    if digits.lower().startswith("0b"):
        return int(digits[2:], 2)
    if len(digits) > 1 and digits.startswith("0"):
        return int(digits, 8)
    return int(digits)


def _float_value(text: str) -> float | None:
    m = _FLOAT.match(text)
    if not m or _INT.match(text):
        return None
    body = m.group(1).replace("'", "")
    try:
        return float.fromhex(body) if body.lower().startswith("0x") else float(body)
    except ValueError:
        return None


def macro_constant(tokens: list[str]) -> Constant | None:
    """The value of a macro whose expansion is one literal, maybe signed and parenthesised."""
    while len(tokens) >= 2 and tokens[0] == "(" and tokens[-1] == ")":
        tokens = tokens[1:-1]
    spelling = " ".join(tokens)
    sign = ""
    if len(tokens) == 2 and tokens[0] in "+-":
        sign, tokens = tokens[0], tokens[1:]
    if len(tokens) != 1:
        return None
    tok = tokens[0]
    if tok in ("true", "false") and not sign:
        return Constant(kind="bool", value=tok, spelling=spelling)
    if tok.startswith(("'", "u8'", "u'", "U'", "L'")) and not sign:
        return Constant(kind="char", value=tok, spelling=spelling)
    if tok.startswith(('"', 'u8"', 'u"', 'U"', 'L"')) and not sign:
        return Constant(kind="string", value=tok, spelling=spelling)
    iv = _int_value(tok)
    if iv is not None:
        return Constant(kind="int", value=str(-iv if sign == "-" else iv), spelling=spelling)
    fv = _float_value(tok)
    if fv is not None:
        return Constant(kind="float", value=repr(-fv if sign == "-" else fv), spelling=spelling)
    return None
