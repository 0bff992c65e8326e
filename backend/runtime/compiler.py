"""Every NVRTC compile of the bindings (layout queries, shims, `--verify`, `numbast check`)
with one set of options: relocatable LTO-IR for the device's arch, C++17, the modules' include
folders and the toolkit's.

One set matters: with NVRTC's automatic precompiled headers (NVRTC 12.8 and later), the first
compile of a process saves what its `#include`s parsed, and a later compile whose source
starts with the same includes under the same options loads that instead of parsing the
headers again. A module's layout queries and its shims start with the module's prelude, so
a class template's first kernel parses CUB once, not twice. The precompiled headers live in a
folder of the process's own, removed when it exits. NUMBAST_NVRTC_PCH=0 turns them off.
"""

from __future__ import annotations

import atexit
import dataclasses
import functools
import os
import shutil
import tempfile

from .environment import EXTRA_INCLUDE_DIRS, cuda_include_dirs

PROGRAM = "numbast_shims.cu"  # the name compiler messages give the source
_PCH_DIR: str | None = None


@functools.cache
def nvrtc_version() -> tuple[int, int]:
    try:
        from cuda.bindings import nvrtc

        _, major, minor = nvrtc.nvrtcVersion()
        return (int(major), int(minor))
    except Exception:  # no NVRTC: the compile itself reports it
        return (0, 0)


@functools.cache
def supported_archs() -> tuple[int, ...]:
    """The compute capabilities NVRTC compiles for (75, 80, ...); () without NVRTC."""
    try:
        from cuda.bindings import nvrtc

        err, archs = nvrtc.nvrtcGetSupportedArchs()
        return tuple(int(a) for a in archs) if err == nvrtc.nvrtcResult.NVRTC_SUCCESS else ()
    except Exception:  # no NVRTC: nothing to say
        return ()


def _pch_dir() -> str:
    global _PCH_DIR
    if _PCH_DIR is None:
        _PCH_DIR = tempfile.mkdtemp(prefix="numbast-pch-")
        atexit.register(shutil.rmtree, _PCH_DIR, ignore_errors=True)
    return _PCH_DIR


def include_path() -> list[str]:
    """The modules' include folders (and those numba-cuda was told, when it is loaded) and
    the toolkit's."""
    import sys

    extra = list(EXTRA_INCLUDE_DIRS)
    numba_cuda = sys.modules.get("numba.cuda")
    if numba_cuda is not None:
        told = numba_cuda.config.CUDA_NVRTC_EXTRA_SEARCH_PATHS or ""
        extra += [p for p in told.split(":") if p and p not in extra]
    return [*extra, *(d for d in cuda_include_dirs() if d not in extra)]


def spelled(target: tuple) -> str:
    """NVRTC's and nvJitLink's name of a target: (9, 0) -> sm_90, (9, 0, "a") -> sm_90a."""
    return f"sm_{target[0]}{target[1]}{target[2] if len(target) > 2 else ''}"


def device_cc() -> tuple[int, int]:
    """The current device's compute capability; sm_90's where there is no GPU (layout
    queries need none, and a type's layout does not change with the arch)."""
    try:
        from numba import cuda

        return tuple(cuda.current_context().device.compute_capability)
    except Exception:  # no GPU, driver or numba-cuda: layouts do not depend on the arch
        return (9, 0)


class CompileError(RuntimeError):
    """NVRTC refused a source; the message holds its log."""


