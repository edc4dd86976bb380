"""A small declarative schema model: attributes, nested attributes, nested blocks, versions.

Schemas are checked when they are built, with the rules Terraform applies when it loads them
(configschema's InternalValidate), so a mistake fails the provider's own tests, not a user's plan.
Descriptions are markdown.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any

from . import cty, walk
from .cty.path import AttributePath
from .diagnostics import Diagnostics
from .walk import Nesting

if TYPE_CHECKING:
    from .planmodifiers import PlanModifier

__all__ = [
    "Attribute",
    "Block",
    "NestedAttributes",
    "NestedBlock",
    "Nesting",
    "Schema",
    "SchemaError",
    "Validator",
]

_NAME = re.compile(r"^[a-z0-9_]+$")

Validator = Callable[[Any, AttributePath, Diagnostics], None]
"""Checks one known, non-null value at plan time; adds diagnostics at the given path."""


class SchemaError(ValueError):
    """A schema that Terraform would refuse to load."""


def _check_name(name: str) -> None:
    if not _NAME.match(name):
        raise SchemaError(f"{name!r}: name may contain only lowercase letters, digits and underscores")


@dataclass(frozen=True, kw_only=True)
class Attribute:
    """One attribute: either of a cty `type`, or with `nested` attributes of its own.

    `validators` check its configured value at plan time; `plan_modifiers` adjust its planned
    value, in order (planmodifiers.py: RequiresReplace, UseStateForUnknown, ...).
    """

    type: cty.CtyType | None = None
    nested: NestedAttributes | None = None
    description: str = ""
    required: bool = False
    optional: bool = False
    computed: bool = False
    sensitive: bool = False
    deprecation_message: str = ""
    validators: tuple[Validator, ...] = ()
    plan_modifiers: tuple[PlanModifier, ...] = ()

    def __post_init__(self) -> None:
        if (self.type is None) == (self.nested is None):
            raise SchemaError("an attribute needs exactly one of type or nested")
        if not (self.required or self.optional or self.computed):
            raise SchemaError("must set Optional, Required or Computed")
        if self.required and self.optional:
            raise SchemaError("cannot set both Optional and Required")
        if self.required and self.computed:
            raise SchemaError("cannot set both Computed and Required")
        for modifier in self.plan_modifiers:
            modifier.check(self)

    @property
    def cty_type(self) -> cty.CtyType:
        if self.nested is not None:
            return self.nested.cty_type
        assert self.type is not None
        return self.type


@dataclass(frozen=True, kw_only=True)
class NestedAttributes:
    """Attributes nested inside an attribute, like a block but with attribute syntax (`x = {...}`)."""

    attributes: Mapping[str, Attribute]
    nesting: Nesting = Nesting.SINGLE

    def __post_init__(self) -> None:
        if self.nesting is Nesting.GROUP:
            raise SchemaError("nested attributes cannot use GROUP nesting")
        for name in self.attributes:
            _check_name(name)

    @cached_property
    def block(self) -> Block:
        """The objects' schema, as a block with these attributes, so one walk serves both."""
        return Block(attributes=self.attributes)

    @property
    def object_type(self) -> cty.Object:
        return self.block.cty_type

    @property
    def cty_type(self) -> cty.CtyType:
        return walk.collection_type(self.nesting, self.object_type)


@dataclass(frozen=True, kw_only=True)
class Block:
    attributes: Mapping[str, Attribute] = field(default_factory=dict)
    blocks: Mapping[str, NestedBlock] = field(default_factory=dict)
    description: str = ""
    deprecation_message: str = ""

    def __post_init__(self) -> None:
        for name in (*self.attributes, *self.blocks):
            _check_name(name)
        if clash := set(self.attributes) & set(self.blocks):
            raise SchemaError(f"{sorted(clash)}: names used for both an attribute and a block")

    @property
    def cty_type(self) -> cty.Object:
        types: dict[str, cty.CtyType] = {n: a.cty_type for n, a in self.attributes.items()}
        types.update({n: b.cty_type for n, b in self.blocks.items()})
        return cty.Object(types)

    def nested(self) -> Iterator[tuple[str, Nesting, Block]]:
        """Every member holding objects, nested attributes then nested blocks, with its nesting
        and the block that describes its objects."""
        for name, attribute in self.attributes.items():
            if attribute.nested is not None:
                yield name, attribute.nested.nesting, attribute.nested.block
        for name, nested in self.blocks.items():
            yield name, nested.nesting, nested.block

    def empty_value(self) -> dict[str, Any]:
        """The value of this block when nothing is set: null attributes, no nested blocks."""
        value: dict[str, Any] = dict.fromkeys(self.attributes)
        for name, nested in self.blocks.items():
            value[name] = nested.absent_value()
        return value


@dataclass(frozen=True, kw_only=True)
class NestedBlock:
    block: Block
    nesting: Nesting
    min_items: int = 0
    max_items: int = 0

    @property
    def cty_type(self) -> cty.CtyType:
        return walk.collection_type(self.nesting, self.block.cty_type)

    def absent_value(self) -> Any:
        """How Terraform writes "no blocks": empty collections, never null (plan_valid.go)."""
        return walk.absent(self.nesting, self.block.empty_value)


@dataclass(frozen=True, kw_only=True)
class Schema:
    block: Block
    version: int = 0

    def __post_init__(self) -> None:
        if self.version < 0:
            raise SchemaError("schema version must not be negative")

    @property
    def cty_type(self) -> cty.Object:
        return self.block.cty_type

    def conform(self, value: Mapping[str, Any] | None) -> dict[str, Any] | None:
        """`value` in canonical cty form with every attribute and block present."""
        if value is None:
            return None
        filled = _fill_blocks(dict(value), self.block)
        result = cty.conform(filled, self.cty_type)
        assert result is None or isinstance(result, dict)
        return result

    def walk_attributes(self) -> Iterator[tuple[AttributePath, Attribute]]:
        """Every attribute with its schema path (element steps omitted), depth first."""
        yield from _walk_block(self.block, AttributePath())


def _fill_blocks(value: dict[str, Any], block: Block) -> dict[str, Any]:
    for name in block.attributes:
        value.setdefault(name, None)
    for name, nested in block.blocks.items():
        current = value.get(name)
        filled = walk.rebuild(nested.nesting, current, partial(_fill_object, nested.block))
        value[name] = nested.absent_value() if current is None else filled
    return value


def _fill_object(block: Block, _: walk.Key, value: Mapping[str, Any]) -> dict[str, Any]:
    return _fill_blocks(dict(value), block)


def _walk_block(block: Block, path: AttributePath) -> Iterator[tuple[AttributePath, Attribute]]:
    for name, attribute in block.attributes.items():
        yield path.attr(name), attribute
        if attribute.nested is not None:
            yield from _walk_block(attribute.nested.block, path.attr(name))
    for name, nested in block.blocks.items():
        yield from _walk_block(nested.block, path.attr(name))
