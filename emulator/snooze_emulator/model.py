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
        for gm in self.group_managers.values():
            if self.manages(gm.id):
                for vm in self.vms_of(gm.id):
                    if vm.name == name:
                        return vm
        return None

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
        """The leader dies; the next group manager is elected, its results and queue start empty."""
        old = self.leader
        old.alive = False
        successors = [gm for gm in self.group_managers.values() if gm.alive]
        if not successors:
            raise RuntimeError("no group manager is left to become group leader")
        new = successors[0]
        self.leader_id = new.id
        # Results, queue and pool die with the old leader. The new one starts a fresh pool and
        # takes out the addresses of the VMs its group managers report (spec 1.3).
        in_use = {vm.ip for vm in self.vms}
        self.leader_state = LeaderState([ip for ip in self._fresh_pool() if ip not in in_use])
        # Its local controllers rejoin the remaining group managers; VMs follow their hosts.
        remaining = self.managers()
        for index, lc in enumerate(self.controllers_of(new.id)):
            if remaining:
                lc.group_manager_id = remaining[index % len(remaining)].id
        for vm in self.vms:
            vm.group_manager_id = self.local_controllers[vm.local_controller_id].group_manager_id
        return new

    def take_down(self, lc_id: str) -> None:
        """A host fails: its VMs die with it and its IPs return to the pool."""
        lc = self.local_controllers[lc_id]
        lc.up = False
        for vm in [vm for vm in self.vms if vm.local_controller_id == lc_id]:
            self.remove_vm(vm)

    def iter_vms(self) -> Iterator[VirtualMachine]:
        return iter(list(self.vms))
