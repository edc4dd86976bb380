"""What a scenario did to Snooze, judged against the emulator's own VM list.

- orphan: a VM in Snooze that no state records and that is nobody else's (not a stranger);
- duplicate: a name under which more than one VM of ours runs;
- lost: a VM of ours that should have survived (it ran before the faults) and did not, or a state
  record that matches no VM in Snooze;
- stranger touched: a VM started outside Terraform that changed or disappeared.
A VM is told apart by its name, IP and MAC, as the provider does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from harness.terraform import Terraform
from snooze_emulator import Emulator

__all__ = ["Audit", "Identity", "audit", "identities_in_state", "identity_of"]

Identity = tuple[str, str, str]  # name, IP, MAC


@dataclass(frozen=True)
class Audit:
    orphans: list[str]
    duplicates: list[str]
    lost: list[str]
    strangers_touched: list[str]

    @property
    def harm(self) -> int:
        return len(self.orphans) + len(self.duplicates) + len(self.lost) + len(self.strangers_touched)


def identity_of(vm: Mapping[str, Any]) -> Identity:
    """From the emulator's VM record (Snooze's JSON)."""
    mac = re.search(r'<mac address="([^"]+)"', str(vm.get("xmlRepresentation", "")))
    return (vm["virtualMachineLocation"]["virtualMachineId"], vm["ipAddress"], mac.group(1) if mac else "")


def identities_in_state(configs: Iterable[Terraform]) -> set[Identity]:
    found: set[Identity] = set()
    for tf in configs:
        for values in tf.resources().values():
            for name, vm in (values.get("virtual_machines") or {}).items():
                if vm.get("status") != "PENDING":
                    found.add((name, vm.get("ip_address") or "", vm.get("mac_address") or ""))
    return found


def audit(
    emulator: Emulator,
    configs: Iterable[Terraform],
    strangers: Mapping[Identity, tuple[str, str]],
    survivors: Iterable[Identity] = (),
) -> Audit:
    configs = list(configs)
    in_snooze = {identity_of(vm): vm for vm in emulator.vms()}
    in_state = identities_in_state(configs)
    ours = {identity: vm for identity, vm in in_snooze.items() if identity not in strangers}
    orphans = sorted(f"{name} ({ip})" for name, ip, _ in set(ours) - in_state)
    counts: dict[str, int] = {}
    for name, _, _ in ours:
        counts[name] = counts.get(name, 0) + 1
    duplicates = sorted(name for name, count in counts.items() if count > 1)
    lost = sorted(
        {f"{name} ({ip})" for name, ip, _ in set(survivors) - set(ours)}
        | {f"{name} ({ip}) in state only" for name, ip, _ in in_state - set(in_snooze)}
    )
    touched = []
    for identity, (host, status) in strangers.items():
        now = in_snooze.get(identity)
        where = None if now is None else (now["virtualMachineLocation"]["localControllerId"], now["status"])
        if where != (host, status):
            touched.append(f"{identity[0]} ({identity[1]})")
    return Audit(orphans, duplicates, lost, sorted(touched))
