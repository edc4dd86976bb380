"""Which `?method` each component serves, and what it answers (spec section 6).

A group manager answers group-leader methods only while it leads, and group-manager methods
only while it manages hosts; otherwise it answers null or false, as Snooze does (spec 2.4).
"""

from __future__ import annotations

from typing import Any

from . import views
from .model import UNKNOWN, Cluster, ServerFault
from .submissions import start_virtual_cluster, take_result
from .wire import Body, Endpoint, Raw

__all__ = ["bootstrap_endpoints", "group_manager_endpoints", "local_controller_endpoints"]

RAW = Body("raw")
NONE = Body("none")
INT = Body("int")


def _bean(name: str) -> Body:
    return Body("json", name)


def _post(body: Body, handler: Any) -> Endpoint:
    return Endpoint("POST", body, handler)


def _get(handler: Any) -> Endpoint:
    return Endpoint("GET", NONE, handler)


# -- shared between the bootstrap (proxy) and the group leader -------------------------------------


def _start(cluster: Cluster, request: dict[str, Any] | None) -> Raw | None:
    if request is None:
        raise ServerFault("null submission")
    templates = request.get("virtualMachineTemplates")
    task_id = start_virtual_cluster(cluster, templates)
    return None if task_id is None else Raw(task_id)


def _response(cluster: Cluster, task_id: str) -> dict[str, Any] | None:
    result = take_result(cluster, task_id)  # the raw body: quotes or a newline make another id
    return None if result is None else views.cluster_response(cluster, result)


def _local_controller_list(cluster: Cluster) -> dict[str, Any]:
    hosts = cluster.known_hosts()
    return {"localControllers": [views.local_controller(cluster, lc, with_vms=False) for lc in hosts]}


def _discover(cluster: Cluster, name: str) -> dict[str, Any] | None:
    vm = cluster.discover(name)
    if vm is None:
        return None
    gm = cluster.group_managers[vm.group_manager_id]
    return {
        "localControllerId": vm.local_controller_id,
        "groupManagerAddress": views.address(cluster.listen, gm.port),
    }


# -- bootstrap -------------------------------------------------------------------------------------


def bootstrap_endpoints(cluster: Cluster) -> dict[str, Endpoint]:
    def leader_or_fault() -> None:
        if cluster.leader_id is None or not cluster.leader.alive:
            raise ServerFault("no group leader")

    def proxied_start(request: dict[str, Any]) -> Raw | None:
        leader_or_fault()
        return _start(cluster, request)

    def proxied_response(task_id: str) -> dict[str, Any] | None:
        leader_or_fault()
        return _response(cluster, task_id)

    def command(name: str) -> Any:
        def run(vm_name: str) -> bool:
            leader_or_fault()
            vm = cluster.discover(vm_name)
            if vm is None:
                return False
            return cluster.control(vm.group_manager_id, name, vm.local_controller_id, vm.name)

        return run

    def local_controller_list() -> dict[str, Any] | None:
        if not cluster.config.quirks.bootstrap_lists_controllers:
            return None  # Snooze's in-memory database keeps no list (spec 6.6)
        return _local_controller_list(cluster)

    def hierarchy() -> dict[str, Any]:
        leader_or_fault()
        return {
            "groupManagerDescriptions": [
                views.group_manager(cluster, gm, with_vms=True) for gm in cluster.known_managers()
            ]
        }

    def vm_descriptions(request: dict[str, Any]) -> dict[str, Any]:
        gm_id, lc_id = request.get("groupManagerId"), request.get("localControllerId")
        return {
            "virtualMachines": [
                views.metadata(cluster, vm)
                for vm in cluster.known_vms()
                if gm_id in (None, vm.group_manager_id) and lc_id in (None, vm.local_controller_id)
            ]
        }

    def gm_descriptions(request: dict[str, Any]) -> list[dict[str, Any]]:
        return [views.group_manager(cluster, gm, with_vms=False) for gm in cluster.joined_managers()]

    def lc_descriptions(request: dict[str, Any]) -> list[dict[str, Any]]:
        gm_id = request.get("groupManagerId") or None
        hosts = cluster.known_hosts(gm_id)
        return [views.local_controller(cluster, lc, with_vms=gm_id is not None) for lc in hosts]

    def migrate(request: dict[str, Any]) -> bool:
        # The in-memory database cannot build the migration request; Cassandra's forwards it to
        # the source group manager and answers what that one says (spec 6.4c).
        if not cluster.config.quirks.bootstrap_lists_controllers:
            return False
        leader_or_fault()
        vm = cluster.discover(str(request.get("virtualMachineId")))
        destination = str(request.get("localControllerId"))
        if vm is None or destination not in cluster.local_controllers:
            return False
        return cluster.migrate(vm.group_manager_id, vm.name, vm.local_controller_id, destination)

    def reconfigure(gm_id: str) -> bool:
        if gm_id not in cluster.group_managers:
            raise ServerFault("unknown group manager")
        return cluster.manages(gm_id)

    return {
        "getGroupLeaderDescription": _get(
            lambda _: views.group_leader_from_bootstrap(cluster) if cluster.leader.alive else None
        ),
        "getCompleteHierarchy": _get(lambda _: hierarchy()),
        "getLocalControllerList": _get(lambda _: local_controller_list()),
        "startVirtualCluster": _post(_bean("VirtualClusterSubmissionRequest"), proxied_start),
        "getVirtualClusterResponse": _post(RAW, proxied_response),
        **{
            f"{c}VirtualMachine": _post(RAW, command(c))
            for c in ("destroy", "shutdown", "reboot", "suspend", "resume")
        },
        "migrateVirtualMachine": _post(_bean("ClientMigrationRequestSimple"), migrate),
        "startReconfiguration": _post(RAW, reconfigure),
        "getGroupManagerDescriptions": _post(_bean("HostListRequest"), gm_descriptions),
        "getLocalControllerDescriptions": _post(_bean("HostListRequest"), lc_descriptions),
        "getVirtualMachineDescriptions": _post(_bean("HostListRequest"), vm_descriptions),
    }


