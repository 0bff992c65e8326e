"""The multi-arch step of a dump: the headers parsed again for every other arch, and each
declaration given the archs whose preprocessor kept it (`#if __CUDA_ARCH__ >= 800`, arch
features, or any macro derived from them: what clang saw, not a reading of the guard).

Only the parse of the dump's own arch is walked whole. Another arch's parse whose
preprocessor skipped the same lines of the retained files has the same declarations; for the
others a light walk collects the ids of the declarations they have. (A declaration that a
macro of a file not retained makes for some archs only is not told apart.) A declaration the
own arch lacks is taken from a full walk of the newest arch that has it.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import msgspec

from numbast import ir
from numbast.ir.arch import Arch

from .ids import IdMaker
from .libclang import FileIndex, is_inline_namespace, scope_children
from .parse import Parsed, parse
from .paths import SourceMap


class OtherParses:
    """The other archs' parses, started in threads before the own arch's is walked (libclang
    lets go of Python's lock while it parses: they run beside the walk)."""

    def __init__(self, commands: dict[Arch, object], header: str):
        workers = max(1, min(len(commands), os.cpu_count() or 1))
        self._pool = ThreadPoolExecutor(workers)
        self._futures = {a: self._pool.submit(parse, c, header) for a, c in commands.items()}

    def results(self) -> dict[Arch, Parsed]:
        try:
            return {a: f.result() for a, f in self._futures.items()}
        finally:
            self._pool.shutdown()


def present_ids(tu, sources: SourceMap) -> set[str]:
    """The ids of the declarations (and constant-macro candidates) a parse has in the
    retained files, at namespace scope: a light walk, no IR built."""
    from .walk.kinds import kinds

    k = kinds()
    ids, index, found = IdMaker(), FileIndex(sources.is_retained), set()

    def visit(cursor) -> None:
        for child in scope_children(cursor):
            kid = child._kind_id
            if kid in k.scope_ids:
                if child.kind == k.CK.NAMESPACE and is_inline_namespace(child):
                    ids.add_inline_namespace(child.spelling)
                if sources.extent_retained(child.extent):
                    visit(child)
                continue
            if not index.retained(child):
                continue
            if kid == k.macro_id:
                found.add(f"c:@macro@{child.spelling}")
                continue
            usr = child.get_usr()
            if usr:
                found.add(ids.normalize_usr(usr))

    visit(tu.cursor)
    return found


def arch_sets(
    decls: dict[str, ir.Declaration], present: dict[Arch, set[str]], archs: tuple[Arch, ...]
) -> dict[str, list[str]]:
    """Each declaration's archs, where not all: a namespace-scope one by the parses that
    have it, a nested one as its record."""
    seen = set().union(*present.values())
    out: dict[str, list[str]] = {}

    def of(ident: str) -> list[str] | None:
        if ident in out:
            return out[ident]
        decl = decls.get(ident)
        if ident in seen:
            have = [str(a) for a in archs if ident in present[a]]
        elif decl is not None and decl.parent:
            have = of(decl.parent)
        else:
            have = None
        if have is not None and len(have) < len(archs):
            out[ident] = have
            return have
        return None

    for ident in decls:
        of(ident)
    return out


def with_archs(decl: ir.Declaration, archs: list[str] | None) -> ir.Declaration:
    return msgspec.structs.replace(decl, archs=archs) if archs else decl
