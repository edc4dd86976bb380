"""Snooze's wire types (spec section 3), read tolerantly and written exactly.

Reading: every field may be missing (Java constructor defaults: "UNKNOWN", -1, empty), and
fields we do not use are ignored. Writing: only properties the Java beans have, because Jackson
answers 415 to any other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import SnoozeProtocolError

__all__ = [
    "OFFLINE",
    "RUNNING",
    "SHUTDOWN_PENDING",
    "UNKNOWN",
    "GroupManagerDescription",
    "HypervisorSettings",
    "LocalControllerDescription",
    "MigrationSettings",
    "NetworkAddress",
    "NetworkDemand",
    "Submission",
    "VirtualClusterResponse",
    "VirtualMachineImage",
    "VirtualMachineLocation",
    "VirtualMachineMetaData",
    "VirtualMachineTemplate",
    "WakeupSettings",
]

UNKNOWN = "UNKNOWN"  # Snooze's Globals.DEFAULT_INITIALIZATION

# VirtualMachineStatus values the client acts on (spec 5).
RUNNING = "RUNNING"
SHUTDOWN_PENDING = "SHUTDOWN_PENDING"
OFFLINE = "OFFLINE"


def _object(data: Any, what: str) -> dict[str, Any]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise SnoozeProtocolError(f"expected a JSON object for {what}, got {type(data).__name__}")
    return data


def _str(data: dict[str, Any], key: str, default: str = UNKNOWN) -> str:
    value = data.get(key)
    return default if value is None else str(value)


def _int(data: dict[str, Any], key: str, default: int = -1) -> int:
    value = data.get(key)
    try:
        return default if value is None else int(value)
    except (TypeError, ValueError):
        raise SnoozeProtocolError(f"{key} should be a number, got {value!r}") from None


def _floats(data: dict[str, Any], key: str) -> list[float]:
    value = data.get(key) or []
    try:
        if not isinstance(value, list):
            raise TypeError
        return [float(v) for v in value]
    except (TypeError, ValueError):
        raise SnoozeProtocolError(f"{key} should be a list of numbers, got {value!r}") from None


@dataclass(frozen=True)
class NetworkAddress:
    address: str = UNKNOWN
    port: int = -1

    @classmethod
    def from_json(cls, data: Any) -> NetworkAddress:
        obj = _object(data, "a network address")
        return cls(_str(obj, "address"), _int(obj, "port"))

    def to_json(self) -> dict[str, Any]:
        return {"address": self.address, "port": self.port}

    @property
    def known(self) -> bool:
        return self.address not in ("", UNKNOWN) and self.port > 0

    @property
    def base_url(self) -> str:
        return f"http://{self.address}:{self.port}"


@dataclass(frozen=True)
class VirtualMachineLocation:
    virtual_machine_id: str = UNKNOWN
    local_controller_id: str = UNKNOWN
    local_controller_control_data_address: NetworkAddress = field(default_factory=NetworkAddress)
    group_manager_id: str = UNKNOWN
    group_manager_control_data_address: NetworkAddress = field(default_factory=NetworkAddress)

    @classmethod
    def from_json(cls, data: Any) -> VirtualMachineLocation:
        obj = _object(data, "a virtual machine location")
        return cls(
            virtual_machine_id=_str(obj, "virtualMachineId"),
            local_controller_id=_str(obj, "localControllerId"),
            local_controller_control_data_address=NetworkAddress.from_json(
                obj.get("localControllerControlDataAddress")
            ),
            group_manager_id=_str(obj, "groupManagerId"),
            group_manager_control_data_address=NetworkAddress.from_json(
                obj.get("groupManagerControlDataAddress")
            ),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "virtualMachineId": self.virtual_machine_id,
            "localControllerId": self.local_controller_id,
            "localControllerControlDataAddress": self.local_controller_control_data_address.to_json(),
            "groupManagerId": self.group_manager_id,
            "groupManagerControlDataAddress": self.group_manager_control_data_address.to_json(),
        }


@dataclass(frozen=True)
class NetworkDemand:
    rx_bytes: float = 0.0
    tx_bytes: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {"rxBytes": self.rx_bytes, "txBytes": self.tx_bytes}


@dataclass(frozen=True)
class VirtualMachineTemplate:
    """One VM of a submission: template mode (libvirt XML) or parameter mode (name, image, ...)."""

    libvirt_template: str | None = None
    name: str | None = None
    vcpus: int | None = None
    memory: int | None = None
    image_id: str | None = None
    network_demand: NetworkDemand = field(default_factory=NetworkDemand)
    host_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"networkCapacityDemand": self.network_demand.to_json()}
        if self.libvirt_template is not None:
            body["libVirtTemplate"] = self.libvirt_template
        for key, value in (
            ("name", self.name),
            ("vcpus", self.vcpus),
            ("memory", self.memory),
            ("imageId", self.image_id),
        ):
            if value is not None:
                body[key] = value
        # An explicit null hostId makes the group leader drop the whole submission (spec 6.1.2).
        if self.host_id is not None:
            body["hostId"] = self.host_id
        return body


@dataclass(frozen=True)
class VirtualMachineImage:
    name: str = UNKNOWN
    path: str = UNKNOWN
    format: str = "raw"
    backing_store: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> VirtualMachineImage | None:
        if data is None:
            return None
        obj = _object(data, "a virtual machine image")
        backing = obj.get("backingStore")
        return cls(
            _str(obj, "name"),
            _str(obj, "path"),
            _str(obj, "format", "raw"),
            None if backing is None else str(backing),
        )


@dataclass(frozen=True)
class VirtualMachineMetaData:
    location: VirtualMachineLocation
    status: str = UNKNOWN
    error_code: str = UNKNOWN
    ip_address: str = UNKNOWN
    requested_capacity: list[float] = field(default_factory=list)
    xml_representation: str = UNKNOWN
    image: VirtualMachineImage | None = None

    @classmethod
    def from_json(cls, data: Any) -> VirtualMachineMetaData:
        obj = _object(data, "virtual machine metadata")
        return cls(
            location=VirtualMachineLocation.from_json(obj.get("virtualMachineLocation")),
            status=_str(obj, "status"),
            error_code=_str(obj, "errorCode"),
            ip_address=_str(obj, "ipAddress"),
            requested_capacity=_floats(obj, "requestedCapacity"),
            xml_representation=_str(obj, "xmlRepresentation"),
            image=VirtualMachineImage.from_json(obj.get("image")),
        )

    @property
    def name(self) -> str:
        return self.location.virtual_machine_id

    @property
    def is_gone(self) -> bool:
        """The group manager's stub for a VM it does not have (spec 6.3): status OFFLINE."""
        return self.status == OFFLINE and self.location.local_controller_id == UNKNOWN


