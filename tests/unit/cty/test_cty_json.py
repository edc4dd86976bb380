"""The JSON codec (stored state): what go-cty writes reads back exactly, with go-cty's leniencies."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from terraform_provider_snooze.runtime import cty
from terraform_provider_snooze.runtime.cty import json_codec, msgpack_codec

from .cty_strategies import assert_canonical, typed_values
from .go_cty_json import marshal

OBJ = cty.Object({"name": cty.STRING, "size": cty.NUMBER, "tags": cty.Map(cty.STRING)})


@settings(max_examples=200, deadline=None)
@given(typed_values(unknowns=False))
def test_what_go_cty_writes_reads_back_as_an_equal_canonical_value(typed: tuple[cty.CtyType, Any]) -> None:
    ty, value = typed
    encoded = marshal(value, ty)
    json.loads(encoded)  # plain JSON that any reader accepts
    decoded = json_codec.decode(encoded, ty)
    assert cty.values_equal(decoded, value, ty)
    assert_canonical(decoded, ty)


@settings(max_examples=100, deadline=None)
@given(typed_values(unknowns=False))
def test_json_and_msgpack_agree(typed: tuple[cty.CtyType, Any]) -> None:
    # What UpgradeResourceState does: stored JSON in, msgpack out.
    ty, value = typed
    from_json = json_codec.decode(marshal(value, ty), ty)
    assert msgpack_codec.encode(from_json, ty) == msgpack_codec.encode(value, ty)


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_numbers_are_exact(number: Decimal) -> None:
    assert json_codec.decode(cty.number_text(number).encode(), cty.NUMBER) == number
    assert json_codec.decode(str(number).encode(), cty.NUMBER) == number  # exponents too


def test_missing_attributes_are_null() -> None:
    assert json_codec.decode(b'{"name": "a"}', OBJ) == {"name": "a", "size": None, "tags": None}
    assert json_codec.decode(b"{}", cty.Object({"o": OBJ})) == {"o": None}


def test_unknown_attributes_are_refused_where_they_are() -> None:
    with pytest.raises(cty.CtyDecodeError, match="unsupported attribute 'size_gb'") as raised:
        json_codec.decode(b'{"o": {"size_gb": 1}}', cty.Object({"o": OBJ}))
    assert str(raised.value.path) == "o"


@pytest.mark.parametrize(
    ("ty", "text", "value"),
    [
        (cty.STRING, b"12.50", "12.50"),  # a JSON number gives its text as written
        (cty.STRING, b"1e3", "1e3"),
        (cty.STRING, b"true", "true"),
        (cty.NUMBER, b'"0.1"', Decimal("0.1")),
        (cty.NUMBER, b"123456789012345678901234567890.5", Decimal("123456789012345678901234567890.5")),
        (cty.BOOL, b'"1"', True),
        (cty.BOOL, b'"false"', False),
        (cty.STRING, b'"e\\u0301"', "\u00e9"),
    ],
)
def test_primitives_convert_like_go_cty(ty: cty.CtyType, text: bytes, value: Any) -> None:
    decoded = json_codec.decode(text, ty)
    assert decoded == value and type(decoded) is type(value)


@pytest.mark.parametrize(
    ("ty", "text", "message"),
    [
        (cty.BOOL, b"1", "bool is required"),
        (cty.BOOL, b'"yes"', "a bool is required"),
        (cty.NUMBER, b'"abc"', "a number is required"),
        (cty.NUMBER, b"true", "number is required"),
        (cty.NUMBER, b"NaN", "invalid JSON"),
        (cty.NUMBER, b"Infinity", "invalid JSON"),
        (cty.STRING, b"[]", "string is required"),
        (cty.List(cty.STRING), b"{}", "need JSON array for list"),
        (cty.Tuple((cty.STRING,)), b"[]", r"not enough tuple elements \(need 1\)"),
        (cty.Tuple(()), b"[1]", r"too many tuple elements \(need 0\)"),
        (cty.Map(cty.STRING), b"[]", "need JSON object for map"),
        (OBJ, b"", "invalid JSON"),
        (OBJ, b"{", "invalid JSON"),
    ],
)
def test_bad_json_is_refused(ty: cty.CtyType, text: bytes, message: str) -> None:
    with pytest.raises(cty.CtyDecodeError, match=message):
        json_codec.decode(text, ty)


def test_dynamic_values_carry_their_type() -> None:
    value = cty.Dynamic(cty.List(cty.STRING), ["x"])
    assert json_codec.decode(b'{"type": ["list", "string"], "value": ["x"]}', cty.DYNAMIC) == value
    assert json_codec.decode(b'{"value":null,"type":"string"}', cty.DYNAMIC) == cty.Dynamic(cty.STRING, None)
    assert json_codec.decode(b"null", cty.DYNAMIC) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b'"x"', "need JSON object"),
        (b'{"value": 1}', "missing type"),
        (b'{"type": "number"}', "missing value"),
        (b'{"type": "number", "value": 1, "extra": 1}', "invalid key 'extra'"),
        (b'{"type": "numbr", "value": 1}', "invalid primitive type name"),
    ],
)
def test_malformed_dynamic_values_are_refused(text: bytes, message: str) -> None:
    with pytest.raises(cty.CtyDecodeError, match=message):
        json_codec.decode(text, cty.DYNAMIC)


def test_attribute_names_are_as_the_type_has_them_and_map_keys_normalised() -> None:
    ty = cty.Object({"e\u0301": cty.Map(cty.BOOL)})
    assert json_codec.decode('{"e\u0301":{"e\u0301":true}}'.encode(), ty) == {"e\u0301": {"\u00e9": True}}


def test_undefined_attributes_can_be_ignored_at_every_depth() -> None:
    """Stored state of an older schema: attributes since dropped, in nested objects too."""
    ty = cty.Object({"o": OBJ, "m": cty.Map(OBJ), "l": cty.List(OBJ)})
    stored = (
        b'{"gone": 1, "o": {"name": "a", "old": 2}, "m": {"k": {"old": 3}}, "l": [{"size": 1, "old": 4}]}'
    )
    with pytest.raises(cty.CtyDecodeError, match="unsupported attribute 'gone'"):
        json_codec.decode(stored, ty)
    assert json_codec.decode(stored, ty, ignore_undefined_attributes=True) == {
        "o": {"name": "a", "size": None, "tags": None},
        "m": {"k": {"name": None, "size": None, "tags": None}},
        "l": [{"name": None, "size": Decimal(1), "tags": None}],
    }


@pytest.mark.parametrize(
    ("ty", "raw", "value"),
    [
        (cty.NUMBER, 3, Decimal(3)),
        (cty.NUMBER, Decimal("0.1"), Decimal("0.1")),
        (cty.NUMBER, 0.5, Decimal("0.5")),
        (cty.STRING, Decimal("2.50"), "2.5"),
        (cty.STRING, 7, "7"),
    ],
)
def test_parsed_json_reads_like_its_text(ty: cty.CtyType, raw: Any, value: Any) -> None:
    """What a state upgrader returns: JSON data with Python numbers."""
    assert json_codec.read(raw, ty) == value


def test_a_bool_is_not_a_number_in_parsed_json() -> None:
    with pytest.raises(cty.CtyDecodeError, match="number is required"):
        json_codec.read(True, cty.NUMBER)
