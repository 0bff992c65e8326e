"""Doc comments of declarations (`/** ... */`, `/// ...`), as plain text for the IR."""

from __future__ import annotations

import re

_LINE = re.compile(r"^\s*(?:/\*\*?!?<?|\*/|\*(?!/)|///?!?<?)?\s?")


def doc_comment(cursor) -> str | None:
    """The comment clang attaches to `cursor`, without its comment markers, or None."""
    try:
        raw = cursor.raw_comment
    except UnicodeDecodeError:  # a comment in another encoding than UTF-8
        return None
    if not raw:
        return None
    if raw.endswith("*/"):
        raw = raw[:-2]
    lines = [_LINE.sub("", line, count=1).rstrip() for line in raw.splitlines()]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    text = "\n".join(lines)
    return text or None
