"""The tfplugin6 requests and responses as typed Python, without gRPC or protobuf.

This is what `fromproto` makes of each request Terraform sends, what the engine serves, and what
`toproto` writes back (terraform-plugin-go's tfprotov6). Names follow the protocol's. Values stay
encoded (`DynamicValue`, `RawState`) until the engine knows their schema; every response carries
diagnostics, and a response made of diagnostics alone is how any RPC fails.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from . import cty
from .cty.path import AttributePath
from .diagnostics import Diagnostics
from .interfaces import Function
from .schema import Schema

__all__ = [
    "ApplyResourceChangeRequest",
    "ApplyResourceChangeResponse",
    "CallFunctionRequest",
    "CallFunctionResponse",
    "ClientCapabilities",
    "ConfigureProviderRequest",
    "Deferred",
    "DeferredReason",
    "DiagnosticsResponse",
    "DynamicValue",
    "GenerateResourceConfigRequest",
    "GenerateResourceConfigResponse",
    "GetFunctionsResponse",
    "GetMetadataResponse",
    "GetProviderSchemaResponse",
    "ImportResourceStateRequest",
    "ImportResourceStateResponse",
    "ImportedResource",
    "MoveResourceStateRequest",
    "MoveResourceStateResponse",
    "PlanResourceChangeRequest",
    "PlanResourceChangeResponse",
    "RawState",
    "ReadDataSourceRequest",
    "ReadDataSourceResponse",
    "ReadResourceRequest",
    "ReadResourceResponse",
    "ServerCapabilities",
    "UpgradeResourceStateRequest",
    "UpgradeResourceStateResponse",
    "ValidateConfigRequest",
]


# -- values on the wire ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DynamicValue:
    """A value as Terraform sends it: msgpack (or JSON), read once its type is known."""

    msgpack: bytes = b""
    json: bytes = b""

    @classmethod
    def of(cls, value: Any, ty: cty.CtyType) -> DynamicValue:
        """Always msgpack: JSON cannot carry unknowns and is not accepted on every path."""
        return cls(msgpack=cty.msgpack_codec.encode(value, ty))

    def decode(self, ty: cty.CtyType) -> Any:
        """Both empty means null."""
        if self.msgpack:
            return cty.msgpack_codec.decode(self.msgpack, ty)
        if self.json:
            return cty.json_codec.decode(self.json, ty)
        return None


@dataclass(frozen=True)
class RawState:
    """Stored state as Terraform keeps it: JSON written by some version of the schema."""

    json: bytes = b""
    flatmap: Mapping[str, str] = field(default_factory=dict)

    def data(self) -> dict[str, Any]:
        """The state as plain JSON data, numbers exact (Decimal), for upgraders and moves."""
        if self.flatmap and not self.json:
            raise ValueError("state in the flatmap format of Terraform 0.11 and older is not supported")
        data = json.loads(self.json or b"null", parse_float=Decimal)
        if not isinstance(data, dict):
            raise ValueError("stored state is not a JSON object")
        return data


@dataclass(frozen=True)
class ClientCapabilities:
    """What Terraform accepts in the answer to this very request (absent before 1.9: nothing)."""

    deferral_allowed: bool = False
    write_only_attributes_allowed: bool = False


class DeferredReason(enum.Enum):
    RESOURCE_CONFIG_UNKNOWN = 1
    PROVIDER_CONFIG_UNKNOWN = 2
    ABSENT_PREREQ = 3


@dataclass(frozen=True)
class Deferred:
    reason: DeferredReason


# -- metadata and schemas --------------------------------------------------------------------------


@dataclass(frozen=True)
class ServerCapabilities:
    plan_destroy: bool = True
    get_provider_schema_optional: bool = True
    move_resource_state: bool = True
    generate_resource_config: bool = True


@dataclass
class DiagnosticsResponse:
    """The answer of the RPCs that return diagnostics only (validation, configuration, stop)."""

    diagnostics: Diagnostics = field(default_factory=Diagnostics)


@dataclass
class GetMetadataResponse:
    capabilities: ServerCapabilities = field(default_factory=ServerCapabilities)
    resources: Sequence[str] = ()
    data_sources: Sequence[str] = ()
    functions: Sequence[str] = ()
    diagnostics: Diagnostics = field(default_factory=Diagnostics)


@dataclass
class GetProviderSchemaResponse:
    provider: Schema | None = None
    resource_schemas: Mapping[str, Schema] = field(default_factory=dict)
    data_source_schemas: Mapping[str, Schema] = field(default_factory=dict)
    functions: Mapping[str, Function] = field(default_factory=dict)
    capabilities: ServerCapabilities = field(default_factory=ServerCapabilities)
    diagnostics: Diagnostics = field(default_factory=Diagnostics)


@dataclass
class GetFunctionsResponse:
    functions: Mapping[str, Function] = field(default_factory=dict)
    diagnostics: Diagnostics = field(default_factory=Diagnostics)


# -- validation and configuration ----------------------------------------------------------------


@dataclass(frozen=True)
class ValidateConfigRequest:
    """ValidateProviderConfig (no type name), ValidateResourceConfig, ValidateDataResourceConfig."""

    config: DynamicValue
    type_name: str = ""


@dataclass(frozen=True)
class ConfigureProviderRequest:
    terraform_version: str
    config: DynamicValue
    client_capabilities: ClientCapabilities


# -- managed resources ---------------------------------------------------------------------------


@dataclass(frozen=True)
class UpgradeResourceStateRequest:
    type_name: str
    version: int
    raw_state: RawState


@dataclass
class UpgradeResourceStateResponse:
    upgraded_state: DynamicValue | None = None
    diagnostics: Diagnostics = field(default_factory=Diagnostics)


@dataclass(frozen=True)
class ReadResourceRequest:
    type_name: str
    current_state: DynamicValue
    private: bytes
    client_capabilities: ClientCapabilities


@dataclass
class ReadResourceResponse:
    new_state: DynamicValue | None = None
    private: bytes = b""
    deferred: Deferred | None = None
    diagnostics: Diagnostics = field(default_factory=Diagnostics)


@dataclass(frozen=True)
class PlanResourceChangeRequest:
    type_name: str
    prior_state: DynamicValue
    proposed_new_state: DynamicValue
    config: DynamicValue
    prior_private: bytes
    client_capabilities: ClientCapabilities


@dataclass
class PlanResourceChangeResponse:
    planned_state: DynamicValue | None = None
    requires_replace: Sequence[AttributePath] = ()
    planned_private: bytes = b""
    deferred: Deferred | None = None
    diagnostics: Diagnostics = field(default_factory=Diagnostics)


@dataclass(frozen=True)
class ApplyResourceChangeRequest:
    type_name: str
    prior_state: DynamicValue
    planned_state: DynamicValue
    config: DynamicValue
    planned_private: bytes


@dataclass
class ApplyResourceChangeResponse:
    new_state: DynamicValue | None = None
    private: bytes = b""
    diagnostics: Diagnostics = field(default_factory=Diagnostics)


@dataclass(frozen=True)
class ImportResourceStateRequest:
    type_name: str
    id: str
    client_capabilities: ClientCapabilities


@dataclass(frozen=True)
class ImportedResource:
    type_name: str
    state: DynamicValue
    private: bytes = b""


@dataclass
class ImportResourceStateResponse:
    imported_resources: Sequence[ImportedResource] = ()
    deferred: Deferred | None = None
    diagnostics: Diagnostics = field(default_factory=Diagnostics)


@dataclass(frozen=True)
class MoveResourceStateRequest:
    source_provider_address: str
    source_type_name: str
    source_schema_version: int
    source_state: RawState
    target_type_name: str
    source_private: bytes


@dataclass
class MoveResourceStateResponse:
    target_state: DynamicValue | None = None
    target_private: bytes = b""
    diagnostics: Diagnostics = field(default_factory=Diagnostics)


@dataclass(frozen=True)
class GenerateResourceConfigRequest:
    type_name: str
    state: DynamicValue


@dataclass
class GenerateResourceConfigResponse:
    config: DynamicValue | None = None
    diagnostics: Diagnostics = field(default_factory=Diagnostics)


# -- data sources and functions ------------------------------------------------------------------


@dataclass(frozen=True)
class ReadDataSourceRequest:
    type_name: str
    config: DynamicValue
    client_capabilities: ClientCapabilities


@dataclass
class ReadDataSourceResponse:
    state: DynamicValue | None = None
    deferred: Deferred | None = None
    diagnostics: Diagnostics = field(default_factory=Diagnostics)


@dataclass(frozen=True)
class CallFunctionRequest:
    name: str
    arguments: Sequence[DynamicValue]


@dataclass
class CallFunctionResponse:
    """A function fails with one error (`error_text`, and the argument at fault if any);
    diagnostics, if a failure left only those, are written as that error."""

    result: DynamicValue | None = None
    error_text: str = ""
    error_argument: int | None = None
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
