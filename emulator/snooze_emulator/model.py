"""The state of an emulated Snooze cluster: its nodes, its VMs, and what the group leader knows.

Nothing here knows HTTP: the rules that change this state live beside it (lifecycle, resize,
migration, failover, submissions), and the nodes' methods (bootstrap, group_manager,
local_controller) are what each Snooze resource does with it. They refuse with the answers Snooze
gives (None, False) or raise ServerFault where Snooze's Java code throws.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .config import EmulatorConfig
from .scheduler import Scheduler

__all__ = [
    "UNKNOWN",
    "Cluster",
    "GroupManager",
    "LeaderState",
    "LocalController",
    "ServerFault",
    "UnknownName",
    "VirtualMachine",
]

UNKNOWN = "UNKNOWN"


class ServerFault(Exception):
    """Where Snooze's Java code throws: the wire answers 500."""


class UnknownName(LookupError):
    """The control API or the Python API named a VM, host or group manager the cluster does not have."""


@dataclass
class LocalController:
    id: str
    port: int
    libvirt_port: int
    hostname: str
    capacity: list[float]
    group_manager_id: str
    status: str = "ACTIVE"
    up: bool = True


@dataclass
class GroupManager:
    id: str
    port: int
    monitoring_port: int
    heartbeat_port: int
    hostname: str
    alive: bool = True
    busy_until: float = 0.0  # not IDLE until then (starting VMs, a migration)
    wedged: bool = False  # stuck in RECONFIGURATION forever (spec 6.4b)

    def busy(self, now: float | None = None) -> bool:
        return self.wedged or (time.monotonic() if now is None else now) < self.busy_until

    def keep_busy(self, seconds: float) -> None:
        self.busy_until = max(self.busy_until, time.monotonic() + seconds)


@dataclass
class VirtualMachine:
    """The group manager's record of a VM (its repository entry), with what its host knows besides."""

    name: str
    requested: list[float]  # [vcpus, memory KiB, rx, tx]: the group manager's requestedCapacity
    xml: str
    image: dict[str, Any] | None
    ip: str = UNKNOWN
    status: str = "UNKNOWN"
    error_code: str = "UNKNOWN"
    local_controller_id: str = UNKNOWN
    group_manager_id: str = UNKNOWN
    pinned: str = UNKNOWN  # hostId: a group manager or local controller id
    parsed: bool = True  # False: the template could not be unmarshalled (id UNKNOWN, XML untouched)
    # The host's own record: a resize updates it, and only it (spec 6.5).
    host_requested: list[float] = field(default_factory=list)
    # The domain's <vcpu> and <memory> at boot: libvirt grows it no further (spec 6.5).
    maximum: tuple[float, float] = (0.0, 0.0)
    ignores_acpi: bool = False  # its guest never powers off on a shutdown (spec 6.2)

    def copy(self) -> VirtualMachine:
        """Another node's copy of the record: Snooze passes VMs between nodes by value."""
        return dataclasses.replace(self, requested=list(self.requested))

    def boot(self) -> None:
        """The host started the domain from the XML it was given: that sets its maximum."""
        self.status = "RUNNING"
        self.host_requested = list(self.requested)
        self.maximum = (self.requested[0], self.requested[1])


@dataclass
class LeaderState:
    """What only the elected group leader holds; a failover starts it afresh (spec 1.3)."""

    ip_pool: list[str]
    # Group managers that joined this leader: it sees and dispatches to no other (spec 1.3). Its
    # own id when it places VMs on its old hosts as the last group manager (spec 12.22).
    joined: set[str] = field(default_factory=set)
    results: dict[str, Any] = field(default_factory=dict)  # task id -> finished submission
    queue: list[Any] = field(default_factory=list)  # submissions waiting for the worker
    working: bool = False
    wedged: bool = False  # the completion callback died: no submission ever finishes again
    dispatch_cursor: int = 0


