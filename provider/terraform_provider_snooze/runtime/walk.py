"""Nesting modes, and one walker over them: the objects inside a nested attribute or block.

A nested attribute or block holds objects in one of five ways: one object (SINGLE; GROUP, a
block that is never null), a map of them (MAP), a list (LIST) or a set (SET). Every rule that
looks inside them (validation, planning, plan modifiers, filling absent blocks, generated
configuration, stored state, leftover unknowns) goes through these few functions instead of a
`match` of its own.

Each object has a key: None for a single object, the map key, the list index. Set elements are
keyed by position too, but they have no address: their path is the set's, and they pair with
no object of another value (an element that changes is another element).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

from . import cty
from .cty.path import AttributePath

__all__ = [
    "Key",
    "Nesting",
    "absent",
    "collection_type",
    "counterpart",
    "element_path",
    "is_value",
    "objects",
    "rebuild",
]

Key = str | int | None


class Nesting(enum.Enum):
    SINGLE = 1
    LIST = 2
    SET = 3
    MAP = 4
    GROUP = 5  # blocks only: a single block that is never null


_COLLECTIONS: dict[Nesting, Callable[[cty.CtyType], cty.CtyType]] = {
    Nesting.LIST: cty.List,
    Nesting.SET: cty.Set,
    Nesting.MAP: cty.Map,
}
_NONE: dict[Nesting, Callable[[], Any]] = {Nesting.LIST: list, Nesting.SET: list, Nesting.MAP: dict}


def collection_type(nesting: Nesting, object_type: cty.CtyType) -> cty.CtyType:
    """The type of a member holding objects of `object_type`."""
    return _COLLECTIONS[nesting](object_type) if nesting in _COLLECTIONS else object_type


def absent(nesting: Nesting, empty_object: Callable[[], Any]) -> Any:
    """A nested block's value when the configuration has none: an empty collection, never
    null; a GROUP block is its empty object; a SINGLE block is null."""
    if nesting is Nesting.GROUP:
        return empty_object()
    return _NONE[nesting]() if nesting in _NONE else None


def is_value(value: Any) -> bool:
    """Neither null nor unknown: something to look inside."""
    return value is not None and value is not cty.UNKNOWN


def objects(nesting: Nesting, value: Any) -> list[tuple[Key, Any]]:
    """The objects in `value` with their keys; null and unknown ones (and values) hold none."""
    if not is_value(value):
        return []
    if nesting in (Nesting.SINGLE, Nesting.GROUP):
        return [(None, value)]
    items = value.items() if nesting is Nesting.MAP else enumerate(value)
    return [(key, element) for key, element in items if is_value(element)]


def counterpart(nesting: Nesting, value: Any, key: Key) -> Any:
    """The object at `key` in another value of the same member (prior state, configuration)."""
    if not is_value(value) or nesting is Nesting.SET:
        return None
    if nesting in (Nesting.SINGLE, Nesting.GROUP):
        return value
    if nesting is Nesting.MAP:
        return value.get(key)
    assert isinstance(key, int)
    return value[key] if key < len(value) else None


def element_path(nesting: Nesting, path: AttributePath, key: Key) -> AttributePath:
    """Where the object at `key` is, inside the member at `path`."""
    if nesting is Nesting.MAP:
        assert isinstance(key, str)
        return path.key(key)
    if nesting is Nesting.LIST:
        assert isinstance(key, int)
        return path.index(key)
    return path


def rebuild(nesting: Nesting, value: Any, transform: Callable[[Key, Any], Any]) -> Any:
    """`value` with `transform(key, object)` applied to each object inside it; null and unknown
    values and elements stay as they are."""
    if not is_value(value):
        return value
    if nesting in (Nesting.SINGLE, Nesting.GROUP):
        return transform(None, value)
    if nesting is Nesting.MAP:
        return {key: transform(key, e) if is_value(e) else e for key, e in value.items()}
    return [transform(i, e) if is_value(e) else e for i, e in enumerate(value)]
