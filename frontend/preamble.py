"""A precompiled CUDA preamble in the user cache.

In CUDA mode clang first reads its CUDA wrapper (`__clang_cuda_runtime_wrapper.h`, which pulls
in the toolkit's runtime headers): about 180 files, most of the parse time of a small header.
The second dump with a given set of arguments parses an empty file with them and saves the
result as a precompiled header (PCH); later dumps load it with `-include-pch` and parse only
what the requested headers add. The first parses without one (a one-off dump would pay for
the PCH without using it: a fifth of a cold dump) and leaves a `<key>.wanted` mark.

Entries live in `<cache>/preamble/<key>.pch` beside `<key>.json` (the sha256 of every file
the PCH covers, and of the PCH itself). The key is made of the arguments (arch, standard,
include folders, defines), clang's version and the frontend's code. An entry whose files
changed, or that cannot be read, is rebuilt; a PCH that clang refuses is rebuilt once, then
never used (the dump parses without it). The IR is the same with or without it.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from numbast.ir import write_atomic

from . import cache

FORMAT = 1
MAX_ENTRIES = 8  # a PCH is ~8 MB: keep the recently used few
_EMPTY = "numbast_preamble.cuh"


def _entry(key: str) -> Path:
    return cache.cache_dir() / "preamble" / key


def _valid(key: str) -> Path | None:
    base = _entry(key)
    pch = base.with_suffix(".pch")
    try:
        entry = json.loads(base.with_suffix(".json").read_text())
        files, digest = entry["files"], entry["pch"]
        if entry.get("format") != FORMAT or not isinstance(files, dict):
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    # clang reads a damaged PCH without complaint: its own digest is checked too.
    if not cache.unchanged({str(pch): digest, **files}):
        return None
    os.utime(pch)  # recently used: pruned last
    return pch


def _build(ci, key: str, args: list[str], options: int) -> Path | None:
    """Parse the preamble alone and save it as a PCH (None when clang reports an error: the
    dump then parses without a PCH and shows the error itself)."""
    try:
        tu = ci.Index.create().parse(
            _EMPTY,
            args=args,
            unsaved_files=[(_EMPTY, "\n")],
            options=options | ci.TranslationUnit.PARSE_INCOMPLETE,
        )
    except ci.TranslationUnitLoadError:
        return None
    if any(d.severity >= 3 for d in tu.diagnostics):
        return None
    files = [inc.include.name for inc in tu.get_includes()]
    digests = cache.digests_of(files)
    if digests is None:
        return None
    base = _entry(key)
    try:
        base.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=base.parent, suffix=".pch.tmp")
        os.close(fd)
        try:
            tu.save(tmp)
            pch_digest = cache.digests_of([tmp])
            os.replace(tmp, base.with_suffix(".pch"))
        except (ci.TranslationUnitSaveError, OSError):
            Path(tmp).unlink(missing_ok=True)
            return None
        if pch_digest is None:
            return None
        entry = {"format": FORMAT, "files": digests, "pch": pch_digest[tmp]}
        write_atomic(base.with_suffix(".json"), json.dumps(entry).encode())
        cache.prune_oldest(list(base.parent.glob("*.pch")), MAX_ENTRIES, ".json")
    except OSError:
        return None
    return base.with_suffix(".pch")


def preamble_args(
    ci, args: list[str], options: int, parts: list[str], rebuild: bool = False
) -> list[str]:
    """`-include-pch FILE` for a valid cached preamble of `args` (built on first use, or anew
    with `rebuild`), or nothing when no PCH can be had. `parts` are what else the key depends
    on."""
    key = cache.key_of(["preamble", str(FORMAT), *args, *parts])
    pch = None if rebuild else _valid(key)
    if pch is None and (rebuild or _wanted_before(key)):
        pch = _build(ci, key, args, options)
    return ["-include-pch", str(pch)] if pch is not None else []


def _wanted_before(key: str) -> bool:
    """Whether an earlier dump asked for this preamble (else mark that this one did)."""
    mark = _entry(key).with_suffix(".wanted")
    if mark.exists():
        return True
    try:
        mark.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(mark, b"")
        cache.prune_oldest(list(mark.parent.glob("*.wanted")), 4 * MAX_ENTRIES)
    except OSError:
        pass
    return False


def refused(tu) -> bool:
    """Whether clang refused the PCH (a fatal error: a covered file's time stamp changed, or
    the PCH was made by another clang)."""
    return any(
        d.severity >= 4
        and any(word in d.spelling for word in ("precompiled header", "PCH", "AST file"))
        for d in tu.diagnostics
    )
