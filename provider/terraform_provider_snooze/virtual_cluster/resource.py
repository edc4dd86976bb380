"""Resource snooze_virtual_cluster: create, read, update, delete and import on Snooze.

State follows what exists in Snooze, one VM instance per element (state.py: name, IP, MAC and
libvirt uuid, and where it was last seen). A VM is recorded the moment it is submitted (PENDING)
and dropped only once Snooze shows it gone; a VM of the same name with another fingerprint is
somebody else's and is never touched. How Snooze is asked lives in snooze_api (launching,
tracking, removal, migration), through the session bound to each request.
"""

from __future__ import annotations

import logging
from typing import Any

from ..runtime.durations import timeout_seconds
from ..runtime.interfaces import (
    ApplyRequest,
    ApplyResponse,
    Cancellation,
    ImportRequest,
    ImportResponse,
    PlanRequest,
    PlanResponse,
    ReadRequest,
    ReadResponse,
    Resource,
    ValidateRequest,
)
from ..session import BoundSession, SnoozeSession, bound_session
from .applying import Applying
from .config import check_virtual_machines
from .importing import imported_vms
from .messages import taint_advice
from .plan import plan_names, plan_own_instances, plan_pending, plan_placements, plan_vms
from .private import Private
from .reading import refreshed
from .schema import TIMEOUT_DEFAULTS, VIRTUAL_CLUSTER_SCHEMA
from .state import VmState
from .upgrade import STATE_UPGRADERS
from .working import Working

__all__ = ["VirtualClusterResource"]

log = logging.getLogger("terraform_provider_snooze.virtual_cluster")


class VirtualClusterResource(Resource):
    type_name = "snooze_virtual_cluster"
    schema = VIRTUAL_CLUSTER_SCHEMA
    state_upgraders = STATE_UPGRADERS

    def __init__(self) -> None:
        self._session: SnoozeSession | None = None

    def configure(self, provider_data: Any) -> None:
        self._session = provider_data

    def _snooze(self, cancellation: Cancellation) -> BoundSession:
        return bound_session(self._session, cancellation, report=log.info)

    # -- plan ----------------------------------------------------------------------------------------

    def validate_config(self, request: ValidateRequest) -> None:
        check_virtual_machines(request.config.get("virtual_machines"), request.diagnostics)

    def modify_plan(self, request: PlanRequest, response: PlanResponse) -> None:
        planned = response.planned_state
        if planned is None or not isinstance(planned.get("virtual_machines"), dict):
            return
        planned_vms = planned["virtual_machines"]
        prior_vms = (request.prior_state or {}).get("virtual_machines") or {}
        snooze = None if self._session is None else self._snooze(request.cancellation)
        plan_placements(snooze, planned_vms, prior_vms, response.diagnostics)
        decisions = plan_vms(
            (request.config or {}).get("virtual_machines"), planned_vms, prior_vms, response.diagnostics
        )
        plan_pending(planned_vms, prior_vms, response)
        plan_own_instances(prior_vms, request, response)
        if snooze is not None:
            plan_names(snooze, request, decisions, response.diagnostics)

    # -- create --------------------------------------------------------------------------------------

    def create(self, request: ApplyRequest, response: ApplyResponse) -> None:
        planned = request.planned_state
        assert planned is not None
        snooze = self._snooze(request.cancellation)
        vms: dict[str, Any] = planned["virtual_machines"]
        working = Working({**planned}, {}, Private(), response, snooze.clock)
        self._applying(snooze, working, planned, "create").launch(vms, exists=False)
        running = sorted(n for n, vm in working.vms.items() if not vm.is_pending)
        if response.diagnostics.has_errors and working.vms:
            taint_advice(response.diagnostics, running, working.pending(), len(vms))
        if not working.vms:
            response.state = None  # nothing exists: nothing to record, nothing to taint

    @staticmethod
    def _applying(snooze: BoundSession, working: Working, values: dict[str, Any], operation: str) -> Applying:
        """The operation's executor, with its deadline and its graceful-shutdown bound."""
        deadline = snooze.clock() + timeout_seconds(values, operation, TIMEOUT_DEFAULTS)
        graceful = values.get("shutdown_before_destroy") is True
        shutdown_for = timeout_seconds(values, "shutdown", TIMEOUT_DEFAULTS) if graceful else 0.0
        return Applying(snooze, working, deadline, shutdown_for)

    # -- read ----------------------------------------------------------------------------------------

    def read(self, request: ReadRequest, response: ReadResponse) -> None:
        snooze = self._snooze(request.cancellation)
        vms = {
            name: VmState.from_value(name, value) for name, value in request.state["virtual_machines"].items()
        }
        kept, private = refreshed(snooze, vms, Private.from_bytes(request.private), response.diagnostics)
        values = {name: vm.to_value() for name, vm in sorted(kept.items())}
        response.state = {**request.state, "virtual_machines": values} if kept else None
        response.private = private.to_bytes()

    # -- update --------------------------------------------------------------------------------------

    def update(self, request: ApplyRequest, response: ApplyResponse) -> None:
        prior, planned = request.prior_state, request.planned_state
        assert prior is not None and planned is not None
        snooze = self._snooze(request.cancellation)
        prior_states = {name: VmState.from_value(name, v) for name, v in prior["virtual_machines"].items()}
        base = {
            **prior,
            "timeouts": planned.get("timeouts"),
            "shutdown_before_destroy": planned.get("shutdown_before_destroy"),
        }
        working = Working(base, prior_states, Private.from_bytes(request.private), response, snooze.clock)
        config_vms = (request.config or {}).get("virtual_machines") or {}
        self._applying(snooze, working, planned, "update").update(config_vms, planned["virtual_machines"])

    # -- delete --------------------------------------------------------------------------------------

    def delete(self, request: ApplyRequest, response: ApplyResponse) -> None:
        prior = request.prior_state
        assert prior is not None
        snooze = self._snooze(request.cancellation)
        vms = {name: VmState.from_value(name, v) for name, v in prior["virtual_machines"].items()}
        working = Working(prior, vms, Private.from_bytes(request.private), response, snooze.clock)
        applying = self._applying(snooze, working, prior, "delete")
        applying.reconcile()
        applying.destroy(sorted(working.vms))

    # -- import --------------------------------------------------------------------------------------

    def import_state(self, request: ImportRequest, response: ImportResponse) -> None:
        snooze = self._snooze(request.cancellation)
        vms = imported_vms(snooze, request.id)
        values = {name: vm.to_value() for name, vm in sorted(vms.items())}
        response.state = {"id": ",".join(sorted(vms)), "virtual_machines": values, "timeouts": None}
