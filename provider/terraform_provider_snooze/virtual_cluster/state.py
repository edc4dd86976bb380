"""One element of `virtual_machines` as a typed record: what the user configured, and the VM
instance Snooze reported (identity.py: its fingerprint and where it was last seen)."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, fields, replace
from decimal import Decimal
from typing import Any

from ..runtime import cty
from ..snooze_api import (
    Fingerprint,
    NetworkAddress,
    NetworkDemand,
    Size,
    VirtualMachineLocation,
    VirtualMachineMetaData,
    VmRecord,
    boot_maximum,
)

__all__ = ["COMPUTED", "PAUSED", "PENDING", "RUNNING", "VmState", "power_state_of"]

UNSET = "UNKNOWN"  # Snooze's default for every string it has no value for
PENDING = "PENDING"  # ours: submitted, but Snooze has not said whether or where it runs
# power_state values, and the Snooze status each stands for.
RUNNING, PAUSED = "running", "paused"
_POWER_STATES = {"RUNNING": RUNNING, "PAUSED": PAUSED}


def power_state_of(status: str | None) -> str | None:
    """The power state a Snooze status shows; None for the others (going away, failed, ...)."""
    return _POWER_STATES.get(status or "")


# What only Snooze reports. The rest the user configures (Snooze fills in what is left unset), and
# local_controller_id is both: where the user wants the VM, and where Snooze reports it.
COMPUTED = (
    "status",
    "error_code",
    "ip_address",
    "mac_address",
    "libvirt_uuid",
    "local_controller_address",
    "group_manager_id",
    "group_manager_address",
    "max_vcpus",
    "max_memory",
)


@dataclass(frozen=True)
class VmState:
    name: str
    libvirt_template: str | None = None
    vcpus: Decimal | None = None
    memory: Decimal | None = None
    image_id: str | None = None
    network_demand: dict[str, Decimal] | None = None
    local_controller_id: str | None = None
    power_state: str | None = None
    status: str | None = None
    error_code: str | None = None
    ip_address: str | None = None
    mac_address: str | None = None
    libvirt_uuid: str | None = None
    local_controller_address: str | None = None
    group_manager_id: str | None = None
    group_manager_address: str | None = None
    max_vcpus: Decimal | None = None
    max_memory: Decimal | None = None

    # -- to and from Terraform values ----------------------------------------------------------------

    @classmethod
    def from_value(cls, name: str, value: dict[str, Any]) -> VmState:
        """From a state or planned element; unknown values read as unset."""
        known = {field: _known(value.get(field)) for field in _VALUE_FIELDS}
        return cls(name=name, **known)

    def to_value(self) -> dict[str, Any]:
        # Not asdict(): its deep copy was a tenth of a 1,000-VM refresh. The one nested value is
        # copied so that the state value never shares it.
        value = {name: getattr(self, name) for name in _VALUE_FIELDS}
        if self.network_demand is not None:
            value["network_demand"] = dict(self.network_demand)
        return value

    # -- lifecycle -----------------------------------------------------------------------------------

    @classmethod
    def pending(cls, name: str, planned: dict[str, Any]) -> VmState:
        """Submitted, not yet reported: recorded at once, so that it is never lost."""
        configured = cls.from_value(name, planned)
        reported: dict[str, Any] = dict.fromkeys(COMPUTED)
        return replace(configured, **{**reported, "status": PENDING})

    @property
    def is_pending(self) -> bool:
        return self.status == PENDING

    def observed(self, vm: VirtualMachineMetaData) -> VmState:
        """Snooze's view of the VM, from its group manager's record. What the user configured is
        kept as configured; what the user may leave to Snooze (vcpus, memory, image, network
        demand) is filled in only when unset, so that a configuration Snooze normalises never
        shows a diff. The size is kept too: the group manager records the size the VM booted with,
        never a resize (sizing.py); the host's own record says (`sized`)."""
        location = vm.location
        capacity = [_number(v) for v in (list(vm.requested_capacity) + [0.0] * 4)[:4]]
        requested = bool(vm.requested_capacity)
        fingerprint = Fingerprint.of(vm)
        maximum = boot_maximum(vm)
        return replace(
            self,
            vcpus=self.vcpus if self.vcpus is not None else (capacity[0] if requested else None),
            memory=self.memory if self.memory is not None else (capacity[1] if requested else None),
            image_id=self.image_id if self.image_id is not None else _image_id(vm),
            network_demand=self.network_demand
            if self.network_demand is not None
            else {"rx_bytes": capacity[2], "tx_bytes": capacity[3]},
            power_state=power_state_of(vm.status) or self.power_state,
            status=vm.status,
            error_code=_or_none(vm.error_code),  # Snooze's UNKNOWN: no error
            max_vcpus=Decimal(maximum.vcpus) if maximum else self.max_vcpus,
            max_memory=Decimal(maximum.memory) if maximum else self.max_memory,
            ip_address=fingerprint.ip_address,
            mac_address=fingerprint.mac_address,
            libvirt_uuid=fingerprint.libvirt_uuid,
            local_controller_id=_or_none(location.local_controller_id),
            local_controller_address=_address(location.local_controller_control_data_address),
            group_manager_id=_or_none(location.group_manager_id),
            group_manager_address=_address(location.group_manager_control_data_address),
        )

    def sized(self, size: Size) -> VmState:
        """Its size as its host records it (a resize's answer, or the host's own listing)."""
        return replace(self, vcpus=Decimal(size.vcpus), memory=Decimal(size.memory))

    @property
    def size(self) -> Size | None:
        if self.vcpus is None or self.memory is None:
            return None
        return Size(int(self.vcpus), int(self.memory))

    @property
    def maximum(self) -> Size | None:
        """The boot-time maximum: libvirt cannot grow the running domain past it."""
        if self.max_vcpus is None or self.max_memory is None:
            return None
        return Size(int(self.max_vcpus), int(self.max_memory))

    @property
    def resized(self) -> bool:
        """Whether it runs below the size it booted with (its group manager does not know)."""
        return self.size is not None and self.maximum is not None and self.size != self.maximum

    @property
    def network(self) -> NetworkDemand:
        demand = self.network_demand or {}
        return NetworkDemand(float(demand.get("rx_bytes", 0)), float(demand.get("tx_bytes", 0)))

    def configured_as(self, planned: VmState) -> VmState:
        """This VM as Snooze has it, with what the user now configures for it."""
        changes = {
            f.name: getattr(planned, f.name)
            for f in fields(self)
            if f.name not in COMPUTED and f.name != "name" and getattr(planned, f.name) is not None
        }
        return replace(self, **changes)

    # -- identity ------------------------------------------------------------------------------------

    @property
    def record(self) -> VmRecord | None:
        """The instance this element stands for; None while pending (no fingerprint yet)."""
        if self.is_pending or self.ip_address is None:
            return None
        fingerprint = Fingerprint(self.name, self.ip_address, self.mac_address, self.libvirt_uuid)
        return VmRecord(fingerprint, self.location)

    @property
    def location(self) -> VirtualMachineLocation:
        """Where state last saw the VM, in the form Snooze's group manager calls take."""
        return VirtualMachineLocation(
            virtual_machine_id=self.name,
            local_controller_id=self.local_controller_id or UNSET,
            local_controller_control_data_address=_parse_address(self.local_controller_address),
            group_manager_id=self.group_manager_id or UNSET,
            group_manager_control_data_address=_parse_address(self.group_manager_address),
        )


_VALUE_FIELDS = tuple(f.name for f in fields(VmState) if f.name != "name")


def _known(value: Any) -> Any:
    return None if value is cty.UNKNOWN else value


def _image_id(vm: VirtualMachineMetaData) -> str | None:
    image = vm.image
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


def _parse_address(text: str | None) -> NetworkAddress:
    if not isinstance(text, str) or ":" not in text:
        return NetworkAddress(address=UNSET, port=-1)
    host, _, port = text.rpartition(":")
    return NetworkAddress(address=host, port=int(port))
