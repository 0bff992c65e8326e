"""The shims of a module, gathered lazily into one CUDA source that is compiled with NVRTC at
link time (to LTO-IR, so each call inlines; the LTO-IR is cached on disk, so a second process
does not compile the same shims again), and their declaration in LLVM IR."""

from __future__ import annotations

import hashlib
import os

from llvmlite import ir as llir
from numba.cuda import cgutils
from numba.cuda.cudadrv.linkable_code import LTOIR, LinkableCode

from .environment import cache_dir, include_stamps, numba_cuda_version, write_cache_file


def _nvjitlink() -> bool:
    from numba.cuda.cudadrv.driver import _have_nvjitlink

    return _have_nvjitlink()


class ShimBundle(LinkableCode):
    """The CUDA source of the shims used so far. numba-cuda reads `kind` and `data` at link
    time, after every call has been lowered: LTO-IR of the used shims (compiled once per
    source, device and toolchain, then from the disk cache), or, without nvJitLink, the CUDA
    source for numba-cuda to compile."""

    def __init__(self, prelude: str, shims: dict[str, str], name: str):
        super().__init__(b"", name=name)
        self.prelude = prelude
        self.shims = shims
        self.used: set[str] = set()

    @property
    def kind(self) -> str:
        return LTOIR.kind if _nvjitlink() else "cu"

    def require(self, shim: str) -> None:
        self.used.add(shim)

    def add(self, name: str, text: str) -> str:
        """A shim made at typing time (a template instantiation)."""
        self.shims[name] = text
        return name

    def source(self, names=None) -> str:
        chosen = sorted(self.used if names is None else names)
        return self.prelude + "\n" + "\n".join(self.shims[n] for n in chosen)

    @property
    def data(self):
        if not _nvjitlink():
            return self.source()
        from numba import cuda

        cc = cuda.current_context().device.compute_capability
        return ltoir(self.source(), cc)


def ltoir(source: str, cc: tuple[int, int]) -> bytes:
    """NVRTC's LTO-IR of `source` for `cc`, from the disk cache when it holds it."""
    path = os.path.join(cache_dir(), "shims", _key(source, cc) + ".ltoir")
    try:
        with open(path, "rb") as fh:
            data = fh.read()
        if data:
            return data
    except OSError:
        pass
    from .compiler import compile_ltoir

    data, _ = compile_ltoir(source, cc)
    write_cache_file(path, data)
    return data


def _key(source: str, cc) -> str:
    """The source, the device, the toolchain and the headers it includes (size and mtime)."""
    try:
        from cuda.bindings import nvrtc as _bindings

        toolchain = str(_bindings.nvrtcVersion())
    except Exception:  # the version is only part of a cache key
        toolchain = "?"
    text = "\n".join([source, f"cc={cc}", toolchain, numba_cuda_version(), *include_stamps(source)])
    return hashlib.sha256(text.encode()).hexdigest()


def declare_shim(builder, name: str, nargs: int):
    """`int name(i8 *out, i8 *a0, ...)` in the module being lowered."""
    i8p = llir.IntType(8).as_pointer()
    fnty = llir.FunctionType(llir.IntType(32), [i8p] * (nargs + 1))
    return cgutils.get_or_insert_function(builder.module, fnty, name)
