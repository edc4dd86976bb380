"""Plan-time rules of snooze_virtual_cluster, on top of the runtime's generic planning.

- A name to be started must be free in Snooze (checked when Snooze is reachable; checked again
  just before submitting).
- A PENDING VM is planned with unknown values: the apply reconciles it.
- A local_controller_id must name a host Snooze has.
(Which changes replace the cluster is the schema's plan modifiers' business.)
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from ..runtime import cty
from ..runtime.diagnostics import DiagnosticError, Diagnostics
from ..runtime.interfaces import PlanRequest, PlanResponse
from ..session import BoundSession
from .config import VMS
from .messages import taken_error
from .private import Private
from .state import COMPUTED, VmState

__all__ = ["plan_names", "plan_pending", "plan_placements", "plan_replacement"]

log = logging.getLogger("terraform_provider_snooze.virtual_cluster")

# Filled in from Snooze when the user leaves them unset (see VmState.observed).
_DERIVED = ("vcpus", "memory", "image_id", "network_demand", "local_controller_id")


def plan_names(
    snooze: BoundSession,
    request: PlanRequest,
    planned_vms: dict[str, Any],
    prior_vms: dict[str, Any],
    diagnostics: Diagnostics,
) -> None:
    """VMs to be started under names Snooze already runs: an error on each key, at plan time."""
    added = sorted(set(planned_vms) - set(prior_vms))
    if not added:
        return
    mine = snooze.owned() | set(Private.from_bytes(request.private).replacing)
    try:
        taken = snooze.taken(added, mine=mine)
    except DiagnosticError as error:
        log.debug("Names not checked at plan time: %s", error)
        return  # checked again just before submitting
    for name, others in taken.items():
        taken_error(diagnostics, name, others, taken, exists=request.prior_state is not None)


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


def plan_replacement(
    planned_vms: dict[str, Any], prior_vms: dict[str, Any], request: PlanRequest, response: PlanResponse
) -> None:
    """A replacement destroys these VMs before it starts the new ones: Terraform plans the new ones
    without prior state but with this private state, whose fingerprints the name check skips."""
    if not any(_replaced(planned_vms.get(name), prior) for name, prior in prior_vms.items()):
        return
    fingerprints = tuple(
        record.fingerprint
        for name, value in prior_vms.items()
        if isinstance(value, dict) and (record := VmState.from_value(name, value).record) is not None
    )
    response.private = replace(Private.from_bytes(request.private), replacing=fingerprints).to_bytes()


def _replaced(planned: Any, prior: Any) -> bool:
    """Whether a VM kept in the configuration changes what it is made of (schema.py's replacing
    attributes; an imported VM's first template does not count)."""
    if not isinstance(planned, dict) or not isinstance(prior, dict):
        return False
    if (
        prior.get("libvirt_template") is not None
        and planned.get("libvirt_template") != prior["libvirt_template"]
    ):
        return True
    return any(
        planned.get(name) is cty.UNKNOWN or planned.get(name) != prior.get(name)
        for name in ("vcpus", "memory", "image_id", "network_demand")
        if planned.get(name) is not None
    )
