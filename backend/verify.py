"""`numbast emit --verify`: bind a declaration only when its shim compiles for the IR's arch.

All shims are compiled in one NVRTC source (as numba-cuda will compile them at link time);
the compiler's error lines name the failing shims by line, those are dropped with the error
as the reason, and the rest compiled again until clean. Needs numba-cuda (NVRTC), no GPU.
"""

from __future__ import annotations

import functools
import re

from .errors import EmitError
from .runtime import environment
from .runtime import tables as T
from .verdicts import Verdicts

_ERROR = re.compile(r"^(?P<file>.*?)\((?P<line>\d+)\): (?:catastrophic )?error: (?P<msg>.*)$")
MAX_ROUNDS = 8
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
) -> dict[str, str]:
    """{shim name: the compiler's first error} for the shims that do not compile (with the
    module's NVRTC `options`). Raises
    EmitError when the headers themselves do not compile: no declaration is at fault then,
    and the user must fix the include folders or macros (`include_dirs` are absolute)."""
    dirs = environment.include_dirs_near(None, include_dirs)
    prelude = environment.compile_prelude(t.prelude, dirs)
    # What an earlier emit judged in this context is not compiled again.
    verdicts = Verdicts(prelude, arch, options, include_dirs, (*sources, *link))
    every = t.shims()
    known = {n: verdicts.get(src) for n, src in every.items()}
    shims = {n: src for n, src in every.items() if known[n] is None}
    judged = {n: v for n, v in known.items() if v}
    # The headers alone (the empty shim) are judged too: a module of templates has no shim.
    if not shims and verdicts.get("") == "":
        return judged
    environment.add_include_dirs(dirs)
    alone = _compile(prelude, {}, arch, options)
    if alone is not None:
        raise header_error(alone[2], arch)
    verdicts.put("", "")
    failed, complete = _judge(prelude, shims, arch, sources, link, options) if shims else ({}, True)
    if complete:  # every shim judged: remember the verdicts
        for name, source in shims.items():
            verdicts.put(source, failed.get(name, ""))
    verdicts.save()
    return {**judged, **failed}


def _judge(prelude: str, shims: dict[str, str], arch: str, sources, link, options):
    """({shim: error} of the shims that fail, whether every shim was judged), compiling them
    together and halving on failure."""
    # Shims that call functions the library defines in its own .cu or libraries link only
    # together with those.
    extra = _Implementation(prelude, sources, link, arch, options)
    compile_ = functools.partial(_compile, options=options)
    compiles = functools.partial(_compiles, options=options)
    links = functools.partial(_links, extra=extra, options=options)
    failed: dict[str, str] = {}
    for _ in range(MAX_ROUNDS):
        left = {k: v for k, v in shims.items() if k not in failed}
        result = compile_(prelude, left, arch)
        if result is None:
            # Some code compiles to LTO-IR but not to the arch's machine code (warp votes
            # without .sync on sm_70+): link every shim into a kernel to find those too.
            if left and not links(prelude, left, arch):
                why = f"does not link for {arch} ({_UNDEFINED_HINT})"
                failed.update(_bisect(prelude, left, arch, why, links))
            return failed, True
        blamed, first, _ = result
        if not blamed:  # an error we cannot place: find the failing shims by halving
            failed.update(_bisect(prelude, left, arch, first, compiles))
            return failed, True
        failed.update(blamed)
    return failed, False


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


def _compile(prelude: str, shims: dict[str, str], arch: str, options=()):
    """None when the source compiles, else ({shim: error} for errors placed in a shim, the
    first error line, the first error's match)."""
    from .runtime.compiler import PROGRAM, cc_of, compile_ltoir

    names = sorted(shims)
    lines = prelude.count("\n") + 1
    spans = []
    parts = [prelude]
    for name in names:
        start = lines + 1
        lines += shims[name].count("\n") + 1
        spans.append((start, lines, name))
        parts.append(shims[name])
    try:
        compile_ltoir("\n".join(parts), cc_of(arch), (), options)
        return None
    except Exception as exc:  # NVRTC's log is in the message
        log = str(exc)
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


def _compiles(prelude, shims, arch, options=()) -> bool:
    return _compile(prelude, shims, arch, options) is None


class _Implementation:
    """The library's implementation as cuda.core ObjectCodes, made on first use. A source
    that does not compile is the user's error, named with the compiler's first line."""

    def __init__(self, prelude: str, sources, link, arch: str, options=()):
        self.prelude, self.sources, self.link, self.arch = prelude, sources, link, arch
        self.options = options
        self._codes: list | None = None

    def codes(self) -> list:
        if self._codes is None:
            from .runtime.compiler import cc_of, first_error
            from .runtime.shims import ShimBundle

            bundle = ShimBundle(self.prelude, {}, "verify", self.sources, self.link, self.options)
            try:
                self._codes = bundle.object_codes(cc_of(self.arch))
            except Exception as exc:  # the compiler's or the file's refusal
                raise EmitError(f"{first_error(exc)}", "[shim] sources/link") from None
        return self._codes


def _links(prelude: str, shims: dict[str, str], arch: str, extra=None, options=()) -> bool:
    """Whether the shims, called from one kernel, compile and link to the arch's cubin."""
    from cuda.core import Linker, LinkerOptions, ObjectCode

    from .runtime.compiler import cc_of, compile_ltoir

    calls = []
    for name in sorted(shims):
        nargs = shims[name].split("(", 1)[1].split(")", 1)[0].count("void *")
        calls.append(f"  {name}({', '.join(['p'] * nargs)});")
    kernel = 'extern "C" __global__ void numbast_verify(void *p) {\n' + "\n".join(calls) + "\n}\n"
    source = "\n".join([prelude, *(shims[n] for n in sorted(shims)), kernel])
    try:
        obj = ObjectCode.from_ltoir(compile_ltoir(source, cc_of(arch), (), options)[0])
    except Exception:  # the compiler's refusal
        return False
    others = extra.codes() if extra is not None else []
    try:
        options = LinkerOptions(arch=arch, link_time_optimization=True)
        Linker(obj, *others, options=options).link("cubin")
        return True
    except Exception:  # the linker's refusal
        return False


def _bisect(prelude, shims: dict[str, str], arch, why: str, ok) -> dict[str, str]:
    """The shims that fail `ok` on their own, found by halving."""
    if not shims or ok(prelude, shims, arch):
        return {}
    if len(shims) == 1:
        return {next(iter(shims)): why}
    names = sorted(shims)
    half = len(names) // 2
    out = _bisect(prelude, {n: shims[n] for n in names[:half]}, arch, why, ok)
    out.update(_bisect(prelude, {n: shims[n] for n in names[half:]}, arch, why, ok))
    return out


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
    return T.replace(
        t, records=tuple(records), functions=functions, operators=operators, aliases=aliases
    ), skipped
