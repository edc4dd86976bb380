"""The state of an emulated Snooze cluster and the rules Snooze applies to it.

Nothing here knows HTTP: operations take and return plain values, and refuse with the answers
Snooze gives (None, False) or with domain errors the wire turns into status codes.
"""

from __future__ import annotations

import dataclasses
import heapq
import ipaddress
import itertools
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .config import EmulatorConfig

__all__ = [
    "UNKNOWN",
    "Cluster",
    "GroupManager",
    "LeaderState",
    "LocalController",
    "ServerFault",
    "VirtualMachine",
]

UNKNOWN = "UNKNOWN"


class ServerFault(Exception):
    """Where Snooze's Java code throws: the wire answers 500."""


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
    name: str
    requested: list[float]
    xml: str
    image: dict[str, Any] | None
    ip: str = UNKNOWN
    status: str = "UNKNOWN"
    error_code: str = "UNKNOWN"
    local_controller_id: str = UNKNOWN
    group_manager_id: str = UNKNOWN
    pinned: str = UNKNOWN  # hostId: a group manager or local controller id
    parsed: bool = True  # False: the template could not be unmarshalled (id UNKNOWN, XML untouched)

    def copy(self) -> VirtualMachine:
        """Another node's copy of the record: Snooze passes VMs between nodes by value."""
        return dataclasses.replace(self)


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


@dataclass(order=True)
class _Timer:
    when: float
    order: int
    action: Callable[[], None] = field(compare=False)


class Scheduler:
    """Runs delayed actions on one thread, under the cluster lock."""

    def __init__(self, lock: threading.RLock) -> None:
        self._lock = lock
        self._timers: list[_Timer] = []
        self._counter = itertools.count()
        self._wake = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="snooze-scheduler", daemon=True)
        self._thread.start()

    def after(self, delay: float, action: Callable[[], None]) -> None:
        with self._wake:
            heapq.heappush(
                self._timers, _Timer(time.monotonic() + max(0.0, delay), next(self._counter), action)
            )
            self._wake.notify()

    def stop(self) -> None:
        with self._wake:
            self._stopped = True
            self._wake.notify()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._stopped and (not self._timers or self._timers[0].when > time.monotonic()):
                    timeout = self._timers[0].when - time.monotonic() if self._timers else None
                    self._wake.wait(timeout)
                if self._stopped:
                    return
                timer = heapq.heappop(self._timers)
            with self._lock:
                timer.action()


