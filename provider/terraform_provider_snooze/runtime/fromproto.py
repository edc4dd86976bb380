"""tfplugin6 messages to runtime values."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from . import cty
from ._generated import tfplugin6_pb2 as pb

__all__ = ["dynamic_value", "raw_json"]


def dynamic_value(message: pb.DynamicValue, ty: cty.CtyType) -> Any:
    """Terraform sends msgpack; JSON is accepted too. Both empty means null."""
    if message.msgpack:
        return cty.msgpack_codec.decode(message.msgpack, ty)
    if message.json:
        return cty.json_codec.decode(message.json, ty)
    return None


def raw_json(raw: pb.RawState) -> dict[str, Any]:
    """Stored state as plain JSON data, for upgraders and moves (exact numbers kept)."""
    if raw.flatmap and not raw.json:
        raise ValueError("state in the flatmap format of Terraform 0.11 and older is not supported")
    data = json.loads(raw.json or b"null", parse_float=Decimal)
    if not isinstance(data, dict):
        raise ValueError("stored state is not a JSON object")
    return data
