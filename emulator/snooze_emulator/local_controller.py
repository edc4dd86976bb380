"""A local controller process (LocalControllerResource): internal calls, a few for completeness.

Its records are its own copies of its VMs: after a resize they hold the new capacity, which the
group manager's records do not (spec 6.5).
"""

from __future__ import annotations

from . import lifecycle
from .model import Cluster, ServerFault, VirtualMachine

__all__ = ["LocalControllerNode"]


class LocalControllerNode:
    def __init__(self, cluster: Cluster, lc_id: str) -> None:
        self.cluster = cluster
        self.id = lc_id

    def destroy(self, name: str) -> bool:
        vm = next((vm for vm in self.cluster.vms_on(self.id) if vm.name == name), None)
        if vm is None:
            if self.cluster.config.quirks.lc_destroy_unknown_is_500:
                raise ServerFault("MissingFormatArgumentException")  # spec 12.17
            return False
        return lifecycle.control(self.cluster, vm.group_manager_id, "destroy", self.id, name)

    def virtual_machines(self) -> list[VirtualMachine]:
        return self.cluster.vms_on(self.id)
