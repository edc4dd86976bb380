"""A client of the Snooze IaaS manager's REST API. It knows nothing of Terraform."""

from .client import SnoozeClient
from .errors import (
    NoGroupLeaderError,
    SnoozeError,
    SnoozeHTTPError,
    SnoozeProtocolError,
    SnoozeRejectedError,
    SnoozeTimeoutError,
    SnoozeUnreachableError,
)
from .models import (
    UNKNOWN,
    GroupManagerDescription,
    HypervisorSettings,
    LocalControllerDescription,
    MigrationSettings,
    NetworkAddress,
    NetworkDemand,
    VirtualClusterResponse,
    VirtualMachineDiscovery,
    VirtualMachineImage,
    VirtualMachineLocation,
    VirtualMachineMetaData,
    VirtualMachineTemplate,
    WakeupSettings,
)
from .waiting import Backoff

__all__ = [
    "UNKNOWN",
    "Backoff",
    "GroupManagerDescription",
    "HypervisorSettings",
    "LocalControllerDescription",
    "MigrationSettings",
    "NetworkAddress",
    "NetworkDemand",
    "NoGroupLeaderError",
    "SnoozeClient",
    "SnoozeError",
    "SnoozeHTTPError",
    "SnoozeProtocolError",
    "SnoozeRejectedError",
    "SnoozeTimeoutError",
    "SnoozeUnreachableError",
    "VirtualClusterResponse",
    "VirtualMachineDiscovery",
    "VirtualMachineImage",
    "VirtualMachineLocation",
    "VirtualMachineMetaData",
    "VirtualMachineTemplate",
    "WakeupSettings",
]
