"""The managed-resource RPCs: where each protocol rule meets the resource's own operations.

Each function decodes the request's values with the resource's schema, applies the rules that
Terraform expects of every provider (held by the modules named below), calls the resource, and
encodes its answer:

- UpgradeResourceState: upgrade.py (versions, upgraders, dropped attributes);
- ReadResource: configuration.py (configured or deferred), results.py (no unknowns);
- PlanResourceChange: planning.py (unknowns, plan modifiers, replacements), then the resource's
  modify_plan when the provider is configured;
- ApplyResourceChange: create, update or delete; a delete ends in null; results.py;
- ImportResourceState, MoveResourceState, GenerateResourceConfig (generated_config.py).
"""

from __future__ import annotations

from typing import Any

from .. import cty
from ..interfaces import (
    ApplyRequest,
    ApplyResponse,
    Cancellation,
    ImportRequest,
    ImportResponse,
    MoveStateRequest,
    PlanRequest,
    PlanResponse,
    ReadRequest,
    ReadResponse,
    Resource,
)
from ..protocol import (
    ApplyResourceChangeRequest,
    ApplyResourceChangeResponse,
    DynamicValue,
    GenerateResourceConfigRequest,
    GenerateResourceConfigResponse,
    ImportedResource,
    ImportResourceStateRequest,
    ImportResourceStateResponse,
    MoveResourceStateRequest,
    MoveResourceStateResponse,
    PlanResourceChangeRequest,
    PlanResourceChangeResponse,
    ReadResourceRequest,
    ReadResourceResponse,
    UpgradeResourceStateRequest,
    UpgradeResourceStateResponse,
)
from . import results
from .configuration import ProviderState
from .errors import diagnostics_for
from .generated_config import configurable_part
from .planning import plan_change
from .upgrade import upgraded_state

__all__ = [
    "apply_resource_change",
    "generate_resource_config",
    "import_resource_state",
    "move_resource_state",
    "plan_resource_change",
    "read_resource",
    "upgrade_resource_state",
]


def upgrade_resource_state(
    resource: Resource, request: UpgradeResourceStateRequest
) -> UpgradeResourceStateResponse:
    state = upgraded_state(resource, request.version, request.raw_state)
    return UpgradeResourceStateResponse(upgraded_state=DynamicValue.of(state, resource.schema.cty_type))


def read_resource(
    resource: Resource, request: ReadResourceRequest, provider: ProviderState, cancellation: Cancellation
) -> ReadResourceResponse:
    schema = resource.schema
    state = request.current_state.decode(schema.cty_type)
    if state is None:
        return ReadResourceResponse(new_state=request.current_state, private=request.private)
    deferred = provider.deferral(request.client_capabilities, f"read {resource.type_name}")
    if deferred is not None:  # the framework's answer: the state as it was
        return ReadResourceResponse(
            new_state=request.current_state, private=request.private, deferred=deferred
        )
    response = ReadResponse(state=state, private=request.private)
    resource.read(ReadRequest(state, request.private, cancellation), response)
    new_state = results.refreshed_state(schema, state, response.state, response.diagnostics)
    return ReadResourceResponse(
        new_state=DynamicValue.of(new_state, schema.cty_type),
        private=response.private,
        diagnostics=response.diagnostics,
    )


def plan_resource_change(
    resource: Resource,
    request: PlanResourceChangeRequest,
    provider: ProviderState,
    cancellation: Cancellation,
) -> PlanResourceChangeResponse:
    deferred = provider.deferred_by(request.client_capabilities)
    if deferred is not None:  # the framework's answer: what Terraform proposed
        return PlanResourceChangeResponse(
            planned_state=request.proposed_new_state, planned_private=request.prior_private, deferred=deferred
        )
    schema = resource.schema
    ty = schema.cty_type
    prior = request.prior_state.decode(ty)
    proposed = request.proposed_new_state.decode(ty)
    config = request.config.decode(ty)
    change = plan_change(schema, prior, proposed, config)
    response = PlanResponse(
        planned_state=change.state, private=request.prior_private, diagnostics=change.diagnostics
    )
    # Without a configured provider (settings known only after apply), the runtime's plan stands.
    if provider.configured:
        resource.modify_plan(
            PlanRequest(config, prior, proposed, request.prior_private, cancellation), response
        )
    return PlanResourceChangeResponse(
        planned_state=DynamicValue.of(schema.conform(response.planned_state), ty),
        requires_replace=change.requires_replace,
        planned_private=response.private,
        diagnostics=response.diagnostics,
    )