# -- group leader and group managers ---------------------------------------------------------------


def group_manager_endpoints(cluster: Cluster, gm_id: str) -> dict[str, Endpoint]:
    def leading() -> bool:
        return cluster.leader_id == gm_id

    def as_leader(handler: Any, refusal: Any = None) -> Any:
        return lambda argument: handler(argument) if leading() else refusal

    def as_manager(handler: Any, refusal: Any = None) -> Any:
        return lambda argument: handler(argument) if cluster.manages(gm_id) else refusal

    def vm_at(location: dict[str, Any]) -> tuple[str, str]:
        return str(location.get("localControllerId") or UNKNOWN), str(
            location.get("virtualMachineId") or UNKNOWN
        )

    def command(name: str) -> Any:
        def run(location: dict[str, Any]) -> bool:
            lc_id, vm_name = vm_at(location)
            return cluster.control(gm_id, name, lc_id, vm_name)

        return as_manager(run, False)

    def metadata(request: dict[str, Any]) -> dict[str, Any]:
        location = request.get("virtualMachineLocation")
        if location is None:
            raise ServerFault("virtualMachineLocation is null")
        lc_id, name = vm_at(location)
        vm = cluster.find_vm(gm_id, lc_id, name)
        return views.offline_stub(name) if vm is None else views.metadata(cluster, vm)

    def migrate(request: dict[str, Any]) -> bool:
        source = request.get("sourceVirtualMachineLocation") or {}
        destination = request.get("destinationVirtualMachineLocation") or {}
        lc_id, name = vm_at(source)
        destination_id = str(destination.get("localControllerId") or UNKNOWN)
        if leading() and not cluster.controllers_of(gm_id):
            return cluster.order_migration(name, lc_id, destination_id)  # the leader form (spec 6.4a)
        if request.get("destinationHypervisorSettings") is None:
            if not cluster.config.quirks.null_settings_wedge_group_manager:
                return False
            gm = cluster.group_managers[gm_id]
            if gm.busy():
                return False
            gm.wedged = True  # the migration threads die on an NPE; nothing completes (spec 6.4b)
            return True
        return cluster.migrate(gm_id, name, lc_id, destination_id)

    def search(name: str) -> Raw | None:
        vm = next((v for v in cluster.vms_of(gm_id) if v.name == name), None)
        return None if vm is None else Raw(vm.local_controller_id)

    def has(location: dict[str, Any]) -> bool:
        lc_id, name = vm_at(location)
        return cluster.find_vm(gm_id, lc_id, name) is not None

    def repository(entries: int) -> dict[str, Any]:
        return {
            "localControllerDescriptions": [
                views.local_controller(cluster, lc, with_vms=True) for lc in cluster.controllers_of(gm_id)
            ]
        }

    def leader_repository(entries: int) -> dict[str, Any]:
        return {
            "groupManagerDescriptions": [
                views.group_manager(cluster, gm, with_vms=False) for gm in cluster.joined_managers()
            ]
        }

    def gm_description(other_id: str) -> dict[str, Any] | None:
        gm = next((gm for gm in cluster.joined_managers() if gm.id == other_id), None)
        return None if gm is None else views.group_manager(cluster, gm, with_vms=False)

    def lc_description(lc_id: str) -> dict[str, Any] | None:
        lc = cluster.local_controllers.get(lc_id)
        if lc is None or lc.group_manager_id != gm_id or not lc.up:
            return None
        return views.local_controller(cluster, lc, with_vms=False)

    def resize(request: dict[str, Any]) -> dict[str, Any] | None:
        if cluster.group_managers[gm_id].busy():
            return None  # not IDLE: an empty answer (spec 7.2)
        location = request.get("virtualMachineLocation") or {}
        lc_id, name = vm_at(location)
        vm = cluster.find_vm(gm_id, lc_id, name)
        if vm is None or vm.status != "RUNNING":
            if cluster.config.quirks.resize_non_running_is_500:
                raise ServerFault("null result from the local controller")
            return None
        wanted = [*(request.get("resizedCapacity") or []), -1.0, -1.0, -1.0, -1.0][:4]
        resized = [w if w > 0 else c for w, c in zip(wanted, vm.requested, strict=True)]
        if cluster.config.quirks.resize_swaps_network:
            # rx read from [2], tx from [3] kept when [2] (not [3]) is unset, written as [tx, rx].
            rx = wanted[2] if wanted[2] > 0 else vm.requested[2]
            tx = wanted[3] if wanted[2] > 0 else vm.requested[3]
            resized = [resized[0], resized[1], tx, rx]
        # The group manager stores the new vector in a temporary copy: the answer has it,
        # later reads do not (spec 6.5).
        answer = views.metadata(cluster, vm)
        answer["requestedCapacity"] = resized
        return answer

    def has_local_controller(where: dict[str, Any]) -> Raw | None:
        wanted = (where.get("address"), where.get("port"))
        lc = next(
            (lc for lc in cluster.controllers_of(gm_id) if (cluster.listen, lc.port) == wanted),
            None,
        )
        return None if lc is None else Raw(lc.id)

    def energy(_: Any) -> bool:
        raise ServerFault("energy management is disabled")

    return {
        # Group leader
        "startVirtualCluster": _post(
            _bean("VirtualClusterSubmissionRequest"), as_leader(lambda r: _start(cluster, r))
        ),
        "getVirtualClusterResponse": _post(RAW, as_leader(lambda t: _response(cluster, t))),
        "getLocalControllerList": _get(as_leader(lambda _: _local_controller_list(cluster))),
        "discoverVirtualMachine": _post(RAW, as_leader(lambda n: _discover(cluster, n))),
        "getGroupLeaderRepositoryInformation": _post(INT, as_leader(leader_repository)),
        "getGroupManagerDescription": _post(RAW, as_leader(gm_description)),
        # Both roles
        "migrateVirtualMachine": _post(_bean("MigrationRequest"), migrate),
        # Group manager
        "getVirtualMachineMetaData": _post(_bean("MetaDataRequest"), as_manager(metadata)),
        **{
            f"{c}VirtualMachine": _post(_bean("VirtualMachineLocation"), command(c))
            for c in ("shutdown", "destroy", "reboot", "suspend", "resume")
        },
        "resizeVirtualMachine": _post(_bean("ResizeRequest"), as_manager(resize)),
        "searchVirtualMachine": _post(RAW, as_manager(search)),
        "hasVirtualMachine": _post(_bean("VirtualMachineLocation"), as_manager(has, False)),
        "getGroupManagerRepositoryInformation": _post(INT, as_manager(repository)),
        "getLocalControllerDescription": _post(RAW, as_manager(lc_description)),
        "startReconfiguration": _post(NONE, as_manager(lambda _: True, False)),
        "hasLocalController": _post(_bean("NetworkAddress"), as_manager(has_local_controller)),
        "suspendEnergySaver": _get(as_manager(energy, False)),
        "resumeEnergySaver": _get(as_manager(energy, False)),
    }


# -- local controllers (internal API; a few methods for completeness) -------------------------------


def local_controller_endpoints(cluster: Cluster, lc_id: str) -> dict[str, Endpoint]:
    def destroy(name: str) -> bool:
        vm = next((v for v in cluster.vms if v.local_controller_id == lc_id and v.name == name), None)
        if vm is None:
            if cluster.config.quirks.lc_destroy_unknown_is_500:
                raise ServerFault("MissingFormatArgumentException")
            return False
        return cluster.control(vm.group_manager_id, "destroy", lc_id, name)

    def machines(entries: int) -> list[dict[str, Any]]:
        return [views.metadata(cluster, vm) for vm in cluster.vms if vm.local_controller_id == lc_id]

    return {
        "destroyVirtualMachine": _post(RAW, destroy),
        "getVirtualMachines": _post(INT, machines),
    }
