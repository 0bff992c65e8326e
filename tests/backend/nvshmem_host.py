"""NVSHMEM's host library for one process, one PE (`nvidia-nvshmem-cu13`), through ctypes:
what a kernel using the NVSHMEM bindings needs of the host. NVSHMEM's PMI bootstrap runs a
process started without a launcher as a singleton: PE 0 of 1."""

from __future__ import annotations

import ctypes
import os
import re
from pathlib import Path


def wheel() -> Path:
    """NVSHMEM's folder (include/, lib/): $NVSHMEM_HOME where set (an install of another
    release), else the installed wheel's."""
    if os.environ.get("NVSHMEM_HOME"):
        return Path(os.environ["NVSHMEM_HOME"])
    import nvidia.nvshmem

    return Path(next(iter(nvidia.nvshmem.__path__)))


def version() -> tuple[int, ...]:
    """NVSHMEM's version, from its headers."""
    text = next((wheel() / "include").rglob("nvshmem_version.h")).read_text()
    found = [
        re.search(rf"#define NVSHMEM(?:_VENDOR)?_{part}_VERSION (\d+)", text)
        for part in ("MAJOR", "MINOR", "PATCH")
    ]
    return tuple(int(m.group(1)) for m in found if m)


_lib: ctypes.CDLL | None = None


def _check(status: int, what: str) -> None:
    if status != 0:
        raise RuntimeError(f"{what} returned {status}")


def init() -> ctypes.CDLL:
    """NVSHMEM's host library initialised once, as nvshmem4py does it
    (`nvshmemx_hostlib_init_attr`; no attributes: the bootstrap the environment names, PMI
    by default, a singleton here)."""
    global _lib
    if _lib is not None:
        return _lib
    lib = ctypes.CDLL(str(wheel() / "lib" / "libnvshmem_host.so.3"), mode=ctypes.RTLD_GLOBAL)
    lib.nvshmemx_hostlib_init_attr.argtypes = [ctypes.c_uint, ctypes.c_void_p]
    lib.nvshmem_malloc.restype = ctypes.c_void_p
    lib.nvshmem_malloc.argtypes = [ctypes.c_size_t]
    lib.nvshmem_free.argtypes = [ctypes.c_void_p]
    lib.nvshmemx_culibrary_init.argtypes = [ctypes.c_void_p]
    _check(lib.nvshmemx_hostlib_init_attr(0, None), "nvshmemx_hostlib_init_attr")
    _lib = lib
    return lib


def culibrary_init(handle: int) -> None:
    """The bindings' module setup: NVSHMEM fills the device state of each loaded library."""
    _check(init().nvshmemx_culibrary_init(ctypes.c_void_p(handle)), "nvshmemx_culibrary_init")


def malloc(nbytes: int) -> int:
    """Symmetric memory: a device pointer, the same offset on every PE."""
    ptr = init().nvshmem_malloc(nbytes)
    if not ptr:
        raise MemoryError(f"nvshmem_malloc({nbytes}) returned NULL")
    return ptr
