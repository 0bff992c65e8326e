"""Numbast: CUDA C++ headers to Numba-CUDA bindings through a serialized, versioned IR."""

__version__ = "0.1.0"


def bind(source, config=None):
    """Bindings of `source` (api.json path, IR object or header) built in memory; see
    `numbast.backend.dynamic.bind`. Needs numba-cuda."""
    from numbast.backend.dynamic import bind as _bind

    return _bind(source, config)
