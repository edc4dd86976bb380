"""Runs attribute validators over a configuration, with the path of every value they check.

Validation happens at plan time, before the provider is configured, so values may be unknown
(computed from resources not yet created): those are skipped and checked again at apply.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import cty, walk
from ..cty.path import AttributePath
from ..diagnostics import Diagnostics
from ..schema import Block

__all__ = ["validate_block"]


def validate_block(
    block: Block, value: Mapping[str, Any] | None, diagnostics: Diagnostics, path: AttributePath | None = None
) -> None:
    """Runs the validators of every wholly known value in `value`, an object of `block`."""
    if not walk.is_value(value):
        return
    assert value is not None
    here = path or AttributePath()
    for name, attribute in block.attributes.items():
        current = value.get(name)
        if walk.is_value(current) and cty.is_wholly_known(current, attribute.cty_type):
            for validator in attribute.validators:
                validator(current, here.attr(name), diagnostics)
    for name, nesting, inner in block.nested():
        for key, element in walk.objects(nesting, value.get(name)):
            validate_block(inner, element, diagnostics, walk.element_path(nesting, here.attr(name), key))
