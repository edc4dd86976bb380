"""The JSON shapes Snooze's Jackson puts on the wire (spec section 3): nulls included,
capacities as floats, the documented defaults where Snooze has no value."""

from __future__ import annotations

from typing import Any

from .model import UNKNOWN, Cluster, GroupManager, LocalController, VirtualMachine

__all__ = [
    "address",
    "cluster_response",
    "discovery",
    "group_leader_from_bootstrap",
    "group_manager",
    "local_controller",
    "location",
    "metadata",
    "offline_stub",
]


def address(host: str, port: int) -> dict[str, Any]:
    return {"address": host, "port": port}


def _unknown_address() -> dict[str, Any]:
    return address(UNKNOWN, -1)


def location(cluster: Cluster, vm: VirtualMachine) -> dict[str, Any]:
    lc = cluster.local_controllers.get(vm.local_controller_id)
    gm = cluster.group_managers.get(vm.group_manager_id)
    return {
        "virtualMachineId": vm.name,
        "localControllerId": vm.local_controller_id,
        "localControllerControlDataAddress": address(cluster.listen, lc.port) if lc else _unknown_address(),
        "groupManagerId": vm.group_manager_id,
        "groupManagerControlDataAddress": address(cluster.listen, gm.port) if gm else _unknown_address(),
    }


def metadata(cluster: Cluster, vm: VirtualMachine, *, host_record: bool = False) -> dict[str, Any]:
    """A VirtualMachineMetaData: the leader's copy in results, a group manager's in its repository,
    or (host_record) the host's own, whose requestedCapacity a resize updated (spec 6.5)."""
    where = location(cluster, vm)
    requested = vm.host_requested if host_record else vm.requested
    return {
        "virtualMachineLocation": where,
        "groupManagerControlDataAddress": where["groupManagerControlDataAddress"],
        "status": vm.status,
        "errorCode": vm.error_code,
        "ipAddress": vm.ip,
        "requestedCapacity": [float(v) for v in requested],
        "usedCapacity": {},
        "xmlRepresentation": vm.xml,
        "isAssigned": False,
        "image": vm.image,
    }


def discovery(cluster: Cluster, vm: VirtualMachine) -> dict[str, Any]:
    """A VirtualMachineDiscoveryResponse: where the leader found the VM (spec 6.3)."""
    gm = cluster.group_managers[vm.group_manager_id]
    return {
        "localControllerId": vm.local_controller_id,
        "groupManagerAddress": address(cluster.listen, gm.port),
    }


def offline_stub(name: str) -> dict[str, Any]:
    """What a group manager answers for a VM it does not have: 200, not 404 (spec 6.3)."""
    return {
        "virtualMachineLocation": {
            "virtualMachineId": name,
            "localControllerId": UNKNOWN,
            "localControllerControlDataAddress": _unknown_address(),
            "groupManagerId": UNKNOWN,
            "groupManagerControlDataAddress": _unknown_address(),
        },
        "groupManagerControlDataAddress": _unknown_address(),
        "status": "OFFLINE",
        "errorCode": UNKNOWN,
        "ipAddress": UNKNOWN,
        "requestedCapacity": [],
        "usedCapacity": {},
        "xmlRepresentation": UNKNOWN,
        "isAssigned": False,
        "image": {
            "name": UNKNOWN,
            "path": UNKNOWN,
            "format": "raw",
            "capacity": 0,
            "allocation": 0,
            "backingStore": None,
        },
    }


def cluster_response(cluster: Cluster, result: dict[str, Any]) -> dict[str, Any]:
    return {
        "errorCode": result["errorCode"],
        "virtualMachineMetaData": [metadata(cluster, vm) for vm in result["vms"]],
    }


def local_controller(cluster: Cluster, lc: LocalController, *, with_vms: bool) -> dict[str, Any]:
    gm = cluster.group_managers[lc.group_manager_id]
    vms = (
        {vm.name: metadata(cluster, vm) for vm in cluster.vms if vm.local_controller_id == lc.id}
        if with_vms
        else {}
    )
    return {
        "id": lc.id,
        "status": lc.status,
        "controlDataAddress": address(cluster.listen, lc.port),
        "hostname": lc.hostname,
        "isAssigned": True,
        "hypervisorSettings": {
            "port": lc.libvirt_port,
            "driver": "qemu",
            "transport": "tcp",
            "migration": {"method": "live", "timeout": 60},
        },
        "wakeupSettings": {"driver": "IPMI", "options": "-I lanplus -H BMC_IP -U user -P password"},
        "location": {
            "localControllerId": lc.id,
            "groupManagerId": gm.id,
            "groupManagerControlDataAddress": address(cluster.listen, gm.port),
        },
        "virtualMachineMetaData": vms,
        "assignedVirtualMachines": [],
        "totalCapacity": [float(v) for v in lc.capacity],
    }


def group_manager(cluster: Cluster, gm: GroupManager, *, with_vms: bool) -> dict[str, Any]:
    return {
        "id": gm.id,
        "hostname": gm.hostname,
        "isAssigned": False,
        "listenSettings": {
            "controlDataAddress": address(cluster.listen, gm.port),
            "monitoringDataAddress": address(cluster.listen, gm.monitoring_port),
        },
        "heartbeatAddress": address("225.4.5.6", gm.heartbeat_port),
        "localControllers": {
            lc.id: local_controller(cluster, lc, with_vms=with_vms) for lc in cluster.controllers_of(gm.id)
        },
        "summaryInformation": {},
        "virtualMachines": [],
    }


def group_leader_from_bootstrap(cluster: Cluster) -> dict[str, Any]:
    """Built by the bootstrap from the heartbeat: only id and listen settings are real (spec 6.6)."""
    leader = cluster.leader
    return {
        "id": leader.id,
        "hostname": cluster.config.hostname,
        "isAssigned": False,
        "listenSettings": {
            "controlDataAddress": address(cluster.listen, leader.port),
            "monitoringDataAddress": address(cluster.listen, leader.monitoring_port),
        },
        "heartbeatAddress": _unknown_address(),
        "localControllers": {},
        "summaryInformation": {},
        "virtualMachines": [],
    }
