"""The bootstrap process (BootstrapResource): the group leader it heard of, the calls it proxies
to it, and what its database lists (spec 1.2, 6.0, 6.2, 6.4c, 6.6).

Methods take and return model values; endpoints decode requests into them and encode the answers.
"""

from __future__ import annotations

from typing import Any

from . import group_manager, lifecycle, migration
from .model import Cluster, GroupManager, LocalController, ServerFault, VirtualMachine

__all__ = ["BootstrapNode"]


class BootstrapNode:
    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster

    def _leader_or_fault(self) -> None:
        if self.cluster.leader_id is None or not self.cluster.leader.alive:
            raise ServerFault("no group leader")

    def group_leader(self) -> GroupManager | None:
        """Built from the last heartbeat: None once the leader went silent."""
        return self.cluster.leader if self.cluster.leader.alive else None

    def hierarchy(self) -> list[GroupManager]:
        self._leader_or_fault()
        return self.cluster.known_managers()

    def local_controller_list(self) -> list[LocalController] | None:
        if not self.cluster.config.quirks.bootstrap_lists_controllers:
            return None  # Snooze's in-memory database keeps no list (spec 6.6)
        return self.cluster.known_hosts()

    def start_virtual_cluster(self, request: dict[str, Any] | None) -> str | None:
        self._leader_or_fault()
        return group_manager.start_virtual_cluster(self.cluster, request)

    def virtual_cluster_response(self, task_id: str) -> dict[str, Any] | None:
        self._leader_or_fault()
        return group_manager.virtual_cluster_response(self.cluster, task_id)

    def control(self, command: str, name: str) -> bool:
        """By name: the leader's discovery finds the VM, its group manager runs the command."""
        self._leader_or_fault()
        vm = self.cluster.discover(name)
        if vm is None:
            return False
        return lifecycle.control(self.cluster, vm.group_manager_id, command, vm.local_controller_id, vm.name)

    def migrate(self, name: str, destination_lc_id: str) -> bool:
        if self.cluster.config.quirks.bootstrap_lists_controllers:
            self._leader_or_fault()
        return migration.forward_from_bootstrap(self.cluster, name, destination_lc_id)

    def start_reconfiguration(self, gm_id: str) -> bool:
        if gm_id not in self.cluster.group_managers:
            raise ServerFault("unknown group manager")
        return self.cluster.manages(gm_id)

    def group_managers(self) -> list[GroupManager]:
        return self.cluster.joined_managers()

    def local_controllers(self, gm_id: str | None) -> list[LocalController]:
        return self.cluster.known_hosts(gm_id)

    def virtual_machines(self, gm_id: str | None, lc_id: str | None) -> list[VirtualMachine]:
        return [
            vm
            for vm in self.cluster.known_vms()
            if gm_id in (None, vm.group_manager_id) and lc_id in (None, vm.local_controller_id)
        ]
