"""cty values from JSON: stored state, as UpgradeResourceState and MoveResourceState receive it.

Read as go-cty's cty/json reads it (unmarshal.go): exact numbers, a JSON number's text where a
string is expected, objects lenient (a missing attribute is null), a value in a dynamic slot as
{"value": ..., "type": ...}. State stored by an older schema may hold attributes the schema has
since dropped: `ignore_undefined_attributes` skips them at every depth, as terraform-plugin-go's
ValueFromJSONWithOpts does for the framework's state upgrades. The provider never writes JSON:
every value it sends is msgpack.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
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
    Primitive,
    Set,
    Tuple,
    type_from_json,
)
from .values import CtyDecodeError, CtyValueError, Dynamic, nfc, number_text, to_number, unique_elements

__all__ = ["CtyDecodeError", "decode", "read"]


class _NumberText(str):
    """A JSON number's text as written: go's json.Number, kept exact until the type is known."""

    __slots__ = ()


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def decode(data: bytes, ty: CtyType, *, ignore_undefined_attributes: bool = False) -> Any:
    """The canonical value that JSON `data` encodes as type `ty`."""
    try:
        raw = json.loads(data, parse_float=_NumberText, parse_int=_NumberText, parse_constant=_no_constant)
    except ValueError as error:  # includes JSONDecodeError and UnicodeDecodeError
        raise CtyDecodeError(AttributePath(), f"invalid JSON: {error}") from None
    return read(raw, ty, ignore_undefined_attributes=ignore_undefined_attributes)


def read(raw: Any, ty: CtyType, *, ignore_undefined_attributes: bool = False) -> Any:
    """Like `decode`, from JSON already parsed: numbers may also be int, float or Decimal."""
    return _Reader(ignore_undefined_attributes).read(raw, ty, AttributePath())


@dataclass(frozen=True)
class _Reader:
    ignore_undefined_attributes: bool

    def read(self, raw: Any, ty: CtyType, path: AttributePath) -> Any:
        if raw is None:
            return None
        if isinstance(ty, Primitive):
            return _PRIMITIVE_READERS[ty.name](self, raw, path)
        return _COMPOSITE_READERS[type(ty)](self, raw, ty, path)


def _is_number(raw: Any) -> bool:
    return isinstance(raw, int | float | Decimal) and not isinstance(raw, bool)


def _string(reader: _Reader, raw: Any, path: AttributePath) -> str:
    # unmarshal.go: a JSON number gives its text as written, a bool "true" or "false".
    if isinstance(raw, str):
        return nfc(str(raw))
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if _is_number(raw):
        return number_text(to_number(raw, path))
    raise CtyDecodeError(path, "string is required")


def _number(reader: _Reader, raw: Any, path: AttributePath) -> Decimal:
    # A number, or a string holding one (convert.Convert from string).
    if not isinstance(raw, str) and not _is_number(raw):
        raise CtyDecodeError(path, "number is required")
    try:
        return to_number(str(raw) if isinstance(raw, str) else raw, path)
    except CtyValueError:
        raise CtyDecodeError(path, "a number is required") from None


_BOOL_TEXT = {"true": True, "1": True, "false": False, "0": False}


def _bool(reader: _Reader, raw: Any, path: AttributePath) -> bool:
    if isinstance(raw, bool):
        return raw
    # convert.Convert from string accepts exactly these; a JSON number is not a bool.
    if type(raw) is str and raw in _BOOL_TEXT:
        return _BOOL_TEXT[raw]
    raise CtyDecodeError(path, "a bool is required" if type(raw) is str else "bool is required")


def _dynamic(reader: _Reader, raw: Any, path: AttributePath) -> Any:
    if not isinstance(raw, dict):
        raise CtyDecodeError(path, "need JSON object for dynamically-typed value")
    for key in raw:
        if key not in ("type", "value"):
            raise CtyDecodeError(path, f"invalid key {key!r} in dynamically-typed value")
    for key in ("type", "value"):
        if key not in raw:
            raise CtyDecodeError(path, f"missing {key} in dynamically-typed value")
    try:
        actual = type_from_json(raw["type"])
    except ValueError as error:
        raise CtyDecodeError(path, str(error)) from None
    value = reader.read(raw["value"], actual, path)
    return value if actual == DYNAMIC else Dynamic(actual, value)


def _sequence(reader: _Reader, raw: Any, ty: List | Set, path: AttributePath) -> list[Any]:
    if not isinstance(raw, list):
        raise CtyDecodeError(path, f"need JSON array for {'list' if isinstance(ty, List) else 'set'}")
    elements = [reader.read(v, ty.element, path.index(i)) for i, v in enumerate(raw)]
    return unique_elements(elements, ty.element) if isinstance(ty, Set) else elements


def _tuple(reader: _Reader, raw: Any, ty: Tuple, path: AttributePath) -> list[Any]:
    if not isinstance(raw, list):
        raise CtyDecodeError(path, "need JSON array for tuple")
    if len(raw) != len(ty.elements):
        few = len(raw) < len(ty.elements)
        raise CtyDecodeError(
            path, f"{'not enough' if few else 'too many'} tuple elements (need {len(ty.elements)})"
        )
    return [reader.read(v, t, path.index(i)) for i, (v, t) in enumerate(zip(raw, ty.elements, strict=True))]


def _map(reader: _Reader, raw: Any, ty: Map, path: AttributePath) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise CtyDecodeError(path, "need JSON object for map")
    return {nfc(k): reader.read(v, ty.element, path.key(k)) for k, v in raw.items()}


def _object(reader: _Reader, raw: Any, ty: Object, path: AttributePath) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise CtyDecodeError(path, "need JSON object for object")
    undefined = [key for key in raw if key not in ty.attributes]
    if undefined and not reader.ignore_undefined_attributes:
        raise CtyDecodeError(path, f"unsupported attribute {undefined[0]!r}")
    # Lenient, unlike msgpack: an attribute left out of stored state is null.
    return {n: reader.read(raw.get(n), t, path.attr(n)) for n, t in ty.attributes.items()}


_PRIMITIVE_READERS: dict[str, Callable[[_Reader, Any, AttributePath], Any]] = {
    STRING.name: _string,
    NUMBER.name: _number,
    BOOL.name: _bool,
    DYNAMIC.name: _dynamic,
}
_COMPOSITE_READERS: dict[type[CtyType], Callable[[_Reader, Any, Any, AttributePath], Any]] = {
    List: _sequence,
    Set: _sequence,
    Tuple: _tuple,
    Map: _map,
    Object: _object,
}
