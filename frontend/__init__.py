"""libclang -> IR: parse CUDA headers in device mode and describe their declarations."""

from .dump import cached_dump, dump
from .errors import FrontendError
from .options import DumpOptions, DumpTimings

__all__ = ["DumpOptions", "DumpTimings", "FrontendError", "cached_dump", "dump"]
