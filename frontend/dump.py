"""`canopy dump`'s engine: parse headers in CUDA device mode and build the IR document.

A dump is a pipeline of named steps, each a function of the previous one's output:

    check_options -> resolve_inputs -> clang_command -> parse -> triage -> walk -> document

with the user cache one wrapper around it (`cache.through`): a repeat dump whose inputs are
unchanged stops before `resolve_inputs`, or before `parse`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from numbast import __version__, ir
from numbast.ir.arch import Arch

from . import cache
from .inputs import (
    SHIM_INCLUDE,
    ClangCommand,
    Inputs,
    check_options,
    clang_command,
    dumped_archs,
    resolve_inputs,
)
from .libclang import clang_version
from .options import DumpOptions, DumpTimings
from .paths import SourceMap, sha256_of

_MAX_FORWARDING = 8  # levels of headers that only include others


@dataclass(frozen=True)
class Plan:
    """A dump resolved up to its clang command: what the user cache is keyed by."""

    options: DumpOptions
    inputs: Inputs
    command: ClangCommand  # for the dump's own arch
    key: str
    archs: tuple[Arch, ...] = ()  # every arch dumped, sorted
    others: dict[Arch, ClangCommand] = field(default_factory=dict)  # the other archs'

    @property
    def probes(self) -> tuple[str, ...]:
        return self.inputs.probes

    @property
    def requested(self) -> list[str]:
        return [str(h) for h in self.inputs.headers]


@dataclass
class Walked:
    """The declarations and edges found, the files they were kept from, and the dump's own
    warnings (forwarding headers followed, nothing retained, facts libclang withheld)."""

    decls: dict[str, ir.Declaration]
    edges: set[tuple[str, str, str]]
    retained: tuple[Path, ...]
    sources: SourceMap
    notes: list[ir.Diagnostic]
    arch_guards: object  # path -> ArchGuards | None


def cached_dump(options: DumpOptions) -> bytes | None:
    """The IR of a repeat dump from the user cache, without finding CUDA or loading clang
    (None when it must be made)."""
    if not options.use_cache or not options.headers:
        return None
    return cache.answer(cache.request_key(options.request()))


def dump(options: DumpOptions, timings: DumpTimings | None = None) -> ir.APIDocument:
    """Parse the headers and return the IR document. Raises FrontendError."""
    check_options(options)
    return cache.through(options, lambda: plan(options), lambda p: build(p, timings))


def plan(options: DumpOptions) -> Plan:
    inputs = resolve_inputs(options)
    own = Arch.parse(options.arch)
    archs = dumped_archs(options)
    command = clang_command(options, inputs, own)
    others = {a: clang_command(options, inputs, a) for a in archs if a != own}
    key = cache.key_of(
        [
            *command.args,
            *[f"also {a}" for a in others],
            command.main,
            *map(str, inputs.retained),
            f"keep_going={options.keep_going}",
            clang_version(),
            __version__,
            ir.IR_VERSION,
            str(SHIM_INCLUDE),
        ]
    )
    return Plan(options, inputs, command, key, archs, others)


def build(plan: Plan, timings: DumpTimings | None = None) -> tuple[ir.APIDocument, list[str]]:
    """The document, and every file it depends on (what the cache checks before serving it)."""
    from .parse import parse
    from .triage import triage

    others = None
    if plan.others:
        from .archs import OtherParses

        others = OtherParses(plan.others, plan.options.headers[0])
    parsed = parse(plan.command, plan.options.headers[0])
    started = time.perf_counter()
    diagnostics = triage(parsed, plan.inputs.sources(), plan.options.keep_going)
    walked = walk_retained(parsed.tu, plan.inputs)
    included = _included(parsed.tu)
    if others is not None:
        walked, more, also = _other_archs(plan, parsed, walked, others.results())
        diagnostics += [d for d in more if d not in diagnostics]
        included = list(dict.fromkeys([*included, *also]))
    doc = document(plan, walked, diagnostics + walked.notes)
    if timings is not None:
        timings.parse = parsed.seconds
        timings.walk = time.perf_counter() - started
    files = included + [str(h) for h in plan.inputs.headers] + list(map(str, walked.retained))
    return doc, files


def _other_archs(plan: Plan, parsed, walked: Walked, others: dict):
    """With the other archs' parses: (the walk with every declaration's archs, their
    diagnostics, the files they included). Their translation units are let go on return."""
    from . import archs as multi
    from .errors import FrontendError
    from .libclang import skipped_ranges
    from .triage import triage
    from .walk import walk

    own = Arch.parse(plan.options.arch)
    sources = plan.inputs.sources(walked.retained)
    requested = plan.inputs.sources()
    diagnostics = []
    for arch, other in sorted(others.items()):
        try:
            diagnostics += triage(other, requested, plan.options.keep_going)
        except FrontendError as exc:
            raise FrontendError(f"{exc} (for {arch})") from None
    # A parse whose preprocessor skipped the same lines of the retained files as the own
    # arch's has the same declarations: only the others are walked (lightly).
    same = skipped_ranges(parsed.tu, sources.is_retained)
    differ = {a for a, p in others.items() if skipped_ranges(p.tu, sources.is_retained) != same}
    if not differ:
        return walked, diagnostics, [f for p in others.values() for f in _included(p.tu)]
    present = {own: multi.present_ids(parsed.tu, sources)}
    present.update(
        (a, multi.present_ids(p.tu, sources) if a in differ else present[own])
        for a, p in others.items()
    )
    decls, edges = dict(walked.decls), set(walked.edges)
    for arch in sorted(others, reverse=True):  # what only other archs have, newest first
        need = present[arch] - present[own] - set(decls)
        if not need:
            continue
        ctx = walk(others[arch].tu, sources)
        taken = {i for i in ctx.decls if i in need}
        grown = True
        while grown:  # and what is nested in those
            more = {i for i, d in ctx.decls.items() if d.parent in taken} - taken
            taken |= more
            grown = bool(more)
        decls.update((i, ctx.decls[i]) for i in sorted(taken))
        edges |= {e for e in ctx.edges if e[0] in taken or e[1] in taken}
    sets = multi.arch_sets(decls, present, plan.archs)
    decls = {i: multi.with_archs(d, sets.get(i)) for i, d in decls.items()}
    also = [f for p in others.values() for f in _included(p.tu)]
    return replace(walked, decls=decls, edges=edges), diagnostics, also


def walk_retained(tu, inputs: Inputs) -> Walked:
    """Walk the retained files. A header that only forwards (mma.h includes crt/mma.h;
    cufftdx.hpp includes headers that include the API) has its includes followed, level by
    level, while nothing is retained: past the first level only into the requested headers'
    own include roots, never out into the toolkit's or the system's. A library component's
    parts (`cuda/__barrier/` of `cuda/barrier`) come with it. `--retain` files are added
    after: they do not make a forwarding header look like one that declares."""
    from .walk import walk

    retained = inputs.own()
    sources = inputs.sources(retained)
    ctx = walk(tu, sources)
    frontier, followed = set(inputs.headers), set()
    own_roots = {sources.relative(str(h))[0] for h in inputs.headers}
    for depth in range(_MAX_FORWARDING):
        if ctx.decls:
            break
        forwarded = _direct_includes(tu, frontier) - set(retained)
        if depth:
            forwarded = {f for f in forwarded if sources.relative(str(f))[0] in own_roots}
        if not forwarded:
            break
        followed |= forwarded
        frontier = forwarded
        retained = tuple(sorted(set(retained) | forwarded))
        sources = inputs.sources(retained)
        ctx = walk(tu, sources)
    if followed:  # and the rest of that part of the library: what they include beside them
        beside = _siblings_included(tu, followed, set(retained))
        if beside:
            followed |= beside
            retained = tuple(sorted(set(retained) | beside))
            sources = inputs.sources(retained)
            ctx = walk(tu, sources)
    parts = _parts_included(tu, set(inputs.headers), set(retained))
    if parts:
        retained = tuple(sorted(set(retained) | parts))
        sources = inputs.sources(retained)
        ctx = walk(tu, sources)
    if inputs.asked:
        retained = tuple(sorted(set(retained) | set(inputs.asked)))
        sources = inputs.sources(retained)
        ctx = walk(tu, sources)
    notes = []
    if followed:
        names = ", ".join(sorted(sources.relative(str(p))[1] for p in followed))
        notes.append(_note(f"only includes other headers: followed into {names}", inputs))
    if parts:
        names = ", ".join(sorted(sources.relative(str(p))[1] for p in parts))
        notes.append(_note(f"its parts retained with it: {names}", inputs))
    if not ctx.decls:
        notes.append(
            _note(
                "no declarations retained: clang's CUDA headers already define its include "
                "guard and provide their own versions, or it declares nothing for the device",
                inputs,
            )
        )
    return Walked(ctx.decls, ctx.edges, retained, sources, ctx.diagnostics + notes, ctx.arch_guards)


def document(plan: Plan, walked: Walked, diagnostics: list[ir.Diagnostic]) -> ir.APIDocument:
    """The IR document: declarations in source order, edges between kept declarations, and
    the header saying what was parsed and how."""
    sources = walked.sources
    decls = sorted(
        (_with_arch_guard(d, walked) for d in walked.decls.values()),
        key=lambda d: (d.location.file, d.location.line, d.location.column, d.id),
    )
    known = set(walked.decls)
    for d in decls:
        if isinstance(d, ir.model.RECORD_KINDS):
            known.update(m.id for m in (*d.constructors, *d.methods))
            if d.destructor is not None:
                known.add(d.destructor.id)
    edges = sorted(
        (e for e in walked.edges if e[0] in known and e[1] in known),
        key=lambda e: (e[0], e[2], e[1]),
    )
    requested = set(plan.inputs.headers)
    inputs = []
    for p in walked.retained:
        root, rel = sources.relative(str(p))
        inputs.append(
            ir.InputHeader(path=rel, root=root, sha256=sha256_of(p), requested=p in requested)
        )
    options, cuda = plan.options, plan.inputs.cuda
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
            for r in plan.inputs.roots
        ],
        inputs=inputs,
        diagnostics=diagnostics,
        archs=[str(a) for a in plan.archs] if len(plan.archs) > 1 else [],
    )
    return ir.APIDocument(
        header=header,
        declarations=decls,
        edges=[ir.Edge(source=s, target=t, kind=k) for s, t, k in edges],
    )


def _included(tu) -> list[str]:
    """Every file a translation unit included (what the cache checks before serving)."""
    return [inc.include.name for inc in tu.get_includes()]


def _siblings_included(tu, followed: set[Path], retained: set[Path]) -> set[Path]:
    """The files the followed headers include, transitively, from their own folders: the
    part of the library a forwarding header stands for (`cuda/std/complex` follows into
    `__complex/arg.h`, which includes `__complex/complex.h`, the class itself)."""
    folders = {f.parent for f in followed}
    found: set[Path] = set()
    frontier = set(followed)
    while frontier:
        more = {f for f in _direct_includes(tu, frontier) if f.parent in folders}
        frontier = more - found - followed - retained
        found |= frontier
    return found


def _parts_included(tu, headers: set[Path], retained: set[Path]) -> set[Path]:
    """The parts of a library component: libcu++ keeps those of `cuda/barrier` in
    `cuda/__barrier/` and of `cuda/std/barrier` (which it includes, the same component in
    cuda::std) in `cuda/std/__barrier/`. The files reached from the requested headers
    through includes of their parts and of the headers of the same name, that lie in a
    `__<name>` folder beside one of those headers."""
    names = {h.name for h in headers}
    roots, seen = set(headers), set(headers)
    frontier = set(headers)
    while frontier:
        included = _direct_includes(tu, frontier)
        roots |= {f for f in included if f.name in names}
        folders = [r.parent / f"__{r.name}" for r in roots]
        frontier = {
            f for f in included if f in roots or any(d in f.parents for d in folders)
        } - seen
        seen |= frontier
    return seen - roots - retained


def _direct_includes(tu, headers: set[Path]) -> set[Path]:
    """The files the requested headers #include themselves."""
    found = set()
    for inc in tu.get_includes():
        if inc.source is not None and Path(inc.source.name).resolve() in headers:
            found.add(Path(inc.include.name).resolve())
    return found


def _note(message: str, inputs: Inputs) -> ir.Diagnostic:
    """A warning of the dump itself, kept in the IR and shown by `canopy dump`."""
    return ir.Diagnostic(severity="warning", location=inputs.headers[0].name, message=message)


def _with_arch_guard(decl, walked: Walked):
    guards = walked.arch_guards(walked.sources.absolute(decl.location.file))
    guard = guards.at(decl.location.line) if guards is not None else None
    if not guard:
        return decl
    import msgspec

    return msgspec.structs.replace(decl, arch_guard=guard)
