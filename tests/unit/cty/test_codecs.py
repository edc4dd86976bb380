"""cty codecs: round trips for every type, and go-cty's exact wire details."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import msgpack
import pytest
from hypothesis import given, settings
from strategies import typed_values, types
from terraform_provider_snooze.runtime import cty

OBJ = cty.Object({"name": cty.STRING, "size": cty.NUMBER, "tags": cty.Map(cty.STRING)})


@settings(max_examples=300, deadline=None)
@given(typed_values())
def test_msgpack_round_trip(typed: tuple[cty.CtyType, Any]) -> None:
    ty, value = typed
    assert cty.values_equal(cty.msgpack_codec.decode(cty.msgpack_codec.encode(value, ty), ty), value, ty)


@settings(max_examples=300, deadline=None)
@given(typed_values(unknowns=False))
def test_json_round_trip(typed: tuple[cty.CtyType, Any]) -> None:
    ty, value = typed
    assert cty.values_equal(cty.json_codec.decode(cty.json_codec.encode(value, ty), ty), value, ty)


@settings(max_examples=200, deadline=None)
@given(types())
def test_type_json_round_trip(ty: cty.CtyType) -> None:
    assert cty.type_from_json(cty.type_to_json_bytes(ty)) == ty


def test_unknown_is_ext0_with_one_zero_byte() -> None:
    assert cty.msgpack_codec.encode(cty.UNKNOWN, cty.STRING) == b"\xd4\x00\x00"


@pytest.mark.parametrize("payload", [b"", b"\x00", msgpack.packb({1: True})])
@pytest.mark.parametrize("code", [0, 12, 5])
def test_any_extension_decodes_as_unknown(code: int, payload: bytes) -> None:
    data = msgpack.packb(msgpack.ExtType(code, payload))
    assert cty.msgpack_codec.decode(data, cty.NUMBER) is cty.UNKNOWN


@pytest.mark.parametrize(
    ("number", "wire"),
    [
        (Decimal(5), 5),
        (Decimal(2**63 - 1), 2**63 - 1),
        (Decimal(2**63), float(2**63)),  # beyond int64 but exact as a float64
        (Decimal("0.5"), 0.5),
        (Decimal("0.1"), "0.1"),  # not exact as a float64: decimal text, as go-cty writes it
        (Decimal(2**70 + 1), str(2**70 + 1)),
    ],
)
def test_numbers_are_written_like_go_cty(number: Decimal, wire: Any) -> None:
    raw = msgpack.unpackb(cty.msgpack_codec.encode(number, cty.NUMBER))
    assert raw == wire and type(raw) is type(wire)


def test_numbers_sent_as_strings_are_exact_decimals() -> None:
    assert cty.msgpack_codec.decode(msgpack.packb("0.1"), cty.NUMBER) == Decimal("0.1")
    assert cty.msgpack_codec.decode(msgpack.packb(0.1), cty.NUMBER) == Decimal(0.1)  # noqa: RUF032 - the exact float is the point


def test_objects_carry_every_attribute_and_refuse_missing_or_extra_ones() -> None:
    encoded = msgpack.unpackb(cty.msgpack_codec.encode({"name": "a", "size": None, "tags": None}, OBJ))
    assert encoded == {"name": "a", "size": None, "tags": None}
    with pytest.raises(cty.CtyDecodeError, match=r"an object with 3 attributes is required \(2 given\)"):
        cty.msgpack_codec.decode(msgpack.packb({"name": "a", "size": 1}), OBJ)
    with pytest.raises(cty.CtyDecodeError, match="unsupported attribute 'x'"):
        cty.msgpack_codec.decode(msgpack.packb({"name": "a", "size": 1, "tags": None, "x": 1}), OBJ)


def test_json_decoding_is_lenient_about_missing_attributes() -> None:
    assert cty.json_codec.decode(b'{"name": "a"}', OBJ) == {"name": "a", "size": None, "tags": None}


def test_dynamic_values_carry_their_type() -> None:
    value = cty.Dynamic(cty.List(cty.STRING), ["x"])
    raw = msgpack.unpackb(cty.msgpack_codec.encode(value, cty.DYNAMIC))
    assert raw == [b'["list","string"]', ["x"]]
    assert json.loads(cty.json_codec.encode(value, cty.DYNAMIC)) == {
        "value": ["x"],
        "type": ["list", "string"],
    }
    assert cty.msgpack_codec.decode(msgpack.packb(None), cty.DYNAMIC) is None


def test_empty_input_is_not_null() -> None:
    with pytest.raises(cty.CtyDecodeError):
        cty.msgpack_codec.decode(b"", cty.STRING)


def test_json_cannot_carry_unknowns() -> None:
    with pytest.raises(cty.CtyValueError, match="not known"):
        cty.json_codec.encode({"name": cty.UNKNOWN, "size": None, "tags": None}, OBJ)


def test_conform_reports_the_path_of_a_bad_value() -> None:
    with pytest.raises(cty.CtyValueError) as raised:
        cty.conform({"name": "a", "tags": {"k": 1}}, OBJ)
    assert str(raised.value.path) == 'tags["k"]'
    assert cty.conform({"name": "a", "size": 2}, OBJ) == {"name": "a", "size": Decimal(2), "tags": None}


def test_sets_compare_without_order() -> None:
    ty = cty.Set(cty.NUMBER)
    assert cty.values_equal([Decimal(1), Decimal(2)], [2, 1], ty)
    assert not cty.values_equal([Decimal(1)], [Decimal(1), Decimal(1)], ty)
