"""cty values as msgpack: the encoding Terraform uses for every DynamicValue it exchanges.

Matches go-cty's cty/msgpack package: unknown is ext type 0 with payload 00 (d4 00 00) on
output, and any ext type on input (refined unknowns arrive as ext 12); numbers are written as
an int when exact, a float64 when exact, otherwise as their decimal text; objects carry every
attribute; a dynamic value is the array [type as JSON bytes, value].
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import msgpack

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
    Set,
    Tuple,
    type_from_json,
    type_to_json_bytes,
)
from .values import UNKNOWN, CtyValueError, Dynamic, to_number

__all__ = ["CtyDecodeError", "decode", "encode"]

_UNKNOWN_EXT = msgpack.ExtType(0, b"\x00")
_INT64 = range(-(2**63), 2**63)


class CtyDecodeError(CtyValueError):
    """Bytes that are not a msgpack encoding of a value of the expected type."""


def encode(value: Any, ty: CtyType) -> bytes:
    data: bytes = msgpack.packb(_to_wire(value, ty, AttributePath()), use_bin_type=True)
    return data


def _to_wire(value: Any, ty: CtyType, path: AttributePath) -> Any:
    if value is UNKNOWN:
        return _UNKNOWN_EXT
    if value is None:
        return None
    if ty == DYNAMIC:
        if not isinstance(value, Dynamic):
            raise CtyValueError(path, "a value of the dynamic type must be a Dynamic")
        return [type_to_json_bytes(value.type), _to_wire(value.value, value.type, path)]
    if ty == NUMBER:
        return _number_to_wire(to_number(value, path))
    if ty in (STRING, BOOL):
        return value
    if isinstance(ty, List | Set):
        return [_to_wire(v, ty.element, path.index(i)) for i, v in enumerate(value)]
    if isinstance(ty, Tuple):
        return [
            _to_wire(v, t, path.index(i)) for i, (v, t) in enumerate(zip(value, ty.elements, strict=True))
        ]
    if isinstance(ty, Map):
        return {k: _to_wire(v, ty.element, path.key(k)) for k, v in sorted(value.items())}
    if isinstance(ty, Object):
        return {n: _to_wire(value.get(n), t, path.attr(n)) for n, t in ty.attributes.items()}
    raise TypeError(f"not a cty type: {ty!r}")


def _number_to_wire(number: Decimal) -> Any:
    if number == number.to_integral_value():
        integer = int(number)
        if integer in _INT64:
            return integer
    as_float = float(number)
    if Decimal(as_float) == number:
        return as_float
    return format(number, "f")


def decode(data: bytes, ty: CtyType) -> Any:
    if not data:
        raise CtyDecodeError(AttributePath(), "empty input is not a msgpack value (null is c0)")
    try:
        raw = msgpack.unpackb(data, raw=False, ext_hook=_ext_hook, strict_map_key=False)
    except (ValueError, msgpack.UnpackException) as error:
        raise CtyDecodeError(AttributePath(), f"invalid msgpack: {error}") from None
    return _from_wire(raw, ty, AttributePath())


def _ext_hook(code: int, payload: bytes) -> Any:
    # Every extension is an unknown; refinements (ext 12) are hints we do not need.
    return UNKNOWN


def _from_wire(raw: Any, ty: CtyType, path: AttributePath) -> Any:
    if raw is UNKNOWN or raw is None:
        return raw
    if ty == DYNAMIC:
        if not isinstance(raw, list) or len(raw) != 2:
            raise CtyDecodeError(path, "a dynamic value must be a [type, value] array")
        type_json, inner = raw
        try:
            actual = type_from_json(
                type_json if isinstance(type_json, bytes | bytearray) else type_json.encode()
            )
        except (ValueError, AttributeError, json.JSONDecodeError) as error:
            raise CtyDecodeError(path, f"invalid dynamic type: {error}") from None
        return Dynamic(actual, _from_wire(inner, actual, path))
    if ty == STRING:
        if not isinstance(raw, str):
            raise CtyDecodeError(path, f"a string is required, got {type(raw).__name__}")
        return raw
    if ty == NUMBER:
        if isinstance(raw, bool) or not isinstance(raw, int | float | str):
            raise CtyDecodeError(path, f"a number is required, got {type(raw).__name__}")
        try:
            return to_number(raw, path)
        except CtyValueError as error:
            raise CtyDecodeError(path, error.message) from None
    if ty == BOOL:
        if not isinstance(raw, bool):
            raise CtyDecodeError(path, f"a bool is required, got {type(raw).__name__}")
        return raw
    if isinstance(ty, List | Set):
        _expect(raw, list, path, "array")
        return [_from_wire(v, ty.element, path.index(i)) for i, v in enumerate(raw)]
    if isinstance(ty, Tuple):
        _expect(raw, list, path, "array")
        if len(raw) != len(ty.elements):
            raise CtyDecodeError(
                path, f"a tuple of {len(ty.elements)} elements is required ({len(raw)} given)"
            )
        return [
            _from_wire(v, t, path.index(i)) for i, (v, t) in enumerate(zip(raw, ty.elements, strict=True))
        ]
    if isinstance(ty, Map):
        _expect(raw, dict, path, "map")
        return {str(k): _from_wire(v, ty.element, path.key(str(k))) for k, v in raw.items()}
    if isinstance(ty, Object):
        _expect(raw, dict, path, "map")
        for key in raw:
            if key not in ty.attributes:
                raise CtyDecodeError(path, f"unsupported attribute {key!r}")
        if len(raw) != len(ty.attributes):
            raise CtyDecodeError(
                path, f"an object with {len(ty.attributes)} attributes is required ({len(raw)} given)"
            )
        return {n: _from_wire(raw[n], t, path.attr(n)) for n, t in ty.attributes.items()}
    raise TypeError(f"not a cty type: {ty!r}")


def _expect(raw: Any, kind: type, path: AttributePath, name: str) -> None:
    if not isinstance(raw, kind):
        raise CtyDecodeError(path, f"a msgpack {name} is required, got {type(raw).__name__}")
