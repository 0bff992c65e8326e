"""The shims of a module, gathered lazily into one CUDA source that numba-cuda compiles with
NVRTC at link time (LTO-IR, so each call inlines), and their declaration in LLVM IR."""

from __future__ import annotations

from llvmlite import ir as llir
from numba.cuda import cgutils
from numba.cuda.cudadrv.linkable_code import CUSource


class ShimBundle(CUSource):
    """The CUDA source of the shims used so far. numba-cuda reads `data` at link time, after
    every call has been lowered; only used shims are ever compiled."""

    def __init__(self, prelude: str, shims: dict[str, str], name: str):
        super().__init__("", name=name)
        self.prelude = prelude
        self.shims = shims
        self.used: set[str] = set()

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
        return self.source()


def declare_shim(builder, name: str, nargs: int):
    """`int name(i8 *out, i8 *a0, ...)` in the module being lowered."""
    i8p = llir.IntType(8).as_pointer()
    fnty = llir.FunctionType(llir.IntType(32), [i8p] * (nargs + 1))
    return cgutils.get_or_insert_function(builder.module, fnty, name)
