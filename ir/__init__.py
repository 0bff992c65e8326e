"""The IR contract between the frontend and the backend: model, version, load/save, graph.

The model, its codec and the graph are imported on first use (msgspec and networkx take a
while to import): a command that answers from a cache pays for neither.
"""

import importlib

from .errors import IRError, NumbastError
from .files import relocate, write_atomic
from .version import IR_FORMAT, IR_VERSION, check_compatible

# name -> the submodule that defines it
_LAZY = {
    "check": "io",
    "dumps": "io",
    "load": "io",
    "loads": "io",
    "root_folders": "io",
    "save": "io",
    "AliasTemplate": "model",
    "APIDocument": "model",
    "Base": "model",
    "ClassTemplate": "model",
    "ClassTemplatePartialSpecialization": "model",
    "Constant": "model",
    "CudaInfo": "model",
    "Declaration": "model",
    "Diagnostic": "model",
    "Edge": "model",
    "Enum": "model",
    "Enumerator": "model",
    "Field": "model",
    "Function": "model",
    "FunctionTemplate": "model",
    "Generator": "model",
    "Header": "model",
    "IncludeRoot": "model",
    "InputHeader": "model",
    "Location": "model",
    "Macro": "model",
    "Method": "model",
    "Param": "model",
    "Record": "model",
    "TemplateArg": "model",
    "TemplateParam": "model",
    "Typedef": "model",
    "TypeRef": "model",
    "Variable": "model",
    "decl_kind": "model",
    "RECORD_KINDS": "model",
    "json_schema": "schema",
    "json_schema_text": "schema",
    "DependencyGraph": "graph",
}
_SUBMODULES = {"errors", "files", "graph", "io", "model", "schema", "version"}

__all__ = [
    "NumbastError",
    "IR_FORMAT",
    "IR_VERSION",
    "APIDocument",
    "AliasTemplate",
    "Base",
    "ClassTemplate",
    "ClassTemplatePartialSpecialization",
    "Constant",
    "CudaInfo",
    "Declaration",
    "DependencyGraph",
    "Diagnostic",
    "Edge",
    "Enum",
    "Enumerator",
    "Field",
    "Function",
    "FunctionTemplate",
    "Generator",
    "Header",
    "IRError",
    "IncludeRoot",
    "InputHeader",
    "Location",
    "Macro",
    "Method",
    "Param",
    "Record",
    "TemplateArg",
    "TemplateParam",
    "TypeRef",
    "Typedef",
    "Variable",
    "check",
    "check_compatible",
    "decl_kind",
    "RECORD_KINDS",
    "dumps",
    "json_schema",
    "json_schema_text",
    "load",
    "loads",
    "relocate",
    "root_folders",
    "save",
    "write_atomic",
]


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
