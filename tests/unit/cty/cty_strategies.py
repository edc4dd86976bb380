"""Hypothesis strategies for cty types and their values, and a check of the canonical form."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import cache
from typing import Any

from hypothesis import strategies as st
from terraform_provider_snooze.runtime import cty

# Names include a combining accent so that Unicode normalisation is exercised.
NAMES = st.text(alphabet="abcxyz_é\u0301", min_size=1, max_size=6)
TEXT = st.text(max_size=8)

PRIMITIVES = st.sampled_from([cty.STRING, cty.NUMBER, cty.BOOL])


@cache  # building strategies is costly for Hypothesis (validation); reuse them
def types(max_leaves: int = 8, dynamic: bool = True) -> st.SearchStrategy[cty.CtyType]:
    """Arbitrary cty types of bounded size."""
    leaves = st.one_of(PRIMITIVES, st.just(cty.DYNAMIC)) if dynamic else PRIMITIVES

    def extend(inner: st.SearchStrategy[cty.CtyType]) -> st.SearchStrategy[cty.CtyType]:
        return st.one_of(
            inner.map(cty.List),
            inner.map(cty.Set),
            inner.map(cty.Map),
            st.lists(inner, max_size=3).map(lambda ts: cty.Tuple(tuple(ts))),
            st.dictionaries(NAMES, inner, max_size=3).map(cty.Object),
        )

    return st.recursive(leaves, extend, max_leaves=max_leaves)


NUMBERS = st.one_of(
    st.integers(min_value=-(2**64), max_value=2**64).map(Decimal),
    st.floats(allow_nan=False, allow_infinity=False).map(Decimal),
    st.builds(lambda m, e: Decimal(f"{m}E{e}"), st.integers(-(10**20), 10**20), st.integers(-30, 30)),
)


@cache
def values(ty: cty.CtyType, unknowns: bool = True) -> st.SearchStrategy[Any]:
    """A canonical value of type `ty`, sometimes null or (if `unknowns`) unknown at any depth."""
    return raw_values(ty, unknowns).map(lambda value: cty.conform(value, ty))


@cache
def raw_values(ty: cty.CtyType, unknowns: bool = True) -> st.SearchStrategy[Any]:
    return _raw_values(ty, unknowns)


@st.composite
def _raw_values(draw: st.DrawFn, ty: cty.CtyType, unknowns: bool) -> Any:
    """Like `values`, but strings may be in any Unicode form and sets may repeat elements."""
    roll = draw(st.integers(0, 11))
    if roll == 0:
        return None
    if roll == 1 and unknowns:
        return cty.UNKNOWN
    if ty == cty.STRING:
        return draw(TEXT)
    if ty == cty.NUMBER:
        return draw(NUMBERS)
    if ty == cty.BOOL:
        return draw(st.booleans())
    if ty == cty.DYNAMIC:
        inner = draw(types(max_leaves=3, dynamic=False))
        return cty.Dynamic(inner, draw(raw_values(inner, unknowns)))
    if isinstance(ty, cty.List | cty.Set):
        return draw(st.lists(raw_values(ty.element, unknowns), max_size=3))
    if isinstance(ty, cty.Tuple):
        return [draw(raw_values(t, unknowns)) for t in ty.elements]
    if isinstance(ty, cty.Map):
        return draw(st.dictionaries(TEXT, raw_values(ty.element, unknowns), max_size=3))
    assert isinstance(ty, cty.Object)
    return {name: draw(raw_values(t, unknowns)) for name, t in ty.attributes.items()}


@st.composite
def typed_values(draw: st.DrawFn, unknowns: bool = True) -> tuple[cty.CtyType, Any]:
    ty = draw(types())
    return ty, draw(values(ty, unknowns))


def assert_canonical(value: Any, ty: cty.CtyType) -> None:
    """Fail unless `value` has exactly the Python shape the canonical form promises for `ty`."""
    if value is None or value is cty.UNKNOWN:
        return
    if isinstance(ty, cty.Primitive):
        _CANONICAL_PRIMITIVES[ty.name](value)
    else:
        _CANONICAL_COMPOSITES[type(ty)](value, ty)


def _canonical_dynamic(value: Any) -> None:
    assert isinstance(value, cty.Dynamic) and value.type != cty.DYNAMIC, value
    assert_canonical(value.value, value.type)


def _canonical_elements(value: Any, ty: Any) -> None:
    assert isinstance(value, list), value
    types = ty.elements if isinstance(ty, cty.Tuple) else [ty.element] * len(value)
    assert len(value) == len(types), value
    for element, element_type in zip(value, types, strict=True):
        assert_canonical(element, element_type)


def _canonical_map(value: Any, ty: cty.Map) -> None:
    assert isinstance(value, dict) and all(isinstance(k, str) for k in value), value
    for element in value.values():
        assert_canonical(element, ty.element)


def _canonical_object(value: Any, ty: cty.Object) -> None:
    assert isinstance(value, dict) and set(value) == set(ty.attributes), value
    for name, attribute_type in ty.attributes.items():
        assert_canonical(value[name], attribute_type)


def _is_nfc(value: Any) -> None:
    assert isinstance(value, str) and cty.values.nfc(value) == value, value


def _is_finite_decimal(value: Any) -> None:
    assert isinstance(value, Decimal) and value.is_finite(), value


def _is_bool(value: Any) -> None:
    assert isinstance(value, bool), value


_CANONICAL_PRIMITIVES: dict[str, Callable[[Any], None]] = {
    "dynamic": _canonical_dynamic,
    "string": _is_nfc,
    "number": _is_finite_decimal,
    "bool": _is_bool,
}
_CANONICAL_COMPOSITES: dict[type[cty.CtyType], Callable[[Any, Any], None]] = {
    cty.List: _canonical_elements,
    cty.Set: _canonical_elements,
    cty.Tuple: _canonical_elements,
    cty.Map: _canonical_map,
    cty.Object: _canonical_object,
}