@dataclass(frozen=True)
class VirtualClusterResponse:
    error_code: str | None
    virtual_machines: list[VirtualMachineMetaData]

    @classmethod
    def from_json(cls, data: Any) -> VirtualClusterResponse:
        obj = _object(data, "a virtual cluster response")
        machines = obj.get("virtualMachineMetaData") or []
        if not isinstance(machines, list):
            raise SnoozeProtocolError("virtualMachineMetaData should be a list")
        code = obj.get("errorCode")
        return cls(
            None if code is None else str(code), [VirtualMachineMetaData.from_json(m) for m in machines]
        )


@dataclass(frozen=True)
class MigrationSettings:
    method: str = "live"
    timeout: int = 60


@dataclass(frozen=True)
class HypervisorSettings:
    port: int = -1
    driver: str = UNKNOWN
    transport: str = UNKNOWN
    migration: MigrationSettings = field(default_factory=MigrationSettings)

    @classmethod
    def from_json(cls, data: Any) -> HypervisorSettings:
        obj = _object(data, "hypervisor settings")
        migration = _object(obj.get("migration"), "migration settings")
        return cls(
            port=_int(obj, "port"),
            driver=_str(obj, "driver"),
            transport=_str(obj, "transport"),
            migration=MigrationSettings(_str(migration, "method", "live"), _int(migration, "timeout", 60)),
        )


@dataclass(frozen=True)
class WakeupSettings:
    driver: str = UNKNOWN
    options: str = ""


@dataclass(frozen=True)
class LocalControllerDescription:
    id: str
    hostname: str
    status: str
    control_data_address: NetworkAddress
    hypervisor_settings: HypervisorSettings
    wakeup_settings: WakeupSettings
    total_capacity: list[float]
    assigned_virtual_machines: list[str]
    group_manager_id: str = UNKNOWN
    group_manager_address: NetworkAddress = field(default_factory=NetworkAddress)

    @classmethod
    def from_json(cls, data: Any) -> LocalControllerDescription:
        obj = _object(data, "a local controller")
        wakeup = _object(obj.get("wakeupSettings"), "wake-up settings")
        assigned = obj.get("assignedVirtualMachines") or []
        location = _object(obj.get("location"), "a location")
        return cls(
            id=_str(obj, "id"),
            hostname=_str(obj, "hostname"),
            status=_str(obj, "status"),
            control_data_address=NetworkAddress.from_json(obj.get("controlDataAddress")),
            hypervisor_settings=HypervisorSettings.from_json(obj.get("hypervisorSettings")),
            wakeup_settings=WakeupSettings(_str(wakeup, "driver"), _str(wakeup, "options", "")),
            total_capacity=_floats(obj, "totalCapacity"),
            assigned_virtual_machines=[
                a if isinstance(a, str) else VirtualMachineMetaData.from_json(a).location.virtual_machine_id
                for a in assigned
            ],
            group_manager_id=_str(location, "groupManagerId"),
            group_manager_address=NetworkAddress.from_json(location.get("groupManagerControlDataAddress")),
        )


@dataclass(frozen=True)
class GroupManagerDescription:
    id: str
    control_data_address: NetworkAddress

    @classmethod
    def from_json(cls, data: Any) -> GroupManagerDescription:
        obj = _object(data, "a group manager description")
        listen = _object(obj.get("listenSettings"), "listen settings")
        return cls(_str(obj, "id"), NetworkAddress.from_json(listen.get("controlDataAddress")))


@dataclass(frozen=True)
class Submission:
    """One startVirtualCluster as sent: to which leader, when (on the client's clock), and the task
    id Snooze gave, or, when it gave none usable, why: then it may or may not have been queued.
    `in_flight`: no answer came before request_timeout, so Snooze may still be working on it.
    `managers`: the group managers that managed hosts when it was sent, any of which may have
    started its VMs; after a leader change, listings miss those not yet rejoined (spec 1.3)."""

    leader: GroupManagerDescription
    sent_at: float
    task_id: str | None
    trouble: str = ""
    in_flight: bool = False
    managers: tuple[str, ...] = ()

    @property
    def ambiguous(self) -> bool:
        return self.task_id is None
