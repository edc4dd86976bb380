"""Live migration, in the three forms Snooze offers (spec 6.4).

(a) The group leader checks that it knows both hosts, forwards the order to the source host's group
    manager and answers true whatever that one says (a quirk).
(b) The group manager starts the migration when it is idle and stays busy (RECONFIGURATION) until it
    ends; without hypervisor settings its threads die and it stays busy forever.
(c) The bootstrap builds the order from its database: Cassandra's forwards it to the source group
    manager; the in-memory database cannot, and answers false.
The move happens when the migration ends, if the VM is still there and the destination has room;
its status stays what it was (there is no MIGRATING status).
"""

from __future__ import annotations

from .model import Cluster, LocalController, VirtualMachine

__all__ = ["forward_from_bootstrap", "migrate", "order_migration", "relocate", "wedge"]


def order_migration(cluster: Cluster, name: str, source_lc_id: str, destination_lc_id: str) -> bool:
    """(a) The leader's part."""
    known = {lc.id: lc for lc in cluster.known_hosts()}
    source = known.get(source_lc_id)
    if source is None or destination_lc_id not in known:
        return False
    started = migrate(cluster, source.group_manager_id, name, source_lc_id, destination_lc_id)
    return True if cluster.config.quirks.migration_always_true else started


def migrate(
    cluster: Cluster, source_gm_id: str, name: str, source_lc_id: str, destination_lc_id: str
) -> bool:
    """(b) The group manager's part: True when it starts the migration."""
    gm = cluster.group_managers[source_gm_id]
    if gm.busy():
        return False
    vm = cluster.find_vm(source_gm_id, source_lc_id, name)
    destination = cluster.local_controllers.get(destination_lc_id)
    if vm is None or destination is None:
        return False
    delay = cluster.config.timing.migration_delay
    gm.keep_busy(delay)  # RECONFIGURATION until the migration ends (spec 7.2)
    cluster.scheduler.after(delay, lambda: _complete(cluster, vm, destination))
    return True


def wedge(cluster: Cluster, gm_id: str) -> bool:
    """(b) without destinationHypervisorSettings: accepted, then the migration threads die on an
    NPE and nothing completes; the group manager is busy for good (spec 6.4b, a quirk)."""
    if not cluster.config.quirks.null_settings_wedge_group_manager:
        return False
    gm = cluster.group_managers[gm_id]
    if gm.busy():
        return False
    gm.wedged = True
    return True


def forward_from_bootstrap(cluster: Cluster, name: str, destination_lc_id: str) -> bool:
    """(c) The bootstrap finds the VM by discovery and forwards the order to its group manager."""
    if not cluster.config.quirks.bootstrap_lists_controllers:
        return False  # the in-memory database builds no migration request
    vm = cluster.discover(name)
    if vm is None or destination_lc_id not in cluster.local_controllers:
        return False
    return migrate(cluster, vm.group_manager_id, vm.name, vm.local_controller_id, destination_lc_id)


def _complete(cluster: Cluster, vm: VirtualMachine, destination: LocalController) -> None:
    """libvirt checks capacity when it migrates; a failure leaves the VM where it was. The
    destination host starts monitoring the VM from the group manager's record, so that becomes its
    own record; the status is left alone: a VM shutting down stays SHUTDOWN_PENDING."""
    if vm not in cluster.vms or not destination.up or not cluster.fits(destination, vm.requested):
        return
    vm.local_controller_id = destination.id
    vm.group_manager_id = destination.group_manager_id
    vm.host_requested = list(vm.requested)


def relocate(cluster: Cluster, name: str, destination_lc_id: str) -> None:
    """Snooze moves every VM of that name at once, on its own (relocation, consolidation).
    UnknownName for a name no VM has, ValueError for an unknown destination."""
    vms = cluster.named(name)
    destination = cluster.local_controllers.get(destination_lc_id)
    if destination is None:
        raise ValueError(f"no local controller {destination_lc_id}")
    for vm in vms:
        vm.local_controller_id, vm.group_manager_id = destination.id, destination.group_manager_id
        vm.host_requested = list(vm.requested)
