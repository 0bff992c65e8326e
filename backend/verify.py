"""`numbast emit --verify`: bind a declaration only when its shim compiles and links for the
IR's arch.

The shims are judged in batches of up to MAX_BATCH, each one NVRTC source: the headers, the
shims, and a kernel calling each shim (so that every shim is compiled to the arch's machine
code and its callees resolved, as at a launch). A batch is compiled to LTO-IR; the compiler's
error lines name the failing shims by line, those are dropped with the error as the reason,
and the rest compiled again until clean; then nvJitLink links it, with the library's
implementation, optimizing for link time. A batch that fails without naming a shim is halved
until the failing shims are found. Batches run in parallel threads (NVRTC and nvJitLink work
outside Python's lock), so time and memory grow linearly with the number of shims, and a
header of thousands of declarations (NVSHMEM's) verifies in minutes, not hours. Needs
numba-cuda (NVRTC, nvJitLink), no GPU.
"""

from __future__ import annotations

import math
import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor

from numbast.ir.arch import Arch

from .errors import EmitError
from .runtime import environment
from .runtime import tables as T
from .verdicts import Verdicts

_ERROR = re.compile(r"^(?P<file>.*?)\((?P<line>\d+)\): (?:catastrophic )?error: (?P<msg>.*)$")
MAX_ROUNDS = 8
# Shims in one NVRTC source: each batch parses the headers once, and its compile's memory
# grows with its size (NVSHMEM: ~1.1 GB for 512 shims).
MAX_BATCH = 512
MIN_BATCH = 64  # below this, a second thread costs more than it saves
MAX_JOBS = 4  # threads compiling at once: each holds a parse of the headers
_UNDEFINED_HINT = (
    "a function the headers declare but do not define needs the library's implementation: "
    "[shim] sources or [shim] link of the config"
)


def failing_shims(
    t: T.Module,
    include_dirs: list[str],
    arch: str,
    sources: tuple[str, ...] = (),
    link: tuple[str, ...] = (),
    options: tuple[str, ...] = (),
    only: set[str] | None = None,
) -> dict[str, str]:
    """{shim name: the compiler's first error} for the shims (of `only`, else all) that do not
    compile and link (with the module's NVRTC `options`). Raises EmitError when the headers
    themselves do not compile: no declaration is at fault then, and the user must fix the
    include folders or macros (`include_dirs` are absolute)."""
    dirs = environment.include_dirs_near(None, include_dirs)
    prelude = environment.compile_prelude(t.prelude, dirs)
    # What an earlier emit judged in this context is not compiled again.
    verdicts = Verdicts(prelude, arch, options, include_dirs, (*sources, *link))
    every = {n: src for n, src in t.shims().items() if only is None or n in only}
    known = {n: verdicts.get(src) for n, src in every.items()}
    shims = {n: src for n, src in every.items() if known[n] is None}
    judged = {n: v for n, v in known.items() if v}
    # The headers alone (the empty shim) are judged too: a module of templates has no shim.
    if not shims and verdicts.get("") == "":
        return judged
    environment.add_include_dirs(dirs, numba=False)
    probe = _Probe(prelude, arch, options, _Implementation(prelude, sources, link, arch, options))
    # First the headers alone: their error is the user's to fix, and their compile leaves
    # the precompiled headers every batch then loads.
    probe.check_headers()
    batches = _batches(sorted(shims), jobs())
    parts = [{n: shims[n] for n in batch} for batch in batches]
    if len(parts) <= 1:
        results = [probe.judge(part) for part in parts]
    else:
        with ThreadPoolExecutor(min(len(parts), jobs())) as pool:
            results = list(pool.map(probe.judge, parts))
    failed: dict[str, str] = {}
    for part, (bad, complete) in zip(parts, results, strict=True):
        failed.update(bad)
        if complete:  # every shim of the batch judged: remember the verdicts
            for name, source in part.items():
                verdicts.put(source, bad.get(name, ""))
    if all(complete for _, complete in results):
        verdicts.put("", "")
    verdicts.save()
    return {**judged, **failed}


