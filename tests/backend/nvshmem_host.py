"""NVSHMEM's host library for one process, one PE (`nvidia-nvshmem-cu13`), through ctypes:
what a kernel using the NVSHMEM bindings needs of the host. NVSHMEM's PMI bootstrap runs a
process started without a launcher as a singleton: PE 0 of 1."""

from __future__ import annotations

import ctypes
import os
import re
from pathlib import Path

NVSHMEM_THREAD_SERIALIZED = 2  # nvshmemx_thread_support_t, as nvshmem_init() asks for it
_PARTS = ("MAJOR", "MINOR", "PATCH")


class _Version(ctypes.Structure):  # nvshmemi_version_t
    _fields_ = [("major", ctypes.c_int), ("minor", ctypes.c_int), ("patch", ctypes.c_int)]


def wheel() -> Path:
    """NVSHMEM's folder (include/, lib/): $NVSHMEM_HOME where set (an install of another
    release), else the installed wheel's."""
    if os.environ.get("NVSHMEM_HOME"):
        return Path(os.environ["NVSHMEM_HOME"])
    import nvidia.nvshmem

    return Path(next(iter(nvidia.nvshmem.__path__)))


def version() -> tuple[int, int, int]:
    """The wheel's NVSHMEM version, from its headers (what the host library checks against)."""
    text = next((wheel() / "include").rglob("nvshmem_version.h")).read_text()
    parts = (re.search(rf"#define NVSHMEM(?:_VENDOR)?_{p}_VERSION (\d+)", text) for p in _PARTS)
    return tuple(int(m.group(1)) for m in parts)


_lib: ctypes.CDLL | None = None


def _check(status: int, what: str) -> None:
    if status != 0:
        raise RuntimeError(f"{what} returned {status}")


def init() -> ctypes.CDLL:
    """nvshmem_init() (an inline function of the header: its body, through ctypes), once."""
    global _lib
    if _lib is not None:
        return _lib
    lib = ctypes.CDLL(str(wheel() / "lib" / "libnvshmem_host.so.3"), mode=ctypes.RTLD_GLOBAL)
    lib.nvshmemi_init_thread.argtypes = [
        ctypes.c_int,
        ctypes.POINTER(ctypes.c_int),
        ctypes.c_uint,
        ctypes.c_void_p,
        _Version,
    ]
    lib.nvshmem_malloc.restype = ctypes.c_void_p
    lib.nvshmem_malloc.argtypes = [ctypes.c_size_t]
    lib.nvshmem_free.argtypes = [ctypes.c_void_p]
    provided = ctypes.c_int()
    status = lib.nvshmemi_init_thread(
        NVSHMEM_THREAD_SERIALIZED, ctypes.byref(provided), 0, None, _Version(*version())
    )
    _check(status, "nvshmemi_init_thread")
    _lib = lib
    return lib


def culibrary_init(handle: int) -> None:
    """The bindings' module setup: NVSHMEM fills the device state of each loaded library
    (through the library's module where NVSHMEM predates nvshmemx_culibrary_init)."""
    lib = init()
    if hasattr(lib, "nvshmemx_culibrary_init"):
        _check(lib.nvshmemx_culibrary_init(ctypes.c_void_p(handle)), "nvshmemx_culibrary_init")
        return
    from cuda.bindings import driver

    err, module = driver.cuLibraryGetModule(driver.CUlibrary(handle))
    _check(int(err), "cuLibraryGetModule")
    lib.nvshmemx_cumodule_init.argtypes = [ctypes.c_void_p]
    _check(lib.nvshmemx_cumodule_init(ctypes.c_void_p(int(module))), "nvshmemx_cumodule_init")


def malloc(nbytes: int) -> int:
    """Symmetric memory: a device pointer, the same offset on every PE."""
    ptr = init().nvshmem_malloc(nbytes)
    if not ptr:
        raise MemoryError(f"nvshmem_malloc({nbytes}) returned NULL")
    return ptr
