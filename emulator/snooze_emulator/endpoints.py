"""Which `?method` each component serves (spec 6.0): how its parameter is read, which node method
it calls, and how the answer is encoded. Nothing here decides anything about the cluster.

A group manager answers group-leader methods only while it leads, and group-manager methods only
while it manages hosts; otherwise null or false, as Snooze's resources check first (spec 2.4).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from . import views
from .bootstrap import BootstrapNode
from .group_manager import GroupManagerNode, start_virtual_cluster, virtual_cluster_response
from .lifecycle import COMMANDS
from .local_controller import LocalControllerNode
from .model import UNKNOWN, Cluster, GroupManager, LocalController, VirtualMachine
from .wire import Body, Endpoint, Raw

__all__ = ["bootstrap_endpoints", "group_manager_endpoints", "local_controller_endpoints"]

RAW = Body("raw")
NONE = Body("none")
INT = Body("int")
Handler = Callable[[Any], Any]


def _bean(name: str) -> Body:
    return Body("json", name)


def _post(body: Body, handler: Handler) -> Endpoint:
    return Endpoint("POST", body, handler)


def _get(handler: Handler) -> Endpoint:
    return Endpoint("GET", NONE, handler)


def _only(active: Callable[[], bool], handler: Handler, refusal: Any = None) -> Handler:
    """The method of a role this node may not be playing right now."""
    return lambda argument: handler(argument) if active() else refusal


# -- decoding: beans as Jackson filled them, with the Java defaults for missing properties ---------


def _location(bean: dict[str, Any] | None) -> tuple[str, str]:
    """A VirtualMachineLocation: (local controller id, VM id)."""
    bean = bean or {}
    return str(bean.get("localControllerId") or UNKNOWN), str(bean.get("virtualMachineId") or UNKNOWN)


def _migration(request: dict[str, Any]) -> tuple[str, str, str, bool]:
    """A MigrationRequest: (VM id, source host, destination host, hypervisor settings given)."""
    lc_id, name = _location(request.get("sourceVirtualMachineLocation"))
    destination, _ = _location(request.get("destinationVirtualMachineLocation"))
    return name, lc_id, destination, request.get("destinationHypervisorSettings") is not None


def _resize(request: dict[str, Any]) -> tuple[str, str, list[float]]:
    """A ResizeRequest: (host, VM id, resizedCapacity)."""
    lc_id, name = _location(request.get("virtualMachineLocation"))
    return lc_id, name, list(request.get("resizedCapacity") or [])


# -- encoding --------------------------------------------------------------------------------------


def _raw(text: str | None) -> Raw | None:
    return None if text is None else Raw(text)


def _host_list(cluster: Cluster, hosts: list[LocalController] | None) -> dict[str, Any] | None:
    """A LocalControllerList: hosts without their VMs."""
    if hosts is None:
        return None
    return {"localControllers": [views.local_controller(cluster, lc, with_vms=False) for lc in hosts]}


def _result(cluster: Cluster, result: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if result is None else views.cluster_response(cluster, result)


def _discovery(cluster: Cluster, vm: VirtualMachine | None) -> dict[str, Any] | None:
    return None if vm is None else views.discovery(cluster, vm)


def _group_manager(cluster: Cluster, gm: GroupManager | None) -> dict[str, Any] | None:
    return None if gm is None else views.group_manager(cluster, gm, with_vms=False)


def _host(cluster: Cluster, lc: LocalController | None) -> dict[str, Any] | None:
    return None if lc is None else views.local_controller(cluster, lc, with_vms=False)


def _vm(cluster: Cluster, vm: VirtualMachine | None, *, host_record: bool = False) -> dict[str, Any] | None:
    return None if vm is None else views.metadata(cluster, vm, host_record=host_record)


# -- bootstrap -------------------------------------------------------------------------------------


def bootstrap_endpoints(cluster: Cluster) -> dict[str, Endpoint]:
    node = BootstrapNode(cluster)

    def leader(_: None) -> dict[str, Any] | None:
        return None if node.group_leader() is None else views.group_leader_from_bootstrap(cluster)

    def hierarchy(_: None) -> dict[str, Any]:
        managers = node.hierarchy()
        return {
            "groupManagerDescriptions": [views.group_manager(cluster, gm, with_vms=True) for gm in managers]
        }

    def hosts(request: dict[str, Any]) -> list[dict[str, Any]]:
        gm_id = request.get("groupManagerId") or None  # with a group manager: its hosts with VMs
        return [
            views.local_controller(cluster, lc, with_vms=gm_id is not None)
            for lc in node.local_controllers(gm_id)
        ]

    def vms(request: dict[str, Any]) -> dict[str, Any]:
        found = node.virtual_machines(request.get("groupManagerId"), request.get("localControllerId"))
        return {"virtualMachines": [views.metadata(cluster, vm) for vm in found]}

    def migrate(request: dict[str, Any]) -> bool:
        return node.migrate(str(request.get("virtualMachineId")), str(request.get("localControllerId")))

    return {
        "getGroupLeaderDescription": _get(leader),
        "getCompleteHierarchy": _get(hierarchy),
        "getLocalControllerList": _get(lambda _: _host_list(cluster, node.local_controller_list())),
        "startVirtualCluster": _post(
            _bean("VirtualClusterSubmissionRequest"), lambda r: _raw(node.start_virtual_cluster(r))
        ),
        "getVirtualClusterResponse": _post(RAW, lambda t: _result(cluster, node.virtual_cluster_response(t))),
        **{f"{c}VirtualMachine": _post(RAW, partial(node.control, c)) for c in COMMANDS},
        "migrateVirtualMachine": _post(_bean("ClientMigrationRequestSimple"), migrate),
        "startReconfiguration": _post(RAW, node.start_reconfiguration),
        "getGroupManagerDescriptions": _post(
            _bean("HostListRequest"),
            lambda _: [views.group_manager(cluster, gm, with_vms=False) for gm in node.group_managers()],
        ),
        "getLocalControllerDescriptions": _post(_bean("HostListRequest"), hosts),
        "getVirtualMachineDescriptions": _post(_bean("HostListRequest"), vms),
    }


# -- group leader and group managers ---------------------------------------------------------------


def group_manager_endpoints(cluster: Cluster, gm_id: str) -> dict[str, Endpoint]:
    node = GroupManagerNode(cluster, gm_id)
    lead, manage = node.leading, node.managing

    def metadata(request: dict[str, Any]) -> dict[str, Any]:
        location = request.get("virtualMachineLocation")
        lc_id, name = _location(location)
        vm = node.virtual_machine(None if location is None else lc_id, name)
        return views.offline_stub(name) if vm is None else views.metadata(cluster, vm)

    def command(name: str, location: dict[str, Any]) -> bool:
        return node.control(name, *_location(location))

    def has_host(address: dict[str, Any]) -> Raw | None:
        return _raw(node.host_at(address.get("address"), address.get("port")))

    def repository(_: int) -> dict[str, Any]:
        hosts = node.hosts()
        return {
            "localControllerDescriptions": [
                views.local_controller(cluster, lc, with_vms=True) for lc in hosts
            ]
        }

    def leader_repository(_: int) -> dict[str, Any]:
        managers = node.group_managers()
        return {
            "groupManagerDescriptions": [views.group_manager(cluster, gm, with_vms=False) for gm in managers]
        }

    return {
        # Group leader
        "startVirtualCluster": _post(
            _bean("VirtualClusterSubmissionRequest"),
            _only(lead, lambda r: _raw(start_virtual_cluster(cluster, r))),
        ),
        "getVirtualClusterResponse": _post(
            RAW, _only(lead, lambda t: _result(cluster, virtual_cluster_response(cluster, t)))
        ),
        "getLocalControllerList": _get(
            _only(lead, lambda _: _host_list(cluster, node.local_controller_list()))
        ),
        "discoverVirtualMachine": _post(RAW, _only(lead, lambda n: _discovery(cluster, node.discover(n)))),
        "getGroupLeaderRepositoryInformation": _post(INT, _only(lead, leader_repository)),
        "getGroupManagerDescription": _post(
            RAW, _only(lead, lambda i: _group_manager(cluster, node.group_manager(i)))
        ),
        # Both roles
        "migrateVirtualMachine": _post(_bean("MigrationRequest"), lambda r: node.migrate(*_migration(r))),
        # Group manager
        "getVirtualMachineMetaData": _post(_bean("MetaDataRequest"), _only(manage, metadata)),
        **{
            f"{c}VirtualMachine": _post(
                _bean("VirtualMachineLocation"), _only(manage, partial(command, c), False)
            )
            for c in COMMANDS
        },
        "resizeVirtualMachine": _post(
            _bean("ResizeRequest"),
            _only(manage, lambda r: _vm(cluster, node.resize(*_resize(r)), host_record=True)),
        ),
        "searchVirtualMachine": _post(RAW, _only(manage, lambda n: _raw(node.search(n)))),
        "hasVirtualMachine": _post(
            _bean("VirtualMachineLocation"), _only(manage, lambda loc: node.has(*_location(loc)), False)
        ),
        "getGroupManagerRepositoryInformation": _post(INT, _only(manage, repository)),
        "getLocalControllerDescription": _post(RAW, _only(manage, lambda i: _host(cluster, node.host(i)))),
        "startReconfiguration": _post(NONE, _only(manage, lambda _: True, False)),
        "hasLocalController": _post(_bean("NetworkAddress"), _only(manage, has_host)),
        "suspendEnergySaver": _get(_only(manage, lambda _: node.energy_saver(), False)),
        "resumeEnergySaver": _get(_only(manage, lambda _: node.energy_saver(), False)),
    }


# -- local controllers (internal API; a few methods for completeness) -------------------------------


def local_controller_endpoints(cluster: Cluster, lc_id: str) -> dict[str, Endpoint]:
    node = LocalControllerNode(cluster, lc_id)
    return {
        "destroyVirtualMachine": _post(RAW, node.destroy),
        "getVirtualMachines": _post(
            INT, lambda _: [views.metadata(cluster, vm, host_record=True) for vm in node.virtual_machines()]
        ),
    }
