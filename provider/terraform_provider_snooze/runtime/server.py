"""The tfplugin6 Provider service: each RPC decodes, calls the provider, encodes.

Every handler has the same shape, so a deviation stands out. Nothing escapes as a gRPC error:
Terraform would show a bare "Plugin error" for it, so exceptions become error diagnostics.
Handlers run concurrently on the gRPC thread pool (Terraform calls up to -parallelism at once).
"""

from __future__ import annotations

import functools
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any, TypeVar

import grpc

from . import cty, fromproto, planning, toproto, walk
from ._generated import tfplugin6_pb2 as pb
from ._generated import tfplugin6_pb2_grpc as pb_grpc
from .diagnostics import DiagnosticError, Diagnostics
from .interfaces import (
    ApplyRequest,
    ApplyResponse,
    Cancellation,
    ConfigureRequest,
    DataSource,
    DataSourceReadRequest,
    DataSourceReadResponse,
    FunctionError,
    ImportRequest,
    ImportResponse,
    MoveStateRequest,
    OperationCancelled,
    PlanRequest,
    PlanResponse,
    Provider,
    ReadRequest,
    ReadResponse,
    Resource,
    ValidateRequest,
)
from .schema import Block, Schema
from .validation import validate_block

__all__ = ["ProviderServer", "register_provider_server"]

log = logging.getLogger("terraform_provider_snooze.runtime.server")

Message = TypeVar("Message")


def register_provider_server(server: grpc.Server, provider_factory: Callable[[], Provider]) -> ProviderServer:
    servicer = ProviderServer(provider_factory)
    pb_grpc.add_ProviderServicer_to_server(servicer, server)
    return servicer


