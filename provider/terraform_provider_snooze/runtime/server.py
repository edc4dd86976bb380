"""The tfplugin6 Provider service: the protocol layer, and nothing else.

Every RPC is the same three steps, through one wrapper (`_serve`): decode the message into a
typed request (fromproto.py), let the engine serve it (engine/), encode the typed response
(toproto.py). Nothing escapes as a gRPC error, which Terraform would show as a bare "Plugin
error": any exception becomes error diagnostics in the RPC's own response. The RPCs for features
this provider does not offer are one table (`NOT_OFFERED`). Handlers run concurrently on the
gRPC thread pool (Terraform calls up to -parallelism at once).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import grpc

from . import fromproto, toproto
from ._generated import tfplugin6_pb2 as pb
from ._generated import tfplugin6_pb2_grpc as pb_grpc
from .diagnostics import Diagnostics
from .engine import Engine
from .engine.errors import diagnostics_for
from .interfaces import Provider
from .protocol import (
    ApplyResourceChangeResponse,
    CallFunctionResponse,
    DiagnosticsResponse,
    GenerateResourceConfigResponse,
    GetFunctionsResponse,
    GetMetadataResponse,
    GetProviderSchemaResponse,
    ImportResourceStateResponse,
    MoveResourceStateResponse,
    PlanResourceChangeResponse,
    ReadDataSourceResponse,
    ReadResourceResponse,
    UpgradeResourceStateResponse,
)

__all__ = ["NOT_OFFERED", "ProviderServer", "register_provider_server"]

log = logging.getLogger("terraform_provider_snooze.runtime.server")


class _Failable(Protocol):
    def __init__(self, *, diagnostics: Diagnostics) -> None: ...


Message = Any  # a generated protobuf message
Request = TypeVar("Request")
Response = TypeVar("Response", bound=_Failable)
Reply = TypeVar("Reply")


def register_provider_server(server: grpc.Server, provider_factory: Callable[[], Provider]) -> ProviderServer:
    servicer = ProviderServer(provider_factory)
    pb_grpc.add_ProviderServicer_to_server(servicer, server)
    return servicer


class ProviderServer(pb_grpc.ProviderServicer):
    def __init__(self, provider_factory: Callable[[], Provider]) -> None:
        self.engine = Engine(provider_factory)

    def _serve(
        self,
        rpc: str,
        message: Message,
        decode: Callable[[Message], Request],
        serve: Callable[[Request], Response],
        encode: Callable[[Response], Reply],
        response_type: type[Response],
    ) -> Reply:
        """Decode, serve, encode; an exception anywhere answers with `response_type`'s diagnostics."""
        started = time.perf_counter()
        request_id = str(uuid.uuid4())
        log.debug("Received request", extra={"tf_rpc": rpc, "tf_req_id": request_id})
        try:
            response = serve(decode(message))
        except Exception as error:
            response = response_type(diagnostics=diagnostics_for(error, rpc))
        encoded = encode(response)
        duration_ms = round((time.perf_counter() - started) * 1000)
        log.debug(
            "Served request",
            extra={"tf_rpc": rpc, "tf_req_id": request_id, "tf_req_duration_ms": duration_ms},
        )
        return encoded

    # -- metadata and schemas ------------------------------------------------------------------------

    def GetMetadata(self, request: pb.GetMetadata.Request, context: Any) -> pb.GetMetadata.Response:
        return self._serve(
            "GetMetadata",
            request,
            fromproto.no_request,
            self.engine.get_metadata,
            toproto.get_metadata_response,
            GetMetadataResponse,
        )

    def GetProviderSchema(
        self, request: pb.GetProviderSchema.Request, context: Any
    ) -> pb.GetProviderSchema.Response:
        return self._serve(
            "GetProviderSchema",
            request,
            fromproto.no_request,
            self.engine.get_provider_schema,
            toproto.get_provider_schema_response,
            GetProviderSchemaResponse,
        )

    def GetResourceIdentitySchemas(
        self, request: pb.GetResourceIdentitySchemas.Request, context: Any
    ) -> pb.GetResourceIdentitySchemas.Response:
        return self._serve(
            "GetResourceIdentitySchemas",
            request,
            fromproto.no_request,
            self.engine.get_resource_identity_schemas,
            toproto.get_resource_identity_schemas_response,
            DiagnosticsResponse,
        )

    # -- validation and configuration ----------------------------------------------------------------

    def ValidateProviderConfig(
        self, request: pb.ValidateProviderConfig.Request, context: Any
    ) -> pb.ValidateProviderConfig.Response:
        return self._serve(
            "ValidateProviderConfig",
            request,
            fromproto.validate_config_request,
            self.engine.validate_provider_config,
            toproto.validate_provider_config_response,
            DiagnosticsResponse,
        )

    def ValidateResourceConfig(
        self, request: pb.ValidateResourceConfig.Request, context: Any
    ) -> pb.ValidateResourceConfig.Response:
        return self._serve(
            "ValidateResourceConfig",
            request,
            fromproto.validate_config_request,
            self.engine.validate_resource_config,
            toproto.validate_resource_config_response,
            DiagnosticsResponse,
        )

    def ValidateDataResourceConfig(
        self, request: pb.ValidateDataResourceConfig.Request, context: Any
    ) -> pb.ValidateDataResourceConfig.Response:
        return self._serve(
            "ValidateDataResourceConfig",
            request,
            fromproto.validate_config_request,
            self.engine.validate_data_resource_config,
            toproto.validate_data_resource_config_response,
            DiagnosticsResponse,
        )

    def ConfigureProvider(
        self, request: pb.ConfigureProvider.Request, context: Any
    ) -> pb.ConfigureProvider.Response:
        return self._serve(
            "ConfigureProvider",
            request,
            fromproto.configure_provider_request,
            self.engine.configure_provider,
            toproto.configure_provider_response,
            DiagnosticsResponse,
        )

    def StopProvider(self, request: pb.StopProvider.Request, context: Any) -> pb.StopProvider.Response:
        return self._serve(
            "StopProvider",
            request,
            fromproto.no_request,
            self.engine.stop_provider,
            toproto.stop_provider_response,
            DiagnosticsResponse,
        )

    # -- managed resources ---------------------------------------------------------------------------

    def UpgradeResourceState(
        self, request: pb.UpgradeResourceState.Request, context: Any
    ) -> pb.UpgradeResourceState.Response:
        return self._serve(
            "UpgradeResourceState",
            request,
            fromproto.upgrade_resource_state_request,
            self.engine.upgrade_resource_state,
            toproto.upgrade_resource_state_response,
            UpgradeResourceStateResponse,
        )

    def ReadResource(self, request: pb.ReadResource.Request, context: Any) -> pb.ReadResource.Response:
        return self._serve(
            "ReadResource",
            request,
            fromproto.read_resource_request,
            self.engine.read_resource,
            toproto.read_resource_response,
            ReadResourceResponse,
        )

    def PlanResourceChange(
        self, request: pb.PlanResourceChange.Request, context: Any
    ) -> pb.PlanResourceChange.Response:
        return self._serve(
            "PlanResourceChange",
            request,
            fromproto.plan_resource_change_request,
            self.engine.plan_resource_change,
            toproto.plan_resource_change_response,
            PlanResourceChangeResponse,
        )

    def ApplyResourceChange(
        self, request: pb.ApplyResourceChange.Request, context: Any
    ) -> pb.ApplyResourceChange.Response:
        return self._serve(
            "ApplyResourceChange",
            request,
            fromproto.apply_resource_change_request,
            self.engine.apply_resource_change,
            toproto.apply_resource_change_response,
            ApplyResourceChangeResponse,
        )

    def ImportResourceState(
        self, request: pb.ImportResourceState.Request, context: Any
    ) -> pb.ImportResourceState.Response:
        return self._serve(
            "ImportResourceState",
            request,
            fromproto.import_resource_state_request,
            self.engine.import_resource_state,
            toproto.import_resource_state_response,
            ImportResourceStateResponse,
        )

    def MoveResourceState(
        self, request: pb.MoveResourceState.Request, context: Any
    ) -> pb.MoveResourceState.Response:
        return self._serve(
            "MoveResourceState",
            request,
            fromproto.move_resource_state_request,
            self.engine.move_resource_state,
            toproto.move_resource_state_response,
            MoveResourceStateResponse,
        )

    def GenerateResourceConfig(
        self, request: pb.GenerateResourceConfig.Request, context: Any
    ) -> pb.GenerateResourceConfig.Response:
        return self._serve(
            "GenerateResourceConfig",
            request,
            fromproto.generate_resource_config_request,
            self.engine.generate_resource_config,
            toproto.generate_resource_config_response,
            GenerateResourceConfigResponse,
        )

    # -- data sources and functions ------------------------------------------------------------------

    def ReadDataSource(self, request: pb.ReadDataSource.Request, context: Any) -> pb.ReadDataSource.Response:
        return self._serve(
            "ReadDataSource",
            request,
            fromproto.read_data_source_request,
            self.engine.read_data_source,
            toproto.read_data_source_response,
            ReadDataSourceResponse,
        )

    def GetFunctions(self, request: pb.GetFunctions.Request, context: Any) -> pb.GetFunctions.Response:
        return self._serve(
            "GetFunctions",
            request,
            fromproto.no_request,
            self.engine.get_functions,
            toproto.get_functions_response,
            GetFunctionsResponse,
        )

    def CallFunction(self, request: pb.CallFunction.Request, context: Any) -> pb.CallFunction.Response:
        return self._serve(
            "CallFunction",
            request,
            fromproto.call_function_request,
            self.engine.call_function,
            toproto.call_function_response,
            CallFunctionResponse,
        )


