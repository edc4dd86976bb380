"""tfplugin6 request messages to typed requests (protocol.py): one function per request.

Nothing here interprets a value; values stay encoded until the engine knows their schema. A
message field Terraform leaves out arrives as its default (empty bytes, a capability of False),
which is exactly what an older Terraform means by leaving it out.
"""

from __future__ import annotations

from ._generated import tfplugin6_pb2 as pb
from .protocol import (
    ApplyResourceChangeRequest,
    CallFunctionRequest,
    ClientCapabilities,
    ConfigureProviderRequest,
    DynamicValue,
    GenerateResourceConfigRequest,
    ImportResourceStateRequest,
    MoveResourceStateRequest,
    PlanResourceChangeRequest,
    RawState,
    ReadDataSourceRequest,
    ReadResourceRequest,
    UpgradeResourceStateRequest,
    ValidateConfigRequest,
)

__all__ = [
    "apply_resource_change_request",
    "call_function_request",
    "configure_provider_request",
    "dynamic_value",
    "generate_resource_config_request",
    "import_resource_state_request",
    "move_resource_state_request",
    "no_request",
    "plan_resource_change_request",
    "raw_state",
    "read_data_source_request",
    "read_resource_request",
    "upgrade_resource_state_request",
    "validate_config_request",
]


def dynamic_value(message: pb.DynamicValue) -> DynamicValue:
    return DynamicValue(msgpack=message.msgpack, json=message.json)


def raw_state(message: pb.RawState) -> RawState:
    return RawState(json=message.json, flatmap=dict(message.flatmap))


def client_capabilities(message: pb.ClientCapabilities) -> ClientCapabilities:
    return ClientCapabilities(
        deferral_allowed=message.deferral_allowed,
        write_only_attributes_allowed=message.write_only_attributes_allowed,
    )


def no_request(message: object) -> None:
    """GetMetadata, GetProviderSchema, GetFunctions, StopProvider: nothing to read."""


def validate_config_request(
    message: pb.ValidateProviderConfig.Request
    | pb.ValidateResourceConfig.Request
    | pb.ValidateDataResourceConfig.Request,
) -> ValidateConfigRequest:
    type_name = "" if isinstance(message, pb.ValidateProviderConfig.Request) else message.type_name
    return ValidateConfigRequest(config=dynamic_value(message.config), type_name=type_name)


def configure_provider_request(message: pb.ConfigureProvider.Request) -> ConfigureProviderRequest:
    return ConfigureProviderRequest(
        terraform_version=message.terraform_version,
        config=dynamic_value(message.config),
        client_capabilities=client_capabilities(message.client_capabilities),
    )


def upgrade_resource_state_request(message: pb.UpgradeResourceState.Request) -> UpgradeResourceStateRequest:
    return UpgradeResourceStateRequest(
        type_name=message.type_name, version=message.version, raw_state=raw_state(message.raw_state)
    )


def read_resource_request(message: pb.ReadResource.Request) -> ReadResourceRequest:
    return ReadResourceRequest(
        type_name=message.type_name,
        current_state=dynamic_value(message.current_state),
        private=message.private,
        client_capabilities=client_capabilities(message.client_capabilities),
    )


def plan_resource_change_request(message: pb.PlanResourceChange.Request) -> PlanResourceChangeRequest:
    return PlanResourceChangeRequest(
        type_name=message.type_name,
        prior_state=dynamic_value(message.prior_state),
        proposed_new_state=dynamic_value(message.proposed_new_state),
        config=dynamic_value(message.config),
        prior_private=message.prior_private,
        client_capabilities=client_capabilities(message.client_capabilities),
    )


def apply_resource_change_request(message: pb.ApplyResourceChange.Request) -> ApplyResourceChangeRequest:
    return ApplyResourceChangeRequest(
        type_name=message.type_name,
        prior_state=dynamic_value(message.prior_state),
        planned_state=dynamic_value(message.planned_state),
        config=dynamic_value(message.config),
        planned_private=message.planned_private,
    )


def import_resource_state_request(message: pb.ImportResourceState.Request) -> ImportResourceStateRequest:
    return ImportResourceStateRequest(
        type_name=message.type_name,
        id=message.id,
        client_capabilities=client_capabilities(message.client_capabilities),
    )


def move_resource_state_request(message: pb.MoveResourceState.Request) -> MoveResourceStateRequest:
    return MoveResourceStateRequest(
        source_provider_address=message.source_provider_address,
        source_type_name=message.source_type_name,
        source_schema_version=message.source_schema_version,
        source_state=raw_state(message.source_state),
        target_type_name=message.target_type_name,
        source_private=message.source_private,
    )


def generate_resource_config_request(
    message: pb.GenerateResourceConfig.Request,
) -> GenerateResourceConfigRequest:
    return GenerateResourceConfigRequest(type_name=message.type_name, state=dynamic_value(message.state))


def read_data_source_request(message: pb.ReadDataSource.Request) -> ReadDataSourceRequest:
    return ReadDataSourceRequest(
        type_name=message.type_name,
        config=dynamic_value(message.config),
        client_capabilities=client_capabilities(message.client_capabilities),
    )


def call_function_request(message: pb.CallFunction.Request) -> CallFunctionRequest:
    return CallFunctionRequest(name=message.name, arguments=[dynamic_value(a) for a in message.arguments])
