"""`canopy dump`'s engine: parse headers in CUDA device mode and build the IR document."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

from numbast import __version__, ir

from .cuda import cuda_headers_in, find_cuda_headers
from .errors import FrontendError
from .libclang import cindex, clang_version
from .options import DumpOptions, DumpTimings
from .paths import SourceMap, companions, make_roots, resolve_header, sha256_of

_MAIN = "numbast_input.cu"
# Stand-ins for headers clang's CUDA wrapper includes that a pip install may lack.
SHIM_INCLUDE = (
    Path(__file__).resolve().parent / "shim_include"
)  # an in-memory main file that includes the requested headers


_SEVERITY = {2: "warning", 3: "error", 4: "fatal"}


_NVCC_ACCEPTS = re.compile(r"__host__ __device__ function '[^']+' cannot overload __device__")


def _diagnostic_line(d, sources: SourceMap) -> tuple[str, str, str]:
    loc = d.location
    if loc.file is not None:
        where = f"{sources.relative(loc.file.name)[1]}:{loc.line}:{loc.column}"
        shown = f"{loc.file.name}:{loc.line}:{loc.column}"
    else:
        where = shown = "<command line>"
    return where, shown, _SEVERITY.get(d.severity, "error")


def cached_dump(options: DumpOptions) -> bytes | None:
    """The IR of a repeat dump from the user cache, without finding CUDA or loading clang
    (None when it must be made)."""
    if not options.use_cache or not options.headers:
        return None
    from . import cache

    return cache.answer(cache.request_key(options.request()))


def dump(options: DumpOptions, timings: DumpTimings | None = None) -> ir.APIDocument:
    """Parse the headers and return the IR document. Raises FrontendError."""
    if not options.headers:
        raise FrontendError("no header given")
    from . import cache

    request = cache.request_key(options.request()) if options.use_cache else None
    if request is not None:
        hit = cache.answer(request)
        if hit is not None:
            try:
                return ir.loads(hit)
            except ir.IRError:
                pass  # a damaged entry: parse again, and replace it
    if not options.arch.startswith("sm_") or not options.arch[3:].rstrip("af").isdigit():
        raise FrontendError(f"--arch {options.arch}: expected sm_XX (for example sm_90)")
    for d in [*options.include_dirs, *options.cuda_include]:
        if not Path(d).is_dir():
            raise FrontendError(f"{d}: include directory not found")
    cuda = cuda_headers_in(options.cuda_include) if options.cuda_include else find_cuda_headers()
    search = [Path(d) for d in options.include_dirs]
    search += [cuda.include, *cuda.extra] + ([cuda.cccl] if cuda.cccl else [])
    headers = [resolve_header(h, search) for h in options.headers]
    retain = [resolve_header(r, search) for r in options.retain]
    roots = make_roots(options.include_dirs, cuda, headers + retain)
    retained_files: list[Path] = []
    for h in headers:
        retained_files += [h, *companions(h)]
    retained_files += retain
    retained_files = sorted(set(retained_files))
    sources = SourceMap(roots, {str(p) for p in retained_files})

    args = [
        "-x",
        "cuda",
        "--cuda-device-only",
        f"--cuda-gpu-arch={options.arch}",
        "-nocudalib",
        f"--cuda-path={cuda.cuda_path}",
        f"-std={options.std}",
        "-Wno-unknown-cuda-version",
    ]
    for d in options.include_dirs:
        args += ["-I", str(Path(d).resolve())]
    for d in [cuda.include, *cuda.extra, *([cuda.cccl] if cuda.cccl else [])]:
        args += ["-I", str(d)]
    args += ["-idirafter", str(SHIM_INCLUDE)]
    args += [f"-D{d}" for d in options.defines]
    main = "".join(f'#include "{h}"\n' for h in headers)

    key = cache.key_of(
        [
            *args,
            main,
            *map(str, retained_files),
            f"keep_going={options.keep_going}",
            clang_version(),
            __version__,
            ir.IR_VERSION,
            str(SHIM_INCLUDE),
        ]
    )
    # Every place a header name was looked for (see cache.remember).
    probes = []
    for name in [*options.headers, *options.retain]:
        probes.append(os.path.abspath(name))
        if not Path(name).is_absolute():
            probes += [str(d / name) for d in search]
    requested = [str(h) for h in headers]
    if request is not None:
        hit = cache.lookup(key)
        if hit is not None:
            try:
                doc = ir.loads(hit)
                cache.remember(request, key, probes, requested)
                return doc
            except ir.IRError:
                pass  # a corrupt entry: parse again, and replace it

    ci = cindex()
    started = time.perf_counter()
    parse_options = (
        ci.TranslationUnit.PARSE_SKIP_FUNCTION_BODIES
        | ci.TranslationUnit.PARSE_DETAILED_PROCESSING_RECORD
    )
    from . import preamble

    patched: dict[str, str] = {}  # file -> its text as clang is given it (see below)

    def parse(extra: list[str]):
        unsaved = [(_MAIN, main), *patched.items()]
        return ci.Index.create().parse(
            _MAIN, args=args + extra, unsaved_files=unsaved, options=parse_options
        )

    key_parts = [clang_version(), str(SHIM_INCLUDE)]
    try:
        pch = preamble.preamble_args(ci, args, parse_options, key_parts)
        tu = parse(pch)
        if pch and preamble.refused(tu):  # made stale behind our back: make it anew, once
            pch = preamble.preamble_args(ci, args, parse_options, key_parts, rebuild=True)
            tu = parse(pch)
            if pch and preamble.refused(tu):
                tu = parse([])
    except ci.TranslationUnitLoadError as exc:
        raise FrontendError(f"clang could not parse {options.headers[0]}: {exc}") from None
    # nvcc accepts a trailing comma in a template argument list (`instruction_list<a, b, >`,
    # cuBLASDx's database), clang does not: such a comma is read as a space (columns kept)
    # and the header parsed again, with a warning saying where.
    trailing = []
    for _ in range(_MAX_TRAILING_COMMA_PASSES):
        found = _trailing_commas(tu, patched)
        if not found:
            break
        trailing += found
        tu = parse(pch)
    parsed = time.perf_counter()

    recorded: list[ir.Diagnostic] = []
    for name, line in trailing:
        recorded.append(
            ir.Diagnostic(
                severity="warning",
                location=f"{sources.relative(name)[1]}:{line}",
                message="a trailing comma in a template argument list (nvcc accepts it, "
                "clang does not) read as absent",
            )
        )
    problems: list[str] = []
    for d in tu.diagnostics:
        if d.severity < 3:
            continue
        where, shown, severity = _diagnostic_line(d, sources)
        if _NVCC_ACCEPTS.search(d.spelling):
            # A rule of clang's that nvcc does not apply (sm_20_intrinsics.h redeclares a
            # __device__ builtin as __host__ __device__): kept as a warning, not fatal.
            recorded.append(ir.Diagnostic(severity="warning", location=where, message=d.spelling))
            continue
        problems.append(f"{shown}: {severity}: {d.spelling}")
        recorded.append(ir.Diagnostic(severity=severity, location=where, message=d.spelling))
    if problems and not options.keep_going:
        more = (
            f" (and {len(problems) - 1} more; --keep-going records them)"
            if len(problems) > 1
            else ""
        )
        raise FrontendError(problems[0] + more)

    from .visitor import Walker

    walker = Walker(tu, sources)
    walker.run()
    # A header that only forwards (mma.h includes crt/mma.h; cufftdx.hpp includes headers
    # that include the API): follow its includes, level by level, while nothing is retained.
    # Past the first level only into the requested headers' own include roots, never out
    # into the toolkit's or the system's.
    frontier, followed = set(headers), set()
    own_roots = {sources.relative(str(h))[0] for h in headers}
    for depth in range(_MAX_FORWARDING):
        if walker.decls:
            break
        forwarded = _direct_includes(tu, frontier) - set(retained_files)
        if depth:
            forwarded = {f for f in forwarded if sources.relative(str(f))[0] in own_roots}
        if not forwarded:
            break
        followed |= forwarded
        frontier = forwarded
        retained_files = sorted(set(retained_files) | forwarded)
        sources = SourceMap(roots, {str(p) for p in retained_files})
        walker = Walker(tu, sources)
        walker.run()
    if followed:
        names = ", ".join(sorted(sources.relative(str(p))[1] for p in followed))
        recorded.append(_note(f"only includes other headers: followed into {names}", headers))
    if not walker.decls:
        recorded.append(
            _note(
                "no declarations retained: clang's CUDA headers already define its include "
                "guard and provide their own versions, or it declares nothing for the device",
                headers,
            )
        )
    doc = _document(options, walker, roots, retained_files, set(headers), sources, cuda, recorded)
    included = [inc.include.name for inc in tu.get_includes()] + [str(h) for h in headers]
    if cache.store(key, included + [str(p) for p in retained_files], ir.dumps(doc)):
        if request is not None:
            cache.remember(request, key, probes, requested)
    if timings is not None:
        timings.parse = parsed - started
        timings.walk = time.perf_counter() - parsed
    return doc


_MAX_FORWARDING = 8  # levels of headers that only include others
_MAX_TRAILING_COMMA_PASSES = 4


def _trailing_commas(tu, patched: dict[str, str]) -> list[tuple[str, int]]:
    """(file, line) of each "expected expression" error that sits on the `>` closing a
    template argument list after a comma; the comma is blanked in `patched` (the file's text
    as clang is given it)."""
    found = []
    for d in tu.diagnostics:
        if d.severity < 3 or d.spelling != "expected expression" or d.location.file is None:
            continue
        name = d.location.file.name
        text = patched.get(name)
        if text is None:
            try:
                text = Path(name).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
        lines = text.split("\n")
        row, col = d.location.line - 1, d.location.column - 1
        if not (0 <= row < len(lines)) or lines[row][col : col + 1] != ">":
            continue
        # The comma before it: on this line, or the last non-blank character of one above.
        r, before = row, lines[row][:col]
        while not before.strip() and r > 0:
            r -= 1
            before = lines[r]
        stripped = before.rstrip()
        if not stripped.endswith(","):
            continue
        cut = len(stripped) - 1
        lines[r] = lines[r][:cut] + " " + lines[r][cut + 1 :]
        patched[name] = "\n".join(lines)
        found.append((name, r + 1))
    return found


def _direct_includes(tu, headers: set[Path]) -> set[Path]:
    """The files the requested headers #include themselves."""
    found = set()
    for inc in tu.get_includes():
        if inc.source is not None and Path(inc.source.name).resolve() in headers:
            found.add(Path(inc.include.name).resolve())
    return found


