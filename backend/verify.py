"""`numbast emit --verify`: bind a declaration only when its shim compiles for the IR's arch.

All shims are compiled in one NVRTC source (as numba-cuda will compile them at link time);
the compiler's error lines name the failing shims by line, those are dropped with the error
as the reason, and the rest compiled again until clean. Needs numba-cuda (NVRTC), no GPU.
"""

from __future__ import annotations

import re

from .runtime import cxx, environment
from .runtime import tables as T

_ERROR = re.compile(r"^(?P<file>.*?)\((?P<line>\d+)\): (?:catastrophic )?error: (?P<msg>.*)$")
MAX_ROUNDS = 8


def failing_shims(t: T.Module, include_dirs: list[str], arch: str) -> dict[str, str]:
    """{shim name: the compiler's first error} for the shims that do not compile."""
    dirs = environment.include_dirs_near(None, include_dirs)
    prelude = cxx.with_helpers(
        environment.resolve_includes(t.prelude, dirs + environment.cuda_include_dirs())
    )
    environment.add_include_dirs(dirs)
    shims = t.shims()
    failed: dict[str, str] = {}
    alone = _compile(prelude, {}, arch)
    if alone is not None:  # the header itself does not compile here: nothing can be bound
        return {name: f"header does not compile under NVRTC: {alone[1]}" for name in shims}
    for _ in range(MAX_ROUNDS):
        left = {k: v for k, v in shims.items() if k not in failed}
        result = _compile(prelude, left, arch)
        if result is None:
            # Some code compiles to LTO-IR but not to the arch's machine code (warp votes
            # without .sync on sm_70+): link every shim into a kernel to find those too.
            if left and not _links(prelude, left, arch):
                failed.update(_bisect(prelude, left, arch, "does not link for " + arch, _links))
            return failed
        blamed, first = result
        if not blamed:  # an error we cannot place: find the failing shims by halving
            failed.update(_bisect(prelude, left, arch, first))
            return failed
        failed.update(blamed)
    return failed


def _compile(prelude: str, shims: dict[str, str], arch: str):
    """None when the source compiles, else ({shim: error} for errors placed in a shim, the
    first error line)."""
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
        compile_ltoir("\n".join(parts), cc_of(arch))
        return None
    except Exception as exc:  # NVRTC's log is in the message
        log = str(exc)
    blamed: dict[str, str] = {}
    first = ""
    for raw in log.splitlines():
        m = _ERROR.match(raw.strip())
        if m is None:
            continue
        first = first or m["msg"]
        if m["file"].endswith(PROGRAM):
            line = int(m["line"])
            for start, end, name in spans:
                if start <= line <= end:
                    blamed.setdefault(name, m["msg"])
    return blamed, first or (log.strip().splitlines() or ["?"])[-1]


def _compiles(prelude, shims, arch) -> bool:
    return _compile(prelude, shims, arch) is None


def _links(prelude: str, shims: dict[str, str], arch: str) -> bool:
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
        obj = ObjectCode.from_ltoir(compile_ltoir(source, cc_of(arch))[0])
        options = LinkerOptions(arch=arch, link_time_optimization=True)
        Linker(obj, options=options).link("cubin")
        return True
    except Exception:  # the compiler's or the linker's refusal
        return False


def _bisect(prelude, shims: dict[str, str], arch, why: str, ok=_compiles) -> dict[str, str]:
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
