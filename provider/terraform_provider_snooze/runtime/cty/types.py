"""cty types: the type system of Terraform values, with cty's JSON type syntax."""

from __future__ import annotations

import json
from collections.abc import ItemsView, Iterator, KeysView, Mapping, ValuesView
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

    __slots__ = ()


@dataclass(frozen=True)
class Primitive(CtyType):
    name: str

    def __str__(self) -> str:
        return self.name


STRING = Primitive("string")
NUMBER = Primitive("number")
BOOL = Primitive("bool")
# cty's DynamicPseudoType: "any type", resolved per value (see values.Dynamic).
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

    def __post_init__(self) -> None:
        # Accept any sequence, but keep a tuple so the type stays hashable.
        object.__setattr__(self, "elements", tuple(self.elements))

    def __str__(self) -> str:
        return "tuple"


class _Attributes(Mapping[str, CtyType]):
    """A read-only, hashable attribute map, ordered by name as cty orders them."""

    __slots__ = ("_index", "_items")

    def __init__(self, items: Mapping[str, CtyType]) -> None:
        self._items = tuple(sorted(items.items()))
        self._index = dict(self._items)

    def __getitem__(self, key: str) -> CtyType:
        return self._index[key]

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._items)

    # The dict's own views: Mapping's generic ones call __iter__ and __getitem__ per attribute,
    # and the codecs go through them for every object they walk.
    def items(self) -> ItemsView[str, CtyType]:
        return self._index.items()

    def keys(self) -> KeysView[str]:
        return self._index.keys()

    def values(self) -> ValuesView[CtyType]:
        return self._index.values()

    def __hash__(self) -> int:
        return hash(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _Attributes):
            return self._items == other._items
        return isinstance(other, Mapping) and self._index == dict(other)

    def __repr__(self) -> str:
        return repr(self._index)


@dataclass(frozen=True, init=False)
class Object(CtyType):
    attributes: Mapping[str, CtyType]

    def __init__(self, attributes: Mapping[str, CtyType]) -> None:
        object.__setattr__(self, "attributes", _Attributes(attributes))

    def __str__(self) -> str:
        return "object"


def type_to_json(ty: CtyType) -> Any:
    """cty's JSON type syntax, as `cty.Type.MarshalJSON` writes it."""
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
    """Compact JSON, as GetProviderSchema's Attribute.type and msgpack dynamic values carry it."""
    return json.dumps(type_to_json(ty), separators=(",", ":")).encode()


_PRIMITIVES = {p.name: p for p in (STRING, NUMBER, BOOL, DYNAMIC)}
_COLLECTIONS: dict[str, type[List | Set | Map]] = {"list": List, "set": Set, "map": Map}


def type_from_json(data: Any) -> CtyType:
    """Parse cty's JSON type syntax (decoded data, or the JSON text as bytes or str)."""
    if isinstance(data, bytes | bytearray):
        try:
            data = json.loads(data)
        except ValueError as error:
            raise ValueError(f"invalid cty type JSON: {error}") from None
    if isinstance(data, str):
        try:
            return _PRIMITIVES[data]
        except KeyError:
            raise ValueError(f"invalid primitive type name {data!r}") from None
    if isinstance(data, list) and data and isinstance(data[0], str):
        kind = data[0]
        if kind in _COLLECTIONS and len(data) == 2:
            return _COLLECTIONS[kind](type_from_json(data[1]))
        if kind == "tuple" and len(data) == 2 and isinstance(data[1], list):
            return Tuple(tuple(type_from_json(e) for e in data[1]))
        if kind == "object" and len(data) in (2, 3) and isinstance(data[1], dict):
            attributes = {name: type_from_json(t) for name, t in data[1].items()}
            # The third element names optional attributes: a constraint for conversion from
            # configuration; a value of the type still carries every attribute.
            if len(data) == 3 and not _names_in(data[2], attributes):
                raise ValueError(f"invalid optional attributes in {data!r}")
            return Object(attributes)
    raise ValueError(f"invalid cty type {data!r}")


def _names_in(optional: Any, attributes: Mapping[str, CtyType]) -> bool:
    return isinstance(optional, list) and all(
        isinstance(name, str) and name in attributes for name in optional
    )
