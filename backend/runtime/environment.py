"""Where bindings run: the numba-cuda version check, include folders, the cache folder."""

from __future__ import annotations

import os
import re

SUPPORTED_NUMBA_CUDA = ((0, 30), (0, 99))  # [lowest, highest] (major, minor) tested


def numba_cuda_version() -> str:
    """numba-cuda's version, without importing it when it is not loaded yet (emit answered
    from its caches needs no Numba)."""
    import sys

    loaded = sys.modules.get("numba.cuda")
    found = getattr(loaded, "__version__", None)
    if found:
        return found
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("numba-cuda")
    except PackageNotFoundError:
        return "0.0"


def check_numba_cuda(version: str, module: str) -> None:
    """Fail with a clear message on a numba-cuda these bindings were not made for."""
    nums = tuple(int(p) for p in re.findall(r"\d+", version)[:2])
    low, high = SUPPORTED_NUMBA_CUDA
    if not (low <= nums <= high):
        raise ImportError(
            f"{module}: generated for numba-cuda {low[0]}.{low[1]}-{high[0]}.{high[1]}, "
            f"found {version}; regenerate the bindings with `numbast emit`"
        )


def cache_dir() -> str:
    """The user cache folder of numbast: $NUMBAST_CACHE_DIR, else XDG's."""
    given = os.environ.get("NUMBAST_CACHE_DIR")
    if given:
        return given
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "numbast")


def include_dirs_near(module_file: str | None, relative) -> list[str]:
    """The module's include folders (relative to its file) and $NUMBAST_INCLUDE_PATH."""
    env = [p for p in os.environ.get("NUMBAST_INCLUDE_PATH", "").split(os.pathsep) if p]
    if module_file is None:
        return [os.path.abspath(r) for r in relative] + env
    here = os.path.dirname(os.path.abspath(module_file))
    return [os.path.normpath(os.path.join(here, r)) for r in relative] + env


def files_near(module_file: str | None, paths) -> tuple[str, ...]:
    """A module's files (relative to its file, or absolute) as absolute paths."""
    if module_file is None:
        return tuple(os.path.abspath(p) for p in paths)
    here = os.path.dirname(os.path.abspath(module_file))
    return tuple(os.path.normpath(os.path.join(here, p)) for p in paths)


EXTRA_INCLUDE_DIRS: list[str] = []  # the modules' include folders, searched by our compiles


def add_include_dirs(dirs: list[str], numba: bool = True) -> None:
    """Make `#include`s of the shims resolvable: our compiles search these folders too, and
    with `numba`, numba-cuda's (which a launch without nvJitLink compiles the shims with;
    emit's verification never imports numba-cuda: a second of a cold emit)."""
    for d in dirs:
        if d and d not in EXTRA_INCLUDE_DIRS:
            EXTRA_INCLUDE_DIRS.append(d)
    if not numba:
        return
    from numba import cuda

    cfg = cuda.config
    have = [p for p in (cfg.CUDA_NVRTC_EXTRA_SEARCH_PATHS or "").split(":") if p]
    for d in dirs:
        if d and d not in have:
            have.append(d)
    cfg.CUDA_NVRTC_EXTRA_SEARCH_PATHS = ":".join(have)


def cuda_include_dirs() -> list[str]:
    """The CUDA toolkit's include folders on this machine (pip wheels or CUDA_HOME)."""
    try:
        from cuda import pathfinder
    except ImportError:
        return []
    found = []
    for lib in ("cudart", "cccl"):
        try:
            hit = pathfinder.locate_nvidia_header_directory(lib)
        except Exception:  # a broken install is reported by NVRTC, with the header's name
            hit = None
        if hit is not None:
            found.append(hit.abs_path)
    return found


def cuda_toolkit_version() -> str:
    """The version of the CUDA headers the shims compile with here ("13.0"), or ""."""
    for folder in cuda_include_dirs():
        try:
            with open(os.path.join(folder, "cuda_runtime_api.h"), encoding="utf-8") as fh:
                m = re.search(r"^#define CUDART_VERSION\s+(\d+)", fh.read(), re.M)
        except OSError:
            continue
        if m:
            return f"{int(m[1]) // 1000}.{int(m[1]) % 1000 // 10}"
    return ""


_INCLUDE = re.compile(r"^#include <([^>]+)>$", re.M)


