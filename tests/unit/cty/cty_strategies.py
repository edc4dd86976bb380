"""Hypothesis strategies: arbitrary cty types, and values of a given type."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import strategies as st
from terraform_provider_snooze.runtime import cty

NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8)

PRIMITIVES = st.sampled_from([cty.STRING, cty.NUMBER, cty.BOOL])


def types(max_depth: int = 3) -> st.SearchStrategy[cty.CtyType]:
    def extend(inner: st.SearchStrategy[cty.CtyType]) -> st.SearchStrategy[cty.CtyType]:
        return st.one_of(
            inner.map(cty.List),
            inner.map(cty.Set),
            inner.map(cty.Map),
            st.lists(inner, max_size=3).map(lambda ts: cty.Tuple(tuple(ts))),
            st.dictionaries(NAMES, inner, max_size=4).map(cty.Object),
        )

    return st.recursive(st.one_of(PRIMITIVES, st.just(cty.DYNAMIC)), extend, max_leaves=max_depth * 3)


NUMBERS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(Decimal),
    st.floats(allow_nan=False, allow_infinity=False).map(Decimal),
    st.decimals(allow_nan=False, allow_infinity=False, places=6),
)


@st.composite
def values(draw: st.DrawFn, ty: cty.CtyType, unknowns: bool = True) -> Any:
    special = [st.none(), st.just(cty.UNKNOWN)] if unknowns else [st.none()]
    if draw(st.integers(0, 9)) == 0:
        return draw(st.one_of(*special))
    if ty == cty.STRING:
        return draw(st.text(max_size=10))
    if ty == cty.NUMBER:
        return draw(NUMBERS)
    if ty == cty.BOOL:
        return draw(st.booleans())
    if ty == cty.DYNAMIC:
        inner = draw(PRIMITIVES)
        return cty.Dynamic(inner, draw(values(inner, unknowns)))
    if isinstance(ty, cty.List | cty.Set):
        return draw(st.lists(values(ty.element, unknowns), max_size=3))
    if isinstance(ty, cty.Tuple):
        return [draw(values(t, unknowns)) for t in ty.elements]
    if isinstance(ty, cty.Map):
        return draw(st.dictionaries(NAMES, values(ty.element, unknowns), max_size=3))
    assert isinstance(ty, cty.Object)
    return {name: draw(values(t, unknowns)) for name, t in ty.attributes.items()}


@st.composite
def typed_values(draw: st.DrawFn, unknowns: bool = True) -> tuple[cty.CtyType, Any]:
    ty = draw(types())
    return ty, draw(values(ty, unknowns))
