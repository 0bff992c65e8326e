"""Dynamic mode: bindings built in memory from an IR file, an IR object or a header, through the
same planner and runtime as the static modules."""

from __future__ import annotations

import itertools
import types as pytypes
from pathlib import Path

from numbast import ir

from .config import BindConfig, load_config

_HEADER_SUFFIXES = {".h", ".hpp", ".cuh", ".hh", ".hxx", ".inl"}
_counter = itertools.count()


def _document(source) -> tuple[ir.APIDocument, list[str]]:
    """The IR of `source`, and include folders its shims need."""
    if isinstance(source, ir.APIDocument):
        return source, []
    path = Path(source)
    if path.suffix in _HEADER_SUFFIXES:
        # The frontend says clearly when libclang is missing (FrontendError).
        from numbast.frontend import DumpOptions, dump

        return dump(DumpOptions(headers=[str(path)])), [str(path.resolve().parent)]
    return ir.load(path), []


def bind(source, config: BindConfig | str | Path | None = None) -> pytypes.SimpleNamespace:
    """Bindings usable in @cuda.jit kernels right away.

    `source` is an api.json path, an `APIDocument`, or a header (parsed with the frontend).
    `config` is a BindConfig or the path of a TOML config.
    """
    from .plan import plan_bindings
    from .runtime import Bindings

    if not isinstance(config, BindConfig):
        config = load_config(config)
    doc, extra_dirs = _document(source)
    plan = plan_bindings(doc, config)
    tables = dict(plan.tables)
    tables["include_dirs"] = [str(Path(d).resolve()) for d in tables.get("include_dirs", [])]
    tables["include_dirs"] += extra_dirs
    name = f"numbast_dynamic_{next(_counter)}"
    bindings = Bindings.from_tables(name, str(Path.cwd() / f"{name}.py"), tables)
    namespace = pytypes.SimpleNamespace(**bindings.exports)
    namespace._bindings = bindings
    namespace._skipped = list(plan.skipped)
    namespace._tables = tables
    return namespace
