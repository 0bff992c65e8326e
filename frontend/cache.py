"""The dump's user cache: a repeat `canopy dump` whose inputs are unchanged (the arguments,
and the content of every file the translation unit included) answers from disk.

Entries live in `<cache>/ir/<key>.json` (key: the arguments, clang's and our versions),
each holding the sha256 of every included file and the IR; an entry whose files changed, or
that cannot be read, is never served (a new dump replaces it). Writes are atomic renames, so
processes sharing the cache never see half an entry.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from numbast.ir import write_atomic

FORMAT = 1
MAX_ENTRIES = 200  # the oldest go first


def cache_dir() -> Path:
    """numbast's user cache: $NUMBAST_CACHE_DIR, else $XDG_CACHE_HOME/numbast. (The bindings
    runtime has the same rule in `runtime.environment.cache_dir`: it is copied beside generated
    modules and imports nothing of numbast.)"""
    given = os.environ.get("NUMBAST_CACHE_DIR")
    if given:
        return Path(given)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "numbast"


_CODE: str | None = None


def _code_digest() -> str:
    """A digest of the code that makes the IR (the frontend and the IR model): an entry made
    by other code is never served, whatever the version number says."""
    global _CODE
    if _CODE is None:
        here = Path(__file__).resolve().parent
        h = hashlib.sha256()
        for path in sorted([*here.glob("*.py"), *(here.parent / "ir").glob("*.py")]):
            h.update(path.name.encode() + b"\0" + path.read_bytes())
        _CODE = h.hexdigest()
    return _CODE


def key_of(parts: list[str]) -> str:
    text = "\n".join([f"format {FORMAT}", _code_digest(), *parts])
    return hashlib.sha256(text.encode()).hexdigest()


def _entry(key: str) -> Path:
    return cache_dir() / "ir" / f"{key}.json"


def _digest(path: str) -> str | None:
    try:
        with open(path, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()
    except OSError:
        return None


def lookup(key: str) -> bytes | None:
    """The cached IR for `key`, if every file it was made from is unchanged."""
    try:
        entry = json.loads(_entry(key).read_text())
        files, data = entry["files"], entry["ir"]
        if entry.get("format") != FORMAT or not isinstance(files, dict) or not files:
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None  # missing or corrupt: parse again (and replace it)
    for path, digest in files.items():
        if _digest(path) != digest:
            return None
    os.utime(_entry(key))  # recently used: pruned last
    return data.encode() if isinstance(data, str) else None


def store(key: str, files: list[str], data: bytes) -> None:
    """Remember an IR and the files it came from (a cache failure is never an error)."""
    digests = {}
    for path in sorted(set(files)):
        digest = _digest(path)
        if digest is None:
            return
        digests[path] = digest
    entry = {"format": FORMAT, "files": digests, "ir": data.decode()}
    target = _entry(key)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, json.dumps(entry).encode())
        _prune(target.parent)
    except OSError:
        pass


def _prune(folder: Path) -> None:
    entries = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime)
    for old in entries[: max(0, len(entries) - MAX_ENTRIES)]:
        old.unlink(missing_ok=True)
