"""Numbast: CUDA C++ headers to Numba-CUDA bindings through a serialized, versioned IR."""

__version__ = "0.1.0"
