"""Emit's verification verdicts kept in the user cache: whether each shim compiled and linked
for an arch (or the compiler's first line), so a repeat emit, or one after a declaration
changed, compiles only the shims it has not judged.

A verdict holds for one shim's source under one context: the prelude (the headers by path
and their size and modification time, every file under the user's include folders too), the
arch, the module's NVRTC options, its implementation files, and the toolchain (NVRTC,
numba-cuda). A context is one JSON file, `<cache>/verdicts/<context key>.json`, mapping the
sha256 of each shim's source to "" (it compiles and links) or its error; it is replaced
atomically, and a damaged file is an empty one.
"""

from __future__ import annotations

import hashlib
import json
import os

from .runtime.environment import (
    cache_dir,
    folder_stamps,
    include_stamps,
    numba_cuda_version,
    write_cache_file,
)

FORMAT = 1


class Verdicts:
    """The verdicts of one verification context."""

    def __init__(self, prelude: str, arch: str, options, user_folders, implementation):
        from .runtime.compiler import nvrtc_version

        parts = [
            f"format={FORMAT}",
            prelude,
            arch,
            *options,
            str(nvrtc_version()),
            numba_cuda_version(),
            *include_stamps(prelude),
            *folder_stamps(user_folders),
            *(_stamp(p) for p in implementation),
        ]
        key = hashlib.sha256("\n".join(parts).encode()).hexdigest()
        self.path = os.path.join(cache_dir(), "verdicts", key + ".json")
        self.known = self._read()
        self.fresh: dict[str, str] = {}

    def _read(self) -> dict[str, str]:
        try:
            with open(self.path) as fh:
                data = json.load(fh)
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict):
            return {}
        return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}

    @staticmethod
    def key(source: str) -> str:
        return hashlib.sha256(source.encode()).hexdigest()

    def get(self, source: str) -> str | None:
        """ "" when the shim compiles and links, its error when not, None when not judged."""
        return self.known.get(self.key(source))

    def put(self, source: str, verdict: str) -> None:
        self.fresh[self.key(source)] = verdict

    def save(self) -> None:
        if self.fresh:
            merged = {**self.known, **self.fresh}
            write_cache_file(self.path, json.dumps(merged, sort_keys=True).encode())


def _stamp(path: str) -> str:
    try:
        st = os.stat(path)
        return f"{path}:{st.st_size}:{st.st_mtime_ns}"
    except OSError:
        return path
