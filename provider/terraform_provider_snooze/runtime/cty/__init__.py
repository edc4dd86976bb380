"""cty, Terraform's type system: types, values, and their msgpack and JSON encodings."""

from __future__ import annotations

import importlib
from typing import Any

from . import msgpack_codec
from .path import AttributePath
from .types import (
    BOOL,
    DYNAMIC,
    NUMBER,
    STRING,
    CtyType,
    List,
    Map,
    Object,
    Primitive,
    Set,
    Tuple,
    type_from_json,
    type_to_json,
    type_to_json_bytes,
)
from .values import (
    UNKNOWN,
    CtyDecodeError,
    CtyValueError,
    Dynamic,
    Unknown,
    conform,
    is_wholly_known,
    number_text,
    parse_number,
    to_number,
    unique_elements,
    values_equal,
)

__all__ = [
    "BOOL",
    "DYNAMIC",
    "NUMBER",
    "STRING",
    "UNKNOWN",
    "AttributePath",
    "CtyDecodeError",
    "CtyType",
    "CtyValueError",
    "Dynamic",
    "List",
    "Map",
    "Object",
    "Primitive",
    "Set",
    "Tuple",
    "Unknown",
    "conform",
    "is_wholly_known",
    "json_codec",
    "msgpack_codec",
    "number_text",
    "parse_number",
    "to_number",
    "type_from_json",
    "type_to_json",
    "type_to_json_bytes",
    "unique_elements",
    "values_equal",
]


def __getattr__(name: str) -> Any:
    # The JSON codec is for stored state only (upgrades, moves): not loaded at start-up.
    if name == "json_codec":
        return importlib.import_module(f"{__name__}.json_codec")
    raise AttributeError(name)
