"""The engine: one method per RPC, in the protocol's terms, with no gRPC in sight.

It builds the provider at the first request (start-up stays fast), keeps what ConfigureProvider
left (configuration.py) and the stop signal, finds the resource, data source or function a
request names, and hands the request to the module that holds its rules (resources.py,
data_sources.py, functions.py). Requests arrive from several threads at once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..diagnostics import DiagnosticError
from ..interfaces import (
    Cancellation,
    ConfigureRequest,
    DataSource,
    Function,
    Provider,
    Resource,
    ValidateRequest,
)
from ..protocol import (
    ApplyResourceChangeRequest,
    ApplyResourceChangeResponse,
    CallFunctionRequest,
    CallFunctionResponse,
    ConfigureProviderRequest,
    DiagnosticsResponse,
    GenerateResourceConfigRequest,
    GenerateResourceConfigResponse,
    GetFunctionsResponse,
    GetMetadataResponse,
    GetProviderSchemaResponse,
    ImportResourceStateRequest,
    ImportResourceStateResponse,
    MoveResourceStateRequest,
    MoveResourceStateResponse,
    PlanResourceChangeRequest,
    PlanResourceChangeResponse,
    ReadDataSourceRequest,
    ReadDataSourceResponse,
    ReadResourceRequest,
    ReadResourceResponse,
    UpgradeResourceStateRequest,
    UpgradeResourceStateResponse,
    ValidateConfigRequest,
)
from ..schema import Schema
from . import resources
from .configuration import ProviderState, Status, unknown_settings
from .data_sources import read_data_source
from .functions import call_function
from .validation import validate_block

__all__ = ["Catalog", "Engine"]

log = logging.getLogger("terraform_provider_snooze.runtime.engine")


@dataclass(frozen=True)
class Catalog:
    """The provider and what it offers, by name."""

    provider: Provider
    resources: Mapping[str, Resource]
    data_sources: Mapping[str, DataSource]
    functions: Mapping[str, Function]

    @classmethod
    def of(cls, provider: Provider) -> Catalog:
        return cls(
            provider=provider,
            resources={r.type_name: r for r in provider.resources()},
            data_sources={d.type_name: d for d in provider.data_sources()},
            functions={f.name: f for f in provider.functions()},
        )

    def resource(self, type_name: str) -> Resource:
        if type_name not in self.resources:
            raise DiagnosticError(
                "Unknown resource type", f"This provider has no resource type {type_name!r}."
            )
        return self.resources[type_name]

    def data_source(self, type_name: str) -> DataSource:
        if type_name not in self.data_sources:
            raise DiagnosticError("Unknown data source", f"This provider has no data source {type_name!r}.")
        return self.data_sources[type_name]


class Engine:
    def __init__(self, provider_factory: Callable[[], Provider]) -> None:
        self._provider_factory = provider_factory
        self._catalog: Catalog | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.provider_state = ProviderState()

    @property
    def catalog(self) -> Catalog:
        with self._lock:
            if self._catalog is None:
                self._catalog = Catalog.of(self._provider_factory())
            return self._catalog

    def cancellation(self) -> Cancellation:
        """The stop signal for a request starting now."""
        with self._lock:
            return Cancellation(self._stop)

    # -- metadata and schemas ------------------------------------------------------------------------

    def get_metadata(self, _: None = None) -> GetMetadataResponse:
        catalog = self.catalog
        return GetMetadataResponse(
            resources=list(catalog.resources),
            data_sources=list(catalog.data_sources),
            functions=list(catalog.functions),
        )

    def get_provider_schema(self, _: None = None) -> GetProviderSchemaResponse:
        catalog = self.catalog
        return GetProviderSchemaResponse(
            provider=catalog.provider.schema,
            resource_schemas={n: r.schema for n, r in catalog.resources.items()},
            data_source_schemas={n: d.schema for n, d in catalog.data_sources.items()},
            functions=catalog.functions,
        )

    def get_resource_identity_schemas(self, _: None = None) -> DiagnosticsResponse:
        return DiagnosticsResponse()

    def get_functions(self, _: None = None) -> GetFunctionsResponse:
        return GetFunctionsResponse(functions=self.catalog.functions)

    # -- validation and configuration ----------------------------------------------------------------

    def validate_provider_config(self, request: ValidateConfigRequest) -> DiagnosticsResponse:
        provider = self.catalog.provider
        return _validate(provider.schema, request, provider.validate_config)

    def validate_resource_config(self, request: ValidateConfigRequest) -> DiagnosticsResponse:
        resource = self.catalog.resource(request.type_name)
        return _validate(resource.schema, request, resource.validate_config)

    def validate_data_resource_config(self, request: ValidateConfigRequest) -> DiagnosticsResponse:
        data_source = self.catalog.data_source(request.type_name)
        return _validate(data_source.schema, request, data_source.validate_config)

    def configure_provider(self, request: ConfigureProviderRequest) -> DiagnosticsResponse:
        catalog = self.catalog
        config = request.config.decode(catalog.provider.schema.cty_type) or {}
        unknown = unknown_settings(config, catalog.provider.schema)
        if unknown:
            log.info("Provider settings known only after apply: %s", ", ".join(unknown))
            self.provider_state = ProviderState(Status.UNKNOWN, unknown)
            return DiagnosticsResponse()
        self.provider_state = ProviderState(Status.FAILED)  # until configure() returns
        configure = ConfigureRequest(config=config, terraform_version=request.terraform_version)
        provider_data = catalog.provider.configure(configure)
        if configure.diagnostics.has_errors:
            return DiagnosticsResponse(configure.diagnostics)
        if provider_data is None:
            self.provider_state = ProviderState(Status.NO_DATA)
            return DiagnosticsResponse(configure.diagnostics)
        for resource in catalog.resources.values():
            resource.configure(provider_data)
        for data_source in catalog.data_sources.values():
            data_source.configure(provider_data)
        self.provider_state = ProviderState(Status.CONFIGURED)
        return DiagnosticsResponse(configure.diagnostics)

    def stop_provider(self, _: None = None) -> DiagnosticsResponse:
        """Cancels the waits of in-flight requests and keeps serving; later requests start afresh."""
        with self._lock:
            stopping, self._stop = self._stop, threading.Event()
        stopping.set()
        log.info("Stop requested: in-flight operations are being interrupted")
        return DiagnosticsResponse()

    # -- managed resources ---------------------------------------------------------------------------

    def upgrade_resource_state(self, request: UpgradeResourceStateRequest) -> UpgradeResourceStateResponse:
        return resources.upgrade_resource_state(self.catalog.resource(request.type_name), request)

    def read_resource(self, request: ReadResourceRequest) -> ReadResourceResponse:
        resource = self.catalog.resource(request.type_name)
        return resources.read_resource(resource, request, self.provider_state, self.cancellation())

    def plan_resource_change(self, request: PlanResourceChangeRequest) -> PlanResourceChangeResponse:
        resource = self.catalog.resource(request.type_name)
        return resources.plan_resource_change(resource, request, self.provider_state, self.cancellation())

    def apply_resource_change(self, request: ApplyResourceChangeRequest) -> ApplyResourceChangeResponse:
        resource = self.catalog.resource(request.type_name)
        return resources.apply_resource_change(resource, request, self.provider_state, self.cancellation())

    def import_resource_state(self, request: ImportResourceStateRequest) -> ImportResourceStateResponse:
        resource = self.catalog.resource(request.type_name)
        return resources.import_resource_state(resource, request, self.provider_state, self.cancellation())

    def move_resource_state(self, request: MoveResourceStateRequest) -> MoveResourceStateResponse:
        return resources.move_resource_state(self.catalog.resource(request.target_type_name), request)

    def generate_resource_config(
        self, request: GenerateResourceConfigRequest
    ) -> GenerateResourceConfigResponse:
        return resources.generate_resource_config(self.catalog.resource(request.type_name), request)

    # -- data sources and functions ------------------------------------------------------------------

    def read_data_source(self, request: ReadDataSourceRequest) -> ReadDataSourceResponse:
        data_source = self.catalog.data_source(request.type_name)
        return read_data_source(data_source, request, self.provider_state, self.cancellation())

    def call_function(self, request: CallFunctionRequest) -> CallFunctionResponse:
        return call_function(self.catalog.functions.get(request.name), request)


def _validate(
    schema: Schema, request: ValidateConfigRequest, hook: Callable[[ValidateRequest], Any]
) -> DiagnosticsResponse:
    """Attribute validators first; the cross-attribute hook only on a config that passed them."""
    config = request.config.decode(schema.cty_type)
    validate = ValidateRequest(config=config or {})
    validate_block(schema.block, config, validate.diagnostics)
    if not validate.diagnostics.has_errors:
        hook(validate)
    return DiagnosticsResponse(validate.diagnostics)
