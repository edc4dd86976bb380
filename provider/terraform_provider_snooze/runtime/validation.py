"""Runs attribute validators over a configuration, with the path of every value they check.

Validation happens at plan time, before the provider is configured, so values may be unknown
(computed from resources not yet created): those are skipped and checked again at apply.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import cty
from .cty.path import AttributePath
from .diagnostics import Diagnostics
from .schema import Attribute, Block, NestedAttributes, Nesting

__all__ = ["validate_block"]


def validate_block(
    block: Block, value: Mapping[str, Any] | None, diagnostics: Diagnostics, path: AttributePath | None = None
) -> None:
    if not _is_value(value):
        return
    assert value is not None
    here = path or AttributePath()
    _validate_attributes(block.attributes, value, diagnostics, here)
    for name, nested in block.blocks.items():
        for element_path, element in _elements(nested.nesting, value.get(name), here.attr(name)):
            validate_block(nested.block, element, diagnostics, element_path)


def _validate_attributes(
    attributes: Mapping[str, Attribute],
    value: Mapping[str, Any],
    diagnostics: Diagnostics,
    path: AttributePath,
) -> None:
    for name, attribute in attributes.items():
        current = value.get(name)
        if not _is_value(current):
            continue
        here = path.attr(name)
        if cty.is_wholly_known(current, attribute.cty_type):
            for validator in attribute.validators:
                validator(current, here, diagnostics)
        if attribute.nested is not None:
            _validate_nested(attribute.nested, current, diagnostics, here)


def _validate_nested(
    nested: NestedAttributes, value: Any, diagnostics: Diagnostics, path: AttributePath
) -> None:
    for element_path, element in _elements(nested.nesting, value, path):
        _validate_attributes(nested.attributes, element, diagnostics, element_path)


def _elements(nesting: Nesting, value: Any, path: AttributePath) -> list[tuple[AttributePath, Any]]:
    if not _is_value(value):
        return []
    if nesting in (Nesting.SINGLE, Nesting.GROUP):
        return [(path, value)]
    if nesting is Nesting.MAP:
        return [(path.key(k), v) for k, v in value.items() if _is_value(v)]
    # Set elements have no address of their own; point at the set.
    if nesting is Nesting.SET:
        return [(path, v) for v in value if _is_value(v)]
    return [(path.index(i), v) for i, v in enumerate(value) if _is_value(v)]


def _is_value(value: Any) -> bool:
    return value is not None and value is not cty.UNKNOWN
