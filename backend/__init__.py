"""IR -> Numba-CUDA bindings. Reads the IR only; never imports clang.

`emit_module` writes a standalone module (static mode); the runtime it embeds lives in
`runtime.py` and needs numba-cuda, which this package imports only when bindings are built.
"""

from .config import BindConfig, load_config
from .errors import EmitError
from .plan import Plan, plan_bindings

__all__ = ["BindConfig", "EmitError", "Plan", "emit_module", "load_config", "plan_bindings"]


def emit_module(*args, **kwargs):
    from .emit import emit_module as _emit

    return _emit(*args, **kwargs)
