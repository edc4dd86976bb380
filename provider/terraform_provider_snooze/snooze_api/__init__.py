"""A client of the Snooze IaaS manager's REST API. It knows nothing of Terraform.

client      one method per Snooze call (wire.py: the HTTP forms, discovery.py: the group leader)
snapshot    one bulk listing of every VM, shared and short-lived
identity    which VM is which: fingerprints, records, resolution
tracking    finding recorded VMs again, never taking doubt for absence
launching   claiming names, submitting once, reconciling whatever happens
removal     destroying exactly our instances, gracefully if asked
migration   live migration that fails fast
inplace     resize, suspend and resume of one of our VMs
sizing      boot-time maxima, sizes and where Snooze records them

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
from .inplace import PAUSED, InPlace
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
from .sizing import Size, boot_maximum, recorded_size, sizes_on_hosts
from .snapshot import Listing
from .tracking import REJOIN_GRACE, Tracker
from .waiting import Backoff, Pace

if TYPE_CHECKING:
    from .client import COMMANDS, SnoozeClient

__all__ = [
    "COMMANDS",
    "OFFLINE",
    "PAUSED",
    "REJOIN_GRACE",
    "RUNNING",
    "SHUTDOWN_PENDING",
    "UNKNOWN",
    "Backoff",
    "Fate",
    "Fingerprint",
    "GroupManagerDescription",
    "HypervisorSettings",
    "InPlace",
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
    "Size",
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
    "boot_maximum",
    "recorded_size",
    "sizes_on_hosts",
]


def __getattr__(name: str) -> Any:
    if name in ("COMMANDS", "SnoozeClient"):
        from . import client

        return getattr(client, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
