"""A group manager process (GroupManagerResource): group leader methods while it leads, group
manager methods while it manages hosts (spec 2.4, 6.0); the endpoints refuse the others.

Methods take and return model values; endpoints decode requests into them and encode the answers.
"""

from __future__ import annotations

from typing import Any

from . import lifecycle, migration, submissions
from .model import Cluster, GroupManager, LocalController, ServerFault, VirtualMachine

__all__ = ["GroupManagerNode", "start_virtual_cluster", "virtual_cluster_response"]


def start_virtual_cluster(cluster: Cluster, request: dict[str, Any] | None) -> str | None:
    """The leader's startVirtualCluster, also reached through the bootstrap: a task id or None."""
    if request is None:
        raise ServerFault("null submission")
    return submissions.start_virtual_cluster(cluster, request.get("virtualMachineTemplates"))


def virtual_cluster_response(cluster: Cluster, task_id: str) -> dict[str, Any] | None:
    """The finished submission, consumed by the first read (spec 6.1.4); None while pending."""
    return submissions.take_result(cluster, task_id)


class GroupManagerNode:
    def __init__(self, cluster: Cluster, gm_id: str) -> None:
        self.cluster = cluster
        self.id = gm_id

    def leading(self) -> bool:
        return self.cluster.leads(self.id)

    def managing(self) -> bool:
        return self.cluster.manages(self.id)

    # -- group leader --------------------------------------------------------------------------------

    def local_controller_list(self) -> list[LocalController]:
        return self.cluster.known_hosts()

    def group_managers(self) -> list[GroupManager]:
        return self.cluster.joined_managers()

    def group_manager(self, gm_id: str) -> GroupManager | None:
        return next((gm for gm in self.cluster.joined_managers() if gm.id == gm_id), None)

    def discover(self, name: str) -> VirtualMachine | None:
        return self.cluster.discover(name)

    # -- both: the leader's form while it has no hosts of its own, else the group manager's ----------

    def migrate(self, name: str, source_lc_id: str, destination_lc_id: str, with_settings: bool) -> bool:
        if self.leading() and not self.cluster.controllers_of(self.id):
            return migration.order_migration(self.cluster, name, source_lc_id, destination_lc_id)
        if not with_settings:
            return migration.wedge(self.cluster, self.id)
        return migration.migrate(self.cluster, self.id, name, source_lc_id, destination_lc_id)

    # -- group manager -------------------------------------------------------------------------------

    def virtual_machine(self, lc_id: str | None, name: str) -> VirtualMachine | None:
        """getVirtualMachineMetaData: None when it does not have the VM (the OFFLINE stub)."""
        if lc_id is None:
            raise ServerFault("virtualMachineLocation is null")
        return self.cluster.find_vm(self.id, lc_id, name)

    def control(self, command: str, lc_id: str, name: str) -> bool:
        return lifecycle.control(self.cluster, self.id, command, lc_id, name)

    def resize(self, lc_id: str, name: str, wanted: list[float]) -> VirtualMachine | None:
        return lifecycle.resize(self.cluster, self.id, lc_id, name, wanted)

    def search(self, name: str) -> str | None:
        """The host of its first VM of that name."""
        return next((vm.local_controller_id for vm in self.cluster.vms_of(self.id) if vm.name == name), None)

    def has(self, lc_id: str, name: str) -> bool:
        return self.cluster.find_vm(self.id, lc_id, name) is not None

    def hosts(self) -> list[LocalController]:
        return self.cluster.controllers_of(self.id)

    def host(self, lc_id: str) -> LocalController | None:
        return next((lc for lc in self.hosts() if lc.id == lc_id), None)

    def host_at(self, address: str | None, port: int | None) -> str | None:
        """The deprecated hasLocalController: the id of its host at that control address."""
        return next((lc.id for lc in self.hosts() if (self.cluster.listen, lc.port) == (address, port)), None)

    def energy_saver(self) -> bool:
        raise ServerFault("energy management is disabled")  # the energy saver object is null
