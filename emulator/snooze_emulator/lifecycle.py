"""What a group manager does with its VMs on a client's command (spec 6.2, 6.5, 7.2).

Commands answer false while the group manager is busy, for a VM it does not have at that host, or
from the wrong status. A VM shut down or destroyed is SHUTDOWN_PENDING until its host notices the
domain is gone (`removal_delay`), then leaves the repository and its IP returns to the pool; a guest
that ignores ACPI never powers off on a shutdown.

Resize runs on the host as libvirt's setMemory and setVcpus: within the domain's boot-time maximum
(its <vcpu> and <memory>), which libvirt cannot raise on a running domain.
"""

from __future__ import annotations

from .model import Cluster, ServerFault, VirtualMachine

__all__ = ["COMMANDS", "ResizeFailed", "control", "host_resize", "resize"]

# Statuses each command is accepted from; None: any.
COMMANDS: dict[str, tuple[str, ...] | None] = {
    "suspend": ("RUNNING",),
    "resume": ("PAUSED",),
    "shutdown": ("RUNNING", "SHUTDOWN_PENDING"),
    "reboot": ("RUNNING",),
    "destroy": None,
}


class ResizeFailed(Exception):
    """The host could not resize the domain: the group manager gets no record back."""


def control(cluster: Cluster, gm_id: str, command: str, lc_id: str, name: str) -> bool:
    """A group manager's suspend, resume, shutdown, reboot or destroy of the VM at (host, name)."""
    if cluster.group_managers[gm_id].busy():
        return False
    vm = cluster.find_vm(gm_id, lc_id, name)
    allowed = COMMANDS[command]
    if vm is None or (allowed is not None and vm.status not in allowed):
        return False
    if command == "suspend":
        vm.status = "PAUSED"
    elif command in ("resume", "reboot"):
        vm.status = "RUNNING"
    else:
        vm.status = "SHUTDOWN_PENDING"
        if command == "destroy" or not vm.ignores_acpi:
            cluster.scheduler.after(cluster.config.timing.removal_delay, lambda: cluster.remove_vm(vm))
    return True


def resize(cluster: Cluster, gm_id: str, lc_id: str, name: str, wanted: list[float]) -> VirtualMachine | None:
    """The group manager's part: None while it is busy (an empty answer, spec 7.2). The host's
    record comes back; the group manager meant to store the new capacity too, but writes it into
    a temporary copy, so its own record keeps the old one (spec 6.5). When the host fails (the
    VM is not RUNNING, or libvirt refuses) the group manager dereferences the null answer."""
    if cluster.group_managers[gm_id].busy():
        return None
    vm = cluster.find_vm(gm_id, lc_id, name)
    try:
        if vm is None:
            raise ResizeFailed(f"no virtual machine {name} on {lc_id}")
        host_resize(cluster, vm, wanted)
    except ResizeFailed as failure:
        if cluster.config.quirks.resize_non_running_is_500:
            raise ServerFault(f"null result from the local controller: {failure}") from None
        return None
    return vm


def host_resize(cluster: Cluster, vm: VirtualMachine, wanted: list[float]) -> None:
    """The host's part: libvirt first, then its own record. Entries <= 0 keep the host's current
    value; the network entries are read as rx=[2], tx=[3] and written back as [tx, rx], and the
    "keep tx" test looks at rx (spec 6.5, a quirk)."""
    if vm.status != "RUNNING":
        raise ResizeFailed(f"{vm.name} is {vm.status}")
    wanted = [*wanted, -1.0, -1.0, -1.0, -1.0][:4]
    current = vm.host_requested
    resized = [w if w > 0 else c for w, c in zip(wanted, current, strict=True)]
    for index, what in ((0, "vcpus"), (1, "memory")):
        if resized[index] > vm.maximum[index]:
            raise ResizeFailed(
                f"{vm.name}: {what} {resized[index]:g} above the domain's maximum {vm.maximum[index]:g}"
            )
    if cluster.config.quirks.resize_swaps_network:
        rx = wanted[2] if wanted[2] > 0 else current[2]
        tx = wanted[3] if wanted[2] > 0 else current[3]
        resized = [resized[0], resized[1], tx, rx]
    vm.host_requested = resized
