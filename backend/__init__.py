"""IR -> Numba-CUDA bindings. Reads the IR only; never imports clang.

`plan_bindings` turns IR into binding tables (`runtime.tables`); `emit_module` writes them as a
static module whose runtime (`runtime/`, needs numba-cuda) is copied beside it; `bind` hands
them to the same runtime in memory. The last two are imported on first use: planning needs
neither numba-cuda nor the emitter.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from .config import BindConfig, load_config
from .errors import EmitError
from .plan import Plan, plan_bindings

if TYPE_CHECKING:
    from .dynamic import bind
    from .emit import emit_module

__all__ = ["BindConfig", "EmitError", "Plan", "bind", "emit_module", "load_config", "plan_bindings"]

_LAZY = {"emit_module": ".emit", "bind": ".dynamic"}


def __getattr__(name: str):
    """`emit_module` and `bind` themselves (their real signatures), imported on first use."""
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
