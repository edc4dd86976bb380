"""The schema of snooze_virtual_cluster: one resource, a map of virtual machines by name."""

from __future__ import annotations

from typing import Any

from ..runtime import cty
from ..runtime.cty.path import AttributePath
from ..runtime.diagnostics import Diagnostics
from ..runtime.durations import DurationRange, timeouts_block
from ..runtime.planmodifiers import UseStateForUnknown
from ..runtime.schema import Attribute, Block, NestedAttributes, Nesting, Schema
from .limits import MEMORY_KIB, NAME_MAX_LENGTH, NETWORK, VCPUS
from .state import PAUSED, RUNNING

__all__ = ["TIMEOUT_DEFAULTS", "VIRTUAL_CLUSTER_SCHEMA"]

# Each operation's timeout: its range and default. A timeout under a second cannot cover one
# request to Snooze; an operation that has not ended in a day will not end.
TIMEOUT_DEFAULTS = {
    "create": DurationRange(minimum="1s", maximum="24h", default="10m"),
    "update": DurationRange(minimum="1s", maximum="24h", default="10m"),
    "delete": DurationRange(minimum="1s", maximum="24h", default="5m"),
    # With shutdown_before_destroy: how long a VM may take to power off before it is destroyed.
    "shutdown": DurationRange(minimum="1s", maximum="1h", default="1m"),
}

NETWORK_DEMAND = NestedAttributes(
    nesting=Nesting.SINGLE,
    attributes={
        "rx_bytes": Attribute(
            type=cty.NUMBER,
            required=True,
            description="Receive bandwidth to reserve, in the unit of the local controllers' "
            "network capacity (KB per Snooze's configuration). " + NETWORK.documentation,
            validators=(NETWORK.validate,),
        ),
        "tx_bytes": Attribute(
            type=cty.NUMBER,
            required=True,
            description="Transmit bandwidth to reserve, same unit as `rx_bytes`. " + NETWORK.documentation,
            validators=(NETWORK.validate,),
        ),
    },
)


def _power_state(value: Any, path: AttributePath, diagnostics: Diagnostics) -> None:
    if value not in (RUNNING, PAUSED):
        diagnostics.error(
            "Invalid power state",
            f'{path} is "{value}": a virtual machine is "{RUNNING}" or "{PAUSED}".',
            path,
        )


_IN_PLACE = (
    "Changing it resizes the VM in place, within its boot-time maximum (`max_vcpus`, `max_memory`); "
    "past it, or for a VM neither running nor paused, the VM is recreated (the plan warns)."
)
_RECREATES = "Changing it recreates this VM (destroyed, then started again under its name); the plan warns."

_COMPUTED_NOTE = "Set by Snooze."

