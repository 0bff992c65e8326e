"""libclang -> IR: parse CUDA headers in device mode and describe their declarations."""

from .dump import DumpOptions, DumpTimings, dump
from .errors import FrontendError

__all__ = ["DumpOptions", "DumpTimings", "FrontendError", "dump"]
