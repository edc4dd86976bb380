"""Typed responses (protocol.py) to tfplugin6 messages: one function per response, then the
pieces they share (diagnostics, attribute paths, schemas, functions)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from . import cty
from ._generated import tfplugin6_pb2 as pb
from .cty.path import AttributePath, GetAttr, IndexKey
from .diagnostics import Diagnostic, Diagnostics, Severity
from .interfaces import Function
from .protocol import (
    ApplyResourceChangeResponse,
    CallFunctionResponse,
    Deferred,
    DiagnosticsResponse,
    DynamicValue,
    GenerateResourceConfigResponse,
    GetFunctionsResponse,
    GetMetadataResponse,
    GetProviderSchemaResponse,
    ImportResourceStateResponse,
    MoveResourceStateResponse,
    PlanResourceChangeResponse,
    ReadDataSourceResponse,
    ReadResourceResponse,
    ServerCapabilities,
    UpgradeResourceStateResponse,
)
from .schema import Attribute, Block, NestedAttributes, NestedBlock, Schema

_MARKDOWN = pb.StringKind.MARKDOWN
_SEVERITY = {Severity.ERROR: pb.Diagnostic.ERROR, Severity.WARNING: pb.Diagnostic.WARNING}

# -- responses -------------------------------------------------------------------------------------


def get_metadata_response(response: GetMetadataResponse) -> pb.GetMetadata.Response:
    return pb.GetMetadata.Response(
        server_capabilities=server_capabilities(response.capabilities),
        resources=[pb.GetMetadata.ResourceMetadata(type_name=n) for n in response.resources],
        data_sources=[pb.GetMetadata.DataSourceMetadata(type_name=n) for n in response.data_sources],
        functions=[pb.GetMetadata.FunctionMetadata(name=n) for n in response.functions],
        diagnostics=diagnostics(response.diagnostics),
    )


def get_provider_schema_response(response: GetProviderSchemaResponse) -> pb.GetProviderSchema.Response:
    return pb.GetProviderSchema.Response(
        provider=schema(response.provider) if response.provider is not None else None,
        resource_schemas=_schemas(response.resource_schemas),
        data_source_schemas=_schemas(response.data_source_schemas),
        functions={name: function(f) for name, f in response.functions.items()},
        server_capabilities=server_capabilities(response.capabilities),
        diagnostics=diagnostics(response.diagnostics),
    )


def get_resource_identity_schemas_response(
    response: DiagnosticsResponse,
) -> pb.GetResourceIdentitySchemas.Response:
    # No resource offers an identity: an empty map is the documented answer.
    return pb.GetResourceIdentitySchemas.Response(diagnostics=diagnostics(response.diagnostics))


def validate_provider_config_response(response: DiagnosticsResponse) -> pb.ValidateProviderConfig.Response:
    return pb.ValidateProviderConfig.Response(diagnostics=diagnostics(response.diagnostics))


def validate_resource_config_response(response: DiagnosticsResponse) -> pb.ValidateResourceConfig.Response:
    return pb.ValidateResourceConfig.Response(diagnostics=diagnostics(response.diagnostics))


def validate_data_resource_config_response(
    response: DiagnosticsResponse,
) -> pb.ValidateDataResourceConfig.Response:
    return pb.ValidateDataResourceConfig.Response(diagnostics=diagnostics(response.diagnostics))


def configure_provider_response(response: DiagnosticsResponse) -> pb.ConfigureProvider.Response:
    return pb.ConfigureProvider.Response(diagnostics=diagnostics(response.diagnostics))


def upgrade_resource_state_response(
    response: UpgradeResourceStateResponse,
) -> pb.UpgradeResourceState.Response:
    return pb.UpgradeResourceState.Response(
        upgraded_state=dynamic_value(response.upgraded_state), diagnostics=diagnostics(response.diagnostics)
    )


def read_resource_response(response: ReadResourceResponse) -> pb.ReadResource.Response:
    return pb.ReadResource.Response(
        new_state=dynamic_value(response.new_state),
        private=response.private,
        deferred=deferred(response.deferred),
        diagnostics=diagnostics(response.diagnostics),
    )


def plan_resource_change_response(response: PlanResourceChangeResponse) -> pb.PlanResourceChange.Response:
    return pb.PlanResourceChange.Response(
        planned_state=dynamic_value(response.planned_state),
        requires_replace=[attribute_path(p) for p in response.requires_replace],
        planned_private=response.planned_private,
        deferred=deferred(response.deferred),
        diagnostics=diagnostics(response.diagnostics),
    )


def apply_resource_change_response(response: ApplyResourceChangeResponse) -> pb.ApplyResourceChange.Response:
    return pb.ApplyResourceChange.Response(
        new_state=dynamic_value(response.new_state),
        private=response.private,
        diagnostics=diagnostics(response.diagnostics),
    )


def import_resource_state_response(response: ImportResourceStateResponse) -> pb.ImportResourceState.Response:
    return pb.ImportResourceState.Response(
        imported_resources=[
            pb.ImportResourceState.ImportedResource(
                type_name=r.type_name, state=dynamic_value(r.state), private=r.private
            )
            for r in response.imported_resources
        ],
        deferred=deferred(response.deferred),
        diagnostics=diagnostics(response.diagnostics),
    )


def move_resource_state_response(response: MoveResourceStateResponse) -> pb.MoveResourceState.Response:
    return pb.MoveResourceState.Response(
        target_state=dynamic_value(response.target_state),
        target_private=response.target_private,
        diagnostics=diagnostics(response.diagnostics),
    )


def generate_resource_config_response(
    response: GenerateResourceConfigResponse,
) -> pb.GenerateResourceConfig.Response:
    return pb.GenerateResourceConfig.Response(
        config=dynamic_value(response.config), diagnostics=diagnostics(response.diagnostics)
    )


def read_data_source_response(response: ReadDataSourceResponse) -> pb.ReadDataSource.Response:
    return pb.ReadDataSource.Response(
        state=dynamic_value(response.state),
        deferred=deferred(response.deferred),
        diagnostics=diagnostics(response.diagnostics),
    )


def get_functions_response(response: GetFunctionsResponse) -> pb.GetFunctions.Response:
    return pb.GetFunctions.Response(
        functions={name: function(f) for name, f in response.functions.items()},
        diagnostics=diagnostics(response.diagnostics),
    )


def call_function_response(response: CallFunctionResponse) -> pb.CallFunction.Response:
    """A function answers with a result or one error, never with diagnostics."""
    text = response.error_text or _as_text(response.diagnostics)
    if not text:
        return pb.CallFunction.Response(result=dynamic_value(response.result))
    error = pb.FunctionError(text=text)
    if response.error_argument is not None:
        error.function_argument = response.error_argument
    return pb.CallFunction.Response(error=error)


def stop_provider_response(response: DiagnosticsResponse) -> pb.StopProvider.Response:
    return pb.StopProvider.Response(Error=_as_text(response.diagnostics))


# -- shared pieces -------------------------------------------------------------------------------


def dynamic_value(value: DynamicValue | None) -> pb.DynamicValue | None:
    return None if value is None else pb.DynamicValue(msgpack=value.msgpack, json=value.json)


def deferred(value: Deferred | None) -> pb.Deferred | None:
    return None if value is None else pb.Deferred(reason=pb.Deferred.Reason.Value(value.reason.name))


def server_capabilities(value: ServerCapabilities) -> pb.ServerCapabilities:
    return pb.ServerCapabilities(
        plan_destroy=value.plan_destroy,
        get_provider_schema_optional=value.get_provider_schema_optional,
        move_resource_state=value.move_resource_state,
        generate_resource_config=value.generate_resource_config,
    )


def _schemas(schemas: Mapping[str, Schema]) -> dict[str, pb.Schema]:
    return {name: schema(s) for name, s in schemas.items()}


def _as_text(items: Diagnostics) -> str:
    return "; ".join(f"{d.summary}: {d.detail}" if d.detail else d.summary for d in items)


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
