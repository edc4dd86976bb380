"""cty values as msgpack: the encoding Terraform uses for every DynamicValue it exchanges.

Matches go-cty's cty/msgpack package (marshal.go, unmarshal.go, unknown.go, dynamic.go):
unknown is ext type 0 with payload 00 (d4 00 00) on output, and any ext type on input (refined
unknowns arrive as ext 12; their refinements are dropped); numbers are written as an int when
exact in int64, a float64 when exact, otherwise as their decimal text; objects carry every
attribute; a value in a dynamic slot is the array [type as JSON bytes, value].
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
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
    Primitive,
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

# unknown.go unknownValBytes: fixext1, type 0, one zero byte. An empty ext payload is also an
# unknown but serialises differently (c7 00 00); Terraform writes, and we write, d4 00 00.
_UNKNOWN_EXT = msgpack.ExtType(0, b"\x00")
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def encode(value: Any, ty: CtyType) -> bytes:
    """The msgpack bytes go-cty's msgpack.Marshal would write for `value` of type `ty`."""
    wire = _to_wire(value, ty, AttributePath())
    try:
        data: bytes = msgpack.packb(wire, use_bin_type=True)
    except UnicodeEncodeError as error:
        raise CtyValueError(AttributePath(), f"a string is not valid Unicode: {error}") from None
    return data


def _to_wire(value: Any, ty: CtyType, path: AttributePath) -> Any:
    if ty == DYNAMIC and isinstance(value, Dynamic) and value.type != DYNAMIC:
        # marshal.go: a value in a dynamic slot carries its type, even when null or unknown.
        return [type_to_json_bytes(value.type), _to_wire(value.value, value.type, path)]
    if isinstance(value, Dynamic):
        value = value.value if ty == DYNAMIC else _wrong(value, ty, path)
    if value is UNKNOWN:
        return _UNKNOWN_EXT
    if value is None:
        return None
    if isinstance(ty, Primitive):
        return _PRIMITIVE_WRITERS[ty.name](value, ty, path)
    writer = _COMPOSITE_WRITERS.get(type(ty))
    if writer is None:
        raise TypeError(f"not a cty type: {ty!r}")
    return writer(value, ty, path)


def _string_to_wire(value: Any, ty: CtyType, path: AttributePath) -> Any:
    return nfc(value) if isinstance(value, str) else _wrong(value, ty, path)


def _bool_to_wire(value: Any, ty: CtyType, path: AttributePath) -> Any:
    return value if isinstance(value, bool) else _wrong(value, ty, path)


def _bare_dynamic(value: Any, ty: CtyType, path: AttributePath) -> Any:
    raise CtyValueError(path, "a value of the dynamic type must be a Dynamic(type, value)")


def _sequence_to_wire(value: Any, ty: List | Set, path: AttributePath) -> list[Any]:
    if not isinstance(value, list | tuple | set | frozenset):
        _wrong(value, ty, path)
    return [_to_wire(v, ty.element, path.index(i)) for i, v in enumerate(value)]


def _tuple_to_wire(value: Any, ty: Tuple, path: AttributePath) -> list[Any]:
    if not isinstance(value, list | tuple) or len(value) != len(ty.elements):
        raise CtyValueError(path, f"a tuple of length {len(ty.elements)} is required")
    return [_to_wire(v, t, path.index(i)) for i, (v, t) in enumerate(zip(value, ty.elements, strict=True))]


def _map_to_wire(value: Any, ty: Map, path: AttributePath) -> dict[str, Any]:
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        _wrong(value, ty, path)
    # cty iterates map elements in key order.
    return {nfc(k): _to_wire(v, ty.element, path.key(k)) for k, v in sorted(value.items())}


def _object_to_wire(value: Any, ty: Object, path: AttributePath) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        _wrong(value, ty, path)
    for name in value:
        if name not in ty.attributes:
            raise CtyValueError(path, f"unsupported attribute {name!r}")
    # Every attribute is written, null ones as nil: Terraform requires all of them.
    return {n: _to_wire(value.get(n), t, path.attr(n)) for n, t in ty.attributes.items()}


_PRIMITIVE_WRITERS: dict[str, Callable[[Any, CtyType, AttributePath], Any]] = {
    STRING.name: _string_to_wire,
    NUMBER.name: lambda value, ty, path: _number_to_wire(to_number(value, path)),
    BOOL.name: _bool_to_wire,
    DYNAMIC.name: _bare_dynamic,
}
_COMPOSITE_WRITERS: dict[type[CtyType], Callable[[Any, Any, AttributePath], Any]] = {
    List: _sequence_to_wire,
    Set: _sequence_to_wire,
    Tuple: _tuple_to_wire,
    Map: _map_to_wire,
    Object: _object_to_wire,
}


def _wrong(value: Any, ty: CtyType, path: AttributePath) -> Any:
    raise CtyValueError(path, f"a value of type {ty} is required, not {type(value).__name__}")


def _number_to_wire(number: Decimal) -> int | float | str:
    """marshal.go: int64 if exact, else float64 if exact, else the decimal text."""
    # Range first: int() of a number with a huge exponent would build a huge integer.
    if _INT64_MIN <= number <= _INT64_MAX and number == number.to_integral_value():
        return int(number)
    as_float = float(number)
    if Decimal(as_float) == number:
        return as_float
    return number_text(number)


def decode(data: bytes, ty: CtyType) -> Any:
    """The canonical value that msgpack `data` encodes as type `ty`, read as go-cty reads it."""
    if not data:
        raise CtyDecodeError(AttributePath(), "empty input is not a msgpack value (null is c0)")
    try:
        raw = msgpack.unpackb(data, raw=False, ext_hook=_ext_hook, strict_map_key=False)
    except (ValueError, msgpack.UnpackException) as error:
        raise CtyDecodeError(AttributePath(), f"invalid msgpack: {error}") from None
    return _from_wire(raw, ty, AttributePath())


