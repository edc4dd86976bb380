"""Plan-time rules of snooze_virtual_cluster, on top of the runtime's generic planning.

- Each VM is planned by the planner's decision (planner.py, planned.py); a VM to be recreated
  gets a warning naming it and the attribute that forces it. Nothing replaces the cluster but
  `terraform apply -replace`.
- A name to be started must be free in Snooze (checked when Snooze is reachable; checked again
  just before submitting); a VM to be recreated keeps its name, which nobody else may hold.
- A PENDING VM is planned with unknown values: the apply reconciles it.
- A local_controller_id must name a host Snooze has.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from ..runtime import cty
from ..runtime.diagnostics import DiagnosticError, Diagnostics
from ..runtime.interfaces import PlanRequest, PlanResponse
from ..session import BoundSession
from ..snooze_api import Fingerprint
from .config import VMS
from .messages import recreation_warning, taken_error
from .planned import planned_vm
from .planner import Action, Decision, Wanted, decide
from .private import Private
from .state import COMPUTED, VmState

__all__ = ["plan_names", "plan_own_instances", "plan_pending", "plan_placements", "plan_vms"]

log = logging.getLogger("terraform_provider_snooze.virtual_cluster")

# Filled in from Snooze when the user leaves them unset (see VmState.observed).
_DERIVED = ("vcpus", "memory", "image_id", "network_demand", "local_controller_id")


def plan_vms(
    config_vms: Any, planned_vms: dict[str, Any], prior_vms: dict[str, Any], diagnostics: Diagnostics
) -> dict[str, Decision]:
    """Plans each VM by its decision (in place), warns of each recreation; the decisions."""
    decisions = {}
    for name, planned in planned_vms.items():
        config = config_vms.get(name) if isinstance(config_vms, dict) else None
        if not isinstance(config, dict) or not isinstance(planned, dict):
            continue  # known only at apply: planned as the runtime did
        prior = prior_vms.get(name)
        record = VmState.from_value(name, prior) if isinstance(prior, dict) else None
        wanted = Wanted.of(config)
        decision = decisions[name] = decide(record, wanted)
        planned_vms[name] = planned_vm(prior, planned, wanted, decision)
        if decision.action is Action.RECREATE:
            recreation_warning(diagnostics, name, decision.causes)
    return decisions


def plan_names(
    snooze: BoundSession,
    request: PlanRequest,
    decisions: dict[str, Decision],
    diagnostics: Diagnostics,
) -> None:
    """VMs to be started under names Snooze already runs: an error on each key, at plan time.
    A VM recreated keeps its name: only its own instance may hold it."""
    starting = sorted(n for n, d in decisions.items() if d.action in (Action.ADD, Action.RECREATE))
    if not starting:
        return
    prior_vms = (request.prior_state or {}).get("virtual_machines") or {}
    mine = snooze.owned() | set(Private.from_bytes(request.private).replacing) | set(_fingerprints(prior_vms))
    try:
        taken = snooze.taken(starting, mine=mine)
    except DiagnosticError as error:
        log.debug("Names not checked at plan time: %s", error)
        return  # checked again just before submitting
    for name, others in taken.items():
        recreated = decisions[name].action is Action.RECREATE
        taken_error(
            diagnostics, name, others, taken, exists=request.prior_state is not None, recreated=recreated
        )


def plan_pending(planned_vms: dict[str, Any], prior_vms: dict[str, Any], response: PlanResponse) -> None:
    """A PENDING VM kept in the configuration is reconciled by the apply: its values are unknown
    until then, and that is no reason to replace anything."""
    for name, vm in planned_vms.items():
        prior = prior_vms.get(name)
        if (
            not isinstance(vm, dict)
            or not isinstance(prior, dict)
            or not VmState.from_value(name, prior).is_pending
        ):
            continue
        for attribute in COMPUTED:
            vm[attribute] = cty.UNKNOWN
        for attribute in _DERIVED:
            if vm.get(attribute) is None:
                vm[attribute] = cty.UNKNOWN
        path = VMS.key(name)
        response.diagnostics.warning(
            "Virtual machine pending",
            f"{name!r} was submitted to Snooze, which has not said yet whether it started. The apply "
            "reconciles it: it records it if it runs, and submits it again only if it is proven not "
            "to have started.",
            path,
        )


def plan_placements(
    snooze: BoundSession | None,
    planned_vms: dict[str, Any],
    prior_vms: dict[str, Any],
    diagnostics: Diagnostics,
) -> None:
    """A local_controller_id known at plan time must name a host Snooze has."""
    wanted = {
        name: vm["local_controller_id"]
        for name, vm in planned_vms.items()
        if isinstance(vm, dict)
        and isinstance(vm.get("local_controller_id"), str)
        and vm["local_controller_id"] != (prior_vms.get(name) or {}).get("local_controller_id")
    }
    if not wanted or snooze is None:
        return
    known = {lc.id for lc in snooze.local_controllers()}
    for name, host in wanted.items():
        if host not in known:
            diagnostics.error(
                "Unknown local controller",
                f"Snooze has no local controller {host!r}; data.snooze_local_controllers lists the ids "
                f"it has ({len(known)} now).",
                VMS.key(name).attr("local_controller_id"),
            )


def plan_own_instances(prior_vms: dict[str, Any], request: PlanRequest, response: PlanResponse) -> None:
    """Notes the fingerprints of the VMs in state in the planned private state. A VM recreated,
    or the whole cluster replaced (`-replace`), is destroyed before it starts again under the
    same name: the name check skips these (Terraform plans a replacement's new object without
    prior state, but with this private state)."""
    fingerprints = _fingerprints(prior_vms)
    if fingerprints:
        response.private = replace(Private.from_bytes(request.private), replacing=fingerprints).to_bytes()


def _fingerprints(prior_vms: dict[str, Any]) -> tuple[Fingerprint, ...]:
    return tuple(
        record.fingerprint
        for name, value in prior_vms.items()
        if isinstance(value, dict) and (record := VmState.from_value(name, value).record) is not None
    )