class Cluster:
    """Bootstrap's, group leader's, group managers' and local controllers' shared truth."""

    def __init__(
        self, config: EmulatorConfig, on_error: Callable[[str, BaseException], None] | None = None
    ) -> None:
        self.config = config
        self.lock = threading.RLock()
        self.scheduler = Scheduler(self.lock, on_error or _log)
        self.group_managers: dict[str, GroupManager] = {}
        self.local_controllers: dict[str, LocalController] = {}
        self.vms: list[VirtualMachine] = []  # the group managers' repositories: VMs on hosts
        self.leader_id: str | None = None
        self.leader_state = LeaderState(self.fresh_pool())
        self.placement_cursor: dict[str, int] = {}
        self.listen = config.listen

    def fresh_pool(self) -> list[str]:
        """Snooze's pool: hosts in order of every configured subnet; it hands out the second element
        and appends freed ones, so the first address (the gateway) is never used (spec 7.4)."""
        return [
            str(ip)
            for subnet in self.config.subnet.split(",")
            for ip in ipaddress.ip_network(subnet.strip(), strict=False).hosts()
        ]

    # -- topology ------------------------------------------------------------------------------------

    def add_group_manager(self, port: int, monitoring_port: int, heartbeat_port: int) -> GroupManager:
        gm = GroupManager(str(uuid.uuid4()), port, monitoring_port, heartbeat_port, self.config.hostname)
        self.group_managers[gm.id] = gm
        if self.leader_id is None:
            self.leader_id = gm.id
        self.leader_state.joined.add(gm.id)
        return gm

    def add_local_controller(self, port: int, libvirt_port: int) -> LocalController:
        managers = self.managers()
        owner = managers[len(self.local_controllers) % len(managers)] if managers else self.leader
        capacity = [
            float(self.config.vcpus),
            float(self.config.memory),
            float(self.config.network),
            float(self.config.network),
        ]
        lc = LocalController(str(uuid.uuid4()), port, libvirt_port, self.config.hostname, capacity, owner.id)
        self.local_controllers[lc.id] = lc
        return lc

    @property
    def leader(self) -> GroupManager:
        assert self.leader_id is not None
        return self.group_managers[self.leader_id]

    def managers(self) -> list[GroupManager]:
        """Group managers in their GM role: alive and not the leader."""
        return [gm for gm in self.group_managers.values() if gm.alive and gm.id != self.leader_id]

    def controllers_of(self, gm_id: str) -> list[LocalController]:
        return [lc for lc in self.local_controllers.values() if lc.group_manager_id == gm_id and lc.up]

    def vms_of(self, gm_id: str) -> list[VirtualMachine]:
        return [vm for vm in self.vms if vm.group_manager_id == gm_id]

    def vms_on(self, lc_id: str) -> list[VirtualMachine]:
        return [vm for vm in self.vms if vm.local_controller_id == lc_id]

    def find_vm(self, gm_id: str, lc_id: str, name: str) -> VirtualMachine | None:
        """A group manager's repository lookup: by host and name (spec 6.2)."""
        return next(
            (vm for vm in self.vms_of(gm_id) if vm.local_controller_id == lc_id and vm.name == name), None
        )

    def named(self, name: str) -> list[VirtualMachine]:
        """Every running VM of that name (names are not unique); UnknownName when there is none."""
        found = [vm for vm in self.vms if vm.name == name]
        if not found:
            raise UnknownName(f"no virtual machine {name}")
        return found

    def host(self, lc_id: str) -> LocalController:
        lc = self.local_controllers.get(lc_id)
        if lc is None:
            raise UnknownName(f"no local controller {lc_id}")
        return lc

    def manages(self, gm_id: str) -> bool:
        """Whether this node answers group manager calls. A leader that used to be a group
        manager keeps its old GM logic while it still has local controllers (spec 12.22)."""
        gm = self.group_managers.get(gm_id)
        if gm is None or not gm.alive:
            return False
        return gm_id != self.leader_id or bool(self.controllers_of(gm_id))

    def leads(self, gm_id: str) -> bool:
        return self.leader_id == gm_id

    # -- what the leader knows: group managers that joined it, their hosts and VMs (spec 1.3) -------

    def knows(self, gm_id: str) -> bool:
        """Whether the leader sees this group manager's hosts and VMs and dispatches to it."""
        return gm_id in self.leader_state.joined and self.manages(gm_id)

    def known_managers(self) -> list[GroupManager]:
        """Where the leader dispatches, and whose hosts and VMs its listings and discovery show."""
        return [gm for gm in self.group_managers.values() if self.knows(gm.id)]

    def joined_managers(self) -> list[GroupManager]:
        """The group managers the leader lists as such (itself never)."""
        return [gm for gm in self.known_managers() if gm.id != self.leader_id]

    def known_hosts(self, gm_id: str | None = None) -> list[LocalController]:
        """The hosts of one known group manager, or of all."""
        owners = [gm_id] if gm_id is not None else [gm.id for gm in self.known_managers()]
        return [lc for owner in owners if self.knows(owner) for lc in self.controllers_of(owner)]

    def known_vms(self) -> list[VirtualMachine]:
        return [vm for vm in self.vms if self.knows(vm.group_manager_id)]

    def rejoining(self) -> list[GroupManager]:
        """Group managers that have not joined the leader yet."""
        return [gm for gm in self.managers() if gm.id not in self.leader_state.joined]

    def discover(self, name: str) -> VirtualMachine | None:
        """The leader asks the group managers it knows, in turn (spec 6.3)."""
        return next(
            (vm for gm in self.known_managers() for vm in self.vms_of(gm.id) if vm.name == name), None
        )

    # -- capacity ------------------------------------------------------------------------------------

    def used(self, lc_id: str) -> list[float]:
        """What the group manager accounts on a host: its records' requestedCapacity (spec 6.5)."""
        total = [0.0, 0.0, 0.0, 0.0]
        for vm in self.vms_on(lc_id):
            total = [a + b for a, b in zip(total, vm.requested, strict=True)]
        return total

    def fits(self, lc: LocalController, requested: list[float], extra: list[float] | None = None) -> bool:
        used = self.used(lc.id)
        if extra:
            used = [a + b for a, b in zip(used, extra, strict=True)]
        return lc.up and all(u + r <= t for u, r, t in zip(used, requested, lc.capacity, strict=True))

    # -- VMs leaving, and the group leader's IP pool (spec 7.4) --------------------------------------

    def remove_vm(self, vm: VirtualMachine) -> None:
        if vm in self.vms:
            self.vms.remove(vm)
            self.release_ip(vm.ip)

    def take_ip(self) -> str | None:
        pool = self.leader_state.ip_pool
        if len(pool) <= 1:
            return None
        return pool.pop(1)

    def release_ip(self, ip: str) -> None:
        """Freed addresses reach the leader with the next group manager summary."""
        if ip == UNKNOWN:
            return
        state = self.leader_state

        def give_back() -> None:
            if self.leader_state is state and ip not in state.ip_pool:
                state.ip_pool.append(ip)

        self.scheduler.after(self.config.timing.summary_delay, give_back)

    def iter_vms(self) -> Iterator[VirtualMachine]:
        return iter(list(self.vms))


def _log(where: str, error: BaseException) -> None:
    logging.getLogger("snooze_emulator").error("internal error in %s", where, exc_info=error)
