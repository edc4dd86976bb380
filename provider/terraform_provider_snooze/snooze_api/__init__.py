"""A client of the Snooze IaaS manager's REST API. It knows nothing of Terraform.

client      one method per Snooze call (wire.py: the HTTP forms, discovery.py: the group leader)
snapshot    one bulk listing of every VM, shared and short-lived
"""

from .client import COMMANDS, SnoozeClient
from .errors import (
    NoGroupLeaderError,
    SnoozeError,
    SnoozeHTTPError,
    SnoozeProtocolError,
    SnoozeRejectedError,
    SnoozeSlowError,
    SnoozeTimeoutError,
    SnoozeUnreachableError,
)
from .models import (
    OFFLINE,
    RUNNING,
    SHUTDOWN_PENDING,
    UNKNOWN,
    GroupManagerDescription,
    HypervisorSettings,
    LocalControllerDescription,
    MigrationSettings,
    NetworkAddress,
    NetworkDemand,
    Submission,
    VirtualClusterResponse,
    VirtualMachineImage,
    VirtualMachineLocation,
    VirtualMachineMetaData,
    VirtualMachineTemplate,
    WakeupSettings,
)
from .snapshot import Listing
from .waiting import Backoff, Pace

__all__ = [
    "COMMANDS",
    "OFFLINE",
    "RUNNING",
    "SHUTDOWN_PENDING",
    "UNKNOWN",
    "Backoff",
    "GroupManagerDescription",
    "HypervisorSettings",
    "Listing",
    "LocalControllerDescription",
    "MigrationSettings",
    "NetworkAddress",
    "NetworkDemand",
    "NoGroupLeaderError",
    "Pace",
    "SnoozeClient",
    "SnoozeError",
    "SnoozeHTTPError",
    "SnoozeProtocolError",
    "SnoozeRejectedError",
    "SnoozeSlowError",
    "SnoozeTimeoutError",
    "SnoozeUnreachableError",
    "Submission",
    "VirtualClusterResponse",
    "VirtualMachineImage",
    "VirtualMachineLocation",
    "VirtualMachineMetaData",
    "VirtualMachineTemplate",
    "WakeupSettings",
]