def _rpc(response_type: type[Any]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Logs the call and turns any exception into an error diagnostic on `response_type`."""

    def decorate(handler: Callable[..., Any]) -> Callable[..., Any]:
        name = handler.__name__

        @functools.wraps(handler)
        def wrapper(self: ProviderServer, request: Any, context: grpc.ServicerContext) -> Any:
            started = time.perf_counter()
            request_id = str(uuid.uuid4())
            log.debug("Received request", extra={"tf_rpc": name, "tf_req_id": request_id})
            try:
                response = handler(self, request, context)
            except Exception as error:
                diagnostics = _diagnostics_for(error, name)
                response = response_type(diagnostics=toproto.diagnostics(diagnostics))
            log.debug(
                "Served request",
                extra={
                    "tf_rpc": name,
                    "tf_req_id": request_id,
                    "tf_req_duration_ms": round((time.perf_counter() - started) * 1000),
                },
            )
            return response

        return wrapper

    return decorate


def _diagnostics_for(error: BaseException, rpc: str) -> Diagnostics:
    if isinstance(error, DiagnosticError):
        return error.diagnostics
    diagnostics = Diagnostics()
    if isinstance(error, OperationCancelled):
        diagnostics.error("Operation interrupted", "Terraform asked the provider to stop.")
    elif isinstance(error, cty.CtyValueError):
        diagnostics.error("Invalid value", str(error), error.path)
    else:
        log.exception("Unexpected error while serving %s", rpc)
        diagnostics.error(
            "Unexpected provider error",
            f"{rpc} failed with {type(error).__name__}: {error}. "
            "This is a bug in the provider; the provider log (TF_LOG=DEBUG) has the traceback.",
        )
    return diagnostics


class ProviderServer(pb_grpc.ProviderServicer):
    def __init__(self, provider_factory: Callable[[], Provider]) -> None:
        self._provider_factory = provider_factory
        self._provider: Provider | None = None
        self._resources: dict[str, Resource] = {}
        self._data_sources: dict[str, DataSource] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._configured = False

    # -- the provider, built at the first RPC so that start-up stays fast --------------------------

    @property
    def provider(self) -> Provider:
        with self._lock:
            if self._provider is None:
                provider = self._provider_factory()
                self._resources = {r.type_name: r for r in provider.resources()}
                self._data_sources = {d.type_name: d for d in provider.data_sources()}
                self._provider = provider
            return self._provider

    def _resource(self, type_name: str) -> Resource:
        self.provider  # noqa: B018 - builds the resource table
        try:
            return self._resources[type_name]
        except KeyError:
            raise DiagnosticError(
                "Unknown resource type", f"This provider has no resource type {type_name!r}."
            ) from None

    def _data_source(self, type_name: str) -> DataSource:
        self.provider  # noqa: B018 - builds the data source table
        try:
            return self._data_sources[type_name]
        except KeyError:
            raise DiagnosticError(
                "Unknown data source", f"This provider has no data source {type_name!r}."
            ) from None

    def _require_configured(self) -> None:
        if not self._configured:
            raise DiagnosticError(
                "Provider not configured",
                "Terraform called the provider before configuring it; run this through terraform.",
            )

    def _cancellation(self) -> Cancellation:
        with self._lock:
            return Cancellation(self._stop)

    def _capabilities(self) -> pb.ServerCapabilities:
        return pb.ServerCapabilities(
            plan_destroy=True,
            get_provider_schema_optional=True,
            move_resource_state=True,
            generate_resource_config=True,
        )

    # -- metadata and schemas ------------------------------------------------------------------------

    @_rpc(pb.GetMetadata.Response)
    def GetMetadata(self, request: pb.GetMetadata.Request, context: Any) -> pb.GetMetadata.Response:
        provider = self.provider
        return pb.GetMetadata.Response(
            server_capabilities=self._capabilities(),
            resources=[pb.GetMetadata.ResourceMetadata(type_name=n) for n in self._resources],
            data_sources=[pb.GetMetadata.DataSourceMetadata(type_name=n) for n in self._data_sources],
            functions=[pb.GetMetadata.FunctionMetadata(name=f.name) for f in provider.functions()],
        )

    @_rpc(pb.GetProviderSchema.Response)
    def GetProviderSchema(
        self, request: pb.GetProviderSchema.Request, context: Any
    ) -> pb.GetProviderSchema.Response:
        provider = self.provider
        return pb.GetProviderSchema.Response(
            provider=toproto.schema(provider.schema),
            resource_schemas={n: toproto.schema(r.schema) for n, r in self._resources.items()},
            data_source_schemas={n: toproto.schema(d.schema) for n, d in self._data_sources.items()},
            functions={f.name: toproto.function(f) for f in provider.functions()},
            server_capabilities=self._capabilities(),
        )

    @_rpc(pb.GetResourceIdentitySchemas.Response)
    def GetResourceIdentitySchemas(
        self, request: pb.GetResourceIdentitySchemas.Request, context: Any
    ) -> pb.GetResourceIdentitySchemas.Response:
        # No resource offers an identity: an empty map is the documented answer.
        return pb.GetResourceIdentitySchemas.Response()

    # -- validation and configuration ----------------------------------------------------------------

    @_rpc(pb.ValidateProviderConfig.Response)
    def ValidateProviderConfig(
        self, request: pb.ValidateProviderConfig.Request, context: Any
    ) -> pb.ValidateProviderConfig.Response:
        provider = self.provider
        diagnostics = _validate(provider.schema, request.config, provider.validate_config)
        return pb.ValidateProviderConfig.Response(diagnostics=toproto.diagnostics(diagnostics))

    @_rpc(pb.ValidateResourceConfig.Response)
    def ValidateResourceConfig(
        self, request: pb.ValidateResourceConfig.Request, context: Any
    ) -> pb.ValidateResourceConfig.Response:
        resource = self._resource(request.type_name)
        diagnostics = _validate(resource.schema, request.config, resource.validate_config)
        return pb.ValidateResourceConfig.Response(diagnostics=toproto.diagnostics(diagnostics))

    @_rpc(pb.ValidateDataResourceConfig.Response)
    def ValidateDataResourceConfig(
        self, request: pb.ValidateDataResourceConfig.Request, context: Any
    ) -> pb.ValidateDataResourceConfig.Response:
        data_source = self._data_source(request.type_name)
        diagnostics = _validate(data_source.schema, request.config, data_source.validate_config)
        return pb.ValidateDataResourceConfig.Response(diagnostics=toproto.diagnostics(diagnostics))

    @_rpc(pb.ConfigureProvider.Response)
    def ConfigureProvider(
        self, request: pb.ConfigureProvider.Request, context: Any
    ) -> pb.ConfigureProvider.Response:
        provider = self.provider
        config = fromproto.dynamic_value(request.config, provider.schema.cty_type)
        configure = ConfigureRequest(config=config, terraform_version=request.terraform_version)
        provider_data = provider.configure(configure)
        if not configure.diagnostics.has_errors:
            for resource in self._resources.values():
                resource.configure(provider_data)
            for data_source in self._data_sources.values():
                data_source.configure(provider_data)
            self._configured = True
        return pb.ConfigureProvider.Response(diagnostics=toproto.diagnostics(configure.diagnostics))

    # -- managed resources ---------------------------------------------------------------------------

    @_rpc(pb.UpgradeResourceState.Response)
    def UpgradeResourceState(
        self, request: pb.UpgradeResourceState.Request, context: Any
    ) -> pb.UpgradeResourceState.Response:
        resource = self._resource(request.type_name)
        schema = resource.schema
        raw = fromproto.raw_json(request.raw_state)
        version = request.version
        if version > schema.version:
            raise DiagnosticError(
                "Resource instance managed by newer provider version",
                f"The state has schema version {version}; this provider knows up to {schema.version}. "
                "Upgrade the provider.",
            )
        while version < schema.version:
            upgrader = resource.state_upgraders.get(version)
            if upgrader is None:
                raise DiagnosticError(
                    "Unable to upgrade resource state",
                    f"{request.type_name} has no upgrade from schema version {version}.",
                )
            raw = upgrader(raw)
            version += 1
        # Attributes dropped from the schema are ignored rather than failing the whole plan.
        known = set(schema.block.attributes) | set(schema.block.blocks)
        state = schema.conform({k: v for k, v in raw.items() if k in known})
        return pb.UpgradeResourceState.Response(upgraded_state=toproto.dynamic_value(state, schema.cty_type))

    @_rpc(pb.UpgradeResourceIdentity.Response)
    def UpgradeResourceIdentity(
        self, request: pb.UpgradeResourceIdentity.Request, context: Any
    ) -> pb.UpgradeResourceIdentity.Response:
        return _unsupported(pb.UpgradeResourceIdentity.Response, "resource identities")

    @_rpc(pb.ReadResource.Response)
    def ReadResource(self, request: pb.ReadResource.Request, context: Any) -> pb.ReadResource.Response:
        self._require_configured()
        resource = self._resource(request.type_name)
        schema = resource.schema
        state = fromproto.dynamic_value(request.current_state, schema.cty_type)
        response = ReadResponse(state=state, private=request.private)
        if state is not None:
            resource.read(ReadRequest(state, request.private, self._cancellation()), response)
        new_state = schema.conform(response.state)
        if new_state is not None and not cty.is_wholly_known(new_state, schema.cty_type):
            response.diagnostics.error("Provider produced unknown values during refresh", _BUG)
            new_state = state
        return pb.ReadResource.Response(
            new_state=toproto.dynamic_value(new_state, schema.cty_type),
            private=response.private,
            diagnostics=toproto.diagnostics(response.diagnostics),
        )

    @_rpc(pb.PlanResourceChange.Response)
    def PlanResourceChange(
        self, request: pb.PlanResourceChange.Request, context: Any
    ) -> pb.PlanResourceChange.Response:
        resource = self._resource(request.type_name)
        schema = resource.schema
        ty = schema.cty_type
        prior = fromproto.dynamic_value(request.prior_state, ty)
        proposed = fromproto.dynamic_value(request.proposed_new_state, ty)
        config = fromproto.dynamic_value(request.config, ty)
        change = planning.plan_change(schema, prior, proposed, config)
        response = PlanResponse(
            planned_state=change.state, private=request.prior_private, diagnostics=change.diagnostics
        )
        plan = PlanRequest(config, prior, proposed, request.prior_private, self._cancellation())
        resource.modify_plan(plan, response)
        return pb.PlanResourceChange.Response(
            planned_state=toproto.dynamic_value(schema.conform(response.planned_state), ty),
            requires_replace=[toproto.attribute_path(p) for p in _unique(change.requires_replace)],
            planned_private=response.private,
            diagnostics=toproto.diagnostics(response.diagnostics),
        )

    @_rpc(pb.ApplyResourceChange.Response)
    def ApplyResourceChange(
        self, request: pb.ApplyResourceChange.Request, context: Any
    ) -> pb.ApplyResourceChange.Response:
        self._require_configured()
        resource = self._resource(request.type_name)
        schema = resource.schema
        ty = schema.cty_type
        prior = fromproto.dynamic_value(request.prior_state, ty)
        planned = fromproto.dynamic_value(request.planned_state, ty)
        config = fromproto.dynamic_value(request.config, ty)
        apply = ApplyRequest(config, prior, planned, request.planned_private, self._cancellation())
        response = ApplyResponse(state=prior, private=request.planned_private)
        try:
            if prior is None:
                resource.create(apply, response)
            elif planned is None:
                resource.delete(apply, response)
                if not response.diagnostics.has_errors:
                    response.state = None
            else:
                resource.update(apply, response)
        except Exception as error:
            response.diagnostics.extend(_diagnostics_for(error, "ApplyResourceChange"))
        new_state = schema.conform(response.state)
        if new_state is not None and not cty.is_wholly_known(new_state, ty):
            response.diagnostics.error("Provider left unknown values after apply", _BUG)
            new_state = _unknowns_to_null(new_state, schema)
        return pb.ApplyResourceChange.Response(
            new_state=toproto.dynamic_value(new_state, ty),
            private=response.private,
            diagnostics=toproto.diagnostics(response.diagnostics),
        )

    @_rpc(pb.ImportResourceState.Response)
    def ImportResourceState(
        self, request: pb.ImportResourceState.Request, context: Any
    ) -> pb.ImportResourceState.Response:
        self._require_configured()
        resource = self._resource(request.type_name)
        response = ImportResponse()
        resource.import_state(ImportRequest(request.id, self._cancellation()), response)
        imported = []
        if response.state is not None and not response.diagnostics.has_errors:
            state = resource.schema.conform(response.state)
            imported.append(
                pb.ImportResourceState.ImportedResource(
                    type_name=request.type_name,
                    state=toproto.dynamic_value(state, resource.schema.cty_type),
                    private=response.private,
                )
            )
        return pb.ImportResourceState.Response(
            imported_resources=imported, diagnostics=toproto.diagnostics(response.diagnostics)
        )

    @_rpc(pb.MoveResourceState.Response)
    def MoveResourceState(
        self, request: pb.MoveResourceState.Request, context: Any
    ) -> pb.MoveResourceState.Response:
        resource = self._resource(request.target_type_name)
        move = MoveStateRequest(
            source_provider_address=request.source_provider_address,
            source_type_name=request.source_type_name,
            source_schema_version=request.source_schema_version,
            source_state=fromproto.raw_json(request.source_state),
            source_private=request.source_private,
        )
        response = ImportResponse()
        resource.move_state(move, response)
        state = None if response.diagnostics.has_errors else resource.schema.conform(response.state)
        return pb.MoveResourceState.Response(
            target_state=toproto.dynamic_value(state, resource.schema.cty_type),
            target_private=response.private,
            diagnostics=toproto.diagnostics(response.diagnostics),
        )

    @_rpc(pb.GenerateResourceConfig.Response)
    def GenerateResourceConfig(
        self, request: pb.GenerateResourceConfig.Request, context: Any
    ) -> pb.GenerateResourceConfig.Response:
        resource = self._resource(request.type_name)
        ty = resource.schema.cty_type
        state = fromproto.dynamic_value(request.state, ty)
        config = None if state is None else _configurable_part(state, resource.schema.block)
        return pb.GenerateResourceConfig.Response(config=toproto.dynamic_value(config, ty))

    # -- data sources --------------------------------------------------------------------------------

    @_rpc(pb.ReadDataSource.Response)
    def ReadDataSource(self, request: pb.ReadDataSource.Request, context: Any) -> pb.ReadDataSource.Response:
        self._require_configured()
        data_source = self._data_source(request.type_name)
        schema = data_source.schema
        config = fromproto.dynamic_value(request.config, schema.cty_type)
        response = DataSourceReadResponse(state=config)
        data_source.read(DataSourceReadRequest(config, self._cancellation()), response)
        state = schema.conform(response.state)
        if response.diagnostics.has_errors:
            state = config
        elif state is None or not cty.is_wholly_known(state, schema.cty_type):
            raise DiagnosticError("Provider produced an incomplete data source result", _BUG)
        return pb.ReadDataSource.Response(
            state=toproto.dynamic_value(state, schema.cty_type),
            diagnostics=toproto.diagnostics(response.diagnostics),
        )

    # -- functions -----------------------------------------------------------------------------------

    @_rpc(pb.GetFunctions.Response)
    def GetFunctions(self, request: pb.GetFunctions.Request, context: Any) -> pb.GetFunctions.Response:
        return pb.GetFunctions.Response(
            functions={f.name: toproto.function(f) for f in self.provider.functions()}
        )

    def CallFunction(self, request: pb.CallFunction.Request, context: Any) -> pb.CallFunction.Response:
        functions = {f.name: f for f in self.provider.functions()}
        function = functions.get(request.name)
        if function is None:
            return pb.CallFunction.Response(error=pb.FunctionError(text=f"no function {request.name!r}"))
        try:
            arguments = [
                fromproto.dynamic_value(argument, parameter.type)
                for argument, parameter in zip(request.arguments, function.parameters, strict=True)
            ]
            for index, (argument, parameter) in enumerate(zip(arguments, function.parameters, strict=True)):
                if argument is None and not parameter.allow_null:
                    raise FunctionError(f"{parameter.name} must not be null", index)
            result = function.call(arguments)
            return pb.CallFunction.Response(result=toproto.dynamic_value(result, function.return_type))
        except FunctionError as error:
            message = pb.FunctionError(text=error.text)
            if error.argument is not None:
                message.function_argument = error.argument
            return pb.CallFunction.Response(error=message)
        except Exception as error:
            log.exception("Unexpected error in function %s", request.name)
            return pb.CallFunction.Response(error=pb.FunctionError(text=f"{type(error).__name__}: {error}"))

    # -- stopping ------------------------------------------------------------------------------------

    def StopProvider(self, request: pb.StopProvider.Request, context: Any) -> pb.StopProvider.Response:
        """Cancels the waits of in-flight requests and keeps serving; later requests start afresh."""
        with self._lock:
            stopping, self._stop = self._stop, threading.Event()
        stopping.set()
        log.info("Stop requested: in-flight operations are being interrupted")
        return pb.StopProvider.Response()

    # -- features this provider does not offer: a clear error, never "Unsupported plugin method" ----

    def ValidateEphemeralResourceConfig(self, request: Any, context: Any) -> Any:
        return _unsupported(pb.ValidateEphemeralResourceConfig.Response, "ephemeral resources")

    def OpenEphemeralResource(self, request: Any, context: Any) -> Any:
        return _unsupported(pb.OpenEphemeralResource.Response, "ephemeral resources")

    def RenewEphemeralResource(self, request: Any, context: Any) -> Any:
        return _unsupported(pb.RenewEphemeralResource.Response, "ephemeral resources")

    def CloseEphemeralResource(self, request: Any, context: Any) -> Any:
        return _unsupported(pb.CloseEphemeralResource.Response, "ephemeral resources")

    def ValidateListResourceConfig(self, request: Any, context: Any) -> Any:
        return _unsupported(pb.ValidateListResourceConfig.Response, "list resources")

    def ListResource(self, request: Any, context: Any) -> Iterator[Any]:
        yield pb.ListResource.Event(diagnostic=_unsupported_diagnostics("list resources"))

    def ValidateStateStoreConfig(self, request: Any, context: Any) -> Any:
        return _unsupported(pb.ValidateStateStore.Response, "state stores")

    def ConfigureStateStore(self, request: Any, context: Any) -> Any:
        return _unsupported(pb.ConfigureStateStore.Response, "state stores")

    def ReadStateBytes(self, request: Any, context: Any) -> Iterator[Any]:
        yield pb.ReadStateBytes.Response(diagnostics=_unsupported_diagnostics("state stores"))

    def WriteStateBytes(self, request_iterator: Iterator[Any], context: Any) -> Any:
        for _ in request_iterator:
            pass
        return _unsupported(pb.WriteStateBytes.Response, "state stores")

    def LockState(self, request: Any, context: Any) -> Any:
        return _unsupported(pb.LockState.Response, "state stores")

    def UnlockState(self, request: Any, context: Any) -> Any:
        return _unsupported(pb.UnlockState.Response, "state stores")

    def GetStates(self, request: Any, context: Any) -> Any:
        return _unsupported(pb.GetStates.Response, "state stores")

    def DeleteState(self, request: Any, context: Any) -> Any:
        return _unsupported(pb.DeleteState.Response, "state stores")

    def ValidateActionConfig(self, request: Any, context: Any) -> Any:
        return _unsupported(pb.ValidateActionConfig.Response, "actions")

    def PlanAction(self, request: Any, context: Any) -> Any:
        return _unsupported(pb.PlanAction.Response, "actions")

    def InvokeAction(self, request: Any, context: Any) -> Iterator[Any]:
        completed = pb.InvokeAction.Event.Completed(diagnostics=_unsupported_diagnostics("actions"))
        yield pb.InvokeAction.Event(completed=completed)


_BUG = "This is a bug in the provider; please report it with the provider log (TF_LOG=DEBUG)."


def _unsupported_diagnostics(feature: str) -> list[pb.Diagnostic]:
    diagnostics = Diagnostics()
    diagnostics.error("Feature not supported", f"This provider offers no {feature}.")
    return toproto.diagnostics(diagnostics)


def _unsupported(response_type: Callable[..., Message], feature: str) -> Message:
    return response_type(diagnostics=_unsupported_diagnostics(feature))


def _validate(
    schema: Schema, config_message: pb.DynamicValue, hook: Callable[[ValidateRequest], None]
) -> Diagnostics:
    config = fromproto.dynamic_value(config_message, schema.cty_type)
    request = ValidateRequest(config=config or {})
    validate_block(schema.block, config, request.diagnostics)
    if not request.diagnostics.has_errors:
        hook(request)
    return request.diagnostics


def _unique(paths: list[Any]) -> list[Any]:
    return sorted(set(paths), key=str)


def _unknowns_to_null(value: Any, schema: Schema) -> Any:
    """Replaces leftover unknowns so the state can still be stored (with an error reported)."""
    if value is cty.UNKNOWN:
        return None
    if isinstance(value, dict):
        return {k: _unknowns_to_null(v, schema) for k, v in value.items()}
    if isinstance(value, list):
        return [_unknowns_to_null(v, schema) for v in value]
    return value


def _configurable_part(state: dict[str, Any], block: Block) -> dict[str, Any]:
    """The configuration that reproduces `state`: everything but computed-only attributes."""
    config = dict(state)
    for name, attribute in block.attributes.items():
        if attribute.computed and not attribute.optional:
            config[name] = None
    for name, nesting, inner in block.nested():
        config[name] = walk.rebuild(nesting, config.get(name), partial(_configurable_object, inner))
    return config


def _configurable_object(block: Block, _: walk.Key, value: dict[str, Any]) -> dict[str, Any]:
    return _configurable_part(value, block)
