"""Snooze's view of a virtual machine, as the values of one `virtual_machines` element."""

from __future__ import annotations

import posixpath
from decimal import Decimal
from typing import Any

from ..runtime import cty
from ..snooze_api import NetworkAddress, VirtualMachineLocation, VirtualMachineMetaData

__all__ = ["PENDING", "location_of", "pending_vm_state", "vm_state"]

UNSET = "UNKNOWN"  # Snooze's default for every string it has no value for
PENDING = "PENDING"  # ours: submitted, but Snooze has not said where it runs yet

_COMPUTED = (
    "status",
    "error_code",
    "ip_address",
    "local_controller_id",
    "local_controller_address",
    "group_manager_id",
    "group_manager_address",
)


def pending_vm_state(planned: dict[str, Any]) -> dict[str, Any]:
    """A VM submitted but not reported yet: kept in state so that it is never lost."""
    state = {name: (None if value is cty.UNKNOWN else value) for name, value in planned.items()}
    state.update(dict.fromkeys(_COMPUTED))
    state["status"] = PENDING
    return state


def vm_state(metadata: VirtualMachineMetaData, prior: dict[str, Any] | None) -> dict[str, Any]:
    """Computed values from Snooze; what the user configured is kept as configured.

    Values the user may leave to Snooze (vcpus, memory, image, network demand) are filled from
    Snooze only when unset, so a configuration that Snooze normalises never shows a diff.
    """
    location = metadata.location
    state = dict(prior or {})
    capacity = [_number(v) for v in (list(metadata.requested_capacity) + [0.0] * 4)[:4]]
    derived = {
        "vcpus": capacity[0] if metadata.requested_capacity else None,
        "memory": capacity[1] if metadata.requested_capacity else None,
        "image_id": _image_id(metadata),
        "network_demand": {"rx_bytes": capacity[2], "tx_bytes": capacity[3]},
    }
    for name, value in derived.items():
        if state.get(name) is None or state.get(name) is cty.UNKNOWN:
            state[name] = value
    state.setdefault("libvirt_template", None)
    state.update(
        status=metadata.status,
        error_code=metadata.error_code,
        ip_address=_or_none(metadata.ip_address),
        local_controller_id=_or_none(location.local_controller_id),
        local_controller_address=_address(location.local_controller_control_data_address),
        group_manager_id=_or_none(location.group_manager_id),
        group_manager_address=_address(location.group_manager_control_data_address),
    )
    return state


def location_of(name: str, vm: dict[str, Any]) -> VirtualMachineLocation:
    """Where state last saw the VM, in the form Snooze's group manager calls take."""
    return VirtualMachineLocation(
        virtual_machine_id=name,
        local_controller_id=vm.get("local_controller_id") or UNSET,
        local_controller_control_data_address=_parse_address(vm.get("local_controller_address")),
        group_manager_id=vm.get("group_manager_id") or UNSET,
        group_manager_control_data_address=_parse_address(vm.get("group_manager_address")),
    )


def _image_id(metadata: VirtualMachineMetaData) -> str | None:
    image = metadata.image
    if image is None:
        return None
    # A running VM's disk is an overlay on the repository image it was started from.
    source = image.backing_store or image.path
    if source and source != UNSET:
        return posixpath.basename(source)
    return _or_none(image.name)


def _number(value: float) -> Decimal:
    number = Decimal(repr(float(value)))
    return number.to_integral_value() if number == number.to_integral_value() else number


def _or_none(value: str | None) -> str | None:
    return None if value in (None, "", UNSET) else value


def _address(address: NetworkAddress | None) -> str | None:
    if address is None or address.address in ("", UNSET) or address.port < 0:
        return None
    return f"{address.address}:{address.port}"


def _parse_address(text: Any) -> NetworkAddress:
    if not isinstance(text, str) or ":" not in text:
        return NetworkAddress(address=UNSET, port=-1)
    host, _, port = text.rpartition(":")
    return NetworkAddress(address=host, port=int(port))
