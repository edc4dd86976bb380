"""Refresh: every recorded VM looked up again, and nothing dropped on doubt.

A VM found by its fingerprint gets Snooze's current values (it may have moved, or have been paused
or resumed: its power state follows its status). Its size comes from where Snooze records it: the
group manager's record keeps the size a VM booted with, never a resize, so a VM that runs below its
boot-time maximum (Terraform resized it) is read from its host's own records, one request per
host; a host that does not answer leaves the recorded size. One Snooze shows
gone leaves state, and the plan adds it back; a VM of the same name with another fingerprint is
left alone. One that cannot be seen after the grace, or that several VMs fit, is kept as it was,
with a warning. A PENDING VM is recorded once exactly one VM of its name appears (its name was
free when it was submitted); the one-shot result of its submission is never read here, since a
plan does not keep refreshed state.
"""

from __future__ import annotations

import logging

from ..runtime.diagnostics import Diagnostics
from ..session import BoundSession
from ..snooze_api import Fingerprint, NetworkAddress, Presence, VmRecord
from .config import VMS
from .private import Private
from .state import VmState

__all__ = ["refreshed"]

log = logging.getLogger("terraform_provider_snooze.virtual_cluster")


def refreshed(
    snooze: BoundSession, vms: dict[str, VmState], private: Private, diagnostics: Diagnostics
) -> tuple[dict[str, VmState], Private]:
    """The VMs to keep in state, with Snooze's values, and the private state that goes with them."""
    kept = dict(vms)
    records = {name: record for name, vm in vms.items() if (record := vm.record) is not None}
    for name, resolution in snooze.resolve(records).items():
        if resolution.presence is Presence.FOUND:
            kept[name] = vms[name].observed(resolution.found)
        elif resolution.presence is Presence.GONE:
            log.info("Virtual machine %s no longer exists in Snooze (%s)", name, resolution.reason)
            del kept[name]
        else:
            diagnostics.warning(
                "Virtual machine not seen",
                f"{name!r} is kept in state as it was: {resolution.reason}. Snooze may be failing over "
                "(group managers rejoin a new group leader after about 10 s); a later refresh updates it.",
                VMS.key(name),
            )
    _read_sizes(snooze, kept)
    pending = sorted(name for name, vm in kept.items() if vm.is_pending)
    if pending:
        _adopt_appeared(snooze, kept, pending, diagnostics)
    still = [name for name, vm in kept.items() if vm.is_pending]
    return kept, private.keep_only(still)


def _adopt_appeared(
    snooze: BoundSession, kept: dict[str, VmState], pending: list[str], diagnostics: Diagnostics
) -> None:
    listing = snooze.listing(max_age=5.0)
    ours = {vm.record.fingerprint for vm in kept.values() if vm.record is not None}
    for name in pending:
        appeared = [vm for vm in listing.named(name) if not any(f.matches(Fingerprint.of(vm)) for f in ours)]
        if len(appeared) == 1:
            kept[name] = kept[name].observed(appeared[0])
            snooze.own(appeared)
            log.info("Virtual machine %s now runs in Snooze: recorded", name)
            continue
        why = (
            f"{len(appeared)} VMs of that name appeared, and Snooze cannot tell which is ours"
            if appeared
            else "Snooze does not show it yet"
        )
        diagnostics.warning(
            "Virtual machine pending",
            f"{name!r} was submitted but {why}. It is kept in state as PENDING; the next apply "
            "reconciles it, never submitting it twice.",
            VMS.key(name),
        )


def _read_sizes(snooze: BoundSession, kept: dict[str, VmState]) -> None:
    """The size of each resized VM, from its host (see above)."""
    resized: dict[str, tuple[VmRecord, NetworkAddress]] = {
        name: (record, record.location.local_controller_control_data_address)
        for name, vm in kept.items()
        if vm.resized and (record := vm.record) is not None
    }
    for name, size in snooze.host_sizes(resized).items():
        kept[name] = kept[name].sized(size)