def resolve_includes(prelude: str, dirs: list[str]) -> str:
    """Point `#include <h>` at the first of `dirs` holding h, resolved on this machine at
    import: NVRTC would otherwise prefer the older copies of some CUDA headers that numba-cuda
    ships, which can lack what the bindings were generated from. Unfound names stay as they
    are, for NVRTC's own search."""

    def pick(m: re.Match) -> str:
        for d in dirs:
            path = os.path.join(d, m.group(1))
            if os.path.isfile(path):
                return f'#include "{path}"'
        return m.group(0)

    return _INCLUDE.sub(pick, prelude)


def compile_prelude(prelude: str, user_dirs: list[str]) -> str:
    """The prelude every compile of a module starts with: its #includes pointed at this
    machine's headers, a stamp of those headers and of the files under the user's include
    folders, and the runtime's device helpers. The stamp keeps NVRTC's precompiled headers
    of this process from serving a header edited since (it tells by the source, not by the
    files)."""
    import hashlib

    from . import cxx

    resolved = resolve_includes(prelude, list(user_dirs) + cuda_include_dirs())
    stamps = [*include_stamps(resolved), *folder_stamps(user_dirs)]
    digest = hashlib.sha256("\n".join(stamps).encode()).hexdigest()[:16]
    return cxx.with_helpers(f"#define NUMBAST_HEADERS_STAMP 0x{digest}ULL\n" + resolved)


_MAX_STAMPED = 5000  # files stamped under the user's include folders


# What a header can include: C++ header and source suffixes, and none (`cuda/std/complex`).
# Modules, caches and outputs written beside the headers (a bindings module emitted into
# the config's folder) must not change the stamp.
_NOT_HEADERS = frozenset({"__pycache__", "_numbast_runtime"})  # folders, the runtime's copy
_HEADER_SUFFIXES = frozenset(
    {"", ".h", ".hh", ".hpp", ".hxx", ".cuh", ".inl", ".ipp", ".tcc", ".tpp", ".inc", ".cu"}
)


def folder_stamps(folders) -> list[str]:
    """`path:size:mtime` of the header files under the user's include folders (the headers a
    prelude includes may include them), the first _MAX_STAMPED of them."""
    out: list[str] = []
    for folder in folders:
        for root, dirs, files in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _NOT_HEADERS)
            for name in sorted(files):
                if os.path.splitext(name)[1].lower() not in _HEADER_SUFFIXES:
                    continue
                path = os.path.join(root, name)
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                out.append(f"{path}:{st.st_size}:{st.st_mtime_ns}")
                if len(out) >= _MAX_STAMPED:
                    return out
    return out


def include_stamps(source: str) -> list[str]:
    """`path:size:mtime` of each header a prelude includes by absolute path: part of the keys
    of on-disk caches, so an updated header is never answered from an old entry."""
    stamps = []
    for path in re.findall(r'^#include "([^"]+)"$', source, re.M):
        try:
            st = os.stat(path)
            stamps.append(f"{path}:{st.st_size}:{st.st_mtime_ns}")
        except OSError:
            stamps.append(path)
    return stamps


def write_cache_file(path: str, data: bytes) -> None:
    """Replace a cache file atomically (concurrent processes never read half of it); a cache
    failure is never an error."""
    import tempfile

    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError:
        pass


def is_dotted(name: str) -> bool:
    """Whether `name` is a dotted Python name (`nvshmem.bindings.cumodule_init`)."""
    import keyword

    parts = name.split(".")
    return all(p.isidentifier() and p.isascii() and not keyword.iskeyword(p) for p in parts)


def resolve_dotted(name: str):
    """The object a dotted name names: its longest importable module, then attributes."""
    import importlib

    if not is_dotted(name):
        raise ValueError(f"not a dotted Python name: {name!r}")
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(f"cannot import {name!r}")


def module_callback(name: str):
    """A numba-cuda module callback calling the named callable with the loaded module's
    handle as an int (as nvshmem4py's `cumodule_init` takes it), resolved at its first call.

    numba-cuda passes the handle itself, or (0.30 on) a `cuda.core` ObjectCode whose
    `handle` is the CUlibrary it was loaded as."""

    def callback(loaded) -> None:
        resolve_dotted(name)(int(getattr(loaded, "handle", loaded)))

    callback.__qualname__ = f"module_callback({name})"
    return callback
