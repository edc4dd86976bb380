"""cty, Terraform's type system: types, values, and their msgpack and JSON encodings."""

import importlib
from typing import Any

from . import msgpack_codec
from .msgpack_codec import CtyDecodeError
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
    CtyValueError,
    Dynamic,
    Unknown,
    conform,
    is_wholly_known,
    to_number,
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
    "to_number",
    "type_from_json",
    "type_to_json",
    "type_to_json_bytes",
    "values_equal",
]


def __getattr__(name: str) -> Any:
    # The JSON codec is for stored state only (upgrades, moves): not loaded at start-up.
    if name == "json_codec":
        return importlib.import_module(f"{__name__}.json_codec")
    raise AttributeError(name)
