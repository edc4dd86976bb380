"""Resource snooze_virtual_cluster: create, read, update, delete and import on Snooze.

Whatever happens, state follows what exists in Snooze: each VM is recorded the moment Snooze
reports it running and dropped only once Snooze reports it gone, so a failure half-way (a VM
out of capacity, a timeout, Ctrl-C) never orphans a VM.
"""

from __future__ import annotations

import logging
from typing import Any

from ..runtime import cty
from ..runtime.diagnostics import DiagnosticError, Diagnostics
from ..runtime.durations import timeout_seconds
from ..runtime.interfaces import (
    ApplyRequest,
    ApplyResponse,
    Cancellation,
    ImportRequest,
    ImportResponse,
    OperationCancelled,
    PlanRequest,
    PlanResponse,
    ReadRequest,
    ReadResponse,
    Resource,
    ValidateRequest,
)
from ..snooze_api import SnoozeTimeoutError, VirtualMachineMetaData
from ..snooze_calls import SnoozeSession, snooze_errors
from .config import VMS, check_virtual_machines, template_for
from .schema import TIMEOUT_DEFAULTS, VIRTUAL_CLUSTER_SCHEMA
from .state import PENDING, location_of, pending_vm_state, vm_state

__all__ = ["VirtualClusterResource"]

log = logging.getLogger(__name__)

# What a user can do about each way Snooze reports a VM that did not start (spec 6.1.4).
ERROR_HINTS = {
    "NOT_ENOUGH_IP_ADDRESSES": "the group leader's virtual machine subnet has no free address left",
    "NOT_ENOUGH_LOCAL_CONTROLLER_CAPACITY": "no local controller has enough free vcpus, memory or network",
    "NOT_ENOUGH_GROUP_MANAGER_CAPACITY": "no group manager has enough free capacity",
    "INVALID_HOST_ID": "local_controller_id names no local controller Snooze knows",
    "UNABLE_TO_START_ON_GROUP_MANAGER": "the group manager stayed busy and never accepted the VM",
    "UNABLE_TO_COLLECT_GROUP_MANAGER_RESPONSE": "a group manager did not answer the group leader in time",
    "FAILED_TO_START_ON_HYPERVISOR": "libvirt could not start the domain (image, disk or a VM of that name "
    "already on the host)",
    "INVALID_SUBMISSION_RESPONSE": "the local controller failed while starting the VM",
}