# -- features this provider does not offer: a clear error, never "Unsupported plugin method" -------


@dataclass(frozen=True)
class NotOffered:
    """An RPC of a feature the runtime does not offer, and the one message it answers with."""

    rpc: str
    feature: str
    answer: Callable[[list[pb.Diagnostic]], Message]
    stream: str = ""  # "server": the answer is a stream of one; "client": requests are drained first

    def handler(self) -> Callable[..., Any]:
        def serve(server: ProviderServer, request: Message) -> Message:
            return server._serve(
                self.rpc, request, fromproto.no_request, self._refuse, self._encode, DiagnosticsResponse
            )

        def unary(server: ProviderServer, request: Message, context: Any) -> Message:
            return serve(server, request)

        def server_stream(server: ProviderServer, request: Message, context: Any) -> Iterator[Message]:
            yield serve(server, request)

        def client_stream(server: ProviderServer, requests: Iterator[Message], context: Any) -> Message:
            for _ in requests:
                pass
            return serve(server, None)

        return {"": unary, "server": server_stream, "client": client_stream}[self.stream]

    def _refuse(self, _: None) -> DiagnosticsResponse:
        diagnostics = Diagnostics()
        diagnostics.error("Feature not supported", f"This provider offers no {self.feature}.")
        return DiagnosticsResponse(diagnostics)

    def _encode(self, response: DiagnosticsResponse) -> Message:
        return self.answer(toproto.diagnostics(response.diagnostics))


