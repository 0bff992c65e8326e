"""Size, alignment and field offsets of C++ types asked of NVRTC (no GPU, no clang), cached
in memory and on disk."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re

from .environment import (
    add_include_dirs,
    cache_dir,
    include_stamps,
    numba_cuda_version,
    write_cache_file,
)

_MEMORY: dict[tuple[str, str], tuple] = {}
_DISK: dict | None = None


def query_layout(
    prelude: str, cpp: str, field: str | None = None, include_dirs: list[str] = (), options=()
) -> tuple[int, int]:
    """(sizeof, alignof) of `cpp`, or (offsetof(cpp, field), 0), compiled after `prelude`
    with a module's NVRTC `options`."""
    key = _with_options(cpp if field is None else f"{cpp}::{field}", options)
    answer = _answer(prelude, key, include_dirs, lambda: _ask_nvrtc(prelude, cpp, field, options))
    return int(answer[0]), int(answer[1])


def query_specialization(
    prelude: str, cpp: str, include_dirs: list[str] = (), options=()
) -> tuple[int, int, str]:
    """(sizeof, alignof, C++'s own spelling) of a class template specialization spelled `cpp`
    (`Tile<16, B>` is `Tile<16u, ns::B>` to C++: one spelling, so one Numba type)."""
    key = _with_options(f"specialization|{_arch()}|{cpp}", options)
    answer = _answer(prelude, key, include_dirs, lambda: _ask_specialization(prelude, cpp, options))
    return int(answer[0]), int(answer[1]), str(answer[2])


def _ask_specialization(prelude: str, cpp: str, options=()) -> tuple[int, int, str]:
    from .compiler import compile_ltoir, demangle, device_cc

    src = (
        prelude + "\ntemplate <typename T, unsigned long long S, unsigned long long A>"
        " __global__ void numbast_specialization() {}\n"
    )
    expr = f"&numbast_specialization<{cpp}, sizeof({cpp}), alignof({cpp})>"
    _, mapping = compile_ltoir(src, device_cc(), [expr], options)
    size, align = (int(v) for v in re.findall(r"Ly(\d+)E", mapping[expr])[-2:])
    spelled = demangle(mapping[expr])
    args = spelled[spelled.index("<") + 1 : spelled.rindex(">")]
    return size, align, args.rsplit(",", 2)[0].strip()  # less the two integers


@functools.cache
def _arch() -> str:
    """Part of the key of answers that name types: C++ spells some with inline namespaces
    that change with the arch (CUB's `cub::_V_300500_SM_900::`). Asked once a process."""
    from .compiler import device_cc

    major, minor = device_cc()
    return f"sm_{major}{minor}"


def _with_options(key: str, options) -> str:
    """A query's key with the module's NVRTC options (they may change the answer)."""
    return key if not options else f"{key}|options={' '.join(options)}"


def _answer(prelude: str, key: str, include_dirs, ask) -> tuple:
    """The answer to the query `key` after `prelude`: from memory, from the disk cache, or
    from `ask()` (then remembered in both)."""
    hit = _MEMORY.get((prelude, key))
    if hit is not None:
        return hit
    disk_key = _disk_key(prelude, key)
    answer = _disk().get(disk_key)
    if answer is None:
        add_include_dirs(list(include_dirs))
        from .compiler import CompileError, first_error

        try:
            answer = ask()
        except CompileError as exc:  # C++ refuses the type: one line, at typing time
            from numba.core.errors import TypingError

            what = key.split("|options=")[0].rsplit("|", 1)[-1]
            raise TypingError(f"C++ rejects {what}: {first_error(exc)}") from None
        _store(disk_key, answer)
    hit = _MEMORY[(prelude, key)] = tuple(answer)
    return hit


def _ask_nvrtc(prelude, cpp, field, options=()) -> tuple[int, int]:
    from .compiler import compile_ltoir, device_cc

    # The answer travels in the lowered name of a kernel template instantiated with it.
    src = (
        prelude + "\ntemplate <unsigned long long S, unsigned long long A>"
        " __global__ void numbast_layout() {}\n"
    )
    expr = (
        f"&numbast_layout<sizeof({cpp}), alignof({cpp})>"
        if field is None
        else f"&numbast_layout<__builtin_offsetof({cpp}, {field}), 0>"
    )
    _, mapping = compile_ltoir(src, device_cc(), [expr], options)
    size, align = (int(v) for v in re.findall(r"Ly(\d+)E", mapping[expr])[:2])
    return size, align


def cache_file() -> str:
    return os.path.join(cache_dir(), "layouts.json")


def _disk_key(prelude: str, query: str) -> str:
    """The query, the prelude and the size and mtime of the headers it includes."""
    text = "\n".join([prelude, query, *include_stamps(prelude), numba_cuda_version()])
    return hashlib.sha256(text.encode()).hexdigest()


def _disk() -> dict:
    global _DISK
    if _DISK is None:
        try:
            with open(cache_file()) as fh:
                _DISK = json.load(fh)
        except (OSError, ValueError):
            _DISK = {}
        if not isinstance(_DISK, dict):
            _DISK = {}
    return _DISK


def _store(key: str, value) -> None:
    """Remember an answer on disk (atomically; a cache failure is never an error)."""
    cache = _disk()
    cache[key] = list(value)
    write_cache_file(cache_file(), json.dumps(cache).encode())


def forget_memory() -> None:
    """Drop the in-memory answers (the disk cache stays): for tests of the disk cache."""
    global _DISK
    _MEMORY.clear()
    _DISK = None


def query_result(
    prelude: str, call: str, nargs: int, include_dirs: list[str] = (), options=()
) -> tuple[str, str]:
    """The C++ type of `call`, an expression over `void *a0 ... a<nargs-1>` (a shim's call),
    compiled after `prelude`: ("type", spelling) or ("error", the compiler's first error)."""
    key = _with_options(f"decltype|{_arch()}|{nargs}|{call}", options)
    kind, text = _answer(
        prelude, key, include_dirs, lambda: _ask_result(prelude, call, nargs, options)
    )
    return str(kind), str(text)


def _ask_result(prelude: str, call: str, nargs: int, options=()) -> tuple[str, str]:
    from .compiler import CompileError, compile_ltoir, demangle, device_cc, first_error

    # The type travels in the lowered name of a kernel template instantiated with it.
    params = ", ".join(f"void *a{k}" for k in range(nargs))
    src = (
        f"{prelude}\n__device__ auto numbast_call({params}) -> decltype({call});\n"
        "template <typename T> __global__ void numbast_type() {}\n"
    )
    expr = f"&numbast_type<decltype(numbast_call({', '.join(['nullptr'] * nargs)}))>"
    try:
        _, mapping = compile_ltoir(src, device_cc(), [expr], options)
    except CompileError as exc:
        return "error", first_error(exc)
    spelled = demangle(mapping[expr])
    inner = spelled[spelled.index("<") + 1 : spelled.rindex(">")]
    return "type", inner.strip()