def jobs() -> int:
    """Threads that verify at once: $NUMBAST_JOBS, else the cores this process may use (at
    most MAX_JOBS)."""
    given = os.environ.get("NUMBAST_JOBS", "")
    if given.isdigit() and int(given) > 0:
        return int(given)
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_JOBS))


def _batches(names: list[str], workers: int) -> list[list[str]]:
    """`names` (sorted) in consecutive batches of at most MAX_BATCH: one per worker where each
    gets at least MIN_BATCH."""
    if not names:
        return []
    count = max(math.ceil(len(names) / MAX_BATCH), min(workers, len(names) // MIN_BATCH))
    size = math.ceil(len(names) / max(count, 1))
    return [names[i : i + size] for i in range(0, len(names), size)]


class _Probe:
    """Compiles and links batches of shims for one arch and one prelude."""

    def __init__(self, prelude: str, arch: str, options, implementation: _Implementation):
        # Imported here, in one thread: two threads importing a package at once can see it
        # half made ("cannot import name").
        import cuda.bindings.nvjitlink  # noqa: F401
        import cuda.bindings.nvrtc  # noqa: F401

        self.prelude, self.arch, self.options = prelude, arch, options
        self.target = Arch.parse(arch).target  # what NVRTC compiles for (sm_90a keeps its a)
        self.implementation = implementation
        self._lock = threading.Lock()
        self._headers_ok = False

    def check_headers(self) -> None:
        """Raise the header error when the headers alone do not compile; else make the
        precompiled headers of the prelude (once)."""
        from .runtime.compiler import prepare_pch

        with self._lock:
            if self._headers_ok:
                return
            try:  # one compile of the headers (two when NVRTC's PCH heap must grow)
                prepare_pch(self.prelude, self.target, self.options)
            except Exception as exc:  # NVRTC's log is in the message
                raise header_error(_placed(str(exc), [])[2], self.arch) from None
            self._headers_ok = True

    def judge(self, shims: dict[str, str]) -> tuple[dict[str, str], bool]:
        """({shim: error} of the shims that fail, whether every shim was judged)."""
        failed: dict[str, str] = {}
        for _ in range(MAX_ROUNDS):
            left = {k: v for k, v in shims.items() if k not in failed}
            if not left:
                return failed, True
            result = self.compile(left)
            if isinstance(result, bytes):
                why = self.link(result)
                if why is not None:
                    failed.update(self.bisect(left, why))
                return failed, True
            blamed, first, _ = result
            if not blamed:  # an error we cannot place: the headers', or find the shims
                self.check_headers()
                failed.update(self.bisect(left, first))
                return failed, True
            failed.update(blamed)
        return failed, False

    def fault(self, shims: dict[str, str]) -> str | None:
        """None when the shims compile and link, else the first error."""
        result = self.compile(shims)
        if not isinstance(result, bytes):
            return result[1]
        return self.link(result)

    def bisect(self, shims: dict[str, str], why: str) -> dict[str, str]:
        """{shim: its error} of the shims that fail on their own, found by halving `shims`,
        which fail together with `why` (so they are not compiled again as a whole)."""
        names = sorted(shims)
        if len(names) == 1:
            return {names[0]: why}
        out: dict[str, str] = {}
        half = len(names) // 2
        for part in (names[:half], names[half:]):
            group = {n: shims[n] for n in part}
            fault = self.fault(group)
            if fault is not None:
                out.update(self.bisect(group, fault))
        return out

    def compile(self, shims: dict[str, str]):
        """The LTO-IR of the headers, the shims and a kernel calling each; or ({shim: error}
        for errors placed in a shim, the first error line, the first error's match)."""
        from .runtime.compiler import compile_ltoir

        names = sorted(shims)
        lines = self.prelude.count("\n") + 1
        spans = []
        parts = [self.prelude]
        for name in names:
            start = lines + 1
            lines += shims[name].count("\n") + 1
            spans.append((start, lines, name))
            parts.append(shims[name])
        parts.append(_kernels(shims))
        try:
            return compile_ltoir("\n".join(parts), self.target, (), self.options)[0]
        except Exception as exc:  # NVRTC's log is in the message
            return _placed(str(exc), spans)

    def link(self, ltoir: bytes) -> str | None:
        """None when the LTO-IR links (with the implementation) to the arch's cubin, else why."""
        from .runtime.compiler import LinkError, LinkInput, first_error, link_cubin

        try:
            shims = LinkInput("ltoir", ltoir, "shims")
            link_cubin([shims, *self.implementation.codes()], self.arch)
            return None
        except LinkError as exc:
            detail = first_error(exc)
            hint = f" ({_UNDEFINED_HINT})" if "nresolved extern" in str(exc) else ""
            return f"does not link for {self.arch}: {detail}{hint}"


def _placed(log: str, spans) -> tuple[dict[str, str], str, re.Match | None]:
    """NVRTC's log read against the source's shims (`spans`: first line, last line, name):
    ({shim: its first error}, the first error line, the first error's match)."""
    from .runtime.compiler import PROGRAM

    blamed: dict[str, str] = {}
    first = ""
    first_match = None
    for raw in log.splitlines():
        m = _ERROR.match(raw.strip())
        if m is None:
            continue
        first = first or m["msg"]
        first_match = first_match or m
        if m["file"].endswith(PROGRAM):
            line = int(m["line"])
            for start, end, name in spans:
                if start <= line <= end:
                    blamed.setdefault(name, m["msg"])
    return blamed, first or (log.strip().splitlines() or ["?"])[-1], first_match


def _kernels(shims: dict[str, str]) -> str:
    """A kernel per shim, calling it: each shim is compiled for the arch on its own (one
    kernel calling thousands inlines them all into one function, which costs superlinear
    time)."""
    out = []
    for i, name in enumerate(sorted(shims)):
        nargs = shims[name].split("(", 1)[1].split(")", 1)[0].count("void *")
        args = ", ".join(["p"] * nargs)
        out.append(f'extern "C" __global__ void numbast_verify_{i}(void *p) {{ {name}({args}); }}')
    return "\n".join(out) + "\n"


def header_error(first: re.Match | None, arch: str) -> EmitError:
    """The one-line error for headers that do not compile under NVRTC, with the fix."""
    if first is None:
        return EmitError(f"the headers do not compile under NVRTC for {arch}")
    from .runtime.compiler import PROGRAM

    # An error in the source itself is in its #include or #define lines (the prelude).
    own = first["file"].endswith(PROGRAM)
    where = None if own else f"{first['file']}:{first['line']}"
    msg = ("the shims' #include and #define lines: " if own else "") + first["msg"]
    if "cannot open source file" in msg:
        fix = (
            "give its folder with `canopy dump -I DIR`, or in the config's "
            "`[shim] include_dirs` (relative to the config file)"
        )
    elif "is undefined" in msg or "not defined" in msg or "#error" in msg:
        fix = (
            "a macro the header expects? give it with `canopy dump -D NAME=VALUE` or "
            "`[shim] defines`"
        )
    else:
        fix = "the bindings cannot compile a shim until the header compiles under NVRTC"
    return EmitError(f"NVRTC ({arch}): {msg}; {fix}", where)


class _Implementation:
    """The library's implementation as cuda.core ObjectCodes, made on first use (once, under
    a lock: batches link in parallel threads). A source that does not compile is the user's
    error, named with the compiler's first line."""

    def __init__(self, prelude: str, sources, link, arch: str, options=()):
        self.prelude, self.sources, self.link, self.arch = prelude, sources, link, arch
        self.options = options
        self._codes: list | None = None
        self._lock = threading.Lock()

    def codes(self) -> list:
        if not self.sources and not self.link:
            return []
        with self._lock:
            if self._codes is None:
                from .runtime.compiler import first_error
                from .runtime.shims import ShimBundle

                bundle = ShimBundle(
                    self.prelude, {}, "verify", self.sources, self.link, self.options
                )
                try:
                    self._codes = bundle.object_codes(Arch.parse(self.arch).target)
                except Exception as exc:  # the compiler's or the file's refusal
                    raise EmitError(f"{first_error(exc)}", "[shim] sources/link") from None
            return self._codes


def without(t: T.Module, failed: dict[str, str]):
    """The tables less the overloads, casts and implicit conversions whose shims failed, and
    the (label, reason) of each."""
    skipped: list[tuple[str, str]] = []

    def keep(items, label):
        kept = []
        for item in items:
            why = failed.get(item.shim)
            if why is None:
                kept.append(item)
            else:
                skipped.append(
                    (getattr(item, "decl", "") or label, f"shim does not compile: {why}")
                )
        return tuple(kept)

    records = []
    for r in t.records:
        methods = tuple(
            T.replace(m, overloads=keep(m.overloads, f"{r.cpp}::{m.name}")) for m in r.methods
        )
        ctors = keep(r.constructors, r.cpp)
        records.append(
            T.replace(
                r,
                constructors=ctors,
                implicit=tuple(i for i in r.implicit if i.shim not in failed),
                casts=keep(r.casts, r.cpp),
                methods=tuple(m for m in methods if m.overloads),
            )
        )
    functions = tuple(
        f
        for f in (T.replace(f, overloads=keep(f.overloads, f.name)) for f in t.functions)
        if f.overloads
    )
    operators = tuple(
        o
        for o in (T.replace(o, overloads=keep(o.overloads, o.op)) for o in t.operators)
        if o.overloads
    )
    # A typedef naming a function that is gone goes with it.
    exported = {f.name for f in functions} | {r.name for r in records} | {e.name for e in t.enums}
    aliases = tuple(a for a in t.aliases if not a.export or a.export in exported)
    cooperative = tuple(s for s in t.cooperative if s not in failed)
    return T.replace(
        t,
        conversions=keep(t.conversions, ""),
        records=tuple(records),
        functions=functions,
        operators=operators,
        aliases=aliases,
        cooperative=cooperative,
    ), skipped


def failing_shims_for_archs(
    t: T.Module,
    include_dirs: list[str],
    archs: list[str],
    sources: tuple[str, ...] = (),
    link: tuple[str, ...] = (),
    options: tuple[str, ...] = (),
) -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    """`failing_shims` on each arch, each shim judged on the archs whose headers declare it:
    ({shim: its first error, naming the arch} for those that fail on every such arch,
    {shim: the archs it compiles for} for those that fail on some only: a member an `#if`
    gives some archs, which the IR records for declarations only)."""
    if len(archs) == 1:
        return failing_shims(t, include_dirs, archs[0], sources, link, options), {}
    have = {o.shim: o.archs for o in t.overloads()}
    every = t.shims()
    errors: dict[str, dict[str, str]] = {}
    judged: dict[str, list[str]] = {}
    for arch in archs:
        only = {n for n in every if not have.get(n) or arch in have[n]}
        for name in only:
            judged.setdefault(name, []).append(arch)
        for name, why in failing_shims(t, include_dirs, arch, sources, link, options, only).items():
            errors.setdefault(name, {})[arch] = why
    failed, narrowed = {}, {}
    for name, by_arch in sorted(errors.items()):
        passed = tuple(a for a in judged[name] if a not in by_arch)
        if passed:
            narrowed[name] = passed
        else:
            arch = judged[name][0]
            failed[name] = f"{arch}: {by_arch[arch]}"
    return failed, narrowed


def with_archs(t: T.Module, narrowed: dict[str, tuple[str, ...]]) -> T.Module:
    """The tables with each shim of `narrowed` bound for those archs only."""
    if not narrowed:
        return t
    return t.replacing_overloads(
        lambda o: T.replace(o, archs=narrowed[o.shim]) if o.shim in narrowed else o
    )


def arch_refusal(arch: Arch) -> str | None:
    """Why NVRTC cannot compile for `arch`, naming the lowest it can; None if it can (or when
    there is no NVRTC to ask)."""
    from .runtime.compiler import nvrtc_version, supported_archs

    archs = supported_archs()
    if not archs or arch.major * 10 + arch.minor in archs:
        return None
    major, minor = nvrtc_version()
    return (
        f"{arch}: NVRTC {major}.{minor} does not compile for it; the lowest it has is "
        f"sm_{min(archs)}"
    )
