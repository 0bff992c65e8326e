"""The parse step: clang over the main file, with the cached precompiled preamble, and the
one repair nvcc's dialect needs (a trailing comma in a template argument list)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import preamble
from .errors import FrontendError
from .inputs import MAIN, SHIM_INCLUDE, ClangCommand
from .libclang import cindex, clang_version

_MAX_TRAILING_COMMA_PASSES = 4


@dataclass(frozen=True)
class Parsed:
    """A translation unit, the places where a trailing comma was read as absent, and the
    seconds the parse took."""

    tu: Any
    trailing_commas: tuple[tuple[str, int], ...]  # (file, line)
    seconds: float


def parse(command: ClangCommand, header: str) -> Parsed:
    """Parse `command`'s main file; raises FrontendError naming `header` when clang cannot."""
    ci = cindex()
    started = time.perf_counter()
    options = (
        ci.TranslationUnit.PARSE_SKIP_FUNCTION_BODIES
        | ci.TranslationUnit.PARSE_DETAILED_PROCESSING_RECORD
    )
    args = list(command.args)
    patched: dict[str, str] = {}  # file -> its text as clang is given it (see below)

    def run(extra: list[str]):
        unsaved = [(MAIN, command.main), *patched.items()]
        return ci.Index.create().parse(
            MAIN, args=args + extra, unsaved_files=unsaved, options=options
        )

    key_parts = [clang_version(), str(SHIM_INCLUDE)]
    try:
        pch = preamble.preamble_args(ci, args, options, key_parts)
        tu = run(pch)
        if pch and preamble.refused(tu):  # made stale behind our back: make it anew, once
            pch = preamble.preamble_args(ci, args, options, key_parts, rebuild=True)
            tu = run(pch)
            if pch and preamble.refused(tu):
                tu = run([])
    except ci.TranslationUnitLoadError as exc:
        raise FrontendError(f"clang could not parse {header}: {exc}") from None
    # nvcc accepts a trailing comma in a template argument list (`instruction_list<a, b, >`,
    # cuBLASDx's database), clang does not: such a comma is read as a space (columns kept)
    # and the header parsed again, with a warning saying where.
    trailing: list[tuple[str, int]] = []
    for _ in range(_MAX_TRAILING_COMMA_PASSES):
        found = _trailing_commas(tu, patched)
        if not found:
            break
        trailing += found
        tu = run(pch)
    return Parsed(tu, tuple(trailing), time.perf_counter() - started)


def _trailing_commas(tu, patched: dict[str, str]) -> list[tuple[str, int]]:
    """(file, line) of each "expected expression" error that sits on the `>` closing a
    template argument list after a comma; the comma is blanked in `patched` (the file's text
    as clang is given it)."""
    found = []
    for d in tu.diagnostics:
        if d.severity < 3 or d.spelling != "expected expression" or d.location.file is None:
            continue
        name = d.location.file.name
        text = patched.get(name)
        if text is None:
            try:
                text = Path(name).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue  # not a file we can repair: the error stands
        lines = text.split("\n")
        row, col = d.location.line - 1, d.location.column - 1
        if not (0 <= row < len(lines)) or lines[row][col : col + 1] != ">":
            continue
        # The comma before it: on this line, or the last non-blank character of one above.
        r, before = row, lines[row][:col]
        while not before.strip() and r > 0:
            r -= 1
            before = lines[r]
        stripped = before.rstrip()
        if not stripped.endswith(","):
            continue
        cut = len(stripped) - 1
        lines[r] = lines[r][:cut] + " " + lines[r][cut + 1 :]
        patched[name] = "\n".join(lines)
        found.append((name, r + 1))
    return found
