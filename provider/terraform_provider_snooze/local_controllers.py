"""Data source snooze_local_controllers: the hosts of a Snooze cloud, as its bootstrap lists them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .runtime import cty
from .runtime.cty.path import AttributePath
from .runtime.diagnostics import Diagnostics
from .runtime.interfaces import DataSource, DataSourceReadRequest, DataSourceReadResponse
from .runtime.schema import Attribute, Block, NestedAttributes, Nesting, Schema
from .snooze_api import LocalControllerDescription
from .snooze_calls import SnoozeSession, snooze_errors

__all__ = ["LocalControllersDataSource"]

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


class LocalControllersDataSource(DataSource):
    type_name = "snooze_local_controllers"
    schema = Schema(
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

    def __init__(self) -> None:
        self._session: SnoozeSession | None = None

    def configure(self, provider_data: Any) -> None:
        self._session = provider_data

    def read(self, request: DataSourceReadRequest, response: DataSourceReadResponse) -> None:
        assert self._session is not None
        with snooze_errors():
            controllers = self._session.bound(request.cancellation).client.get_local_controllers()
        wanted = request.config.get("status")
        selected = sorted(
            (lc for lc in controllers if wanted is None or lc.status == wanted), key=lambda lc: lc.id
        )
        response.state = {
            **request.config,
            "local_controllers": [_local_controller(lc) for lc in selected],
            "ids": [lc.id for lc in selected],
        }


def _local_controller(lc: LocalControllerDescription) -> dict[str, Any]:
    capacity = [Decimal(str(v)) for v in (lc.total_capacity + [0.0] * 4)[:4]]
    hypervisor = lc.hypervisor_settings
    return {
        "id": lc.id,
        "hostname": lc.hostname,
        "status": lc.status,
        "control_data_address": {
            "address": lc.control_data_address.address,
            "port": lc.control_data_address.port,
        },
        "hypervisor": {
            "driver": hypervisor.driver,
            "transport": hypervisor.transport,
            "port": hypervisor.port,
            "migration_method": hypervisor.migration.method,
            "migration_timeout": hypervisor.migration.timeout,
        },
        "total_capacity": dict(zip(("vcpus", "memory", "rx_bytes", "tx_bytes"), capacity, strict=True)),
        "wakeup_driver": lc.wakeup_settings.driver,
        "assigned_virtual_machines": list(lc.assigned_virtual_machines),
    }
