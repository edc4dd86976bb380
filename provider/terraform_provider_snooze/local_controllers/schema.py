"""The schema of snooze_local_controllers: the hosts of a Snooze cloud."""

from __future__ import annotations

from typing import Any

from ..runtime import cty
from ..runtime.cty.path import AttributePath
from ..runtime.diagnostics import Diagnostics
from ..runtime.schema import Attribute, Block, NestedAttributes, Nesting, Schema

__all__ = ["LOCAL_CONTROLLERS_SCHEMA", "STATUSES"]

STATUSES = ("ACTIVE", "PASSIVE", "WOKENUP", "UNKNOWN")


def _known_status(value: Any, path: AttributePath, diagnostics: Diagnostics) -> None:
    if value not in STATUSES:
        diagnostics.error(
            "Invalid status",
            f"{value!r} is not a local controller status; use one of {', '.join(STATUSES)}.",
            path,
        )


def _computed(ty: cty.CtyType, description: str) -> Attribute:
    return Attribute(type=ty, computed=True, description=description)


def _single(description: str, **attributes: Attribute) -> Attribute:
    return Attribute(
        computed=True,
        description=description,
        nested=NestedAttributes(nesting=Nesting.SINGLE, attributes=attributes),
    )


LOCAL_CONTROLLER = NestedAttributes(
    nesting=Nesting.LIST,
    attributes={
        "id": _computed(cty.STRING, "The local controller's id (use it as a VM's `local_controller_id`)."),
        "hostname": _computed(cty.STRING, "Host name of the machine."),
        "status": _computed(cty.STRING, "`ACTIVE`, `PASSIVE` (powered down by energy management), ..."),
        "control_data_address": _single(
            "Where the local controller listens.",
            address=_computed(cty.STRING, "IP address or host name."),
            port=_computed(cty.NUMBER, "TCP port."),
        ),
        "hypervisor": _single(
            "The libvirt hypervisor of the host.",
            driver=_computed(cty.STRING, "libvirt driver, e.g. `qemu`, `kvm`, `xen`."),
            transport=_computed(cty.STRING, "libvirt transport: `tcp`, `ssh` or `tls`."),
            port=_computed(cty.NUMBER, "libvirt port."),
            migration_method=_computed(cty.STRING, "Migration method, e.g. `live`."),
            migration_timeout=_computed(cty.NUMBER, "Seconds before a migration is forced to converge."),
        ),
        "total_capacity": _single(
            "What the host offers.",
            vcpus=_computed(cty.NUMBER, "CPUs."),
            memory=_computed(cty.NUMBER, "Memory in KiB."),
            rx_bytes=_computed(cty.NUMBER, "Receive network capacity (KB)."),
            tx_bytes=_computed(cty.NUMBER, "Transmit network capacity (KB)."),
        ),
        "wakeup_driver": _computed(cty.STRING, "How Snooze powers the host up: `IPMI`, `WOL`, ..."),
        "assigned_virtual_machines": _computed(
            cty.List(cty.STRING), "Virtual machines assigned to the host in this listing, by name."
        ),
    },
)


LOCAL_CONTROLLERS_SCHEMA = Schema(
    block=Block(
        description="The local controllers (hosts) of the Snooze cloud. Read from the bootstrap's "
        "`getLocalControllerList`; when the bootstrap keeps no list (Snooze's in-memory database "
        "answers 204), from the group leader's.",
        attributes={
            "status": Attribute(
                type=cty.STRING,
                optional=True,
                description=f"Only hosts in this status: one of {', '.join(f'`{s}`' for s in STATUSES)}.",
                validators=(_known_status,),
            ),
            "local_controllers": Attribute(
                computed=True, nested=LOCAL_CONTROLLER, description="The hosts, sorted by id."
            ),
            "ids": _computed(cty.List(cty.STRING), "The ids of those hosts, in the same order."),
        },
    )
)
