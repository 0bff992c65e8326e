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
from .includes import Places, implementation, nvrtc_options, shim_folders
from .plan import UsedModule, plan_bindings
from .runtime.tables import replace

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
    config_folder = None
    if not isinstance(config, BindConfig):
        config_folder = Path(config).resolve().parent if config is not None else None
        config = load_config(config)
    doc = source if isinstance(source, ir.APIDocument) else ir.load(Path(source))
    plan = plan_bindings(doc, config, uses)
    places = Places(config_folder)
    folders = shim_folders(doc, config, places)
    sources, link = implementation(config, places)
    extra = tuple(str(Path(d).resolve()) for d in include_dirs)
    tables = replace(
        plan.tables,
        include_dirs=folders.absolute + extra,
        sources=sources.absolute,
        link=link.absolute,
        nvrtc_options=nvrtc_options(config),
    )
    name = f"numbast_dynamic_{next(_counter)}"
    bindings = runtime().bind_module(tables, name, None)
    namespace = pytypes.SimpleNamespace(**bindings.exports)
    namespace._bindings = bindings
    namespace._skipped = list(plan.skipped)
    namespace._tables = tables
    return namespace
