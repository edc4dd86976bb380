"""cty types: structure, friendly names, and cty's JSON type syntax."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from terraform_provider_snooze.runtime import cty

from .cty_strategies import types


@settings(max_examples=150, deadline=None)
@given(types())
def test_type_json_round_trips(ty: cty.CtyType) -> None:
    assert cty.type_from_json(cty.type_to_json_bytes(ty)) == ty
    assert cty.type_from_json(cty.type_to_json(ty)) == ty


@settings(max_examples=100, deadline=None)
@given(types())
def test_equal_types_hash_alike(ty: cty.CtyType) -> None:
    twin = cty.type_from_json(cty.type_to_json(ty))
    assert twin == ty and hash(twin) == hash(ty)


def test_json_bytes_are_compact_and_ordered_like_go_cty() -> None:
    ty = cty.Object({"b": cty.List(cty.NUMBER), "a": cty.Tuple((cty.STRING, cty.DYNAMIC))})
    assert (
        cty.type_to_json_bytes(ty) == b'["object",{"a":["tuple",["string","dynamic"]],"b":["list","number"]}]'
    )
    assert cty.type_to_json_bytes(cty.Map(cty.Set(cty.BOOL))) == b'["map",["set","bool"]]'


def test_optional_attributes_are_accepted_on_input() -> None:
    ty = cty.type_from_json(b'["object",{"a":"string","b":"number"},["b"]]')
    assert ty == cty.Object({"a": cty.STRING, "b": cty.NUMBER})


@pytest.mark.parametrize(
    "bad",
    [
        "text",
        ["list"],
        ["list", "string", "string"],
        ["tuple", "string"],
        ["object", ["a"]],
        ["object", {"a": "string"}, ["z"]],
        ["object", {"a": "string"}, "a"],
        ["function", "string"],
        42,
        None,
        b"not json",
    ],
)
def test_invalid_type_json_is_refused(bad: Any) -> None:
    with pytest.raises(ValueError):
        cty.type_from_json(bad)


def test_friendly_names_match_go_cty() -> None:
    assert str(cty.List(cty.Map(cty.STRING))) == "list of map of string"
    assert str(cty.Set(cty.NUMBER)) == "set of number"
    assert str(cty.DYNAMIC) == "dynamic"
    assert str(cty.Object({"a": cty.BOOL})) == "object"
    assert str(cty.Tuple((cty.BOOL,))) == "tuple"


def test_object_attributes_are_read_only_and_order_free() -> None:
    source = {"b": cty.STRING, "a": cty.NUMBER}
    ty = cty.Object(source)
    source["c"] = cty.BOOL  # the type keeps its own copy
    assert list(ty.attributes) == ["a", "b"]
    assert ty == cty.Object({"a": cty.NUMBER, "b": cty.STRING})
    assert ty.attributes == {"a": cty.NUMBER, "b": cty.STRING}
    with pytest.raises(TypeError):
        ty.attributes["c"] = cty.BOOL  # type: ignore[index]
    assert ty != cty.Object({"a": cty.NUMBER})
    assert {ty: 1}[cty.Object({"b": cty.STRING, "a": cty.NUMBER})] == 1


def test_tuple_elements_become_a_tuple() -> None:
    ty = cty.Tuple([cty.STRING])  # type: ignore[arg-type]
    assert ty.elements == (cty.STRING,) and hash(ty) == hash(cty.Tuple((cty.STRING,)))


def test_type_json_is_plain_json() -> None:
    assert json.loads(cty.type_to_json_bytes(cty.Set(cty.Object({})))) == ["set", ["object", {}]]
