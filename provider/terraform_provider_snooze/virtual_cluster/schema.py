"""The schema of snooze_virtual_cluster: one resource, a map of virtual machines by name."""

from __future__ import annotations

from ..libvirt_template import TemplateError, parse_template
from ..runtime import cty
from ..runtime.durations import DurationRange, timeouts_block
from ..runtime.planmodifiers import (
    PlanModifierRequest,
    RequiresReplace,
    RequiresReplaceIf,
    UseStateForUnknown,
)
from ..runtime.schema import Attribute, Block, NestedAttributes, Nesting, Schema
from .limits import MEMORY_KIB, NAME_MAX_LENGTH, NETWORK, VCPUS

__all__ = ["TIMEOUT_DEFAULTS", "VIRTUAL_CLUSTER_SCHEMA"]

# Each operation's timeout: its range and default. A timeout under a second cannot cover one
# request to Snooze; an operation that has not ended in a day will not end.
TIMEOUT_DEFAULTS = {
    "create": DurationRange(minimum="1s", maximum="24h", default="10m"),
    "update": DurationRange(minimum="1s", maximum="24h", default="10m"),
    "delete": DurationRange(minimum="1s", maximum="24h", default="5m"),
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


def _template_changes_the_vm(request: PlanModifierRequest) -> bool:
    """An imported VM has no template in state (Snooze cannot give it back): a configured
    template describing the very VM that runs is recorded in place, not a replacement."""
    prior_vm = request.prior_object or {}
    if request.prior is not None or not isinstance(request.planned, str):
        return True
    try:
        domain = parse_template(request.planned)
    except TemplateError:
        return True
    return not (domain.vcpus == prior_vm.get("vcpus") and domain.memory_kib == prior_vm.get("memory"))


_COMPUTED_NOTE = "Set by Snooze."

VIRTUAL_MACHINE = NestedAttributes(
    nesting=Nesting.MAP,
    attributes={
        "libvirt_template": Attribute(
            type=cty.STRING,
            optional=True,
            plan_modifiers=(
                RequiresReplaceIf(
                    _template_changes_the_vm,
                    "Changing this forces a replacement, except when it is first set on an imported VM "
                    "whose `<vcpu>` and `<memory>` it matches: it is then recorded in place.",
                ),
            ),
            description="Template mode: a libvirt domain XML document. Its `<name>` must equal the map "
            "key; Snooze reads `<vcpu>` and `<memory>` (as KiB) from it. Conflicts with `vcpus`, "
            "`memory` and `image_id`.",
        ),
        "vcpus": Attribute(
            type=cty.NUMBER,
            optional=True,
            computed=True,
            plan_modifiers=(UseStateForUnknown(), RequiresReplace()),
            description="Parameter mode: number of virtual CPUs (default 1). In template mode, the "
            "template's `<vcpu>`, as Snooze reports it. " + VCPUS.documentation,
            validators=(VCPUS.validate,),
        ),
        "memory": Attribute(
            type=cty.NUMBER,
            optional=True,
            computed=True,
            plan_modifiers=(UseStateForUnknown(), RequiresReplace()),
            description="Parameter mode: memory in KiB (default 131072, i.e. 128 MiB; 4 GiB is "
            "4194304). In template mode, the template's `<memory>`, as Snooze reports it. "
            + MEMORY_KIB.documentation,
            validators=(MEMORY_KIB.validate,),
        ),
        "image_id": Attribute(
            type=cty.STRING,
            optional=True,
            computed=True,
            plan_modifiers=(UseStateForUnknown(), RequiresReplace()),
            description="Parameter mode (required there): the disk image to boot, by its id in "
            "Snooze's image repository (e.g. `debian.qcow2`). In template mode, the image Snooze "
            "derived from the template's first disk.",
        ),
        "network_demand": Attribute(
            nested=NETWORK_DEMAND,
            optional=True,
            computed=True,
            plan_modifiers=(UseStateForUnknown(), RequiresReplace()),
            description="Network capacity to reserve for the VM. Default: none (0 and 0).",
        ),
        "local_controller_id": Attribute(
            type=cty.STRING,
            optional=True,
            computed=True,
            description="The local controller (host) that runs the VM. Set it to place the VM on "
            "that host; changing it live-migrates the VM. Left unset, Snooze chooses.",
        ),
        "status": Attribute(
            type=cty.STRING,
            computed=True,
            description="Snooze's status of the VM: `RUNNING`, `PAUSED`, `SHUTDOWN_PENDING`, ...",
        ),
        "error_code": Attribute(
            type=cty.STRING,
            computed=True,
            description="Snooze's error code for the VM; `UNKNOWN` when there was no error.",
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
    version=0,
    block=Block(
        description="A Snooze virtual cluster: virtual machines started together by one submission "
        "to the group leader. VMs are keyed by name (Snooze's virtual machine id). Adding or "
        "removing a VM, or changing its `local_controller_id` (live migration), is done in place; "
        "changing what a VM is made of replaces the cluster.",
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
        },
        blocks={"timeouts": timeouts_block(TIMEOUT_DEFAULTS)},
    ),
)
