"""cty types: the type system of Terraform values, with cty's JSON type syntax."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "BOOL",
    "DYNAMIC",
    "NUMBER",
    "STRING",
    "CtyType",
    "List",
    "Map",
    "Object",
    "Primitive",
    "Set",
    "Tuple",
    "type_from_json",
    "type_to_json",
    "type_to_json_bytes",
]


class CtyType:
    """Base of every cty type; instances are immutable and compare by structure."""


@dataclass(frozen=True)
class Primitive(CtyType):
    name: str

    def __str__(self) -> str:
        return self.name


STRING = Primitive("string")
NUMBER = Primitive("number")
BOOL = Primitive("bool")
DYNAMIC = Primitive("dynamic")


@dataclass(frozen=True)
class List(CtyType):
    element: CtyType

    def __str__(self) -> str:
        return f"list of {self.element}"


@dataclass(frozen=True)
class Set(CtyType):
    element: CtyType

    def __str__(self) -> str:
        return f"set of {self.element}"


@dataclass(frozen=True)
class Map(CtyType):
    element: CtyType

    def __str__(self) -> str:
        return f"map of {self.element}"


@dataclass(frozen=True)
class Tuple(CtyType):
    elements: tuple[CtyType, ...]

    def __str__(self) -> str:
        return "tuple"


class _Attributes(Mapping[str, CtyType]):
    """A read-only, hashable attribute map, ordered by name as cty orders them."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, CtyType]) -> None:
        self._items = tuple(sorted(items.items()))

    def __getitem__(self, key: str) -> CtyType:
        for name, ty in self._items:
            if name == key:
                return ty
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _Attributes):
            return self._items == other._items
        return isinstance(other, Mapping) and dict(self._items) == dict(other)

    def __repr__(self) -> str:
        return repr(dict(self._items))


@dataclass(frozen=True, init=False)
class Object(CtyType):
    attributes: _Attributes

    def __init__(self, attributes: Mapping[str, CtyType]) -> None:
        object.__setattr__(self, "attributes", _Attributes(attributes))

    def __str__(self) -> str:
        return "object"


def type_to_json(ty: CtyType) -> Any:
    if isinstance(ty, Primitive):
        return ty.name
    if isinstance(ty, List):
        return ["list", type_to_json(ty.element)]
    if isinstance(ty, Set):
        return ["set", type_to_json(ty.element)]
    if isinstance(ty, Map):
        return ["map", type_to_json(ty.element)]
    if isinstance(ty, Tuple):
        return ["tuple", [type_to_json(e) for e in ty.elements]]
    if isinstance(ty, Object):
        return ["object", {name: type_to_json(t) for name, t in ty.attributes.items()}]
    raise TypeError(f"not a cty type: {ty!r}")


def type_to_json_bytes(ty: CtyType) -> bytes:
    return json.dumps(type_to_json(ty), separators=(",", ":")).encode()


_PRIMITIVES = {p.name: p for p in (STRING, NUMBER, BOOL, DYNAMIC)}


def type_from_json(data: Any) -> CtyType:
    if isinstance(data, bytes | bytearray):
        data = json.loads(data)
    if isinstance(data, str):
        try:
            return _PRIMITIVES[data]
        except KeyError:
            raise ValueError(f"invalid primitive type name {data!r}") from None
    if isinstance(data, list) and len(data) >= 2 and isinstance(data[0], str):
        kind, argument = data[0], data[1]
        if kind == "list":
            return List(type_from_json(argument))
        if kind == "set":
            return Set(type_from_json(argument))
        if kind == "map":
            return Map(type_from_json(argument))
        if kind == "tuple" and isinstance(argument, list):
            return Tuple(tuple(type_from_json(e) for e in argument))
        # A third element lists optional attributes: a config-time notion, same wire type.
        if kind == "object" and isinstance(argument, dict):
            return Object({name: type_from_json(t) for name, t in argument.items()})
    raise ValueError(f"invalid cty type {data!r}")
