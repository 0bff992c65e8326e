"""The triage step: clang's diagnostics sorted into what fails a dump and what the IR keeps
as a warning."""

from __future__ import annotations

import re

from numbast import ir

from .errors import FrontendError
from .parse import Parsed
from .paths import SourceMap

_SEVERITY = {2: "warning", 3: "error", 4: "fatal"}
# Rules of clang's that NVIDIA's compilers do not apply, kept as warnings instead of failing:
# sm_20_intrinsics.h redeclares a __device__ builtin as __host__ __device__; NVSHMEM before
# 3.8 declares its device state `extern __attribute__((address_space(4))) __constant__` for
# clang, which clang 21 on refuses (a variable the bindings never use).
_NVCC_ACCEPTS = re.compile(
    r"__host__ __device__ function '[^']+' cannot overload __device__"
    r"|__constant__, __device__, and __shared__ variables must use default address space"
)


def triage(parsed: Parsed, sources: SourceMap, keep_going: bool) -> list[ir.Diagnostic]:
    """The diagnostics the IR keeps. Raises FrontendError with the first error (clang's
    `file:line:col: error: message`) unless `keep_going`, which records them all."""
    recorded = [
        ir.Diagnostic(
            severity="warning",
            location=f"{sources.relative(name)[1]}:{line}",
            message="a trailing comma in a template argument list (nvcc accepts it, "
            "clang does not) read as absent",
        )
        for name, line in parsed.trailing_commas
    ]
    problems: list[str] = []
    for d in parsed.tu.diagnostics:
        if d.severity < 3:
            continue
        where, shown, severity = _placed(d, sources)
        if _NVCC_ACCEPTS.search(d.spelling):
            recorded.append(ir.Diagnostic(severity="warning", location=where, message=d.spelling))
            continue
        problems.append(f"{shown}: {severity}: {d.spelling}")
        recorded.append(ir.Diagnostic(severity=severity, location=where, message=d.spelling))
    if problems and not keep_going:
        more = len(problems) - 1
        raise FrontendError(
            problems[0] + (f" (and {more} more; --keep-going records them)" if more else "")
        )
    return recorded


def _placed(d, sources: SourceMap) -> tuple[str, str, str]:
    """(location for the IR, location for the user, severity) of a clang diagnostic."""
    loc = d.location
    if loc.file is not None:
        where = f"{sources.relative(loc.file.name)[1]}:{loc.line}:{loc.column}"
        shown = f"{loc.file.name}:{loc.line}:{loc.column}"
    else:
        where = shown = "<command line>"
    return where, shown, _SEVERITY.get(d.severity, "error")
