"""The JSON Schema of the IR, generated from the Structs (never written by hand)."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import msgspec

from .model import APIDocument
from .version import IR_FORMAT, IR_MAJOR, IR_VERSION

SCHEMA_FILE = f"{IR_FORMAT}-{IR_MAJOR}.schema.json"


def clean_descriptions(node: object) -> object:
    """Dedent docstring-made descriptions the same way whatever msgspec version made them."""
    if isinstance(node, dict):
        return {
            k: inspect.cleandoc(v)
            if k == "description" and isinstance(v, str)
            else clean_descriptions(v)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [clean_descriptions(v) for v in node]
    return node


def json_schema() -> dict:
    """The JSON Schema of the current IR version."""
    schema = clean_descriptions(msgspec.json.schema(APIDocument))
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"{IR_FORMAT} {IR_VERSION}"
    return schema


def json_schema_text() -> str:
    """The schema as the stable text checked into `schema/`."""
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"


def checked_in_schema_path() -> Path:
    """Where the generated schema lives in the source tree (and in the installed package)."""
    return Path(__file__).resolve().parent.parent / "schema" / SCHEMA_FILE