def _note(message: str, headers: list[Path]) -> ir.Diagnostic:
    """A warning of the dump itself, kept in the IR and shown by `canopy dump`."""
    return ir.Diagnostic(severity="warning", location=headers[0].name, message=message)


def _document(
    options, walker, roots, retained_files, requested, sources, cuda, diagnostics
) -> ir.APIDocument:
    decls = sorted(
        (_with_arch_guard(d, walker, sources) for d in walker.decls.values()),
        key=lambda d: (d.location.file, d.location.line, d.location.column, d.id),
    )
    known = set(walker.decls)
    for d in decls:
        if isinstance(d, ir.model.RECORD_KINDS):
            known.update(m.id for m in (*d.constructors, *d.methods))
            if d.destructor is not None:
                known.add(d.destructor.id)
    edges = sorted(
        (e for e in walker.edges if e[0] in known and e[1] in known),
        key=lambda e: (e[0], e[2], e[1]),
    )
    inputs = []
    for p in retained_files:
        root, rel = sources.relative(str(p))
        inputs.append(
            ir.InputHeader(path=rel, root=root, sha256=sha256_of(p), requested=p in requested)
        )
    header = ir.Header(
        format=ir.IR_FORMAT,
        version=ir.IR_VERSION,
        generator=ir.Generator(name="numbast.canopy", version=__version__),
        clang_version=clang_version(),
        cuda=ir.CudaInfo(version=cuda.version, found_via=cuda.found_via),
        arch=options.arch,
        std=options.std,
        defines=list(options.defines),
        include_roots=[
            ir.IncludeRoot(name=r.name, path=r.label, dir=str(r.path) if r.user else None)
            for r in roots
        ],
        inputs=inputs,
        diagnostics=diagnostics,
    )
    return ir.APIDocument(
        header=header,
        declarations=decls,
        edges=[ir.Edge(source=s, target=t, kind=k) for s, t, k in edges],
    )


def _with_arch_guard(decl, walker, sources: SourceMap):
    guards = walker.arch_guards(sources.absolute(decl.location.file))
    guard = guards.at(decl.location.line) if guards is not None else None
    if not guard:
        return decl
    import msgspec

    return msgspec.structs.replace(decl, arch_guard=guard)