def first_error(exc: Exception) -> str:
    """The compiler's first error line (not NVRTC's "compilation log:" header)."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    # Numba's typing errors wrap ours (`TypingError: ambiguous call: ...`): that line says it.
    typing = [ln.split("TypingError: ", 1)[1] for ln in lines if "TypingError: " in ln]
    if typing:
        return typing[0][:300]
    compiler = [ln for ln in lines if "error:" in ln or "error :" in ln or "fatal" in ln]
    errs = [ln for ln in lines if "error" in ln.lower()]
    # Numba's frame of a typing error ("Failed in cuda mode pipeline", "During: ...") says
    # nothing of the cause: the line after it does.
    said = [ln for ln in lines if not ln.startswith(("Failed in ", "During: "))]
    return (compiler or errs or said or lines or [type(exc).__name__])[0][:300]


def demangle(name: str) -> str:
    """The C++ spelling of an Itanium-mangled name (the C++ runtime's own demangler)."""
    import ctypes

    lib = ctypes.CDLL("libstdc++.so.6")
    fn = lib.__cxa_demangle
    fn.restype = ctypes.c_void_p
    status = ctypes.c_int()
    ptr = fn(name.encode(), None, None, ctypes.byref(status))
    if status.value != 0 or not ptr:
        raise ValueError(f"cannot demangle {name!r}")
    try:
        return ctypes.string_at(ptr).decode()
    finally:
        ctypes.CDLL(None).free(ctypes.c_void_p(ptr))


def _ok(result, what: str, log: str = ""):
    """The values of a cuda.bindings NVRTC call, or CompileError."""
    from cuda.bindings import nvrtc

    err, *values = result
    if err != nvrtc.nvrtcResult.NVRTC_SUCCESS:
        raise CompileError(
            f"NVRTC {what}: {err.name}" + (f", compilation log:\n{log}" if log else "")
        )
    return values[0] if len(values) == 1 else values


def _log(prog) -> str:
    from cuda.bindings import nvrtc

    err, size = nvrtc.nvrtcGetProgramLogSize(prog)
    if err != nvrtc.nvrtcResult.NVRTC_SUCCESS or size <= 1:
        return ""
    buf = b" " * size
    nvrtc.nvrtcGetProgramLog(prog, buf)
    return buf.rstrip(b"\0").decode("utf-8", "replace")


# NVRTC options a module's config may add (`[shim] nvrtc_options`): they change how its
# headers compile, never where output goes or what is read.
ALLOWED_OPTIONS = frozenset(
    {
        "-default-device",  # unannotated functions are device functions (host-only headers)
        "-use_fast_math",
        "-ftz=true",
        "-ftz=false",
        "-prec-div=true",
        "-prec-div=false",
        "-prec-sqrt=true",
        "-prec-sqrt=false",
        "-fmad=true",
        "-fmad=false",
    }
)


def compile_ltoir(
    source: str, cc: tuple[int, int], name_expressions=(), extra=(), pch: bool = True
):
    """(LTO-IR bytes, {name expression: lowered name}) of `source` for `cc`, with a module's
    `extra` options (of ALLOWED_OPTIONS). Raises CompileError, whose message holds the
    compiler's log. `pch=False` neither makes nor loads precompiled headers."""
    data, mapping, _ = _compile_ltoir(source, cc, name_expressions, extra, pch)
    return data, mapping


def prepare_pch(source: str, cc: tuple[int, int], extra=()) -> None:
    """Compile `source` until NVRTC has made its precompiled headers (growing the heap when
    they did not fit), so that compiles starting with the same includes, in parallel
    threads too, load them and none makes them. Raises CompileError."""
    for _ in range(2):
        _, _, status = _compile_ltoir(source, cc, (), extra, True)
        if status != "heap":
            return


def _pch_on(pch: bool) -> bool:
    return pch and nvrtc_version() >= (12, 8) and os.environ.get("NUMBAST_NVRTC_PCH") != "0"


def _compile_ltoir(source: str, cc: tuple[int, int], name_expressions, extra, pch: bool):
    from cuda.bindings import nvrtc

    options = [f"-arch={spelled(cc)}", "-std=c++17", "-rdc=true", "-dlto"]
    options += [o for o in extra if o in ALLOWED_OPTIONS]
    options += [f"-I{d}" for d in include_path()]
    pch = _pch_on(pch)
    if pch:
        options += ["-pch", f"-pch-dir={_pch_dir()}"]
        _size_pch_heap()
    prog = _ok(nvrtc.nvrtcCreateProgram(source.encode(), PROGRAM.encode(), 0, [], []), "create")
    try:
        for expr in name_expressions:
            _ok(nvrtc.nvrtcAddNameExpression(prog, expr.encode()), "name expression")
        encoded = [o.encode() for o in options]
        (err,) = nvrtc.nvrtcCompileProgram(prog, len(encoded), encoded)
        if err != nvrtc.nvrtcResult.NVRTC_SUCCESS:
            _ok((err,), "compile", _log(prog))
        status = _grow_pch_heap(prog) if pch else ""
        size = _ok(nvrtc.nvrtcGetLTOIRSize(prog), "LTO-IR size")
        data = b" " * size
        _ok(nvrtc.nvrtcGetLTOIR(prog, data), "LTO-IR")
        mapping = {}
        for expr in name_expressions:
            lowered = _ok(nvrtc.nvrtcGetLoweredName(prog, expr.encode()), "lowered name")
            mapping[expr] = lowered.decode() if isinstance(lowered, bytes) else lowered
        return data, mapping, status
    finally:
        nvrtc.nvrtcDestroyProgram(prog)


class LinkError(RuntimeError):
    """nvJitLink refused to link; the message holds its log."""


@dataclasses.dataclass(frozen=True)
class LinkInput:
    """Code for nvJitLink, with the attributes of a cuda.core ObjectCode (which links too):
    emit's verification links without importing cuda.core (half a second)."""

    code_type: str  # ltoir, ptx, cubin, fatbin, object, library
    code: bytes
    name: str


# Inputs this large hold a device library's inline code (NVSHMEM's is 1.3 MB of LTO-IR with
# one shim): optimizing its link for link time (nvJitLink's -Ofc=max) makes NVSHMEM's
# collectives link ~30x faster, where a small link (the bf16 shims, 250 kB) is ~3x slower.
FAST_LINK_BYTES = 1 << 20


def link_cubin(codes, arch: str) -> bytes:
    """The cubin nvJitLink makes of LinkInputs or cuda.core ObjectCodes (LTO-IR, PTX,
    objects, libraries) for `arch`, with link-time optimization. Large inputs are first
    linked optimizing for link time; a refusal is then confirmed at full optimization, so
    the answer is the one a kernel's launch gets. Raises LinkError."""
    size = sum(len(c.code) for c in codes if isinstance(c.code, bytes))
    if size > FAST_LINK_BYTES:
        try:
            return _nvjitlink(codes, arch, ("-Ofc=max",))
        except LinkError:
            pass
    return _nvjitlink(codes, arch, ())


def _nvjitlink(codes, arch: str, extra) -> bytes:
    from cuda.bindings import nvjitlink

    kinds = {
        "ltoir": nvjitlink.InputType.LTOIR,
        "ptx": nvjitlink.InputType.PTX,
        "cubin": nvjitlink.InputType.CUBIN,
        "fatbin": nvjitlink.InputType.FATBIN,
        "object": nvjitlink.InputType.OBJECT,
        "library": nvjitlink.InputType.LIBRARY,
    }
    options = [f"-arch={arch}", "-lto", *extra]
    handle = nvjitlink.create(len(options), options)
    try:
        for i, code in enumerate(codes):
            data = code.code
            if isinstance(data, str):  # a path
                with open(data, "rb") as fh:
                    data = fh.read()
            name = code.name or f"input{i}"
            nvjitlink.add_data(handle, kinds[code.code_type], data, len(data), name)
        nvjitlink.complete(handle)
        size = nvjitlink.get_linked_cubin_size(handle)
        out = bytearray(size)
        nvjitlink.get_linked_cubin(handle, out)
        return bytes(out)
    except nvjitlink.nvJitLinkError as exc:
        raise LinkError(f"{_link_log(handle)}\nnvJitLink: {exc}".strip()) from None
    finally:
        nvjitlink.destroy(handle)


def _link_log(handle) -> str:
    from cuda.bindings import nvjitlink

    try:
        size = nvjitlink.get_error_log_size(handle)
        buf = bytearray(size)
        nvjitlink.get_error_log(handle, buf)
        return buf.rstrip(b"\0").decode("utf-8", "replace")
    except Exception:  # the log is only the message's detail
        return ""


# CUB's block headers need ~270 MB of PCH heap under NVRTC 13.5, more than NVRTC's default
# 256 MB: the heap is made this large before the first compile of the process (resizing it
# later frees the precompiled headers it holds).
PCH_HEAP = 512 << 20
_HEAP_SIZED = False


def _size_pch_heap() -> None:
    global _HEAP_SIZED
    if _HEAP_SIZED:
        return
    _HEAP_SIZED = True
    from cuda.bindings import nvrtc

    err, size = nvrtc.nvrtcGetPCHHeapSize()
    if err == nvrtc.nvrtcResult.NVRTC_SUCCESS and size < PCH_HEAP:
        nvrtc.nvrtcSetPCHHeapSize(PCH_HEAP)


def _grow_pch_heap(prog) -> str:
    """When the precompiled header did not fit NVRTC's heap, make the heap as large as it
    needed, so that the next compile makes and keeps one (never shrink it: that frees it).
    "heap" then, else ""."""
    from cuda.bindings import nvrtc

    (status,) = nvrtc.nvrtcGetPCHCreateStatus(prog)
    if status == nvrtc.nvrtcResult.NVRTC_ERROR_PCH_CREATE_HEAP_EXHAUSTED:
        err, needed = nvrtc.nvrtcGetPCHHeapSizeRequired(prog)
        if err == nvrtc.nvrtcResult.NVRTC_SUCCESS:
            nvrtc.nvrtcSetPCHHeapSize(needed)
            return "heap"
    return ""