class Cluster:
    """Bootstrap's, group leader's, group managers' and local controllers' shared truth."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.lock = threading.RLock()
        self.scheduler = Scheduler(self.lock)
        self.group_managers: dict[str, GroupManager] = {}
        self.local_controllers: dict[str, LocalController] = {}
        self.vms: list[VirtualMachine] = []  # the group managers' repositories: VMs on hosts
        self.leader_id: str | None = None
        self.leader_state = LeaderState(self._fresh_pool())
        self.placement_cursor: dict[str, int] = {}
        self.listen = config.listen

    def _fresh_pool(self) -> list[str]:
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

    def find_vm(self, gm_id: str, lc_id: str, name: str) -> VirtualMachine | None:
        return next(
            (
                vm
                for vm in self.vms
                if vm.group_manager_id == gm_id and vm.local_controller_id == lc_id and vm.name == name
            ),
            None,
        )

    def manages(self, gm_id: str) -> bool:
        """Whether this node answers group manager calls. A leader that used to be a group
        manager keeps its old GM logic while it still has local controllers (spec 12.22)."""
        gm = self.group_managers.get(gm_id)
        if gm is None or not gm.alive:
            return False
        return gm_id != self.leader_id or bool(self.controllers_of(gm_id))

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

    # -- capacity ------------------------------------------------------------------------------------

    def used(self, lc_id: str) -> list[float]:
        total = [0.0, 0.0, 0.0, 0.0]
        for vm in self.vms:
            if vm.local_controller_id == lc_id:
                total = [a + b for a, b in zip(total, vm.requested, strict=True)]
        return total

    def fits(self, lc: LocalController, requested: list[float], extra: list[float] | None = None) -> bool:
        used = self.used(lc.id)
        if extra:
            used = [a + b for a, b in zip(used, extra, strict=True)]
        return lc.up and all(u + r <= t for u, r, t in zip(used, requested, lc.capacity, strict=True))

    # -- lifecycle (spec 6.2) ------------------------------------------------------------------------

    def control(self, gm_id: str, command: str, lc_id: str, name: str) -> bool:
        gm = self.group_managers[gm_id]
        if gm.busy():
            return False
        vm = self.find_vm(gm_id, lc_id, name)
        if vm is None:
            return False
        allowed = {
            "suspend": ("RUNNING",),
            "resume": ("PAUSED",),
            "shutdown": ("RUNNING", "SHUTDOWN_PENDING"),
            "reboot": ("RUNNING",),
            "destroy": None,
        }[command]
        if allowed is not None and vm.status not in allowed:
            return False
        if command == "suspend":
            vm.status = "PAUSED"
        elif command in ("resume", "reboot"):
            vm.status = "RUNNING"
        else:
            vm.status = "SHUTDOWN_PENDING"
            self.scheduler.after(self.config.timing.removal_delay, lambda: self.remove_vm(vm))
        return True

    def remove_vm(self, vm: VirtualMachine) -> None:
        if vm in self.vms:
            self.vms.remove(vm)
            self.release_ip(vm.ip)

    # -- the group leader's IP pool (spec 7.4) -------------------------------------------------------

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

    # -- discovery and migration (spec 6.3, 6.4) -----------------------------------------------------

    def discover(self, name: str) -> VirtualMachine | None:
        """The leader asks the group managers it knows, in turn (spec 6.3)."""
        for gm in self.known_managers():
            for vm in self.vms_of(gm.id):
                if vm.name == name:
                    return vm
        return None

    def order_migration(self, name: str, source_lc_id: str, destination_lc_id: str) -> bool:
        """The leader's part: it forwards the order to the source host's group manager once it
        knows both hosts, and answers true whatever that one says (spec 6.4a, quirk)."""
        known = {lc.id: lc for lc in self.known_hosts()}
        source = known.get(source_lc_id)
        if source is None or destination_lc_id not in known:
            return False
        started = self.migrate(source.group_manager_id, name, source_lc_id, destination_lc_id)
        return True if self.config.quirks.migration_always_true else started

    def migrate(self, source_gm_id: str, name: str, source_lc_id: str, destination_lc_id: str) -> bool:
        """The group manager's part: True when it starts the migration."""
        gm = self.group_managers[source_gm_id]
        if gm.busy():
            return False
        vm = self.find_vm(source_gm_id, source_lc_id, name)
        destination = self.local_controllers.get(destination_lc_id)
        if vm is None or destination is None:
            return False
        delay = self.config.timing.migration_delay
        gm.keep_busy(delay)  # RECONFIGURATION until the migration ends (spec 7.2)

        def complete() -> None:
            # Capacity is checked when libvirt migrates; a failure leaves the VM where it was.
            if vm in self.vms and destination.up and self.fits(destination, vm.requested):
                vm.local_controller_id = destination.id
                vm.group_manager_id = destination.group_manager_id
                vm.status = "RUNNING" if vm.status != "PAUSED" else vm.status

        self.scheduler.after(delay, complete)
        return True

    # -- failures ------------------------------------------------------------------------------------

    def fail_over(self) -> GroupManager:
        """The leader dies; the next group manager is elected. Results, queue and IP pool die with
        the old leader: the new one starts a fresh pool and knows no group manager until they join
        it, `rejoin_delay` later (their heartbeat timeout, spec 1.3)."""
        old = self.leader
        old.alive = False
        successors = [gm for gm in self.group_managers.values() if gm.alive]
        if not successors:
            raise RuntimeError("no group manager is left to become group leader")
        new = successors[0]
        self.leader_id = new.id
        state = self.leader_state = LeaderState(self._fresh_pool())
        if not self.managers():
            # The last group manager keeps its old hosts and places VMs on them (spec 12.22).
            self._rehome_hosts([new])
            self._join(state, new)
        elif self.config.timing.rejoin_delay <= 0:
            self._rejoin(state)
        else:
            self.scheduler.after(self.config.timing.rejoin_delay, lambda: self._rejoin(state))
        return new

    def _rejoin(self, state: LeaderState) -> None:
        """The heartbeat timeout ran out: hosts left without a group manager (the new leader's and
        the dead one's) join the remaining group managers, which then join the leader."""
        if self.leader_state is not state:
            return  # another failover came first
        remaining = self.managers()
        self._rehome_hosts(remaining)
        for gm in remaining:
            if gm.id not in state.joined:
                self._join(state, gm)

    def rejoin_now(self) -> None:
        """Ends the rejoin window early: the group managers join the leader now."""
        self._rejoin(self.leader_state)

    def _rehome_hosts(self, managers: list[GroupManager]) -> None:
        """Hosts of no group manager among these are assigned to them in turn; VMs follow."""
        if not managers:
            return
        owners = {gm.id for gm in managers}
        orphans = [lc for lc in self.local_controllers.values() if lc.group_manager_id not in owners]
        for index, lc in enumerate(orphans):
            lc.group_manager_id = managers[index % len(managers)].id
        for vm in self.vms:
            vm.group_manager_id = self.local_controllers[vm.local_controller_id].group_manager_id

    def _join(self, state: LeaderState, gm: GroupManager) -> None:
        """The group manager reports its hosts and VMs: the leader takes their IPs out of its pool."""
        in_use = {vm.ip for vm in self.vms_of(gm.id)}
        state.ip_pool[:] = [ip for ip in state.ip_pool if ip not in in_use]
        state.joined.add(gm.id)

    def take_down(self, lc_id: str) -> None:
        """A host fails: its VMs die with it and its IPs return to the pool."""
        lc = self.local_controllers[lc_id]
        lc.up = False
        for vm in [vm for vm in self.vms if vm.local_controller_id == lc_id]:
            self.remove_vm(vm)

    def iter_vms(self) -> Iterator[VirtualMachine]:
        return iter(list(self.vms))
