"""The runtime of Numbast bindings: turns binding tables into Numba types, typing and lowering.

It imports only numba-cuda (and what numba-cuda brings), and only when bindings are built:
`tables` and `cxx` are plain Python, so the planner can use them without Numba.

Parts, one concern each: `tables` (the typed contract), `cxx` (C++ names, operators, shim
text), `environment` (version check, include and cache folders), `numba_types` (tables <-> Numba
types), `records` (record types and data models), `shims` (the NVRTC shim bundle), `calls`
(functions, constructors, operators, methods, casts), `templates` (a module's template
registrations) over `function_templates` and `class_templates` (one class per class template:
its specializations, constructors, fields, methods and operators), which share
`template_calls` (argument matching and shim bodies, and `TemplateHost`, the few things they
ask of a module's bindings), `layout` (NVRTC layout queries and their disk cache),
`bindings` (a module's bindings and the registry of modules in this process).

One runtime per process: a generated module looks it up in `sys.modules` under
`PROCESS_NAME` before loading the copy beside it, and this package registers itself there on
import, so however many modules are imported they share one set of Numba types.
"""

from __future__ import annotations

import sys

from . import cxx, tables
from .tables import TABLE_VERSION

RUNTIME_VERSION = "0.2.0"
PROCESS_NAME = f"numbast_runtime_{TABLE_VERSION[0]}"

sys.modules.setdefault(PROCESS_NAME, sys.modules[__name__])


def require(version: tuple[int, int], module: str) -> None:
    """Refuse tables this runtime cannot read, naming what to regenerate."""
    major, minor = version
    if major != TABLE_VERSION[0] or minor > TABLE_VERSION[1]:
        have = f"{TABLE_VERSION[0]}.{TABLE_VERSION[1]}"
        raise ImportError(
            f"{module}: binding tables {major}.{minor} need a newer numbast runtime (this one "
            f"reads {have}); regenerate {module} with `numbast emit` of this numbast"
        )


def bind_module(t: tables.Module, module: str, module_file: str | None):
    """Build the bindings the tables describe (imports numba-cuda)."""
    require(t.version, module)
    from . import environment
    from .bindings import bind_module as _bind

    environment.check_numba_cuda(environment.numba_cuda_version(), module)
    return _bind(t, module, module_file)


__all__ = [
    "PROCESS_NAME",
    "RUNTIME_VERSION",
    "TABLE_VERSION",
    "bind_module",
    "cxx",
    "require",
    "tables",
]
