"""`__CUDA_ARCH__` guards around declarations, from the preprocessor structure of a file.

clang only shows the branch taken for the target arch; a reviewer also wants to know that a
declaration exists *only* under `#if __CUDA_ARCH__ >= 800`. This scans the conditional blocks
of a header's text (line continuations and comments handled) and answers, for a line, the
conjunction of the enclosing branch conditions that mention `__CUDA_ARCH__`.
"""

from __future__ import annotations

import bisect
import re

_DIRECTIVE = re.compile(r"^\s*#\s*(if|ifdef|ifndef|elif|elifdef|elifndef|else|endif)\b(.*)$")
_COMMENT = re.compile(r"/\*.*?\*/|//.*$")
_SPACE = re.compile(r"\s+")


def _condition(kind: str, rest: str) -> str:
    text = _SPACE.sub(" ", _COMMENT.sub(" ", rest)).strip()
    if kind in ("ifdef", "elifdef"):
        return f"defined({text})"
    if kind in ("ifndef", "elifndef"):
        return f"!defined({text})"
    return text


def _negate(cond: str) -> str:
    return f"!({cond})"


class ArchGuards:
    """Intervals of lines under a `__CUDA_ARCH__` condition, for one file's text."""

    def __init__(self, text: str):
        self._intervals: list[tuple[int, int, str]] = []  # (first, last, condition)
        stack: list[dict] = []
        lines = text.splitlines()
        i = 0
        while i < len(lines):
            start = i
            line = lines[i]
            while line.endswith("\\") and i + 1 < len(lines):
                i += 1
                line = line[:-1] + " " + lines[i]
            i += 1
            m = _DIRECTIVE.match(line)
            if not m:
                continue
            kind, rest = m.group(1), m.group(2)
            lineno = start + 1
            if kind in ("if", "ifdef", "ifndef"):
                cond = _condition(kind, rest)
                stack.append({"prior": [], "cond": cond, "start": lineno + 1})
            elif not stack:
                continue  # unbalanced: ignore rather than fail a dump over it
            elif kind in ("elif", "elifdef", "elifndef", "else"):
                frame = stack[-1]
                self._close(frame, lineno - 1)
                frame["prior"].append(frame["cond"])
                frame["cond"] = None if kind == "else" else _condition(kind, rest)
                frame["start"] = lineno + 1
            else:  # endif
                self._close(stack.pop(), lineno - 1)
        self._intervals.sort()
        self._starts = [iv[0] for iv in self._intervals]

    def _close(self, frame: dict, last: int) -> None:
        parts = [_negate(p) for p in frame["prior"]]
        if frame["cond"] is not None:
            parts.append(frame["cond"] if not parts else f"({frame['cond']})")
        effective = " && ".join(parts)
        if "__CUDA_ARCH__" in effective and last >= frame["start"]:
            self._intervals.append((frame["start"], last, effective))

    def at(self, line: int) -> str | None:
        """The `__CUDA_ARCH__` conditions enclosing `line`, outermost first, or None."""
        hi = bisect.bisect_right(self._starts, line)
        conds = [c for first, last, c in self._intervals[:hi] if first <= line <= last]
        if not conds:
            return None
        return " && ".join(f"({c})" if len(conds) > 1 else c for c in conds)
