"""Each VM's planned values, from the planner's decision (planner.py): what stays as it is, what
the configuration sets, and what only Snooze will tell (unknown until the apply).

- keep: the record as it is.
- update: the record, with what the configuration asks; a migration leaves the VM's location and
  status to Snooze, a power change sets the status it leads to, a resize the size.
- recreate: what the configuration asks; everything Snooze reports (IP, MAC, host, ...) unknown.
- add: as the runtime planned it (every value Snooze reports unknown), with the power state and,
  in template mode, the template's size.
"""

from __future__ import annotations

from typing import Any

from ..runtime import cty
from .planner import Action, Decision, Step, Wanted
from .state import COMPUTED, VmState

__all__ = ["planned_vm"]

UNKNOWN = cty.UNKNOWN
_LOCATION = ("local_controller_address", "group_manager_id", "group_manager_address", "status", "error_code")
_STATUS_AFTER = {Step.PAUSE: "PAUSED", Step.RESUME: "RUNNING"}


def planned_vm(
    prior: dict[str, Any] | None, planned: dict[str, Any], wanted: Wanted, decision: Decision
) -> dict[str, Any]:
    action = decision.action
    if action is Action.KEEP and prior is not None:
        return dict(prior)
    if action is Action.ADD:
        return _added(planned, wanted)
    if prior is None or action not in (Action.UPDATE, Action.RECREATE):
        return planned  # removed, or reconciled (plan.py)
    record = VmState.from_value("", prior)
    result = {**prior, **_asked(record, wanted, keep_unset=action is Action.UPDATE)}
    if action is Action.RECREATE:
        return {**result, **dict.fromkeys(COMPUTED, UNKNOWN)}
    return {**result, **_after_steps(decision)}


def _asked(record: VmState, wanted: Wanted, *, keep_unset: bool) -> dict[str, Any]:
    """What the configuration sets; what it leaves unset stays as it runs (update) or is left to
    Snooze (recreate), but for the size and network demand, which a new VM keeps too."""
    vcpus, memory = wanted.size_asked(record)
    values: dict[str, Any] = {
        "libvirt_template": wanted.libvirt_template,
        "vcpus": vcpus,
        "memory": memory,
        "power_state": wanted.power_state,
        "network_demand": record.network_demand if wanted.network_demand is None else wanted.network_demand,
    }
    for attribute in ("image_id", "local_controller_id"):
        value = getattr(wanted, attribute)
        if value is not None:
            values[attribute] = value
        elif not keep_unset:
            values[attribute] = UNKNOWN
    return values


def _after_steps(decision: Decision) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for step in decision.steps:
        if step in _STATUS_AFTER:
            changes["status"] = _STATUS_AFTER[step]
    if decision.power_unknown:
        changes["status"] = UNKNOWN
    if Step.MIGRATE in decision.steps:
        changes.update(dict.fromkeys(_LOCATION, UNKNOWN))
    return changes


def _added(planned: dict[str, Any], wanted: Wanted) -> dict[str, Any]:
    result = {**planned, "power_state": wanted.power_state}
    template = wanted.template
    if template is not None and template.vcpus is not None and template.memory is not None:
        result.update(vcpus=template.vcpus, memory=template.memory)
    return result