class VirtualClusterResource(Resource):
    type_name = "snooze_virtual_cluster"
    schema = VIRTUAL_CLUSTER_SCHEMA

    def __init__(self) -> None:
        self._session: SnoozeSession | None = None

    def configure(self, provider_data: Any) -> None:
        self._session = provider_data

    @property
    def session(self) -> SnoozeSession:
        if self._session is None:
            raise DiagnosticError("Provider not configured", "The snooze provider was not configured.")
        return self._session

    # -- plan ----------------------------------------------------------------------------------------

    def validate_config(self, request: ValidateRequest) -> None:
        check_virtual_machines(request.config.get("virtual_machines"), request.diagnostics)

    def modify_plan(self, request: PlanRequest, response: PlanResponse) -> None:
        planned = response.planned_state
        if planned is None or not isinstance(planned.get("virtual_machines"), dict):
            return
        prior_vms = (request.prior_state or {}).get("virtual_machines") or {}
        self._check_placements(planned["virtual_machines"], prior_vms, response.diagnostics)

    def _check_placements(
        self, planned_vms: dict[str, Any], prior_vms: dict[str, Any], diagnostics: Diagnostics
    ) -> None:
        """A local_controller_id known at plan time must name a host Snooze has."""
        wanted = {
            name: vm["local_controller_id"]
            for name, vm in planned_vms.items()
            if isinstance(vm, dict)
            and isinstance(vm.get("local_controller_id"), str)
            and vm["local_controller_id"] != (prior_vms.get(name) or {}).get("local_controller_id")
        }
        if not wanted or self._session is None:
            return
        with snooze_errors():
            known = {lc.id for lc in self.session.client.get_local_controllers()}
        for name, host in wanted.items():
            if host not in known:
                diagnostics.error(
                    "Unknown local controller",
                    f"Snooze has no local controller {host!r}; data.snooze_local_controllers lists the ids "
                    f"it has ({len(known)} now).",
                    VMS.key(name).attr("local_controller_id"),
                )

    # -- create --------------------------------------------------------------------------------------

    def create(self, request: ApplyRequest, response: ApplyResponse) -> None:
        planned = request.planned_state
        assert planned is not None
        deadline = Cancellation.clock() + timeout_seconds(planned, "create", TIMEOUT_DEFAULTS)
        vms = planned["virtual_machines"]
        state: dict[str, Any] = {**planned, "virtual_machines": {}}
        task_id = self._start(vms, state, response, deadline, request.cancellation)
        state["id"] = task_id

    def _start(
        self,
        vms: dict[str, Any],
        state: dict[str, Any],
        response: ApplyResponse,
        deadline: float,
        cancellation: Cancellation,
    ) -> str:
        """Submits `vms` as one virtual cluster and records each VM that runs into `state`."""
        session = self.session.bound(cancellation)
        with snooze_errors():
            task_id = session.client.start_virtual_cluster([template_for(n, vm) for n, vm in vms.items()])
        log.info("Submitted %d virtual machine(s) to Snooze as task %s", len(vms), task_id)
        if state.get("id") in (None, cty.UNKNOWN):
            state["id"] = task_id
        response.state = state
        try:
            with snooze_errors():
                result = session.wait_for_virtual_cluster(task_id, deadline, list(vms))
        except (DiagnosticError, OperationCancelled) as error:
            # The result may still come: keep track of every VM, running or not yet.
            found = self._record_found(session, vms, state)
            if isinstance(error.__cause__, SnoozeTimeoutError):
                raise DiagnosticError(
                    "Timed out waiting for Snooze",
                    f"Snooze had not answered task {task_id} when the create timeout ran out. "
                    + "; ".join(f"{name}: {status}" for name, status in sorted(found.items()))
                    + ". VMs still PENDING are kept in state and found by name at the next refresh. "
                    "Raise timeouts.create if Snooze is just slow (its group leader collects results "
                    "every 10 s by default), or check the group leader's log.",
                ) from error
            raise
        if result.error_code:
            raise DiagnosticError(
                "Snooze rejected the virtual cluster",
                f"Task {task_id} failed with {result.error_code}"
                + (
                    " (no group manager has joined the group leader yet)"
                    if result.error_code == "GROUP_MANAGERS_MISSING"
                    else ""
                )
                + ".",
            )
        by_name = {vm.location.virtual_machine_id: vm for vm in result.virtual_machines}
        for name, vm in vms.items():
            metadata = by_name.get(name)
            if metadata is None:
                response.diagnostics.error(
                    "Virtual machine not started",
                    f"Snooze's answer to task {task_id} does not mention {name!r}: the group leader "
                    "dropped its template (in parameter mode, check that image_id exists in the image "
                    "repository).",
                    VMS.key(name),
                )
            elif metadata.status == "RUNNING":
                state["virtual_machines"][name] = vm_state(self._refreshed(session, metadata), vm)
            else:
                hint = ERROR_HINTS.get(metadata.error_code, "")
                response.diagnostics.error(
                    "Virtual machine failed to start",
                    f"Snooze reports {name!r} as {metadata.status} with error code {metadata.error_code}"
                    + (f": {hint}" if hint else "")
                    + ".",
                    VMS.key(name),
                )
        running = len(state["virtual_machines"])
        log.info("%d of %d virtual machine(s) running (task %s)", running, len(vms), task_id)
        return task_id

    def _refreshed(self, session: SnoozeSession, metadata: VirtualMachineMetaData) -> VirtualMachineMetaData:
        """The group manager's record of a VM just started: the view every later read has."""
        try:
            with snooze_errors():
                current = session.client.get_virtual_machine_metadata(metadata.location)
        except DiagnosticError:
            return metadata
        return metadata if current.is_gone else current

    def _record_found(
        self, session: SnoozeSession, vms: dict[str, Any], state: dict[str, Any]
    ) -> dict[str, str]:
        """Records each VM as Snooze has it now, or as PENDING; returns their statuses."""
        statuses = {}
        for name, vm in vms.items():
            try:
                with snooze_errors():
                    metadata = session.locate(name, None)
            except DiagnosticError:
                metadata = None
            if metadata is not None:
                state["virtual_machines"][name] = vm_state(metadata, vm)
                statuses[name] = metadata.status
            else:
                state["virtual_machines"][name] = pending_vm_state(vm)
                statuses[name] = PENDING
        return statuses

    # -- read ----------------------------------------------------------------------------------------

    def read(self, request: ReadRequest, response: ReadResponse) -> None:
        session = self.session.bound(request.cancellation)
        vms = request.state.get("virtual_machines") or {}
        refreshed: dict[str, Any] = {}
        for name, vm in vms.items():
            with snooze_errors():
                metadata = session.locate(name, location_of(name, vm))
            if metadata is None:
                log.info("Virtual machine %s no longer exists in Snooze", name)
                continue
            refreshed[name] = vm_state(metadata, vm)
        response.state = {**request.state, "virtual_machines": refreshed} if refreshed else None

    # -- update --------------------------------------------------------------------------------------

    def update(self, request: ApplyRequest, response: ApplyResponse) -> None:
        prior, planned = request.prior_state, request.planned_state
        assert prior is not None and planned is not None
        session = self.session.bound(request.cancellation)
        deadline = Cancellation.clock() + timeout_seconds(planned, "update", TIMEOUT_DEFAULTS)
        prior_vms: dict[str, Any] = prior["virtual_machines"]
        planned_vms: dict[str, Any] = planned["virtual_machines"]
        vms = dict(prior_vms)
        state = {**prior, "timeouts": planned.get("timeouts"), "virtual_machines": vms}
        response.state = state

        removed = sorted(prior_vms.keys() - planned_vms.keys())
        if removed:
            self._destroy(session, {name: prior_vms[name] for name in removed}, vms, deadline)

        for name in sorted(prior_vms.keys() & planned_vms.keys()):
            target = planned_vms[name].get("local_controller_id")
            if isinstance(target, str) and target != prior_vms[name].get("local_controller_id"):
                with snooze_errors():
                    metadata = session.migrate(name, location_of(name, prior_vms[name]), target, deadline)
                vms[name] = vm_state(metadata, _known(planned_vms[name]) | _computed_only(prior_vms[name]))
            else:
                vms[name] = {**prior_vms[name], **_known(planned_vms[name])}

        added = {name: planned_vms[name] for name in sorted(planned_vms.keys() - prior_vms.keys())}
        if added:
            self._start(added, state, response, deadline, request.cancellation)

    # -- delete --------------------------------------------------------------------------------------

    def delete(self, request: ApplyRequest, response: ApplyResponse) -> None:
        prior = request.prior_state
        assert prior is not None
        session = self.session.bound(request.cancellation)
        deadline = Cancellation.clock() + timeout_seconds(prior, "delete", TIMEOUT_DEFAULTS)
        vms = dict(prior["virtual_machines"])
        response.state = {**prior, "virtual_machines": vms}
        self._destroy(session, dict(prior["virtual_machines"]), vms, deadline)

    def _destroy(
        self, session: SnoozeSession, doomed: dict[str, Any], vms: dict[str, Any], deadline: float
    ) -> None:
        """Destroys `doomed` and drops each from `vms` once Snooze reports it gone."""
        with snooze_errors():
            for name, vm in doomed.items():
                session.destroy(name, location_of(name, vm), deadline)
            for count, name in enumerate(doomed, start=1):
                session.wait_until_gone(name, location_of(name, doomed[name]), deadline)
                vms.pop(name, None)
                log.info("%d of %d virtual machine(s) destroyed", count, len(doomed))

    # -- import --------------------------------------------------------------------------------------

    def import_state(self, request: ImportRequest, response: ImportResponse) -> None:
        names = [name.strip() for name in request.id.split(",") if name.strip()]
        if not names:
            raise DiagnosticError(
                "Invalid import id",
                "Give the names of the virtual machines to adopt, separated by commas: "
                "terraform import snooze_virtual_cluster.NAME vm1,vm2",
            )
        session = self.session.bound(request.cancellation)
        vms: dict[str, Any] = {}
        missing = []
        for name in names:
            with snooze_errors():
                metadata = session.locate(name, None)
            if metadata is None:
                missing.append(name)
            else:
                vms[name] = vm_state(metadata, None)
        if missing:
            raise DiagnosticError(
                "Cannot import non-existent virtual machines",
                f"Snooze's group leader knows no virtual machine named {', '.join(map(repr, missing))}.",
            )
        response.state = {"id": ",".join(names), "virtual_machines": vms, "timeouts": None}


def _known(vm: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in vm.items() if v is not cty.UNKNOWN}


def _computed_only(vm: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in vm.items() if k in ("status", "error_code", "ip_address")}