def _diagnostics_only(response_type: Any) -> Callable[[list[pb.Diagnostic]], Message]:
    return lambda diagnostics: response_type(diagnostics=diagnostics)


NOT_OFFERED = (
    NotOffered(
        "ValidateEphemeralResourceConfig",
        "ephemeral resources",
        _diagnostics_only(pb.ValidateEphemeralResourceConfig.Response),
    ),
    NotOffered(
        "OpenEphemeralResource", "ephemeral resources", _diagnostics_only(pb.OpenEphemeralResource.Response)
    ),
    NotOffered(
        "RenewEphemeralResource", "ephemeral resources", _diagnostics_only(pb.RenewEphemeralResource.Response)
    ),
    NotOffered(
        "CloseEphemeralResource", "ephemeral resources", _diagnostics_only(pb.CloseEphemeralResource.Response)
    ),
    NotOffered(
        "UpgradeResourceIdentity",
        "resource identities",
        _diagnostics_only(pb.UpgradeResourceIdentity.Response),
    ),
    NotOffered(
        "ValidateListResourceConfig",
        "list resources",
        _diagnostics_only(pb.ValidateListResourceConfig.Response),
    ),
    NotOffered(
        "ListResource", "list resources", lambda d: pb.ListResource.Event(diagnostic=d), stream="server"
    ),
    NotOffered("ValidateStateStoreConfig", "state stores", _diagnostics_only(pb.ValidateStateStore.Response)),
    NotOffered("ConfigureStateStore", "state stores", _diagnostics_only(pb.ConfigureStateStore.Response)),
    NotOffered(
        "ReadStateBytes", "state stores", _diagnostics_only(pb.ReadStateBytes.Response), stream="server"
    ),
    NotOffered(
        "WriteStateBytes", "state stores", _diagnostics_only(pb.WriteStateBytes.Response), stream="client"
    ),
    NotOffered("LockState", "state stores", _diagnostics_only(pb.LockState.Response)),
    NotOffered("UnlockState", "state stores", _diagnostics_only(pb.UnlockState.Response)),
    NotOffered("GetStates", "state stores", _diagnostics_only(pb.GetStates.Response)),
    NotOffered("DeleteState", "state stores", _diagnostics_only(pb.DeleteState.Response)),
    NotOffered("ValidateActionConfig", "actions", _diagnostics_only(pb.ValidateActionConfig.Response)),
    NotOffered("PlanAction", "actions", _diagnostics_only(pb.PlanAction.Response)),
    NotOffered(
        "InvokeAction",
        "actions",
        # Exactly one `completed` event: an event with neither member set makes Terraform panic.
        lambda d: pb.InvokeAction.Event(completed=pb.InvokeAction.Event.Completed(diagnostics=d)),
        stream="server",
    ),
)

for _not_offered in NOT_OFFERED:
    setattr(ProviderServer, _not_offered.rpc, _not_offered.handler())
