"""Dynamic mode: bindings built in memory from an IR file or IR object, through the same
planner and runtime as the static modules."""

from __future__ import annotations

import importlib
import itertools
import sys
import types as pytypes
from pathlib import Path

from numbast import ir

from .config import BindConfig, load_config
from .plan import UsedModule, plan_bindings

_counter = itertools.count()


def runtime():
    """The runtime of this process: the one a static module already loaded, else ours."""
    from .runtime import PROCESS_NAME

    found = sys.modules.get(PROCESS_NAME)
    return found if found is not None else importlib.import_module("numbast.backend.runtime")


def bind(
    source,
    config: BindConfig | str | Path | None = None,
    include_dirs: list[str] = (),
    uses: list[UsedModule] = (),
) -> pytypes.SimpleNamespace:
    """Bindings usable in @cuda.jit kernels right away.

    `source` is an api.json path or an `APIDocument`; `config` a BindConfig or the path of a
    TOML config; `include_dirs` more folders for the shims' #includes.
    """
    if not isinstance(config, BindConfig):
        config = load_config(config)
    doc = source if isinstance(source, ir.APIDocument) else ir.load(Path(source))
    plan = plan_bindings(doc, config, uses)
    tables = plan.tables
    extra = tuple(str(Path(d).resolve()) for d in include_dirs)
    if extra:
        from .runtime.tables import replace

        tables = replace(tables, include_dirs=tables.include_dirs + extra)
    name = f"numbast_dynamic_{next(_counter)}"
    bindings = runtime().bind_module(tables, name, None)
    namespace = pytypes.SimpleNamespace(**bindings.exports)
    namespace._bindings = bindings
    namespace._skipped = list(plan.skipped)
    namespace._tables = tables
    return namespace
