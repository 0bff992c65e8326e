"""Numbast: CUDA C++ headers to Numba-CUDA bindings through a serialized, versioned IR."""

__version__ = "0.1.0"

_HEADER_SUFFIXES = {".h", ".hpp", ".cuh", ".hh", ".hxx", ".inl"}


def bind(source, config=None):
    """Bindings of `source` built in memory (dynamic mode): an api.json path, an IR object,
    or a header, which is parsed with the frontend first. Needs numba-cuda (and, for a
    header, libclang)."""
    from pathlib import Path

    from numbast.backend.dynamic import bind as _bind

    if isinstance(source, (str, Path)) and Path(source).suffix in _HEADER_SUFFIXES:
        from numbast.frontend import DumpOptions, dump

        header = Path(source)
        doc = dump(DumpOptions(headers=[str(header)]))
        return _bind(doc, config, include_dirs=[str(header.resolve().parent)])
    return _bind(source, config)
