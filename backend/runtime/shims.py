"""The shims of a module, gathered lazily into one CUDA source that is compiled with NVRTC at
link time (to LTO-IR, so each call inlines; the LTO-IR is cached on disk, so a second process
does not compile the same shims again), and their declaration in LLVM IR."""

from __future__ import annotations

import hashlib
import os
import re

from llvmlite import ir as llir
from numba.cuda import cgutils
from numba.cuda.cudadrv.linkable_code import LTOIR, LinkableCode

from . import cxx
from .compiler import CompileError
from .environment import cache_dir, include_stamps, numba_cuda_version, write_cache_file


def _nvjitlink() -> bool:
    from numba.cuda.cudadrv.driver import _have_nvjitlink

    return _have_nvjitlink()


class ShimBundle(LinkableCode):
    """The CUDA source of the shims used so far. numba-cuda reads `kind` and `data` at link
    time, after every call has been lowered: LTO-IR of the used shims (compiled once per
    source, device and toolchain, then from the disk cache), or, without nvJitLink, the CUDA
    source for numba-cuda to compile."""

    def __init__(
        self,
        prelude: str,
        shims: dict[str, str],
        name: str,
        sources: tuple[str, ...] = (),
        link: tuple[str, ...] = (),
        options: tuple[str, ...] = (),
        labels: dict[str, str] | None = None,
    ):
        super().__init__(b"", name=name)
        self.prelude = prelude
        self.shims = shims
        self.labels = dict(labels or {})  # shim -> the C++ declaration it calls
        self.used: set[str] = set()
        # Shims that did not compile on this machine (its headers are not those the module
        # was made from), with the compiler's line: refused when a kernel uses them again.
        self.broken: dict[str, str] = {}
        self.cooperative: set[str] = set()  # shims whose callers need a cooperative launch
        self.options = tuple(options)  # the module's own NVRTC options
        # The library's own implementation: .cu files compiled beside the shims, and
        # LTO-IR, PTX, objects and libraries linked as they are (absolute paths).
        defines = "".join(ln + "\n" for ln in prelude.splitlines() if ln.startswith("#define "))
        self.sources = tuple(ImplementationSource(path, defines, options) for path in sources)
        self.link = tuple(link)

    def attach(self, library) -> None:
        """Link the shims, and the implementation they call, into a kernel's code library."""
        library.add_linking_file(self)
        for item in (*self.sources, *self.link):
            library.add_linking_file(item)

    def object_codes(self, cc: tuple[int, int]) -> list:
        """cuda.core ObjectCodes of the implementation, for links made without numba-cuda
        (`numbast check`, emit's verification)."""
        from cuda.core import ObjectCode

        out = [ObjectCode.from_ltoir(s.ltoir(cc), name=s.name) for s in self.sources]
        return out + [object_code(path) for path in self.link]

    @property
    def kind(self) -> str:
        return LTOIR.kind if _nvjitlink() else "cu"

    def require(self, shim: str) -> None:
        why = self.broken.get(shim)
        if why is not None:
            raise ShimCompileError(f"{self.label(shim)} does not compile on this machine: {why}")
        self.used.add(shim)

    def label(self, shim: str) -> str:
        return self.labels.get(shim) or shim

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
        try:
            return ltoir(self.source(), cc, self.options)
        except CompileError as exc:
            raise self._refused(exc) from None

    def _refused(self, exc: CompileError) -> ShimCompileError:
        """The error of a compile of the used shims that failed: the shims its errors are in
        are marked broken and left out of later kernels' links (one declaration the headers
        here lack does not stop the module's others), and the message names them."""
        from .compiler import first_error
        from .environment import cuda_toolkit_version

        chosen = sorted(self.used)
        starts, line = [], self.prelude.count("\n") + 2
        for name in chosen:
            starts.append((line, name))
            line += self.shims[name].count("\n") + 1
        found: dict[str, str] = {}
        for m in _ERROR_LINE.finditer(str(exc)):
            owner = [name for first, name in starts if first <= int(m[1])]
            if owner:
                found.setdefault(owner[-1], m[0].strip())
        here = cuda_toolkit_version()
        where = f"this machine's CUDA {here} headers" if here else "this machine's headers"
        if not found:  # the headers themselves
            return ShimCompileError(
                f"{self.name}: the module's headers do not compile with {where}: {first_error(exc)}"
            )
        self.broken.update(found)
        self.used -= set(found)
        name, why = next(iter(found.items()))
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        return ShimCompileError(
            f"{self.label(name)}{more} does not compile with {where}, which differ from those "
            f"the bindings were made from (emit them again here): {why}"
        )


