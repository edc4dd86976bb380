"""Where VMs go (spec 6.1.3 steps 3-4 and 8, 7.1): the group leader's dispatching to group
managers, then each group manager's placement on its hosts.

Dispatching tests each VM against the leader's view of every group manager's capacity (a copy, to
which each VM dispatched in this submission is added); a VM pinned with hostId uses the Static
dispatcher. A failed test marks the VM ERROR / NOT_ENOUGH_GROUP_MANAGER_CAPACITY even when another
group manager takes it later (the status is overwritten, the error code is not).
"""

from __future__ import annotations

from .model import UNKNOWN, Cluster, GroupManager, LeaderState, LocalController, VirtualMachine

__all__ = ["dispatch", "place"]

ERROR = "ERROR"


def _sum(vectors: list[list[float]]) -> list[float]:
    total = [0.0, 0.0, 0.0, 0.0]
    for vector in vectors:
        total = [a + b for a, b in zip(total, vector, strict=True)]
    return total


def _refuse(vm: VirtualMachine) -> None:
    vm.status, vm.error_code = ERROR, "NOT_ENOUGH_GROUP_MANAGER_CAPACITY"


class _Dispatch:
    """The leader's plan for one submission: group manager id -> its VMs."""

    def __init__(self, cluster: Cluster, managers: list[GroupManager]) -> None:
        self.cluster = cluster
        self.managers = managers
        hosts = {gm.id: cluster.controllers_of(gm.id) for gm in managers}
        self.capacity = {gm.id: _sum([lc.capacity for lc in hosts[gm.id]]) for gm in managers}
        self.usage = {gm.id: _sum([cluster.used(lc.id) for lc in hosts[gm.id]]) for gm in managers}
        self.plan: dict[str, list[VirtualMachine]] = {}

    def fits(self, gm: GroupManager, vm: VirtualMachine) -> bool:
        needed = zip(self.usage[gm.id], vm.requested, self.capacity[gm.id], strict=True)
        return all(used + more <= total for used, more, total in needed)

    def assign(self, gm: GroupManager, vm: VirtualMachine) -> None:
        self.plan.setdefault(gm.id, []).append(vm)
        self.usage[gm.id] = [a + b for a, b in zip(self.usage[gm.id], vm.requested, strict=True)]

    def pinned(self, vm: VirtualMachine) -> None:
        """The Static dispatcher marks the VM unconditionally (a quirk), then dispatches it if it fits."""
        owner = self._owner(vm.pinned)
        if owner is None:
            vm.status, vm.error_code = ERROR, "INVALID_HOST_ID"
            return
        if self.cluster.config.quirks.stale_error_code_when_pinned or not self.fits(owner, vm):
            _refuse(vm)
        if self.fits(owner, vm):
            self.assign(owner, vm)

    def _owner(self, host_id: str) -> GroupManager | None:
        """The group manager a hostId names, or the one owning the local controller it names."""
        gm = self.cluster.group_managers.get(host_id)
        if gm is None:
            lc = self.cluster.local_controllers.get(host_id)
            gm = self.cluster.group_managers[lc.group_manager_id] if lc is not None and lc.up else None
        return gm if gm in self.managers else None

    def first_fit(self, free: list[VirtualMachine]) -> None:
        """Group managers by decreasing capacity; each VM goes to the first that fits."""
        ordered = sorted(self.managers, key=lambda gm: -sum(self.capacity[gm.id]))
        for vm in free:
            for gm in ordered:
                if self.fits(gm, vm):
                    self.assign(gm, vm)
                    break
                _refuse(vm)

    def round_robin(self, free: list[VirtualMachine], start: int) -> None:
        """From a cursor advancing by one per submission, each visited group manager gets the first
        remaining VM that fits, until a whole turn places nothing."""
        ordered = self.managers[start:] + self.managers[:start]
        remaining = list(free)
        while remaining and any([self._give_one(gm, remaining) for gm in ordered]):
            pass
        for vm in remaining:
            _refuse(vm)

    def _give_one(self, gm: GroupManager, remaining: list[VirtualMachine]) -> bool:
        for vm in remaining:
            if self.fits(gm, vm):
                self.assign(gm, vm)
                remaining.remove(vm)
                return True
            _refuse(vm)
        return False


def dispatch(
    cluster: Cluster, vms: list[VirtualMachine], managers: list[GroupManager], leader: LeaderState
) -> dict[str, list[VirtualMachine]]:
    """The leader's plan: group manager id -> its VMs; VMs in ERROR already are set aside."""
    plan = _Dispatch(cluster, managers)
    candidates = [vm for vm in vms if vm.status != ERROR]  # no IP: set aside, still in the response
    for vm in candidates:
        if vm.pinned not in ("", UNKNOWN):
            plan.pinned(vm)
    free = [vm for vm in candidates if vm.pinned in ("", UNKNOWN)]
    if cluster.config.dispatching.lower() == "firstfit":
        plan.first_fit(free)
    else:
        plan.round_robin(free, leader.dispatch_cursor % len(managers))
        leader.dispatch_cursor += 1
    return plan.plan


def place(cluster: Cluster, gm: GroupManager, batch: list[VirtualMachine]) -> dict[str, list[VirtualMachine]]:
    """A group manager's hosts for its batch: local controller id -> its VMs. Hosts by decreasing
    load (ACTIVE first on ties); RoundRobin keeps a cursor over that order, FirstFit takes the first
    that fits; a VM pinned to a host goes there or nowhere."""
    hosts = cluster.controllers_of(gm.id)
    extra: dict[str, list[float]] = {lc.id: [0.0] * 4 for lc in hosts}
    placed: dict[str, list[VirtualMachine]] = {}
    for vm in batch:
        chosen = next(
            (
                lc
                for lc in _candidates(cluster, gm, hosts, extra, vm)
                if cluster.fits(lc, vm.requested, extra[lc.id])
            ),
            None,
        )
        if chosen is None:
            vm.status, vm.error_code = ERROR, "NOT_ENOUGH_LOCAL_CONTROLLER_CAPACITY"
            continue
        extra[chosen.id] = [a + b for a, b in zip(extra[chosen.id], vm.requested, strict=True)]
        vm.local_controller_id = chosen.id
        placed.setdefault(chosen.id, []).append(vm)
    return placed


def _candidates(
    cluster: Cluster,
    gm: GroupManager,
    hosts: list[LocalController],
    extra: dict[str, list[float]],
    vm: VirtualMachine,
) -> list[LocalController]:
    pinned = cluster.local_controllers.get(vm.pinned)
    if pinned is not None:
        return [pinned] if pinned in hosts else []

    def load(lc: LocalController) -> tuple[float, bool]:
        return -sum(
            a + b for a, b in zip(cluster.used(lc.id), extra[lc.id], strict=True)
        ), lc.status != "ACTIVE"

    candidates = sorted(hosts, key=load)
    if cluster.config.placement.lower() == "roundrobin" and candidates:
        cursor = cluster.placement_cursor.get(gm.id, 0) % len(candidates)
        cluster.placement_cursor[gm.id] = cursor + 1
        candidates = candidates[cursor:] + candidates[:cursor]
    return candidates
