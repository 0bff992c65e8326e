"""IR -> Numba-CUDA bindings. Reads the IR only; never imports clang.

`plan_bindings` turns IR into binding tables (`runtime.tables`); `emit_module` writes them as a
static module whose runtime (`runtime/`, needs numba-cuda) is copied beside it; `bind` hands
them to the same runtime in memory.
"""

from .config import BindConfig, load_config
from .errors import EmitError
from .plan import Plan, plan_bindings

__all__ = ["BindConfig", "EmitError", "Plan", "bind", "emit_module", "load_config", "plan_bindings"]


def emit_module(*args, **kwargs):
    from .emit import emit_module as _emit

    return _emit(*args, **kwargs)


def bind(*args, **kwargs):
    from .dynamic import bind as _bind

    return _bind(*args, **kwargs)
