"""cty values as JSON: the form of stored state that UpgradeResourceState and MoveResourceState
receive. Like go-cty's cty/json (marshal.go, unmarshal.go): exact numbers, objects lenient on
input (a missing attribute is null), a value in a dynamic slot as {"value": ..., "type": ...};
unknowns cannot be written.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
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
    type_to_json_bytes,
)
from .values import (
    UNKNOWN,
    CtyDecodeError,
    CtyValueError,
    Dynamic,
    nfc,
    number_text,
    to_number,
    unique_elements,
)

__all__ = ["CtyDecodeError", "decode", "encode"]


def encode(value: Any, ty: CtyType) -> bytes:
    """Compact JSON as go-cty's json.Marshal writes it; raises CtyValueError on unknowns."""
    parts: list[str] = []
    _write(value, ty, AttributePath(), parts)
    try:
        return "".join(parts).encode()
    except UnicodeEncodeError as error:
        raise CtyValueError(AttributePath(), f"a string is not valid Unicode: {error}") from None


def _string(text: str) -> str:
    return json.dumps(nfc(text), ensure_ascii=False)


def _write(value: Any, ty: CtyType, path: AttributePath, out: list[str]) -> None:
    if ty == DYNAMIC and isinstance(value, Dynamic) and value.type != DYNAMIC:
        # marshal.go marshalDynamic: value first, then its type.
        out.append('{"value":')
        _write(value.value, value.type, path, out)
        out.append(',"type":' + type_to_json_bytes(value.type).decode() + "}")
        return
    if isinstance(value, Dynamic):
        value = value.value if ty == DYNAMIC else _wrong(value, ty, path)
    if value is None:
        out.append("null")
    elif value is UNKNOWN:
        raise CtyValueError(path, "value is not known; JSON cannot represent unknown values")
    elif ty == STRING:
        out.append(_string(value) if isinstance(value, str) else _wrong(value, ty, path))
    elif ty == NUMBER:
        out.append(number_text(to_number(value, path)))  # exact: never through a float
    elif ty == BOOL:
        out.append(("true" if value else "false") if isinstance(value, bool) else _wrong(value, ty, path))
    elif ty == DYNAMIC:
        raise CtyValueError(path, "a value of the dynamic type must be a Dynamic(type, value)")
    elif isinstance(ty, List | Set | Tuple):
        types = _element_types(value, ty, path)
        out.append("[")
        for i, (element, element_type) in enumerate(zip(value, types, strict=True)):
            if i:
                out.append(",")
            _write(element, element_type, path.index(i), out)
        out.append("]")
    elif isinstance(ty, Map | Object):
        out.append("{")
        for i, (key, element, element_type) in enumerate(_members(value, ty, path)):
            # Map keys are strings of the value, normalised; attribute names belong to the type.
            name = _string(key) if isinstance(ty, Map) else json.dumps(key, ensure_ascii=False)
            out.append(("," if i else "") + name + ":")
            _write(element, element_type, path.key(key) if isinstance(ty, Map) else path.attr(key), out)
        out.append("}")
    else:
        raise TypeError(f"not a cty type: {ty!r}")


def _element_types(value: Any, ty: List | Set | Tuple, path: AttributePath) -> list[CtyType]:
    if isinstance(ty, Tuple):
        if not isinstance(value, list | tuple) or len(value) != len(ty.elements):
            raise CtyValueError(path, f"a tuple of length {len(ty.elements)} is required")
        return list(ty.elements)
    if not isinstance(value, list | tuple | set | frozenset):
        _wrong(value, ty, path)
    return [ty.element] * len(value)


def _members(value: Any, ty: Map | Object, path: AttributePath) -> list[tuple[str, Any, CtyType]]:
    if not isinstance(value, Mapping):
        _wrong(value, ty, path)
    if isinstance(ty, Map):
        if not all(isinstance(k, str) for k in value):
            raise CtyValueError(path, "map keys must be strings")
        return [(k, v, ty.element) for k, v in sorted(value.items())]
    for name in value:
        if name not in ty.attributes:
            raise CtyValueError(path, f"unsupported attribute {name!r}")
    return [(n, value.get(n), t) for n, t in ty.attributes.items()]


def _wrong(value: Any, ty: CtyType, path: AttributePath) -> Any:
    raise CtyValueError(path, f"a value of type {ty} is required, not {type(value).__name__}")


