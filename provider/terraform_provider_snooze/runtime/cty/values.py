"""cty values in Python, in one canonical form that every codec reads and writes.

null → None; unknown → UNKNOWN; string → str (NFC, as cty.StringVal normalises it); number →
Decimal (exact, like cty's big floats); bool → bool; list, set, tuple → list (a set without
duplicates); map, object → dict (an object has every attribute); a value of the dynamic
pseudo-type → Dynamic(type, value).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .path import AttributePath
from .types import BOOL, DYNAMIC, NUMBER, STRING, CtyType, List, Map, Object, Primitive, Set, Tuple

__all__ = [
    "UNKNOWN",
    "CtyDecodeError",
    "CtyValueError",
    "Dynamic",
    "Unknown",
    "conform",
    "is_wholly_known",
    "nfc",
    "number_text",
    "parse_number",
    "to_number",
    "unique_elements",
    "values_equal",
]


class Unknown:
    """A value not known until apply; there is exactly one, UNKNOWN."""

    _instance: Unknown | None = None

    def __new__(cls) -> Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __reduce__(self) -> str:
        return "UNKNOWN"


UNKNOWN = Unknown()


@dataclass(frozen=True)
class Dynamic:
    """A value of the dynamic pseudo-type, with the concrete type it has.

    `value` is in canonical form for `type`, and may itself be None or UNKNOWN: go-cty writes a
    typed null or unknown in a dynamic slot with its type, and only an untyped one bare.
    """

    type: CtyType
    value: Any


class CtyValueError(ValueError):
    """A value that does not conform to its type; `path` says where."""

    def __init__(self, path: AttributePath, message: str) -> None:
        super().__init__(f"{path}: {message}" if path.steps else message)
        self.path = path
        self.message = message


class CtyDecodeError(CtyValueError):
    """Bytes that are not an encoding of a value of the expected type."""


# What big.Float.Parse accepts in base 10 (cty.ParseNumberVal), without Inf: a sign, digits with
# an optional point, an optional exponent. Stricter than Decimal(), which also takes
# "1_000", "NaN" and surrounding spaces.
_NUMBER_TEXT = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def parse_number(text: str, path: AttributePath = AttributePath()) -> Decimal:
    if not _NUMBER_TEXT.fullmatch(text):
        raise CtyValueError(path, f"a number is required, not the string {text!r}")
    return Decimal(text)


def number_text(number: Decimal) -> str:
    """Plain decimal text without exponent or trailing fractional zeros (big.Float.Text('f', -1))."""
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def to_number(value: Any, path: AttributePath = AttributePath()) -> Decimal:
    if isinstance(value, bool):
        raise CtyValueError(path, "a number is required, not a bool")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        return parse_number(value, path)
    if not isinstance(value, Decimal | float):
        raise CtyValueError(path, f"a number is required, not {type(value).__name__}")
    number = Decimal(value)  # exact for a float: the float is what the sender meant
    # Terraform's numbers are finite here: we never write go-cty's infinities, nor NaN.
    if not number.is_finite():
        raise CtyValueError(path, f"{value} is not a number Terraform can represent")
    return number


def nfc(text: str) -> str:
    """cty.StringVal keeps strings in Unicode normal form C; so do we."""
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def unique_elements(elements: Iterable[Any], element_type: CtyType) -> list[Any]:
    """Set elements without duplicates. Like cty's set rules, a value holding unknowns never
    equals another, so only wholly known elements collapse."""
    unique: list[Any] = []
    for element in elements:
        # values_equal lets an unknown equal only an unknown, so a wholly known match implies
        # the element is wholly known too.
        if not any(
            values_equal(seen, element, element_type) and is_wholly_known(seen, element_type)
            for seen in unique
        ):
            unique.append(element)
    return unique


def conform(value: Any, ty: CtyType, path: AttributePath = AttributePath()) -> Any:
    """`value` in canonical form for `ty`; raises CtyValueError, with its path, if it does not fit."""
    if value is None or value is UNKNOWN:
        return value
    if isinstance(ty, Primitive):
        return _PRIMITIVE_CONFORMERS[ty.name](value, path)
    conformer = _COMPOSITE_CONFORMERS.get(type(ty))
    if conformer is None:
        raise TypeError(f"not a cty type: {ty!r}")
    return conformer(value, ty, path)


def _conform_dynamic(value: Any, path: AttributePath) -> Any:
    actual, inner = (value.type, value.value) if isinstance(value, Dynamic) else (_infer(value, path), value)
    if actual == DYNAMIC:
        # A value whose type is the pseudo-type itself can only be null or unknown, and then
        # is written bare (go-cty marshal: val.Type() == DynamicPseudoType).
        if inner is None or inner is UNKNOWN:
            return inner
        raise CtyValueError(path, "a value of the dynamic type needs a concrete type")
    return Dynamic(actual, conform(inner, actual, path))


def _conform_string(value: Any, path: AttributePath) -> str:
    if not isinstance(value, str):
        raise CtyValueError(path, f"a string is required, not {type(value).__name__}")
    return nfc(value)


def _conform_bool(value: Any, path: AttributePath) -> bool:
    if not isinstance(value, bool):
        raise CtyValueError(path, f"a bool is required, not {type(value).__name__}")
    return value


def _conform_sequence(value: Any, ty: List | Set, path: AttributePath) -> list[Any]:
    if isinstance(value, str | bytes | Mapping | Dynamic) or not isinstance(value, Iterable):
        raise CtyValueError(path, f"a {ty} is required, not {type(value).__name__}")
    elements = [conform(v, ty.element, path.index(i)) for i, v in enumerate(value)]
    return unique_elements(elements, ty.element) if isinstance(ty, Set) else elements


def _conform_tuple(value: Any, ty: Tuple, path: AttributePath) -> list[Any]:
    if not isinstance(value, list | tuple):
        raise CtyValueError(path, f"a tuple is required, not {type(value).__name__}")
    if len(value) != len(ty.elements):
        raise CtyValueError(path, f"a tuple of length {len(ty.elements)} is required ({len(value)} given)")
    return [conform(v, t, path.index(i)) for i, (v, t) in enumerate(zip(value, ty.elements, strict=True))]


def _conform_map(value: Any, ty: Map, path: AttributePath) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise CtyValueError(path, f"a {ty} is required, not {type(value).__name__}")
    return {nfc(_key(k, path)): conform(v, ty.element, path.key(k)) for k, v in value.items()}


def _conform_object(value: Any, ty: Object, path: AttributePath) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise CtyValueError(path, f"an object is required, not {type(value).__name__}")
    for name in value:
        if name not in ty.attributes:
            raise CtyValueError(path, f"unsupported attribute {name!r}")
    return {name: conform(value.get(name), t, path.attr(name)) for name, t in ty.attributes.items()}


_PRIMITIVE_CONFORMERS: dict[str, Callable[[Any, AttributePath], Any]] = {
    DYNAMIC.name: _conform_dynamic,
    STRING.name: _conform_string,
    NUMBER.name: to_number,
    BOOL.name: _conform_bool,
}
_COMPOSITE_CONFORMERS: dict[type[CtyType], Callable[[Any, Any, AttributePath], Any]] = {
    List: _conform_sequence,
    Set: _conform_sequence,
    Tuple: _conform_tuple,
    Map: _conform_map,
    Object: _conform_object,
}


def _key(key: Any, path: AttributePath) -> str:
    if not isinstance(key, str):
        raise CtyValueError(path, f"map keys must be strings, not {type(key).__name__}")
    return key


def _infer(value: Any, path: AttributePath) -> CtyType:
    """The type a plain Python value implies where any type is allowed, by the rules of go-cty's
    json.ImpliedType: a sequence is a tuple, a mapping an object, and a null or unknown inside
    either has the dynamic type."""
    if value is None or value is UNKNOWN:
        return DYNAMIC
    if isinstance(value, Dynamic):
        return value.type
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, str):
        return STRING
    if isinstance(value, int | float | Decimal):
        return NUMBER
    if isinstance(value, list | tuple):
        return Tuple(tuple(_infer(v, path.index(i)) for i, v in enumerate(value)))
    if isinstance(value, Mapping):
        return Object({_key(k, path): _infer(v, path.key(k)) for k, v in value.items()})
    raise CtyValueError(path, f"cannot tell the cty type of a {type(value).__name__}; wrap it in Dynamic")


def is_wholly_known(value: Any, ty: CtyType) -> bool:
    if value is UNKNOWN:
        return False
    if value is None:
        return True
    if isinstance(value, Dynamic):
        return is_wholly_known(value.value, value.type)
    if isinstance(ty, List | Set):
        return all(is_wholly_known(v, ty.element) for v in value)
    if isinstance(ty, Tuple):
        return all(is_wholly_known(v, t) for v, t in zip(value, ty.elements, strict=False))
    if isinstance(ty, Map):
        return all(is_wholly_known(v, ty.element) for v in value.values())
    if isinstance(ty, Object):
        return all(is_wholly_known(value.get(n), t) for n, t in ty.attributes.items())
    return True


def values_equal(a: Any, b: Any, ty: CtyType) -> bool:
    """Equality of two canonical values as cty sees them: numbers by value, strings after NFC,
    sets without order or duplicates. Unknown equals only unknown (cty's RawEquals), so a plan
    compares unchanged to itself."""
    if a is None or b is None or a is UNKNOWN or b is UNKNOWN:
        return a is b
    if ty == DYNAMIC:
        if not isinstance(a, Dynamic) or not isinstance(b, Dynamic):
            return bool(a == b)
        return a.type == b.type and values_equal(a.value, b.value, a.type)
    if ty == NUMBER:
        return bool(a == b)  # Decimal compares by value: Decimal("1.0") == 1
    if ty == STRING:
        return bool(a == b) or (isinstance(a, str) and isinstance(b, str) and nfc(a) == nfc(b))
    if isinstance(ty, List | Tuple):
        types = ty.elements if isinstance(ty, Tuple) else [ty.element] * len(a)
        return len(a) == len(b) == len(types) and all(
            values_equal(x, y, t) for x, y, t in zip(a, b, types, strict=True)
        )
    if isinstance(ty, Set):
        return _same_elements(unique_elements(a, ty.element), unique_elements(b, ty.element), ty.element)
    if isinstance(ty, Map):
        return a.keys() == b.keys() and all(values_equal(a[k], b[k], ty.element) for k in a)
    if isinstance(ty, Object):
        return all(values_equal(a.get(n), b.get(n), t) for n, t in ty.attributes.items())
    return bool(a == b)


def _same_elements(a: list[Any], b: list[Any], element_type: CtyType) -> bool:
    """Whether each element of `a` pairs off with its own equal element of `b`."""
    if len(a) != len(b):
        return False
    unmatched = list(b)
    for x in a:
        match = next((i for i, y in enumerate(unmatched) if values_equal(x, y, element_type)), None)
        if match is None:
            return False
        del unmatched[match]
    return True
