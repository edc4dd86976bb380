"""Import: adopting VMs that run in Snooze, by name (or name@IP when several share a name).

Their size is read from their hosts (one request per host): only a host records a resize.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from ..runtime.diagnostics import DiagnosticError
from ..session import BoundSession
from .limits import name_problem
from .messages import describe
from .state import VmState

__all__ = ["imported_vms"]

USAGE = (
    "Give the names of the virtual machines to adopt, separated by commas, each as NAME or, when "
    "several VMs share a name, NAME@IP: terraform import snooze_virtual_cluster.NAME vm1,vm2@192.168.122.7"
)


def _check_names(names: Iterable[str]) -> None:
    """A VM adopted under a name no configuration may use as a key could never be managed."""
    for name in names:
        problem = name_problem(name)
        if problem:
            raise DiagnosticError(
                "Cannot import this virtual machine",
                f"The name {json.dumps(name, ensure_ascii=False)} {problem}, so no configuration can "
                "key a virtual machine by it.",
            )


def imported_vms(snooze: BoundSession, import_id: str) -> dict[str, VmState]:
    wanted = [part.strip() for part in import_id.split(",") if part.strip()]
    if not wanted:
        raise DiagnosticError("Invalid import id", USAGE)
    _check_names(part.partition("@")[0] for part in wanted)
    listing = snooze.listing(max_age=0.0)
    vms: dict[str, VmState] = {}
    missing, ambiguous = [], []
    for part in wanted:
        name, _, ip = part.partition("@")
        candidates = [vm for vm in listing.named(name) if not ip or vm.ip_address == ip]
        if len(candidates) == 1:
            vms[name] = VmState(name=name).observed(candidates[0])
        elif candidates:
            ambiguous.append(f"{name!r} ({'; '.join(describe(vm) for vm in candidates)})")
        else:
            missing.append(repr(part))
    if missing:
        raise DiagnosticError(
            "Cannot import non-existent virtual machines",
            f"Snooze runs no virtual machine named {', '.join(missing)}.",
        )
    if ambiguous:
        raise DiagnosticError(
            "Several virtual machines share a name",
            f"Snooze runs several VMs named {', '.join(ambiguous)}: import one as NAME@IP.",
        )
    records = {name: vm.record for name, vm in vms.items()}
    hosts = {
        name: (record, record.location.local_controller_control_data_address)
        for name, record in records.items()
        if record is not None
    }
    for name, size in snooze.host_sizes(hosts).items():
        vms[name] = vms[name].sized(size)
    return vms
