"""The state of an emulated Snooze cluster and the rules Snooze applies to it.

Nothing here knows HTTP: operations take and return plain values, and refuse with the answers
Snooze gives (None, False) or with domain errors the wire turns into status codes.
"""

from __future__ import annotations

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
from .templates import TemplateFacts, parse_template, rewrite_interfaces

__all__ = [
    "Cluster",
    "GroupManager",
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
    heartbeat_port: int
    hostname: str
    alive: bool = True
    busy_until: float = 0.0  # not IDLE until then (a migration, a placement)
    wedged: bool = False  # stuck in RECONFIGURATION forever (spec 6.4b)

    def busy(self, now: float) -> bool:
        return self.wedged or now < self.busy_until


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


@dataclass
class _Submission:
    task_id: str
    vms: list[VirtualMachine]
    epoch: int  # the leadership it was submitted under; a failover makes it moot
    wedges: bool = False


@dataclass(order=True)
class _Timer:
    when: float
    order: int
    action: Callable[[], None] = field(compare=False)


class _Scheduler:
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
        self.scheduler = _Scheduler(self.lock)
        self.group_managers: dict[str, GroupManager] = {}
        self.local_controllers: dict[str, LocalController] = {}
        self.vms: list[VirtualMachine] = []
        self.leader_id: str | None = None
        self.results: dict[str, dict[str, Any]] = {}
        self._queue: list[_Submission] = []
        self._working = False
        self._wedged = False
        self._epoch = 0
        self._dispatch_cursor = 0
        self._placement_cursor: dict[str, int] = {}
        network = ipaddress.ip_network(config.subnet, strict=False)
        # Snooze's pool: hosts in order; it hands out the second element and appends freed ones,
        # so the first address (the gateway) is never used and the first VM gets .2 (spec 7.4).
        self.ip_pool: list[str] = [str(ip) for ip in network.hosts()]
        self.listen = config.listen

    # -- topology ------------------------------------------------------------------------------------

    def add_group_manager(self, port: int, heartbeat_port: int) -> GroupManager:
        gm = GroupManager(str(uuid.uuid4()), port, heartbeat_port, self.config.hostname)
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

    # -- submissions (spec 6.1) ----------------------------------------------------------------------

    def start_virtual_cluster(self, templates: list[dict[str, Any]] | None) -> str | None:
        """The group leader's synchronous part: build, allocate IPs, queue. None = rejected."""
        if templates is None:
            return None
        if self.config.quirks.null_host_id_rejects_submission and any(
            "hostId" in t and t["hostId"] is None for t in templates
        ):
            return None
        vms: list[VirtualMachine] = []
        wedges = False
        for template in templates:
            vm = self._build(template)
            if vm is None:
                continue  # silently omitted from the response, as Snooze does
            if vm.name == UNKNOWN and self.config.quirks.unparsable_template_wedges_queue:
                wedges = True
            vms.append(vm)
        for vm in vms:
            if vm.name == UNKNOWN:
                continue  # its XML has no interface to rewrite: it keeps no IP
            ip = self._take_ip()
            if ip is None:
                vm.status, vm.error_code = "ERROR", "NOT_ENOUGH_IP_ADDRESSES"
                continue
            vm.ip = ip
            vm.xml = rewrite_interfaces(vm.xml, mac_for(ip))
        submission = _Submission(str(uuid.uuid4()), vms, self._epoch, wedges)
        self._queue.append(submission)
        self._next_submission()
        return submission.task_id

    def _build(self, template: dict[str, Any]) -> VirtualMachine | None:
        demand = template.get("networkCapacityDemand") or {}
        rx, tx = float(demand.get("rxBytes", 0)), float(demand.get("txBytes", 0))
        xml = template.get("libVirtTemplate") or template.get("libVirtDescription")
        if xml and xml.strip():
            facts = parse_template(xml)
            if facts is None:  # Snooze logs and keeps the defaults (spec 6.1.2)
                facts = TemplateFacts(UNKNOWN, 1, 131072, None)
            image = _image_record(facts.disk) if facts.disk else None
            vm = VirtualMachine(facts.name, [float(facts.vcpus), float(facts.memory), rx, tx], xml, image)
        else:
            image_id = template.get("imageId")
            known = self.config.accept_any_image or image_id in self.config.images
            if not known and self.config.quirks.unknown_image_drops_vm:
                return None
            name = template.get("name")
            vcpus, memory = int(template.get("vcpus", 1)), int(template.get("memory", 131072))
            xml = (
                f'<domain type="kvm"><name>{name}</name><memory>{memory}</memory>'
                f'<vcpu>{vcpus}</vcpu><devices><interface type="bridge"/></devices></domain>'
            )
            vm = VirtualMachine(
                str(name), [float(vcpus), float(memory), rx, tx], xml, _image_record(str(image_id))
            )
        vm.pinned = str(template.get("hostId") or UNKNOWN)
        return vm

    def _take_ip(self) -> str | None:
        if len(self.ip_pool) <= 1:
            return None
        return self.ip_pool.pop(1)

    def release_ip(self, ip: str) -> None:
        if ip != UNKNOWN:
            self.scheduler.after(self.config.timing.summary_delay, lambda: self.ip_pool.append(ip))

    def _next_submission(self) -> None:
        """One worker at a time, FIFO; a wedged queue never moves again (spec 6.1.3 step 10)."""
        if self._working or self._wedged or not self._queue:
            return
        self._working = True
        submission = self._queue.pop(0)
        self.scheduler.after(self.config.timing.collection_delay, lambda: self._finish(submission))

    def _finish(self, submission: _Submission) -> None:
        if submission.epoch != self._epoch:
            return  # submitted to a leader that has died since
        self._working = False
        if submission.wedges:
            self._wedged = True
            return
        error = self._dispatch(submission.vms)
        for vm in submission.vms:
            if vm.status != "RUNNING" and vm.error_code != "NOT_ENOUGH_IP_ADDRESSES":
                self.release_ip(vm.ip)
                vm.ip = UNKNOWN
        self.results[submission.task_id] = {"errorCode": error, "vms": submission.vms}
        self._next_submission()

    def _dispatch(self, vms: list[VirtualMachine]) -> str | None:
        managers = self.managers() or ([self.leader] if self.controllers_of(self.leader.id) else [])
        if not managers:
            return "GROUP_MANAGERS_MISSING"
        for vm in vms:
            if vm.status == "ERROR" or vm.name == UNKNOWN:
                continue
            candidates = self._candidates(vm, managers)
            if candidates is None:
                vm.status, vm.error_code = "ERROR", "INVALID_HOST_ID"
                continue
            placed = False
            for gm, lcs in candidates:
                if gm.busy(time.monotonic()):
                    vm.status, vm.error_code = "ERROR", "UNABLE_TO_START_ON_GROUP_MANAGER"
                    continue
                lc = self._place(gm, lcs, vm)
                if lc is not None:
                    self._run_on(vm, gm, lc)
                    placed = True
                    break
            if not placed and vm.status != "ERROR":
                fits_gm = any(self._gm_has_room(gm, vm) for gm, _ in candidates)
                vm.status = "ERROR"
                vm.error_code = (
                    "NOT_ENOUGH_LOCAL_CONTROLLER_CAPACITY" if fits_gm else "NOT_ENOUGH_GROUP_MANAGER_CAPACITY"
                )
        return None

    def _candidates(
        self, vm: VirtualMachine, managers: list[GroupManager]
    ) -> list[tuple[GroupManager, list[LocalController]]] | None:
        if vm.pinned not in ("", UNKNOWN):
            if vm.pinned in self.group_managers and self.group_managers[vm.pinned] in managers:
                return [(self.group_managers[vm.pinned], self.controllers_of(vm.pinned))]
            lc = self.local_controllers.get(vm.pinned)
            if lc is None or not lc.up:
                return None
            return [(self.group_managers[lc.group_manager_id], [lc])]
        if self.config.dispatching.lower() == "firstfit":
            ordered = sorted(
                managers, key=lambda gm: -sum(sum(lc.capacity) for lc in self.controllers_of(gm.id))
            )
        else:
            start = self._dispatch_cursor % len(managers)
            self._dispatch_cursor += 1
            ordered = managers[start:] + managers[:start]
        return [(gm, self.controllers_of(gm.id)) for gm in ordered if self._gm_has_room(gm, vm)]

    def _gm_has_room(self, gm: GroupManager, vm: VirtualMachine) -> bool:
        lcs = self.controllers_of(gm.id)
        total = [sum(lc.capacity[i] for lc in lcs) for i in range(4)]
        used = [sum(self.used(lc.id)[i] for lc in lcs) for i in range(4)]
        return all(u + r <= t for u, r, t in zip(used, vm.requested, total, strict=True))

    def _place(
        self, gm: GroupManager, lcs: list[LocalController], vm: VirtualMachine
    ) -> LocalController | None:
        ordered = sorted(lcs, key=lambda lc: -sum(self.used(lc.id)))
        if self.config.placement.lower() == "roundrobin" and ordered:
            cursor = self._placement_cursor.get(gm.id, 0) % len(ordered)
            self._placement_cursor[gm.id] = cursor + 1
            ordered = ordered[cursor:] + ordered[:cursor]
        for lc in ordered:
            if self.fits(lc, vm.requested):
                if any(v.name == vm.name and v.local_controller_id == lc.id for v in self.vms):
                    vm.status, vm.error_code = "ERROR", "FAILED_TO_START_ON_HYPERVISOR"
                    return None
                return lc
        return None

    def _run_on(self, vm: VirtualMachine, gm: GroupManager, lc: LocalController) -> None:
        vm.status = "RUNNING"
        if vm.pinned not in ("", UNKNOWN) and self.config.quirks.stale_error_code_when_pinned:
            vm.error_code = "NOT_ENOUGH_GROUP_MANAGER_CAPACITY"  # the Static dispatcher's bug
        vm.local_controller_id, vm.group_manager_id = lc.id, gm.id
        self.vms.append(vm)

    def take_result(self, task_id: str) -> dict[str, Any] | None:
        if self.config.quirks.one_shot_results:
            return self.results.pop(task_id, None)
        return self.results.get(task_id)

    # -- lifecycle (spec 6.2) ------------------------------------------------------------------------

    def control(self, gm_id: str, command: str, lc_id: str, name: str) -> bool:
        gm = self.group_managers[gm_id]
        if gm.busy(time.monotonic()):
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
        now = time.monotonic()
        if gm.busy(now):
            return False
        vm = self.find_vm(source_gm_id, source_lc_id, name)
        destination = self.local_controllers.get(destination_lc_id)
        if vm is None or destination is None:
            return False
        delay = self.config.timing.migration_delay
        gm.busy_until = now + delay

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
        self.results.clear()
        self._queue.clear()
        self._working = False
        self._wedged = False
        self._epoch += 1  # submissions in flight belonged to the dead leader
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


def mac_for(ip: str) -> str:
    """54:56 then each octet in lower-case hex without zero padding (spec 7.4)."""
    return "54:56:" + ":".join(format(int(octet), "x") for octet in ip.split("."))


def _image_record(path: str) -> dict[str, Any]:
    name = path.rsplit("/", 1)[-1]
    return {
        "name": name,
        "path": path,
        "format": "qcow2",
        "capacity": 0,
        "allocation": 0,
        "backingStore": None,
    }
