"""cty values as JSON: the form of stored state that UpgradeResourceState and MoveResourceState
receive. Like go-cty's cty/json: exact numbers, objects lenient on input (a missing attribute is
null), a dynamic value as {"value": ..., "type": ...}; unknowns cannot be written.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

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
    type_to_json,
)
from .values import UNKNOWN, CtyValueError, Dynamic, to_number

__all__ = ["decode", "encode"]


def encode(value: Any, ty: CtyType) -> bytes:
    return _write(_to_json(value, ty, AttributePath())).encode()


def _write(data: Any) -> str:
    """Compact JSON, with Decimal numbers written exactly (json.dumps would round them)."""
    if isinstance(data, Decimal):
        return format(data, "f")
    if isinstance(data, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{_write(v)}" for k, v in data.items()) + "}"
    if isinstance(data, list):
        return "[" + ",".join(_write(v) for v in data) + "]"
    return json.dumps(data)


def _to_json(value: Any, ty: CtyType, path: AttributePath) -> Any:
    if value is UNKNOWN:
        raise CtyValueError(path, "value is not known; JSON cannot represent unknown values")
    if value is None:
        return None
    if ty == DYNAMIC:
        if not isinstance(value, Dynamic):
            raise CtyValueError(path, "a value of the dynamic type must be a Dynamic")
        return {"value": _to_json(value.value, value.type, path), "type": type_to_json(value.type)}
    if ty == NUMBER:
        number = to_number(value, path)
        return int(number) if number == number.to_integral_value() else number
    if ty in (STRING, BOOL):
        return value
    if isinstance(ty, List | Set):
        return [_to_json(v, ty.element, path.index(i)) for i, v in enumerate(value)]
    if isinstance(ty, Tuple):
        return [
            _to_json(v, t, path.index(i)) for i, (v, t) in enumerate(zip(value, ty.elements, strict=True))
        ]
    if isinstance(ty, Map):
        return {k: _to_json(v, ty.element, path.key(k)) for k, v in sorted(value.items())}
    if isinstance(ty, Object):
        return {n: _to_json(value.get(n), t, path.attr(n)) for n, t in ty.attributes.items()}
    raise TypeError(f"not a cty type: {ty!r}")


def decode(data: bytes, ty: CtyType) -> Any:
    try:
        raw = json.loads(data, parse_float=Decimal, parse_int=Decimal)
    except ValueError as error:
        raise CtyValueError(AttributePath(), f"invalid JSON: {error}") from None
    return _from_json(raw, ty, AttributePath())


def _from_json(raw: Any, ty: CtyType, path: AttributePath) -> Any:
    if raw is None:
        return None
    if ty == DYNAMIC:
        if not isinstance(raw, dict) or set(raw) != {"value", "type"}:
            raise CtyValueError(path, 'a dynamic value must be {"value": ..., "type": ...}')
        actual = type_from_json(raw["type"])
        return Dynamic(actual, _from_json(raw["value"], actual, path))
    if ty == STRING:
        if isinstance(raw, str):
            return raw
        if isinstance(raw, bool):
            return "true" if raw else "false"
        if isinstance(raw, Decimal):
            return format(raw, "f")
        raise CtyValueError(path, f"a string is required, got {type(raw).__name__}")
    if ty == NUMBER:
        return to_number(raw, path)
    if ty == BOOL:
        if isinstance(raw, bool):
            return raw
        if raw in ("true", "false"):
            return raw == "true"
        raise CtyValueError(path, f"a bool is required, got {type(raw).__name__}")
    if isinstance(ty, List | Set):
        _expect(raw, list, path)
        return [_from_json(v, ty.element, path.index(i)) for i, v in enumerate(raw)]
    if isinstance(ty, Tuple):
        _expect(raw, list, path)
        if len(raw) != len(ty.elements):
            raise CtyValueError(path, f"a tuple of {len(ty.elements)} elements is required")
        return [
            _from_json(v, t, path.index(i)) for i, (v, t) in enumerate(zip(raw, ty.elements, strict=True))
        ]
    if isinstance(ty, Map):
        _expect(raw, dict, path)
        return {k: _from_json(v, ty.element, path.key(k)) for k, v in raw.items()}
    if isinstance(ty, Object):
        _expect(raw, dict, path)
        for key in raw:
            if key not in ty.attributes:
                raise CtyValueError(path, f"unsupported attribute {key!r}")
        return {n: _from_json(raw.get(n), t, path.attr(n)) for n, t in ty.attributes.items()}
    raise TypeError(f"not a cty type: {ty!r}")


def _expect(raw: Any, kind: type, path: AttributePath) -> None:
    if not isinstance(raw, kind):
        raise CtyValueError(path, f"a JSON {'array' if kind is list else 'object'} is required")