VIRTUAL_MACHINE = NestedAttributes(
    nesting=Nesting.MAP,
    attributes={
        "libvirt_template": Attribute(
            type=cty.STRING,
            optional=True,
            description="Template mode: a libvirt domain XML document. Its `<name>` must equal the map "
            "key; Snooze reads `<vcpu>` and `<memory>` (as KiB) from it. Conflicts with `vcpus`, "
            "`memory` and `image_id`. Templates are compared by what Snooze runs from them: an edit "
            "Snooze would not notice (whitespace, comments, attribute order, elements it drops such as "
            "`<clock>` or `<currentMemory>`, interfaces it replaces) is recorded in place; one that "
            "changes only `<vcpu>` or `<memory>` resizes the VM; any other recreates it. A VM imported "
            "without a template takes the one configured in place when it describes it.",
        ),
        "vcpus": Attribute(
            type=cty.NUMBER,
            optional=True,
            computed=True,
            plan_modifiers=(UseStateForUnknown(),),
            description="Parameter mode: number of virtual CPUs (default 1). In template mode, the "
            f"template's `<vcpu>`. {_IN_PLACE} " + VCPUS.documentation,
            validators=(VCPUS.validate,),
        ),
        "memory": Attribute(
            type=cty.NUMBER,
            optional=True,
            computed=True,
            plan_modifiers=(UseStateForUnknown(),),
            description="Parameter mode: memory in KiB (default 131072, i.e. 128 MiB; 4 GiB is "
            f"4194304). In template mode, the template's `<memory>`. {_IN_PLACE} " + MEMORY_KIB.documentation,
            validators=(MEMORY_KIB.validate,),
        ),
        "image_id": Attribute(
            type=cty.STRING,
            optional=True,
            computed=True,
            plan_modifiers=(UseStateForUnknown(),),
            description="Parameter mode (required there): the disk image to boot, by its id in "
            "Snooze's image repository (e.g. `debian.qcow2`). In template mode, the image Snooze "
            f"derived from the template's first disk. {_RECREATES}",
        ),
        "network_demand": Attribute(
            nested=NETWORK_DEMAND,
            optional=True,
            computed=True,
            plan_modifiers=(UseStateForUnknown(),),
            description=f"Network capacity to reserve for the VM. Default: none (0 and 0). {_RECREATES}",
        ),
        "local_controller_id": Attribute(
            type=cty.STRING,
            optional=True,
            computed=True,
            description="The local controller (host) that runs the VM. Set it to place the VM on "
            "that host; changing it live-migrates the VM. Left unset, Snooze chooses.",
        ),
        "power_state": Attribute(
            type=cty.STRING,
            optional=True,
            computed=True,
            description=f'`"{RUNNING}"` (the default) or `"{PAUSED}"` (suspended in memory). A VM starts in '
            "this state; changing it suspends or resumes the VM in place. A VM paused or resumed "
            "outside Terraform shows as a change in the next plan.",
            validators=(_power_state,),
        ),
        "status": Attribute(
            type=cty.STRING,
            computed=True,
            description="Snooze's status of the VM: `RUNNING`, `PAUSED`, `SHUTDOWN_PENDING`, ...",
        ),
        "error_code": Attribute(
            type=cty.STRING,
            computed=True,
            description="Snooze's error code for the VM; null when there was none. A running VM may "
            "keep a stale code from its placement (e.g. `NOT_ENOUGH_GROUP_MANAGER_CAPACITY` for a "
            "VM pinned to a host).",
        ),
        "max_vcpus": Attribute(
            type=cty.NUMBER,
            computed=True,
            plan_modifiers=(UseStateForUnknown(),),
            description="The vcpus the VM booted with (its domain's `<vcpu>`): libvirt cannot grow a "
            "running VM past them, so a larger `vcpus` recreates it.",
        ),
        "max_memory": Attribute(
            type=cty.NUMBER,
            computed=True,
            plan_modifiers=(UseStateForUnknown(),),
            description="The memory in KiB the VM booted with (its domain's `<memory>`): a larger "
            "`memory` recreates it.",
        ),
        "ip_address": Attribute(
            type=cty.STRING,
            computed=True,
            plan_modifiers=(UseStateForUnknown(),),
            description="The IP address Snooze assigned from its virtual machine subnet.",
        ),
        "mac_address": Attribute(
            type=cty.STRING,
            computed=True,
            plan_modifiers=(UseStateForUnknown(),),
            description="The MAC address Snooze gave the VM's network interface (derived from its IP). "
            "With the name, IP and libvirt uuid, it tells this VM apart from any other of the same name.",
        ),
        "libvirt_uuid": Attribute(
            type=cty.STRING,
            computed=True,
            plan_modifiers=(UseStateForUnknown(),),
            description="The `<uuid>` of the VM's libvirt domain, when its template has one; null otherwise.",
        ),
        "local_controller_address": Attribute(
            type=cty.STRING,
            computed=True,
            description="Control address (`host:port`) of the local controller running the VM.",
        ),
        "group_manager_id": Attribute(
            type=cty.STRING,
            computed=True,
            description="The group manager that manages the VM's host. " + _COMPUTED_NOTE,
        ),
        "group_manager_address": Attribute(
            type=cty.STRING,
            computed=True,
            description="Control address (`host:port`) of that group manager.",
        ),
    },
)

VIRTUAL_CLUSTER_SCHEMA = Schema(
    version=1,
    block=Block(
        description="A Snooze virtual cluster: virtual machines started together by one submission "
        "to the group leader. VMs are keyed by name (Snooze's virtual machine id). Every change is "
        "made in place, one VM at a time: adding or removing a VM, live migration "
        "(`local_controller_id`), resizing (`vcpus`, `memory`), pausing and resuming "
        "(`power_state`); a change Snooze cannot make to a running VM (a new image, network demand "
        "or template) recreates that VM alone, under its name, and the plan warns which and why. "
        "The other VMs keep running untouched. The whole cluster is replaced only on request "
        "(`terraform apply -replace`).",
        attributes={
            "id": Attribute(
                type=cty.STRING,
                computed=True,
                plan_modifiers=(UseStateForUnknown(),),
                description="The task id Snooze gave the first submission (a random id when its answer "
                "was lost); stable across updates.",
            ),
            "virtual_machines": Attribute(
                nested=VIRTUAL_MACHINE,
                required=True,
                description="The virtual machines, by name. Each uses either template mode "
                "(`libvirt_template`) or parameter mode (`image_id`, with `vcpus` and `memory`). A name "
                f"is Snooze's VM id and the libvirt domain name: 1 to {NAME_MAX_LENGTH} ASCII letters, "
                "digits, `.`, `_` and `-`, starting with a letter or a digit. Terraform drops a "
                "misspelled attribute inside a VM without a word (`vpcus = 2`), so the default "
                "applies: a parameter-mode VM that leaves `vcpus` or `memory` unset gets a warning.",
            ),
            "shutdown_before_destroy": Attribute(
                type=cty.BOOL,
                optional=True,
                description="Destroy VMs gracefully: ask each to shut down (ACPI) first, wait up to "
                "`timeouts.shutdown` (default 1m) for it to power off, then destroy what is left. "
                "Applies to VMs removed from the map, VMs recreated, and `terraform destroy` (which "
                "uses the value last applied). Default false: VMs are destroyed at once.",
            ),
        },
        blocks={"timeouts": timeouts_block(TIMEOUT_DEFAULTS)},
    ),
)
