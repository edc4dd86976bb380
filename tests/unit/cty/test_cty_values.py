"""Canonical values: conform, equality, knownness."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from terraform_provider_snooze.runtime import cty
from terraform_provider_snooze.runtime.cty.path import AttributePath

from .cty_strategies import assert_canonical, raw_values, typed_values, types

OBJ = cty.Object({"name": cty.STRING, "size": cty.NUMBER, "tags": cty.Map(cty.STRING)})


@st.composite
def raw_typed_values(draw: st.DrawFn) -> tuple[cty.CtyType, Any]:
    ty = draw(types())
    return ty, draw(raw_values(ty))


@settings(max_examples=150, deadline=None)
@given(raw_typed_values())
def test_conform_gives_the_canonical_form_and_is_idempotent(typed: tuple[cty.CtyType, Any]) -> None:
    ty, value = typed
    canonical = cty.conform(value, ty)
    assert_canonical(canonical, ty)
    assert cty.conform(canonical, ty) == canonical
    assert cty.values_equal(canonical, value, ty) or _has_set_or_map(ty)


def _has_set_or_map(ty: cty.CtyType) -> bool:
    # Normalising can merge set elements or map keys that differed only in Unicode form; a dynamic
    # value, at any depth, may hold a set or a map.
    text = str(cty.type_to_json(ty))
    return "set" in text or "map" in text or "dynamic" in text


@settings(max_examples=100, deadline=None)
@given(typed_values())
def test_every_value_equals_itself(typed: tuple[cty.CtyType, Any]) -> None:
    ty, value = typed
    assert cty.values_equal(value, value, ty)


def test_conform_converts_python_numbers_and_fills_attributes() -> None:
    assert cty.conform({"name": "a", "size": 2}, OBJ) == {"name": "a", "size": Decimal(2), "tags": None}
    assert cty.conform(0.1, cty.NUMBER) == Decimal(0.1)  # noqa: RUF032 - the exact float
    assert cty.conform("0.1", cty.NUMBER) == Decimal("0.1")
    assert cty.conform(("a", "b"), cty.List(cty.STRING)) == ["a", "b"]
    assert cty.conform({"b", "a"}, cty.Set(cty.STRING)) in (["a", "b"], ["b", "a"])
    assert cty.conform([1, 1.0, "1"], cty.Set(cty.NUMBER)) == [Decimal(1)]
    assert cty.conform(["e\u0301"], cty.List(cty.STRING)) == ["\u00e9"]


@pytest.mark.parametrize(
    ("value", "ty", "path", "message"),
    [
        ({"name": "a", "tags": {"k": 1}}, OBJ, 'tags["k"]', "a string is required, not int"),
        ({"name": "a", "colour": "red"}, OBJ, "", "unsupported attribute 'colour'"),
        ({"name": 5}, OBJ, "name", "a string is required"),
        ({"size": True}, OBJ, "size", "a number is required, not a bool"),
        ({"size": math.nan}, OBJ, "size", "not a number Terraform can represent"),
        ({"size": Decimal("Infinity")}, OBJ, "size", "not a number Terraform can represent"),
        ({"size": "1,5"}, OBJ, "size", "a number is required"),
        ("abc", cty.List(cty.STRING), "", "list of string is required"),
        ({"a": 1}, cty.Set(cty.NUMBER), "", "set of number is required"),
        (["a", 2], cty.List(cty.STRING), "[1]", "a string is required"),
        (["a"], cty.Tuple((cty.STRING, cty.BOOL)), "", r"a tuple of length 2 is required \(1 given\)"),
        ({1: "a"}, cty.Map(cty.STRING), "", "map keys must be strings"),
        ([{"o": {"b": "yes"}}], cty.List(cty.Object({"o": cty.Object({"b": cty.BOOL})})), "[0].o.b", "bool"),
        (object(), cty.DYNAMIC, "", "wrap it in Dynamic"),
        (cty.Dynamic(cty.DYNAMIC, "x"), cty.DYNAMIC, "", "needs a concrete type"),
        (cty.Dynamic(cty.STRING, "x"), cty.STRING, "", "a string is required, not Dynamic"),
    ],
)
def test_conform_errors_say_where_and_why(value: Any, ty: cty.CtyType, path: str, message: str) -> None:
    with pytest.raises(cty.CtyValueError, match=message) as raised:
        cty.conform(value, ty)
    assert str(raised.value.path) == path
    assert str(raised.value) == (f"{path}: {raised.value.message}" if path else raised.value.message)


def test_conform_starts_from_the_path_it_is_given() -> None:
    with pytest.raises(cty.CtyValueError) as raised:
        cty.conform([1], cty.List(cty.STRING), cty.AttributePath.root("disks"))
    assert str(raised.value.path) == "disks[0]"


def test_dynamic_values_take_the_type_their_python_form_implies() -> None:
    assert cty.conform("x", cty.DYNAMIC) == cty.Dynamic(cty.STRING, "x")
    assert cty.conform(3, cty.DYNAMIC) == cty.Dynamic(cty.NUMBER, Decimal(3))
    assert cty.conform({"a": [True, None]}, cty.DYNAMIC) == cty.Dynamic(
        cty.Object({"a": cty.Tuple((cty.BOOL, cty.DYNAMIC))}), {"a": [True, None]}
    )
    assert cty.conform(cty.Dynamic(cty.DYNAMIC, cty.UNKNOWN), cty.DYNAMIC) is cty.UNKNOWN
    assert cty.conform(cty.Dynamic(cty.NUMBER, "2"), cty.DYNAMIC) == cty.Dynamic(cty.NUMBER, Decimal(2))


def test_equality_is_cty_equality() -> None:
    numbers = cty.Set(cty.NUMBER)
    assert cty.values_equal([Decimal(1), Decimal(2)], [2, 1], numbers)
    assert cty.values_equal([Decimal(1)], [Decimal(1), Decimal(1)], numbers)  # a set has no duplicates
    assert not cty.values_equal([Decimal(1)], [Decimal(1), Decimal(2)], numbers)
    assert not cty.values_equal([cty.UNKNOWN], [cty.UNKNOWN, cty.UNKNOWN], numbers)  # unknowns never merge
    assert cty.values_equal(Decimal("1.0"), 1, cty.NUMBER)
    assert cty.values_equal("e\u0301", "\u00e9", cty.STRING)
    assert not cty.values_equal([1, 2], [2, 1], cty.List(cty.NUMBER))
    assert not cty.values_equal([1], [1, 1], cty.List(cty.NUMBER))
    assert cty.values_equal(cty.UNKNOWN, cty.UNKNOWN, cty.STRING)
    assert not cty.values_equal(cty.UNKNOWN, None, cty.STRING)
    assert not cty.values_equal("", None, cty.STRING)
    assert not cty.values_equal({"a": "1"}, {"a": "1", "b": "1"}, cty.Map(cty.STRING))
    assert cty.values_equal({"name": "a"}, {"name": "a", "size": None, "tags": None}, OBJ)
    assert not cty.values_equal(
        cty.Dynamic(cty.STRING, "1"), cty.Dynamic(cty.NUMBER, Decimal(1)), cty.DYNAMIC
    )


def test_knownness_looks_all_the_way_down() -> None:
    nested = cty.Object({"d": cty.List(cty.DYNAMIC)})
    assert cty.is_wholly_known({"d": [cty.Dynamic(cty.Map(cty.STRING), {"k": "v"})]}, nested)
    assert not cty.is_wholly_known({"d": [cty.Dynamic(cty.Map(cty.STRING), {"k": cty.UNKNOWN})]}, nested)
    assert not cty.is_wholly_known({"d": cty.UNKNOWN}, nested)
    assert cty.is_wholly_known(None, nested)
    assert not cty.is_wholly_known({"name": None, "size": None, "tags": {"a": cty.UNKNOWN}}, OBJ)


def test_unknown_is_a_singleton() -> None:
    import copy
    import pickle

    assert cty.Unknown() is cty.UNKNOWN
    assert copy.deepcopy(cty.UNKNOWN) is cty.UNKNOWN
    assert pickle.loads(pickle.dumps([cty.UNKNOWN]))[0] is cty.UNKNOWN


def test_a_path_reads_as_hcl_writes_it_with_keys_quoted_and_escaped() -> None:
    path = AttributePath.root("virtual_machines").key('we"b\\1 é').attr("vcpus")
    assert str(path) == 'virtual_machines["we\\"b\\\\1 é"].vcpus'
    assert str(AttributePath.root("list").index(2).attr("x")) == "list[2].x"
