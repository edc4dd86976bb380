"""cty values in Python, in one canonical form that every codec reads and writes.

null → None; unknown → UNKNOWN; string → str; number → Decimal (exact, like cty's big floats);
bool → bool; list, set, tuple → list; map, object → dict (an object has every attribute);
a value of the dynamic pseudo-type → Dynamic(type, value).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from .path import AttributePath
from .types import BOOL, DYNAMIC, NUMBER, STRING, CtyType, List, Map, Object, Set, Tuple

__all__ = [
    "UNKNOWN",
    "CtyValueError",
    "Dynamic",
    "Unknown",
    "conform",
    "is_wholly_known",
    "to_number",
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
    """A value of the dynamic pseudo-type, with the concrete type it has."""

    type: CtyType
    value: Any


class CtyValueError(ValueError):
    """A value that does not conform to its type; `path` says where."""

    def __init__(self, path: AttributePath, message: str) -> None:
        super().__init__(f"{path}: {message}" if path.steps else message)
        self.path = path
        self.message = message


def to_number(value: Any, path: AttributePath = AttributePath()) -> Decimal:
    if isinstance(value, bool):
        raise CtyValueError(path, "a number is required, not a bool")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise CtyValueError(path, f"{value} is not a number Terraform can represent")
        number = Decimal(value)  # exact: the float is what the sender meant
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise CtyValueError(path, f"{value!r} is not a number") from None
    else:
        raise CtyValueError(path, f"a number is required, not {type(value).__name__}")
    if not number.is_finite():
        raise CtyValueError(path, f"{value} is not a number Terraform can represent")
    return number


def conform(value: Any, ty: CtyType, path: AttributePath = AttributePath()) -> Any:
    """`value` in canonical form for `ty`; raises CtyValueError, with its path, if it does not fit."""
    if value is None or value is UNKNOWN:
        return value
    if ty == DYNAMIC:
        if isinstance(value, Dynamic):
            return Dynamic(value.type, conform(value.value, value.type, path))
        return Dynamic(_infer(value, path), conform(value, _infer(value, path), path))
    if ty == STRING:
        if not isinstance(value, str):
            raise CtyValueError(path, f"a string is required, not {type(value).__name__}")
        return value
    if ty == NUMBER:
        return to_number(value, path)
    if ty == BOOL:
        if not isinstance(value, bool):
            raise CtyValueError(path, f"a bool is required, not {type(value).__name__}")
        return value
    if isinstance(ty, List | Set):
        if isinstance(value, str | bytes | Mapping) or not hasattr(value, "__iter__"):
            raise CtyValueError(path, f"a {ty} is required, not {type(value).__name__}")
        return [conform(v, ty.element, path.index(i)) for i, v in enumerate(value)]
    if isinstance(ty, Tuple):
        items = list(value) if isinstance(value, list | tuple) else None
        if items is None or len(items) != len(ty.elements):
            raise CtyValueError(path, f"a tuple of {len(ty.elements)} elements is required")
        return [conform(v, t, path.index(i)) for i, (v, t) in enumerate(zip(items, ty.elements, strict=True))]
    if isinstance(ty, Map):
        if not isinstance(value, Mapping):
            raise CtyValueError(path, f"a {ty} is required, not {type(value).__name__}")
        return {_key(k, path): conform(v, ty.element, path.key(k)) for k, v in value.items()}
    if isinstance(ty, Object):
        if not isinstance(value, Mapping):
            raise CtyValueError(path, f"an object is required, not {type(value).__name__}")
        extra = set(value) - set(ty.attributes)
        if extra:
            raise CtyValueError(path, f"unsupported attribute {sorted(extra)[0]!r}")
        return {name: conform(value.get(name), t, path.attr(name)) for name, t in ty.attributes.items()}
    raise TypeError(f"not a cty type: {ty!r}")


def _key(key: Any, path: AttributePath) -> str:
    if not isinstance(key, str):
        raise CtyValueError(path, f"map keys must be strings, not {type(key).__name__}")
    return key


def _infer(value: Any, path: AttributePath) -> CtyType:
    """The type of a plain Python value given where any type is allowed."""
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, str):
        return STRING
    if isinstance(value, int | float | Decimal):
        return NUMBER
    raise CtyValueError(path, "a value of the dynamic type must be wrapped in Dynamic(type, value)")


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
    """Equality as cty sees it: numbers by value, sets without order, unknown only equals unknown."""
    if a is None or b is None or a is UNKNOWN or b is UNKNOWN:
        return a is b
    if ty == DYNAMIC:
        if not isinstance(a, Dynamic) or not isinstance(b, Dynamic):
            return bool(a == b)
        return a.type == b.type and values_equal(a.value, b.value, a.type)
    if ty == NUMBER:
        try:
            return to_number(a) == to_number(b)
        except CtyValueError:
            return False
    if isinstance(ty, List):
        return len(a) == len(b) and all(values_equal(x, y, ty.element) for x, y in zip(a, b, strict=True))
    if isinstance(ty, Tuple):
        return len(a) == len(b) and all(
            values_equal(x, y, t) for x, y, t in zip(a, b, ty.elements, strict=False)
        )
    if isinstance(ty, Set):
        unmatched = list(b)
        for x in a:
            for i, y in enumerate(unmatched):
                if values_equal(x, y, ty.element):
                    del unmatched[i]
                    break
            else:
                return False
        return not unmatched
    if isinstance(ty, Map):
        return a.keys() == b.keys() and all(values_equal(a[k], b[k], ty.element) for k in a)
    if isinstance(ty, Object):
        return all(values_equal(a.get(n), b.get(n), t) for n, t in ty.attributes.items())
    return bool(a == b)
