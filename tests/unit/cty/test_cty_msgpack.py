"""The msgpack codec: round trips for every type, and go-cty's exact wire details."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from terraform_provider_snooze.runtime import cty
from terraform_provider_snooze.runtime.cty import msgpack_codec

from .cty_strategies import assert_canonical, typed_values

OBJ = cty.Object({"name": cty.STRING, "size": cty.NUMBER, "tags": cty.Map(cty.STRING)})


def pack(data: Any) -> bytes:
    packed: bytes = msgpack.packb(data, use_bin_type=True)
    return packed


@settings(max_examples=250, deadline=None)
@given(typed_values())
def test_round_trip_gives_an_equal_canonical_value(typed: tuple[cty.CtyType, Any]) -> None:
    ty, value = typed
    decoded = msgpack_codec.decode(msgpack_codec.encode(value, ty), ty)
    assert cty.values_equal(decoded, value, ty)
    assert_canonical(decoded, ty)
    assert cty.is_wholly_known(decoded, ty) == cty.is_wholly_known(value, ty)


@settings(max_examples=100, deadline=None)
@given(typed_values())
def test_encoding_is_stable_through_a_round_trip(typed: tuple[cty.CtyType, Any]) -> None:
    ty, value = typed
    once = msgpack_codec.encode(value, ty)
    assert msgpack_codec.encode(msgpack_codec.decode(once, ty), ty) == once


# --- unknowns -----------------------------------------------------------------------------


def test_unknown_is_ext0_with_one_zero_byte() -> None:
    assert msgpack_codec.encode(cty.UNKNOWN, cty.STRING) == b"\xd4\x00\x00"
    assert msgpack_codec.encode(cty.UNKNOWN, cty.DYNAMIC) == b"\xd4\x00\x00"
    assert msgpack_codec.encode({"name": cty.UNKNOWN, "size": None, "tags": None}, OBJ) == (
        b"\x83\xa4name\xd4\x00\x00\xa4size\xc0\xa4tags\xc0"
    )


REFINED = b"\xc7\x03\x0c\x81\x01\xc2"  # ext 12, payload {1: false}: "definitely not null"


@pytest.mark.parametrize(
    "data",
    [
        b"\xd4\x00\x00",  # what Terraform writes for a plain unknown
        b"\xc7\x00\x00",  # an empty payload
        REFINED,
        pack(msgpack.ExtType(12, pack({2: "prefix-", 1: False}))),
        pack(msgpack.ExtType(5, b"\x00")),
        pack(msgpack.ExtType(5, pack({1: True}))),  # any ext code means unknown
        b"\xd6\xff\x00\x00\x00\x00",  # ext -1, which the msgpack library reads as a timestamp
    ],
)
@pytest.mark.parametrize("ty", [cty.NUMBER, cty.STRING, cty.List(cty.BOOL), OBJ, cty.DYNAMIC])
def test_any_extension_decodes_as_unknown(data: bytes, ty: cty.CtyType) -> None:
    assert msgpack_codec.decode(data, ty) is cty.UNKNOWN


def test_refined_unknowns_inside_an_object() -> None:
    data = b"\x83\xa4name" + REFINED + b"\xa4size\x01\xa4tags\x80"
    assert msgpack_codec.decode(data, OBJ) == {"name": cty.UNKNOWN, "size": 1, "tags": {}}


# --- numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "wire"),
    [
        (Decimal(5), b"\x05"),
        (Decimal(-1), b"\xff"),
        (Decimal("5.000"), b"\x05"),  # integral, whatever the exponent says
        (Decimal("-0"), b"\x00"),
        (Decimal(2**63 - 1), b"\xcf" + (2**63 - 1).to_bytes(8, "big")),
        (Decimal(-(2**63)), b"\xd3" + (2**63).to_bytes(8, "big")),
        (Decimal(2**63), b"\xcb" + bytes.fromhex("43e0000000000000")),  # past int64, exact as float64
        (Decimal(-(2**63) - 2048), b"\xcb" + bytes.fromhex("c3e0000000000001")),
        (Decimal("0.5"), b"\xcb" + bytes.fromhex("3fe0000000000000")),
        (Decimal(0.1), b"\xcb" + bytes.fromhex("3fb999999999999a")),  # noqa: RUF032 - the float's exact value
        (Decimal("0.1"), b"\xa30.1"),  # not a float64: decimal text, as go-cty writes it
        (Decimal("1E+30"), b"\xbf1" + b"0" * 30),
        (Decimal("1.50"), b"\xcb" + bytes.fromhex("3ff8000000000000")),
        (Decimal("0.10"), b"\xa30.1"),  # big.Float Text('f', -1): no trailing zeros
        (Decimal(2**64 + 1), b"\xb4" + str(2**64 + 1).encode()),
    ],
)
def test_numbers_are_written_like_go_cty(number: Decimal, wire: bytes) -> None:
    assert msgpack_codec.encode(number, cty.NUMBER) == wire


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_every_finite_float_survives_exactly(value: float) -> None:
    number = Decimal(value)
    raw = msgpack.unpackb(msgpack_codec.encode(number, cty.NUMBER))
    assert isinstance(raw, int | float) and Decimal(raw) == number
    assert msgpack_codec.decode(pack(value), cty.NUMBER) == number


@given(st.integers(-(2**63), 2**63 - 1))
def test_every_int64_is_written_as_an_integer(value: int) -> None:
    raw = msgpack.unpackb(msgpack_codec.encode(Decimal(value), cty.NUMBER))
    assert type(raw) is int and raw == value


@pytest.mark.parametrize(
    ("data", "number"),
    [
        (pack("0.1"), Decimal("0.1")),  # HCL's 0.1 arrives as text
        (pack("-12.5e3"), Decimal("-12500")),
        (pack(b"7"), Decimal(7)),  # bin is read as a string, as vmihailenco's DecodeString does
        (pack(0.1), Decimal(0.1)),  # noqa: RUF032 - a float converts exactly
        (pack(2**64 - 1), Decimal(2**64 - 1)),  # uint64
        (b"\xca\x3f\xc0\x00\x00", Decimal("1.5")),  # float32
        (pack(-(2**63)), Decimal(-(2**63))),
    ],
)
def test_numbers_are_read_exactly(data: bytes, number: Decimal) -> None:
    decoded = msgpack_codec.decode(data, cty.NUMBER)
    assert isinstance(decoded, Decimal) and decoded == number


@pytest.mark.parametrize("data", [pack("1_000"), pack(" 1"), pack("NaN"), pack("inf"), pack(""), pack(True)])
def test_malformed_numbers_are_refused(data: bytes) -> None:
    with pytest.raises(cty.CtyDecodeError, match="number is required"):
        msgpack_codec.decode(data, cty.NUMBER)


@pytest.mark.parametrize("bad", [math.nan, math.inf, Decimal("NaN"), Decimal("-Infinity"), "x", True])
def test_numbers_that_terraform_cannot_hold_are_not_written(bad: Any) -> None:
    with pytest.raises(cty.CtyValueError):
        msgpack_codec.encode(bad, cty.NUMBER)


# --- objects and collections --------------------------------------------------------------


def test_objects_carry_every_attribute_in_name_order() -> None:
    assert (
        msgpack_codec.encode({"tags": {}, "name": "a"}, OBJ) == b"\x83\xa4name\xa1a\xa4size\xc0\xa4tags\x80"
    )


def test_objects_missing_an_attribute_are_refused() -> None:
    with pytest.raises(
        cty.CtyDecodeError, match=r"an object with 3 attributes is required \(2 given\)"
    ) as raised:
        msgpack_codec.decode(pack({"name": "a", "size": 1}), OBJ)
    assert raised.value.path == cty.AttributePath()
    nested = cty.Object({"inner": OBJ})
    with pytest.raises(cty.CtyDecodeError) as raised:
        msgpack_codec.decode(pack({"inner": {}}), nested)
    assert str(raised.value.path) == "inner"


def test_objects_with_an_unknown_attribute_are_refused() -> None:
    with pytest.raises(cty.CtyDecodeError, match=r"^size_gb: unsupported attribute$"):
        msgpack_codec.decode(pack({"name": "a", "size_gb": 1, "tags": None}), OBJ)
    with pytest.raises(cty.CtyDecodeError, match="an object with 3 attributes is required"):
        msgpack_codec.decode(pack({"name": "a", "size": 1, "tags": None, "x": 1}), OBJ)


def test_extra_attributes_are_not_written() -> None:
    with pytest.raises(cty.CtyValueError, match="unsupported attribute 'x'"):
        msgpack_codec.encode({"name": "a", "x": 1}, OBJ)


@pytest.mark.parametrize(
    ("ty", "data", "path", "message"),
    [
        (cty.List(cty.STRING), pack(["a", 1]), "[1]", "string is required"),
        (cty.Map(cty.BOOL), pack({"k": "true"}), '["k"]', "bool is required"),
        (cty.Map(cty.BOOL), pack({1: True}), "", "non-string key in map"),
        (cty.Tuple((cty.STRING, cty.NUMBER)), pack(["a"]), "", "a tuple of length 2 is required"),
        (cty.Set(cty.NUMBER), pack({"a": 1}), "", "a set is required"),
        (OBJ, pack(["a", 1, None]), "", "an object is required"),
        (
            cty.Object({"o": OBJ}),
            pack({"o": {"name": 1, "size": 1, "tags": None}}),
            "o.name",
            "string is required",
        ),
    ],
)
def test_decode_errors_say_where(ty: cty.CtyType, data: bytes, path: str, message: str) -> None:
    with pytest.raises(cty.CtyDecodeError, match=message) as raised:
        msgpack_codec.decode(data, ty)
    assert str(raised.value.path) == path


def test_set_duplicates_collapse_unless_unknown() -> None:
    ty = cty.Set(cty.NUMBER)
    assert msgpack_codec.decode(pack([1, 1.0, "1"]), ty) == [Decimal(1)]
    assert msgpack_codec.decode(b"\x92\xd4\x00\x00\xd4\x00\x00", ty) == [cty.UNKNOWN, cty.UNKNOWN]


def test_strings_come_back_in_normal_form_c() -> None:
    assert msgpack_codec.decode(pack("e\u0301"), cty.STRING) == "\u00e9"
    assert msgpack_codec.encode("e\u0301", cty.STRING) == pack("\u00e9")
    assert msgpack_codec.decode(pack(b"bin"), cty.STRING) == "bin"


def test_empty_or_broken_input_is_not_a_value() -> None:
    for data in (b"", b"\x92\x01", b"\xc1"):
        with pytest.raises(cty.CtyDecodeError):
            msgpack_codec.decode(data, cty.List(cty.NUMBER))
    assert msgpack_codec.decode(b"\xc0", OBJ) is None


# --- dynamic ------------------------------------------------------------------------------


def test_dynamic_values_are_a_type_and_a_value() -> None:
    value = cty.Dynamic(cty.List(cty.STRING), ["x"])
    encoded = msgpack_codec.encode(value, cty.DYNAMIC)
    assert encoded == b'\x92\xc4\x11["list","string"]\x91\xa1x'  # the type as bin, then the value
    assert msgpack_codec.decode(encoded, cty.DYNAMIC) == value


def test_typed_nulls_and_unknowns_keep_their_type_in_a_dynamic_slot() -> None:
    # go-cty marshal.go wraps whenever the value's type is not the pseudo-type itself.
    assert msgpack_codec.encode(cty.Dynamic(cty.STRING, None), cty.DYNAMIC) == b'\x92\xc4\x08"string"\xc0'
    assert msgpack_codec.encode(cty.Dynamic(cty.NUMBER, cty.UNKNOWN), cty.DYNAMIC) == (
        b'\x92\xc4\x08"number"\xd4\x00\x00'
    )
    assert msgpack_codec.decode(b'\x92\xc4\x08"string"\xc0', cty.DYNAMIC) == cty.Dynamic(cty.STRING, None)
    # Untyped ones are bare.
    assert msgpack_codec.encode(None, cty.DYNAMIC) == b"\xc0"
    assert msgpack_codec.encode(cty.Dynamic(cty.DYNAMIC, cty.UNKNOWN), cty.DYNAMIC) == b"\xd4\x00\x00"
    assert msgpack_codec.decode(b"\xc0", cty.DYNAMIC) is None
    assert msgpack_codec.decode(b'\x92\xc4\x09"dynamic"\xc0', cty.DYNAMIC) is None


def test_dynamic_type_may_arrive_as_a_string() -> None:
    assert msgpack_codec.decode(pack(['"bool"', True]), cty.DYNAMIC) == cty.Dynamic(cty.BOOL, True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (pack(["string"]), "exactly two elements"),
        (pack([b'"strin"', "x"]), "invalid primitive type name"),
        (pack([b"[", "x"]), "invalid cty type JSON"),
        (pack([1, "x"]), "JSON bytes"),
        (pack([b'"number"', "x"]), "number is required"),
        (pack([b'"dynamic"', "x"]), "exactly two elements"),
    ],
)
def test_malformed_dynamic_values_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(cty.CtyDecodeError, match=message):
        msgpack_codec.decode(data, cty.DYNAMIC)


def test_a_dynamic_slot_needs_a_typed_value_to_write() -> None:
    with pytest.raises(cty.CtyValueError, match="Dynamic"):
        msgpack_codec.encode("bare", cty.DYNAMIC)
    with pytest.raises(cty.CtyValueError, match="type string is required"):
        msgpack_codec.encode(cty.Dynamic(cty.STRING, "x"), cty.STRING)
