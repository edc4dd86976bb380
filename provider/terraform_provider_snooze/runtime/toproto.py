"""Runtime values to tfplugin6 messages; one function per message kind."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from . import cty
from ._generated import tfplugin6_pb2 as pb
from .cty.path import AttributePath, GetAttr, IndexKey
from .diagnostics import Diagnostic, Severity
from .interfaces import Function
from .schema import Attribute, Block, NestedAttributes, NestedBlock, Schema

__all__ = ["attribute_path", "diagnostics", "dynamic_value", "function", "schema"]

_MARKDOWN = pb.StringKind.MARKDOWN
_SEVERITY = {Severity.ERROR: pb.Diagnostic.ERROR, Severity.WARNING: pb.Diagnostic.WARNING}


def dynamic_value(value: Any, ty: cty.CtyType) -> pb.DynamicValue:
    """Always msgpack: JSON cannot carry unknowns and is not accepted on every path."""
    return pb.DynamicValue(msgpack=cty.msgpack_codec.encode(value, ty))


def attribute_path(path: AttributePath) -> pb.AttributePath:
    steps = []
    for step in path.steps:
        if isinstance(step, GetAttr):
            steps.append(pb.AttributePath.Step(attribute_name=step.name))
        elif isinstance(step, IndexKey):
            steps.append(pb.AttributePath.Step(element_key_string=step.key))
        else:
            steps.append(pb.AttributePath.Step(element_key_int=step.index))
    return pb.AttributePath(steps=steps)


def diagnostic(item: Diagnostic) -> pb.Diagnostic:
    message = pb.Diagnostic(severity=_SEVERITY[item.severity], summary=item.summary, detail=item.detail)
    if item.path is not None and item.path.steps:
        message.attribute.CopyFrom(attribute_path(item.path))
    return message


def diagnostics(items: Iterable[Diagnostic]) -> list[pb.Diagnostic]:
    return [diagnostic(item) for item in items]


def schema(value: Schema) -> pb.Schema:
    return pb.Schema(version=value.version, block=_block(value.block))


def _block(block: Block) -> pb.Schema.Block:
    return pb.Schema.Block(
        attributes=[_attribute(name, a) for name, a in block.attributes.items()],
        block_types=[_nested_block(name, b) for name, b in block.blocks.items()],
        description=block.description,
        description_kind=_MARKDOWN,
        deprecated=bool(block.deprecation_message),
        deprecation_message=block.deprecation_message,
    )


def _attribute(name: str, attribute: Attribute) -> pb.Schema.Attribute:
    message = pb.Schema.Attribute(
        name=name,
        description=attribute.description,
        description_kind=_MARKDOWN,
        required=attribute.required,
        optional=attribute.optional,
        computed=attribute.computed,
        sensitive=attribute.sensitive,
        deprecated=bool(attribute.deprecation_message),
        deprecation_message=attribute.deprecation_message,
    )
    if attribute.nested is not None:
        message.nested_type.CopyFrom(_object(attribute.nested))
    else:
        assert attribute.type is not None
        message.type = cty.type_to_json_bytes(attribute.type)
    return message


def _object(nested: NestedAttributes) -> pb.Schema.Object:
    return pb.Schema.Object(
        attributes=[_attribute(name, a) for name, a in nested.attributes.items()],
        nesting=pb.Schema.Object.NestingMode.Value(nested.nesting.name),
    )


def _nested_block(name: str, nested: NestedBlock) -> pb.Schema.NestedBlock:
    return pb.Schema.NestedBlock(
        type_name=name,
        block=_block(nested.block),
        nesting=pb.Schema.NestedBlock.NestingMode.Value(nested.nesting.name),
        min_items=nested.min_items,
        max_items=nested.max_items,
    )


def function(value: Function) -> pb.Function:
    return pb.Function(
        parameters=[
            pb.Function.Parameter(
                name=p.name,
                type=cty.type_to_json_bytes(p.type),
                allow_null_value=p.allow_null,
                description=p.description,
                description_kind=_MARKDOWN,
            )
            for p in value.parameters
        ],
        summary=value.summary,
        description=value.description,
        description_kind=_MARKDOWN,
        **{"return": pb.Function.Return(type=cty.type_to_json_bytes(value.return_type))},
    )
