"""Resource snooze_virtual_cluster: create, read, update, delete and import on Snooze.

State follows what exists in Snooze, one VM instance per element (state.py: name, IP, MAC and
libvirt uuid, and where it was last seen). A VM is recorded the moment it is submitted (PENDING)
and dropped only once Snooze shows it gone; a VM of the same name with another fingerprint is
somebody else's and is never touched. How Snooze is asked lives in snooze_api (launching,
tracking, removal, migration), through the session bound to each request.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from ..runtime.diagnostics import DiagnosticError
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
from ..session import BoundSession, SnoozeSession
from ..snooze_api import Fate
from .config import VMS, check_virtual_machines, template_for
from .importing import imported_vms
from .messages import taint_advice
from .plan import plan_names, plan_pending, plan_placements, plan_replacement
from .private import Private
from .reading import refreshed
from .schema import TIMEOUT_DEFAULTS, VIRTUAL_CLUSTER_SCHEMA
from .state import VmState
from .working import Working

__all__ = ["VirtualClusterResource"]

log = logging.getLogger("terraform_provider_snooze.virtual_cluster")


class VirtualClusterResource(Resource):
    type_name = "snooze_virtual_cluster"
    schema = VIRTUAL_CLUSTER_SCHEMA

    def __init__(self) -> None:
        self._session: SnoozeSession | None = None

    def configure(self, provider_data: Any) -> None:
        self._session = provider_data

    def _snooze(self, cancellation: Cancellation) -> BoundSession:
        if self._session is None:
            raise DiagnosticError("Provider not configured", "The snooze provider was not configured.")
        return self._session.bound(cancellation, report=log.info)

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
        plan_pending(planned_vms, prior_vms, response)
        plan_replacement(planned_vms, prior_vms, request, response)
        if snooze is not None:
            plan_names(snooze, request, planned_vms, prior_vms, response.diagnostics)

    # -- create --------------------------------------------------------------------------------------

    def create(self, request: ApplyRequest, response: ApplyResponse) -> None:
        planned = request.planned_state
        assert planned is not None
        snooze = self._snooze(request.cancellation)
        deadline = snooze.clock() + timeout_seconds(planned, "create", TIMEOUT_DEFAULTS)
        vms: dict[str, Any] = planned["virtual_machines"]
        working = Working({**planned}, {}, Private(), response, snooze.clock)
        self._launch(snooze, working, vms, deadline, exists=False)
        running = sorted(n for n, vm in working.vms.items() if not vm.is_pending)
        if response.diagnostics.has_errors and working.vms:
            taint_advice(response.diagnostics, running, working.pending(), len(vms))
        if not working.vms:
            response.state = None  # nothing exists: nothing to record, nothing to taint

    def _launch(
        self, snooze: BoundSession, working: Working, vms: dict[str, Any], deadline: float, exists: bool
    ) -> None:
        """Starts `vms` (planned values by name) and records what became of each."""
        templates = {name: template_for(name, vm) for name, vm in vms.items()}
        try:
            outcomes = snooze.launch(templates, deadline, working.submitted(vms))
        except OperationCancelled:
            pending = working.pending()
            raise DiagnosticError(
                "Operation interrupted",
                "Terraform asked the provider to stop"
                + (
                    f"; {', '.join(pending)} were submitted and are kept in state as PENDING"
                    if pending
                    else ""
                )
                + ".",
            ) from None
        working.settled(outcomes, exists)

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
        deadline = snooze.clock() + timeout_seconds(planned, "update", TIMEOUT_DEFAULTS)
        planned_vms: dict[str, Any] = planned["virtual_machines"]
        prior_states = {name: VmState.from_value(name, v) for name, v in prior["virtual_machines"].items()}
        base = {**prior, "timeouts": planned.get("timeouts")}
        working = Working(base, prior_states, Private.from_bytes(request.private), response, snooze.clock)

        not_started = self._reconcile(snooze, working, deadline)
        removed = sorted(set(working.vms) - set(planned_vms))
        self._destroy(snooze, working, removed, deadline)
        for name in sorted(set(working.vms) & set(planned_vms)):
            self._update_vm(snooze, working, name, VmState.from_value(name, planned_vms[name]), deadline)
        # New names, and PENDING ones proven never started; not those that failed just now.
        missing = sorted(set(planned_vms) - set(working.vms))
        added = {n: planned_vms[n] for n in missing if n in not_started or n not in prior_states}
        if added:
            self._launch(snooze, working, added, deadline, exists=True)

    def _reconcile(self, snooze: BoundSession, working: Working, deadline: float) -> set[str]:
        """Settles PENDING VMs of earlier runs; returns those proven never started (dropped)."""
        not_started: set[str] = set()
        for entry in working.private.pending:
            names = [n for n in entry.names if n in working.vms and working.vms[n].is_pending]
            if not names:
                continue
            outcomes = snooze.settle(names, entry.submission(snooze.clock), deadline, entry.result_read)
            not_started |= {n for n, o in outcomes.items() if o.fate is Fate.NOT_STARTED}
            working.settled({n: o for n, o in outcomes.items() if o.fate is not Fate.NOT_STARTED}, True)
            for name in not_started:
                working.drop(name)
        return not_started

    def _update_vm(
        self, snooze: BoundSession, working: Working, name: str, planned: VmState, deadline: float
    ) -> None:
        current = working.vms[name]
        target = planned.local_controller_id
        record = current.record
        if target is None or target == current.local_controller_id or record is None:
            working.record(name, current.configured_as(planned))
            return
        log.info("Migrating virtual machine %s to local controller %s", name, target)
        try:
            moved = snooze.migrate(record, target, deadline)
        except DiagnosticError as error:
            for diagnostic in error.diagnostics:
                working.diagnostics.error(diagnostic.summary, f"{name!r}: {diagnostic.detail}", VMS.key(name))
            return
        working.record(name, current.configured_as(planned).observed(moved))
        log.info("Virtual machine %s now runs on local controller %s", name, target)

    # -- delete --------------------------------------------------------------------------------------

    def delete(self, request: ApplyRequest, response: ApplyResponse) -> None:
        prior = request.prior_state
        assert prior is not None
        snooze = self._snooze(request.cancellation)
        deadline = snooze.clock() + timeout_seconds(prior, "delete", TIMEOUT_DEFAULTS)
        vms = {name: VmState.from_value(name, v) for name, v in prior["virtual_machines"].items()}
        working = Working(prior, vms, Private.from_bytes(request.private), response, snooze.clock)
        self._reconcile(snooze, working, deadline)
        self._destroy(snooze, working, sorted(working.vms), deadline)

    def _destroy(self, snooze: BoundSession, working: Working, names: Iterable[str], deadline: float) -> None:
        """Destroys our instances of `names`; each leaves state once Snooze shows it gone."""
        doomed = sorted(names)
        for name in doomed:
            if working.vms[name].is_pending:
                working.diagnostics.error(
                    "Virtual machine still pending",
                    f"{name!r} cannot be destroyed yet: Snooze has not said whether it started. It is kept "
                    "in state; apply again once Snooze has (a refresh records it when it shows up).",
                    VMS.key(name),
                )
        records = working.records(doomed)
        count = 0

        def gone(name: str) -> None:
            nonlocal count
            count += 1
            working.drop(name)
            log.info("%d of %d virtual machine(s) destroyed (%s)", count, len(records), name)

        problems = snooze.destroy(records, deadline, gone)
        for name, why in sorted(problems.items()):
            working.diagnostics.error(
                "Virtual machine not destroyed", f"{name!r} is kept in state: {why}.", VMS.key(name)
            )

    # -- import --------------------------------------------------------------------------------------

    def import_state(self, request: ImportRequest, response: ImportResponse) -> None:
        snooze = self._snooze(request.cancellation)
        vms = imported_vms(snooze, request.id)
        values = {name: vm.to_value() for name, vm in sorted(vms.items())}
        response.state = {"id": ",".join(sorted(vms)), "virtual_machines": values, "timeouts": None}