def _ext_hook(code: int, payload: bytes) -> Any:
    # unmarshal.go: "We just assume _all_ extensions are unknown values". Refinements (ext 12,
    # a map payload) only narrow an unknown; dropping them keeps a correct, vaguer unknown.
    return UNKNOWN


def _from_wire(raw: Any, ty: CtyType, path: AttributePath) -> Any:
    if raw is UNKNOWN or raw is None or isinstance(raw, msgpack.Timestamp):
        # The msgpack library decodes ext -1 as a timestamp; to cty it is one more extension.
        return None if raw is None else UNKNOWN
    if isinstance(ty, Primitive):
        return _PRIMITIVE_READERS[ty.name](raw, path)
    reader = _COMPOSITE_READERS.get(type(ty))
    if reader is None:
        raise TypeError(f"not a cty type: {ty!r}")
    return reader(raw, ty, path)


def _number_from_wire(raw: Any, path: AttributePath) -> Decimal:
    # Ints, floats (exactly: Decimal(float)), and the decimal text go-cty writes otherwise.
    if isinstance(raw, bool) or not isinstance(raw, int | float | str | bytes):
        raise CtyDecodeError(path, "number is required")
    if isinstance(raw, str | bytes):
        return _number_text(_text(raw, path, "number is required"), path)
    try:
        return to_number(raw, path)
    except CtyValueError as error:
        raise CtyDecodeError(path, error.message) from None


def _bool_from_wire(raw: Any, path: AttributePath) -> bool:
    if not isinstance(raw, bool):
        raise CtyDecodeError(path, "bool is required")
    return raw


def _sequence_from_wire(raw: Any, ty: List | Set, path: AttributePath) -> list[Any]:
    if not isinstance(raw, list):
        raise CtyDecodeError(path, f"a {'list' if isinstance(ty, List) else 'set'} is required")
    elements = [_from_wire(v, ty.element, path.index(i)) for i, v in enumerate(raw)]
    # cty.SetVal drops duplicates.
    return unique_elements(elements, ty.element) if isinstance(ty, Set) else elements


def _tuple_from_wire(raw: Any, ty: Tuple, path: AttributePath) -> list[Any]:
    if not isinstance(raw, list):
        raise CtyDecodeError(path, "a tuple is required")
    if len(raw) != len(ty.elements):
        raise CtyDecodeError(path, f"a tuple of length {len(ty.elements)} is required")
    return [_from_wire(v, t, path.index(i)) for i, (v, t) in enumerate(zip(raw, ty.elements, strict=True))]


def _map_from_wire(raw: Any, ty: Map, path: AttributePath) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise CtyDecodeError(path, "a map is required")
    result = {}
    for key, element in raw.items():
        name = nfc(_text(key, path, "non-string key in map"))
        result[name] = _from_wire(element, ty.element, path.key(name))
    return result


def _object_from_wire(raw: Any, ty: Object, path: AttributePath) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise CtyDecodeError(path, "an object is required")
    # unmarshal.go checks the count first, then each key: no leniency for missing attributes.
    if len(raw) != len(ty.attributes):
        raise CtyDecodeError(
            path, f"an object with {len(ty.attributes)} attributes is required ({len(raw)} given)"
        )
    for key in raw:
        name = _text(key, path, "all keys must be strings")
        if name not in ty.attributes:
            raise CtyDecodeError(path.attr(name), "unsupported attribute")
    return {n: _from_wire(raw[n], t, path.attr(n)) for n, t in ty.attributes.items()}


def _dynamic_from_wire(raw: Any, path: AttributePath) -> Any:
    """dynamic.go: [type JSON, value]; the value is then read with that type."""
    if not isinstance(raw, list) or len(raw) != 2:
        raise CtyDecodeError(path, "dynamic value array must have exactly two elements")
    type_json, inner = raw
    if not isinstance(type_json, bytes | str):
        raise CtyDecodeError(path, "the type of a dynamic value must be JSON bytes")
    try:
        actual = type_from_json(type_json.encode() if isinstance(type_json, str) else type_json)
    except ValueError as error:
        raise CtyDecodeError(path, str(error)) from None
    value = _from_wire(inner, actual, path)
    if actual == DYNAMIC:
        return value  # only null or unknown can have the pseudo-type itself
    return Dynamic(actual, value)


def _text(raw: Any, path: AttributePath, message: str) -> str:
    """A msgpack str, or bin holding UTF-8: vmihailenco's DecodeString accepts both."""
    if isinstance(raw, str):
        return raw
    if isinstance(raw, bytes):
        try:
            return raw.decode()
        except UnicodeDecodeError:
            pass
    raise CtyDecodeError(path, message)


def _number_text(text: str, path: AttributePath) -> Decimal:
    try:
        return to_number(text, path)
    except CtyValueError:
        raise CtyDecodeError(path, "number is required") from None


_PRIMITIVE_READERS: dict[str, Callable[[Any, AttributePath], Any]] = {
    STRING.name: lambda raw, path: nfc(_text(raw, path, "string is required")),
    NUMBER.name: _number_from_wire,
    BOOL.name: _bool_from_wire,
    DYNAMIC.name: lambda raw, path: _dynamic_from_wire(raw, path),
}
_COMPOSITE_READERS: dict[type[CtyType], Callable[[Any, Any, AttributePath], Any]] = {
    List: _sequence_from_wire,
    Set: _sequence_from_wire,
    Tuple: _tuple_from_wire,
    Map: _map_from_wire,
    Object: _object_from_wire,
}
