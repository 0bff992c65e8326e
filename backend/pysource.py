"""Python source from data: the one way text from an IR file or config reaches generated
Python. Strings are always quoted here (never pasted), and table objects become constructor
calls laid out the way `ruff format` lays them out, so generated modules are ruff-clean."""

from __future__ import annotations

import re

from .runtime import tables as T

WIDTH = 88  # ruff's default line length, where generated modules usually land
_TYPE_NAMES = {
    name for name, cls in vars(T).items() if isinstance(cls, type) and issubclass(cls, T.Row)
}
_NONE = object()


def quote(text: str) -> str:
    """A Python string literal for any text: printable ASCII as itself, every other character
    (backslashes, newlines, NUL, non-ASCII) as an escape; in the quotes that need fewer
    escapes, double on a tie, as ruff chooses them."""
    q = "'" if text.count('"') > text.count("'") else '"'
    out = text.translate(_ESCAPES[q])
    if not text.isascii():
        out = _WIDE.sub(_wide_escape, out)
    return q + out + q


# Escapes of the characters below 0x100 that are not printable ASCII, the backslash and the
# quote; wider characters as \u or \U.
_BYTE_ESCAPES = {o: f"\\x{o:02x}" for o in [*range(0x20), *range(0x7F, 0x100)]}
_BYTE_ESCAPES.update({ord("\n"): "\\n", ord("\t"): "\\t", ord("\\"): "\\\\"})
_ESCAPES = {q: {**_BYTE_ESCAPES, ord(q): "\\" + q} for q in "\"'"}
_WIDE = re.compile(r"[^\x00-\xff]")


def _wide_escape(m: re.Match) -> str:
    o = ord(m.group())
    return f"\\u{o:04x}" if o <= 0xFFFF else f"\\U{o:08x}"


def literal(value, indent: int = 0, prefix: str = "", suffix: str = "", ns: str = "_t.") -> str:
    """`prefix + value + suffix` as source lines at `indent`: on one line when it fits, else
    split at the outermost brackets, one item a line, with trailing commas."""
    flat = prefix + _flat(value, ns) + suffix
    if indent + len(flat) <= WIDTH or not _splittable(value):
        return " " * indent + flat
    opening, items, closing = _parts(value, ns)
    lines = [" " * indent + prefix + opening]
    for key, item in items:
        lines.append(literal(item, indent + 4, f"{key}=" if key else "", ",", ns))
    lines.append(" " * indent + closing + suffix)
    return "\n".join(lines)


def _splittable(value) -> bool:
    if isinstance(value, T.Row):
        return bool(value.FIELDS)
    return isinstance(value, (tuple, list, dict)) and len(value) > 0


def _fields(value) -> list[tuple[str, object]]:
    """A table object's fields, leaving out those equal to their default."""
    out = []
    for name in value.FIELDS:
        v = getattr(value, name)
        default = value.DEFAULTS.get(name, _NONE)
        if default is not _NONE and v == default and type(v) is type(default):
            continue
        out.append((name, v))
    return out


def _parts(value, ns: str):
    if isinstance(value, T.Row):
        name = type(value).__name__
        if name not in _TYPE_NAMES:
            raise TypeError(f"not a table type: {name}")
        return f"{ns}{name}(", _fields(value), ")"
    if isinstance(value, tuple):
        return "(", [("", v) for v in value], ")"
    if isinstance(value, list):
        return "[", [("", v) for v in value], "]"
    raise TypeError(f"cannot split {type(value).__name__}")


def _flat(value, ns: str) -> str:
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        text = repr(float(value))
        return text if text not in ("inf", "-inf", "nan") else f'float("{text}")'
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, tuple):
        inner = ", ".join(_flat(v, ns) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, list):
        return "[" + ", ".join(_flat(v, ns) for v in value) + "]"
    if isinstance(value, T.Scalar) and value.name in T.S.NAMES:
        return f"{ns}S.{value.name}"
    if isinstance(value, T.Row):
        opening, items, closing = _parts(value, ns)
        # Types read best positionally (`Scalar("int32")`); everything else by keyword.
        positional = isinstance(value, T.Type)
        inner = ", ".join(_flat(v, ns) if positional else f"{k}={_flat(v, ns)}" for k, v in items)
        return opening + inner + closing
    raise TypeError(f"cannot write {type(value).__name__} into generated code")
