"""Writing files whole: the one atomic write of the project (the standard library only, so that
commands answering from a cache need not import the IR model)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: str | os.PathLike, data: bytes) -> None:
    """Write `data` to `path` so that readers see the old file or the whole new one, never half."""
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:  # name the file the user asked for, not our temporary one
        raise OSError(exc.errno, exc.strerror, str(target)) from None
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        if target.exists():
            os.chmod(tmp, target.stat().st_mode & 0o777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OSError(exc.errno, exc.strerror, str(target)) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def relocate(data: bytes, folder: str | os.PathLike) -> bytes:
    """An encoded IR document as it is written into `folder`: each user include root's
    absolute `dir` (as the frontend makes it, in memory) made relative to that folder, so a
    file moved together with its headers still finds them. The bytes are otherwise kept
    exactly (the standard library only: a repeat dump answered from the cache uses this)."""
    import json

    roots = json.loads(data).get("header", {}).get("include_roots", [])
    for root in roots:
        given = root.get("dir")
        if not isinstance(given, str) or not os.path.isabs(given):
            continue
        rel = Path(os.path.relpath(given, folder)).as_posix()
        for ascii_only in (False, True):
            old = b'"dir": ' + json.dumps(given, ensure_ascii=ascii_only).encode()
            if old in data:
                new = b'"dir": ' + json.dumps(rel, ensure_ascii=ascii_only).encode()
                data = data.replace(old, new, 1)
                break
    return data