class _NumberText(str):
    """A JSON number's text as written: go's json.Number, kept exact until the type is known."""

    __slots__ = ()


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def decode(data: bytes, ty: CtyType) -> Any:
    """The canonical value that JSON `data` encodes as type `ty`, read as go-cty reads it."""
    try:
        raw = json.loads(data, parse_float=_NumberText, parse_int=_NumberText, parse_constant=_no_constant)
    except ValueError as error:  # includes JSONDecodeError and UnicodeDecodeError
        raise CtyDecodeError(AttributePath(), f"invalid JSON: {error}") from None
    return _read(raw, ty, AttributePath())


def _read(raw: Any, ty: CtyType, path: AttributePath) -> Any:
    if raw is None:
        return None
    if ty == DYNAMIC:
        return _read_dynamic(raw, path)
    if ty == STRING:
        # unmarshal.go: a JSON number gives its text as written, a bool "true" or "false".
        if isinstance(raw, str):
            return nfc(str(raw))
        if isinstance(raw, bool):
            return "true" if raw else "false"
        raise CtyDecodeError(path, "string is required")
    if ty == NUMBER:
        # A number, or a string holding one (convert.Convert from string).
        if not isinstance(raw, str):
            raise CtyDecodeError(path, "number is required")
        try:
            return to_number(str(raw), path)
        except CtyValueError:
            raise CtyDecodeError(path, "a number is required") from None
    if ty == BOOL:
        if isinstance(raw, bool):
            return raw
        # convert.Convert from string accepts exactly these; a JSON number is not a bool.
        if type(raw) is str and raw in _BOOL_TEXT:
            return _BOOL_TEXT[raw]
        raise CtyDecodeError(path, "bool is required" if type(raw) is not str else "a bool is required")
    if isinstance(ty, List | Set):
        if not isinstance(raw, list):
            raise CtyDecodeError(path, f"need JSON array for {'list' if isinstance(ty, List) else 'set'}")
        elements = [_read(v, ty.element, path.index(i)) for i, v in enumerate(raw)]
        return unique_elements(elements, ty.element) if isinstance(ty, Set) else elements
    if isinstance(ty, Tuple):
        if not isinstance(raw, list):
            raise CtyDecodeError(path, "need JSON array for tuple")
        if len(raw) != len(ty.elements):
            few = len(raw) < len(ty.elements)
            raise CtyDecodeError(
                path, f"{'not enough' if few else 'too many'} tuple elements (need {len(ty.elements)})"
            )
        return [_read(v, t, path.index(i)) for i, (v, t) in enumerate(zip(raw, ty.elements, strict=True))]
    if isinstance(ty, Map):
        if not isinstance(raw, dict):
            raise CtyDecodeError(path, "need JSON object for map")
        return {nfc(k): _read(v, ty.element, path.key(k)) for k, v in raw.items()}
    if isinstance(ty, Object):
        if not isinstance(raw, dict):
            raise CtyDecodeError(path, "need JSON object for object")
        for key in raw:
            if key not in ty.attributes:
                raise CtyDecodeError(path, f"unsupported attribute {key!r}")
        # Lenient, unlike msgpack: an attribute left out of stored state is null.
        return {n: _read(raw.get(n), t, path.attr(n)) for n, t in ty.attributes.items()}
    raise TypeError(f"not a cty type: {ty!r}")


_BOOL_TEXT = {"true": True, "1": True, "false": False, "0": False}


def _read_dynamic(raw: Any, path: AttributePath) -> Any:
    if not isinstance(raw, dict):
        raise CtyDecodeError(path, "need JSON object for dynamically-typed value")
    for key in raw:
        if key not in ("type", "value"):
            raise CtyDecodeError(path, f"invalid key {key!r} in dynamically-typed value")
    if "type" not in raw:
        raise CtyDecodeError(path, "missing type in dynamically-typed value")
    if "value" not in raw:
        raise CtyDecodeError(path, "missing value in dynamically-typed value")
    try:
        actual = type_from_json(raw["type"])
    except ValueError as error:
        raise CtyDecodeError(path, str(error)) from None
    value = _read(raw["value"], actual, path)
    return value if actual == DYNAMIC else Dynamic(actual, value)