def apply_resource_change(
    resource: Resource,
    request: ApplyResourceChangeRequest,
    provider: ProviderState,
    cancellation: Cancellation,
) -> ApplyResourceChangeResponse:
    provider.require(f"apply changes to {resource.type_name}")
    schema = resource.schema
    ty = schema.cty_type
    prior = request.prior_state.decode(ty)
    planned = request.planned_state.decode(ty)
    apply = ApplyRequest(request.config.decode(ty), prior, planned, request.planned_private, cancellation)
    response = ApplyResponse(state=prior, private=request.planned_private)
    try:
        _apply(resource, apply, response)
    except Exception as error:  # the state recorded before the failure is still returned
        response.diagnostics.extend(diagnostics_for(error, "ApplyResourceChange"))
    new_state = results.applied_state(schema, response.state, response.diagnostics)
    return ApplyResourceChangeResponse(
        new_state=DynamicValue.of(new_state, ty), private=response.private, diagnostics=response.diagnostics
    )


def _apply(resource: Resource, request: ApplyRequest, response: ApplyResponse) -> None:
    if request.prior_state is None:
        resource.create(request, response)
    elif request.planned_state is None:
        resource.delete(request, response)
        if not response.diagnostics.has_errors:
            response.state = None  # a destroyed object is null, whatever the resource left
    else:
        resource.update(request, response)


def import_resource_state(
    resource: Resource,
    request: ImportResourceStateRequest,
    provider: ProviderState,
    cancellation: Cancellation,
) -> ImportResourceStateResponse:
    ty = resource.schema.cty_type
    deferred = provider.deferral(request.client_capabilities, f"import {resource.type_name}")
    if deferred is not None:  # the framework's answer: one resource, wholly unknown
        unknown = ImportedResource(type_name=resource.type_name, state=DynamicValue.of(cty.UNKNOWN, ty))
        return ImportResourceStateResponse(imported_resources=[unknown], deferred=deferred)
    response = ImportResponse()
    resource.import_state(ImportRequest(request.id, cancellation), response)
    imported = []
    if response.state is not None and not response.diagnostics.has_errors:
        state = DynamicValue.of(resource.schema.conform(response.state), ty)
        imported.append(ImportedResource(type_name=resource.type_name, state=state, private=response.private))
    return ImportResourceStateResponse(imported_resources=imported, diagnostics=response.diagnostics)


def move_resource_state(resource: Resource, request: MoveResourceStateRequest) -> MoveResourceStateResponse:
    """A move transforms stored state only: it needs no configured provider."""
    move = MoveStateRequest(
        source_provider_address=request.source_provider_address,
        source_type_name=request.source_type_name,
        source_schema_version=request.source_schema_version,
        source_state=request.source_state.data(),
        source_private=request.source_private,
    )
    response = ImportResponse()
    resource.move_state(move, response)
    state = None if response.diagnostics.has_errors else resource.schema.conform(response.state)
    return MoveResourceStateResponse(
        target_state=DynamicValue.of(state, resource.schema.cty_type),
        target_private=response.private,
        diagnostics=response.diagnostics,
    )


def generate_resource_config(
    resource: Resource, request: GenerateResourceConfigRequest
) -> GenerateResourceConfigResponse:
    ty = resource.schema.cty_type
    state: dict[str, Any] | None = request.state.decode(ty)
    config = None if state is None else configurable_part(state, resource.schema.block)
    return GenerateResourceConfigResponse(config=DynamicValue.of(config, ty))