_ERROR_LINE = re.compile(r"^numbast_shims\.cu\((\d+)\): (?:catastrophic )?error.*$", re.M)


class ShimCompileError(CompileError):
    """Shims a kernel uses did not compile on this machine; one line naming them."""


def ltoir(source: str, cc: tuple[int, int], options=()) -> bytes:
    """NVRTC's LTO-IR of `source` for `cc` (with a module's `options`), from the disk cache
    when it holds it."""
    path = os.path.join(cache_dir(), "shims", _key(source, cc, options) + ".ltoir")
    try:
        with open(path, "rb") as fh:
            data = fh.read()
        if data:
            return data
    except OSError:
        pass
    from .compiler import compile_ltoir

    data, _ = compile_ltoir(source, cc, (), options)
    write_cache_file(path, data)
    return data


def _key(source: str, cc, options=()) -> str:
    """The source, the device, the toolchain and the headers it includes (size and mtime)."""
    try:
        from cuda.bindings import nvrtc as _bindings

        toolchain = str(_bindings.nvrtcVersion())
    except Exception:  # the version is only part of a cache key
        toolchain = "?"
    text = "\n".join(
        [source, f"cc={cc}", toolchain, numba_cuda_version(), *options, *include_stamps(source)]
    )
    return hashlib.sha256(text.encode()).hexdigest()


def declare_shim(builder, name: str, nargs: int):
    """`int name(i8 *out, i8 *a0, ...)` in the module being lowered."""
    i8p = llir.IntType(8).as_pointer()
    fnty = llir.FunctionType(llir.IntType(32), [i8p] * (nargs + 1))
    return cgutils.get_or_insert_function(builder.module, fnty, name)


class ImplementationSource(LinkableCode):
    """A .cu file of the library, compiled with the shims' options to LTO-IR (once per
    process and device: the headers it includes are not tracked, so it is never taken from
    the disk cache). Included by absolute path, so its own `#include "..."`s resolve
    beside it."""

    def __init__(self, path: str, defines: str = "", options=()):
        super().__init__(b"", name=os.path.basename(path))
        self.path = path
        self.options = tuple(options)
        self.text = defines + f'#include "{path}"\n'
        self._compiled: dict[tuple[int, int], bytes] = {}

    @property
    def kind(self) -> str:
        return LTOIR.kind if _nvjitlink() else "cu"

    def ltoir(self, cc: tuple[int, int]) -> bytes:
        found = self._compiled.get(tuple(cc))
        if found is None:
            from .compiler import compile_ltoir

            found = compile_ltoir(self.text, tuple(cc), (), self.options)[0]
            self._compiled[tuple(cc)] = found
        return found

    @property
    def data(self):
        if not _nvjitlink():
            return self.text
        from numba import cuda

        return self.ltoir(cuda.current_context().device.compute_capability)


def object_code(path: str):
    """A cuda.core ObjectCode of a linkable file, by its suffix."""
    from cuda.core import ObjectCode

    make = getattr(ObjectCode, cxx.LINKABLE_SUFFIXES[os.path.splitext(path)[1]])
    with open(path, "rb") as fh:
        return make(fh.read(), name=os.path.basename(path))
