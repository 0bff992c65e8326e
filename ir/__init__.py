"""The IR contract between the frontend and the backend: model, version, load/save, graph."""

from .errors import IRError
from .io import check, dumps, load, loads, save, write_atomic
from .model import (
    AliasTemplate,
    APIDocument,
    Base,
    ClassTemplate,
    ClassTemplatePartialSpecialization,
    Constant,
    CudaInfo,
    Declaration,
    Diagnostic,
    Edge,
    Enum,
    Enumerator,
    Field,
    Function,
    FunctionTemplate,
    Generator,
    Header,
    IncludeRoot,
    InputHeader,
    Location,
    Macro,
    Method,
    Param,
    Record,
    TemplateArg,
    TemplateParam,
    Typedef,
    TypeRef,
    Variable,
    decl_kind,
)
from .schema import json_schema, json_schema_text
from .version import IR_FORMAT, IR_VERSION, check_compatible

__all__ = [
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
    "dumps",
    "json_schema",
    "json_schema_text",
    "load",
    "loads",
    "save",
    "write_atomic",
]


def __getattr__(name: str):
    # networkx takes a tenth of a second to import: only commands that need the graph pay it.
    if name == "DependencyGraph":
        from .graph import DependencyGraph

        return DependencyGraph
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), "DependencyGraph"])
