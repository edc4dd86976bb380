"""go-cty's json.Marshal, as a test oracle: stored state as Terraform writes it (exact numbers,
map keys sorted, object attributes in name order, dynamic values as {"value", "type"})."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from terraform_provider_snooze.runtime import cty


def marshal(value: Any, ty: cty.CtyType) -> bytes:
    """`value` must be canonical and wholly known."""
    return _text(value, ty).encode()


def _text(value: Any, ty: cty.CtyType) -> str:
    if value is None:
        return "null"
    if ty == cty.DYNAMIC:
        return f'{{"value":{_text(value.value, value.type)},"type":{cty.type_to_json_bytes(value.type).decode()}}}'
    if isinstance(ty, cty.Primitive):
        return _PRIMITIVES[ty.name](value)
    return _COMPOSITES[type(ty)](value, ty)


def _elements(value: list[Any], ty: Any) -> str:
    types = ty.elements if isinstance(ty, cty.Tuple) else [ty.element] * len(value)
    return "[" + ",".join(_text(v, t) for v, t in zip(value, types, strict=True)) + "]"


def _members(pairs: list[tuple[str, Any, cty.CtyType]]) -> str:
    return "{" + ",".join(f"{json.dumps(k, ensure_ascii=False)}:{_text(v, t)}" for k, v, t in pairs) + "}"


_PRIMITIVES: dict[str, Callable[[Any], str]] = {
    "string": lambda value: json.dumps(value, ensure_ascii=False),
    "number": cty.number_text,
    "bool": lambda value: "true" if value else "false",
}
_COMPOSITES: dict[type[cty.CtyType], Callable[[Any, Any], str]] = {
    cty.List: _elements,
    cty.Set: _elements,
    cty.Tuple: _elements,
    cty.Map: lambda value, ty: _members([(k, v, ty.element) for k, v in sorted(value.items())]),
    cty.Object: lambda value, ty: _members([(n, value[n], t) for n, t in ty.attributes.items()]),
}
