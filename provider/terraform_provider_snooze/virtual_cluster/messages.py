"""What the resource tells users: each diagnostic names the VM's key and says what to do."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..runtime.diagnostics import Diagnostics
from ..snooze_api import Fate, Outcome, VirtualMachineMetaData
from .config import VMS
from .planner import Cause

__all__ = ["ERROR_HINTS", "recreation_warning", "report_outcome", "taint_advice", "taken_error"]

# What a user can do about each way Snooze reports a VM that did not start (spec 6.1.4).
ERROR_HINTS = {
    "NOT_ENOUGH_IP_ADDRESSES": "the group leader's virtual machine subnet has no free address left",
    "NOT_ENOUGH_LOCAL_CONTROLLER_CAPACITY": "no local controller has enough free vcpus, memory or network",
    "NOT_ENOUGH_GROUP_MANAGER_CAPACITY": "no group manager has enough free capacity",
    "INVALID_HOST_ID": "local_controller_id names no local controller Snooze knows",
    "UNABLE_TO_START_ON_GROUP_MANAGER": "the group manager stayed busy and never accepted the VM",
    "UNABLE_TO_COLLECT_GROUP_MANAGER_RESPONSE": "a group manager did not answer the group leader in time",
    "FAILED_TO_START_ON_HYPERVISOR": "libvirt could not start the domain (image, disk or a VM of that name "
    "already on the host)",
    "INVALID_SUBMISSION_RESPONSE": "the local controller failed while starting the VM",
    "GROUP_MANAGERS_MISSING": "no group manager had joined the group leader (one was just elected)",
}

# Terraform prints the resource's address in the "with" line of each diagnostic; the provider
# is never told it.
ADDRESS = "ADDRESS"
_ADDRESS_NOTE = f'({ADDRESS} is this resource\'s address, shown in the "with" line of this message)'


def describe(vm: VirtualMachineMetaData) -> str:
    where = vm.location
    address = where.local_controller_control_data_address
    host = f" at {address.address}:{address.port}" if address.known else ""
    return f"on local controller {where.local_controller_id}{host}, IP {vm.ip_address}, status {vm.status}"


def recreation_warning(diagnostics: Diagnostics, name: str, causes: Sequence[Cause]) -> None:
    """One warning per VM to be recreated, naming it and what forces it, on that attribute."""
    certain = [cause for cause in causes if cause.certain]
    why = "; ".join(cause.why for cause in certain or causes)
    will = "will be" if certain else "may be"
    diagnostics.warning(
        "Virtual machine will be recreated" if certain else "Virtual machine may be recreated",
        f"{name!r} {will} destroyed and started again under the same name, in this in-place update: {why}. "
        "It starts from a fresh disk, and Snooze gives it its IP address and MAC anew; the other virtual "
        "machines are not touched.",
        VMS.key(name).attr(causes[0].attribute),
    )


def taken_error(
    diagnostics: Diagnostics,
    name: str,
    others: Sequence[VirtualMachineMetaData],
    adopt: Iterable[str],
    exists: bool,
    recreated: bool = False,
) -> None:
    """A name already running in Snooze: an error on its key, saying how to adopt the VM."""
    running = "; ".join(describe(vm) for vm in others)
    if recreated:
        diagnostics.error(
            "Virtual machine name already in use",
            f"{name!r} cannot be recreated: Snooze also runs another virtual machine named {name!r} "
            f"({running}), not this one, and starting it again would make two. Ours is left running; "
            "stop the other one, or keep this VM's configuration as it is.",
            VMS.key(name),
        )
        return
    names = ",".join(sorted({*adopt, name}))
    how = (
        f"`terraform state rm {ADDRESS}` and `terraform import {ADDRESS} {names},...` with the names of "
        "its other VMs too"
        if exists
        else f"`terraform import {ADDRESS} {names}` (when {ADDRESS} is in state already, `terraform state "
        f"rm {ADDRESS}` first, and list all its VMs)"
    )
    diagnostics.error(
        "Virtual machine name already in use",
        f"Snooze already runs a virtual machine named {name!r} ({running}). Snooze does not check names "
        f"for uniqueness, so starting {name!r} again would make two. If it is the one you mean, adopt "
        f"it instead: {how} {_ADDRESS_NOTE}, or an import block; otherwise choose another name. "
        "(Terraform plans before it destroys: to destroy this configuration as it is, run "
        "`terraform destroy -refresh=false`.)",
        VMS.key(name),
    )


def taint_advice(
    diagnostics: Diagnostics, running: Sequence[str], pending: Sequence[str], total: int
) -> None:
    """For a create that failed part-way: how to keep the VMs that did start."""
    kept = [*running, *pending]
    detail = (
        f"{len(running)} of {total} virtual machine(s) run"
        + (f" and {len(pending)} are still PENDING" if pending else "")
        + f"; they are kept in state ({', '.join(sorted(kept))}). Terraform marks the resource tainted, "
        "and its next apply would destroy and recreate them all. To keep them, run "
        f"`terraform untaint {ADDRESS}` {_ADDRESS_NOTE} and apply again: only the missing virtual "
        "machines are started"
        + (", and the PENDING ones are reconciled, never submitted twice." if pending else ".")
    )
    diagnostics.error("Some virtual machines are not running", detail)


def report_outcome(diagnostics: Diagnostics, name: str, outcome: Outcome) -> None:
    """The error or warning for a VM that did not simply start."""
    path = VMS.key(name)
    fate = outcome.fate
    if fate is Fate.FAILED or fate is Fate.NOT_STARTED:
        code = outcome.error_code
        hint = ERROR_HINTS.get(code, "")
        status = f" with error code {code}" if code else ""
        detail = outcome.detail or hint or "Snooze did not start it"
        diagnostics.error(
            "Virtual machine failed to start",
            f"Snooze reports that {name!r} did not start{status}: {detail}.",
            path,
        )
    elif fate is Fate.UNKNOWN:
        diagnostics.error(
            "Virtual machine still pending",
            f"{name!r} was submitted, but {outcome.detail[:1].lower() + outcome.detail[1:]}. It is kept in "
            "state as PENDING: a refresh records it once Snooze shows it, and the next apply reconciles "
            "it. It is never submitted twice.",
            path,
        )
    elif fate is Fate.YIELDED:
        others = "; ".join(describe(vm) for vm in outcome.others)
        kept = (
            f" It could not be destroyed ({outcome.detail}) and is kept in state."
            if outcome.metadata
            else " It was destroyed."
        )
        diagnostics.error(
            "Virtual machine name taken concurrently",
            f"While {name!r} started, another virtual machine of that name appeared ({others}), "
            f"started by someone else past the name check.{kept} Choose another name, or adopt the "
            "other one with terraform import.",
            path,
        )
