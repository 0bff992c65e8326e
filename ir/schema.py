"""The JSON Schema of the IR, generated from the Structs (never written by hand)."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec

from .model import APIDocument
from .version import IR_FORMAT, IR_MAJOR, IR_VERSION

SCHEMA_FILE = f"{IR_FORMAT}-{IR_MAJOR}.schema.json"


def json_schema() -> dict:
    """The JSON Schema of the current IR version."""
    schema = msgspec.json.schema(APIDocument)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"{IR_FORMAT} {IR_VERSION}"
    return schema


def json_schema_text() -> str:
    """The schema as the stable text checked into `schema/`."""
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"


def checked_in_schema_path() -> Path:
    """Where the generated schema lives in the source tree (and in the installed package)."""
    return Path(__file__).resolve().parent.parent / "schema" / SCHEMA_FILE
