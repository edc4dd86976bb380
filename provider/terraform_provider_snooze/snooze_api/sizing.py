"""A VM's size as Snooze and libvirt see it, and how a resize is asked for (spec 6.5).

- The boot-time maximum: libvirt boots a domain with the `<vcpu>` and `<memory>` of the XML Snooze
  hands it, and cannot grow a running domain past them. Snooze writes both back as bare numbers
  (no `current` attribute survives), so a VM boots at its maximum: a resize can shrink it and grow
  it back, never further.
- Where the size is recorded: the group manager keeps the size a VM was submitted with, for its
  whole life: a resize updates only the host's own record (its answer to the resize, and its
  getVirtualMachines). So the listing shows the boot size, and only the host knows a resized one.
- The network entries of a resize are read as rx=[2], tx=[3] and written back swapped, [tx, rx];
  as Snooze's own client does, we send them swapped, [tx, rx], so that explicit values come out
  right. (A value of 0 means "keep", and then Snooze swaps the kept pair; the group manager's
  record, which we read the network demand from, is never touched.)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .identity import Fingerprint, VmRecord, domain_facts
from .models import NetworkAddress, NetworkDemand, VirtualMachineMetaData

__all__ = ["Size", "boot_maximum", "recorded_size", "resized_capacity", "sizes_on_hosts"]


@dataclass(frozen=True, order=True)
class Size:
    vcpus: int
    memory: int  # KiB

    def fits_in(self, maximum: Size) -> bool:
        return self.vcpus <= maximum.vcpus and self.memory <= maximum.memory

    def __str__(self) -> str:
        return f"{self.vcpus} vcpus and {self.memory} KiB"


def boot_maximum(vm: VirtualMachineMetaData) -> Size | None:
    """The `<vcpu>` and `<memory>` the domain booted with; the group manager's record (which is
    the same numbers) when its XML does not say."""
    facts = domain_facts(vm.xml_representation)
    vcpus, memory = _whole(facts.vcpu), _whole(facts.memory)
    if vcpus is not None and memory is not None:
        return Size(vcpus, memory)
    return recorded_size(vm)


def recorded_size(vm: VirtualMachineMetaData) -> Size | None:
    """The size a record holds: the boot size in a group manager's, the current one in a host's."""
    capacity = vm.requested_capacity
    if len(capacity) < 2 or capacity[0] <= 0 or capacity[1] <= 0:
        return None
    return Size(int(capacity[0]), int(capacity[1]))


def resized_capacity(size: Size, network: NetworkDemand) -> list[float]:
    """The resizedCapacity vector for `size`, keeping `network` (see the module's note on [tx, rx])."""
    return [float(size.vcpus), float(size.memory), network.tx_bytes, network.rx_bytes]


def sizes_on_hosts(
    host_vms: Mapping[str, list[VirtualMachineMetaData]],
    records: Mapping[str, tuple[VmRecord, NetworkAddress]],
) -> dict[str, Size]:
    """Each record's size in its host's own records (`host_vms` by host address), when found there."""
    sizes = {}
    for name, (record, host) in records.items():
        for vm in host_vms.get(host.base_url, []):
            size = recorded_size(vm)
            if size is not None and vm.name == name and record.fingerprint.matches(Fingerprint.of(vm)):
                sizes[name] = size
    return sizes


def _whole(text: str | None) -> int | None:
    try:
        value = int((text or "").strip())
    except ValueError:
        return None
    return value if value > 0 else None
