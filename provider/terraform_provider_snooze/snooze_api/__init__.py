"""A client of the Snooze IaaS manager's REST API. It knows nothing of Terraform.

client      one method per Snooze call (wire.py: the HTTP forms, discovery.py: the group leader)
snapshot    one bulk listing of every VM, shared and short-lived
identity    which VM is which: fingerprints, records, resolution
tracking    finding recorded VMs again, never taking doubt for absence
launching   claiming names, submitting once, reconciling whatever happens
removal     destroying exactly our instances
migration   live migration that fails fast

The client, and httpx with it, loads when first asked for: schemas and validation need neither.
"""

from typing import TYPE_CHECKING, Any

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
from .identity import Fingerprint, Presence, Resolution, VmRecord
from .launching import Fate, Launcher, Outcome
from .migration import Migration, SnoozeMigrationError
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
from .removal import Removal
from .snapshot import Listing
from .tracking import REJOIN_GRACE, Tracker
from .waiting import Backoff, Pace

if TYPE_CHECKING:
    from .client import COMMANDS, SnoozeClient

__all__ = [
    "COMMANDS",
    "OFFLINE",
    "REJOIN_GRACE",
    "RUNNING",
    "SHUTDOWN_PENDING",
    "UNKNOWN",
    "Backoff",
    "Fate",
    "Fingerprint",
    "GroupManagerDescription",
    "HypervisorSettings",
    "Launcher",
    "Listing",
    "LocalControllerDescription",
    "Migration",
    "MigrationSettings",
    "NetworkAddress",
    "NetworkDemand",
    "NoGroupLeaderError",
    "Outcome",
    "Pace",
    "Presence",
    "Removal",
    "Resolution",
    "SnoozeClient",
    "SnoozeError",
    "SnoozeHTTPError",
    "SnoozeMigrationError",
    "SnoozeProtocolError",
    "SnoozeRejectedError",
    "SnoozeSlowError",
    "SnoozeTimeoutError",
    "SnoozeUnreachableError",
    "Submission",
    "Tracker",
    "VirtualClusterResponse",
    "VirtualMachineImage",
    "VirtualMachineLocation",
    "VirtualMachineMetaData",
    "VirtualMachineTemplate",
    "VmRecord",
    "WakeupSettings",
]


def __getattr__(name: str) -> Any:
    if name in ("COMMANDS", "SnoozeClient"):
        from . import client

        return getattr(client, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
