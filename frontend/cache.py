"""The dump's user cache: a repeat `canopy dump` whose inputs are unchanged (the arguments,
and the content of every file the translation unit included) answers from disk.

Entries live in `<cache>/ir/<key>.json` (key: the arguments, clang's and our versions),
each holding the sha256 of every included file and the IR; an entry whose files changed, or
that cannot be read, is never served (a new dump replaces it). Writes are atomic renames, so
processes sharing the cache never see half an entry.

A second, direct way in spares a repeat dump even finding CUDA and resolving header names:
`<cache>/ir/request-<key>.json`, keyed by the dump's options, the working folder, the Python
in use and the environment variables that steer the search for CUDA, names the entry the
request was answered with, and the modification times of every folder the answer depended
on: which of the places each header name was looked for hold a file, the files sharing a
stem with each header (its companions), and the modification times of `sys.path`'s folders
(which change when a package is installed or removed). A request whose facts changed takes
the ordinary way.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol, TypeVar

from numbast import ir
from numbast.ir import write_atomic

from .paths import is_companion_name

FORMAT = 2
MAX_ENTRIES = 200  # the oldest go first


class Planned(Protocol):
    """A dump resolved far enough to be keyed: its entry's key, every place a header name
    was looked for, and the requested headers (see `remember`)."""

    @property
    def key(self) -> str: ...
    @property
    def probes(self) -> Sequence[str]: ...
    @property
    def requested(self) -> list[str]: ...


P = TypeVar("P", bound=Planned)


def through(
    options,
    plan: Callable[[], P],
    build: Callable[[P], tuple[ir.APIDocument, list[str]]],
) -> ir.APIDocument:
    """A dump through the user cache: answered by its request (nothing resolved), else by its
    entry (resolved, not parsed), else built and stored with the files it depends on. A
    damaged entry is never served: the dump is made again and replaces it."""
    if not options.use_cache:
        return build(plan())[0]
    request = request_key(options.request())
    doc = _decoded(answer(request))
    if doc is not None:
        return doc
    planned = plan()
    doc = _decoded(lookup(planned.key))
    if doc is None:
        doc, files = build(planned)
        if not store(planned.key, files, ir.dumps(doc)):
            return doc
    remember(request, planned.key, list(planned.probes), planned.requested)
    return doc


def _decoded(data: bytes | None) -> ir.APIDocument | None:
    if data is None:
        return None
    try:
        return ir.loads(data)
    except ir.IRError:
        return None  # a damaged entry: made again, and replaced


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
        for path in sorted([*here.rglob("*.py"), *(here.parent / "ir").glob("*.py")]):
            h.update(path.relative_to(here.parent).as_posix().encode() + b"\0" + path.read_bytes())
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


def unchanged(files: dict[str, str]) -> bool:
    """Whether every file still has the recorded sha256."""
    return all(_digest(path) == digest for path, digest in files.items())


def digests_of(files: list[str]) -> dict[str, str] | None:
    """The sha256 of each file (None when one cannot be read)."""
    digests = {}
    for path in sorted(set(files)):
        digest = _digest(path)
        if digest is None:
            return None
        digests[path] = digest
    return digests


def lookup(key: str) -> bytes | None:
    """The cached IR for `key`, if every file it was made from is unchanged."""
    try:
        entry = json.loads(_entry(key).read_text())
        files, data = entry["files"], entry["ir"]
        if entry.get("format") != FORMAT or not isinstance(files, dict) or not files:
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None  # missing or corrupt: parse again (and replace it)
    if not isinstance(data, str) or not unchanged(files):
        return None
    raw = data.encode()
    if hashlib.sha256(raw).hexdigest() != entry.get("ir_sha256"):
        return None  # damaged: never served
    os.utime(_entry(key))  # recently used: pruned last
    return raw


def store(key: str, files: list[str], data: bytes) -> bool:
    """Remember an IR and the files it came from (a cache failure is never an error: it
    returns False)."""
    digests = digests_of(files)
    if digests is None:
        return False
    entry = {
        "format": FORMAT,
        "files": digests,
        "ir": data.decode(),
        "ir_sha256": hashlib.sha256(data).hexdigest(),
    }
    target = _entry(key)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, json.dumps(entry).encode())
        _prune(target.parent)
    except OSError:
        return False
    return True


# Environment variables that can change where CUDA is found (cuda-pathfinder's search).
_ENVIRONMENT = ("CUDA_HOME", "CUDA_PATH", "CONDA_PREFIX", "LD_LIBRARY_PATH", "PATH")


def request_key(fields: dict[str, object]) -> str:
    """The key of a dump request: its options, where and by which Python it runs."""
    facts = {
        "options": fields,
        "cwd": os.getcwd(),
        "python": sys.executable,
        "path": sys.path,
        "environment": {name: os.environ.get(name) for name in _ENVIRONMENT},
    }
    return key_of(["request", json.dumps(facts, sort_keys=True, default=str)])


def _stamp(folder: str) -> int:
    try:
        return os.stat(folder).st_mtime_ns
    except OSError:
        return -1  # missing: it must stay missing


def _siblings(header: str) -> list[str]:
    """The files beside `header` that share its stem (its companions' candidates)."""
    folder, name = os.path.split(header)
    stem = name.split(".", 1)[0]
    try:
        return sorted(n for n in os.listdir(folder) if is_companion_name(n, stem))
    except OSError:
        return []


def _facts(paths: list[str], headers: list[str]) -> dict[str, object]:
    return {
        "paths": {p: os.path.isfile(p) for p in sorted(set(paths))},
        "siblings": {h: _siblings(h) for h in sorted(set(headers))},
        "sys_path": {p: _stamp(p) for p in sorted(set(filter(None, sys.path)))},
    }


def remember(request: str, key: str, paths: list[str], headers: list[str]) -> None:
    """Answer `request` with entry `key` while its name lookups stay as they were: which of
    `paths` (every place a header name was looked for) are files, which files share a stem
    with each of `headers`, and `sys.path`'s folders (a package installed or removed)."""
    facts = {"format": FORMAT, "entry": key, **_facts(paths, headers)}
    target = cache_dir() / "ir" / f"request-{request}.json"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, json.dumps(facts).encode())
    except OSError:
        pass


def answer(request: str) -> bytes | None:
    """The IR a repeat request was answered with, when nothing it depended on changed."""
    try:
        facts = json.loads((cache_dir() / "ir" / f"request-{request}.json").read_text())
        key = facts["entry"]
        if facts.get("format") != FORMAT or not re.fullmatch(r"[0-9a-f]{64}", key):
            return None
        now = _facts(list(facts["paths"]), list(facts["siblings"]))
        if any(now[part] != facts[part] for part in now):
            return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return lookup(key)


def _prune(folder: Path) -> None:
    for request in folder.glob("request-*.json"):  # requests whose entry is gone
        try:
            entry = json.loads(request.read_text()).get("entry", "")
        except (OSError, ValueError, AttributeError):
            entry = ""
        if not (folder / f"{entry}.json").exists():
            request.unlink(missing_ok=True)
    entries = [p for p in folder.glob("*.json") if not p.name.startswith("request-")]
    prune_oldest(entries, MAX_ENTRIES)


def prune_oldest(entries: list[Path], keep: int, companion: str | None = None) -> None:
    """Delete all but the `keep` most recently used `entries` (and each one's `companion`
    suffix file: a PCH's index)."""
    entries = sorted(entries, key=lambda p: p.stat().st_mtime)
    for old in entries[: max(0, len(entries) - keep)]:
        old.unlink(missing_ok=True)
        if companion:
            old.with_suffix(companion).unlink(missing_ok=True)
